"""The drafter's app: its helpers (`checker.appsupport`) and the Streamlit app driven headlessly.

`AppTest` uploads files through the real `st.file_uploader`, runs the review (in a background
thread, so the tests poll until it is done), filters, opens findings, records decisions in a
SQLite file under `tmp_path` (`CHECKER_DB`), reopens the dossier in a new session and exports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from locations import ROOT
from streamlit.testing.v1 import AppTest

from checker import appsupport
from checker.appsupport import (
    QUOTE_CLOSE,
    QUOTE_OPEN,
    Progress,
    ReviewRequest,
    Upload,
    check_upload,
    effective_status,
    escape_markdown,
    evidence_excerpt,
    export_bytes,
    export_filename,
    filter_findings,
    ingest_isolated,
    render_page_png,
    review_uploads,
)
from checker.checklist import load_checklist
from checker.decisions import apply_decisions, dossier_key, history, latest, record
from checker.errors import Code
from checker.ocr import available as ocr_available
from checker.report import FORMATS

APP = str(ROOT / "app.py")
SAMPLE_PDF = ROOT / "corpora" / "samples" / "en-commonwealth-firearms-act" / "source.pdf"
PENAL_CODE = b"""PENAL CODE (EXTRACT)

Section 301. Obstruction of justice
(1) Any person who uses physical force, threats or intimidation, or promises, offers or gives an
undue advantage, to induce false testimony or to interfere in the giving of testimony or the
production of evidence in a proceeding in relation to an offence commits an offence.
"""
HOSTILE_TEXT = b"""FIREARMS (MARKING) ACT

Section 1. Marking at manufacture
(1) Every manufacturer shall mark each firearm at the time of manufacture with a unique marking
providing the name of the manufacturer, the country of manufacture and the serial number
<script>alert(1)</script> [x](javascript:alert(1)) ![](http://example.com/pixel.png).
"""
HOSTILE_STRINGS = ("<script>", "](javascript:", "![](http")


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "decisions.sqlite3"
    monkeypatch.setenv("CHECKER_DB", str(path))
    return path


@pytest.fixture(scope="module")
def sample_review() -> appsupport.DossierReview:
    request = ReviewRequest(uploads=(Upload.of("source.pdf", SAMPLE_PDF.read_bytes()),
                                     Upload.of("penal-code.txt", PENAL_CODE)))
    return review_uploads(request, isolate=False)


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def find(widgets: Any, label: str) -> Any:
    return next(w for w in widgets if w.label == label)


def submit_dossier(at: AppTest, files: list[tuple[str, bytes, str]], **fields: str) -> AppTest:
    at.file_uploader(key="files").set_value(files)
    for key, value in fields.items():
        at.text_input(key=key).set_value(value)
    find(at.button, "Review the dossier").click().run()
    if "job" in at.session_state:  # still reading: the page shows where each file stands
        progress = "\n".join(t.value for t in at.text)
        assert all(name in progress for name, _, _ in files)
    return wait_for_results(at)


def wait_for_results(at: AppTest, timeout: float = 180) -> AppTest:
    deadline = time.monotonic() + timeout
    while "job" in at.session_state:
        assert time.monotonic() < deadline, "the review did not finish"
        time.sleep(0.2)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text] + [c.value for c in at.code]


def markdown_values(at: AppTest) -> list[str]:
    """Everything rendered as Markdown: markdown, captions, alerts, badges, titles."""
    values = [m.value for m in at.markdown] + [c.value for c in at.caption]
    values += [e.value for e in (*at.error, *at.warning, *at.info, *at.success)]
    values += [t.value for t in (*at.title, *at.header, *at.subheader)]
    return values


def table_with(at: AppTest, column: str) -> Any:
    """The first table (as a DataFrame) that has `column`."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def metric(at: AppTest, label: str) -> str:
    return str(find(at.metric, label).value)


# --- upload checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "code"), [
    ("bad.pdf", b"oops", Code.NOT_PDF),
    ("law.pdf", b"", Code.EMPTY),
    ("law.docx", b"%PDF-1.7 not a zip", Code.NOT_SUPPORTED),
    ("law.txt", b"\x00\x01\x02binary" * 50, Code.DECODE_FAILED),
    ("law.md", b"%PDF-1.4\n1 0 obj", Code.DECODE_FAILED),
    ("law.exe", b"MZ\x90\x00", Code.NOT_SUPPORTED),
])
def test_upload_check_refuses_bytes_that_do_not_match_the_name(name: str, data: bytes,
                                                               code: Code) -> None:
    diagnostics = check_upload(name, data)
    assert [d.code for d in diagnostics] == [code]
    assert diagnostics[0].severity == "error"


