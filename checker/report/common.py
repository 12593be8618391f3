"""Presentation rules shared by the human-readable writers (Markdown, HTML, and later others).

Keeping ordering and wording here means every format lists findings, gaps and counts the same way,
so a reader switching from the HTML page to the Markdown file sees the same report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from checker.models import Finding, Report

STATUS_ORDER: tuple[str, ...] = ("met", "partial", "missing", "unclear")
"""Column order for status counts: from best to least known."""

GAP_ORDER: tuple[str, ...] = ("missing", "unclear", "partial")
"""Order of the gap list: what is absent first, then what could not be judged, then what is thin."""

SHORT_HASH = 12


def status_label(status: str) -> str:
    """The text badge for a status; colour is never the only signal, so the word is always shown."""
    return status.upper()


def ok_label(ok: bool | None) -> str:
    """A parameter check's outcome in words; None means the value could not be established."""
    if ok is None:
        return "undetermined"
    return "yes" if ok else "no"


def short_hash(sha256: str) -> str:
    """Enough of the digest to tell files apart at a glance; the JSON keeps the full value."""
    return sha256[:SHORT_HASH]


def report_title(report: Report) -> str:
    return f"Gap report: {report.checklist.id} {report.checklist.version}"


def group_by_category(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by category, both in checklist order.

    Findings arrive in checklist order, so the first appearance of a category fixes its place; no
    category list is hard-coded here, which keeps new checklist categories working unchanged.
    """
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.category, []).append(finding)
    return list(groups.items())


def gaps(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that are not met, most serious status first, checklist order within a status."""
    indexed = [(i, f) for i, f in enumerate(findings) if f.status in GAP_ORDER]
    indexed.sort(key=lambda pair: (GAP_ORDER.index(pair[1].status), pair[0]))
    return [f for _, f in indexed]


def ordered_statuses(counts: Mapping[str, int]) -> list[str]:
    """Known statuses in fixed order, then any others in the counts, so none is silently lost."""
    extra = sorted(k for k in counts if k not in STATUS_ORDER)
    return [*STATUS_ORDER, *extra]


def category_rows(report: Report) -> list[tuple[str, Mapping[str, int]]]:
    """Per-category counts from the summary, ordered like the findings."""
    order = [category for category, _ in group_by_category(report.findings)]
    order += [c for c in report.summary.by_category if c not in order]
    return [(c, report.summary.by_category.get(c, {})) for c in order]


def table_statuses(rows: Iterable[tuple[str, Mapping[str, int]]]) -> list[str]:
    """Status columns for a breakdown table: the fixed four plus any extra seen in the rows."""
    merged: dict[str, int] = {}
    for _, counts in rows:
        merged.update(counts)
    return ordered_statuses(merged)


def document_names(report: Report) -> dict[str, str]:
    """Document id to title, to name the source of a quote when a report covers several files."""
    return {doc.id: doc.title or doc.id for doc in report.documents}


def evidence_source(report: Report, document_id: str, names: Mapping[str, str]) -> str | None:
    """The document to name beside a quote, or None when the report has a single document."""
    if len(report.documents) <= 1:
        return None
    return names.get(document_id, document_id)
