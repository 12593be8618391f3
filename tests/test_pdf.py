"""PDF extraction: hostile files, generated files, real gazette layouts, pure layout helpers."""

from __future__ import annotations

import random
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from locations import HOSTILE, LAYOUT, REAL

from checker.errors import Code
from checker.pdf import (
    Box,
    PdfExtraction,
    clean_text,
    dehyphenate,
    extract_pdf,
    find_gutters,
    find_running,
    is_page_number,
    logical_line,
    order_lines,
    visual_to_logical,
)

TEXT = {"ok", "partial"}  # read, possibly with losses
REFUSED = {"damaged", "not_pdf"}  # a clear error

# Expected outcome per hostile file, from corpora/hostile/INDEX.md: (allowed statuses, text that
# must appear, or None when no text is expected).
HOSTILE_EXPECTED: dict[str, tuple[set[str], str | None]] = {
    "control__pdfminer_simple1.pdf": ({"ok"}, "Hello World"),
    "qpdf__bad1_not-a-pdf.pdf": ({"not_pdf"}, None),
    "qpdf__bad2_no-startxref.pdf": (TEXT, "Potato"),
    "qpdf__bad3_bad-xref-offset.pdf": (TEXT, "Potato"),
    "qpdf__issue-100_xref-reconstruction-loop.pdf": (REFUSED, None),
    "qpdf__issue-149_xref-prev-loop.pdf": (TEXT, "bar"),
    "qpdf__issue-141a_xref-W-zero.pdf": (REFUSED, None),
    "qpdf__issue-335b_23-byte-fuzz.pdf": (REFUSED, None),
    "qpdf__issue-263_empty-xref-stream.pdf": (REFUSED, None),
    "qpdf__issue-117_infinite-loop.pdf": ({"no_text_layer", "partial"}, None),
    "qpdf__issue-120_self-ref-objstm.pdf": (REFUSED, None),
    "qpdf__pages-loop.pdf": (TEXT, "Potato"),
    "qpdf__issue-146_deep-nested-array.pdf": (REFUSED, None),
    "qpdf__issue-202_deep-nested-dict.pdf": (TEXT, "Sample PDF Document"),
    "qpdf__issue-147_memory-error.pdf": (REFUSED, None),
    "qpdf__issue-150_int-overflow.pdf": (REFUSED, None),
    "qpdf__damaged-lzw-stream.pdf": (TEXT, "Potato"),
    "pdfjs__bug1980958_objnum-2e31.pdf": (REFUSED, None),
    "pdfjs__REDHAT-1531897-0_bogus-W.pdf": (REFUSED, None),
    "pdfjs__bug1606566_no-header.pdf": (TEXT, "Bug 1606566"),
    "pdfjs__Pages-tree-refs_cycle.pdf": (TEXT, "Pages loop"),
    "pdfjs__Type3-content-cycle.pdf": (TEXT | {"no_text_layer"}, None),
    "pdfjs__bomb_giant.pdf": (TEXT, "GIANT JBIG2 BOMB"),
    "pdfjs__bug1020226_truncated-fragment.pdf": (REFUSED, None),
    "pdfjs__issue9105_truncated-no-xref.pdf": (TEXT | REFUSED, None),
    "pdfjs__bug1250079_truncated.pdf": (TEXT | REFUSED, None),
    "pdfjs__scan-bad_trailing-garbage.pdf": (TEXT, "pdf.js"),
    "pdfjs__GHOSTSCRIPT-698804-1-fuzzed.pdf": ({"damaged", "no_text_layer", "empty"}, None),
    "pdfjs__PDFBOX-3148-2-fuzzed.pdf": ({"damaged", "no_text_layer", "partial"}, None),
    "pdfjs__issue6010_2_utf8-user-password.pdf": ({"password_required"}, None),
    "pdfminer__aes-256-r6_user-and-owner-pw.pdf": ({"password_required"}, None),
    "pypdf__r2-user-password.pdf": ({"password_required"}, None),
    "pypdf__r6-user-password.pdf": ({"ok"}, "asdfzxcv"),  # the owner password is empty
    "pypdf__r2-owner-password.pdf": ({"ok"}, "encryption"),
    "pypdf__r6-owner-password.pdf": ({"ok"}, "encryption"),
    "pdfminer__pdf-with-jbig2.pdf": ({"no_text_layer"}, None),
    "pypdf__imagemagick-CCITTFaxDecode_image-only.pdf": ({"no_text_layer"}, None),
    "pdfminer__zen_of_python_corrupted.pdf": (TEXT, "Beautiful is better than ugly."),
    "pdfminer__issue-1113-evil-xobjects.pdf": (TEXT, "Hel"),
    "safedocs__Dual-startxref.pdf": (TEXT, "Second startxref"),
}