@pytest.mark.parametrize(("name", "data"), [
    ("act.pdf", b"%PDF-1.7\n..."),
    ("act.pdf", b"\xef\xbb\xbf junk before the header %PDF-1.4"),
    ("act.docx", b"PK\x03\x04rest-of-zip"),
    ("act.md", "# Loi sur les armes\n\nArticle 1er — Définitions".encode()),
    ("act.txt", "Ley de armas, artículo 5°".encode("cp1252")),
])
def test_upload_check_accepts_matching_bytes(name: str, data: bytes) -> None:
    assert check_upload(name, data) == ()


def test_isolated_reading_matches_in_process_reading() -> None:
    upload = Upload.of("penal-code.txt", PENAL_CODE)
    isolated = ingest_isolated(upload)
    assert isolated == ingest_isolated(upload, isolate=False)
    assert isolated.status == "ok" and "Obstruction of justice" in isolated.text


def test_isolated_reading_stops_a_file_that_takes_too_long() -> None:
    document = ingest_isolated(Upload.of("slow.pdf", SAMPLE_PDF.read_bytes()), timeout=0.01)
    assert document.status == "too_complex"
    assert [d.code for d in document.diagnostics] == [Code.TOO_COMPLEX]


@pytest.mark.parametrize(("script", "detail"), [
    ("kill -ABRT $$", "signal 6"),  # what pdfium does when it hits the memory cap
    ("echo MemoryError >&2; exit 3", "memory"),
    ("exit 1", "exit code 1"),
])
def test_a_reader_that_dies_becomes_a_coded_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  script: str, detail: str) -> None:
    reader = tmp_path / "reader.sh"
    reader.write_text(f"#!/bin/sh\ncat >/dev/null\n{script}\n")
    reader.chmod(0o755)
    monkeypatch.setattr(appsupport, "_worker_command", lambda: [str(reader)])
    document = ingest_isolated(Upload.of("act.pdf", SAMPLE_PDF.read_bytes()))
    assert document.status == "damaged" and not document.readable
    assert [d.code for d in document.diagnostics] == [Code.DAMAGED]
    assert detail in document.diagnostics[0].message


def test_after_a_file_kills_the_reader_a_fresh_one_reads_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = tmp_path / "reader.py"
    reader.write_text(
        "import os, sys\n"
        "import checker.appsupport as support\n"
        "real = support.ingest_bytes\n"
        "def ingest(data, *, name, **options):\n"
        "    if name == 'crash.pdf':\n"
        "        os.abort()\n"
        "    return real(data, name=name, **options)\n"
        "support.ingest_bytes = ingest\n"
        "sys.exit(support._ingest_worker())\n")
    monkeypatch.setattr(appsupport, "_worker_command", lambda: [sys.executable, str(reader)])
    uploads = [Upload.of("act.pdf", SAMPLE_PDF.read_bytes()), Upload.of("crash.pdf", b"%PDF-1.7"),
               Upload.of("penal-code.txt", PENAL_CODE)]
    seen: list[tuple[int, str]] = []
    documents = appsupport.ingest_uploads(
        uploads, on_start=lambda i: seen.append((i, "start")),
        on_read=lambda i, document: seen.append((i, document.status)))
    assert [d.status for d in documents] == ["ok", "damaged", "ok"]
    assert "signal 6" in documents[1].diagnostics[0].message
    assert seen == [(0, "start"), (0, "ok"), (1, "start"), (1, "damaged"), (2, "start"),
                    (2, "ok")]


