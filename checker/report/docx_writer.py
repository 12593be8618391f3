"""The Word report: the document reviewers file their findings in.

Layout: a title page (country, checklist and its version, tool version, date, the documents with
their sha256), a table of contents, an executive summary (counts by status, the coverage chart and
its numbers, counts by level, the gap list), then every obligation in instrument order (Protocol,
Convention, Model Law), grouped by category, with the requirement, both statuses, the evidence
(provision as printed, page, verbatim quote), reasons, parameter checks, the reviewer's reason and
comment, and for gaps the Model Law chapter and the usual pitfalls.

Headings use Word's Heading 1-3 styles, so the navigation pane and the contents field work; every
table has a header row that repeats across pages. Text from documents only ever becomes the text of
a run: Word has no markup to inject into, and characters XML cannot hold are shown as U+FFFD.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from checker.models import Report
from checker.report.chart import CHART_ALT, coverage_chart
from checker.report.common import (
    STATUS_COLOURS,
    STATUS_GUIDE,
    STATUS_ORDER,
    printable,
    reading_label,
    status_label,
)
from checker.report.content import (
    Group,
    Item,
    ReportContent,
    ReportMeta,
    Tally,
    build_content,
    category_label,
)

_GREY = RGBColor(0x57, 0x60, 0x6A)
_HEADER_FILL = "E7EAEE"
_CONTENT_WIDTH = Cm(16.6)


# --- low-level helpers --------------------------------------------------------------------------


def _text(value: object) -> str:
    return printable(str(value))


def _shade(element: BaseOxmlElement, fill: str) -> None:
    """Give a run's or a cell's properties a solid background."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    element.append(shading)


def _status_run(paragraph: Paragraph, status: str) -> None:
    """The status as a word on its colour: white bold capitals, readable in black and white too."""
    run = paragraph.add_run(f"\u00a0{status_label(status)}\u00a0")
    run.bold = True
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    _shade(run._r.get_or_add_rPr(), STATUS_COLOURS.get(status, "#6e7781").lstrip("#"))


def _labelled(document: DocxDocument, label: str, text: str) -> Paragraph:
    """"Label: text", the label in bold."""
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(_text(text))
    return paragraph


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (TOC, PAGE, NUMPAGES): begin, instruction, separate, shown text, end."""

    def char(kind: str) -> BaseOxmlElement:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    paragraph.add_run()._r.append(char("begin"))
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    paragraph.add_run()._r.append(char("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(char("end"))


def _repeat_header(table: Table) -> None:
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row_properties.append(header)
    no_split = OxmlElement("w:cantSplit")
    no_split.set(qn("w:val"), "true")
    row_properties.append(no_split)


def _table(document: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float] | None = None, status_column: int | None = None) -> Table:
    """A grid table whose first row is a header repeated on every page.

    `widths` are in centimetres; `status_column` is shown as a status badge instead of text.
    """
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _repeat_header(table)
    if widths is not None:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
    for index, row in enumerate(table.rows):
        values = header if index == 0 else rows[index - 1]
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if widths is not None:
                cell.width = Cm(widths[column])
            paragraph = cell.paragraphs[0]
            if index == 0:
                paragraph.add_run(_text(value)).bold = True
                _shade(cell._tc.get_or_add_tcPr(), _HEADER_FILL)
            elif column == status_column and value in STATUS_ORDER:
                _status_run(paragraph, value)
            else:
                paragraph.add_run(_text(value))
    document.add_paragraph()
    return table


def _label(document: DocxDocument, text: str) -> None:
    """A bold lead-in kept on the page of what it introduces."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run(text).bold = True


def _bullets(document: DocxDocument, lines: Sequence[str]) -> None:
    for line in lines:
        document.add_paragraph(_text(line), style="List Bullet")


def _tally_rows(groups: Sequence[tuple[str, Tally]]) -> list[list[str]]:
    return [[name, *(str(t.get(s)) for s in STATUS_ORDER), str(t.total)] for name, t in groups]


_TALLY_HEADER = ("Met", "Partial", "Missing", "Unclear", "Total")


# --- parts --------------------------------------------------------------------------------------


