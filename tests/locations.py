"""Where the tests find their data: the repository's own corpora, and the shared corpora beside the
repository (`../shared`), which tests that need them skip without."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpora" / "samples"
SHARED = ROOT.parent / "shared"
HOSTILE = SHARED / "corpora" / "hostile"
LAYOUT = SHARED / "corpora" / "layout"
REAL = SHARED / "corpora" / "real"
