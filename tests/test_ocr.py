"""OCR of scanned gazettes: the image-only sample reads and reviews like its text-layer twin,
OCR'd pages are marked with their confidence, garbage text layers are recognised, and each
supported script is read with its own model.

Tests that run Tesseract skip when it is not installed (CI installs it); the scanned sample is
read once per session (six pages, about 20-30 s on a shared two-core machine).
"""

from __future__ import annotations

import io
import itertools
import statistics
import time
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from locations import SAMPLES
from PIL import Image
from rapidfuzz.distance import Levenshtein

from checker import ocr
from checker.errors import Code
from checker.ingest import ingest_bytes
from checker.models import Document, Report
from checker.report import to_markdown
from checker.review import review_documents

SCANNED = SAMPLES / "en-commonwealth-firearms-act" / "scanned.pdf"
TWIN = SAMPLES / "en-commonwealth-firearms-act" / "source.pdf"

needs_tesseract = pytest.mark.skipif(
    not ocr.available(),
    reason="tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng ...; "
           "`make setup` and .ci/run do it)",
)

# Floors a little below what was measured on the scanned sample (OMP_THREAD_LIMIT=1, 300 dpi):
# 97 of 99 statuses agree, character similarity 97.2 %, page confidence 93-95 %.
MIN_AGREEMENT = 94
MIN_SIMILARITY = 0.95
MIN_PAGE_SIMILARITY = 0.88
MIN_CONFIDENCE = 0.85


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def scanned() -> tuple[Document, list[float]]:
    """The scanned sample read by OCR once, with the seconds each page took."""
    marks: list[float] = []
    document = ingest_bytes(SCANNED.read_bytes(), name="scanned.pdf",
                            on_ocr=lambda done, total: marks.append(time.monotonic()))
    return document, [b - a for a, b in itertools.pairwise(marks)]


@pytest.fixture(scope="module")
def twin() -> Document:
    return ingest_bytes(TWIN.read_bytes(), name="source.pdf")


@pytest.fixture(scope="module")
def reports(scanned: tuple[Document, list[float]], twin: Document) -> tuple[Report, Report]:
    return (review_documents([scanned[0]]).report, review_documents([twin]).report)


# --- the scanned sample -------------------------------------------------------------------------


@needs_tesseract
def test_every_scanned_page_is_read_by_ocr(scanned: tuple[Document, list[float]]) -> None:
    document, seconds = scanned
    assert document.status == "ok" and document.language == "en"
    assert len(document.pages) == 6
    for page in document.pages:
        assert page.read_by == "ocr" and page.ocr_language == "eng"
        assert page.ocr_confidence is not None and page.ocr_confidence >= MIN_CONFIDENCE
    [used] = [d for d in document.diagnostics if d.code == Code.OCR_USED]
    assert "6 of 6 pages" in used.message and "pages 1-6" in used.message
    assert Code.NO_TEXT_LAYER not in {d.code for d in document.diagnostics}
    assert len(seconds) == 6 and statistics.median(seconds) < 20  # about 3.6 s on a free core


@needs_tesseract
def test_ocr_text_is_close_to_the_text_layer(scanned: tuple[Document, list[float]],
                                             twin: Document) -> None:
    document, _ = scanned
    similarity = Levenshtein.normalized_similarity(_flat(document.text), _flat(twin.text))
    assert similarity >= MIN_SIMILARITY
    for read, typed in zip(document.pages, twin.pages, strict=True):
        page = Levenshtein.normalized_similarity(_flat(document.text[read.start:read.end]),
                                                 _flat(twin.text[typed.start:typed.end]))
        assert page >= MIN_PAGE_SIMILARITY, read.number


@needs_tesseract
def test_findings_agree_with_the_text_twin(reports: tuple[Report, Report]) -> None:
    from_scan, from_text = reports
    assert len(from_text.findings) == 99
    by_id = {f.obligation_id: f.status for f in from_scan.findings}
    agree = sum(by_id[f.obligation_id] == f.status for f in from_text.findings)
    assert agree >= MIN_AGREEMENT


