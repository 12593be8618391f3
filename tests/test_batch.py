"""Batch review: inputs, one record per dossier, resume after kill -9, the matrix, Dask."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from locations import HOSTILE, ROOT, SAMPLES
from openpyxl import load_workbook
from PIL import Image
from test_sandbox import HTML, deep_page_tree, glyph_bomb  # tests/ is on sys.path under pytest
from typer.testing import CliRunner

from checker.batch import (
    INDEX,
    batch_command,
    load_input,
    read_index,
    run_batch,
)
from checker.errors import CheckerError
from checker.matrix import Column, build_matrix, to_csv, to_heatmap, to_xlsx

READ = {"ok", "partial"}


def _checklist(tmp_path: Path) -> str:
    """A copy of the checklist, so that the runs of a test review against the same content."""
    copy = tmp_path / "firearms-protocol.yaml"
    shutil.copy(ROOT / "checklists" / "firearms-protocol.yaml", copy)
    return str(copy)


def _records(out: Path) -> list[dict[str, Any]]:
    return read_index(out / INDEX)


def _small_folder(tmp_path: Path) -> Path:
    """Three short laws as Markdown and one unreadable file: quick to review."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("en-weak-arms-act", "es-ley-armas", "fr-code-armes"):
        shutil.copy(SAMPLES / name / "text.md", folder / f"{name}.md")
    (folder / "zero-byte.pdf").write_bytes(b"")
    (folder / "notes.json").write_text("{}")  # not a kind of file that is reviewed
    return folder


# --- inputs -------------------------------------------------------------------------------------


def test_folder_input_is_one_dossier_per_file(tmp_path: Path) -> None:
    batch = load_input(_small_folder(tmp_path))
    assert [d.dossier for d in batch.dossiers] == [
        "en-weak-arms-act.md", "es-ley-armas.md", "fr-code-armes.md", "zero-byte.pdf"]
    assert all(len(d.files) == 1 for d in batch.dossiers)
    assert batch.skipped == ("notes.json",)


def test_csv_manifest_groups_the_acts_of_a_country(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "country,dossier,files\n"
        f"Ardenmoor,ardenmoor,{SAMPLES}/en-commonwealth-firearms-act/text.md\n"
        "Ardenmoor,ardenmoor,../samples/en-firearms-regulations/text.md\n"
        f"Corvania,corvania,{SAMPLES}/en-weak-arms-act/text.md;{SAMPLES}/es-ley-armas/text.md\n")
    (tmp_path / "samples").symlink_to(SAMPLES)
    batch = load_input(manifest)
    assert [(d.dossier, d.country, len(d.files)) for d in batch.dossiers] == [
        ("ardenmoor", "Ardenmoor", 2), ("corvania", "Corvania", 2)]
    assert batch.dossiers[0].files[1] == str((tmp_path / "../samples/en-firearms-regulations/"
                                              "text.md").resolve())


def test_yaml_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(yaml.safe_dump({"dossiers": [
        {"country": "Testland", "dossier": "testland", "files": ["a.md", "b.pdf"],
         "language": "en"},
        {"country": "Otherland", "name": "otherland", "file": "c.md"},
    ]}))
    batch = load_input(manifest)
    assert [(d.dossier, d.country, d.language) for d in batch.dossiers] == [
        ("testland", "Testland", "en"), ("otherland", "Otherland", None)]
    assert batch.dossiers[0].files == (str(tmp_path / "a.md"), str(tmp_path / "b.pdf"))


@pytest.mark.parametrize("text", [
    "country,name\nX,y\n",  # no files column
    "country,dossier,files\nX,y,\n",  # no files
    "country,dossier,files\nX,y,a.md\nZ,y,b.md\n",  # one dossier, two countries
])
def test_bad_manifest_is_a_usage_error(tmp_path: Path, text: str) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(CheckerError):
        load_input(manifest)


