"""The real laws of the shared corpus: every text and PDF reviews, every quote is verbatim.

The corpus lives outside the repository (`../shared/corpora/real`); these tests skip when it is
absent. Held-out laws are only run, never tuned on: the assertions here are about the pipeline
(it reads, segments and quotes correctly), not about the findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from locations import REAL

from checker import run_review

FILES = sorted([*REAL.glob("*/text.*"), *REAL.glob("*/source.pdf")]) if REAL.is_dir() else []

pytestmark = pytest.mark.corpus


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_real_law_reviews_with_verbatim_quotes(path: Path) -> None:
    result = run_review([path])
    document = result.structures[0].document
    report = result.report
    assert document.status == "ok", document.diagnostics
    assert len(report.findings) == 99
    assert any(p.kind == "article" for p in result.structures[0].provisions)
    for finding in report.findings:
        for evidence in finding.evidence:
            assert document.text[evidence.start:evidence.end] == evidence.quote
            if path.suffix == ".pdf":
                assert evidence.page is not None


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
def test_the_czech_pdf_is_read_whole() -> None:
    path = REAL / "cz-zakon-o-zbranich-cs" / "source.pdf"
    document = run_review([path]).structures[0].document
    assert document.page_count == 109 and len(document.pages) == 109
    assert document.language == "cs"
    assert all(page.end > page.start for page in document.pages)
