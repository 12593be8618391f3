"""Review the bundled sample laws and write their reports: what `make demo` runs.

Each sample PDF (`corpora/samples/<id>/source.pdf`, and the image-only `scanned.pdf`, which is read
by OCR when Tesseract is installed) is reviewed once; its report is written as HTML, Markdown and
JSON under the output folder, and one line per sample gives the counts by status and how its pages
were read.

Usage:
    .venv/bin/python scripts/demo.py [--out reports]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from checker import run_review
from checker.report import ReportMeta, write
from checker.report.common import reading_label

SAMPLES = Path(__file__).resolve().parents[1] / "corpora" / "samples"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output folder")
    args = parser.parse_args(argv)
    pdfs = sorted(SAMPLES.glob("*/source.pdf")) + sorted(SAMPLES.glob("*/scanned.pdf"))
    for pdf in pdfs:
        sample = pdf.parent.name
        name = sample if pdf.name == "source.pdf" else f"{sample}-{pdf.stem}"
        meta_file = pdf.parent / "meta.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        report = run_review([pdf]).report
        report_meta = ReportMeta(country=meta.get("country"))
        for fmt in ("html", "md", "json"):
            write(report, fmt, args.out / f"{name}.{fmt}", report_meta)
        counts = ", ".join(f"{k} {v}" for k, v in report.summary.by_status.items())
        print(f"{name}: {counts} ({reading_label(report.documents[0])})")
    print(f"Reports written to {args.out.resolve()}/ (HTML, Markdown and JSON per sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
