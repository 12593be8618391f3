"""Report writers: turn a `Report` into the files people and other tools read.

Text formats (JSON, Markdown, HTML) are registered in `WRITERS`, document formats (Word, PDF,
Excel, CSV) in `BINARY_WRITERS`; `FORMATS` (what the command line and the app offer) is both.
Every human-readable format is laid out from one `ReportContent` (`content.py`), computed once per
rendering, so they all order, count and word the report the same way. Writers take an optional
`ReportMeta` (country, title, date) for the title page; the JSON report ignores it: it is the
report itself.

The JSON form is a published contract: `report.schema.json` beside this module is generated from
the model by `report_json_schema()`, and a test keeps the two identical.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from checker.errors import CheckerError, Code
from checker.models import SCHEMA_VERSION, Report
from checker.report.content import ReportContent, ReportMeta, build_content
from checker.report.csv_writer import to_csv
from checker.report.docx_writer import to_docx
from checker.report.html import to_html
from checker.report.json_writer import to_json
from checker.report.markdown import to_markdown
from checker.report.pdf_writer import to_pdf
from checker.report.xlsx_writer import to_xlsx


class TextWriter(Protocol):
    """`(report, meta=None) -> str`; callable as `writer(report)` too."""

    def __call__(self, report: Report, meta: ReportMeta | None = None, /) -> str: ...


class BinaryWriter(Protocol):
    """`(report, meta=None) -> bytes`; callable as `writer(report)` too."""

    def __call__(self, report: Report, meta: ReportMeta | None = None, /) -> bytes: ...


WRITERS: dict[str, TextWriter] = {
    "json": to_json,
    "md": to_markdown,
    "html": to_html,
}
BINARY_WRITERS: dict[str, BinaryWriter] = {
    "docx": to_docx,
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "csv": to_csv,
}
TEXT_FORMATS: tuple[str, ...] = tuple(WRITERS)
BINARY_FORMATS: tuple[str, ...] = tuple(BINARY_WRITERS)
FORMATS: tuple[str, ...] = TEXT_FORMATS + BINARY_FORMATS

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
"""Media type of each format, for downloads and mail attachments."""

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
SCHEMA_ID = f"urn:checker:report:schema:{SCHEMA_VERSION}"
SCHEMA_TITLE = "checker gap report"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

__all__ = [
    "BINARY_FORMATS",
    "BINARY_WRITERS",
    "FORMATS",
    "MEDIA_TYPES",
    "SCHEMA_PATH",
    "TEXT_FORMATS",
    "WRITERS",
    "ReportContent",
    "ReportMeta",
    "build_content",
    "render",
    "render_bytes",
    "report_json_schema",
    "to_csv",
    "to_docx",
    "to_html",
    "to_json",
    "to_markdown",
    "to_pdf",
    "to_xlsx",
    "write",
    "write_schema",
]


def _unknown(fmt: str) -> CheckerError:
    known = ", ".join(FORMATS)
    return CheckerError(Code.OPTION_INVALID, f"unknown report format {fmt!r} (known: {known})")


def render(report: Report, fmt: str, meta: ReportMeta | None = None) -> str:
    """Render `report` in the text format `fmt` (one of `TEXT_FORMATS`).

    An unknown format is the caller's mistake (a bad `--format`), hence a coded `CheckerError`
    rather than a bare KeyError; so is asking for text of a binary format (use `render_bytes`).
    """
    writer = WRITERS.get(fmt)
    if writer is None:
        if fmt in BINARY_WRITERS:
            raise CheckerError(Code.OPTION_INVALID,
                               f"{fmt!r} is a binary format: use render_bytes or write")
        raise _unknown(fmt)
    return writer(report, meta)


def render_bytes(report: Report, fmt: str, meta: ReportMeta | None = None) -> bytes:
    """Render `report` in any format of `FORMATS` as the bytes of the file (text as UTF-8)."""
    binary = BINARY_WRITERS.get(fmt)
    if binary is not None:
        return binary(report, meta)
    return render(report, fmt, meta).encode("utf-8")


def write(report: Report, fmt: str, path: str | os.PathLike[str],
          meta: ReportMeta | None = None) -> Path:
    """Render and write the report to `path`; returns the path.

    Text formats are written as UTF-8 with `\\n` line ends, the others byte for byte. Rendering
    happens before the file is opened, so a failure never leaves a truncated report. Missing parent
    folders are created: output folders are usually per run.
    """
    data = render_bytes(report, fmt, meta)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON report, generated from the `Report` model."""
    generated = Report.model_json_schema()
    header = {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_ID, "title": SCHEMA_TITLE}
    return {**header, **{k: v for k, v in generated.items() if k not in header}}


def write_schema(path: str | os.PathLike[str] = SCHEMA_PATH) -> Path:
    """Regenerate the published schema file; run after any change to the report models."""
    target = Path(path)
    text = json.dumps(report_json_schema(), ensure_ascii=False, indent=2) + "\n"
    target.write_text(text, encoding="utf-8", newline="\n")
    return target
