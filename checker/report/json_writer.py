"""The JSON report: the machine-readable contract other tools read.

The shape is exactly `Report.model_dump(mode="json")`, so the model is the single source of truth
and `report.schema.json` (generated from the same model) describes it. Keys keep the model's field
order so diffs between two runs stay readable.
"""

from __future__ import annotations

import json

from checker.models import Report


def to_json(report: Report) -> str:
    """Serialise `report` as UTF-8-friendly, indented JSON ending in a newline.

    `ensure_ascii=False` keeps quotes from non-English laws legible in the file; `allow_nan=False`
    makes a stray NaN score fail here instead of producing a file strict JSON parsers reject.
    """
    data = report.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
