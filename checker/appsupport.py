"""What the drafter's app needs besides widgets: upload checks, isolated reading, a background
review with progress, finding views, evidence excerpts, page images, exports and the decision store.

Nothing here imports Streamlit, so every helper is tested on its own; `app.py` only lays out
widgets over these functions and the public `checker` API.

Uploaded bytes stay in memory. Before anything parses them, `check_upload` compares the bytes with
the file's extension (`%PDF-` for .pdf, a ZIP header for .docx, decodable text for .md and .txt).
The files are then read by a child process with a time limit per file and a memory cap
(`ingest_uploads`): a hostile PDF can stop that process, never the app.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from checker import decisions
from checker.checklist import CATEGORIES, LEVELS, Obligation
from checker.errors import Code, Diagnostic, error
from checker.ingest import decodes_as_text, document_id, ingest_bytes
from checker.models import Document, Evidence, Finding, IngestStatus, Report, SourceKind, Status
from checker.pdf import _PDFIUM_LOCK  # pdfium is not thread-safe: share the reader's lock
from checker.review import STATUSES, Review, ocr_stage, review_documents, unique_ids

StageCallback = Callable[[str, str], None]

# --- vocabulary shown to people -----------------------------------------------------------------

ACCEPTED_SUFFIXES: Final = (".pdf", ".docx", ".md", ".markdown", ".txt")
MAX_UPLOAD_MB: Final = 50  # also `server.maxUploadSize` in .streamlit/config.toml
GAPS_FIRST: Final[dict[str, int]] = {"missing": 0, "partial": 1, "unclear": 2, "met": 3}
GAP_STATUSES: Final = ("missing", "partial", "unclear")
STATUS_LABELS: Final[dict[str, str]] = {
    "met": "Met", "partial": "Partial", "missing": "Missing", "unclear": "Unclear",
}
STATUS_COLOURS: Final[dict[str, str]] = {
    "met": "#2e7d32", "partial": "#ef9f00", "unclear": "#8c96a3", "missing": "#c62828",
}
LEVEL_LABELS: Final[dict[str, str]] = {
    "mandatory": "Mandatory",
    "mandatory-subject-to-legal-system": "Mandatory, subject to the legal system",
    "optional-must-consider": "Optional, must be considered",
    "optional": "Optional",
    "recommended": "Recommended practice",
}
SHORT_LEVEL_LABELS: Final[dict[str, str]] = {
    "mandatory": "Mandatory",
    "mandatory-subject-to-legal-system": "Subject to legal system",
    "optional-must-consider": "Must consider",
    "optional": "Optional",
    "recommended": "Recommended",
}
CATEGORY_LABELS: Final[dict[str, str]] = {
    "definitions": "Definitions",
    "criminalization": "Criminalisation",
    "marking": "Marking",
    "record-keeping": "Record-keeping",
    "licensing-transfers": "Licensing and transfers",
    "deactivation": "Deactivation",
    "brokering": "Brokering",
    "confiscation-disposal": "Confiscation and disposal",
    "security-prevention": "Security and prevention",
    "cooperation-information": "Cooperation and information",
    "jurisdiction": "Jurisdiction",
    "legal-persons": "Legal persons",
    "procedural": "Procedural measures",
}
FORMAT_LABELS: Final[dict[str, str]] = {
    "json": "JSON", "md": "Markdown", "html": "HTML", "docx": "Word (DOCX)", "pdf": "PDF",
    "xlsx": "Excel (XLSX)", "csv": "CSV",
}
MIME_TYPES: Final[dict[str, str]] = {
    "json": "application/json",
    "md": "text/markdown",
    "html": "text/html",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
QUOTE_OPEN: Final = "⟦"
QUOTE_CLOSE: Final = "⟧"


def label(value: str, table: Mapping[str, str]) -> str:
    """The readable name of a status, level, category or format; a tidy fallback otherwise."""
    return table.get(value) or value.replace("-", " ").capitalize()


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """A short string (a file name, a label) made inert inside Markdown: every ASCII punctuation
    character is backslash-escaped, so nothing can form a link, image, HTML tag, emoji or formula;
    line breaks become spaces. Document text itself is never put into Markdown at all."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def slug(text: str, fallback: str = "dossier") -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:60].strip("-") or fallback