STATUS_CODE = {
    "not_pdf": Code.NOT_PDF,
    "damaged": Code.DAMAGED,
    "password_required": Code.PASSWORD_REQUIRED,
    "no_text_layer": Code.NO_TEXT_LAYER,
    "empty": Code.EMPTY,
    "too_complex": Code.TOO_COMPLEX,
}


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared corpora live beside the repository)")
    return path


def _read(path: Path, password: str | None = None) -> PdfExtraction:
    return extract_pdf(_need(path).read_bytes(), password=password)


def _text(result: PdfExtraction) -> str:
    return "\n".join(page.text for page in result.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _check_consistent(result: PdfExtraction) -> None:
    codes = {d.code for d in result.diagnostics}
    if result.status in STATUS_CODE:
        assert STATUS_CODE[result.status] in codes
    if result.status in TEXT:
        assert _text(result).strip()
    for d in result.diagnostics:
        assert d.message and d.code.value[0] in "EW"


# --- hostile corpus -----------------------------------------------------------------------------


def test_hostile_index_is_covered() -> None:
    files = {p.name for p in _need(HOSTILE).glob("*.pdf")}
    assert files == set(HOSTILE_EXPECTED)


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECTED))
def test_hostile_file(name: str) -> None:
    statuses, needle = HOSTILE_EXPECTED[name]
    started = time.perf_counter()
    result = _read(HOSTILE / name)
    assert time.perf_counter() - started < 10
    assert result.status in statuses, [d.message for d in result.diagnostics]
    _check_consistent(result)
    if needle is not None:
        assert needle in _text(result)


def test_not_a_pdf_is_named_clearly() -> None:
    result = _read(HOSTILE / "qpdf__bad1_not-a-pdf.pdf")
    assert result.diagnostics[0].message == "The file is not a PDF (no %PDF header)"
    assert result.engine == "none" and result.page_count == 0


def test_headerless_pdf_is_recovered_by_the_fallback_engine() -> None:
    result = _read(HOSTILE / "pdfjs__bug1606566_no-header.pdf")
    assert result.engine == "pdfplumber"
    assert Code.ENGINE_FALLBACK in {d.code for d in result.diagnostics}


def test_owner_password_only_is_opened_and_recorded() -> None:
    for name in (
        "pypdf__r2-owner-password.pdf",
        "pypdf__r6-owner-password.pdf",
        "pypdf__r6-user-password.pdf",
    ):
        result = _read(HOSTILE / name)
        assert result.encrypted
        assert Code.ENCRYPTED_OPENED in {d.code for d in result.diagnostics}


def test_password_required_message() -> None:
    result = _read(HOSTILE / "pdfminer__aes-256-r6_user-and-owner-pw.pdf")
    assert result.encrypted
    assert "--password" in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("name", "password", "needle"),
    [
        ("pdfminer__aes-256-r6_user-and-owner-pw.pdf", "usersecret", "Hello World"),
        ("pdfminer__aes-256-r6_user-and-owner-pw.pdf", "ownersecret", "Hello World"),
        ("pdfjs__issue6010_2_utf8-user-password.pdf", "æøå", "Issue 6010"),
        ("pypdf__r2-user-password.pdf", "asdfzxcv", "encryption"),
    ],
)
def test_right_password_gives_text(name: str, password: str, needle: str) -> None:
    result = _read(HOSTILE / name, password=password)
    assert result.status == "ok"
    assert result.encrypted
    assert needle in _text(result)
    assert Code.ENCRYPTED_OPENED not in {d.code for d in result.diagnostics}