def test_the_reader_caps_its_own_memory() -> None:
    probe = ("import resource; from checker.appsupport import _cap_memory; _cap_memory(64); "
             "print(resource.getrlimit(resource.RLIMIT_AS)[0] > 0)\n"
             "try:\n    bytearray(512 * 1024 * 1024)\nexcept MemoryError:\n    print('capped')")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["True", "capped"]


# --- review, progress and views -----------------------------------------------------------------


def test_a_bad_file_is_reported_and_the_rest_of_the_dossier_is_reviewed() -> None:
    events: list[tuple[str, str]] = []
    request = ReviewRequest(uploads=(Upload.of("bad.pdf", b"oops"),
                                     Upload.of("penal-code.txt", PENAL_CODE),
                                     Upload.of("copy.txt", PENAL_CODE)))
    result = review_uploads(request, on_stage=lambda s, t: events.append((s, t)), isolate=False)
    documents = {d.id: d for d in result.report.documents}
    assert documents["bad"].status == "not_pdf"
    assert [w.code for w in documents["bad"].warnings] == [Code.NOT_PDF]
    assert documents["penal-code"].status == "ok"
    assert result.duplicates == ("copy.txt",)
    assert ("bad.pdf", "unreadable") in events and ("penal-code.txt", "analyse") in events
    assert events[-2:] == [("dossier", "assess"), ("dossier", "done")]
    assert len(result.report.findings) == 99


def test_progress_counts_stages_per_document() -> None:
    progress = Progress(["act.pdf", "code.txt"])
    assert progress.view().fraction == 0
    progress("act.pdf", "ingest")
    progress("act.pdf", "read")
    progress("code.txt", "read")
    progress("act.pdf", "analyse")
    view = progress.view()
    assert dict(view.rows) == {"act.pdf": "analysing", "code.txt": "read"}
    assert view.message == "Analysing: act.pdf"
    progress("code.txt", "analyse")
    progress("dossier", "assess")
    assert dict(progress.view().rows) == {"act.pdf": "analysed", "code.txt": "analysed"}
    progress("dossier", "done")
    assert progress.view().fraction == 1.0


def test_progress_names_the_page_being_read_by_ocr() -> None:
    progress = Progress(["scan.pdf"])
    progress("scan.pdf", "ingest")
    progress("scan.pdf", "ocr 2/6")
    view = progress.view()
    assert dict(view.rows) == {"scan.pdf": "reading by OCR, page 2 of 6"}
    assert view.message == "Reading by OCR, page 2 of 6: scan.pdf"


def _first_page_of(path: Path) -> bytes:
    import io

    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(path))
    single = pdfium.PdfDocument.new()
    single.import_pages(source, [0])
    buffer = io.BytesIO()
    single.save(buffer)
    return buffer.getvalue()


@pytest.mark.skipif(not ocr_available(), reason="Tesseract is not installed (make setup does it)")
def test_isolated_reader_reports_ocr_page_by_page() -> None:
    scan = SAMPLE_PDF.with_name("scanned.pdf")
    seen: list[tuple[int, int, int]] = []
    document = appsupport.ingest_uploads(
        [Upload.of("scan.pdf", _first_page_of(scan))],
        on_ocr=lambda index, done, total: seen.append((index, done, total)))[0]
    assert seen == [(0, 0, 1), (0, 1, 1)]  # starting, then the page done
    assert document.readable and [p.method for p in document.pages] == ["ocr"]
    assert "firearm" in document.text.lower()