# --- uploads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One uploaded file, in memory."""

    name: str
    data: bytes = field(repr=False)
    sha256: str

    @classmethod
    def of(cls, name: str, data: bytes) -> Upload:
        return cls(name=Path(name).name or "upload", data=data,
                   sha256=hashlib.sha256(data).hexdigest())

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


def _looks_like_text(data: bytes) -> bool:
    return b"\x00" not in data[:65_536] and decodes_as_text(data)


def check_upload(name: str, data: bytes) -> tuple[Diagnostic, ...]:
    """Do the bytes match the extension? Empty when they do; otherwise coded errors.

    The browser's file-type filter is only a convenience: this is the check that counts.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        return (error(Code.NOT_SUPPORTED,
                      "Only PDF, DOCX, Markdown (.md) and plain-text (.txt) files are accepted."),)
    if not data:
        return (error(Code.EMPTY, "The file is empty."),)
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        return (error(Code.TOO_COMPLEX, f"The file is larger than {MAX_UPLOAD_MB} MB."),)
    if suffix == ".pdf":
        # PDF readers accept the header anywhere in the first kilobyte; so does this check.
        if b"%PDF-" not in data[:1024]:
            return (error(Code.NOT_PDF, "The file is named .pdf but is not a PDF "
                                        "(no %PDF- header)."),)
        return ()
    if suffix == ".docx":
        if data[:4] != b"PK\x03\x04":
            return (error(Code.NOT_SUPPORTED, "The file is named .docx but is not a Word "
                                              "document (no ZIP header)."),)
        return ()
    if data[:5] == b"%PDF-" or data[:4] == b"PK\x03\x04" or not _looks_like_text(data):
        return (error(Code.DECODE_FAILED, f"The file is named {suffix} but does not hold "
                                          "readable text."),)
    return ()


_KINDS: Final[dict[str, SourceKind]] = {
    ".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown",
}


def _kind_from_suffix(suffix: str) -> SourceKind:
    return _KINDS.get(suffix, "text")


def _unread(upload: Upload, status: IngestStatus, diagnostics: tuple[Diagnostic, ...]
            ) -> Document:
    return Document(id=document_id(Path(upload.name)), path=upload.name, sha256=upload.sha256,
                    source_kind=_kind_from_suffix(upload.suffix), title=upload.name, text="",
                    status=status, diagnostics=diagnostics)


def rejected_document(upload: Upload, diagnostics: tuple[Diagnostic, ...]) -> Document:
    """The document a refused upload stands for in the report: no text, its coded errors."""
    codes = {d.code for d in diagnostics}
    status: IngestStatus = ("empty" if Code.EMPTY in codes
                            else "not_pdf" if Code.NOT_PDF in codes else "not_supported")
    return _unread(upload, status, diagnostics)


# --- reading in a child process -----------------------------------------------------------------

#: Longest silence of the reader on one file: a page read by OCR counts as a sign of life, so a
#: long scan is bounded by the OCR limits of `checker.ocr.OcrOptions`, not by this.
INGEST_TIMEOUT_S: Final = 180.0
OCR_LINE: Final = b"ocr"
INGEST_MEMORY_MB: Final = 3072
_PACKAGE_ROOT: Final = str(Path(__file__).resolve().parent.parent)


def _cap_memory(megabytes: int) -> None:
    """Limit this process's address space to what it uses now plus `megabytes` (POSIX only)."""
    try:
        import resource
        with open("/proc/self/statm", encoding="ascii") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    limit = current + megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


READY: Final = b"ready"


