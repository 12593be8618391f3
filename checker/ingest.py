"""Ingest: read a source file (PDF, Markdown, plain text, DOCX) into a `Document` of clean text.

`ingest_bytes` is a pure function of the bytes and options, so it can run in a sandboxed child
process; it never raises for bad input but returns a document whose `status` and `diagnostics` say
what went wrong. Clean text keeps a map back to pages (`Document.pages`), so every quote the tool
prints can be located in the source.

PDF pages without a usable text layer (scans, garbage layers) are read by OCR (`checker.ocr`,
Tesseract) unless `ocr=None`; each such `Page` has method "ocr" and its mean word confidence, the
document carries a W206 (and W207 per low-confidence page), and quotes from those pages are spans
of the OCR text like any other. Without Tesseract a scan still ends with E107, saying what to
install.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

from checker.errors import Code, Diagnostic, error, warning
from checker.lang import detect_language
from checker.models import Document, IngestStatus, Page, ReadMethod, SourceKind
from checker.ocr import OcrOptions
from checker.pdf import ENGINES, Engine, OcrProgress, extract_pdf

#: OCR within its default limits (`checker.ocr.OcrOptions`); pass `ocr=None` to skip it.
DEFAULT_OCR = OcrOptions()
GENERIC_STEMS = {"text", "source", "document", "index", "readme", "law", "act"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def document_id(path: Path) -> str:
    """A readable id: the file stem, or the folder name when the stem says nothing."""
    stem = path.stem.lower()
    if stem in GENERIC_STEMS and path.parent.name:
        stem = f"{path.parent.name}-{stem}" if stem != "text" else path.parent.name
    return re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-") or "document"


def sniff(data: bytes, *, name: str) -> SourceKind | None:
    """What the bytes are, from their content first and their name second."""
    head = data[:1024]
    suffix = Path(name).suffix.lower()
    if b"%PDF-" in head or suffix == ".pdf":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
        return None
    if _decode(data) is None:
        return None
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:20_000]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
        if sample and controls / len(sample) > 0.01:
            return None
        return text
    return None


# --- text normalisation -------------------------------------------------------------------------


def normalise_lines(text: str) -> str:
    """Unicode NFC, unified spaces and line ends, no control characters, no trailing blanks."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    joined = "\n".join(lines)
    joined = re.sub(r"(\w)-\n(?=[a-zà-ÿ])", r"\1", joined)
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n")


_FRONT_MATTER = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<sup>.*?</sup>", re.IGNORECASE | re.DOTALL), ""),
    (re.compile(r"<br\s*/?>|</p>|</div>|</h\d>|</li>|</tr>", re.IGNORECASE), "\n"),
    (re.compile(r"<[^>\n]{1,300}>"), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE), ""),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),
    (re.compile(r"^[ \t]*[-*+][ \t]+(?=\S)", re.MULTILINE), ""),
    (re.compile(r"^(\*\*|__)([^*_\n]{1,80}?)\1(?=[ \t]+\S)", re.MULTILINE), r"“\2”"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
)


def clean_markdown(source: str) -> tuple[str, str | None]:
    """Markdown (with stray HTML) to plain text; also the title from front matter if any."""
    title = None
    front = _FRONT_MATTER.match(source)
    if front:
        found = re.search(r"^title:\s*[\"']?(.+?)[\"']?\s*$", front["body"], re.MULTILINE)
        title = found.group(1) if found and found.group(1) not in (">-", "|", ">") else None
        source = source[front.end():]
    for pattern, replacement in _MD_RULES:
        source = pattern.sub(replacement, source)
    return html.unescape(source), title


def strip_running_lines(pages: list[str]) -> list[str]:
    """Drop lines repeated at the top or bottom of most pages (running heads, page numbers)."""
    if len(pages) < 3:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    edges: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.split("\n") if ln.strip()]
        for line in set(lines[:3] + lines[-3:]):
            edges[key(line)] += 1
    threshold = max(3, len(pages) // 2)
    repeated = {k for k, n in edges.items() if n >= threshold}
    cleaned = []
    for page in pages:
        lines = page.split("\n")
        non_blank = [i for i, ln in enumerate(lines) if ln.strip()]
        edge = set(non_blank[:3] + non_blank[-3:])
        kept = [ln for i, ln in enumerate(lines)
                if not (i in edge and (key(ln) in repeated or re.fullmatch(r"[-–— ]*\d{1,4}[-–— ]*",
                                                                            ln.strip())))]
        cleaned.append("\n".join(kept))
    return cleaned


def assemble_pages(texts: list[str], *, method: ReadMethod, columns: list[int] | None = None
                   ) -> tuple[str, tuple[Page, ...]]:
    """Join page texts into one clean text, recording each page's span; joins words hyphenated
    across a page break."""
    parts: list[str] = []
    pages: list[Page] = []
    length = 0
    for number, raw in enumerate(texts, start=1):
        text = normalise_lines(raw)
        if parts and text:
            if re.search(r"\w-$", parts[-1]) and text[:1].islower():
                parts[-1] = parts[-1][:-1]
                length -= 1
                pages[-1] = pages[-1].model_copy(update={"end": length})
            else:
                parts.append("\n\n")
                length += 2
        start = length
        parts.append(text)
        length += len(text)
        cols = columns[number - 1] if columns else 1
        pages.append(Page(number=number, start=start, end=length, method=method, columns=cols))
    return "".join(parts), tuple(pages)


# --- readers ------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if len(line.strip()) > 3:
            return line.strip()[:160]
    return ""


def _docx_text(data: bytes) -> str:
    import docx  # python-docx; imported here so the CLI starts fast

    document = docx.Document(io.BytesIO(data))
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text for cell in row.cells))
    return "\n\n".join(blocks)


