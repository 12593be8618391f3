"""Cross-country matrix: every obligation against every dossier of a batch.

One row per obligation of the checklist (in checklist order, grouped by category), one column per
dossier (sorted by country, then name), each cell the dossier's status for that obligation. Three
renderings of the same table:

- `matrix.csv`: plain values, for scripts and spreadsheets;
- `matrix.xlsx`: an "All" sheet and one sheet per category, status cells coloured and spelled
  out, filters on every column, header row and obligation columns frozen; a "Dossiers" sheet
  with each dossier's counts and a "Legend";
- `heatmap.png`: the whole table at a glance, drawn with Pillow. Colour is never the only signal:
  partial cells carry a stripe, missing ones a cross, unclear ones a dot, and the legend shows the
  same marks. A bottom row counts what each dossier meets.

A dossier whose review failed keeps its column, empty ("not reviewed"), so a gap in the batch is
never mistaken for a gap in the law. Every function is a pure function of the reports.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from checker.checklist import CATEGORIES, Checklist

STATUSES: tuple[str, ...] = ("met", "partial", "missing", "unclear")
NOT_REVIEWED = "not reviewed"
#: The reports' status colours (strong enough to carry white text).
COLOURS: dict[str, str] = {
    "met": "#1a7f37",
    "partial": "#9a6700",
    "missing": "#cf222e",
    "unclear": "#6e7781",
}
MEANINGS: dict[str, str] = {
    "met": "every core element found in an operative provision",
    "partial": "some elements found, others missing",
    "missing": "nothing in the dossier implements it",
    "unclear": "the tool could not decide (unread document, unsupported language, passing "
               "mention)",
    NOT_REVIEWED: "the dossier's review did not complete",
}
_EMPTY_FILL = "#f6f8fa"
_TEXT = "#1f2328"
_GRID = "#d0d7de"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Row:
    """An obligation."""

    id: str
    title: str
    article: str
    category: str
    level: str


@dataclass(frozen=True)
class Column:
    """A dossier."""

    dossier: str
    country: str
    outcome: str
    report: str | None

    @property
    def label(self) -> str:
        return f"{self.country} · {self.dossier}" if self.country else self.dossier


@dataclass(frozen=True)
class Matrix:
    """Obligations x dossiers; `cells[i][j]` is the status of row i in column j (None: none)."""

    title: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[str | None, ...], ...]

    def categories(self) -> list[str]:
        present = {row.category for row in self.rows}
        ordered = [c for c in CATEGORIES if c in present]
        return ordered + sorted(present - set(ordered))

    def count(self, column: int, status: str) -> int:
        return sum(1 for row in self.cells if row[column] == status)


# --- building -----------------------------------------------------------------------------------


def build_matrix(entries: Sequence[tuple[Column, Mapping[str, Any] | None]], *,
                 checklist: Checklist | None = None, title: str | None = None) -> Matrix:
    """The matrix of `entries` (a dossier and its JSON report as a dict, or None if it failed).

    Rows follow the checklist when given (obligations no report mentions stay as empty rows),
    then any obligation found only in reports.
    """
    rows: dict[str, Row] = {}
    if checklist is not None:
        for o in checklist.obligations:
            rows[o.id] = Row(id=o.id, title=o.title, article=o.article, category=o.category,
                             level=o.level)
    statuses: list[dict[str, str]] = []
    for _, report in entries:
        found: dict[str, str] = {}
        for finding in (report or {}).get("findings") or ():
            oid = str(finding.get("obligation_id", ""))
            if not oid:
                continue
            found[oid] = str(finding.get("status", ""))
            if oid not in rows:
                rows[oid] = Row(id=oid, title=str(finding.get("title", "")),
                                article=str(finding.get("article", "")),
                                category=str(finding.get("category", "")),
                                level=str(finding.get("level", "")))
        statuses.append(found)
    order = sorted(range(len(entries)),
                   key=lambda j: (entries[j][0].country.lower(), entries[j][0].dossier.lower()))
    columns = tuple(entries[j][0] for j in order)
    ordered_rows = _group(list(rows.values()))
    cells = tuple(tuple(statuses[j].get(row.id) for j in order) for row in ordered_rows)
    if title is None:
        title = "Obligations × dossiers"
        if checklist is not None:
            title += f" — {checklist.id} {checklist.version}"
    return Matrix(title=title, rows=tuple(ordered_rows), columns=columns, cells=cells)


def _group(rows: list[Row]) -> list[Row]:
    """Rows grouped by category (checklist category order), keeping their order inside."""
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(rows, key=lambda r: rank.get(r.category, len(rank)))


def load_entries(records: Sequence[Mapping[str, Any]], out: Path
                 ) -> list[tuple[Column, Mapping[str, Any] | None]]:
    """Index records (one per dossier) with their reports read from `out`."""
    entries: list[tuple[Column, Mapping[str, Any] | None]] = []
    for record in records:
        report_path = record.get("report")
        report = None
        if report_path:
            try:
                report = json.loads((out / str(report_path)).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                report = None
        column = Column(dossier=str(record.get("dossier", "")),
                        country=str(record.get("country") or ""),
                        outcome=str(record.get("outcome", "")),
                        report=str(report_path) if report is not None else None)
        entries.append((column, report))
    return entries


# --- CSV ----------------------------------------------------------------------------------------

_ROW_HEADINGS = ("obligation", "article", "category", "level", "title")


def to_csv(matrix: Matrix) -> str:
    """One line per obligation; dossier columns hold the status, empty when not reviewed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*_ROW_HEADINGS, *(c.label for c in matrix.columns)])
    for row, cells in zip(matrix.rows, matrix.cells, strict=True):
        writer.writerow([row.id, row.article, row.category, row.level, row.title,
                         *(cell or "" for cell in cells)])
    return buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------