def _ingest_worker() -> int:
    """`python -m checker.appsupport`: reads a dossier's files one after the other.

    stdin: one JSON line (`names`, `sizes`, `language`, `password`, `memory_mb`), then the files'
    bytes back to back. stdout: `ready` once the reader is loaded, then per file, in order, a line
    `ocr DONE TOTAL` for each page read by OCR and one line of `Document` JSON.
    """
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    options = json.loads(stdin.readline())
    _cap_memory(int(options["memory_mb"]))
    stdout.write(READY + b"\n")
    stdout.flush()
    for name, size in zip(options["names"], options["sizes"], strict=True):
        data = stdin.read(size)
        def ocr_page(done: int, total: int) -> None:
            stdout.write(f"{OCR_LINE.decode()} {done} {total}\n".encode())
            stdout.flush()

        try:
            document = ingest_bytes(data, name=name, language=options["language"],
                                    password=options["password"], on_ocr=ocr_page)
        except MemoryError:
            sys.stderr.write("MemoryError\n")
            return 3
        stdout.write(document.model_dump_json().encode("utf-8") + b"\n")
        stdout.flush()
    return 0


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "checker.appsupport"]


def _timed_out(upload: Upload, timeout: float) -> Document:
    return _unread(upload, "too_complex", (error(
        Code.TOO_COMPLEX, f"Reading the file took longer than {timeout:.0f} s and was stopped; "
                          "the file is too complex or damaged."),))


def _crashed(upload: Upload, returncode: int | None, stderr: bytes) -> Document:
    if b"MemoryError" in stderr:
        detail = "reading it needed more than the memory allowed"
    elif returncode is not None and returncode < 0:
        detail = f"the reader stopped on signal {-returncode}"
    else:
        detail = f"the reader failed (exit code {returncode})"
    return _unread(upload, "damaged", (error(
        Code.DAMAGED, f"The file could not be read safely: {detail}."),))


