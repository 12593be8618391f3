"""Reviewer decisions: an append-only log per dossier, applied beside the tool's status."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from checker import review
from checker.decisions import apply_decisions, connect, dossier_key, history, latest, record
from checker.models import Report

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "samples" / "en-weak-arms-act"
RETENTION = "fp.art7.record-retention-10y"


@pytest.fixture(scope="module")
def report() -> Report:
    return review(SAMPLE / "text.md")


def test_decisions_are_kept_in_order_and_survive_reopening(tmp_path: Path, report: Report) -> None:
    path = tmp_path / "reviews.sqlite3"
    key = dossier_key(report)
    first = connect(path)
    record(first, dossier=key, obligation_id=RETENTION, previous_status="partial",
           status="missing", reason="Five years only.", reviewer="A. Drafter",
           at=datetime(2026, 1, 5, tzinfo=UTC))
    record(first, dossier=key, obligation_id=RETENTION, previous_status="missing",
           status="partial", reason="Regulation adds ten years for dealers.", comment="see reg. 4")
    first.close()
    reopened = connect(path)
    assert [d.status for d in history(reopened, key, RETENTION)] == ["missing", "partial"]
    assert latest(reopened, key)[RETENTION].reason == "Regulation adds ten years for dealers."
    assert history(reopened, "another dossier") == ()


@pytest.mark.parametrize("statement", ["UPDATE decisions SET status = 'met'",
                                       "DELETE FROM decisions"])
def test_log_cannot_be_edited(report: Report, statement: str) -> None:
    connection = connect(":memory:")
    record(connection, dossier=dossier_key(report), obligation_id=RETENTION,
           previous_status="partial", status="met", reason="Checked.")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(statement)


def test_a_reason_is_required(report: Report) -> None:
    with pytest.raises(ValidationError):
        record(connect(":memory:"), dossier=dossier_key(report), obligation_id=RETENTION,
               previous_status="partial", status="met", reason="   ")


def test_reviewed_status_stands_beside_the_tools(report: Report) -> None:
    connection = connect(":memory:")
    key = dossier_key(report)
    record(connection, dossier=key, obligation_id=RETENTION, previous_status="partial",
           status="missing", reason="Five years only.")
    reviewed = apply_decisions(report, latest(connection, key))
    finding = next(f for f in reviewed.findings if f.obligation_id == RETENTION)
    assert finding.status == "partial" and finding.review is not None
    assert finding.review.status == "missing"
    assert sum(f.review is not None for f in reviewed.findings) == 1


def test_dossier_key_depends_on_documents_and_checklist(report: Report) -> None:
    other = review(SAMPLE.parent / "en-commonwealth-firearms-act" / "text.md")
    assert dossier_key(report) != dossier_key(other)
    assert dossier_key(report) == dossier_key(review(SAMPLE / "text.md"))
