"""Sandboxed ingest: hostile and generated files end in their category, within their budget, and
the parent survives whatever the child does."""

from __future__ import annotations

import random
import time
import zlib
from pathlib import Path

import pytest
from locations import HOSTILE, SAMPLES
from pydantic import ValidationError

from checker import ocr
from checker.errors import Code
from checker.ingest import ingest_bytes
from checker.models import Document
from checker.sandbox import (
    DEFAULT_LIMITS,
    Limits,
    _describe,
    _Request,
    count_pages,
    ingest_file_sandboxed,
    ingest_sandboxed,
    run_child,
)

OCR = ocr.available()
TEXT = {"ok", "partial"}
REFUSED = {"damaged", "not_pdf"}
STATUS_CODE = {
    "not_pdf": Code.NOT_PDF,
    "damaged": Code.DAMAGED,
    "password_required": Code.PASSWORD_REQUIRED,
    "no_text_layer": Code.NO_TEXT_LAYER,
    "empty": Code.EMPTY,
    "too_complex": Code.TOO_COMPLEX,
}
# The category each file of corpora/hostile/INDEX.md must end in (as tests/test_pdf.py pins the
# reader itself; here the same outcome must come back across the process boundary).
HOSTILE_EXPECTED: dict[str, set[str]] = {
    "control__pdfminer_simple1.pdf": {"ok"},
    "qpdf__bad1_not-a-pdf.pdf": {"not_pdf"},
    "qpdf__bad2_no-startxref.pdf": TEXT,
    "qpdf__bad3_bad-xref-offset.pdf": TEXT,
    "qpdf__issue-100_xref-reconstruction-loop.pdf": REFUSED,
    "qpdf__issue-149_xref-prev-loop.pdf": TEXT,
    "qpdf__issue-141a_xref-W-zero.pdf": REFUSED,
    "qpdf__issue-335b_23-byte-fuzz.pdf": REFUSED,
    "qpdf__issue-263_empty-xref-stream.pdf": REFUSED,
    "qpdf__issue-117_infinite-loop.pdf": {"no_text_layer", "partial"},
    "qpdf__issue-120_self-ref-objstm.pdf": REFUSED,
    "qpdf__pages-loop.pdf": TEXT,
    "qpdf__issue-146_deep-nested-array.pdf": REFUSED,
    "qpdf__issue-202_deep-nested-dict.pdf": TEXT,
    "qpdf__issue-147_memory-error.pdf": REFUSED,
    "qpdf__issue-150_int-overflow.pdf": REFUSED,
    "qpdf__damaged-lzw-stream.pdf": TEXT,
    "pdfjs__bug1980958_objnum-2e31.pdf": REFUSED,
    "pdfjs__REDHAT-1531897-0_bogus-W.pdf": REFUSED,
    "pdfjs__bug1606566_no-header.pdf": TEXT,
    "pdfjs__Pages-tree-refs_cycle.pdf": TEXT,
    "pdfjs__Type3-content-cycle.pdf": TEXT | {"no_text_layer"},
    "pdfjs__bomb_giant.pdf": TEXT,
    "pdfjs__bug1020226_truncated-fragment.pdf": REFUSED,
    "pdfjs__issue9105_truncated-no-xref.pdf": TEXT | REFUSED,
    "pdfjs__bug1250079_truncated.pdf": TEXT | REFUSED,
    "pdfjs__scan-bad_trailing-garbage.pdf": TEXT,
    "pdfjs__GHOSTSCRIPT-698804-1-fuzzed.pdf": {"damaged", "no_text_layer", "empty"},
    "pdfjs__PDFBOX-3148-2-fuzzed.pdf": {"damaged", "no_text_layer", "partial"},
    "pdfjs__issue6010_2_utf8-user-password.pdf": {"password_required"},
    "pdfminer__aes-256-r6_user-and-owner-pw.pdf": {"password_required"},
    "pypdf__r2-user-password.pdf": {"password_required"},
    "pypdf__r6-user-password.pdf": {"ok"},
    "pypdf__r2-owner-password.pdf": {"ok"},
    "pypdf__r6-owner-password.pdf": {"ok"},
    # Image-only pages are read by OCR when Tesseract is installed: the JBIG2 page holds two
    # legible words, the fax page nothing legible (it stays E107, saying OCR found no words).
    "pdfminer__pdf-with-jbig2.pdf": {"ok"} if OCR else {"no_text_layer"},
    "pypdf__imagemagick-CCITTFaxDecode_image-only.pdf": {"no_text_layer"},
    "pdfminer__zen_of_python_corrupted.pdf": TEXT,
    "pdfminer__issue-1113-evil-xobjects.pdf": TEXT,
    "safedocs__Dual-startxref.pdf": TEXT,
}
SLACK = 5.0  # process start and teardown on a loaded two-core machine


