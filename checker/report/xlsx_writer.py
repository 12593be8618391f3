"""The Excel workbook: the findings as data, to sort, filter and annotate.

Sheets: "Summary" (counts by status, category and level; the documents with their sha256), "All
obligations" (one row per obligation, the columns of `ROW_HEADERS`), then one sheet per category
with the same columns. Every data sheet has a frozen header row and an autofilter; status cells are
filled with the status colour and hold the status word, so the colour is never the only signal.

Text from documents is written as text, never as a formula: every string cell is typed as a string,
and one that a spreadsheet would read as a formula on editing (leading `=`, `+`, `-`, `@`, tab or
carriage return) also gets the "quote prefix" flag, Excel's own marker for "this is text".
Characters a worksheet cannot hold are shown as U+FFFD and over-long text is cut at Excel's limit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from checker.models import Report
from checker.report.common import FORMULA_TRIGGERS, STATUS_ORDER, printable, reading_label
from checker.report.content import (
    ROW_HEADERS,
    STATUS_COLUMNS,
    CellValue,
    ReportContent,
    ReportMeta,
    Row,
    Tally,
    build_content,
)

MAX_CELL = 32767
MAX_SHEET_NAME = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

STATUS_FILLS: dict[str, tuple[str, str]] = {
    "met": ("C6EFCE", "006100"),
    "partial": ("FFEB9C", "7A4B00"),
    "missing": ("FFC7CE", "9C0006"),
    "unclear": ("E7E6E6", "3A3A3A"),
}
"""Status to (fill, font colour): light fills with dark text, Excel's own good/neutral/bad."""

_HEADER_FILL = PatternFill("solid", fgColor="E7EAEE")
_BOLD = Font(bold=True)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)

