"""Sandboxed ingest: read an untrusted file in a child process that may die without harm.

A PDF of a few kilobytes can hold a decompression bomb, a glyph bomb or a page tree thousands of
levels deep. Measured on such files: pdfplumber ran 93 s and grew to 4.35 GiB on a 2.5 KB glyph
bomb, flate bombs take both engines to 2-4 GiB, and under a memory cap pypdfium2 aborts the whole
process (SIGABRT) instead of raising. No `try` can catch that, so `ingest_sandboxed` parses in a
child process with

- a page cap, read first with pypdfium2 (20,000 pages count in under a second);
- a wall-clock limit of `seconds + seconds_per_page x pages`, at most `max_seconds`, enforced by
  the parent, which kills the child when it is up; pages read by OCR (scans, garbage text
  layers) get their own allowance, `ocr_seconds_per_page` each (default 10 s, about three times
  Tesseract's 3.6 s a page at 300 dpi on one thread), at most `max_ocr_seconds` (600 s) for at
  most `max_ocr_pages` (300) pages; the child stops OCR by itself when either runs out and
  returns what it read with a W208, so an image bomb of thousands of pages costs minutes, not
  hours (and beyond `max_pages` it is not read at all);
- an address-space limit (`RLIMIT_AS`) set in the child, so that a bomb fails there, not in the
  machine's memory; no core files; the child dies with its parent.

Children are forked from a fork server that has imported the reading code once (pypdfium2 is
neither fork- nor thread-safe once in use; the server never opens a document), so a file costs a
few milliseconds of process start, not the seconds of a fresh interpreter.

Every outcome is a `Document` with a status and coded diagnostics: the reader's own (`ok`,
`partial`, `no_text_layer`, `password_required`, `not_pdf`, `damaged`, ...) or `too_complex`
with an `E108` that says which limit stopped it (time, memory, pages, or the signal that killed
the child). When the child dies while pypdfium2 is reading, the file is read once more in a fresh
child with pdfplumber alone. The parent survives whatever the child does.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from checker.errors import Code, Diagnostic, error, warning
from checker.ingest import document_id, ingest_bytes, sniff, unreadable_file
from checker.models import Document, SourceKind
from checker.ocr import OcrOptions
from checker.pdf import ENGINES, Engine, OcrProgress

try:  # POSIX only; elsewhere the child runs with the time limit alone
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

MiB = 1 << 20
#: Exit status of a child that ran out of memory in Python code (MemoryError).
_EXIT_MEMORY = 86
#: Exit status of a child that raised something unexpected (reported on the pipe first).
_EXIT_ERROR = 87
#: Kinds of input read in a child; plain text and Markdown are decoded in process.
SANDBOXED_KINDS: tuple[SourceKind, ...] = ("pdf", "docx")
#: Signals a reader dies of when an allocation fails under the address-space limit.
_MEMORY_SIGNALS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGTRAP}
_PR_SET_PDEATHSIG = 1
_DAEMON_LOCK = threading.Lock()
_REAP_LOCK = threading.Lock()
_PEAK = {"child_rss_mb": 0.0}
_LINGERING: list[tuple[float, Any]] = []


class Limits(BaseModel):
    """How much a single file may cost before it is reported `too_complex` instead of read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seconds: float = Field(default=10.0, gt=0, description="wall-clock allowance for any file")
    seconds_per_page: float = Field(default=1.0, ge=0, description="added for each page")
    max_seconds: float = Field(default=300.0, gt=0, description="cap on the wall-clock limit")
    memory_mb: int = Field(default=2048, ge=512, description="address space of the child, MiB")
    max_pages: int = Field(default=5000, ge=1, description="more pages are counted, not read")
    max_bytes: int = Field(default=512 * MiB, ge=1, description="larger files are not read")
    ocr: bool = Field(default=True, description="read pages without a usable text layer by OCR")
    ocr_seconds_per_page: float = Field(default=10.0, ge=0,
                                        description="added for each page to be read by OCR")
    max_ocr_pages: int = Field(default=300, ge=0, description="more pages are not OCR'd")
    max_ocr_seconds: float = Field(default=600.0, gt=0,
                                   description="OCR stops (W208) when this is spent")

    def wall_clock(self, pages: int | None) -> float:
        """Seconds allowed for a file of `pages` pages (unknown: the base allowance)."""
        return min(self.max_seconds, self.seconds + self.seconds_per_page * max(pages or 0, 0))

    def ocr_clock(self, pages: int) -> float:
        """Seconds added when the child announces `pages` pages to read by OCR.

        The child stops OCR by itself at `max_ocr_seconds` and keeps what it read; the extra
        `seconds` let it lay out and send the pages it has before the parent's clock runs out.
        """
        if pages <= 0:
            return 0.0
        wanted = self.ocr_seconds_per_page * min(pages, self.max_ocr_pages)
        return min(self.max_ocr_seconds, wanted) + self.seconds

    def ocr_options(self, language: str | None) -> OcrOptions | None:
        """What the child passes to the reader: OCR limits matching the parent's clock."""
        if not self.ocr:
            return None
        return OcrOptions(language=language, max_pages=self.max_ocr_pages,
                          max_seconds=self.max_ocr_seconds)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class _Request:
    data: bytes
    name: str
    path: str | None
    password: str | None
    language: str | None
    limits: Limits
    engines: tuple[Engine, ...]
    kind: SourceKind


