"""Batch review: hundreds of files of every quality, one report per dossier, resumable.

`checker batch INPUT --out DIR` reviews every dossier of INPUT, a folder (each file is a dossier
of its own) or a manifest (CSV or YAML naming the country, the dossier and its files, so that the
acts of one country are reviewed together). Each file is read in a sandboxed child
(`checker.sandbox`): a bomb or a crash costs that file, reported `too_complex` or `damaged`, never
the batch.

What lands in DIR:

- `reports/<dossier>.json`: the JSON report of each dossier, written atomically (temporary file,
  then rename);
- `index.jsonl`: one line per reviewed dossier (files with sha256 and status, checklist id and
  version, counts, seconds, errors), appended with flush and fsync, so a run killed at any moment
  loses at most the dossier it was writing;
- `errors.md`: the files that could not be read and the dossiers that failed, by code;
- `matrix.csv`, `matrix.xlsx`, `heatmap.png`: obligations x dossiers (`checker.matrix`).

Running the same command again skips the dossiers whose files (by sha256) and checklist (id,
version and content) are unchanged since their line in the index, so an interrupted run resumes
where it stopped and every dossier is reported exactly once. Dossiers are reviewed in parallel
worker processes (`--jobs`), or on an existing Dask cluster (`--scheduler tcp://HOST:PORT`); in
both cases only this process writes to DIR.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import hashlib
import io
import itertools
import json
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from checker.checklist import Checklist, load_checklists
from checker.errors import CheckerError, Code
from checker.ingest import unreadable_file
from checker.models import Document
from checker.sandbox import (
    DEFAULT_LIMITS,
    Limits,
    ingest_sandboxed,
    peak_child_rss_mb,
    warm_up,
)

SUFFIXES = (".pdf", ".md", ".markdown", ".txt", ".docx")
"""Files of a folder that are reviewed; others are listed as skipped."""
READABLE = ("ok", "partial")
INDEX = "index.jsonl"
REPORTS = "reports"
ERRORS = "errors.md"
EXIT_PARTIAL, EXIT_USAGE, EXIT_CHECKLIST = 1, 2, 4
_LOG = logging.getLogger(__name__)


# --- what to review -----------------------------------------------------------------------------


class DossierSpec(BaseModel):
    """One dossier: a name unique in the batch, its country and its files (absolute paths)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dossier: str = Field(min_length=1)
    country: str = ""
    files: tuple[str, ...] = Field(min_length=1)
    password: str | None = None
    language: str | None = None


class _ManifestRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    dossier: str = Field(min_length=1)
    country: str = ""
    files: tuple[str, ...] = Field(min_length=1)
    password: str | None = None
    language: str | None = None

    @field_validator("files", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value


@dataclass(frozen=True)
class Batch:
    """The dossiers of an input, with the root their file paths are shown relative to."""

    root: Path
    dossiers: tuple[DossierSpec, ...]
    skipped: tuple[str, ...] = ()


def _usage(message: str) -> CheckerError:
    return CheckerError(Code.OPTION_INVALID, message)


def load_input(source: str | Path) -> Batch:
    """The dossiers of a folder (one per file) or of a manifest (.csv, .yaml, .yml)."""
    path = Path(source)
    if path.is_dir():
        return _from_folder(path)
    if not path.is_file():
        raise _usage(f"{path}: no such folder or manifest")
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path)
    elif path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    else:
        raise _usage(f"{path}: a batch input is a folder or a manifest (.csv, .yaml)")
    return _from_rows(path, rows)


def _from_folder(folder: Path) -> Batch:
    dossiers, skipped = [], []
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        if file.suffix.lower() not in SUFFIXES:
            skipped.append(relative.as_posix())
            continue
        dossiers.append(DossierSpec(dossier=relative.as_posix(), files=(str(file.resolve()),)))
    if not dossiers:
        raise _usage(f"{folder}: no files to review ({', '.join(SUFFIXES)})")
    return Batch(root=folder.resolve(), dossiers=tuple(dossiers), skipped=tuple(skipped))