def test_wrong_password_is_refused() -> None:
    result = _read(HOSTILE / "pdfminer__aes-256-r6_user-and-owner-pw.pdf", password="nope")
    assert result.status == "password_required"
    assert "does not open" in result.diagnostics[0].message


def test_page_pdfium_refuses_is_read_by_pdfplumber_or_flagged() -> None:
    result = _read(HOSTILE / "pdfjs__Pages-tree-refs_cycle.pdf")
    codes = {d.code for d in result.diagnostics}
    assert codes & {Code.PAGE_FAILED, Code.ENGINE_FALLBACK}
    assert result.page_count == 2


# --- generated inputs ---------------------------------------------------------------------------


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "zero-byte.pdf"
    path.write_bytes(b"")
    result = extract_pdf(path.read_bytes())
    assert result.status == "empty"
    assert result.diagnostics[0].code == Code.EMPTY


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "random-1MiB.pdf"
    path.write_bytes(random.Random(1234).randbytes(1 << 20))
    result = extract_pdf(path.read_bytes())
    assert result.status in REFUSED
    _check_consistent(result)


def test_html_renamed(tmp_path: Path) -> None:
    path = tmp_path / "html-renamed.pdf"
    path.write_text("<!doctype html><html><body><script>alert(1)</script>Law</body></html>")
    result = extract_pdf(path.read_bytes())
    assert result.status == "not_pdf"
    assert result.diagnostics[0].code == Code.NOT_PDF


def test_object_soup_without_header_is_damaged() -> None:
    result = extract_pdf(b"1 0 obj << /Type /Catalog >> endobj\n" * 3)
    assert result.status == "damaged"
    assert "no %PDF header" in result.diagnostics[0].message