@needs_tesseract
def test_quotes_from_ocr_pages_are_spans_of_the_ocr_text(
        scanned: tuple[Document, list[float]], reports: tuple[Report, Report]) -> None:
    document, _ = scanned
    evidence = [e for f in reports[0].findings for e in f.evidence]
    assert evidence
    for item in evidence:
        assert document.text[item.start:item.end] == item.quote
        assert item.page == document.page_at(item.start)


@needs_tesseract
def test_report_marks_the_ocr_pages(scanned: tuple[Document, list[float]],
                                    reports: tuple[Report, Report]) -> None:
    document, _ = scanned
    info = reports[0].documents[0]
    assert Code.OCR_USED in {w.code for w in info.warnings}
    assert [p.page for p in document.ocr_pages()] == [1, 2, 3, 4, 5, 6]
    if not info.ocr_pages:  # the review passes Document.ocr_pages() to DocumentInfo
        info = info.model_copy(update={"ocr_pages": document.ocr_pages()})
    assert info.ocr_pages == document.ocr_pages()
    report = reports[0].model_copy(update={"documents": (info,)})
    text = to_markdown(report)
    assert "OCR p. 1-6 (confidence 9" in text and "W206" in text
    assert "| text layer |" in to_markdown(reports[1])


# --- garbage text layers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "garbage"),
    [
        ("The licensing authority shall keep a register of every firearm manufactured or "
         "imported, with its marking and the name of its owner.", False),
        ("Le détenteur d’une arme à feu doit la déclarer à l’autorité administrative dans un "
         "délai de trois mois à compter de son acquisition.", False),
        ("Toda persona que fabrique armas de fuego deberá obtener una licencia expedida por la "
         "autoridad competente conforme al artículo 12.", False),
        ("Огнестрельное оружие подлежит регистрации в уполномоченном органе в течение двух "
         "недель со дня его приобретения гражданином.", False),
        ("يحظر على أي شخص حيازة سلاح ناري أو ذخيرة دون ترخيص صادر من الإدارة المختصة وفقا "
         "لأحكام هذا القانون", False),
        ("第五条 制造、组装枪支、主要零部件或者弹药，应当向内政部申请制造许可证。", False),
        # A Caesar-shifted font (a broken encoding) and glyph-id debris
        ("Wkh olfhqvlqj dxwkrulwb vkdoo nhhs d uhjlvwhu ri hyhub iluhdup pdqxidfwxuhg ru "
         "lpsruwhg, zlwk lwv pdunlqj dqg wkh qdph ri lwv rzqhu.", True),
        ("$%& '()* +,-. /01 2345 6789 :;<= >?@A BCDE FGHI JKLM NOPQ RSTU VWXY Z[\\] ^_`a "
         "bcdE FgHi jKlM nOpQ", True),
        ("\ue001\ue002\ue003 \ue004\ue005 \ue006\ue007\ue008 \ue009\ue00a \ue00b\ue00c\ue00d "
         "\ue00e\ue00f \ue010\ue011 \ue012\ue013\ue014 \ue015\ue016 \ue017\ue018 \ue019\ue01a "
         "\ue01b\ue01c \ue01d\ue01e", True),
        ("Ã©tÃ© dÃ©tenteur Ã¨ Ã  lâ€™autoritÃ© dÃ©lai Ã©galement Ã§a prÃ©vu Ã©tabli "
         "rÃ©gime Ã©crit", True),
        ("rnrn IIlI lIlI Il1I 1lIl rnrnrn IlIlIl lI1lI1 IIIlll 1l1l1l rnmrnm IlIl1 lIlIl", True),
        ("\ufffd\ufffd\ufffd \ufffd\ufffd \ufffd\ufffd\ufffd\ufffd armes \ufffd\ufffd", True),
        # Too few words to judge: a stamp, a page number, a short title
        ("Xq7 zzkp", False),
        ("", False),
    ],
)
def test_garbage_text_layer_detection(text: str, garbage: bool) -> None:
    assert ocr.is_garbage(text) is garbage, ocr.plausible_share(text)