def _csv_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = {(name or "").strip().lower() for name in reader.fieldnames or ()}
        if not {"dossier", "files"} <= fields and not {"dossier", "file"} <= fields:
            raise _usage(f"{path}: a manifest needs the columns country, dossier and files")
        rows = []
        for row in reader:
            clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            if "files" not in clean:
                clean["files"] = clean.pop("file", "")
            if any(clean.values()):
                rows.append({k: v for k, v in clean.items() if v != "" or k == "country"})
        return rows


def _yaml_rows(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _usage(f"{path}: not valid YAML ({exc})") from exc
    if isinstance(data, dict):
        data = data.get("dossiers")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise _usage(f"{path}: a manifest is a list of dossiers (country, dossier, files)")
    rows = []
    for item in data:
        row = dict(item)
        if "files" not in row and "file" in row:
            row["files"] = row.pop("file")
        if "dossier" not in row and "name" in row:
            row["dossier"] = row.pop("name")
        if isinstance(row.get("files"), list):
            row["files"] = tuple(str(f) for f in row["files"])
        row["country"] = str(row.get("country") or "")
        rows.append(row)
    return rows


def _from_rows(manifest: Path, rows: list[dict[str, Any]]) -> Batch:
    """Rows naming the same dossier are merged; relative paths are taken from the manifest."""
    root = manifest.resolve().parent
    merged: dict[str, DossierSpec] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            row = _ManifestRow.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors())
            raise _usage(f"{manifest}: entry {number}: {problems}") from exc
        files = tuple(str((root / f).resolve()) for f in row.files)
        known = merged.get(row.dossier)
        if known is None:
            merged[row.dossier] = DossierSpec(dossier=row.dossier, country=row.country,
                                              files=files, password=row.password,
                                              language=row.language)
        elif known.country and row.country and known.country != row.country:
            raise _usage(f"{manifest}: dossier {row.dossier!r} is given two countries "
                         f"({known.country}, {row.country})")
        else:
            merged[row.dossier] = known.model_copy(update={
                "files": known.files + tuple(f for f in files if f not in known.files),
                "country": known.country or row.country,
                "password": known.password or row.password,
                "language": known.language or row.language,
            })
    if not merged:
        raise _usage(f"{manifest}: the manifest names no dossier")
    return Batch(root=root, dossiers=tuple(merged.values()))


# --- the work of one dossier (runs in a worker process or on a Dask worker) ---------------------


@dataclass(frozen=True)
class FileInput:
    """A file of a dossier as sent to a worker: its bytes, or why they could not be read."""

    path: str  # as shown in reports: relative to the input root when inside it
    data: bytes | None
    problem: str | None = None


@dataclass(frozen=True)
class DossierTask:
    dossier: str
    country: str
    files: tuple[FileInput, ...]
    password: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class FileOutcome:
    path: str
    sha256: str
    status: str
    pages: int | None
    seconds: float
    codes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class DossierOutcome:
    """What a worker sends back: the report as JSON text (None when the review failed)."""

    dossier: str
    country: str
    files: tuple[FileOutcome, ...]
    report_json: str | None
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    worker: str = ""
    peak_rss_mb: float = 0.0
    child_peak_rss_mb: float = 0.0

    @property
    def pages(self) -> int:
        return sum(f.pages or 0 for f in self.files)


def _peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest reading child, MiB (Linux)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0, peak_child_rss_mb()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(own, 1), peak_child_rss_mb()


def _missing(item: FileInput) -> Document:
    name = Path(item.path).name
    return unreadable_file(item.path, item.problem or f"Cannot read {name}")