def test_progress_keeps_a_file_that_could_not_be_read() -> None:
    progress = Progress(["bad.pdf", "copy.pdf"])
    progress("copy.pdf", "duplicate")
    progress("bad.pdf", "unreadable")
    progress("bad.pdf", "analyse")  # the review still walks every document
    progress("dossier", "assess")
    assert dict(progress.view().rows) == {"bad.pdf": "could not be read",
                                          "copy.pdf": "left out: same content as another file"}


def test_background_job_reports_a_result() -> None:
    job = appsupport.ReviewJob(ReviewRequest(uploads=(Upload.of("code.txt", PENAL_CODE),)),
                               isolate=False).start()
    assert job.wait(120) and job.done
    assert job.error is None and job.result is not None and job.result.key == job.key


def test_review_key_follows_content_and_options_not_upload_order_of_bytes() -> None:
    one = ReviewRequest(uploads=(Upload.of("a.txt", b"x"),), levels=("mandatory",))
    assert one.key() == ReviewRequest(uploads=(Upload.of("a.txt", b"x"),),
                                      levels=("mandatory",)).key()
    assert one.key() != ReviewRequest(uploads=(Upload.of("a.txt", b"y"),),
                                      levels=("mandatory",)).key()
    assert one.key() != ReviewRequest(uploads=(Upload.of("a.txt", b"x"),)).key()


def test_filters_put_gaps_first_and_search_quotes(sample_review: appsupport.DossierReview
                                                  ) -> None:
    findings = sample_review.report.findings
    ordered = [effective_status(f) for f in filter_findings(findings)]
    assert ordered == sorted(ordered, key=appsupport.GAPS_FIRST.__getitem__)
    marking = filter_findings(findings, categories=["marking"], statuses=["met", "partial"])
    assert marking and all(f.category == "marking" for f in marking)
    assert all(effective_status(f) in ("met", "partial") for f in marking)
    searched = filter_findings(findings, query="serial NUMBER")
    assert searched and all("serial number" in appsupport._haystack(f) for f in searched)
    assert filter_findings(findings, query="no-such-words-anywhere") == []


def test_excerpt_marks_the_quote_inside_its_provision(sample_review: appsupport.DossierReview
                                                      ) -> None:
    excerpts = 0
    for finding in sample_review.report.findings:
        for evidence in finding.evidence:
            excerpt = evidence_excerpt(sample_review.review, evidence, max_chars=900)
            assert f"{QUOTE_OPEN}{evidence.quote}{QUOTE_CLOSE}" in excerpt.text
            assert len(excerpt.text) <= max(900, len(evidence.quote)) + 8
            excerpts += 1
    assert excerpts > 20


def test_decisions_apply_beside_the_tool_status(tmp_path: Path,
                                                sample_review: appsupport.DossierReview) -> None:
    report = sample_review.report
    first = report.findings[0]
    with appsupport.decision_store(tmp_path / "d.sqlite3") as connection:
        key = dossier_key(report)
        record(connection, dossier=key, obligation_id=first.obligation_id,
               previous_status=first.status, status="met", reason="Section 7 covers it.",
               reviewer="A. Drafter")
        entries = history(connection, key)
        reviewed = apply_decisions(report, latest(connection, key))
    assert effective_status(reviewed.findings[0]) == "met"
    assert reviewed.findings[0].status == first.status
    rows = appsupport.history_rows(entries)
    assert rows[0]["To"] == "Met" and rows[0]["Reviewer"] == "A. Drafter"
    past = appsupport.past_review(entries)
    assert past is not None and past.decisions == 1 and past.reviewers == ("A. Drafter",)
    assert appsupport.status_counts(reviewed.findings)["met"] == (
        appsupport.status_counts(report.findings)["met"] + (first.status != "met"))