def _setup(document: DocxDocument, content: ReportContent) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(_text(f"{content.title} \u2014 page "))
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")

    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)

    properties = document.core_properties
    properties.title = _text(content.title)
    properties.subject = _text(content.checklist_title or content.checklist_label)
    properties.author = _text(f"{content.tool.name} {content.tool.version}")
    properties.last_modified_by = ""
    properties.keywords = _text("; ".join(
        k for k in ("gap report", content.checklist_id, content.country) if k))
    properties.comments = _text(f"Checklist {content.checklist_label}; report schema "
                                f"{content.schema_version}.")
    properties.category = "Legislative review"
    stamp = dt.datetime.combine(content.date, dt.time(), tzinfo=dt.UTC)
    properties.created = properties.modified = stamp
    properties.revision = 1

    # Ask Word to fill the contents field on opening. The settings part is an ordered sequence:
    # `updateFields` goes before the first of the elements the schema puts after it.
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings = document.settings.element
    later = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
             "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
             "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
             "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
             "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")
    follower = next((child for child in settings
                     if any(child.tag == qn(f"w:{name}") for name in later)), None)
    if follower is None:
        settings.append(update)
    else:
        follower.addprevious(update)


def _title_page(document: DocxDocument, content: ReportContent) -> None:
    if content.country:
        country = document.add_paragraph(style="Subtitle")
        country.add_run(_text(content.country)).bold = True
    document.add_paragraph(_text(content.title), style="Title")
    if content.checklist_title:
        document.add_paragraph(_text(content.checklist_title), style="Subtitle")

    facts = [
        ["Checklist", f"{content.checklist_id}, version {content.checklist_version}"],
        ["Tool", f"{content.tool.name} {content.tool.version}"],
        ["Report schema", content.schema_version],
        ["Date", content.date.isoformat()],
    ]
    if content.country:
        facts.insert(0, ["Country", content.country])
    _table(document, ["Item", "Value"], facts, widths=(4.0, 12.6))
    if content.checklist_note:
        document.add_paragraph(_text(content.checklist_note))

    _label(document, "Documents reviewed")
    if not content.documents:
        document.add_paragraph("No documents were read.")
    else:
        rows = [
            [doc.title or doc.id, doc.path, doc.sha256, doc.language,
             str(doc.pages) if doc.pages is not None else "n/a", doc.status, reading_label(doc)]
            for doc in content.documents
        ]
        table = _table(document, ["Title", "File", "SHA-256", "Language", "Pages", "Status",
                                  "Read from"], rows,
                       widths=(2.8, 2.6, 4.2, 1.6, 1.3, 1.5, 2.6))
        for row in table.rows[1:]:
            for run in row.cells[2].paragraphs[0].runs:
                run.font.name = "Consolas"
                run.font.size = Pt(7.5)
        warnings = [
            f"{doc.title or doc.id}: {d.code.value}"
            + (f" p. {d.page}" if d.page is not None else "") + f": {d.message}"
            for doc in content.documents for d in doc.warnings
        ]
        if warnings:
            document.add_paragraph("Reading warnings:")
            _bullets(document, warnings)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(document: DocxDocument) -> None:
    document.add_paragraph("Contents", style="TOC Heading")
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u',
           "Right-click here and choose Update Field to show the table of contents.")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _how_to_read(document: DocxDocument, content: ReportContent) -> None:
    document.add_paragraph(STATUS_GUIDE)
    if content.reviewed:
        document.add_paragraph(
            f"{content.reviewed} of {len(content.items)} findings carry a reviewer decision; "
            f"{content.changed} of them changed the tool's status."
        )


def _summary(document: DocxDocument, content: ReportContent) -> None:
    document.add_heading("Executive summary", level=1)
    total = len(content.items)
    noun = "obligation" if total == 1 else "obligations"
    counts = ", ".join(f"{n} {s}" for s, n in content.by_status.items())
    against = content.checklist_title or content.checklist_label
    document.add_paragraph(_text(f"{total} {noun} assessed against {against}: {counts}."))
    _how_to_read(document, content)
    if not content.items:
        document.add_paragraph("No findings.")
        return

    header = ["Status", "Tool", "In force", "Share"] if content.reviewed else \
        ["Status", "Count", "Share"]
    rows = []
    for status, count in content.by_status.items():
        share = f"{100 * count / total:.0f}%"
        tool = str(content.by_status_tool.get(status))
        rows.append([status, tool, str(count), share] if content.reviewed else
                    [status, str(count), share])
    _table(document, header, rows, status_column=0)

    document.add_heading("Coverage by category", level=2)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    shape = picture.add_run().add_picture(io.BytesIO(coverage_chart(content.chart)),
                                          width=_CONTENT_WIDTH)
    shape._inline.docPr.set("descr", CHART_ALT)
    shape._inline.docPr.set("title", "Coverage by category")
    document.add_paragraph("Figure 1. Obligations by category and status.", style="Caption")
    _table(document, ["Category", *_TALLY_HEADER], _tally_rows(content.chart),
           widths=(6.1, 2.1, 2.1, 2.1, 2.1, 2.1))

    document.add_heading("Coverage by level", level=2)
    levels = [(group.label, group.tally) for group in content.levels]
    _table(document, ["Level", *_TALLY_HEADER], _tally_rows(levels),
           widths=(6.1, 2.1, 2.1, 2.1, 2.1, 2.1))

    document.add_heading("Gaps at a glance", level=2)
    if not content.gaps:
        document.add_paragraph("None: every obligation is met.")
    else:
        rows = [[i.status, i.citation, i.title, i.level] for i in content.gaps]
        _table(document, ["Status", "Article", "Obligation", "Level"], rows,
               widths=(2.4, 3.2, 7.6, 3.4), status_column=0)