_WIDTHS: dict[str, float] = {
    "Id": 34, "Instrument": 11, "Article": 16, "Category": 20, "Level": 20, "Title": 40,
    "Status": 11, "Reviewed status": 11, "Reviewer": 16, "Reviewer reason": 36,
    "Reviewer comment": 36, "Confidence": 11, "Best provision": 16, "Page": 7, "Quote": 70,
    "Reasons": 60, "Parameters": 50,
}
_WRAPPED = frozenset({"Title", "Reviewer reason", "Reviewer comment", "Quote", "Reasons",
                      "Parameters"})


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name: no `[]:*?/\\`, no edge apostrophes, at most 31 characters.

    `taken` holds the lower-cased names already used (Excel compares them case-insensitively);
    the result is added to it.
    """
    base = _SHEET_FORBIDDEN.sub(" ", printable(name)).replace("\ufffd", " ")
    base = " ".join(base.split()).strip("'") or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History (category)"
    candidate = base[:MAX_SHEET_NAME]
    counter = 2
    while candidate.lower() in taken:
        suffix = f" ({counter})"
        candidate = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def put(cell: Cell, value: CellValue) -> Cell:
    """Write `value` into `cell`; text always stays text (see the module notes)."""
    if value is None or isinstance(value, int | float):
        cell.value = value
        return cell
    text = printable(value)
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "\u2026"
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _status_style(cell: Cell, status: str | None) -> None:
    if status in STATUS_FILLS:
        fill, font = STATUS_FILLS[status]
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = Font(bold=True, color=font)


def _header(sheet: Worksheet, row: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        cell = put(sheet.cell(row=row, column=column), value)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL


def _rows_sheet(sheet: Worksheet, rows: Sequence[Row]) -> None:
    """Header, one row per obligation, widths, wrapping, frozen header and autofilter."""
    _header(sheet, 1, ROW_HEADERS)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row.values(), start=1):
            cell = put(sheet.cell(row=r, column=c), value)
            header = ROW_HEADERS[c - 1]
            cell.alignment = _WRAP if header in _WRAPPED else _TOP
            if c - 1 in STATUS_COLUMNS:
                _status_style(cell, value if isinstance(value, str) else None)
            elif header == "Confidence":
                cell.number_format = "0.00"
    for c, header in enumerate(ROW_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(header, 14)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(ROW_HEADERS))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"


def _tally_block(sheet: Worksheet, top: int, title: str, first: str,
                 groups: Sequence[tuple[str, Tally]]) -> int:
    """A titled table of counts; returns the next free row."""
    put(sheet.cell(row=top, column=1), title).font = Font(bold=True, size=12)
    header = [first, *(s.capitalize() for s in STATUS_ORDER), "Total"]
    _header(sheet, top + 1, header)
    for column, status in enumerate(STATUS_ORDER, start=2):
        _status_style(sheet.cell(row=top + 1, column=column), status)
    row = top + 2
    for name, tally in groups:
        put(sheet.cell(row=row, column=1), name)
        for column, status in enumerate(STATUS_ORDER, start=2):
            put(sheet.cell(row=row, column=column), tally.get(status))
        put(sheet.cell(row=row, column=len(header)), tally.total)
        row += 1
    return row + 1


def _summary_sheet(sheet: Worksheet, content: ReportContent) -> None:
    put(sheet.cell(row=1, column=1), content.title).font = Font(bold=True, size=14)
    facts: list[tuple[str, CellValue]] = [
        ("Country", content.country),
        ("Checklist", content.checklist_id),
        ("Checklist version", content.checklist_version),
        ("Checklist title", content.checklist_title),
        ("Tool", f"{content.tool.name} {content.tool.version}"),
        ("Report schema", content.schema_version),
        ("Date", content.date.isoformat()),
        ("Obligations", len(content.items)),
        ("Reviewer decisions", content.reviewed),
        ("Changed by reviewers", content.changed),
    ]
    row = 3
    for key, value in facts:
        if value is None:
            continue
        put(sheet.cell(row=row, column=1), key).font = _BOLD
        put(sheet.cell(row=row, column=2), value).alignment = Alignment(horizontal="left")
        row += 1
    if content.checklist_note:
        put(sheet.cell(row=row, column=1), content.checklist_note)
        row += 1
    row += 1

    put(sheet.cell(row=row, column=1), "By status").font = Font(bold=True, size=12)
    _header(sheet, row + 1, ["Status", "Tool", "In force"])
    row += 2
    for status, count in content.by_status.items():
        cell = put(sheet.cell(row=row, column=1), status)
        _status_style(cell, status)
        put(sheet.cell(row=row, column=2), content.by_status_tool.get(status))
        put(sheet.cell(row=row, column=3), count)
        row += 1
    row += 1
    row = _tally_block(sheet, row, "By category", "Category",
                       [(g.key, g.tally) for g in content.categories])
    row = _tally_block(sheet, row, "By level", "Level", [(g.key, g.tally) for g in content.levels])

    put(sheet.cell(row=row, column=1), "Documents").font = Font(bold=True, size=12)
    _header(sheet, row + 1, ["Title", "File", "SHA-256", "Language", "Pages", "Status",
                             "Read from"])
    row += 2
    if not content.documents:
        put(sheet.cell(row=row, column=1), "No documents were read.")
    for doc in content.documents:
        values: list[CellValue] = [doc.title or doc.id, doc.path, doc.sha256, doc.language,
                                   doc.pages, doc.status, reading_label(doc)]
        for column, value in enumerate(values, start=1):
            put(sheet.cell(row=row, column=column), value)
        row += 1
    for column, width in enumerate((34, 40, 66, 12, 10, 10, 36), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def xlsx_from_content(content: ReportContent) -> bytes:
    """Lay out `content` as an .xlsx workbook."""
    workbook = Workbook()
    taken: set[str] = set()
    summary = workbook.active
    assert summary is not None
    summary.title = sheet_name("Summary", taken)
    _summary_sheet(summary, content)
    _rows_sheet(workbook.create_sheet(sheet_name("All obligations", taken)), content.rows)
    for group in content.categories:
        sheet = workbook.create_sheet(sheet_name(group.label, taken))
        _rows_sheet(sheet, [content.rows[item.position - 1] for item in group.items])

    properties = workbook.properties
    properties.title = printable(content.title)
    properties.subject = printable(content.checklist_title or content.checklist_label)
    properties.creator = printable(f"{content.tool.name} {content.tool.version}")
    properties.lastModifiedBy = None
    stamp = dt.datetime.combine(content.date, dt.time())
    properties.created = properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx(report: Report, meta: ReportMeta | None = None) -> bytes:
    """Render the report as an Excel workbook (bytes of an .xlsx file)."""
    return xlsx_from_content(build_content(report, meta))
