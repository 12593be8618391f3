"""Expert report exports: one content model, and DOCX, PDF, XLSX and CSV laid out from it.

The sample is the Commonwealth-style act, reviewed once per module, with one reviewer decision
applied. Each file is rendered once and read back with the library that reads that format
(python-docx, openpyxl, csv; the PDF through `pdftoppm` as images), so the checks are about what a
reader gets, not about how it was written. A second, small report carries hostile text in every
document-derived field; it must stay inert in every format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.text.paragraph import Paragraph
from locations import ROOT
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from PIL import Image
from typer.testing import CliRunner

from checker import review
from checker.cli import app
from checker.decisions import apply_decisions, connect, dossier_key, latest, record
from checker.errors import CheckerError, Code
from checker.models import ChecklistRef, OcrPage, Report
from checker.report import (
    BINARY_FORMATS,
    FORMATS,
    MEDIA_TYPES,
    TEXT_FORMATS,
    render,
    render_bytes,
    to_csv,
    to_docx,
    to_html,
    to_markdown,
    to_pdf,
    to_xlsx,
    write,
)
from checker.report.chart import coverage_chart
from checker.report.content import (
    ROW_HEADERS,
    ReportContent,
    ReportMeta,
    Tally,
    build_content,
    citation,
    instrument_of,
)
from checker.report.csv_writer import csv_value
from checker.report.pdf_writer import _data_only_fetcher, pdf_html
from checker.report.xlsx_writer import STATUS_FILLS, put, sheet_name

SAMPLE = ROOT / "corpora" / "samples" / "en-commonwealth-firearms-act" / "text.md"
SMALL_SAMPLE = ROOT / "corpora" / "samples" / "en-weak-arms-act" / "text.md"
OUTPUT = Path(__file__).parent / "output"
META = ReportMeta(country="Ardenmoor", date=dt.date(2026, 3, 2))
REVIEWER = "A. Reviewer"
REVIEW_REASON = "Section 14 of the regulations covers it in part."
REVIEW_COMMENT = "Check the 2019 amendment."

HOSTILE_QUOTE = '=HYPERLINK("http://x") <script>alert(1)</script> [x](javascript:alert(1))'
HOSTILE_LABEL = "<b>12</b> [s](javascript:alert(2))"
HOSTILE_NOTE = "@SUM(1+1) <img src=x onerror=alert(3)>"

runner = CliRunner()


@dataclass(frozen=True)
class Sample:
    report: Report
    content: ReportContent
    reviewed_id: str


@pytest.fixture(scope="module")
def sample() -> Sample:
    """The sample report with the first missing obligation raised to partial by a reviewer."""
    report = review(SAMPLE)
    target = next(f for f in report.findings if f.status == "missing")
    connection = connect(":memory:")
    key = dossier_key(report)
    record(connection, dossier=key, obligation_id=target.obligation_id,
           previous_status=target.status, status="partial", reason=REVIEW_REASON,
           comment=REVIEW_COMMENT, reviewer=REVIEWER, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    reviewed = apply_decisions(report, latest(connection, key))
    return Sample(reviewed, build_content(reviewed, META), target.obligation_id)


@pytest.fixture(scope="module")
def hostile() -> Report:
    """Three findings of the sample, their document-derived text replaced by attacks."""
    report = review(SAMPLE)
    findings = []
    for finding in report.findings[:3]:
        evidence = tuple(
            e.model_copy(update={"quote": HOSTILE_QUOTE, "provision": HOSTILE_LABEL})
            for e in finding.evidence
        )
        findings.append(finding.model_copy(update={
            "evidence": evidence, "reasons": (HOSTILE_NOTE, *finding.reasons)}))
    connection = connect(":memory:")
    key = dossier_key(report)
    record(connection, dossier=key, obligation_id=findings[0].obligation_id,
           previous_status=findings[0].status, status="missing", reason=HOSTILE_QUOTE,
           comment=HOSTILE_NOTE, reviewer="<i>x</i>")
    document = report.documents[0].model_copy(update={"title": HOSTILE_LABEL})
    trimmed = report.model_copy(update={"findings": tuple(findings), "documents": (document,)})
    return apply_decisions(trimmed, latest(connection, key))


@pytest.fixture(scope="module")
def docx_file(sample: Sample) -> docx.document.Document:
    return docx.Document(io.BytesIO(to_docx(sample.report, META)))


@pytest.fixture(scope="module")
def workbook(sample: Sample) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(sample.report, META)))


@pytest.fixture(scope="module")
def pdf_bytes(sample: Sample) -> bytes:
    return to_pdf(sample.report, META)


# --- content ------------------------------------------------------------------------------------


def test_content_orders_obligations_by_instrument_then_checklist(sample: Sample) -> None:
    content = sample.content
    assert [s.instrument for s in content.sections] == ["FP", "UNTOC", "ML"]
    ordered = [i.obligation_id for s in content.sections for i in s.items]
    assert sorted(ordered) == sorted(f.obligation_id for f in sample.report.findings)
    assert len(ordered) == len(set(ordered))
    for section in content.sections:
        positions = [i.position for i in section.items]
        assert all(i.obligation_id.split(".")[0].upper() == section.instrument
                   for i in section.items)
        categories = [g.key for g in section.categories]
        assert len(categories) == len(set(categories))
        firsts = [g.items[0].position for g in section.categories]
        assert firsts == sorted(firsts)
        assert len(positions) == len(set(positions))


def test_content_counts_follow_the_status_in_force(sample: Sample) -> None:
    content = sample.content
    report = sample.report
    assert content.by_status_tool == Tally(**report.summary.by_status)
    assert content.by_status.missing == content.by_status_tool.missing - 1
    assert content.by_status.partial == content.by_status_tool.partial + 1
    assert (content.reviewed, content.changed) == (1, 1)
    assert sum(g.tally.total for g in content.categories) == len(report.findings)
    assert sum(s.tally.total for s in content.sections) == len(report.findings)
    reviewed = next(i for i in content.items if i.obligation_id == sample.reviewed_id)
    assert (reviewed.tool_status, reviewed.status) == ("missing", "partial")
    assert reviewed.is_gap and reviewed in content.gaps
    assert [i.status for i in content.gaps] == sorted(
        (i.status for i in content.gaps), key=("missing", "unclear", "partial").index)


def test_content_carries_checklist_texts(sample: Sample) -> None:
    content = sample.content
    item = content.items[0]
    assert item.obligation_id == "fp.art3a.firearm-definition"
    assert item.requirement and "firearm" in item.requirement
    assert item.pitfalls and item.model_law_chapter
    assert item.citation == "FP art. 3(a)"
    assert content.checklist_title and content.checklist_note is None
    assert (content.country, content.date) == ("Ardenmoor", dt.date(2026, 3, 2))


def test_content_without_a_loadable_checklist_omits_checklist_texts(sample: Sample) -> None:
    for ref in (ChecklistRef(id="no-such-checklist", version="1.0.0"),
                ChecklistRef(id="../../etc/passwd", version="1.0.0")):
        report = sample.report.model_copy(update={"checklist": ref})
        content = build_content(report)
        assert content.checklist_title is None
        assert all(i.requirement is None and i.pitfalls == () for i in content.items)
        assert to_docx(report)[:2] == b"PK"


def test_content_notes_a_checklist_version_mismatch(sample: Sample) -> None:
    ref = sample.report.checklist.model_copy(update={"version": "0.0.1"})
    content = build_content(sample.report.model_copy(update={"checklist": ref}))
    assert content.checklist_note and "0.0.1" in content.checklist_note
    assert content.items[0].requirement


def test_rows_match_findings(sample: Sample) -> None:
    rows = sample.content.rows
    assert len(rows) == len(sample.report.findings)
    assert all(len(r.values()) == len(ROW_HEADERS) for r in rows)
    row = next(r for r in rows if r.obligation_id == sample.reviewed_id)
    assert (row.status, row.reviewed_status, row.reviewer) == ("missing", "partial", REVIEWER)
    assert (row.reviewer_reason, row.reviewer_comment) == (REVIEW_REASON, REVIEW_COMMENT)
    met = next(r for r in rows if r.obligation_id == "fp.art3a.firearm-definition")
    assert met.best_provision and met.quote and met.reviewed_status is None


def test_report_meta() -> None:
    assert ReportMeta(country="  ", title="") == ReportMeta()
    assert ReportMeta.model_validate({"date": "2026-01-31"}).date == dt.date(2026, 1, 31)
    content = build_content(_empty_report())
    assert content.date == dt.date.today() and not content.date_given
    assert content.items == content.sections == content.rows == ()


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders_in_every_format(fmt: str) -> None:
    assert render_bytes(_empty_report(), fmt)


def _empty_report() -> Report:
    return Report.model_validate({
        "tool": {"name": "checker", "version": "0"},
        "checklist": {"id": "firearms-protocol", "version": "0.2.0"},
        "documents": [], "findings": [],
        "summary": {"total": 0, "by_status": {}, "by_category": {}, "by_level": {}},
    })


@pytest.mark.parametrize(("obligation", "instrument"), [
    ("fp.art3a.firearm-definition", "FP"), ("untoc.art5.participation-ocg", "UNTOC"),
    ("ml.marking.optional-extra-fields", "ML"), ("cop.p6.x", "COP"), ("FP-8-1-a", "FP")])
def test_instrument_of(obligation: str, instrument: str) -> None:
    assert instrument_of(obligation) == instrument


@pytest.mark.parametrize(("instrument", "article", "expected"), [
    ("FP", "3(a)", "FP art. 3(a)"), ("ML", "Ch. IV", "ML Ch. IV"),
    ("COP", "Res. 11/6, para. 6", "COP Res. 11/6, para. 6"), ("FP", "FP Art. 8", "FP Art. 8")])
def test_citation(instrument: str, article: str, expected: str) -> None:
    assert citation(instrument, article) == expected


# --- chart --------------------------------------------------------------------------------------


def test_chart_is_a_deterministic_non_blank_png(sample: Sample) -> None:
    png = coverage_chart(sample.content.chart)
    assert png == coverage_chart(sample.content.chart)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 1000
    darkest, _ = image.convert("L").getextrema()
    assert isinstance(darkest, int) and darkest < 100
    assert Image.open(io.BytesIO(coverage_chart(()))).height > 0


# --- DOCX ---------------------------------------------------------------------------------------


def _headings(document: docx.document.Document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs
            if p.style is not None and p.style.name == f"Heading {level}"]


def _style(paragraph: Paragraph) -> str:
    return paragraph.style.name if paragraph.style is not None and paragraph.style.name else ""


def test_docx_headings_follow_instruments_categories_and_obligations(
    sample: Sample, docx_file: docx.document.Document
) -> None:
    content = sample.content
    assert _headings(docx_file, 1) == ["Executive summary", *(s.heading for s in content.sections)]
    assert _headings(docx_file, 2) == [
        "Coverage by category", "Coverage by level", "Gaps at a glance",
        *(g.label for s in content.sections for g in s.categories)]
    assert _headings(docx_file, 3) == [
        f"{i.citation}: {i.title}" for s in content.sections for i in s.items]


def test_docx_has_title_page_toc_and_properties(sample: Sample,
                                                docx_file: docx.document.Document) -> None:
    texts = [p.text for p in docx_file.paragraphs]
    assert texts[:2] == ["Ardenmoor", sample.content.title]
    assert docx_file.core_properties.title == sample.content.title
    assert docx_file.core_properties.author.startswith("checker")
    body = docx_file.element.body.xml
    assert re.search(r"<w:instrText[^>]*> TOC \\o &quot;1-2&quot;", body) or \
        re.search(r'<w:instrText[^>]*> TOC \\o "1-2"', body)
    assert len(docx_file.inline_shapes) == 1
    facts = {row.cells[0].text: row.cells[1].text for row in docx_file.tables[0].rows[1:]}
    assert facts["Country"] == "Ardenmoor"
    assert facts["Date"] == "2026-03-02"
    assert sample.report.tool.version in facts["Tool"]
    assert sample.report.checklist.version in facts["Checklist"]
    documents = docx_file.tables[1]
    assert [c.text for c in documents.rows[0].cells][:3] == ["Title", "File", "SHA-256"]
    assert documents.rows[1].cells[2].text == sample.report.documents[0].sha256


def test_docx_tables_have_repeating_header_rows(docx_file: docx.document.Document) -> None:
    assert len(docx_file.tables) > 100
    for table in docx_file.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.xml.count("w:tblHeader") == 1
        assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    headers = {tuple(c.text for c in t.rows[0].cells) for t in docx_file.tables}
    assert ("Provision", "Page", "Quote") in headers
    assert ("Parameter", "Required", "Found", "OK") in headers
    assert ("Status", "Article", "Obligation", "Level") in headers


def test_docx_obligation_shows_review_evidence_and_gap_guidance(
    sample: Sample, docx_file: docx.document.Document
) -> None:
    item = next(i for i in sample.content.items if i.obligation_id == sample.reviewed_id)
    texts = [p.text for p in docx_file.paragraphs]
    start = texts.index(f"{item.citation}: {item.title}")
    end = next((n for n in range(start + 1, len(texts))
                if _style(docx_file.paragraphs[n]).startswith("Heading")), len(texts))
    block = "\n".join(texts[start:end])
    assert "Tool finding: \u00a0MISSING\u00a0" in block
    assert "Reviewer decision: \u00a0PARTIAL\u00a0 (was MISSING) by A. Reviewer" in block
    assert f"Reviewer reason: {REVIEW_REASON}" in block
    assert f"Reviewer comment: {REVIEW_COMMENT}" in block
    if item.requirement:
        assert f"Requirement: {item.requirement}" in block
    if item.model_law_chapter:
        assert f"Model Law: {item.model_law_chapter}" in block
    for pitfall in item.pitfalls:
        assert pitfall in block
    met = sample.content.items[0]
    quote_cells = {c.text for t in docx_file.tables for r in t.rows for c in r.cells}
    assert met.evidence[0].quote in quote_cells


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_sheets(sample: Sample, workbook: openpyxl.Workbook) -> None:
    labels = [g.label for g in sample.content.categories]
    assert workbook.sheetnames == ["Summary", "All obligations", *labels]
    for name in workbook.sheetnames:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)


def test_xlsx_all_obligations_sheet(sample: Sample, workbook: openpyxl.Workbook) -> None:
    sheet = workbook["All obligations"]
    assert [c.value for c in sheet[1]] == list(ROW_HEADERS)
    assert sheet.max_row == len(sample.report.findings) + 1
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(sample.report.findings) + 1}"
    column = {h: i for i, h in enumerate(ROW_HEADERS)}
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    reviewed = rows[sample.reviewed_id]
    status, after = reviewed[column["Status"]], reviewed[column["Reviewed status"]]
    assert (status.value, after.value) == ("missing", "partial")
    assert status.fill.fgColor.rgb.endswith(STATUS_FILLS["missing"][0])
    assert after.fill.fgColor.rgb.endswith(STATUS_FILLS["partial"][0])
    assert reviewed[column["Reviewer"]].value == REVIEWER
    assert reviewed[column["Reviewer reason"]].value == REVIEW_REASON
    met = rows["fp.art3a.firearm-definition"]
    assert met[column["Status"]].value == "met"
    assert met[column["Status"]].fill.fgColor.rgb.endswith(STATUS_FILLS["met"][0])
    assert met[column["Reviewed status"]].value is None
    assert isinstance(met[column["Confidence"]].value, float)
    assert met[column["Quote"]].value == sample.content.items[0].best_evidence.quote  # type: ignore[union-attr]


def test_xlsx_category_sheets_hold_their_rows(sample: Sample,
                                              workbook: openpyxl.Workbook) -> None:
    for group in sample.content.categories:
        sheet = workbook[group.label]
        assert [c.value for c in sheet[1]] == list(ROW_HEADERS)
        assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [
            i.obligation_id for i in group.items]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_xlsx_summary_sheet(sample: Sample, workbook: openpyxl.Workbook) -> None:
    values = [[c.value for c in row] for row in workbook["Summary"].iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    assert sample.content.title in flat and "Ardenmoor" in flat
    assert sample.report.documents[0].sha256 in flat
    for heading in ("By status", "By category", "By level", "Documents"):
        assert heading in flat
    status_rows = {row[0]: row[1:3] for row in values if row and row[0] in Tally().__slots__}
    assert status_rows["missing"] == [sample.content.by_status_tool.missing,
                                      sample.content.by_status.missing]


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_the_all_obligations_rows(sample: Sample, workbook: openpyxl.Workbook) -> None:
    data = to_csv(sample.report, META)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(ROW_HEADERS)
    sheet = workbook["All obligations"]
    expected = [["" if c.value is None else str(c.value) for c in r]
                for r in sheet.iter_rows(min_row=2)]
    defused = [[v if not v.startswith(("=", "+", "-", "@")) else "'" + v for v in r]
               for r in expected]
    assert rows[1:] == defused


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_is_a_pdf_with_metadata(sample: Sample, pdf_bytes: bytes) -> None:
    assert pdf_bytes.startswith(b"%PDF-")
    assert b"/URI" not in pdf_bytes
    catalog = PDFDocument(PDFParser(io.BytesIO(pdf_bytes))).catalog
    assert "StructTreeRoot" in catalog  # tagged for screen readers
    html = pdf_html(sample.content)
    assert 'counter(page) " of " counter(pages)' in html
    assert set(re.findall(r'src="([a-z]+):', html)) == {"data"}
    assert set(re.findall(r'href="(.)', html)) == {"#"}


def test_pdf_fetcher_serves_data_uris_only() -> None:
    fetcher = _data_only_fetcher()
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd", "https://example.invalid/a.css",
                "ftp://example.invalid/x"):
        with pytest.raises(ValueError):
            fetcher(url)
    response = fetcher("data:text/plain;base64,aGk=")
    assert response.read() == b"hi"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) absent")
def test_pdf_pages_render_and_are_not_blank(tmp_path: Path, pdf_bytes: bytes) -> None:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf_bytes)
    OUTPUT.mkdir(exist_ok=True)
    for page in (1, 2):
        stem = OUTPUT / f"export-pdf-page-{page}"
        subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page),
                        "-singlefile", str(source), str(stem)], check=True, timeout=120)
        image = Image.open(stem.with_suffix(".png")).convert("L")
        assert image.width > 500 and image.height > 700  # A4 at 72 dpi is 595 x 842
        dark = sum(image.histogram()[:200])
        assert dark > 500, f"page {page} looks blank"


# --- hostile text -------------------------------------------------------------------------------


def test_hostile_text_is_inert_in_docx(hostile: Report) -> None:
    data = to_docx(hostile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "<script" not in body and "<w:hyperlink" not in body and "<b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "hyperlink" not in rels.lower()
    quotes = {c.text for t in docx.Document(io.BytesIO(data)).tables for r in t.rows
              for c in r.cells}
    assert HOSTILE_QUOTE in quotes


def test_hostile_text_is_inert_in_pdf(hostile: Report) -> None:
    html = pdf_html(build_content(hostile))
    for live in ("<script", "<b>", "<img src=x", "<i>x", 'href="javascript'):
        assert live not in html, live
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert set(re.findall(r'href="(.)', html)) == {"#"}
    data = to_pdf(hostile)
    assert data.startswith(b"%PDF-") and b"/URI" not in data and b"/JavaScript" not in data


def test_hostile_text_is_inert_in_xlsx(hostile: Report) -> None:
    data = to_xlsx(hostile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode("utf-8") for n in archive.namelist()
                  if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["All obligations"]
    column = {h: i for i, h in enumerate(ROW_HEADERS)}
    row = next(sheet.iter_rows(min_row=2))
    for name, text in (("Quote", HOSTILE_QUOTE), ("Reviewer reason", HOSTILE_QUOTE),
                       ("Reviewer comment", HOSTILE_NOTE)):
        cell = row[column[name]]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), name


def test_hostile_text_is_inert_in_csv(hostile: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(hostile).decode("utf-8-sig"), newline="")))
    assert rows[0]["Quote"] == "'" + HOSTILE_QUOTE
    assert rows[0]["Reviewer reason"] == "'" + HOSTILE_QUOTE
    assert rows[0]["Reviewer comment"] == "'" + HOSTILE_NOTE
    assert rows[0]["Reasons"].startswith("'@SUM")


def test_hostile_text_is_inert_in_markdown_and_html(hostile: Report) -> None:
    live = re.sub(r"\\.", "", to_markdown(hostile))  # what is left unescaped is live syntax
    assert "<script" not in live and "<b>" not in live and "](" not in live
    html = to_html(hostile)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_formula_triggers_are_defused(text: str) -> None:
    assert csv_value(text) == "'" + text
    sheet = openpyxl.Workbook().active
    assert sheet is not None
    cell = put(sheet.cell(row=1, column=1), text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_xlsx_cells_survive_control_characters_and_length() -> None:
    sheet = openpyxl.Workbook().active
    assert sheet is not None
    assert put(sheet.cell(row=1, column=1), "a\x00b\x1fc").value == "a\ufffdb\ufffdc"
    assert len(put(sheet.cell(row=2, column=1), "x" * 40000).value) == 32767
    assert put(sheet.cell(row=3, column=1), "#N/A").data_type == "s"
    assert put(sheet.cell(row=4, column=1), 0.5).value == 0.5


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in (
        "a[b]:c*d?e/f\\g", "x" * 40, "x" * 40, "History", "'quoted'", "", "Summary", "summary")]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and name.lower() != "history"


# --- registry and command line ------------------------------------------------------------------


def test_render_bytes_covers_every_format(sample: Sample) -> None:
    small = sample.report.model_copy(update={"findings": sample.report.findings[:4]})
    magic = {"docx": b"PK", "xlsx": b"PK", "pdf": b"%PDF", "csv": b"\xef\xbb\xbf",
             "json": b"{", "md": b"# ", "html": b"<!DOCTYPE html>"}
    assert set(FORMATS) == set(magic) == set(MEDIA_TYPES)
    for fmt in FORMATS:
        data = render_bytes(small, fmt)
        assert data.startswith(magic[fmt]), fmt
    for fmt in TEXT_FORMATS:
        assert render_bytes(small, fmt) == render(small, fmt).encode("utf-8")


def test_text_of_a_binary_format_or_unknown_format_is_refused(sample: Sample) -> None:
    for call, fmt in ((render, "docx"), (render, "rtf"), (render_bytes, "rtf")):
        with pytest.raises(CheckerError) as caught:
            call(sample.report, fmt)
        assert caught.value.code is Code.OPTION_INVALID


def test_write_binary_format(tmp_path: Path, sample: Sample) -> None:
    small = sample.report.model_copy(update={"findings": sample.report.findings[:4]})
    path = write(small, "xlsx", tmp_path / "out" / "report.xlsx", META)
    assert openpyxl.load_workbook(path).sheetnames[:2] == ["Summary", "All obligations"]


def test_markdown_and_html_show_meta_and_review(sample: Sample) -> None:
    markdown = to_markdown(sample.report, META)
    assert "Country: Ardenmoor" in markdown and "Date: 2026-03-02" in markdown
    assert f"- Reviewer reason: {REVIEW_REASON}" in markdown
    assert "- Tool status: **MISSING**" in markdown
    assert "Date:" not in to_markdown(sample.report)
    html = to_html(sample.report, META)
    assert "<p>Country: Ardenmoor</p>" in html
    assert f"<dt>Reviewer reason</dt><dd>{REVIEW_REASON}</dd>" in html


@pytest.mark.parametrize("fmt", BINARY_FORMATS)
def test_cli_binary_format_needs_output(fmt: str) -> None:
    result = runner.invoke(app, ["review", str(SMALL_SAMPLE), "--format", fmt, "-q"])
    assert result.exit_code == 2
    assert "--output" in result.output


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv"])
def test_cli_writes_binary_formats(tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["review", str(SMALL_SAMPLE), "--format", fmt, "-o", str(output),
                                 "--country", "Ardenmoor", "-q"])
    assert result.exit_code == 0, result.output
    if fmt == "docx":
        assert docx.Document(str(output)).paragraphs[0].text == "Ardenmoor"
    elif fmt == "xlsx":
        assert "All obligations" in openpyxl.load_workbook(output).sheetnames
    else:
        assert output.read_bytes().startswith(b"\xef\xbb\xbfId,")


# --- pages read by OCR --------------------------------------------------------------------------


def test_document_formats_show_the_pages_read_by_ocr(sample: Sample) -> None:
    """Word, PDF and Excel name the pages read by OCR and their confidence in the documents
    table."""
    ocr_pages = (OcrPage(page=1, confidence=0.93), OcrPage(page=2, confidence=0.55))
    document = sample.report.documents[0].model_copy(
        update={"ocr_pages": ocr_pages, "pages": 6})
    report = sample.report.model_copy(update={"documents": (document,)})
    label = "OCR p. 1-2 (confidence 74%, lowest 55% p. 2); text layer elsewhere"
    word = docx.Document(io.BytesIO(to_docx(report, META)))
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert label in cells
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, META)))["Summary"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Read from" in values and label in values
    assert label in pdf_html(build_content(report, META))
