"""The JSON report: the machine-readable contract other tools read.

The shape is exactly `Report.model_dump(mode="json")`, so the model is the single source of truth
and `report.schema.json` (generated from the same model) describes it. Keys keep the model's field
order so diffs between two runs stay readable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from checker.models import Report

if TYPE_CHECKING:
    from checker.report.content import ReportMeta


def to_json(report: Report, meta: ReportMeta | None = None) -> str:
    """Serialise `report` as UTF-8-friendly, indented JSON ending in a newline.

    `meta` (title-page details) is accepted like every writer's and left out: the JSON is the
    report itself, and its shape is the published contract.

    `ensure_ascii=False` keeps quotes from non-English laws legible in the file; `allow_nan=False`
    makes a stray NaN score fail here instead of producing a file strict JSON parsers reject.
    """
    data = report.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
