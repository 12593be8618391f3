"""Report writers: turn a `Report` into the files people and other tools read.

Each format is a function from `Report` to text, registered in `WRITERS`; adding a format is adding
an entry, and `FORMATS` (what the command line offers) follows. The JSON form is a published
contract: `report.schema.json` beside this module is generated from the model by
`report_json_schema()`, and a test keeps the two identical.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Code
from checker.models import SCHEMA_VERSION, Report
from checker.report.html import to_html
from checker.report.json_writer import to_json
from checker.report.markdown import to_markdown

Writer = Callable[[Report], str]

WRITERS: dict[str, Writer] = {
    "json": to_json,
    "md": to_markdown,
    "html": to_html,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
SCHEMA_ID = f"urn:checker:report:schema:{SCHEMA_VERSION}"
SCHEMA_TITLE = "checker gap report"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

__all__ = [
    "FORMATS",
    "SCHEMA_PATH",
    "WRITERS",
    "render",
    "report_json_schema",
    "to_html",
    "to_json",
    "to_markdown",
    "write",
    "write_schema",
]


def render(report: Report, fmt: str) -> str:
    """Render `report` in format `fmt` (one of `FORMATS`).

    An unknown format is the caller's mistake (a bad `--format`), hence a coded `CheckerError`
    rather than a bare KeyError.
    """
    writer = WRITERS.get(fmt)
    if writer is None:
        known = ", ".join(FORMATS)
        raise CheckerError(Code.OPTION_INVALID, f"unknown report format {fmt!r} (known: {known})")
    return writer(report)


def write(report: Report, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Render and write the report to `path` as UTF-8 with `\\n` line ends; returns the path.

    Rendering happens before the file is opened, so a failure never leaves a truncated report.
    Missing parent folders are created: output folders are usually per run.
    """
    text = render(report, fmt)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
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