# --- a batch with hostile files -----------------------------------------------------------------


def _hostile_mix(tmp_path: Path) -> Path:
    """The 40 hostile PDFs, generated bombs and bad inputs, and the sample laws."""
    folder = tmp_path / "mix"
    folder.mkdir()
    if HOSTILE.is_dir():
        for path in HOSTILE.glob("*.pdf"):
            shutil.copy(path, folder / path.name)
    (folder / "zero-byte.pdf").write_bytes(b"")
    (folder / "random-1MiB.pdf").write_bytes(random.Random(7).randbytes(1 << 20))
    (folder / "html-renamed.pdf").write_bytes(HTML)
    (folder / "glyph-bomb.pdf").write_bytes(glyph_bomb())
    (folder / "pages-tree-depth-5000.pdf").write_bytes(deep_page_tree())
    for sample in sorted(SAMPLES.iterdir()):
        shutil.copy(sample / "source.pdf", folder / f"{sample.name}.pdf")
    return folder


@pytest.mark.slow
def test_hostile_files_mixed_with_laws_give_one_record_per_file(tmp_path: Path) -> None:
    folder = _hostile_mix(tmp_path)
    files = sorted(p.name for p in folder.iterdir())
    out = tmp_path / "out"
    result = run_batch(folder, out, jobs=2, progress=False)
    records = _records(out)
    assert sorted(r["dossier"] for r in records) == files
    assert result.reviewed == len(files) and result.failed == 0
    by_name = {r["dossier"]: r for r in records}
    for sample in SAMPLES.iterdir():
        record = by_name[f"{sample.name}.pdf"]
        assert record["outcome"] == "ok" and record["counts"]["met"] > 0
    assert by_name["zero-byte.pdf"]["files"][0]["status"] == "empty"
    assert by_name["html-renamed.pdf"]["files"][0]["status"] == "not_pdf"
    for record in records:
        assert record["outcome"] in ("ok", "partial", "unreadable")
        assert record["checklist"]["id"] == "firearms-protocol" and record["checklist"]["version"]
        report = json.loads((out / record["report"]).read_text())
        assert report["documents"][0]["sha256"] == record["files"][0]["sha256"]
        assert len(report["findings"]) == sum(record["counts"].values())
    unread = [r for r in records if r["outcome"] == "unreadable"]
    errors = (out / "errors.md").read_text()
    assert f"{len(unread)} not read" in errors
    assert all(r["dossier"] in errors for r in unread)
    assert result.exit_code == 1
    for name in ("matrix.csv", "matrix.xlsx", "heatmap.png"):
        assert (out / name).stat().st_size > 0
    assert not list(out.rglob("*.tmp"))


# --- kill -9 and resume -------------------------------------------------------------------------