def test_truncated_valid_pdf_never_raises() -> None:
    data = _gazette()
    for cut in (10, 100, len(data) // 3, len(data) // 2, len(data) - 40):
        _check_consistent(extract_pdf(data[:cut]))


LEFT = [
    "The left column opens the act and",
    "sets out the purpose of the law on",
    "the control of firearms, their parts",
    "and components and ammunition in",
    "the territory of the republic. The",
    "left column ends with this sentence.",
]
RIGHT = [
    "The right column continues with the",
    "definitions that apply throughout",
    "this act, including the meaning of",
    "firearm, parts and components and",
    "ammunition as used in the protocol.",
    "The right column ends here.",
]
BODY = [
    "Article {n}. Every person who wishes to engage in the manu-",
    "facture of firearms shall hold a licence issued by the",
    "competent authority, in accordance with this section.",
    "Nothing in this section applies to the State-",
    "Owned Arsenal.",
]


def _gazette(pages: int = 3) -> bytes:
    """A small gazette: running head and folio on every page, page 2 set in two columns.

    The two columns are drawn line by line across the page (left, right, left...), the order a
    content stream may well use, so only positions can put them back in reading order.
    """
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.text(72, 40, f"Official Gazette of Testland No. 12 of 2024 - page {n}")
        pdf.text(290, 800, f"- {n} -")
        pdf.set_font("Helvetica", size=10)
        if n == 2:
            pdf.text(72, 100, "CHAPTER TWO: DEFINITIONS AND SCOPE OF THE LAW ON FIREARMS")
            for i, (left, right) in enumerate(zip(LEFT, RIGHT, strict=True)):
                pdf.text(72, 130 + 14 * i, left)
                pdf.text(310, 130 + 14 * i, right)
        else:
            for i, line in enumerate(BODY):
                pdf.text(72, 100 + 14 * i, line.format(n=n))
    return bytes(pdf.output())


@pytest.mark.parametrize("engine", ["pypdfium2", "pdfplumber"])
def test_generated_gazette(tmp_path: Path, engine: str) -> None:
    """Both engines feed the same layout step, so they must agree on the result."""
    data = _gazette()
    if engine == "pdfplumber":  # without its header pdfium refuses the file; pdfminer recovers it
        data = data.replace(b"%PDF-1.3", b"%", 1)
    path = tmp_path / "gazette.pdf"
    path.write_bytes(data)
    result = extract_pdf(path.read_bytes())
    assert result.status == "ok" and result.engine == engine
    assert all(page.method == engine for page in result.pages)
    assert result.page_count == 3 and [p.number for p in result.pages] == [1, 2, 3]
    text = _text(result)
    # Running head and folios are gone, and recorded.
    assert "Official Gazette" not in text
    assert not re.search(r"^- \d -$", text, re.MULTILINE)
    for page in result.pages:
        assert f"Official Gazette of Testland No. 12 of 2024 - page {page.number}" in (
            page.removed_lines
        )
        assert f"- {page.number} -" in page.removed_lines
    # The hyphenated word is joined; the compound with a capital keeps its hyphen.
    first = result.pages[0].text
    assert "manufacture of firearms" in first and "manu-" not in first
    assert "State-Owned Arsenal" in first
    assert first.startswith("Article 1. Every person")
    # Two columns: the full-width title first, then every left line before any right line.
    second = result.pages[1]
    assert second.columns == 2 and result.pages[0].columns == 1
    flat = _flat(second.text)
    assert flat.startswith("CHAPTER TWO")
    positions = [flat.index(line) for line in LEFT + RIGHT]
    assert positions == sorted(positions)
    assert not second.has_images


def test_two_page_document_drops_page_numbers() -> None:
    result = extract_pdf(_gazette(pages=2))
    assert result.status == "ok"
    assert all(f"- {p.number} -" in p.removed_lines for p in result.pages)
    assert "Official Gazette" not in _text(result)


def test_page_cap() -> None:
    result = extract_pdf(_gazette(), max_pages=2)
    assert result.status == "too_complex"
    assert result.page_count == 3 and not result.pages
    assert result.diagnostics[0].code == Code.TOO_COMPLEX


def test_document_of_repeated_lines_keeps_them() -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(format="A4", unit="pt")
    pdf.set_font("Helvetica", size=10)
    for _ in range(3):
        pdf.add_page()
        pdf.text(72, 60, "Same page text")
    result = extract_pdf(bytes(pdf.output()))
    assert result.status == "ok"
    assert [p.text for p in result.pages] == ["Same page text"] * 3


def _many_pages(count: int) -> bytes:
    """A PDF of `count` pages sharing one content stream, written by hand (fpdf2 is too slow)."""
    kids = " ".join(f"{5 + i} 0 R" for i in range(count))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>",
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 700 Td (Same page text) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R"
    objects += [page + " /Resources << /Font << /F1 4 0 R >> >> >>"] * count
    out, offsets = "%PDF-1.7\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def test_twenty_thousand_pages_are_counted_not_read() -> None:
    data = _many_pages(20_000)
    started = time.perf_counter()
    result = extract_pdf(data)
    assert time.perf_counter() - started < 5
    assert result.status == "too_complex" and result.page_count == 20_000
    small = extract_pdf(_many_pages(3))
    assert small.status == "ok" and small.pages[2].text == "Same page text"


def test_threads_do_not_crash() -> None:
    data = _gazette()
    results: list[PdfExtraction] = []
    threads = [threading.Thread(target=lambda: results.append(extract_pdf(data))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status for r in results] == ["ok"] * 4
    assert len({_text(r) for r in results}) == 1


# --- real layouts -------------------------------------------------------------------------------


def test_federal_register_three_columns() -> None:
    result = _read(LAYOUT / "us-federal-register-2020-17221" / "source.pdf")
    assert result.status == "ok" and result.page_count == 15
    page = result.pages[1]
    assert page.columns == 3
    flat = _flat(page.text)
    # A sentence set over five lines of the first column comes out whole.
    sentence = (
        "Investigation of the accident has been completed by the Indonesian authorities "
        "(Komite Nasional Keselamatan Transportasi (KNKT)) with assistance from the National "
        "Transportation Safety Board (NTSB) and the FAA of the United States, the manufacturer, "
        "and the operator."
    )
    assert sentence in flat
    # Column by column: column 1 text, its footnotes, then column 2, then column 3.
    order = [
        "Hatta International Airport in Jakarta",
        "1Preliminary KNKT.18.10.35.04 Aircraft",
        "altitude disagree alert,5 and may affect",
        "5Stall warning indication is the activation",
        "and the Ethiopian Civil Aviation Authority (ECAA).",
    ]
    positions = [flat.index(part) for part in order]
    assert positions == sorted(positions)
    # The running head, the printer's line and the sideways margin tag are gone.
    assert "Proposed Rules 47699" in page.removed_lines[0]
    assert "VerDate" not in page.text and "DSKJLSW7X2PROD" not in page.text


def test_congo_gazette_two_columns() -> None:
    result = _read(LAYOUT / "cg-journal-officiel-2025-26" / "source.pdf")
    assert result.status == "ok"
    page = result.pages[2]
    assert page.columns == 2
    flat = _flat(page.text)
    assert (
        "Article premier : La présente loi a pour objet de fixer les conditions d’accès au titre "
        "d’architecte, à l’exercice de la profession"
    ) in flat
    assert flat.index("TITRE I : DISPOSITIONS GENERALES") < flat.index("TITRE II : DE L’ARCHITECTE")
    assert page.removed_lines == (
        "Du jeudi 26 juin 2025 Journal officiel de la République du Congo 759",
    )
    assert "République du Congo" in flat  # pdfium's U+FFFE hyphen mark is resolved
    assert "\ufffe" not in _text(result)


def test_scanned_edict_has_no_text_layer() -> None:
    result = _read(LAYOUT / "ar-sde-edicto-policial-incendios" / "source.pdf")
    assert result.status == "no_text_layer"
    assert any(d.code == Code.NO_TEXT_LAYER and "OCR" in d.message for d in result.diagnostics)
    assert all(page.has_images for page in result.pages)


def test_official_journal_running_heads() -> None:
    result = _read(LAYOUT / "eu-oj-l119-2016-gdpr" / "source.pdf")
    assert result.status == "ok" and result.page_count == 88
    text = _text(result)
    assert not re.search(r"EN Official Journal of the European Union", text)
    assert result.pages[1].removed_lines == (
        "L 119/2 EN Official Journal of the European Union 4.5.2016",
    )


def test_czech_act_is_fast_and_clean() -> None:
    path = _need(REAL / "cz-zakon-o-zbranich-cs" / "source.pdf")
    data = path.read_bytes()
    started = time.perf_counter()
    result = extract_pdf(data)
    elapsed = time.perf_counter() - started
    assert result.status == "ok" and result.page_count == 109
    assert elapsed < 6  # about 0.6 s on the reference machine; generous for noisy runners
    text = _text(result)
    assert "zakonyprolidi_cs_2002_119" not in text and " z 109" not in text
    assert "§ 1\nPředmět úpravy" in text


# --- pure helpers -------------------------------------------------------------------------------


def test_dehyphenate_examples() -> None:
    assert dehyphenate("fa\ufffebrique") == "fabrique"
    assert dehyphenate("fa-\nbrique d'armes") == "fabrique d'armes"
    assert dehyphenate("KOLPING\ufffeNICARAGUA") == "KOLPING-NICARAGUA"
    assert dehyphenate("Decreto\ufffe\nLey") == "Decreto-Ley"
    assert dehyphenate("State-\nOwned") == "State-Owned"
    assert dehyphenate("1990-\n2000") == "1990-\n2000"
    assert dehyphenate("word -\nnext") == "word -\nnext"
    assert dehyphenate("para-\n\ngraph") == "para-\n\ngraph"
    assert dehyphenate("soft\xadhyphen") == "softhyphen"


def test_clean_text() -> None:
    assert clean_text("a\r\nb\rc\x00d\x07") == "a\nb\ncd"
    assert clean_text("  Ärger  ünd \t ñ  \n\n\n\nwort ") == "Ärger ünd ñ\n\nwort"
    assert clean_text("ﬁrearm") == "firearm"
    assert (
        clean_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
        == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )


@pytest.mark.parametrize(
    "text", ["3", "- 3 -", "— 3 —", "Page 3 of 7", "3/7", "105 z 109", "Seite 12"]
)
def test_page_numbers(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["3.", "(3)", "§ 3", "Article 3", "a)", "3 Sb.", "1.2"])
def test_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)


def _box(x0: float, top: float, x1: float, text: str, height: float = 10.0) -> Box:
    return Box(x0, top, x1, top + height, text)


def test_gutters_and_order_on_synthetic_columns() -> None:
    boxes = [_box(50, 40, 550, "A TITLE THAT SPANS BOTH COLUMNS OF THE PAGE")]
    for i in range(30):
        boxes.append(_box(50, 70 + 14 * i, 290, f"left column line number {i:02d} of the text"))
        boxes.append(_box(310, 72 + 14 * i, 550, f"right column line number {i:02d} of the text"))
    gutters = find_gutters(boxes, 10.0)
    assert len(gutters) == 1 and 290 <= gutters[0] <= 310
    texts = [line.text for line, _ in order_lines(boxes, gutters)]
    assert texts[0].startswith("A TITLE")
    assert texts[1:31] == [f"left column line number {i:02d} of the text" for i in range(30)]


def test_label_column_is_not_a_text_column() -> None:
    boxes = []
    for i in range(30):
        boxes.append(_box(50, 70 + 14 * i, 80, f"({i})"))
        boxes.append(_box(100, 70 + 14 * i, 550, f"recital number {i} says something long enough"))
    assert find_gutters(boxes, 10.0) == []


_WORDS = st.text(alphabet=st.sampled_from("abcXYZ09 -\n\ufffe\x02\xadéß"), max_size=60)


@given(_WORDS)
def test_dehyphenate_keeps_every_other_character(text: str) -> None:
    def strip(s: str) -> str:
        return re.sub("[-\n\ufffe\x02\xad]", "", s)

    assert strip(dehyphenate(text)) == strip(text)


@given(_WORDS)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(dehyphenate(text))
    assert clean_text(once) == once


_LINE = st.text(alphabet=st.sampled_from("Law of Page 1234 -§"), min_size=1, max_size=20)


@st.composite
def _pages(draw: st.DrawFn) -> list[tuple[float, list[list[Box]]]]:
    pages = []
    for _ in range(draw(st.integers(1, 5))):
        rows = []
        for i, text in enumerate(draw(st.lists(_LINE, min_size=1, max_size=6))):
            top = draw(st.sampled_from([10.0, 30.0, 400.0, 780.0, 800.0])) + i
            rows.append([_box(50, top, 300, text)])
        rows.sort(key=lambda row: row[0].top)
        pages.append((842.0, rows))
    return pages


@settings(max_examples=200)
@given(_pages())
def test_running_removal_needs_repetition_or_a_folio(
    pages: list[tuple[float, list[list[Box]]]],
) -> None:
    removed = find_running(pages)
    assert len(removed) == len(pages)
    keys: dict[str, set[int]] = {}
    for p, (_, rows) in enumerate(pages):
        for row in rows:
            key = re.sub(r"\d+", "#", "".join(row[0].text.lower().split()))
            keys.setdefault(key, set()).add(p)
    for p, boxes in enumerate(removed):
        for box in boxes:
            key = re.sub(r"\d+", "#", "".join(box.text.lower().split()))
            assert is_page_number(box.text) or len(keys[key]) >= 2
            assert any(box == row[0] for row in pages[p][1])


# --- right-to-left text ---------------------------------------------------------------------------

_ARABIC_WORDS = ("المادة", "لسنة", "قانون", "الأسلحة", "النارية", "يحظر", "ترخيص", "رقم", "و",
                 "في", "الذخائر", "بالحبس")
_RTL_PIECES = st.one_of(
    st.sampled_from(_ARABIC_WORDS),
    st.integers(min_value=0, max_value=99_999).map(str),
    st.integers(min_value=1, max_value=99).map(lambda n: f"({n})"),
    st.tuples(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2030))
    .map(lambda t: f"{t[0]}/{t[1]}/{t[2]}"),
    st.tuples(st.integers(0, 99), st.integers(0, 9)).map(lambda t: f"{t[0]}.{t[1]}"),
    st.tuples(st.sampled_from(_ARABIC_WORDS), st.sampled_from(["،", ":", ".", "؛"]))
    .map("".join),
)


