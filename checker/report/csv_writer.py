"""The CSV export: the rows of the workbook's "All obligations" sheet, for any tool that reads CSV.

UTF-8 with a byte-order mark, so Excel opens accented text correctly; RFC 4180 quoting and CRLF
line ends. Text that spreadsheet software would run as a formula (leading `=`, `+`, `-`, `@`, tab
or carriage return) is prefixed with `'`, the usual defence against CSV formula injection: CSV has
no cell types to say "this is text".
"""

from __future__ import annotations

import csv
import io

from checker.models import Report
from checker.report.common import FORMULA_TRIGGERS
from checker.report.content import ROW_HEADERS, CellValue, ReportContent, ReportMeta, build_content


def csv_value(value: CellValue) -> str:
    """A cell as CSV text: numbers as written, None as empty, risky text defused."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_from_content(content: ReportContent) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ROW_HEADERS)
    for row in content.rows:
        writer.writerow([csv_value(v) for v in row.values()])
    return buffer.getvalue().encode("utf-8-sig")


def to_csv(report: Report, meta: ReportMeta | None = None) -> bytes:
    """Render the report's obligation rows as CSV bytes (UTF-8 with BOM)."""
    return csv_from_content(build_content(report, meta))