def _batch_process(source: Path, out: Path, checklist: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "checker.batch", str(source), "--out", str(out), "--jobs", "1",
         "--checklist", checklist, "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_kill_9_then_resume_reports_every_dossier_exactly_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in sorted(SAMPLES.iterdir()):
        shutil.copy(sample / "source.pdf", folder / f"{sample.name}.pdf")
        shutil.copy(sample / "text.md", folder / f"{sample.name}.md")
    (folder / "zero-byte.pdf").write_bytes(b"")
    (folder / "html-renamed.pdf").write_bytes(HTML)
    expected = sorted(p.name for p in folder.iterdir())
    out = tmp_path / "out"
    checklist = _checklist(tmp_path)
    process = _batch_process(folder, out, checklist)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if (out / INDEX).exists() and len(_records(out)) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    first = _records(out)
    assert 2 <= len(first) < len(expected)
    # Simulate the worst moment: killed half-way through the next index line.
    with open(out / INDEX, "ab") as handle:
        handle.write(b'{"dossier": "fr-code-armes.md", "outcome": "ok", "files": [{"pa')
    rerun = _batch_process(folder, out, checklist)
    assert rerun.wait(180) == 1, rerun.stderr.read() if rerun.stderr else ""  # 2 unreadable
    records = _records(out)
    assert sorted(r["dossier"] for r in records) == expected  # each exactly once
    assert records[:len(first)] == first  # the first run's records are kept as they were
    assert (out / INDEX).read_bytes().endswith(b"\n")
    assert all(json.loads((out / r["report"]).read_text())["findings"] for r in records)
    assert not list(out.rglob("*.tmp"))
    # A third run finds nothing to do.
    third = run_batch(folder, out, checklist=checklist, progress=False)
    assert third.reviewed == 0 and third.skipped == len(expected)
    assert len(_records(out)) == len(expected)


def test_resume_skips_unchanged_dossiers_and_redoes_changed_ones(tmp_path: Path) -> None:
    folder = _small_folder(tmp_path)
    out = tmp_path / "out"
    checklist = _checklist(tmp_path)
    first = run_batch(folder, out, checklist=checklist, progress=False)
    assert (first.reviewed, first.skipped, first.unreadable) == (4, 0, 1)
    again = run_batch(folder, out, checklist=checklist, progress=False)
    assert (again.reviewed, again.skipped) == (0, 4)
    (folder / "es-ley-armas.md").write_text(
        (folder / "es-ley-armas.md").read_text() + "\nArtículo final.\n")
    changed = run_batch(folder, out, checklist=checklist, progress=False)
    assert (changed.reviewed, changed.skipped) == (1, 3)
    records = _records(out)
    assert [r["dossier"] for r in records].count("es-ley-armas.md") == 2
    # Another checklist version: everything is reviewed again.
    source = yaml.safe_load(Path(checklist).read_text())
    source["version"] = "99.0.0"
    custom = tmp_path / "custom.yaml"
    custom.write_text(yaml.safe_dump(source, allow_unicode=True))
    other = run_batch(folder, out, checklist=str(custom), progress=False, matrix=False)
    assert other.reviewed == 4
    assert _records(out)[-1]["checklist"]["version"] == "99.0.0"


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    import fcntl

    folder = _small_folder(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with pytest.raises(CheckerError, match="another batch"):
            run_batch(folder, out, progress=False)


# --- command line -------------------------------------------------------------------------------


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("batch")(batch_command)

    @app.command("noop")
    def _noop() -> None:  # a second command, so that "batch" is a subcommand as in checker.cli
        pass

    return app


def test_cli_writes_everything_and_sets_the_exit_code(tmp_path: Path) -> None:
    folder = _small_folder(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(_cli(), ["batch", str(folder), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output  # the zero-byte file is not read
    assert "4 dossiers: 4 reviewed" in " ".join(result.output.split())
    written = {p.name for p in out.iterdir()}
    assert {"index.jsonl", "errors.md", "matrix.csv", "matrix.xlsx", "heatmap.png",
            "reports"} <= written
    assert len(list((out / "reports").glob("*.json"))) == 4
    bad = CliRunner().invoke(_cli(), ["batch", str(tmp_path / "nowhere"), "--out", str(out)])
    assert bad.exit_code == 2
    unknown = CliRunner().invoke(_cli(), ["batch", str(folder), "--out", str(out),
                                          "--checklist", "no-such-checklist"])
    assert unknown.exit_code == 4


# --- the matrix ---------------------------------------------------------------------------------


def _report(statuses: dict[str, str]) -> dict[str, Any]:
    return {"findings": [
        {"obligation_id": oid, "status": status, "title": f"Title of {oid}", "article": "1",
         "category": "marking" if oid.startswith("m") else "definitions", "level": "mandatory"}
        for oid, status in statuses.items()]}


def _matrix() -> Any:
    return build_matrix([
        (Column("zz-act", "Zedland", "ok", "reports/z.json"),
         _report({"d1": "met", "m1": "partial", "m2": "missing"})),
        (Column("aa-act", "Aland", "unreadable", "reports/a.json"),
         _report({"d1": "unclear", "m1": "unclear", "m2": "unclear"})),
        (Column("failed-act", "Bland", "failed", None), None),
    ])


def test_matrix_orders_dossiers_by_country_and_keeps_failed_ones_empty() -> None:
    matrix = _matrix()
    assert [c.label for c in matrix.columns] == [
        "Aland · aa-act", "Bland · failed-act", "Zedland · zz-act"]
    assert [r.id for r in matrix.rows] == ["d1", "m1", "m2"]  # definitions before marking
    lines = to_csv(matrix).splitlines()
    assert lines[0].endswith("Aland · aa-act,Bland · failed-act,Zedland · zz-act")
    assert lines[1] == "d1,1,definitions,mandatory,Title of d1,unclear,,met"


def test_matrix_workbook_has_coloured_filtered_frozen_sheets() -> None:
    from io import BytesIO

    workbook = load_workbook(BytesIO(to_xlsx(_matrix())))
    assert workbook.sheetnames == ["All", "definitions", "marking", "Dossiers", "Legend"]
    sheet = workbook["All"]
    assert sheet.freeze_panes == "F2"
    assert sheet.auto_filter.ref == "A1:H4"
    met = sheet["H2"]
    assert met.value == "met" and met.fill.fgColor.rgb.endswith("1A7F37")
    assert sheet["G2"].value == "not reviewed"
    assert [c.value for c in workbook["marking"]["A"]] == ["Obligation", "m1", "m2"]
    dossiers = workbook["Dossiers"]
    assert [c.value for c in dossiers[2]][:4] == ["aa-act", "Aland", "unreadable", 0]


def test_heatmap_is_a_png_sized_to_the_table() -> None:
    from io import BytesIO

    image = Image.open(BytesIO(to_heatmap(_matrix())))
    assert image.format == "PNG" and image.width >= 720 and image.height > 200
    wide = build_matrix([(Column(f"d{i:03d}", "", "ok", "r.json"), _report({"d1": "met"}))
                         for i in range(400)])
    assert Image.open(BytesIO(to_heatmap(wide))).width <= 4000


# --- Dask ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_dask_local_cluster_batch(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    folder = _small_folder(tmp_path)
    (folder / "glyph-bomb.pdf").write_bytes(glyph_bomb())
    shutil.copy(SAMPLES / "fr-code-armes" / "source.pdf", folder / "fr-code-armes.pdf")
    out = tmp_path / "out"
    scratch = tmp_path / "dask"
    checklist = _checklist(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  local_directory=str(scratch)) as cluster:
        result = run_batch(folder, out, scheduler=cluster.scheduler_address,
                           checklist=checklist, progress=False)
        records = _records(out)
        assert sorted(r["dossier"] for r in records) == sorted(
            p.name for p in folder.iterdir() if p.suffix in (".md", ".pdf"))
        assert result.failed == 0 and result.reviewed == len(records)
        assert all(r["worker"].split(":")[1] != str(os.getpid()) for r in records)
        statuses = {r["dossier"]: r["files"][0]["status"] for r in records}
        assert statuses["fr-code-armes.pdf"] == "ok" and statuses["zero-byte.pdf"] == "empty"
        assert statuses["glyph-bomb.pdf"] in READ  # read in a sandbox child of a Dask worker
        # Resuming against the cluster: nothing left to do.
        again = run_batch(folder, out, scheduler=cluster.scheduler_address,
                          checklist=checklist, progress=False)
        assert again.reviewed == 0 and again.skipped == len(records)
    assert (out / "matrix.xlsx").exists()


def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(CheckerError, match="cannot reach"):
        run_batch(_small_folder(tmp_path), tmp_path / "out", scheduler="tcp://127.0.0.1:9",
                  progress=False, connect_timeout=2)