def _statuses(document: DocxDocument, item: Item) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run("Tool finding: ").bold = True
    _status_run(paragraph, item.tool_status)
    paragraph.add_run(f"  confidence {item.confidence:.2f}")
    review = item.review
    if review is None:
        return
    paragraph = document.add_paragraph()
    paragraph.add_run("Reviewer decision: ").bold = True
    _status_run(paragraph, review.status)
    who = f" by {review.reviewer}" if review.reviewer else ""
    change = f" (was {status_label(review.previous_status)})" \
        if review.previous_status != review.status else " (confirmed)"
    paragraph.add_run(_text(f"{change}{who}, {review.at}"))
    _labelled(document, "Reviewer reason", review.reason)
    if review.comment:
        _labelled(document, "Reviewer comment", review.comment)


def _evidence(document: DocxDocument, item: Item, several: bool) -> None:
    if not item.evidence:
        _labelled(document, "Evidence", "no implementing provision found.")
        return
    _label(document, "Evidence")
    if several:
        rows = [[e.source or "", e.provision.strip() or "unlabelled text",
                 str(e.page) if e.page is not None else "\u2014", e.quote] for e in item.evidence]
        _table(document, ["Law", "Provision", "Page", "Quote"], rows, widths=(3.2, 2.4, 1.4, 9.6))
    else:
        rows = [[e.provision.strip() or "unlabelled text",
                 str(e.page) if e.page is not None else "\u2014", e.quote] for e in item.evidence]
        _table(document, ["Provision", "Page", "Quote"], rows, widths=(2.6, 1.4, 12.6))


def _obligation(document: DocxDocument, item: Item, several: bool) -> None:
    document.add_heading(_text(f"{item.citation}: {item.title}"), level=3)
    facts = document.add_paragraph()
    facts_run = facts.add_run(_text(
        f"{item.obligation_id} \u00b7 level: {item.level} \u00b7 category: "
        f"{category_label(item.category)}"))
    facts_run.font.color.rgb = _GREY
    facts_run.font.size = Pt(9)
    if item.requirement:
        _labelled(document, "Requirement", item.requirement)
    _statuses(document, item)
    _evidence(document, item, several)
    if item.reasons:
        _label(document, "Reasons")
        _bullets(document, item.reasons)
    if item.parameters:
        _label(document, "Parameter checks")
        rows = [[p.name, p.required, p.found if p.found is not None else "not found", p.outcome]
                for p in item.parameters]
        _table(document, ["Parameter", "Required", "Found", "OK"], rows,
               widths=(3.6, 5.4, 5.4, 2.2))
    if item.elements_found:
        _labelled(document, "Elements found", ", ".join(item.elements_found))
    if item.elements_missing:
        _labelled(document, "Elements missing", ", ".join(item.elements_missing))
    if item.is_gap:
        if item.model_law_chapter:
            _labelled(document, "Model Law", item.model_law_chapter)
        if item.pitfalls:
            _label(document, "Common pitfalls")
            _bullets(document, item.pitfalls)


def _findings(document: DocxDocument, content: ReportContent) -> None:
    several = len(content.documents) > 1
    for section in content.sections:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(_text(section.heading), level=1)
        counts = ", ".join(f"{n} {s}" for s, n in section.tally.items())
        document.add_paragraph(_text(f"{len(section.items)} obligations: {counts}."))
        group: Group
        for group in section.categories:
            document.add_heading(_text(group.label), level=2)
            for item in group.items:
                _obligation(document, item, several)


def docx_from_content(content: ReportContent) -> bytes:
    """Lay out `content` as a .docx file."""
    document = new_document()
    _setup(document, content)
    _title_page(document, content)
    _contents(document)
    _summary(document, content)
    _findings(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_docx(report: Report, meta: ReportMeta | None = None) -> bytes:
    """Render the report as a Word document (bytes of a .docx file)."""
    return docx_from_content(build_content(report, meta))