@pytest.mark.parametrize(
    ("text", "has_images", "reason"),
    [
        ("", True, "no-text"),
        ("12", True, "no-text"),
        ("", False, None),  # a blank page: nothing to read
        ("The licensing authority shall keep a register of firearms.", True, None),
        ("Wkh olfhqvlqj dxwkrulwb vkdoo nhhs d uhjlvwhu ri hyhub iluhdup pdqxidfwxuhg ru "
         "lpsruwhg, zlwk lwv pdunlqj dqg wkh qdph ri lwv rzqhu.", False, "garbage"),
    ],
)
def test_which_pages_need_ocr(text: str, has_images: bool, reason: str | None) -> None:
    assert ocr.needs_ocr(text, has_images=has_images) == reason


def test_tsv_lines_keep_reading_order_and_confidence() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t" \
             "height\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t100\t100\t80\t30\t96.5\tFirearms",
        "5\t1\t1\t1\t1\t2\t190\t100\t60\t30\t91.5\tAct",
        "5\t1\t1\t1\t2\t1\t100\t140\t40\t30\t-1\t",
        "5\t1\t1\t1\t2\t2\t150\t140\t40\t30\t80\t枪支",
        "5\t1\t1\t1\t2\t3\t195\t140\t40\t30\t70\t管理",
    ]
    result = ocr.parse_tsv("\n".join([header, *rows]), language="eng")
    assert [line.text for line in result.lines] == ["Firearms Act", "枪支管理"]
    assert result.words == 4 and result.confidence == pytest.approx(0.845)
    assert (result.lines[0].x0, result.lines[0].x1) == (100, 250)


def test_language_hint_maps_to_installed_models() -> None:
    assert ocr.tesseract_language(None) is None
    assert ocr.tesseract_language("xx") is None
    if "fra" in ocr.installed_models():
        assert ocr.tesseract_language("fr") == "fra"
        assert ocr.tesseract_language("FR-ca") == "fra"


# --- scripts ------------------------------------------------------------------------------------

SCRIPTS = {  # sample -> (language, Tesseract model, Unicode name prefix of its letters)
    "fr-code-armes": ("fr", "fra", "LATIN"),
    "es-ley-armas": ("es", "spa", "LATIN"),
    "ru-zakon-ob-oruzhii": ("ru", "rus", "CYRILLIC"),
    "ar-qanun-asliha": ("ar", "ara", "ARABIC"),
    "zh-qiangzhi-guanli-fa": ("zh", "chi_sim", "CJK"),
}


def _scan_of_first_page(pdf: Path) -> bytes:
    """An image-only PDF of the upper half of the first page (half the OCR time)."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    image = image.crop((0, 0, image.width, image.height // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=200.0)
    return buffer.getvalue()


@needs_tesseract
@pytest.mark.parametrize("sample", sorted(SCRIPTS))
def test_each_script_is_read_with_its_own_model(sample: str) -> None:
    """No language hint and no text layer: the script (OSD) or the words of a first English
    pass choose the model, and the text comes back in the sample's script, in logical order."""
    language, model, script = SCRIPTS[sample]
    pdf = SAMPLES / sample / "source.pdf"
    if not pdf.exists():
        pytest.skip(f"{pdf} is not built yet")
    if model not in ocr.installed_models():
        pytest.skip(f"the Tesseract model {model} is not installed")
    document = ingest_bytes(_scan_of_first_page(pdf), name="scan.pdf")
    assert document.status == "ok"
    assert [p.ocr_language for p in document.pages] == [model]
    letters = [ch for ch in document.text if ch.isalpha()]
    in_script = sum(unicodedata.name(ch, "").startswith(script) for ch in letters)
    assert in_script / len(letters) > 0.9
    assert document.language == language
    typed = ingest_bytes((SAMPLES / sample / "text.md").read_bytes(), name="text.md").text
    if language == "zh":
        shared = set(document.text) & set(typed)
        assert len(shared) / len(set(document.text) - {" ", "\n"}) > 0.8
    else:
        words = set(document.text.split())
        assert len(words & set(typed.split())) / len(words) > 0.6  # logical order, real words


# --- choosing the language, garbage layers end to end -------------------------------------------


