"""Report writers: the JSON contract, the published schema, and safe, complete human formats."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from checker.errors import CheckerError, Code, Diagnostic
from checker.models import (
    ChecklistRef,
    DocumentInfo,
    Evidence,
    Finding,
    OcrPage,
    ParameterCheck,
    Report,
    Summary,
    ToolInfo,
)
from checker.report import (
    FORMATS,
    SCHEMA_PATH,
    TEXT_FORMATS,
    render,
    report_json_schema,
    to_html,
    to_json,
    to_markdown,
    write,
)
from checker.report.content import build_content
from checker.report.markdown import md_line, md_text

STATUSES = ("met", "partial", "missing", "unclear")

HOSTILE = (
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![](http://example.invalid/x.png)",
)
HOSTILE_TEXT = " ".join(HOSTILE)

# --- factories ----------------------------------------------------------------------------------


def make_evidence(**overrides: Any) -> Evidence:
    fields: dict[str, Any] = {
        "document": "doc-1",
        "provision": "Section 12(3)",
        "page": 4,
        "quote": "Every firearm shall be marked with a unique serial number.",
        "score": 0.91,
        "start": 100,
        "end": 158,
    }
    return Evidence(**(fields | overrides))


def make_parameter(**overrides: Any) -> ParameterCheck:
    fields: dict[str, Any] = {
        "name": "record retention",
        "required": "at least 10 years",
        "found": "20 years",
        "ok": True,
    }
    return ParameterCheck(**(fields | overrides))


def make_finding(**overrides: Any) -> Finding:
    fields: dict[str, Any] = {
        "obligation_id": "FP-8-1-a",
        "title": "Marking at manufacture",
        "article": "FP Art. 8(1)(a)",
        "category": "marking",
        "level": "mandatory",
        "status": "met",
        "confidence": 0.8,
        "evidence": (make_evidence(),),
        "reasons": ("All core elements found.",),
        "parameters": (),
        "elements_found": ("serial-number",),
        "elements_missing": (),
    }
    return Finding(**(fields | overrides))


def make_document(**overrides: Any) -> DocumentInfo:
    fields: dict[str, Any] = {
        "id": "doc-1",
        "path": "laws/firearms-act.pdf",
        "sha256": "ab" * 32,
        "title": "Firearms Act 2020",
        "language": "en",
        "pages": 12,
        "status": "ok",
        "provisions": 40,
        "definitions": 7,
        "warnings": (),
    }
    return DocumentInfo(**(fields | overrides))


def summarise(findings: tuple[Finding, ...]) -> Summary:
    """Counts consistent with `findings`, so rendered summaries can be checked against them."""
    by_category: dict[str, Counter[str]] = {}
    by_level: dict[str, Counter[str]] = {}
    for f in findings:
        by_category.setdefault(f.category, Counter())[f.status] += 1
        by_level.setdefault(f.level, Counter())[f.status] += 1
    return Summary(
        total=len(findings),
        by_status={s: sum(f.status == s for f in findings) for s in STATUSES},
        by_category={c: {s: n[s] for s in STATUSES} for c, n in by_category.items()},
        by_level={lv: {s: n[s] for s in STATUSES} for lv, n in by_level.items()},
    )


def make_report(
    findings: tuple[Finding, ...] | None = None,
    documents: tuple[DocumentInfo, ...] | None = None,
) -> Report:
    if findings is None:
        findings = sample_findings()
    if documents is None:
        documents = (make_document(),)
    return Report(
        tool=ToolInfo(name="checker", version="0.1.0"),
        checklist=ChecklistRef(id="fp-core", version="1.0"),
        documents=documents,
        findings=findings,
        summary=summarise(findings),
    )


def sample_findings() -> tuple[Finding, ...]:
    """One finding of each status across categories, in checklist order."""
    return (
        make_finding(
            obligation_id="FP-3-a",
            title="Definition of firearm",
            category="definitions",
            status="partial",
            confidence=0.55,
            elements_missing=("parts-and-components",),
        ),
        make_finding(
            obligation_id="FP-5-1-a",
            title="Illicit manufacturing offence",
            category="criminalization",
            status="missing",
            confidence=0.9,
            evidence=(),
            reasons=("No provision criminalises illicit manufacturing.",),
        ),
        make_finding(obligation_id="FP-8-1-a", title="Marking at manufacture"),
        make_finding(
            obligation_id="FP-7",
            title="Record keeping",
            category="record-keeping",
            status="unclear",
            confidence=0.3,
            parameters=(
                make_parameter(),
                make_parameter(name="scope", found="5 years", ok=False),
                make_parameter(name="records held by", found=None, ok=None),
            ),
        ),
        make_finding(
            obligation_id="FP-8-1-b",
            title="Marking on import",
            status="missing",
            evidence=(),
            elements_found=(),
        ),
    )


def hostile_report() -> Report:
    """Every document-derived field carries markup, links and images."""
    evidence = make_evidence(provision=HOSTILE_TEXT, quote=HOSTILE_TEXT)
    finding = make_finding(
        title=HOSTILE_TEXT,
        status="missing",
        evidence=(evidence,),
        reasons=(f"Quoted: {HOSTILE_TEXT}",),
        parameters=(make_parameter(found=HOSTILE_TEXT, required=HOSTILE_TEXT),),
        elements_found=(HOSTILE_TEXT,),
    )
    warning = Diagnostic(code=Code.PAGE_FAILED, severity="warning", message=HOSTILE_TEXT, page=2)
    document = make_document(title=HOSTILE_TEXT, language=HOSTILE[0], warnings=(warning,))
    return make_report(findings=(finding,), documents=(document,))


# --- JSON ---------------------------------------------------------------------------------------


def test_json_round_trips() -> None:
    warning = Diagnostic(code=Code.LANGUAGE_UNCERTAIN, severity="warning", message="fr or en?")
    report = make_report(
        documents=(make_document(title="Loi n° 2020-12 sur les armes", warnings=(warning,)),)
    )
    assert Report.model_validate_json(to_json(report)) == report


def test_empty_report_round_trips() -> None:
    report = make_report(findings=(), documents=())
    assert Report.model_validate_json(to_json(report)) == report


def test_json_keeps_the_published_shape_and_key_order() -> None:
    data = json.loads(to_json(make_report()))
    assert list(data) == ["schema_version", "tool", "checklist", "documents", "findings", "summary"]
    assert data["schema_version"] == "1"
    assert list(data["tool"]) == ["name", "version"]
    assert list(data["checklist"]) == ["id", "version"]
    assert list(data["documents"][0]) == [
        "id",
        "path",
        "sha256",
        "title",
        "language",
        "pages",
        "status",
        "provisions",
        "definitions",
        "warnings",
        "ocr_pages",
    ]
    finding = data["findings"][2]
    assert list(finding) == [
        "obligation_id",
        "title",
        "article",
        "category",
        "level",
        "status",
        "confidence",
        "evidence",
        "reasons",
        "parameters",
        "elements_found",
        "elements_missing",
        "review",
    ]
    assert list(finding["evidence"][0]) == [
        "document",
        "provision",
        "page",
        "quote",
        "score",
        "start",
        "end",
    ]
    assert list(data["findings"][3]["parameters"][0]) == ["name", "required", "found", "ok"]


def test_json_keeps_non_ascii_text_readable() -> None:
    report = make_report(documents=(make_document(title="Закон об оружии"),))
    text = to_json(report)
    assert "Закон об оружии" in text
    assert text.endswith("}\n")


# --- schema -------------------------------------------------------------------------------------


def test_published_schema_is_up_to_date() -> None:
    published = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert published == report_json_schema(), (
        "report.schema.json is stale: regenerate it with "
        "`python -c 'from checker.report import write_schema; write_schema()'`"
    )


def test_schema_is_identified() -> None:
    schema = report_json_schema()
    assert schema["$id"]
    assert schema["title"]
    assert schema["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize("report", [make_report(), make_report(findings=(), documents=())])
def test_json_validates_against_published_schema(report: Report) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(to_json(report)))


def test_schema_rejects_unknown_status() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(to_json(make_report()))
    data["findings"][0]["status"] = "compliant"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_json_schema())


# --- dispatch -----------------------------------------------------------------------------------


def test_formats() -> None:
    assert FORMATS == ("json", "md", "html", "docx", "pdf", "xlsx", "csv")
    assert TEXT_FORMATS == ("json", "md", "html")


def test_render_dispatches_to_writers() -> None:
    report = make_report()
    assert render(report, "json") == to_json(report)
    assert render(report, "md") == to_markdown(report)
    assert render(report, "html") == to_html(report)


def test_unknown_format_is_a_caller_error() -> None:
    with pytest.raises(CheckerError) as caught:
        render(make_report(), "rtf")
    assert caught.value.code is Code.OPTION_INVALID


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_write_creates_folders_and_writes_utf8(tmp_path: Path, fmt: str) -> None:
    report = make_report(documents=(make_document(title="Ley de armas: régimen"),))
    path = write(report, fmt, tmp_path / "out" / f"report.{fmt}")
    assert path.read_text(encoding="utf-8") == render(report, fmt)


# --- completeness -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_every_finding_appears_in_every_format(fmt: str) -> None:
    report = make_report()
    text = render(report, fmt)
    for finding in report.findings:
        assert finding.obligation_id in text
        assert finding.title in text


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_empty_report_renders(fmt: str) -> None:
    text = render(make_report(findings=(), documents=()), fmt)
    assert text.endswith("\n")
    if fmt != "json":
        assert "No documents were read." in text
        assert "No findings." in text


def test_gaps_are_missing_then_unclear_then_partial_in_checklist_order() -> None:
    ids = [i.obligation_id for i in build_content(make_report()).gaps]
    assert ids == ["FP-5-1-a", "FP-8-1-b", "FP-7", "FP-3-a"]


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(f"## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def test_markdown_gap_list_follows_the_summary() -> None:
    text = to_markdown(make_report())
    assert text.index("## Summary") < text.index("## Gaps at a glance") < text.index("## Findings")
    gap_section = _section(text, "Gaps at a glance")
    items = [line for line in gap_section.splitlines() if line.startswith("- ")]
    assert items == [
        "- **MISSING** FP-5-1-a: Illicit manufacturing offence",
        "- **MISSING** FP-8-1-b: Marking on import",
        "- **UNCLEAR** FP-7: Record keeping",
        "- **PARTIAL** FP-3-a: Definition of firearm",
    ]


def test_markdown_gap_list_when_all_met() -> None:
    text = to_markdown(make_report(findings=(make_finding(),)))
    assert "None: every obligation is met." in _section(text, "Gaps at a glance")


def test_markdown_groups_by_category_in_checklist_order() -> None:
    text = to_markdown(make_report())
    headings = re.findall(r"^### Category: (.+)$", text, flags=re.MULTILINE)
    assert headings == ["definitions", "criminalization", "marking", "record-keeping"]
    findings = re.findall(r"^#### (\S+):", text, flags=re.MULTILINE)
    assert findings == ["FP-3-a", "FP-5-1-a", "FP-8-1-a", "FP-8-1-b", "FP-7"]


def test_markdown_finding_details() -> None:
    text = to_markdown(make_report())
    record = text[text.index("#### FP-7:") :]
    assert "- Status: **UNCLEAR**" in record
    assert "- Confidence: 0.30" in record
    assert "| record retention | at least 10 years | 20 years | yes |" in record
    assert "| scope | at least 10 years | 5 years | no |" in record
    assert "| records held by | at least 10 years | not found | undetermined |" in record
    assert "- Section 12(3), p. 4:\n  > Every firearm shall be marked" in text


def test_markdown_summary_counts() -> None:
    text = _section(to_markdown(make_report()), "Summary")
    assert "5 obligations assessed: 1 met, 1 partial, 2 missing, 1 unclear." in text
    assert "| marking | 1 | 0 | 1 | 0 | 2 |" in text


def test_markdown_documents_table() -> None:
    warning = Diagnostic(code=Code.PAGE_NO_TEXT, severity="warning", message="Blank", page=3)
    text = to_markdown(make_report(documents=(make_document(warnings=(warning,)),)))
    assert ("| Firearms Act 2020 | en | 12 | ok | text layer | abababababab | W202 p. 3: Blank |"
            in text)


def test_documents_table_falls_back_to_the_ocr_warning() -> None:
    """A report whose documents do not itemise their OCR pages still says OCR was used."""
    used = Diagnostic(code=Code.OCR_USED, severity="warning", message="6 of 6 pages")
    report = make_report(documents=(make_document(warnings=(used,)),))
    assert "| OCR (see W206) |" in to_markdown(report)


@pytest.mark.parametrize(
    ("ocr_pages", "label"),
    [
        ((), "text layer"),
        ((OcrPage(page=1, confidence=0.91),), "OCR p. 1 (confidence 91%); text layer elsewhere"),
        (tuple(OcrPage(page=n, confidence=0.78 if n == 7 else 0.9) for n in range(1, 13)),
         "OCR p. 1-12 (confidence 89%, lowest 78% p. 7)"),
        ((OcrPage(page=2, confidence=0.5), OcrPage(page=5, confidence=0.7)),
         "OCR p. 2, 5 (confidence 60%, lowest 50% p. 2); text layer elsewhere"),
    ],
)
def test_documents_table_says_how_pages_were_read(ocr_pages: tuple[OcrPage, ...],
                                                   label: str) -> None:
    """Every format names the pages read by OCR and their confidence beside the document."""
    report = make_report(documents=(make_document(ocr_pages=ocr_pages),))
    assert label in to_markdown(report)
    assert label in to_html(report)
    if ocr_pages:
        data = json.loads(to_json(report))
        assert [p["page"] for p in data["documents"][0]["ocr_pages"]] == [
            p.page for p in ocr_pages]


def test_page_less_evidence_has_no_page() -> None:
    finding = make_finding(evidence=(make_evidence(page=None),))
    report = make_report(findings=(finding,), documents=(make_document(pages=None),))
    assert "- Section 12(3):\n" in to_markdown(report)
    assert "p. None" not in to_html(report)


def test_evidence_names_its_document_when_there_are_several() -> None:
    documents = (make_document(), make_document(id="doc-2", title="Arms Regulations"))
    finding = make_finding(evidence=(make_evidence(document="doc-2"),))
    report = make_report(findings=(finding,), documents=documents)
    assert "- Section 12(3), p. 4 (Arms Regulations):" in to_markdown(report)
    assert "Section 12(3), p. 4 (Arms Regulations)" in to_html(report)


# --- hostile text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "inert"),
    [
        ("<script>", "\\<script\\>"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("![](http://e.invalid/x.png)", "\\!\\[\\](http\\://e\\.invalid/x\\.png)"),
        ("a | b", "a \\| b"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) item", "3\\) item"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("*em* _em_ `code` ~~del~~", "\\*em\\* \\_em\\_ \\`code\\` \\~\\~del\\~\\~"),
        ("a\\b &amp; $x$", "a\\\\b \\&amp; \\$x\\$"),
        ("line one\n\n  line two", "line one line two"),
        ("Art. 5(1) and 5.2", "Art. 5(1) and 5.2"),
        ("see www.example.com or x@y.org", "see www\\.example\\.com or x\\@y\\.org"),
    ],
)
def test_md_line_escapes(raw: str, inert: str) -> None:
    assert md_line(raw) == inert


@pytest.mark.parametrize(
    ("raw", "inert"),
    [("- item", "- item"), ("1. item", "1. item"), ("0.1.0", "0.1.0"), ("<b>", "\\<b\\>")],
)
def test_md_text_leaves_line_start_markers_alone_mid_line(raw: str, inert: str) -> None:
    assert md_text(raw) == inert


def _unescaped(markdown: str) -> str:
    """The text with every backslash escape pair removed: what is left is live Markdown syntax."""
    return re.sub(r"\\.", "", markdown)


def test_markdown_renders_hostile_text_inert() -> None:
    text = to_markdown(hostile_report())
    live = _unescaped(text)
    for dangerous in (*HOSTILE, "<script", "</script", "](", "![", "[x]", "<", "://"):
        assert dangerous not in live, dangerous
    assert "\\<script\\>alert(1)\\</script\\>" in text


def _assert_no_active_html(rendered: str) -> None:
    for tag in ("<a ", "<a>", "<img", "<script", "<iframe", "<object"):
        assert tag not in rendered, tag


@pytest.mark.parametrize("flavour", ["commonmark", "gfm-like"])
def test_markdown_hostile_text_stays_text_when_rendered(flavour: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    if flavour == "gfm-like":
        pytest.importorskip("linkify_it")
    _assert_no_active_html(markdown_it.MarkdownIt(flavour).render(to_markdown(hostile_report())))


def test_markdown_hostile_text_stays_text_on_github_renderer() -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    rendered = cmarkgfm.github_flavored_markdown_to_html(to_markdown(hostile_report()))
    _assert_no_active_html(rendered)


def test_html_escapes_hostile_text() -> None:
    text = to_html(hostile_report())
    assert "<script" not in text
    assert "<img" not in text
    assert "javascript:alert(1)" in text  # as visible text only, never as a link target
    assert 'href="javascript' not in text
    assert set(re.findall(r'href="([^"]*)"', text)) <= {"#finding-1"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'lang="&lt;' not in text and 'lang="<' not in text


def test_html_escapes_attribute_breakout() -> None:
    document = make_document(sha256='"><script>x</script>', title='" onmouseover="x')
    text = to_html(make_report(documents=(document,)))
    assert "<script" not in text
    assert '" onmouseover="' not in text


# --- HTML page ----------------------------------------------------------------------------------


def test_html_is_self_contained() -> None:
    text = to_html(make_report())
    assert text.startswith("<!DOCTYPE html>\n")
    assert '<meta charset="utf-8">' in text
    assert (
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    ) in text
    assert text.index("Content-Security-Policy") < text.index("<style>")
    for external in ("://", "<script", "<link", "src=", "@import", "url("):
        assert external not in text, external


def test_html_status_has_colour_and_text() -> None:
    text = to_html(make_report())
    for status in STATUSES:
        assert f'<span class="badge s-{status}">{status.upper()}</span>' in text
        assert f".badge.s-{status}" in text
    assert '<article class="finding s-missing" id="finding-2">' in text


def test_html_quotes_carry_document_language() -> None:
    report = make_report(documents=(make_document(language="fr"),))
    assert '<blockquote lang="fr">' in to_html(report)
    report = make_report(documents=(make_document(language="und"),))
    assert "<blockquote>" in to_html(report)


def test_html_gap_links_point_at_findings() -> None:
    text = to_html(make_report())
    anchors = re.findall(r'href="#([^"]+)"', text)
    assert anchors == ["finding-2", "finding-5", "finding-4", "finding-1"]
    for anchor in anchors:
        assert f'id="{anchor}"' in text


def test_markdown_text_cannot_open_blocks() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    finding = make_finding(
        evidence=(make_evidence(provision="1. Scope", quote="- first\n# second\n> third"),),
        reasons=("+ not a list", "2) nor this"),
    )
    rendered = markdown_it.MarkdownIt("commonmark").render(
        to_markdown(make_report(findings=(finding,)))
    )
    assert "<ol" not in rendered
    assert rendered.count("<h1>") == 1
    assert "<blockquote>\n<p>- first # second &gt; third</p>\n</blockquote>" in rendered
    assert "<li>+ not a list</li>" in rendered
    assert "<li>2) nor this</li>" in rendered