def review_dossier(task: DossierTask, checklist: Checklist, limits: Limits = DEFAULT_LIMITS
                   ) -> DossierOutcome:
    """Ingest (sandboxed) and review one dossier; never raises (a failure is in `error`)."""
    from checker.report.json_writer import to_json
    from checker.review import review_documents, unique_ids

    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    documents: list[Document] = []
    files: list[FileOutcome] = []
    try:
        for item in task.files:
            began = time.perf_counter()
            if item.data is None:
                document = _missing(item)
            else:
                document = ingest_sandboxed(item.data, name=Path(item.path).name, path=item.path,
                                            password=task.password, language=task.language,
                                            limits=limits)
            documents.append(document)
            files.append(FileOutcome(
                path=item.path, sha256=document.sha256, status=document.status,
                pages=document.page_count, seconds=round(time.perf_counter() - began, 3),
                codes=tuple(sorted({d.code.value for d in document.diagnostics})),
                errors=tuple(f"{d.code.value}: {d.message}" for d in document.diagnostics
                             if d.severity == "error"),
            ))
        review = review_documents(unique_ids(documents), checklist=checklist)
        report_json = to_json(review.report)
        counts = dict(review.report.summary.by_status)
        failure = None
    except Exception as exc:  # a bug in the review must cost this dossier only
        report_json, counts = None, {}
        failure = f"{type(exc).__name__}: {exc}"
        _LOG.debug("dossier %s failed\n%s", task.dossier, traceback.format_exc())
    own, children = _peak_rss_mb()
    return DossierOutcome(dossier=task.dossier, country=task.country, files=tuple(files),
                          report_json=report_json, counts=counts,
                          seconds=round(time.perf_counter() - started, 3), error=failure,
                          worker=worker, peak_rss_mb=own, child_peak_rss_mb=children)


# Worker-process state for the local pool: the checklist and limits are sent once per worker.
_WORKER: dict[str, Any] = {}


def _init_worker(checklist: Checklist, limits: Limits) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    warm_up()  # the fork server imports its readers while this process imports the review
    import checker.report.json_writer
    import checker.review  # noqa: F401
    _WORKER["checklist"], _WORKER["limits"] = checklist, limits


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _pool_task(task: DossierTask) -> DossierOutcome:
    return review_dossier(task, _WORKER["checklist"], _WORKER["limits"])


