"""Reviewer decisions: confirm or override a finding, with a reason, kept in SQLite.

The store is an append-only log (who, when, previous and new status, reason): nothing is ever
edited in place, and triggers refuse UPDATE and DELETE, so the history of every finding can be
shown. Decisions belong to a dossier, identified by the sha256 of its documents and the checklist,
so a review of the same documents can be reopened next week.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field

from checker.models import Frozen, Report, ReviewerDecision, Status

ENV_DB = "CHECKER_DB"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    previous_status TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_dossier ON decisions (dossier, obligation_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
"""


class Decision(Frozen):
    """One entry of the log."""

    dossier: str
    obligation_id: str
    previous_status: Status
    status: Status
    reason: str = Field(min_length=1)
    comment: str = ""
    reviewer: str = ""
    at: str


def default_path() -> Path:
    """`$CHECKER_DB`, else a file in the user's data folder."""
    configured = os.environ.get(ENV_DB)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "checker" / "reviews.sqlite3"


def connect(path: str | Path | None = None) -> sqlite3.Connection:
    """Open (and create) the decision store."""
    target = Path(path) if path is not None else default_path()
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(target), check_same_thread=False)
    connection.executescript(_SCHEMA)
    return connection


def dossier_key(report: Report) -> str:
    """The identity of a reviewed dossier: its documents' content and the checklist."""
    digest = hashlib.sha256()
    for sha in sorted(d.sha256 for d in report.documents):
        digest.update(sha.encode() + b"\n")
    digest.update(f"{report.checklist.id}\n".encode())
    return digest.hexdigest()


def record(connection: sqlite3.Connection, *, dossier: str, obligation_id: str,
           previous_status: Status, status: Status, reason: str, comment: str = "",
           reviewer: str = "", at: datetime | None = None) -> Decision:
    """Append a decision; a blank reason is refused (ValueError from validation)."""
    decision = Decision(
        dossier=dossier, obligation_id=obligation_id, previous_status=previous_status,
        status=status, reason=reason.strip(), comment=comment.strip(), reviewer=reviewer.strip(),
        at=(at or datetime.now(UTC)).isoformat(timespec="seconds"),
    )
    with connection:
        connection.execute(
            "INSERT INTO decisions (dossier, obligation_id, previous_status, status, reason, "
            "comment, reviewer, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (decision.dossier, decision.obligation_id, decision.previous_status, decision.status,
             decision.reason, decision.comment, decision.reviewer, decision.at),
        )
    return decision


def _rows(rows: Iterable[tuple[str, ...]]) -> tuple[Decision, ...]:
    fields = ("dossier", "obligation_id", "previous_status", "status", "reason", "comment",
              "reviewer", "at")
    return tuple(Decision.model_validate(dict(zip(fields, row, strict=True))) for row in rows)


def history(connection: sqlite3.Connection, dossier: str, obligation_id: str | None = None
            ) -> tuple[Decision, ...]:
    """Every decision of a dossier (or of one finding), oldest first."""
    query = ("SELECT dossier, obligation_id, previous_status, status, reason, comment, reviewer, "
             "at FROM decisions WHERE dossier = ?")
    params: list[str] = [dossier]
    if obligation_id is not None:
        query += " AND obligation_id = ?"
        params.append(obligation_id)
    return _rows(connection.execute(query + " ORDER BY id", params))


def latest(connection: sqlite3.Connection, dossier: str) -> dict[str, Decision]:
    """The decision in force for each finding of a dossier."""
    return {d.obligation_id: d for d in history(connection, dossier)}


def apply_decisions(report: Report, decisions: Mapping[str, Decision]) -> Report:
    """The report with each reviewed finding carrying its reviewer decision beside the tool's."""
    findings = tuple(
        f.model_copy(update={"review": ReviewerDecision(
            status=d.status, previous_status=d.previous_status, reason=d.reason,
            comment=d.comment, reviewer=d.reviewer, at=d.at)})
        if (d := decisions.get(f.obligation_id)) is not None else f
        for f in report.findings
    )
    return report.model_copy(update={"findings": findings})