# --- generated files (recipes of corpora/hostile/INDEX.md, "To generate") ------------------------


def make_pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1, object 1 the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
         b"/Resources << /Font << /F1 4 0 R >> >> >>")


def _one_page(content: bytes, extra: bytes = b"") -> bytes:
    return make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                     _stream(content, extra), _FONT, _PAGE])


def _spaces_zlib(size: int, chunk: int = 16 << 20) -> bytes:
    """`size` spaces zlib-compressed at level 9, without ever holding them in memory.

    After a full flush the compressor's state depends only on the window (all spaces), so every
    middle chunk compresses to the same bytes: compress three chunks, repeat the middle one, and
    add the Adler-32 of the whole.
    """
    count = size // chunk
    block = b" " * chunk
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(block) + compressor.flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(block, adler)
    return b"\x78\xda" + first + middle * (count - 2) + last + adler.to_bytes(4, "big")


def flate_bomb(size: int = 1 << 30) -> bytes:
    """A valid one-page PDF whose content stream inflates to `size` bytes of spaces (~1 MiB)."""
    return _one_page(_spaces_zlib(size), b"/Filter /FlateDecode ")


def glyph_bomb(glyphs: int = 2_000_000) -> bytes:
    """One page showing `glyphs` glyphs in a single Tj, Flate-compressed (about 2.5 KiB)."""
    content = b"BT /F1 1 Tf 10 700 Td (" + b"A" * glyphs + b") Tj ET"
    return _one_page(zlib.compress(content, 9), b"/Filter /FlateDecode ")


def deep_page_tree(depth: int = 5000) -> bytes:
    """A /Pages tree `depth` levels deep, one kid per level, one leaf page at the bottom."""
    numbers = [2, *range(5, 5 + depth - 1)]  # the Pages nodes; 3 and 4 are content and font
    leaf = 5 + depth - 1
    bodies: dict[int, bytes] = {}
    for i, number in enumerate(numbers):
        parent = b"" if i == 0 else b"/Parent %d 0 R " % numbers[i - 1]
        kid = numbers[i + 1] if i + 1 < len(numbers) else leaf
        bodies[number] = b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, kid)
    bodies[leaf] = _PAGE.replace(b"/Parent 2 0 R", b"/Parent %d 0 R" % numbers[-1])
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", bodies[2],
               _stream(b"BT /F1 12 Tf 72 700 Td (Deep leaf) Tj ET"), _FONT]
    objects += [bodies[n] for n in range(5, leaf + 1)]
    return make_pdf(objects)