# --- planning and resuming ----------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def checklist_digest(checklist: Checklist) -> str:
    """A digest of the checklist's content: an edit that keeps the version still counts."""
    return hashlib.sha256(checklist.model_dump_json().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Plan:
    spec: DossierSpec
    shown: tuple[str, ...]  # file paths as shown in the index and the reports
    sha256: tuple[str, ...]
    report: str  # relative to DIR

    def task(self) -> DossierTask:
        """The task with the files' bytes, read now (just before it is sent)."""
        inputs = []
        for path, shown in zip(self.spec.files, self.shown, strict=True):
            try:
                inputs.append(FileInput(path=shown, data=Path(path).read_bytes()))
            except OSError as exc:
                inputs.append(FileInput(path=shown, data=None,
                                        problem=f"Cannot read {shown}: {exc.strerror}"))
        return DossierTask(dossier=self.spec.dossier, country=self.spec.country,
                           files=tuple(inputs), password=self.spec.password,
                           language=self.spec.language)


def read_index(path: Path, *, repair: bool = False) -> list[dict[str, Any]]:
    """The records of an index; a last line cut short by a kill is ignored (and cut off when
    `repair`, so that the next record starts on a line of its own)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    records, good_end, offset = [], 0, 0
    for line in data.splitlines(keepends=True):
        offset += len(line)
        if not line.endswith(b"\n"):
            break  # a partial last line
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            _LOG.warning("%s: skipping a damaged line at byte %d", path, offset - len(line))
            good_end = offset
            continue
        if isinstance(record, dict):
            records.append(record)
        good_end = offset
    if repair and good_end < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good_end)
            handle.flush()
            os.fsync(handle.fileno())
    return records


def latest_records(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last record of each dossier: the one that holds."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        if isinstance(record.get("dossier"), str):
            latest[record["dossier"]] = record
    return latest


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return slug[:120] or "dossier"


def _shown(path: str, root: Path) -> str:
    with contextlib.suppress(ValueError):
        return Path(path).relative_to(root).as_posix()
    return path


def _record_key(record: dict[str, Any]) -> tuple[Any, ...]:
    checklist = record.get("checklist") or {}
    return (tuple(f.get("sha256", "") for f in record.get("files") or ()),
            checklist.get("id"), checklist.get("version"), checklist.get("digest"))


def plan(batch: Batch, latest: dict[str, dict[str, Any]], checklist: Checklist, out: Path,
         *, retry_failed: bool = False) -> tuple[list[Plan], list[str]]:
    """What to review now, and which dossiers are already done (unchanged since their record)."""
    ref = (checklist.id, checklist.version, checklist_digest(checklist))
    taken = {str(r.get("report")): d for d, r in latest.items() if r.get("report")}
    todo: list[Plan] = []
    done: list[str] = []
    for spec in batch.dossiers:
        shas = tuple(file_sha256(p) for p in spec.files)
        record = latest.get(spec.dossier)
        if record is not None and _record_key(record) == (shas, *ref):
            failed = record.get("outcome") == "failed"
            report_there = failed or (out / str(record.get("report", ""))).is_file()
            if report_there and not (failed and retry_failed):
                done.append(spec.dossier)
                continue
        report = str(record["report"]) if record and record.get("report") else None
        if report is None:
            base, n = _slug(spec.dossier), 1
            report = f"{REPORTS}/{base}.json"
            while taken.get(report, spec.dossier) != spec.dossier:
                n += 1
                report = f"{REPORTS}/{base}-{n}.json"
        taken[report] = spec.dossier
        todo.append(Plan(spec=spec, shown=tuple(_shown(p, batch.root) for p in spec.files),
                         sha256=shas, report=report))
    return todo, done


# --- writing ------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` so that it is either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError):  # mkstemp makes 0600; a report is an ordinary file
            os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class IndexWriter:
    """Appends one JSON line per dossier, flushed and fsynced before the next one starts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = open(path, "ab")  # noqa: SIM115 - held for the whole run

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
        self._handle.write(line.encode("utf-8"))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of a run killed while writing (never renamed, so never a result)."""
    for folder in (out, out / REPORTS):
        for temp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                temp.unlink()


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One batch at a time per output folder; the lock goes with the process, even on kill -9."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(out / ".lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise _usage(f"{out}: another batch is writing to this folder") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def outcome_of(files: Sequence[FileOutcome], failed: bool) -> str:
    if failed:
        return "failed"
    if any(f.status not in READABLE for f in files):
        return "unreadable"
    if any(f.status == "partial" for f in files):
        return "partial"
    return "ok"


def _record(plan_: Plan, result: DossierOutcome, checklist: Checklist) -> dict[str, Any]:
    files = result.files + tuple(  # files a failed review did not reach
        FileOutcome(path=shown, sha256=sha, status="not_read", pages=None, seconds=0.0)
        for shown, sha in list(zip(plan_.shown, plan_.sha256, strict=True))[len(result.files):])
    errors = [f"{f.path}: {message}" for f in files for message in f.errors]
    if result.error:
        errors.append(f"review failed: {result.error}")
    return {
        "dossier": plan_.spec.dossier,
        "country": plan_.spec.country,
        "outcome": outcome_of(files, result.report_json is None),
        "report": plan_.report if result.report_json is not None else None,
        "files": [{"path": f.path, "sha256": f.sha256 or sha, "status": f.status,
                   "pages": f.pages, "seconds": f.seconds, "codes": list(f.codes),
                   "errors": list(f.errors)}
                  for f, sha in zip(files, plan_.sha256, strict=False)],
        "checklist": {"id": checklist.id, "version": checklist.version,
                      "digest": checklist_digest(checklist)},
        "counts": result.counts,
        "pages": result.pages,
        "seconds": result.seconds,
        "errors": errors,
        "worker": result.worker,
        "peak_rss_mb": result.peak_rss_mb,
        "reader_peak_rss_mb": result.child_peak_rss_mb,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _failed(task_plan: Plan, message: str) -> DossierOutcome:
    return DossierOutcome(dossier=task_plan.spec.dossier, country=task_plan.spec.country,
                          files=(), report_json=None, error=message)


# --- running: a local process pool or a Dask cluster --------------------------------------------


def _spawn_pool(jobs: int, checklist: Checklist, limits: Limits) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(checklist, limits))


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut `pool` down without waiting for the dossiers in its workers (their results would
    be written by no one); the index is only ever appended whole, so nothing is lost."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


def run_local(plans: Sequence[Plan], *, jobs: int, checklist: Checklist, limits: Limits
              ) -> Iterator[tuple[Plan, DossierOutcome]]:
    """Review `plans` in `jobs` worker processes, yielding results as they complete.

    At most two tasks per worker are in flight, so the parent holds few files in memory. Should a
    worker die (the pool breaks), the dossiers it held are tried once more in a new pool.
    """
    queue: deque[tuple[Plan, int]] = deque((p, 0) for p in plans)
    while queue:
        broken: list[tuple[Plan, int]] = []
        pool = _spawn_pool(jobs, checklist, limits)
        finished = False
        try:
            running: dict[Future[DossierOutcome], tuple[Plan, int]] = {}
            while (queue or running) and not broken:
                while queue and len(running) < 2 * jobs:
                    item = queue.popleft()
                    running[pool.submit(_pool_task, item[0].task())] = item
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    item = running.pop(future)
                    try:
                        yield item[0], future.result()
                    except BrokenProcessPool:
                        broken.append(item)
                    except Exception as exc:
                        yield item[0], _failed(item[0], f"{type(exc).__name__}: {exc}")
            if broken:
                broken.extend(running.values())
            finished = not broken
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:  # broken, interrupted (Ctrl-C) or abandoned by the caller: stop at once
                _stop(pool)
        for task_plan, tries in broken:
            if tries >= 1:
                yield task_plan, _failed(task_plan, "the worker process died twice on it")
            else:
                queue.appendleft((task_plan, tries + 1))


def run_dask(plans: Sequence[Plan], *, scheduler: str, checklist: Checklist, limits: Limits,
             connect_timeout: float = 20.0) -> Iterator[tuple[Plan, DossierOutcome]]:
    """Review `plans` on the Dask cluster at `scheduler`, one task per dossier.

    Tasks carry the files' bytes and the checklist travels once to every worker, so workers need
    the package installed but no access to the input files. Results arrive as they complete.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise _usage("--scheduler needs dask[distributed] installed") from exc
    try:
        client = Client(scheduler, timeout=f"{connect_timeout}s")
    except (OSError, TimeoutError) as exc:
        raise _usage(f"--scheduler: cannot reach {scheduler} ({exc})") from exc
    try:
        workers = max(1, sum(client.nthreads().values()))
        remote_checklist = client.scatter(checklist, broadcast=True)
        queue = deque(plans)
        futures: dict[str, Plan] = {}
        pending = as_completed()
        run = uuid.uuid4().hex[:12]
        numbers = itertools.count()

        def submit() -> None:
            task_plan = queue.popleft()
            key = f"checker-review-{run}-{next(numbers)}"
            future = client.submit(review_dossier, task_plan.task(), remote_checklist, limits,
                                   key=key, pure=False, retries=1)
            futures[key] = task_plan
            pending.add(future)

        while queue and pending.count() < 2 * workers:
            submit()
        for future in pending:
            task_plan = futures.pop(str(future.key))
            try:
                yield task_plan, future.result()
            except Exception as exc:
                yield task_plan, _failed(task_plan, f"{type(exc).__name__}: {exc}")
            finally:
                future.release()
            while queue and pending.count() < 2 * workers:
                submit()
    finally:
        client.close()


# --- the run ------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    out: Path
    dossiers: int = 0
    skipped: int = 0
    reviewed: int = 0
    failed: int = 0
    files: int = 0
    unreadable: int = 0
    pages: int = 0
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.failed or self.unreadable else 0


class _Progress:
    """Files done and failed, pages per second and time left, on stderr."""

    def __init__(self, total_files: int, *, enabled: bool) -> None:
        self.started = time.monotonic()
        self.pages = 0
        self.failed = 0
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("files · [red]{task.fields[failed]} not read[/red]"),
            TextColumn("· {task.fields[rate]} pages/s"), TextColumn("·"), TimeElapsedColumn(),
            TextColumn("· ETA"), TimeRemainingColumn(),
            console=self.console, disable=not enabled, transient=False,
        )
        self.task: TaskID = self.progress.add_task("Reviewing", total=total_files, failed=0,
                                                   rate="0.0")

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, files: int, failed: int, pages: int) -> None:
        self.pages += pages
        self.failed += failed
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, advance=files, failed=self.failed,
                             rate=f"{self.pages / elapsed:.1f}")