def to_xlsx(matrix: Matrix) -> bytes:
    """The workbook: All, one sheet per category, Dossiers, Legend."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    _add_styles(workbook)
    everything = list(range(len(matrix.rows)))
    _matrix_sheet(workbook, "All", matrix, everything)
    for category in matrix.categories():
        picked = [i for i, row in enumerate(matrix.rows) if row.category == category]
        _matrix_sheet(workbook, _sheet_name(category), matrix, picked)
    _dossier_sheet(workbook, matrix)
    _legend_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(text: str) -> str:
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in text)
    return (clean or "sheet")[:31]


def _add_styles(workbook: Any) -> None:
    """Named styles, registered once: one per status, the empty cell and the headings.

    A named style is one assignment per cell; setting fill, font, border and alignment one by
    one costs openpyxl a hash of each, which made 500 dossiers take ten seconds.
    """
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color=_GRID[1:].upper())
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center")
    for status, colour in COLOURS.items():
        workbook.add_named_style(NamedStyle(
            name=f"status-{status}", fill=PatternFill("solid", fgColor=colour[1:].upper()),
            font=Font(bold=True, color="FFFFFF"), alignment=centre, border=border))
    workbook.add_named_style(NamedStyle(
        name="status-none", fill=PatternFill("solid", fgColor=_EMPTY_FILL[1:].upper()),
        font=Font(color="57606A"), alignment=centre, border=border))
    heading = PatternFill("solid", fgColor="EAEEF2")
    workbook.add_named_style(NamedStyle(name="heading", font=Font(bold=True), fill=heading,
                                        border=border))
    workbook.add_named_style(NamedStyle(
        name="heading-rotated", font=Font(bold=True), fill=heading, border=border,
        alignment=Alignment(horizontal="center", vertical="bottom", text_rotation=90)))


def _status_style(value: object) -> str:
    return f"status-{value}" if value in COLOURS else "status-none"


def _matrix_sheet(workbook: Any, name: str, matrix: Matrix, rows: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(name)
    first = len(_ROW_HEADINGS) + 1
    headings = [heading.capitalize() for heading in _ROW_HEADINGS]
    sheet.append([*headings, *(c.label for c in matrix.columns)])
    for index in rows:
        row = matrix.rows[index]
        cells = matrix.cells[index]
        values = [(cell or "") if matrix.columns[j].report else NOT_REVIEWED
                  for j, cell in enumerate(cells)]
        sheet.append([row.id, row.article, row.category, row.level, row.title, *values])
    for cell in sheet[1]:
        cell.style = "heading-rotated" if cell.column >= first else "heading"
    for line in sheet.iter_rows(min_row=2, min_col=first):
        for cell in line:
            cell.style = _status_style(cell.value)
    longest = max((len(c.label) for c in matrix.columns), default=10)
    sheet.row_dimensions[1].height = min(260, max(60, 6.5 * longest))
    for j in range(len(matrix.columns)):
        sheet.column_dimensions[get_column_letter(first + j)].width = 11
    for letter, width in zip("ABCDE", (18, 16, 22, 28, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    last = get_column_letter(max(first - 1 + len(matrix.columns), len(_ROW_HEADINGS)))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.freeze_panes = f"{get_column_letter(first)}2"


def _dossier_sheet(workbook: Any, matrix: Matrix) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet("Dossiers")
    sheet.append(["Dossier", "Country", "Outcome", *STATUSES, "Met share", "Report"])
    total = len(matrix.rows)
    for j, column in enumerate(matrix.columns):
        counts = [matrix.count(j, s) for s in STATUSES]
        share = round(counts[0] / total, 3) if total and column.report else None
        sheet.append([column.dossier, column.country, column.outcome, *counts, share,
                      column.report or ""])
    for cell in sheet[1]:
        cell.style = "heading"
    for row in sheet.iter_rows(min_row=2, min_col=8, max_col=8):
        for cell in row:
            cell.number_format = "0%"
    widths = (44, 16, 12, 9, 9, 9, 9, 11, 50)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.auto_filter.ref = f"A1:I{len(matrix.columns) + 1}"
    sheet.freeze_panes = "B2"


def _legend_sheet(workbook: Any) -> None:
    sheet = workbook.create_sheet("Legend")
    sheet.append(["Status", "Meaning"])
    for status in (*STATUSES, NOT_REVIEWED):
        sheet.append([status, MEANINGS[status]])
    for cell in sheet[1]:
        cell.style = "heading"
    for row in sheet.iter_rows(min_row=2, max_col=1):
        for cell in row:
            cell.style = _status_style(cell.value)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 90


# --- heatmap ------------------------------------------------------------------------------------


@cache
def _font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans when the system has it, else Pillow's built-in scalable font."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _width(text: str, font: Font) -> int:
    left, _, right, _ = font.getbbox(text)
    return math.ceil(right - left)


def _fit(text: str, font: Font, width: int) -> str:
    """`text` cut with an ellipsis to fit `width` pixels."""
    if _width(text, font) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _width(text[:middle] + "…", font) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _rgb(colour: str, lighten: float = 0.0) -> tuple[int, int, int]:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return (round(red + (255 - red) * lighten), round(green + (255 - green) * lighten),
            round(blue + (255 - blue) * lighten))


def _cell(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], status: str | None) -> None:
    """A status cell: its colour and its mark (stripe, cross, dot) for readers without colour."""
    x0, y0, x1, y1 = box
    if status not in COLOURS:
        draw.rectangle(box, fill=_EMPTY_FILL, outline=_GRID)
        if status is None:
            return
        draw.line([(x0 + 2, y1 - 2), (x1 - 2, y0 + 2)], fill=_GRID, width=1)
        return
    draw.rectangle(box, fill=COLOURS[status])
    if x1 - x0 < 8:
        return  # too narrow for a mark to read as one
    mark = _rgb(COLOURS[status], 0.55)
    inset = max(2, (x1 - x0) // 4)
    line = max(1, (x1 - x0) // 8)
    if status == "partial":
        draw.line([(x0 + inset, y1 - inset), (x1 - inset, y0 + inset)], fill=mark, width=line)
    elif status == "missing":
        draw.line([(x0 + inset, y0 + inset), (x1 - inset, y1 - inset)], fill=mark, width=line)
        draw.line([(x0 + inset, y1 - inset), (x1 - inset, y0 + inset)], fill=mark, width=line)
    elif status == "unclear":
        r = max(1, (x1 - x0) // 7)
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=mark)


def to_heatmap(matrix: Matrix, *, max_width: int = 4000) -> bytes:
    """The matrix as a PNG heatmap: obligations down, dossiers across, a legend on top."""
    columns = max(1, len(matrix.columns))
    margin, label_w = 16, 470
    cell_h = 16
    cell_w = max(4, min(18, (max_width - label_w - 2 * margin) // columns))
    title_font, head_font = _font(16, bold=True), _font(12, bold=True)
    text_font, small_font = _font(11), _font(10)
    col_font = _font(max(7, min(11, cell_w - 4)))
    stride = max(1, math.ceil(13 / cell_w))  # label every column, or every k-th when narrow
    label_h = min(320, max([_width(c.label, col_font) for c in matrix.columns] + [40]) + 8)
    categories = matrix.categories()
    grid_w = cell_w * len(matrix.columns)
    width = max(margin * 2 + label_w + grid_w, 720)
    legend_top = margin + 26
    header_top = legend_top + 30
    grid_top = header_top + label_h + 6
    band_h = 20
    grid_h = len(matrix.rows) * cell_h + len(categories) * band_h
    height = grid_top + grid_h + cell_h + 8 + 2 * margin + 14
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin), matrix.title, fill=_TEXT, font=title_font)

    x = margin
    for status in (*STATUSES, NOT_REVIEWED):
        _cell(draw, (x, legend_top, x + 14, legend_top + 14),
              status if status in COLOURS else "")
        draw.text((x + 20, legend_top + 7), status, fill=_TEXT, font=text_font, anchor="lm")
        x += 20 + _width(status, text_font) + 18
    note = f"{len(matrix.rows)} obligations × {len(matrix.columns)} dossiers"
    draw.text((x + 8, legend_top + 7), note, fill="#57606a", font=text_font, anchor="lm")

    grid_x = margin + label_w
    for j, column in enumerate(matrix.columns):
        if j % stride:
            continue
        text = _fit(column.label, col_font, label_h - 8)
        box = col_font.getbbox(text)
        tile = Image.new("RGBA", (int(box[2]) + 4, int(box[3]) + 4), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text((2, 2), text, fill=_TEXT, font=col_font)
        tile = tile.rotate(90, expand=True)
        left = grid_x + j * cell_w + (cell_w - tile.width) // 2
        image.paste(tile, (left, grid_top - 4 - tile.height), tile)

    y = grid_top
    for category in categories:
        draw.rectangle([margin, y, grid_x + grid_w, y + band_h - 1], fill="#eaeef2")
        count = sum(1 for r in matrix.rows if r.category == category)
        draw.text((margin + 4, y + band_h // 2), f"{category} ({count})", fill=_TEXT,
                  font=head_font, anchor="lm")
        y += band_h
        for i, row in enumerate(matrix.rows):
            if row.category != category:
                continue
            label = _fit(f"{row.id}  {row.title}", text_font, label_w - 12)
            draw.text((margin + 8, y + cell_h // 2), label, fill=_TEXT, font=text_font,
                      anchor="lm")
            for j, column in enumerate(matrix.columns):
                x0 = grid_x + j * cell_w
                _cell(draw, (x0, y, x0 + cell_w - 2, y + cell_h - 2),
                      matrix.cells[i][j] if column.report else "")  # "": not reviewed
            y += cell_h
    draw.text((margin + 8, y + 4 + cell_h // 2), "met (count)", fill=_TEXT, font=head_font,
              anchor="lm")
    for j, column in enumerate(matrix.columns):
        if column.report and cell_w >= 14:
            draw.text((grid_x + j * cell_w + (cell_w - 2) // 2, y + 4 + cell_h // 2),
                      str(matrix.count(j, "met")), fill=_TEXT, font=small_font, anchor="mm")
    footer = "Marks: partial / stripe, missing × cross, unclear • dot; struck out: not reviewed."
    draw.text((margin, height - margin - 6), footer, fill="#57606a", font=small_font,
              anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- files --------------------------------------------------------------------------------------


def write_matrices(records: Sequence[Mapping[str, Any]], out: str | Path, *,
                   checklist: Checklist | None = None) -> list[Path]:
    """`matrix.csv`, `matrix.xlsx` and `heatmap.png` in `out` for these index records."""
    from checker.batch import write_atomic

    folder = Path(out)
    matrix = build_matrix(load_entries(records, folder), checklist=checklist)
    written = []
    for name, data in (("matrix.csv", to_csv(matrix).encode("utf-8")),
                       ("matrix.xlsx", to_xlsx(matrix)),
                       ("heatmap.png", to_heatmap(matrix))):
        write_atomic(folder / name, data)
        written.append(folder / name)
    return written