@dataclass(frozen=True)
class Attempt:
    """What one child did: the document it returned, or why it returned none."""

    document: Document | None
    engines: tuple[Engine, ...]
    seconds: float
    pages: int | None = None
    failure: str | None = None  # "timeout", "memory", "signal", "error"
    detail: str = ""
    ocr_seconds: float = 0.0  # the allowance added for pages read by OCR

    @property
    def crashed(self) -> bool:
        """The child died under the reader (a signal or MemoryError), not of the clock."""
        return self.failure in ("memory", "signal")


# --- the child ----------------------------------------------------------------------------------


def _harden(limits: Limits) -> None:
    """Limits the child sets on itself before touching the file."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # die with the parent, never linger as an orphan
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent is already gone
            os._exit(_EXIT_ERROR)
    if resource is not None:
        memory = limits.memory_mb * MiB
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file
        cpu = math.ceil(limits.max_seconds) + 10  # a backstop: the parent keeps the real clock
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _own_peak_rss_mb() -> float:
    if resource is None:  # pragma: no cover - Windows
        return 0.0
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_child_rss_mb() -> float:
    """The largest peak resident memory of a child that returned a document, in this process."""
    return _PEAK["child_rss_mb"]


def count_pages(data: bytes, password: str | None = None) -> int | None:
    """The page count pypdfium2 reads from the page tree, or None when it cannot open the file.

    Cheap (20,000 pages in under a second), but it parses the file: call it in the child.
    """
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data, password=password)
    except Exception:
        return None
    try:
        return len(doc)
    except Exception:
        return None
    finally:
        doc.close()


def _child(conn: Connection, request: _Request) -> None:
    """Entry point of the child: count pages, report the count, read, send the document.

    The objects inherited from the fork server go to the permanent generation, so that the
    garbage collector never walks (and copies, page by page) the parent's heap; and the child
    leaves with `os._exit` as soon as it has answered, skipping an interpreter teardown.
    """
    gc.freeze()
    _harden(request.limits)
    code = 0
    try:
        pages = None
        if request.kind == "pdf" and "pypdfium2" in request.engines:
            pages = count_pages(request.data, request.password)
        conn.send(("pages", pages))

        def ocr_progress(done: int, total: int) -> None:
            conn.send(("ocr", done, total))

        document = ingest_bytes(
            request.data, name=request.name, path=request.path, password=request.password,
            language=request.language, max_pages=request.limits.max_pages,
            engines=request.engines, ocr=request.limits.ocr_options(request.language),
            on_ocr=ocr_progress,
        )
        conn.send(("document", document, _own_peak_rss_mb()))
    except MemoryError:
        code = _EXIT_MEMORY  # no room left to say more; the exit status says it
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
        code = _EXIT_ERROR
    with contextlib.suppress(Exception):
        conn.close()
    os._exit(code)


# --- the parent ---------------------------------------------------------------------------------


_CHILD_NAME = "checker-sandbox"


def _without_main(get_preparation_data: Any) -> Any:
    """Wrap `multiprocessing.spawn.get_preparation_data` so that reading children skip the main
    module of their parent.

    multiprocessing makes every child import its parent's `__main__` (the `checker` script, and
    with it the report writers and the command line; a test runner; a Dask worker's launcher)
    before it runs: 150 ms a file, most of a small file's cost. The child needs nothing from it
    (its target and request live in this module, which the fork server has imported), so for
    processes named `checker-sandbox`, and those only, the main module is left out.
    """
    if getattr(get_preparation_data, "_checker_sandbox", False):
        return get_preparation_data

    def preparation_data(name: str) -> dict[str, Any]:
        data: dict[str, Any] = get_preparation_data(name)
        if name == _CHILD_NAME:
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
        return data

    preparation_data._checker_sandbox = True  # type: ignore[attr-defined]
    return preparation_data


@cache
def _context() -> Any:
    """The multiprocessing context children are started from.

    A fork server that has imported the reading code (spaCy, pdfminer, pypdfium2) makes a child
    cost milliseconds; where there is none (not POSIX), each child is a fresh interpreter.
    """
    from multiprocessing import spawn

    spawn.get_preparation_data = _without_main(spawn.get_preparation_data)
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["checker.sandbox", "pdfplumber"])
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic process (a Dask worker, by default) start the reading child.

    multiprocessing forbids children to daemonic processes because they could be orphaned when
    their parent is killed. Here the child dies with its parent (PR_SET_PDEATHSIG) and is always
    killed or joined, so the rule is lifted for the moment of the start.
    """
    current: Any = multiprocessing.current_process()
    config = getattr(current, "_config", None)
    if not isinstance(config, dict) or not config.get("daemon"):
        yield
        return
    with _DAEMON_LOCK:
        config["daemon"] = False
        try:
            yield
        finally:
            config["daemon"] = True


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_child(request: _Request, *, pages: int | None = None,
              on_progress: OcrProgress | None = None) -> Attempt:
    """Read `request` in one child under its limits; never raises for what the child does.

    When the child announces pages to read by OCR, their allowance (`Limits.ocr_clock`) is
    added to its time limit, and `on_progress(done, total)` hears of each page it reads.
    """
    limits = request.limits
    context = _context()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, request), daemon=True,
                              name=_CHILD_NAME)
    started = time.monotonic()
    with _children_allowed():
        process.start()
    writer.close()
    extra_time = 0.0
    deadline = started + limits.wall_clock(pages)
    document: Document | None = None
    failure: str | None = None
    detail = ""
    try:
        while document is None and failure is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                failure = "timeout"
                break
            ready = wait([reader, process.sentinel], timeout=remaining)
            if not ready:
                continue
            if reader in ready or reader.poll():
                try:
                    kind, value, *extra = reader.recv()
                except (EOFError, OSError):
                    kind, value, extra = "eof", None, []
                if kind == "pages":
                    pages = value if isinstance(value, int) else pages
                    deadline = started + limits.wall_clock(pages) + extra_time
                elif kind == "ocr":
                    total = int(extra[0]) if extra else 0
                    if value == 0:  # the announcement, before the first page
                        extra_time = limits.ocr_clock(total)
                        deadline = started + limits.wall_clock(pages) + extra_time
                    if on_progress is not None:
                        with contextlib.suppress(Exception):  # a display must not stop reading
                            on_progress(int(value), total)
                elif kind == "document":
                    document = value
                    if extra:
                        _PEAK["child_rss_mb"] = max(_PEAK["child_rss_mb"], float(extra[0]))
                elif kind == "error":
                    failure, detail = "error", str(value)
                else:
                    break  # the pipe closed: the child is gone; its exit status says why
                continue
            if process.sentinel in ready:
                break
    finally:
        reader.close()
        code = None
        if document is not None:
            with _REAP_LOCK:  # it is exiting: reap it later
                _LINGERING.append((time.monotonic(), process))
        else:
            if failure == "timeout":
                process.kill()
            code = _finish(process)
        _reap()
    seconds = time.monotonic() - started
    if document is None and failure is None:
        if code == _EXIT_MEMORY:
            failure = "memory"
        elif code is not None and code < 0:
            failure, detail = "signal", _signal_name(-code)
            if -code == signal.SIGXCPU:
                failure = "timeout"
        else:
            failure, detail = "error", f"the reader stopped with exit status {code}"
    return Attempt(document=document, engines=request.engines, seconds=seconds, pages=pages,
                   failure=failure, detail=detail, ocr_seconds=extra_time)


