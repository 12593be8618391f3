"""Throughput of review and batch review against bare pypdfium2 text extraction.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_review.py [--repeat 3] [--copies 3] [--profile]

On the PDFs of the shared real corpus (`../shared/corpora/real/*/source.pdf`) and of the samples
(`corpora/samples/*/source.pdf`) it measures, in one run so that the machine is the same:

1. bare pypdfium2: open, `get_textpage().get_text_range()` for every page; the reference;
2. steady state in this process (after a warm-up pass, so spaCy pipelines and compiled matchers
   are loaded): `checker.review()` per file, and the sandboxed path (`ingest_sandboxed`, then
   `review_documents`), as pages per second and as a ratio to (1): the ratio is the figure, since
   absolute times move with the machine's load;
3. `checker batch` end to end with `--jobs 1` and `--jobs 2` (worker start included) on the same
   files, repeated `--copies` times as separate dossiers: pages per second, the speed-up, and the
   peak resident memory of each worker and of the largest reading child;
4. cold starts of the command line, in fresh interpreters;
5. the cross-country matrix at scale (500 synthetic dossiers);
6. with `--profile`, cProfile of the warm batch path (ingest in the sandbox and review of one
   dossier at a time, as a worker does) and of the matrix writers.

Times are medians of `--repeat` runs. The target: a warm `checker.review()` of the 109-page Czech
statute within 5x bare pypdfium2. Results print as Markdown tables.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CZECH = "cz-zakon-o-zbranich-cs"
TARGET_RATIO = 5.0


def corpus() -> list[Path]:
    real = sorted((SHARED / "corpora" / "real").glob("*/source.pdf"))
    samples = sorted((ROOT / "corpora" / "samples").glob("*/source.pdf"))
    return real + samples


def median_time(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# --- 1 and 2: bare pypdfium2 and the warm pipeline ----------------------------------------------


def bare_pdfium(data: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        pages = len(document)
        for index in range(pages):
            page = document[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def warm_review(path: Path) -> None:
    import checker

    checker.review(path)


def warm_sandboxed(path: Path, data: bytes) -> None:
    from checker.review import review_documents
    from checker.sandbox import ingest_sandboxed

    review_documents([ingest_sandboxed(data, name=path.name, path=str(path))])


def steady_state(files: list[Path], repeat: int) -> tuple[list[list[Any]], dict[str, float]]:
    from checker.ingest import ingest_bytes
    from checker.sandbox import ingest_sandboxed

    blobs = {path: path.read_bytes() for path in files}
    for path in files:  # warm-up: pipelines, matchers, the fork server
        warm_review(path)
        warm_sandboxed(path, blobs[path])
    rows = []
    totals = {"pages": 0.0, "bare": 0.0, "review": 0.0, "sandboxed": 0.0, "ingest": 0.0,
              "ingest_sandboxed": 0.0}
    for path in files:
        data = blobs[path]
        pages = bare_pdfium(data)
        bare = median_time(partial(bare_pdfium, data), repeat)
        review = median_time(partial(warm_review, path), repeat)
        sandboxed = median_time(partial(warm_sandboxed, path, data), repeat)
        ingest = median_time(partial(ingest_bytes, data, name=path.name), repeat)
        boxed = median_time(partial(ingest_sandboxed, data, name=path.name), repeat)
        for key, value in (("pages", pages), ("bare", bare), ("review", review),
                           ("sandboxed", sandboxed), ("ingest", ingest),
                           ("ingest_sandboxed", boxed)):
            totals[key] += value
        rows.append([path.parent.name, pages, pages / bare, pages / review, review / bare,
                     pages / sandboxed, sandboxed / bare, (boxed - ingest) * 1000])
    total = totals["pages"]
    rows.append(["**all files**", int(total), total / totals["bare"], total / totals["review"],
                 totals["review"] / totals["bare"], total / totals["sandboxed"],
                 totals["sandboxed"] / totals["bare"],
                 (totals["ingest_sandboxed"] - totals["ingest"]) * 1000 / len(files)])
    return rows, totals


# --- 3: the batch end to end --------------------------------------------------------------------


def batch_run(files: list[Path], copies: int, jobs: int, scratch: Path) -> dict[str, Any]:
    """`python -m checker.batch` on `copies` copies of the files, in a fresh interpreter."""
    from checker.batch import INDEX, read_index

    folder = scratch / "in"
    if not folder.exists():
        folder.mkdir(parents=True)
        for copy in range(copies):
            for path in files:
                shutil.copy(path, folder / f"{path.parent.name}-{copy}.pdf")
    out = scratch / f"out-{jobs}-{time.monotonic_ns()}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "checker.batch", str(folder), "--out", str(out),
                    "--jobs", str(jobs), "--quiet"], cwd=ROOT, check=False,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    seconds = time.perf_counter() - started
    records = read_index(out / INDEX)
    workers: dict[str, float] = {}
    for record in records:
        workers[record["worker"]] = max(workers.get(record["worker"], 0.0),
                                        record.get("peak_rss_mb") or 0.0)
    return {"seconds": seconds, "pages": sum(r.get("pages") or 0 for r in records),
            "dossiers": len(records),
            "ingest_ms": 1000 * statistics.mean(f["seconds"] for r in records for f in r["files"]),
            "worker_rss": workers,
            "reader_rss": max((r.get("reader_peak_rss_mb") or 0.0) for r in records),
            "busy": sum(r["seconds"] for r in records)}


def _warm_worker(checklist: Any, limits: Any, files: list[str]) -> None:
    """Pool initializer: what a batch worker does, then one review of each file (warm-up)."""
    from checker.batch import DossierTask, FileInput, _init_worker, review_dossier

    _init_worker(checklist, limits)
    for path in files:
        task = DossierTask(dossier=path, country="",
                           files=(FileInput(path=path, data=Path(path).read_bytes()),))
        review_dossier(task, checklist, limits)


def steady_batch(files: list[Path], copies: int, jobs: int) -> dict[str, Any]:
    """Batch workers after their start and warm-up: the throughput of a long batch."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from checker.batch import DossierTask, FileInput, _pool_task
    from checker.checklist import load_checklist
    from checker.sandbox import DEFAULT_LIMITS

    checklist = load_checklist("firearms-protocol")
    tasks = [DossierTask(dossier=f"{p.parent.name}-{c}", country="",
                         files=(FileInput(path=str(p), data=p.read_bytes()),))
             for c in range(copies) for p in files]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_warm_worker,
                             initargs=(checklist, DEFAULT_LIMITS, [str(p) for p in files])
                             ) as pool:
        list(pool.map(_pool_task, tasks[:jobs]))  # every worker has started and warmed up
        started = time.perf_counter()
        outcomes = list(pool.map(_pool_task, tasks))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": sum(o.pages for o in outcomes)}


