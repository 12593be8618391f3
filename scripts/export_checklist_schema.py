"""Write the JSON Schemas of the checklist formats: `checklists/schema.json` for checklists and
`checklists/languages/indicators.schema.json` for a language's indicator file.

The schemas are generated from the `Checklist` and `LanguageIndicators` models of
`checker/checklist.py`, so they state exactly what the loader accepts: editors and other tools can
validate a YAML file against them before the tool ever reads it. Run this script after any change
to the checklist models; `tests/test_checklists.py` fails while a published file is stale.

The output is deterministic: the same models give the same bytes on every run.

Usage:
    .venv/bin/python scripts/export_checklist_schema.py          # write checklists/schema.json
    .venv/bin/python scripts/export_checklist_schema.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from checker.checklist import Checklist, LanguageIndicators

CHECKLISTS = Path(__file__).resolve().parents[1] / "checklists"
SCHEMA_PATH = CHECKLISTS / "schema.json"
LANGUAGE_SCHEMA_PATH = CHECKLISTS / "languages" / "indicators.schema.json"


def schema_text(model: type[BaseModel] = Checklist) -> str:
    """The published text: the model's JSON Schema, two-space indented, UTF-8, final newline."""
    return json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the published schema is stale")
    args = parser.parse_args(argv)
    stale = 0
    for model, path in ((Checklist, SCHEMA_PATH), (LanguageIndicators, LANGUAGE_SCHEMA_PATH)):
        text = schema_text(model)
        if args.check:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current != text:
                print(f"{path} is stale: run scripts/export_checklist_schema.py", file=sys.stderr)
                stale = 1
            continue
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