def many_pages(count: int) -> bytes:
    """`count` pages sharing one small content stream."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    return make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
                     _stream(b"BT /F1 12 Tf 72 700 Td (Same page text) Tj ET"), _FONT,
                     *[_PAGE] * count])


def image_pages(count: int) -> bytes:
    """`count` image-only pages sharing one small grey image drawn over the page (a scan
    without legible text, to make OCR work and find nothing)."""
    pixels = bytes((17 * i) % 256 for i in range(64))
    image = (b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Length 64 >>\nstream\n" + pixels + b"\nendstream")
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            b"/Resources << /XObject << /Im1 4 0 R >> >> >>")
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    return make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
                     _stream(b"q 500 0 0 700 50 50 cm /Im1 Do Q"), image, *[page] * count])


HTML = b"<!doctype html><html><body><script>alert(1)</script><p>Firearms law</p></body></html>"


# --- helpers ------------------------------------------------------------------------------------


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared corpora live beside the repository)")
    return path


def _check(document: Document, statuses: set[str]) -> None:
    assert document.status in statuses, [d.message for d in document.diagnostics]
    codes = {d.code for d in document.diagnostics}
    if document.status in STATUS_CODE:
        assert STATUS_CODE[document.status] in codes
    if document.status in TEXT:
        assert document.text.strip()


def _timed(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS,
           **options: str) -> tuple[Document, float]:
    started = time.monotonic()
    document = ingest_sandboxed(data, name=name, limits=limits, **options)
    return document, time.monotonic() - started


def _budget(limits: Limits, pages: int | None, attempts: int = 1) -> float:
    return attempts * (limits.wall_clock(pages) + SLACK)


# --- limits -------------------------------------------------------------------------------------


def test_limits_are_frozen_with_defaults_and_a_capped_clock() -> None:
    limits = Limits()
    assert limits.wall_clock(None) == 10 and limits.wall_clock(109) == 119
    assert limits.wall_clock(10_000) == 300
    assert 1536 <= limits.memory_mb <= 2048
    with pytest.raises(ValidationError):
        limits.seconds = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Limits(memory_mb=10)
    with pytest.raises(ValidationError):
        Limits(unknown=1)  # type: ignore[call-arg]


# --- the hostile corpus -------------------------------------------------------------------------


def test_hostile_index_is_covered() -> None:
    assert {p.name for p in _need(HOSTILE).glob("*.pdf")} == set(HOSTILE_EXPECTED)


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECTED))
def test_hostile_file_in_the_sandbox(name: str) -> None:
    data = _need(HOSTILE / name).read_bytes()
    document, seconds = _timed(data, name)
    _check(document, HOSTILE_EXPECTED[name])
    assert seconds < _budget(DEFAULT_LIMITS, document.page_count)
    # The sandbox changes where the file is read, not what is read.
    direct = ingest_bytes(data, name=name)
    assert (document.status, document.text, document.sha256) == (
        direct.status, direct.text, direct.sha256)


def test_password_reaches_the_child() -> None:
    path = _need(HOSTILE / "pdfminer__aes-256-r6_user-and-owner-pw.pdf")
    document = ingest_file_sandboxed(path, password="usersecret")
    assert document.status == "ok" and "Hello World" in document.text
    assert document.path == str(path)


# --- generated files ----------------------------------------------------------------------------


def test_zero_bytes() -> None:
    document, _ = _timed(b"", "zero-byte.pdf")
    _check(document, {"empty"})


def test_random_bytes() -> None:
    document, seconds = _timed(random.Random(1234).randbytes(1 << 20), "random-1MiB.pdf")
    _check(document, REFUSED)
    assert seconds < _budget(DEFAULT_LIMITS, None)


def test_html_renamed_pdf() -> None:
    document, _ = _timed(HTML, "html-renamed.pdf")
    _check(document, {"not_pdf"})


def test_text_files_skip_the_sandbox_and_read_the_same() -> None:
    data = (SAMPLES / "en-weak-arms-act" / "text.md").read_bytes()
    assert ingest_sandboxed(data, name="text.md") == ingest_bytes(data, name="text.md")


def test_sample_pdf_reads_the_same_in_the_sandbox() -> None:
    data = (SAMPLES / "fr-code-armes" / "source.pdf").read_bytes()
    document = ingest_sandboxed(data, name="source.pdf", language="fr")
    assert document == ingest_bytes(data, name="source.pdf", language="fr")
    assert document.status == "ok" and document.language == "fr"


def test_page_cap_is_read_first_and_counts_not_reads() -> None:
    data = many_pages(20_000)
    assert count_pages(data) == 20_000
    document, seconds = _timed(data, "20000-pages.pdf")
    _check(document, {"too_complex"})
    assert document.page_count == 20_000 and not document.text
    assert "more than the limit of 5000" in document.diagnostics[0].message
    assert seconds < 10 + SLACK  # counted, never read page by page
    small = ingest_sandboxed(many_pages(3), name="3-pages.pdf", limits=Limits(max_pages=2))
    _check(small, {"too_complex"})


def test_image_bomb_is_counted_not_ocrd() -> None:
    """20,000 image-only pages end at the page cap in seconds, before any page is OCR'd."""
    document, seconds = _timed(image_pages(20_000), "20000-scans.pdf")
    _check(document, {"too_complex"})
    assert seconds < 10 + SLACK


@pytest.mark.skipif(not OCR, reason="tesseract is not installed (apt-get install tesseract-ocr)")
@pytest.mark.parametrize(
    ("limits", "says"),
    [(Limits(max_ocr_pages=2), "more than the limit of 2"),
     (Limits(max_ocr_seconds=2.0), "time limit of 2 s")],
)
def test_ocr_stops_at_its_limits_with_a_warning(limits: Limits, says: str) -> None:
    """Many image pages: OCR stops at its page or time cap (W208) and the file still comes back
    within the wall clock plus the OCR allowance, instead of being killed."""
    progress: list[tuple[int, int]] = []
    started = time.monotonic()
    document = ingest_sandboxed(image_pages(40), name="40-scans.pdf", limits=limits,
                                on_progress=lambda done, total: progress.append((done, total)))
    seconds = time.monotonic() - started
    limited = [d for d in document.diagnostics if d.code == Code.OCR_LIMITED]
    assert limited and says in limited[0].message, document.diagnostics
    assert document.status == "no_text_layer"  # nothing legible on these pages
    assert progress and progress[0][0] == 0  # announced before the first page
    if limits.max_ocr_pages == 2:
        assert progress == [(0, 2), (1, 2), (2, 2)]  # then one report a page, in the parent
    assert seconds < limits.wall_clock(40) + limits.ocr_clock(40) + SLACK