# --- 4: cold starts -----------------------------------------------------------------------------


def cold(command: list[str] | Callable[[], list[str]], repeat: int) -> float:
    """Median wall time of `command` in a fresh interpreter (a callable gives a new command for
    each run, e.g. a new output folder)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}

    def run() -> None:
        argv = command() if callable(command) else command
        subprocess.run(argv, cwd=ROOT, env=env, check=False, capture_output=True)

    return median_time(run, repeat)


# --- 5: the matrix at scale ---------------------------------------------------------------------


def matrix_at_scale(dossiers: int = 500) -> list[list[Any]]:
    from checker.checklist import load_checklist
    from checker.matrix import Column, build_matrix, to_csv, to_heatmap, to_xlsx

    checklist = load_checklist("firearms-protocol")
    rng = random.Random(1)
    entries = [(Column(f"dossier-{i:03d}", f"C{i % 50:02d}", "ok", "r.json"),
                {"findings": [{"obligation_id": o.id, "status": rng.choice(
                    ["met", "partial", "missing", "unclear"])} for o in checklist.obligations]})
               for i in range(dossiers)]
    matrix = build_matrix(entries, checklist=checklist)
    rows = []
    for name, write in (("csv", to_csv), ("xlsx", to_xlsx), ("png", to_heatmap)):
        started = time.perf_counter()
        data = write(matrix)
        rows.append([name, dossiers, time.perf_counter() - started, len(data) / 1024])
    return rows


# --- 6: profiles --------------------------------------------------------------------------------


def profile(files: list[Path]) -> str:
    from checker.batch import DossierTask, FileInput, review_dossier
    from checker.checklist import load_checklist
    from checker.matrix import Column, build_matrix, to_heatmap, to_xlsx

    checklist = load_checklist("firearms-protocol")
    tasks = [DossierTask(dossier=p.parent.name, country="",
                         files=(FileInput(path=str(p), data=p.read_bytes()),)) for p in files]
    for task in tasks:
        review_dossier(task, checklist)
    out = io.StringIO()
    profiler = cProfile.Profile()
    profiler.enable()
    for task in tasks:
        review_dossier(task, checklist)
    profiler.disable()
    out.write("### Warm batch path (review_dossier over every file), by cumulative time\n\n```\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    out.write("```\n\n")
    entries = [(Column(f"d{i}", "", "ok", "r.json"),
                {"findings": [{"obligation_id": o.id, "status": "met"}
                              for o in checklist.obligations]}) for i in range(200)]
    matrix = build_matrix(entries, checklist=checklist)
    profiler = cProfile.Profile()
    profiler.enable()
    to_xlsx(matrix)
    to_heatmap(matrix)
    profiler.disable()
    out.write("### Matrix writers (200 dossiers), by own time\n\n```\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
    out.write("```\n")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=3, help="copies of the files in a batch")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    files = corpus()
    if not files:
        sys.exit("no PDFs found")
    figures: dict[str, Any] = {}
    print(f"# checker benchmark: {len(files)} PDFs, median of {args.repeat}\n")

    rows, totals = steady_state(files, args.repeat)
    print("## Steady state in one process (after a warm-up)\n")
    print(table(["file", "pages", "bare pdfium p/s", "review p/s", "review / bare",
                 "sandboxed p/s", "sandboxed / bare", "sandbox cost ms"], rows))
    czech = next((r for r in rows if r[0] == CZECH), None)
    if czech:
        verdict = "meets" if czech[4] <= TARGET_RATIO else "misses"
        print(f"\nCzech statute ({czech[1]} pages): warm `checker.review()` is {czech[4]:.2f}x "
              f"bare pypdfium2; target {TARGET_RATIO:.0f}x: {verdict} it.")
        figures["czech_ratio"] = czech[4]
    figures["steady"] = rows

    if not args.skip_batch:
        with tempfile.TemporaryDirectory(prefix="checker-bench-") as scratch:
            runs = {jobs: batch_run(files, args.copies, jobs, Path(scratch)) for jobs in (1, 2)}
        steady = {jobs: steady_batch(files, args.copies, jobs) for jobs in (1, 2)}
        print(f"\n## `checker batch` end to end ({runs[1]['dossiers']} dossiers, "
              f"{runs[1]['pages']} pages, worker start included)\n")
        bare_pps = totals["pages"] / totals["bare"]
        batch_rows = []
        for jobs, run in runs.items():
            rss = ", ".join(f"{v:.0f}" for v in sorted(run["worker_rss"].values()))
            batch_rows.append([f"--jobs {jobs}", run["seconds"], run["pages"] / run["seconds"],
                               runs[1]["seconds"] / run["seconds"], rss, run["reader_rss"],
                               run["seconds"] / (run["pages"] / bare_pps)])
        print(table(["run", "seconds", "pages/s", "speed-up", "peak RSS per worker MiB",
                     "largest reader child MiB", "batch / bare pdfium"], batch_rows))
        print("\nMean sandboxed ingest per file in the batch workers: "
              + ", ".join(f"--jobs {j}: {r['ingest_ms']:.0f} ms" for j, r in runs.items()))
        print("\nThe same dossiers on workers that have started and warmed up (the rate of a "
              "long batch):\n")
        steady_rows = [[f"--jobs {jobs}", run["seconds"], run["pages"] / run["seconds"],
                        steady[1]["seconds"] / run["seconds"],
                        run["seconds"] / (run["pages"] / bare_pps)]
                       for jobs, run in steady.items()]
        print(table(["run", "seconds", "pages/s", "speed-up", "batch / bare pdfium"],
                    steady_rows))
        figures["batch"] = {str(k): v for k, v in runs.items()}
        figures["steady_batch"] = {str(k): v for k, v in steady.items()}

    python = sys.executable
    sample = ROOT / "corpora" / "samples" / "en-weak-arms-act" / "source.pdf"
    with tempfile.TemporaryDirectory(prefix="checker-cold-") as scratch:
        cold_rows = [
            ["`checker --help`", cold([python, "-m", "checker.cli", "--help"], args.repeat)],
            ["`python -m checker.batch --help`",
             cold([python, "-m", "checker.batch", "--help"], args.repeat)],
            ["`checker review` one sample PDF",
             cold([python, "-m", "checker.cli", "review", str(sample), "-q", "-o",
                   f"{scratch}/r.json"], args.repeat)],
        ]
        single = Path(scratch) / "one"
        single.mkdir()
        shutil.copy(sample, single / sample.name)
        cold_rows.append(["`checker batch` one sample PDF, --jobs 1",
                          cold(lambda: [python, "-m", "checker.batch", str(single), "--out",
                                        f"{scratch}/out-{time.monotonic_ns()}", "-q"],
                               args.repeat)])
    print("\n## Cold start (fresh interpreter)\n")
    print(table(["command", "seconds"], cold_rows))
    figures["cold"] = cold_rows

    print("\n## Cross-country matrix at scale\n")
    matrix_rows = matrix_at_scale()
    print(table(["output", "dossiers", "seconds", "KiB"], matrix_rows))
    figures["matrix"] = matrix_rows

    if args.profile:
        print("\n## Profiles\n")
        print(profile(files))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