def _page_image(pdf: Path, index: int, *, dpi: int = 200) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return image.crop((0, 0, image.width, image.height // 2))


def _with_scanned_page(pdf: Path, index: int) -> bytes:
    """`pdf` with page `index` replaced by an image of its upper half (no text layer)."""
    document = pdfium.PdfDocument(pdf)
    scan = io.BytesIO()
    _page_image(pdf, index).save(scan, format="PDF", resolution=200.0)
    image_only = pdfium.PdfDocument(scan.getvalue())
    mixed = pdfium.PdfDocument.new()
    try:
        mixed.import_pages(document, [i for i in range(len(document)) if i < index])
        mixed.import_pages(image_only, [0])
        out = io.BytesIO()
        mixed.save(out)
        return out.getvalue()
    finally:
        for doc in (mixed, image_only, document):
            doc.close()


@needs_tesseract
def test_ocr_language_comes_from_the_text_layer_of_other_pages() -> None:
    """A French gazette with one scanned page: the text-layer pages say French, so the scan is
    read with the French model straight away (no script detection, no English pass)."""
    if "fra" not in ocr.installed_models():
        pytest.skip("the Tesseract model fra is not installed")
    data = _with_scanned_page(SAMPLES / "fr-code-armes" / "source.pdf", 1)
    document = ingest_bytes(data, name="mixed.pdf")
    assert [p.read_by for p in document.pages] == ["text-layer", "ocr"]
    assert document.pages[1].ocr_language == "fra" and document.language == "fr"
    assert "1 of 2 pages were read by OCR" in " ".join(d.message for d in document.diagnostics)
    ocr_text = document.text[document.pages[1].start:document.pages[1].end]
    assert any(ch in ocr_text for ch in "éèà")  # French accents, not an English reading


@needs_tesseract
def test_language_hint_chooses_the_model() -> None:
    if "spa" not in ocr.installed_models():
        pytest.skip("the Tesseract model spa is not installed")
    scan = io.BytesIO()
    _page_image(SAMPLES / "es-ley-armas" / "source.pdf", 0).save(scan, format="PDF",
                                                                   resolution=200.0)
    document = ingest_bytes(scan.getvalue(), name="scan.pdf", language="es")
    assert [p.ocr_language for p in document.pages] == ["spa"]


def _caesar(text: str) -> str:
    shift = {c: chr((ord(c) - base + 3) % 26 + base) for base in (65, 97)
             for c in map(chr, range(base, base + 26))}
    return "".join(shift.get(ch, ch) for ch in text)


@needs_tesseract
def test_garbage_text_layer_is_replaced_by_ocr() -> None:
    """A scan under a hidden text layer whose encoding is shifted (what a bad OCR layer or a
    broken font gives): the layer is judged garbage (W205) and the page is read by OCR."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    image = _page_image(SAMPLES / "en-commonwealth-firearms-act" / "source.pdf", 1)
    typed = ingest_bytes((SAMPLES / "en-commonwealth-firearms-act" / "text.md").read_bytes(),
                         name="text.md").text
    pdf = FPDF(unit="pt", format=(image.width * 72 / 200, image.height * 72 / 200))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.set_font("helvetica", size=9)
    pdf.text_mode = TextMode.INVISIBLE
    pdf.set_xy(20, 20)
    pdf.multi_cell(pdf.w - 40, 11, _caesar(typed[2000:3500]).encode("ascii", "ignore").decode())
    document = ingest_bytes(bytes(pdf.output()), name="garbage.pdf")
    assert [p.read_by for p in document.pages] == ["ocr"]
    assert Code.LOW_TEXT_QUALITY in {d.code for d in document.diagnostics}
    assert "firearm" in document.text.lower()


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("who or-", "-ganises", ["who or-", "ganises"]),  # the hyphen read twice
        ("who or", "-ganises", ["who or-", "ganises"]),  # the hyphen read on the next line
        ("who or-", "ganises", ["who or-", "ganises"]),
        ("Article 5", "-a list item", ["Article 5", "-a list item"]),  # not after a letter
    ],
)
def test_line_end_hyphen_goes_back_to_its_line(first: str, second: str,
                                               expected: list[str]) -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t" \
             "height\tconf\ttext"
    rows = [f"5\t1\t1\t1\t{n}\t{k}\t{100 + 100 * k}\t{100 + 40 * n}\t90\t30\t90\t{word}"
            for n, line in enumerate((first, second), start=1)
            for k, word in enumerate(line.split(), start=1)]
    result = ocr.parse_tsv("\n".join([header, *rows]), language="eng")
    assert [line.text for line in result.lines] == expected