@settings(max_examples=300, deadline=None)
@given(first=st.sampled_from(_ARABIC_WORDS), rest=st.lists(_RTL_PIECES, min_size=0, max_size=10))
def test_visual_rtl_lines_are_put_back_in_logical_order(first: str, rest: list[str]) -> None:
    """A logical Arabic line with numbers, dates, brackets and punctuation, displayed by the
    Unicode bidi algorithm (python-bidi), comes back as it was."""
    bidi = pytest.importorskip("bidi.algorithm", reason="python-bidi is not installed")
    line = " ".join([first, *rest])
    assert visual_to_logical(bidi.get_display(line)) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("The Firearms Act (No. 4)", "The Firearms Act (No. 4)"),  # no right-to-left letters
        ("قانون رقم (17) لسنة 2024", "قانون رقم (17) لسنة 2024"),  # already logical
        ("قانون رقم )17( لسنة 2024", "قانون رقم (17) لسنة 2024"),  # brackets from mirrored glyphs
        # visual order in presentation forms (final form first), as some producers store it
        ("\ufee6\ufeee\ufee7\ufe8e\ufed7 \ufea9\ufeeb\ufecc\ufee3", "معهد قانون"),
        # logical order in presentation forms: only folded
        ("\ufed7\ufe8e\ufee7\ufeee\ufee5", "قانون"),
    ],
)
def test_logical_line(line: str, expected: str) -> None:
    assert logical_line(line) == expected


