"""Ingest: every kind of input ends in a document with a status and coded diagnostics."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from locations import SAMPLES

from checker.ingest import (
    assemble_pages,
    clean_markdown,
    document_id,
    ingest,
    ingest_bytes,
    strip_running_lines,
)


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        pytest.param(b"", "empty.pdf", "empty", "E106", id="zero-bytes"),
        pytest.param(bytes(range(256)) * 40, "noise.bin", "not_supported", "E102", id="binary"),
        pytest.param(b"<html><body>not a pdf</body></html>", "page.pdf", "not_pdf", "E103",
                     id="html-renamed-pdf"),
        pytest.param(b"oops\n", "bad1.pdf", "not_pdf", "E103", id="five-bytes-pdf"),
        pytest.param(b"PK\x03\x04garbage", "x.docx", "not_supported", "E102", id="broken-zip"),
    ],
)
def test_bad_input_gives_coded_error(data: bytes, name: str, status: str, code: str) -> None:
    document = ingest_bytes(data, name=name)
    assert document.status == status
    assert code in [d.code.value for d in document.diagnostics]
    assert not document.readable


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    document = ingest(tmp_path / "absent.pdf")
    assert [d.code.value for d in document.diagnostics] == ["E101"]


def test_markdown_cleaning_keeps_text_and_drops_markup() -> None:
    source = ("---\ntitle: \"Firearms Act\"\n---\n# Firearms Act\n\n## Part I\n\n"
              "### 2 Definitions\n\n**firearm** means a weapon<sup>[1)](#fn1)</sup>;\n"
              "- (a) see [section 3](http://example.invalid) &amp; <br/>more\n")
    text, title = clean_markdown(source)
    assert title == "Firearms Act"
    assert "2 Definitions" in text and "\n\n" in text
    assert "“firearm” means a weapon;" in text
    assert "(a) see section 3 & \nmore" in text
    assert "#" not in text and "<" not in text and "http" not in text


def test_running_lines_removed_from_text_pages() -> None:
    bodies = ["Art. 1 Scope.", "Art. 2 Licences are required.", "Art. 3 Records.", "Art. 4 End."]
    pages = [f"GAZETTE No. 12\n{body}\nPage {n} of 4" for n, body in enumerate(bodies, 1)]
    assert strip_running_lines(pages) == bodies


def test_pages_map_every_character_and_join_hyphenated_words() -> None:
    text, pages = assemble_pages(["First page ends with manu-", "facture of arms.", "Third."],
                                 method="text")
    assert "manufacture of arms." in text
    assert [text[p.start:p.end] for p in pages] == ["First page ends with manu",
                                                    "facture of arms.", "Third."]


def test_form_feed_text_gets_pages() -> None:
    data = "Art. 1 — Uno.\n\fArt. 2 — Dos.\n\fArt. 3 — Tres.\n".encode()
    document = ingest_bytes(data, name="ley.txt", language="es")
    assert document.page_count == 3
    assert document.page_at(document.text.index("Dos")) == 2


def test_docx_is_read() -> None:
    docx = pytest.importorskip("docx")
    buffer = io.BytesIO()
    built = docx.Document()
    built.add_heading("Firearms Act", level=1)
    built.add_paragraph("Section 1 Every firearm shall bear a serial number.")
    built.save(buffer)
    document = ingest_bytes(buffer.getvalue(), name="act.docx")
    assert document.status == "ok" and document.source_kind == "docx"
    assert "serial number" in document.text and document.language == "en"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("x/ca-firearms-act-en/text.md", "ca-firearms-act-en"),
     ("x/fr-code/source.pdf", "fr-code-source"),
     ("My Law (2020).pdf", "my-law-2020")],
)
def test_document_ids_are_readable(path: str, expected: str) -> None:
    assert document_id(Path(path)) == expected


@pytest.mark.parametrize("sample", sorted(p.parent.name for p in SAMPLES.glob("*/source.pdf")))
def test_sample_pdf_and_markdown_read_alike(sample: str) -> None:
    from_pdf = ingest(SAMPLES / sample / "source.pdf")
    from_md = ingest(SAMPLES / sample / "text.md")
    assert from_pdf.status == "ok" and from_md.status == "ok"
    assert from_pdf.language == from_md.language
    assert from_pdf.pages and all(p.method == "pypdfium2" for p in from_pdf.pages)
    words_pdf = set(from_pdf.text.lower().split())
    words_md = set(from_md.text.lower().split())
    assert len(words_pdf & words_md) / len(words_md) > 0.85
    assert "OFFICIAL GAZETTE OF" not in from_pdf.text


def test_scanned_sample_says_ocr_is_needed_when_ocr_is_off() -> None:
    data = (SAMPLES / "en-commonwealth-firearms-act" / "scanned.pdf").read_bytes()
    document = ingest_bytes(data, name="scanned.pdf", ocr=None)
    assert document.status == "no_text_layer"
    assert "E107" in [d.code.value for d in document.diagnostics]


def test_scanned_sample_says_what_to_install_without_tesseract(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Tesseract an image-only PDF keeps E107, and the message names the packages."""
    monkeypatch.setattr("checker.pdf.ocr_available", lambda: False)
    data = (SAMPLES / "en-commonwealth-firearms-act" / "scanned.pdf").read_bytes()
    document = ingest_bytes(data, name="scanned.pdf")
    assert document.status == "no_text_layer"
    [e107] = [d for d in document.diagnostics if d.code.value == "E107"]
    assert "tesseract-ocr" in e107.message and "OCR" in e107.message


def test_regression_marginal_notes_not_spliced_into_body() -> None:
    """Side headings printed beside section numbers were read into the body's lines
    ("parts and compolicence nents"): they must come out as their own lines."""
    document = ingest(SAMPLES / "en-commonwealth-firearms-act" / "source.pdf")
    assert "parts and components or ammunition" in document.text
    assert "Marking of imported firearms\n7. (1)" in document.text
    assert "licence\nnents" not in document.text


def test_regression_two_column_band_read_column_by_column() -> None:
    """A definitions section set in two columns between full-width text was read across the
    gutter, line by line; each column must be read whole."""
    document = ingest(SAMPLES / "en-commonwealth-firearms-act" / "source.pdf")
    start = document.text.index("“firearm” means")
    assert "designed to expel or may be readily" in document.text[start:start + 200]
    assert document.pages[0].columns == 2