def _finish(process: Any, grace: float = 5.0) -> int | None:
    """Join `process`, killing it if it does not end within `grace` seconds; its exit status."""
    process.join(grace)
    if process.is_alive():
        process.kill()
        process.join(grace)
    code: int | None = process.exitcode
    with contextlib.suppress(ValueError):
        process.close()
    return code


def _reap() -> None:
    """Join the children that answered and were left to exit on their own; kill any that
    linger more than a few seconds. Waiting for each exit would cost milliseconds a file."""
    with _REAP_LOCK:
        waiting = list(_LINGERING)
        _LINGERING.clear()
    now = time.monotonic()
    for since, process in waiting:
        if process.exitcode is not None or now - since > 5.0:
            _finish(process, grace=1.0)
        else:
            with _REAP_LOCK:
                _LINGERING.append((since, process))


def warm_up() -> None:
    """Start the fork server now (it imports the readers in the background), so that the first
    file does not wait for it. Worker processes call this when they start."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _describe(attempt: Attempt, limits: Limits) -> str:
    engine = "+".join(attempt.engines)
    if attempt.failure == "timeout":
        pages = f" for {attempt.pages} pages" if attempt.pages else ""
        ocr = f" (+{attempt.ocr_seconds:.0f} s for OCR)" if attempt.ocr_seconds else ""
        return (f"{engine}: reading took longer than the limit of "
                f"{limits.wall_clock(attempt.pages):.0f} s{pages}{ocr}")
    if attempt.failure == "memory":
        return f"{engine}: the reader ran out of memory (limit {limits.memory_mb} MiB)"
    if attempt.failure == "signal":
        cause = ("most likely out of memory under the limit of "
                 f"{limits.memory_mb} MiB" if attempt.detail in {s.name for s in _MEMORY_SIGNALS}
                 else "killed")
        return f"{engine}: the reader crashed ({attempt.detail}, {cause})"
    return f"{engine}: the reader failed ({attempt.detail})"


def _unread(data: bytes, *, name: str, path: str | None, kind: SourceKind, status: str,
            diagnostics: Sequence[Diagnostic], pages: int | None = None) -> Document:
    return Document.model_validate({
        "id": document_id(Path(name)), "path": path or name,
        "sha256": hashlib.sha256(data).hexdigest(), "source_kind": kind,
        "title": Path(name).name, "text": "", "page_count": pages, "status": status,
        "diagnostics": tuple(diagnostics),
    })


def ingest_sandboxed(data: bytes, *, name: str, path: str | None = None,
                     password: str | None = None, language: str | None = None,
                     limits: Limits = DEFAULT_LIMITS,
                     on_progress: OcrProgress | None = None) -> Document:
    """`ingest_bytes` in a child process under `limits`; never raises for what the file does.

    PDF and DOCX files are read in the child; plain text and Markdown, which only need decoding,
    are read in process. See the module docstring for the limits and the outcomes.
    `on_progress(done, total)` follows the pages read by OCR (called in this process).
    """
    kind = sniff(data, name=name) if data else None
    if kind not in SANDBOXED_KINDS:
        return ingest_bytes(data, name=name, path=path, password=password, language=language)
    assert kind is not None
    if len(data) > limits.max_bytes:
        message = (f"The file has {len(data) / MiB:.0f} MiB, more than the limit of "
                   f"{limits.max_bytes / MiB:.0f} MiB; it was not read")
        return _unread(data, name=name, path=path, kind=kind, status="too_complex",
                       diagnostics=[error(Code.TOO_COMPLEX, message)])
    request = _Request(data=data, name=name, path=path, password=password, language=language,
                       limits=limits, engines=ENGINES if kind == "pdf" else (), kind=kind)
    first = run_child(request, on_progress=on_progress)
    if first.document is not None:
        return first.document
    attempts = [first]
    if kind == "pdf" and first.crashed:
        # pypdfium2 aborts the process where pdfminer would raise: pdfplumber alone may cope.
        second = run_child(_replace_engines(request, ("pdfplumber",)), pages=first.pages,
                           on_progress=on_progress)
        if second.document is not None:
            note = warning(Code.ENGINE_FALLBACK,
                           f"{_describe(first, limits)}; the file was read again with pdfplumber "
                           "alone")
            document = second.document
            update: dict[str, Any] = {"diagnostics": (note, *document.diagnostics)}
            if not document.page_count and first.pages:
                update["page_count"] = first.pages
            return document.model_copy(update=update)
        attempts.append(second)
    if first.failure == "error" and len(attempts) == 1:
        return _unread(data, name=name, path=path, kind=kind, status="damaged", pages=first.pages,
                       diagnostics=[error(Code.DAMAGED,
                                          f"The file could not be read ({first.detail})")])
    message = "; ".join(_describe(a, limits) for a in attempts)
    return _unread(data, name=name, path=path, kind=kind, status="too_complex",
                   pages=first.pages,
                   diagnostics=[error(Code.TOO_COMPLEX, f"The file was not read: {message}")])


def _replace_engines(request: _Request, engines: tuple[Engine, ...]) -> _Request:
    return _Request(data=request.data, name=request.name, path=request.path,
                    password=request.password, language=request.language,
                    limits=request.limits, engines=engines, kind=request.kind)


def ingest_file_sandboxed(path: str | Path, *, password: str | None = None,
                          language: str | None = None, limits: Limits = DEFAULT_LIMITS,
                          on_progress: OcrProgress | None = None) -> Document:
    """`ingest_sandboxed` of the file at `path`; an unreadable path gives a document with E101."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        return unreadable_file(source, f"Cannot read {source}: {exc.strerror}")
    return ingest_sandboxed(data, name=source.name, path=str(source), password=password,
                            language=language, limits=limits, on_progress=on_progress)