NEW_SAMPLES = ("ar-qanun-asliha", "pt-lei-armas", "ru-zakon-ob-oruzhii", "zh-qiangzhi-guanli-fa")


@pytest.mark.parametrize("sample", NEW_SAMPLES)
def test_new_language_samples_read_back_like_their_text(sample: str) -> None:
    """The typeset PDFs of the Portuguese, Russian, Arabic and Chinese samples read back (text
    layer) close to their text.md: Arabic in logical order with whole lam-alef ligatures."""
    folder = Path(__file__).resolve().parents[1] / "corpora" / "samples" / sample
    if not (folder / "source.pdf").exists():
        pytest.skip(f"{sample} has no source.pdf yet (scripts/build_sample_pdfs.py)")
    from rapidfuzz.distance import Levenshtein

    from checker.ingest import ingest

    read = ingest(folder / "source.pdf", language=sample[:2])
    typed = ingest(folder / "text.md", language=sample[:2])
    similarity = Levenshtein.normalized_similarity(" ".join(read.text.split()),
                                                   " ".join(typed.text.split()))
    assert similarity > 0.9  # measured 0.92 (ar) to 0.999 (zh)
    if sample.startswith("ar"):
        assert "الأسلحة" in read.text and "(17)" in read.text
    if sample.startswith("zh"):  # wrapped lines joined, as the text has no line breaks there
        assert similarity > 0.99 and "\n。" not in read.text
        assert all(line in read.text for line in typed.text.split("\n") if "第一条" in line)


@pytest.mark.parametrize(("rtl", "expected"), [
    (False, ["A1", "A2", "B1", "B2"]),
    (True, ["B1", "B2", "A1", "A2"]),  # a right-to-left page is read from its right column
])
def test_columns_are_read_in_the_page_direction(rtl: bool, expected: list[str]) -> None:
    frags = [Box(50, 100, 250, 110, "A1"), Box(300, 100, 500, 110, "B1"),
             Box(50, 115, 250, 125, "A2"), Box(300, 115, 500, 125, "B2")]
    assert [line.text for line, _ in order_lines(frags, [275.0], rtl=rtl)] == expected


def test_pieces_of_a_right_to_left_line_join_from_the_right() -> None:
    pieces = [Box(50, 100, 120, 110, "ترخيص"), Box(200, 100, 300, 110, "المادة (3)")]
    [(line, _)] = order_lines(pieces, [], rtl=True)
    assert line.text == "المادة (3) ترخيص"