def test_every_format_exports_with_decisions(sample_review: appsupport.DossierReview) -> None:
    report = sample_review.report
    first = report.findings[0]
    reviewed = apply_decisions(report, {first.obligation_id: _decision(first.obligation_id)})
    for fmt in FORMATS:
        assert export_bytes(reviewed, fmt), fmt
    data = json.loads(export_bytes(reviewed, "json"))
    assert data["findings"][0]["review"]["reason"] == "Checked against s. 7."
    assert export_filename("json", country="Ardenmoor", title="Firearms Act 2024") == (
        "ardenmoor-firearms-act-2024-gap-report.json")
    assert export_filename("pdf") == "dossier-gap-report.pdf"


def _decision(obligation_id: str) -> Any:
    from checker.decisions import Decision

    return Decision(dossier="d", obligation_id=obligation_id, previous_status="missing",
                    status="met", reason="Checked against s. 7.", at="2026-01-01T00:00:00+00:00")


def test_pages_render_as_png_from_many_threads() -> None:
    upload = Upload.of("source.pdf", SAMPLE_PDF.read_bytes())
    appsupport._PAGES.clear()
    pages: dict[int, bytes | None] = {}

    def draw(number: int) -> None:
        pages[number] = render_page_png(upload, number, width_px=500)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(png is not None and png.startswith(b"\x89PNG") for png in pages.values())
    assert render_page_png(upload, 99) is None
    assert render_page_png(Upload.of("bad.pdf", b"%PDF-1.7 broken"), 1) is None


def test_markdown_escaping_leaves_nothing_active() -> None:
    escaped = escape_markdown("[x](javascript:alert(1)) ![](http://e.x/p.png) <b>:red[x]</b> $x$")
    for active in ("[x](", "![](", "<b>", ":red[", "$x$"):
        assert active not in escaped
    assert escape_markdown("a\nb") == "a b"


# --- the app, headless --------------------------------------------------------------------------


def test_app_safety_settings_and_no_raw_html() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["maxUploadSize"] == 50 == appsupport.MAX_UPLOAD_MB
    assert server["enableXsrfProtection"] is True
    assert server["headless"] is True and server["address"] == "127.0.0.1"
    assert "unsafe_allow_html" not in Path(APP).read_text(encoding="utf-8")


def test_welcome_screen_before_any_upload(db: Path) -> None:
    at = new_app()
    assert not at.exception
    assert at.title[0].value == "Firearms law gap review"
    assert at.file_uploader(key="files").accept_multiple_files


