"""Write the JSON Schema of the checklist format to `checklists/schema.json`.

The schema is generated from the `Checklist` model of `checker/checklist.py`, so it states exactly
what the loader accepts: editors and other tools can validate a checklist YAML file against it
before the tool ever reads it. Run this script after any change to the checklist models;
`tests/test_checklists.py` fails while the published file is stale.

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

from checker.checklist import Checklist

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "checklists" / "schema.json"


def schema_text() -> str:
    """The published text: the model's JSON Schema, two-space indented, UTF-8, final newline."""
    return json.dumps(Checklist.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the published schema is stale")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH, help="where to write")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != text:
            print(f"{args.output} is stale: run scripts/export_checklist_schema.py",
                  file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