def run_batch(source: str | Path, out: str | Path, *, jobs: int = 1,
              checklist: str | Sequence[str] = "firearms-protocol",
              scheduler: str | None = None, limits: Limits = DEFAULT_LIMITS,
              retry_failed: bool = False, progress: bool = True, matrix: bool = True,
              connect_timeout: float = 20.0) -> BatchResult:
    """Review every dossier of `source` into `out`; see the module docstring.

    Raises `CheckerError` for caller mistakes only (a bad manifest, an unknown checklist, an
    unreachable scheduler, a folder another batch is writing to).
    """
    if jobs < 1:
        raise _usage("--jobs must be at least 1")
    batch = load_input(source)
    loaded = load_checklists(checklist)
    out_dir = Path(out)
    (out_dir / REPORTS).mkdir(parents=True, exist_ok=True)
    result = BatchResult(out=out_dir, dossiers=len(batch.dossiers))
    started = time.monotonic()
    with _locked(out_dir):
        _remove_stale_temporaries(out_dir)
        index_path = out_dir / INDEX
        latest = latest_records(read_index(index_path, repair=True))
        todo, done = plan(batch, latest, loaded, out_dir, retry_failed=retry_failed)
        result.skipped = len(done)
        total_files = sum(len(p.spec.files) for p in todo)
        console = Console(stderr=True)
        if progress and done:
            console.print(f"{len(done)} dossiers unchanged since the last run: skipped")
        writer = IndexWriter(index_path)
        try:
            if scheduler:
                results = run_dask(todo, scheduler=scheduler, checklist=loaded, limits=limits,
                                   connect_timeout=connect_timeout)
            else:
                results = run_local(todo, jobs=jobs, checklist=loaded, limits=limits)
            with _Progress(total_files, enabled=progress and bool(todo)) as bar:
                for task_plan, outcome in results:
                    record = _record(task_plan, outcome, loaded)
                    if outcome.report_json is not None:
                        write_atomic(out_dir / task_plan.report, outcome.report_json.encode())
                    writer.append(record)
                    latest[task_plan.spec.dossier] = record
                    unread = sum(1 for f in record["files"] if f["status"] not in READABLE)
                    result.reviewed += 1
                    result.failed += record["outcome"] == "failed"
                    result.pages += outcome.pages
                    bar.advance(len(task_plan.spec.files), unread, outcome.pages)
        finally:
            writer.close()
        current = [latest[s.dossier] for s in batch.dossiers if s.dossier in latest]
        result.files = sum(len(r.get("files") or ()) for r in current)
        result.unreadable = sum(1 for r in current for f in r.get("files") or ()
                                if f.get("status") not in READABLE)
        result.failed = sum(1 for r in current if r.get("outcome") == "failed")
        errors_path = out_dir / ERRORS
        write_atomic(errors_path, errors_markdown(current, batch, loaded).encode())
        result.written = [index_path, errors_path]
        if matrix:
            from checker.matrix import write_matrices

            result.written += write_matrices(current, out_dir, checklist=loaded)
    result.seconds = round(time.monotonic() - started, 2)
    return result