def _read_batch(batch: Sequence[Upload], *, language: str | None, password: str | None,
                timeout: float, memory_mb: int, on_start: Callable[[int], None],
                on_read: Callable[[int, Document], None],
                on_ocr: Callable[[int, int, int], None], startup_timeout: float
                ) -> list[Document]:
    """Run one reader over `batch`: the documents it read, in order, ending with the failure of
    the file that stopped it (if one did). Files after that one are not in the result."""
    header = json.dumps({"names": [u.name for u in batch], "sizes": [len(u.data) for u in batch],
                         "language": language, "password": password, "memory_mb": memory_mb})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p)}
    process = subprocess.Popen(_worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    lines: queue.Queue[bytes | None] = queue.Queue()
    errors = bytearray()

    def feed(stream: IO[bytes]) -> None:
        try:
            stream.write(header.encode("utf-8") + b"\n")
            for upload in batch:
                stream.write(upload.data)
        except OSError:  # the reader stopped before it had read everything
            pass
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def drain(stream: IO[bytes]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def collect(stream: IO[bytes]) -> None:
        for chunk in iter(lambda: stream.read(4096), b""):
            errors.extend(chunk)
            del errors[:-8192]

    threads = [threading.Thread(target=target, args=(stream,), daemon=True) for target, stream in
               ((feed, process.stdin), (drain, process.stdout), (collect, process.stderr))]
    for thread in threads:
        thread.start()
    documents: list[Document] = []

    def done(document: Document) -> list[Document]:
        on_read(len(documents), document)
        documents.append(document)
        return documents

    try:
        try:
            started = lines.get(timeout=startup_timeout)
        except queue.Empty:
            return done(_timed_out(batch[0], startup_timeout))
        if started is None or started.strip() != READY:
            process.wait(10)
            threads[2].join(2)
            return done(_crashed(batch[0], process.returncode, bytes(errors)))
        for index, upload in enumerate(batch):
            on_start(index)
            while True:
                try:
                    line = lines.get(timeout=timeout)
                except queue.Empty:
                    return done(_timed_out(upload, timeout))
                if line is None or not line.startswith(OCR_LINE + b" "):
                    break
                _, page, total = line.split()
                on_ocr(index, int(page), int(total))
            if line is None:
                process.wait(10)
                threads[2].join(2)
                return done(_crashed(upload, process.returncode, bytes(errors)))
            done(Document.model_validate_json(line))
        return documents
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for thread in threads:
            thread.join(5)


def ingest_uploads(uploads: Sequence[Upload], *, language: str | None = None,
                   password: str | None = None, timeout: float = INGEST_TIMEOUT_S,
                   memory_mb: int = INGEST_MEMORY_MB, isolate: bool = True,
                   on_start: Callable[[int], None] | None = None,
                   on_read: Callable[[int, Document], None] | None = None,
                   on_ocr: Callable[[int, int, int], None] | None = None,
                   startup_timeout: float = 120.0) -> list[Document]:
    """`checker.ingest_bytes` for each upload, in a child process that may not grow beyond
    `memory_mb` and may spend at most `timeout` seconds on a file. A file that crashes the reader
    or outlasts it becomes a coded error (E105, E108), and a fresh reader takes the files after it.

    The reader is a fresh interpreter (`python -m checker.appsupport`), not a fork of the app's
    threaded server; the bytes and the password travel on its stdin, never on its command line.
    `on_start(i)` and `on_read(i, document)` are called as the reader starts and ends `uploads[i]`;
    `on_ocr(i, done, total)` as it reads a page of `uploads[i]` by OCR.
    """
    def start(index: int) -> None:
        if on_start is not None:
            on_start(index)

    def read(index: int, document: Document) -> None:
        if on_read is not None:
            on_read(index, document)

    def ocr_page(index: int, done: int, total: int) -> None:
        if on_ocr is not None:
            on_ocr(index, done, total)

    documents: list[Document] = []
    if not isolate:
        for index, upload in enumerate(uploads):
            start(index)
            with _PDFIUM_LOCK:
                documents.append(ingest_bytes(
                    upload.data, name=upload.name, language=language, password=password,
                    on_ocr=functools.partial(ocr_page, index)))
            read(index, documents[-1])
        return documents
    while len(documents) < len(uploads):
        offset = len(documents)
        documents += _read_batch(
            uploads[offset:], language=language, password=password, timeout=timeout,
            memory_mb=memory_mb, startup_timeout=startup_timeout,
            on_start=functools.partial(_shifted, start, offset),
            on_read=functools.partial(_shifted, read, offset),
            on_ocr=functools.partial(_shifted, ocr_page, offset))
    return documents


def _shifted(callback: Callable[..., None], offset: int, index: int, *args: Any) -> None:
    callback(offset + index, *args)


def ingest_isolated(upload: Upload, **options: Any) -> Document:
    """One upload through `ingest_uploads` (same options)."""
    return ingest_uploads([upload], **options)[0]


# --- a dossier review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRequest:
    """The files of one dossier and the review options chosen for them."""

    uploads: tuple[Upload, ...]
    checklist: str = "firearms-protocol"
    levels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    language: str | None = None
    password: str | None = field(default=None, repr=False)

    def key(self) -> str:
        """Identity of the computation: file hashes, names and options (a password by hash)."""
        secret = hashlib.sha256(self.password.encode()).hexdigest() if self.password else ""
        payload = json.dumps([[(u.name, u.sha256) for u in self.uploads], self.checklist,
                              sorted(self.levels), sorted(self.categories), self.language,
                              secret])
        return hashlib.sha256(payload.encode()).hexdigest()

    def labels(self) -> list[str]:
        """A display name per upload, numbered when two files share a name."""
        seen: dict[str, int] = {}
        names = []
        for upload in self.uploads:
            seen[upload.name] = seen.get(upload.name, 0) + 1
            count = seen[upload.name]
            names.append(upload.name if count == 1 else f"{upload.name} ({count})")
        return names


@dataclass(frozen=True)
class DossierReview:
    """A finished review with the bytes of its sources (to render PDF pages)."""

    key: str
    request: ReviewRequest
    review: Review
    sources: Mapping[str, Upload]  # document id -> upload
    labels: Mapping[str, str]  # document id -> display name
    duplicates: tuple[str, ...] = ()

    @property
    def report(self) -> Report:
        return self.review.report

    @property
    def dossier(self) -> str:
        return decisions.dossier_key(self.review.report)


def review_uploads(request: ReviewRequest, *, on_stage: StageCallback | None = None,
                   isolate: bool = True) -> DossierReview:
    """Check, read and review the uploads as one dossier. Refused or unreadable files are kept in
    the report with their coded errors; the others are reviewed all the same.

    `on_stage(subject, stage)` receives a file's display name (or "dossier") and one of `check`,
    `queued`, `ingest`, `ocr DONE/TOTAL` (a page read by OCR), `read`, `unreadable`,
    `duplicate`, `analyse`, `assess`, `done`.
    """
    def emit(subject: str, stage: str) -> None:
        if on_stage is not None:
            on_stage(subject, stage)

    kept: list[tuple[Upload, str]] = []
    duplicates: list[str] = []
    hashes: set[str] = set()
    for upload, name in zip(request.uploads, request.labels(), strict=True):
        if upload.sha256 in hashes:
            duplicates.append(name)
            emit(name, "duplicate")
            continue
        hashes.add(upload.sha256)
        kept.append((upload, name))
    read: dict[int, Document] = {}
    accepted: list[int] = []
    for index, (upload, name) in enumerate(kept):
        emit(name, "check")
        problems = check_upload(upload.name, upload.data)
        if problems:
            read[index] = rejected_document(upload, problems)
            emit(name, "unreadable")
        else:
            accepted.append(index)
            emit(name, "queued")

    def finished(position: int, document: Document) -> None:
        emit(kept[accepted[position]][1], "read" if document.readable else "unreadable")

    documents_read = ingest_uploads(
        [kept[i][0] for i in accepted], language=request.language, password=request.password,
        isolate=isolate, on_start=lambda position: emit(kept[accepted[position]][1], "ingest"),
        on_read=finished,
        on_ocr=lambda position, done, total: emit(kept[accepted[position]][1],
                                                  ocr_stage(done, total)))
    read.update(zip(accepted, documents_read, strict=True))
    documents = [read[i] for i in range(len(kept))]
    documents = unique_ids(documents)
    labels = {d.id: name for d, (_, name) in zip(documents, kept, strict=True)}
    review = review_documents(
        documents, checklist=request.checklist, levels=request.levels,
        categories=request.categories,
        on_stage=lambda subject, stage: emit(labels.get(subject, subject), stage),
    )
    emit("dossier", "done")
    return DossierReview(key=request.key(), request=request, review=review,
                         sources={d.id: u for d, (u, _) in zip(documents, kept, strict=True)},
                         labels=labels, duplicates=tuple(duplicates))


STAGE_LABELS: Final[dict[str, str]] = {
    "queued": "waiting", "check": "checking the file", "ingest": "reading",
    "read": "read", "unreadable": "could not be read", "analyse": "analysing",
    "analysed": "analysed", "duplicate": "left out: same content as another file",
    "done": "done",
}


def stage_label(stage: str) -> str:
    """Words for a stage; `ocr 3/6` is a page of a scan being read by OCR."""
    if stage.startswith("ocr "):
        done, _, total = stage[4:].partition("/")
        return f"reading by OCR, page {done} of {total}"
    return STAGE_LABELS.get(stage, stage)


@dataclass(frozen=True)
class ProgressView:
    rows: tuple[tuple[str, str], ...]  # (file, stage label)
    fraction: float
    message: str


class Progress:
    """Thread-safe record of where each file and the dossier stand; an `on_stage` callback."""

    _RANK: Final = {"queued": 0, "check": 0, "ingest": 0, "read": 1, "unreadable": 2,
                    "duplicate": 2, "analyse": 1, "analysed": 2, "done": 2}
    _FINAL: Final = ("unreadable", "duplicate")  # nothing more happens to these files

    def __init__(self, names: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._stages: dict[str, str] = dict.fromkeys(names, "queued")
        self._dossier = "waiting"

    def __call__(self, subject: str, stage: str) -> None:
        with self._lock:
            if subject == "dossier" or subject not in self._stages:
                self._dossier = stage
                if stage in ("assess", "done"):
                    for name, current in self._stages.items():
                        if current in ("analyse", "read"):
                            self._stages[name] = "analysed"
                return
            if stage == "analyse":
                for name, current in self._stages.items():
                    if current == "analyse":
                        self._stages[name] = "analysed"
            if self._stages[subject] not in self._FINAL:
                self._stages[subject] = stage

    def view(self) -> ProgressView:
        with self._lock:
            stages = dict(self._stages)
            dossier = self._dossier
        total = 2 * len(stages) + 1
        done = sum(self._RANK.get(s, 0) for s in stages.values()) + (dossier == "done")
        if dossier == "assess":
            message = "Assessing every obligation against the dossier"
        elif dossier == "done":
            message = "Done"
        else:
            active = [n for n, s in stages.items()
                      if s in ("check", "ingest", "analyse") or s.startswith("ocr ")]
            if len(active) > 1:
                message = f"Reading {len(active)} files"
            elif active:
                label = stage_label(stages[active[0]])
                message = f"{label[:1].upper()}{label[1:]}: {active[0]}"
            else:
                message = "Starting"
        rows = tuple((name, stage_label(stage)) for name, stage in stages.items())
        return ProgressView(rows=rows, fraction=min(done / total, 1.0), message=message)


class ReviewJob:
    """A dossier review running in a background thread, so the page stays responsive and a click
    elsewhere in the app does not cut the review short. Poll `done`, then read `result`/`error`."""

    def __init__(self, request: ReviewRequest, *, isolate: bool = True) -> None:
        self.request = request
        self.key = request.key()
        self.progress = Progress(request.labels())
        self.result: DossierReview | None = None
        self.error: str | None = None
        self.started = time.monotonic()
        self._isolate = isolate
        self._finished = threading.Event()

    def start(self) -> ReviewJob:
        threading.Thread(target=self._run, name=f"checker-review-{self.key[:8]}",
                         daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            self.result = review_uploads(self.request, on_stage=self.progress,
                                         isolate=self._isolate)
        except Exception as exc:  # reported on the page; the app itself carries on
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._finished.set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


# --- findings -----------------------------------------------------------------------------------


def effective_status(finding: Finding) -> Status:
    """The status in force: the reviewer's when there is a decision, else the tool's."""
    return finding.review.status if finding.review is not None else finding.status


def status_counts(findings: Iterable[Finding], *, reviewed: bool = True) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for finding in findings:
        counts[effective_status(finding) if reviewed else finding.status] += 1
    return counts


def coverage(findings: Sequence[Finding], *, key: str = "category", short: bool = False
             ) -> list[dict[str, Any]]:
    """Effective status counts per category (or level), in the checklist's order, for a chart."""
    order = CATEGORIES if key == "category" else LEVELS
    labels = (CATEGORY_LABELS if key == "category"
              else SHORT_LEVEL_LABELS if short else LEVEL_LABELS)
    rows: dict[str, dict[str, Any]] = {}
    for finding in findings:
        value = getattr(finding, key)
        row = rows.setdefault(value, {"name": label(value, labels), **dict.fromkeys(STATUSES, 0)})
        row[effective_status(finding)] += 1
    ranked = sorted(rows, key=lambda v: order.index(v) if v in order else len(order))
    return [rows[v] for v in ranked]


def _haystack(finding: Finding) -> str:
    parts = [finding.obligation_id, finding.title, finding.article, finding.category,
             label(finding.category, CATEGORY_LABELS), finding.level, *finding.reasons]
    for evidence in finding.evidence:
        parts += [evidence.provision, evidence.quote]
    if finding.review is not None:
        parts += [finding.review.reason, finding.review.comment, finding.review.reviewer]
    return " ".join(parts).casefold()


def filter_findings(findings: Iterable[Finding], *, statuses: Iterable[str] = (),
                    categories: Iterable[str] = (), levels: Iterable[str] = (),
                    query: str = "") -> list[Finding]:
    """Findings matching every filter (an empty filter keeps all), gaps first: missing, partial,
    unclear, met; checklist order within each. The query matches all its words anywhere in the
    obligation, the reasons, the evidence quotes and provisions, and the reviewer's reason."""
    wanted_status, wanted_category, wanted_level = set(statuses), set(categories), set(levels)
    words = query.casefold().split()
    kept = [f for f in findings
            if (not wanted_status or effective_status(f) in wanted_status)
            and (not wanted_category or f.category in wanted_category)
            and (not wanted_level or f.level in wanted_level)
            and all(w in _haystack(f) for w in words)]
    return sorted(kept, key=lambda f: GAPS_FIRST.get(effective_status(f), 9))


TABLE_COLUMNS: Final = ("Status", "Tool", "Reviewed", "Obligation", "Article", "Category", "Level",
                       "Confidence", "Evidence", "Id")


def finding_rows(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The gap table: one plain-data row per finding (document text stays plain cell text)."""
    rows = []
    for finding in findings:
        status = effective_status(finding)
        rows.append({
            "Status": STATUS_LABELS[status],
            "Tool": STATUS_LABELS[finding.status],
            "Reviewed": "✔" if finding.review is not None else "",
            "Obligation": finding.title,
            "Article": finding.article,
            "Category": label(finding.category, CATEGORY_LABELS),
            "Level": label(finding.level, SHORT_LEVEL_LABELS),
            "Confidence": round(finding.confidence, 2),
            "Evidence": ", ".join(dict.fromkeys(e.provision for e in finding.evidence)),
            "Id": finding.obligation_id,
        })
    return rows


def is_gap(finding: Finding) -> bool:
    return effective_status(finding) in GAP_STATUSES or finding.status in GAP_STATUSES


def element_lists(finding: Finding, obligation: Obligation | None
                  ) -> tuple[list[str], list[str]]:
    """Descriptions of the elements found and not found (ids when the checklist lacks one)."""
    described = {e.id: e.description for e in obligation.elements} if obligation else {}
    return ([described.get(e, e) for e in finding.elements_found],
            [described.get(e, e) for e in finding.elements_missing])


def parameter_rows(finding: Finding, obligation: Obligation | None) -> list[dict[str, str]]:
    described = {p.name: p.description for p in obligation.parameters} if obligation else {}
    return [{"Check": described.get(p.name, p.name.replace("_", " ")),
             "Required": p.required, "Found": p.found or "—",
             "Result": {True: "✔ passes", False: "✘ fails", None: "? not found"}[p.ok]}
            for p in finding.parameters]


# --- evidence in context ------------------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    """A quote inside the text of its provision, the quote marked with ⟦ ⟧."""

    document_id: str
    provision: str
    heading: str | None
    page: int | None
    text: str
    source_kind: str


def evidence_excerpt(review: Review, evidence: Evidence, *, max_chars: int = 1500) -> Excerpt:
    """The smallest provision holding the quote (the one the evidence cites when it holds it),
    its text with the quote between ⟦ and ⟧, trimmed to about `max_chars` around the quote."""
    structure = next((s for s in review.structures if s.document.id == evidence.document), None)
    if structure is None:
        return Excerpt(evidence.document, evidence.provision, None, evidence.page,
                       f"{QUOTE_OPEN}{evidence.quote}{QUOTE_CLOSE}", "text")
    text = structure.document.text
    start, end = max(0, evidence.start), min(len(text), evidence.end)
    if text[start:end] != evidence.quote:  # the offsets should hold; fall back on the words
        found = text.find(evidence.quote)
        if found < 0:
            return Excerpt(evidence.document, evidence.provision, None, evidence.page,
                           f"{QUOTE_OPEN}{evidence.quote}{QUOTE_CLOSE}",
                           structure.document.source_kind)
        start, end = found, found + len(evidence.quote)
    holding = [p for p in structure.provisions if p.start <= start and end <= p.end]
    cited = [p for p in holding if p.citation == evidence.provision]
    provision = min(cited or holding, key=lambda p: p.end - p.start, default=None)
    low, high = (provision.start, provision.end) if provision else (start, end)
    lead = tail = ""
    if high - low > max_chars:
        budget = max(0, max_chars - (end - start))
        cut_low = max(low, start - budget // 2)
        cut_high = min(high, end + budget - (start - cut_low))
        if cut_low > low:
            line = text.find("\n", cut_low, start)
            cut_low, lead = (line + 1 if line >= 0 else cut_low), "… "
        if cut_high < high:
            line = text.rfind("\n", end, cut_high)
            cut_high, tail = (line if line >= 0 else cut_high), " …"
        low, high = cut_low, cut_high
    marked = (lead + text[low:start] + QUOTE_OPEN + text[start:end] + QUOTE_CLOSE
              + text[end:high] + tail)
    return Excerpt(evidence.document, provision.citation if provision else evidence.provision,
                   provision.heading if provision else None, evidence.page, marked.strip(),
                   structure.document.source_kind)


# --- PDF pages as images ------------------------------------------------------------------------

_PAGES: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
_PAGES_LOCK = threading.Lock()
_PAGES_KEPT: Final = 48


def render_page_png(upload: Upload, page_number: int, *, width_px: int = 1100,
                    password: str | None = None) -> bytes | None:
    """Page `page_number` (1-based) of a PDF as PNG, `width_px` wide; None if it cannot be drawn.

    pdfium is not thread-safe and Streamlit runs each session in its own thread, so drawing holds
    the same lock as the PDF reader. Images are kept per (file hash, page, width).
    """
    key = (upload.sha256, page_number, width_px)
    with _PAGES_LOCK:
        if key in _PAGES:
            _PAGES.move_to_end(key)
            return _PAGES[key]
    import pypdfium2 as pdfium

    try:
        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(upload.data, password=password)
            try:
                if not 1 <= page_number <= len(pdf):
                    return None
                page = pdf[page_number - 1]
                try:
                    width_pt = page.get_width() or 595.0
                    scale = max(0.2, min(width_px / width_pt, 4.0))
                    image = page.render(scale=scale).to_pil()
                finally:
                    page.close()
            finally:
                pdf.close()
    except (pdfium.PdfiumError, MemoryError, ValueError):
        return None
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    png = buffer.getvalue()
    with _PAGES_LOCK:
        _PAGES[key] = png
        while len(_PAGES) > _PAGES_KEPT:
            _PAGES.popitem(last=False)
    return png


# --- export -------------------------------------------------------------------------------------


def export_formats() -> tuple[str, ...]:
    from checker.report import FORMATS

    return tuple(FORMATS)


def export_bytes(report: Report, fmt: str) -> bytes:
    """The report in `fmt` as bytes: `render_bytes` where the report package has it (binary
    formats), else the text rendering encoded as UTF-8."""
    from checker import report as reports

    render_bytes = getattr(reports, "render_bytes", None)
    if render_bytes is not None:
        return bytes(render_bytes(report, fmt))
    return reports.render(report, fmt).encode("utf-8")


def export_filename(fmt: str, *, country: str = "", title: str = "") -> str:
    stem = "-".join(s for s in (slug(country, ""), slug(title, "")) if s) or "dossier"
    return f"{stem}-gap-report.{fmt}"


# --- reviewer decisions -------------------------------------------------------------------------


@contextlib.contextmanager
def decision_store(path: str | Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to the decision log (`$CHECKER_DB` or the default path), closed after use."""
    connection = decisions.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def history_rows(entries: Iterable[decisions.Decision], *, obligation: bool = False
                 ) -> list[dict[str, str]]:
    """Decisions newest first, as table rows (with the obligation id for a dossier's log)."""
    return [{**({"Obligation": d.obligation_id} if obligation else {}),
             "When (UTC)": d.at.replace("T", " ").replace("+00:00", ""),
             "Reviewer": d.reviewer or "—",
             "From": STATUS_LABELS[d.previous_status], "To": STATUS_LABELS[d.status],
             "Reason": d.reason, "Comment": d.comment}
            for d in reversed(tuple(entries))]


@dataclass(frozen=True)
class PastReview:
    decisions: int
    findings: int
    last_at: str
    reviewers: tuple[str, ...]


def past_review(entries: Sequence[decisions.Decision]) -> PastReview | None:
    """What was recorded for a dossier before, for the 'reopened' notice."""
    if not entries:
        return None
    return PastReview(decisions=len(entries),
                      findings=len({d.obligation_id for d in entries}),
                      last_at=entries[-1].at.replace("T", " ").replace("+00:00", " UTC"),
                      reviewers=tuple(dict.fromkeys(d.reviewer for d in entries if d.reviewer)))


def decisions_fingerprint(entries: Sequence[decisions.Decision]) -> str:
    payload = json.dumps([d.model_dump() for d in entries], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


if __name__ == "__main__":
    sys.exit(_ingest_worker())