def test_ocr_allowance_is_capped() -> None:
    limits = Limits()
    assert limits.ocr_clock(0) == 0
    assert limits.ocr_clock(6) == 6 * limits.ocr_seconds_per_page + limits.seconds
    assert limits.ocr_clock(5000) == limits.max_ocr_seconds + limits.seconds
    assert Limits(ocr=False).ocr_options("fr") is None
    assert limits.ocr_options("fr") == ocr.OcrOptions(language="fr")


def test_oversized_file_is_not_sent_to_a_child() -> None:
    document = ingest_sandboxed(many_pages(3), name="big.pdf", limits=Limits(max_bytes=100))
    _check(document, {"too_complex"})
    assert "MiB" in document.diagnostics[0].message


@pytest.mark.slow
def test_flate_bomb_1gib_is_too_complex_and_the_parent_survives() -> None:
    data = flate_bomb()
    assert len(data) < 2 << 20  # about 1 MiB on disk, 1 GiB inflated
    document, seconds = _timed(data, "flate-bomb-1GiB-content.pdf")
    _check(document, {"too_complex"})
    # pypdfium2 aborts under the memory cap; pdfplumber, tried alone in a fresh child, runs out
    # of memory or time: both attempts stay within their clocks.
    assert seconds < _budget(DEFAULT_LIMITS, 1, attempts=2)
    messages = " ".join(d.message for d in document.diagnostics)
    assert "SIGABRT" in messages or "memory" in messages
    assert document.page_count == 1
    assert ingest_sandboxed(many_pages(2), name="after.pdf").status == "ok"


@pytest.mark.slow
def test_pypdfium2_crash_is_reported_as_a_signal() -> None:
    request = _Request(data=flate_bomb(), name="flate.pdf", path=None, password=None,
                       language=None, limits=DEFAULT_LIMITS, engines=("pypdfium2",), kind="pdf")
    attempt = run_child(request)
    assert attempt.document is None and attempt.crashed
    assert attempt.failure in ("signal", "memory") and attempt.pages == 1


@pytest.mark.slow
def test_glyph_bomb_is_read_by_pdfium_within_its_budget() -> None:
    data = glyph_bomb()
    assert len(data) < 4096
    document, seconds = _timed(data, "glyph-bomb-2M-chars.pdf")
    _check(document, TEXT)  # pdfium reads two million glyphs in a blink
    assert seconds < _budget(DEFAULT_LIMITS, 1)


@pytest.mark.slow
def test_glyph_bomb_times_out_in_pdfplumber_with_e108_naming_the_clock() -> None:
    # pdfminer builds an object per glyph (93 s and 4.35 GiB unbounded): the clock stops it.
    limits = Limits(seconds=2, seconds_per_page=0)
    request = _Request(data=glyph_bomb(), name="glyph.pdf", path=None, password=None,
                       language=None, limits=limits, engines=("pdfplumber",), kind="pdf")
    started = time.monotonic()
    attempt = run_child(request)
    assert time.monotonic() - started < 2 + SLACK
    assert attempt.document is None and attempt.failure == "timeout" and not attempt.crashed
    assert "longer than the limit of 2 s" in _describe(attempt, limits)


@pytest.mark.slow
def test_deep_page_tree_is_refused_cleanly() -> None:
    document, seconds = _timed(deep_page_tree(), "pages-tree-depth-5000.pdf")
    _check(document, {"damaged", "too_complex"})
    assert seconds < _budget(DEFAULT_LIMITS, None, attempts=2)


def test_many_children_in_a_row_leave_no_process_behind() -> None:
    import multiprocessing

    def readers() -> set[int | None]:
        return {p.pid for p in multiprocessing.active_children() if p.name == "checker-sandbox"}

    before = readers()
    for _ in range(5):
        assert ingest_sandboxed(many_pages(1), name="one.pdf").status == "ok"
    deadline = time.monotonic() + 5  # the last child may still be on its way out
    while readers() - before:
        assert time.monotonic() < deadline
        time.sleep(0.05)