# --- the errors summary -------------------------------------------------------------------------


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def errors_markdown(records: Sequence[dict[str, Any]], batch: Batch, checklist: Checklist) -> str:
    """Files not read and dossiers that failed, with their codes; a count by code first."""
    unread = [(r, f) for r in records for f in r.get("files") or ()
              if f.get("status") not in READABLE]
    failed = [r for r in records if r.get("outcome") == "failed"]
    files = sum(len(r.get("files") or ()) for r in records)
    out = io.StringIO()
    out.write("# Batch errors\n\n")
    out.write(f"Checklist {checklist.id} {checklist.version}. {len(records)} dossiers, "
              f"{files} files: {files - len(unread)} read, {len(unread)} not read; "
              f"{len(failed)} dossiers failed.\n\n")
    if not unread and not failed and not batch.skipped:
        out.write("Every file was read and every dossier reviewed.\n")
        return out.getvalue()
    codes: Counter[str] = Counter()
    for _, f in unread:
        codes.update(c for c in f.get("codes") or () if c.startswith("E"))
    if codes:
        out.write("## By code\n\n| code | meaning | files |\n|---|---|---:|\n")
        for code, count in sorted(codes.items()):
            try:
                meaning = Code(code).name.lower().replace("_", " ")
            except ValueError:
                meaning = ""
            out.write(f"| {code} | {meaning} | {count} |\n")
        out.write("\n")
    if unread:
        out.write("## Files not read\n\n| dossier | country | file | status | error |\n"
                  "|---|---|---|---|---|\n")
        for r, f in unread:
            messages = f.get("errors") or [", ".join(f.get("codes") or ())]
            out.write(f"| {_cell(r['dossier'])} | {_cell(r.get('country', ''))} | "
                      f"{_cell(f.get('path', ''))} | {_cell(f.get('status', ''))} | "
                      f"{_cell('; '.join(messages))} |\n")
        out.write("\n")
    if failed:
        out.write("## Dossiers that failed\n\nTheir review did not complete; run again with "
                  "`--retry-failed` to try them once more.\n\n| dossier | error |\n|---|---|\n")
        for r in failed:
            out.write(f"| {_cell(r['dossier'])} | {_cell('; '.join(r.get('errors') or ()))} |\n")
        out.write("\n")
    if batch.skipped:
        out.write("## Files skipped\n\nNot a reviewed kind of file (" + ", ".join(SUFFIXES)
                  + "):\n\n")
        out.writelines(f"- {_cell(name)}\n" for name in batch.skipped)
    return out.getvalue()


