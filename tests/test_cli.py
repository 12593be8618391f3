"""The command line, end to end: formats, exit codes, checklist export, help on every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from locations import ROOT
from typer.testing import CliRunner

from checker.cli import app
from checker.report import SCHEMA_PATH

SAMPLE = ROOT / "corpora" / "samples" / "en-weak-arms-act" / "text.md"
runner = CliRunner()


@pytest.mark.parametrize(("fmt", "marker"), [("json", '"schema_version": "1"'),
                                            ("md", "# "), ("html", "<!DOCTYPE html>")])
def test_review_writes_each_format(tmp_path: Path, fmt: str, marker: str) -> None:
    output = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["review", str(SAMPLE), "--format", fmt, "--output", str(output),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert marker in output.read_text(encoding="utf-8")


def test_json_report_follows_the_published_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    output = tmp_path / "report.json"
    runner.invoke(app, ["review", str(SAMPLE), "-o", str(output), "-q"])
    report = json.loads(output.read_text(encoding="utf-8"))
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert len(report["findings"]) == 99


def test_dossier_with_a_bad_file_still_reports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"oops\n")
    output = tmp_path / "report.json"
    result = runner.invoke(app, ["review", str(SAMPLE), str(bad), "-o", str(output), "-q"])
    assert result.exit_code == 1
    report = json.loads(output.read_text(encoding="utf-8"))
    assert [d["status"] for d in report["documents"]] == ["ok", "not_pdf"]
    assert report["summary"]["by_status"]["met"] + report["summary"]["by_status"]["partial"] > 0


def test_only_unreadable_files_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["review", str(bad), "-o", str(tmp_path / "r.json"), "-q"])
    assert result.exit_code == 3


@pytest.mark.parametrize(
    ("args", "code"),
    [(["review", str(SAMPLE), "--format", "pdfx"], 2),
     (["review", str(SAMPLE), "--checklist", "nonexistent"], 4),
     (["review", str(SAMPLE), "--level", "compulsory"], 2)],
    ids=["bad-format", "unknown-checklist", "bad-level"],
)
def test_usage_errors_have_codes(args: list[str], code: int) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code


def test_checklist_export_lists_every_obligation() -> None:
    result = runner.invoke(app, ["checklist", "export", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["obligations"]) == 99
    assert {"id", "article", "category", "level"} <= set(data["obligations"][0])


def test_checklist_validate() -> None:
    result = runner.invoke(app, ["checklist", "validate"])
    assert result.exit_code == 0 and "valid" in result.output


def test_checklist_list_states_the_languages_each_checklist_can_read() -> None:
    result = runner.invoke(app, ["checklist", "list"])
    assert result.exit_code == 0
    line = next(li for li in result.output.splitlines() if li.startswith("firearms-protocol\t"))
    languages = line.split("languages: ")[1].split(", ")
    assert {"en", "fr", "es"} <= set(languages)  # complete languages carry no count


@pytest.mark.parametrize("command", [[], ["review"], ["checklist"], ["checklist", "export"],
                                     ["checklist", "validate"], ["checklist", "list"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_console_script_runs(tmp_path: Path) -> None:
    output = tmp_path / "r.md"
    completed = subprocess.run(
        [sys.executable, "-m", "checker.cli", "review", str(SAMPLE), "-f", "md", "-o", str(output)],
        capture_output=True, text=True, check=False, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    assert "met=" in completed.stderr and output.exists()