def test_review_filter_decide_reopen_and_export(db: Path) -> None:
    files = [("source.pdf", SAMPLE_PDF.read_bytes(), "application/pdf"),
             ("penal-code.txt", PENAL_CODE, "text/plain")]
    at = submit_dossier(at=new_app(), files=files, country_input="Ardenmoor",
                        title_input="Firearms Act 2024")
    assert at.title[0].value == "Firearms Act 2024"
    counts = {s: int(metric(at, s)) for s in ("Missing", "Partial", "Unclear", "Met")}
    assert sum(counts.values()) == 99 and counts["Met"] > 20
    assert metric(at, "Reviewed") == "0 / 99"
    find(at.button, "Review the dossier").click().run()  # same files and options: cached
    assert "job" not in at.session_state and metric(at, "Reviewed") == "0 / 99"

    # Filters: only the partial marking findings, then a text search.
    at.pills(key="f_status").set_value(["partial"])
    at.multiselect(key="f_category").set_value(["marking"]).run()
    table = table_with(at, "Obligation")
    assert len(table) > 0 and set(table["Status"]) == {"Partial"}
    assert set(table["Category"]) == {"Marking"}
    at.pills(key="f_status").set_value(list(appsupport.GAPS_FIRST))
    at.multiselect(key="f_category").set_value([])
    at.text_input(key="f_query").set_value("serial number").run()
    assert 0 < len(table_with(at, "Obligation")) < 99

    # Open a finding: its evidence is shown inside the provision, as text.
    target = "fp.art8.1a.marking-at-manufacture"
    at.text_input(key="f_query").set_value("").run()
    at.selectbox(key="finding").set_value(target).run()
    title = {o.id: o.title for o in load_checklist("firearms-protocol").obligations}[target]
    assert at.subheader[0].value == escape_markdown(title)
    assert any(QUOTE_OPEN in c.value and QUOTE_CLOSE in c.value for c in at.code)
    assert any("provision" in t.value and "page" in t.value for t in at.text)
    tool_status = find(at.selectbox, "Status you hold").value

    # A decision needs a reason.
    override = "missing" if tool_status != "missing" else "met"
    find(at.selectbox, "Status you hold").set_value(override)
    find(at.button, "Record decision").click().run()
    assert any("reason" in e.value for e in at.error)
    find(at.selectbox, "Status you hold").set_value(override)
    find(at.text_area, "Reason (required)").set_value("Section 6 omits the country of "
                                                      "manufacture.")
    find(at.text_input, "Comment (optional)").set_value("Raise with the ministry.")
    find(at.text_input, "Reviewer").set_value("A. Drafter")
    find(at.button, "Record decision").click().run()
    assert not at.exception
    assert any(s.value.startswith("Overridden") for s in at.success)
    assert metric(at, "Reviewed") == "1 / 99"
    reason = "Section 6 omits the country of manufacture."
    assert list(table_with(at, "Reason")["Reason"]) == [reason]

    # Reload: a new session on the same database, the same files uploaded again.
    again = submit_dossier(at=new_app(), files=files)
    assert any("reviewed before" in i.value for i in again.info)
    assert metric(again, "Reviewed") == "1 / 99"
    again.selectbox(key="finding").set_value(target).run()
    assert find(again.selectbox, "Status you hold").value == override
    assert list(table_with(again, "Reason")["Reviewer"]) == ["A. Drafter"]
    log = next(df.value for df in again.dataframe if "Obligation" in df.value.columns
               and "Reason" in df.value.columns)
    assert list(log["Obligation"]) == [target]
    assert any("reviewed" in b.value and "tool said" in b.value for b in again.markdown)

    # Export: a button per format; the JSON carries the reviewer's decision.
    labels = [b.proto.label for b in again.get("download_button")]
    assert labels == [appsupport.label(f, appsupport.FORMAT_LABELS) for f in FORMATS]
    exports = again.session_state["exports"]
    report = json.loads(next(v for k, v in exports.items() if k[2] == "json"))
    reviewed = {f["obligation_id"]: f for f in report["findings"]}[target]
    assert reviewed["review"]["status"] == override
    assert reviewed["review"]["reason"] == "Section 6 omits the country of manufacture."
    assert reviewed["status"] == tool_status


def test_hostile_file_shows_an_error_and_the_rest_runs(db: Path) -> None:
    at = submit_dossier(new_app(), [("bad.pdf", b"oops", "application/pdf"),
                                    ("penal-code.txt", PENAL_CODE, "text/plain")])
    errors = [e.value for e in at.error]
    assert any("bad" in e and "E103" in e for e in errors)
    assert sum(int(metric(at, s)) for s in ("Missing", "Partial", "Unclear", "Met")) == 99
    assert "penal-code.txt" in " ".join(str(v) for df in at.dataframe
                                        for v in df.value.to_numpy().ravel())


def test_document_text_is_shown_inert(db: Path) -> None:
    name = "[x](javascript:alert(1)).txt"
    at = submit_dossier(new_app(), [(name, HOSTILE_TEXT, "text/plain")])
    at.selectbox(key="finding").set_value("fp.art8.1a.marking-at-manufacture").run()
    plain = texts(at)
    for hostile in HOSTILE_STRINGS:
        assert any(hostile in value for value in plain), hostile
        assert not any(hostile in value for value in markdown_values(at)), hostile
    assert any("<script>" in c.value and QUOTE_OPEN in c.value for c in at.code)
    assert all(not m.proto.allow_html for m in at.markdown)