# --- command line -------------------------------------------------------------------------------


def batch_command(
    source: Annotated[Path, typer.Argument(
        metavar="INPUT", help="A folder (each file is a dossier) or a manifest (.csv, .yaml) "
        "with the columns country, dossier and files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; reused to "
                                      "resume).")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1,
                                      help="Worker processes (ignored with --scheduler).")] = 1,
    checklist: Annotated[list[str] | None, typer.Option(
        help="Checklist id or YAML path; repeat to combine.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Run on this Dask scheduler (tcp://HOST:PORT) instead of local workers.")] = None,
    max_pages: Annotated[int, typer.Option(
        min=1, help="Files with more pages are counted, not read.")] = DEFAULT_LIMITS.max_pages,
    memory_mb: Annotated[int, typer.Option(
        min=512, help="Memory limit of the process reading one file, MiB.")] = (
        DEFAULT_LIMITS.memory_mb),
    max_seconds: Annotated[float, typer.Option(
        min=1, help="Time limit for reading one file, seconds (10 s + 1 s a page up to "
        "this).")] = DEFAULT_LIMITS.max_seconds,
    retry_failed: Annotated[bool, typer.Option(
        help="Review again the dossiers whose review failed in an earlier run.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Review every dossier of a folder or manifest: reports, index, errors, matrix (resumable)."""
    err = Console(stderr=True)
    try:
        limits = Limits(max_pages=max_pages, memory_mb=memory_mb, max_seconds=max_seconds)
        result = run_batch(source, out, jobs=jobs, checklist=checklist or ["firearms-protocol"],
                           scheduler=scheduler, limits=limits,
                           retry_failed=retry_failed, progress=not quiet)
    except CheckerError as exc:
        err.print(f"[red]error[/red] {exc.code.value}: {exc.message}")
        raise typer.Exit(EXIT_CHECKLIST if exc.code.name.startswith("CHECKLIST")
                         else EXIT_USAGE) from exc
    if not quiet:
        err.print(
            f"{result.dossiers} dossiers: {result.reviewed} reviewed, {result.skipped} unchanged"
            f", {result.failed} failed; {result.files} files, {result.unreadable} not read "
            f"({result.seconds:.1f} s) -> {result.out}")
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def main() -> None:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    app = typer.Typer(add_completion=False)
    app.command()(batch_command)
    app()


if __name__ == "__main__":
    main()