def ingest_bytes(data: bytes, *, name: str, path: str | None = None, password: str | None = None,
                 language: str | None = None, max_pages: int = 5000,
                 engines: tuple[Engine, ...] = ENGINES, ocr: OcrOptions | None = DEFAULT_OCR,
                 on_ocr: OcrProgress | None = None) -> Document:
    """Read `data` (the bytes of file `name`) into a Document; never raises for bad input.

    `max_pages` and `engines` are passed to `extract_pdf` (the sandbox sets them). PDF pages
    without a usable text layer are read by OCR within the limits of `ocr` (None: not at all),
    in the language hint `language` when given; `on_ocr(done, total)` follows its progress.
    """
    digest = hashlib.sha256(data).hexdigest()
    base = {"id": document_id(Path(name)), "path": path or name, "sha256": digest}
    diagnostics: list[Diagnostic] = []
    status: IngestStatus = "ok"
    pages: tuple[Page, ...] = ()
    page_count: int | None = None
    title: str | None = None
    kind = sniff(data, name=name) if data else None
    if not data:
        return Document(**base, source_kind="text", title=Path(name).name, text="",
                        status="empty", diagnostics=(error(Code.EMPTY, "The file is empty."),))
    if kind is None:
        return Document(**base, source_kind="text", title=Path(name).name, text="",
                        status="not_supported", diagnostics=(error(
                            Code.NOT_SUPPORTED,
                            "Not a PDF, DOCX, Markdown or plain-text file (binary content)."),))
    if kind == "pdf":
        if ocr is not None and language and ocr.language is None:
            ocr = ocr.model_copy(update={"language": language})
        extraction = extract_pdf(data, password=password, max_pages=max_pages, engines=engines,
                                 ocr=ocr, on_ocr=on_ocr)
        diagnostics.extend(extraction.diagnostics)
        status = extraction.status
        page_count = extraction.page_count
        method: ReadMethod = "pdfplumber" if extraction.engine == "pdfplumber" else "pypdfium2"
        text, pages = assemble_pages([p.text for p in extraction.pages], method=method,
                                     columns=[p.columns for p in extraction.pages])
        # Pages that could not be read are missing from `extraction.pages`: keep their numbers.
        pages = tuple(pg.model_copy(update={
            "number": read.number, "method": read.method, "ocr_confidence": read.ocr_confidence,
            "ocr_language": read.ocr_language,
        }) for pg, read in zip(pages, extraction.pages, strict=True))
    elif kind == "docx":
        try:
            text = normalise_lines(_docx_text(data))
        except Exception as exc:  # python-docx raises many types on damaged archives
            return Document(**base, source_kind="docx", title=Path(name).name, text="",
                            status="damaged",
                            diagnostics=(error(Code.DAMAGED, f"The DOCX file is damaged: {exc}"),))
    else:
        decoded = _decode(data) or ""
        if kind == "markdown":
            decoded, title = clean_markdown(decoded)
        if "\f" in decoded:
            raw_pages = strip_running_lines(decoded.split("\f"))
            text, pages = assemble_pages(raw_pages, method="text")
            page_count = len(pages)
        else:
            text = normalise_lines(decoded)
    if status == "ok" and not text.strip():
        status = "empty"
        diagnostics.append(error(Code.EMPTY, "No text could be read from the file."))
    detected, confidence = ("und", 0.0)
    if language is None and text.strip():
        detected, confidence = detect_language(text)
    if language is None and text.strip() and confidence < 0.2:
        diagnostics.append(warning(
            Code.LANGUAGE_UNCERTAIN,
            f"Language detection is uncertain (best guess {detected!r}); set it with --language.",
        ))
    return Document(
        **base, source_kind=kind, title=title or _first_line(text) or Path(name).name, text=text,
        language=language or detected, pages=pages, page_count=page_count, status=status,
        diagnostics=tuple(diagnostics),
    )


def decodes_as_text(data: bytes) -> bool:
    """The bytes read as UTF-8 or Windows-1252 text without binary control characters."""
    return _decode(data) is not None


def unreadable_file(path: str | Path, message: str) -> Document:
    """The document standing for a file that could not even be opened (E101)."""
    source = Path(path)
    return Document(id=document_id(source), path=str(source), sha256="", source_kind="text",
                    title=source.name, text="", status="not_supported",
                    diagnostics=(error(Code.NOT_FOUND, message),))


def ingest(path: str | Path, *, password: str | None = None, language: str | None = None,
           ocr: OcrOptions | None = DEFAULT_OCR, on_ocr: OcrProgress | None = None) -> Document:
    """Read the file at `path`; a missing or unreadable path gives a document with an error.

    `ocr` and `on_ocr(done, total)` as for `ingest_bytes` (pages read by OCR, and progress).
    """
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        return unreadable_file(source, f"Cannot read {source}: {exc.strerror}")
    return ingest_bytes(data, name=source.name, path=str(source), password=password,
                        language=language, ocr=ocr, on_ocr=on_ocr)
