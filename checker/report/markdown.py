"""The Markdown report: a readable gap report that renders on code hosts, wikis and editors.

Everything that comes from a document (titles, provision labels, quotes) or could echo one (reasons,
parameter values) is escaped so that it renders as the literal text it is. A law, or a file posing
as one, must not be able to place a link, an image, raw HTML or layout into the report. Whitespace
is folded to single spaces because a line break inside a quote would end the quote or the table
cell; the JSON report keeps the exact text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from checker.models import DocumentInfo, Evidence, Finding, Report
from checker.report.common import (
    category_rows,
    document_names,
    evidence_source,
    gaps,
    group_by_category,
    ok_label,
    ordered_statuses,
    report_title,
    short_hash,
    status_label,
    table_statuses,
)

# One pass, so the backslashes it adds are never escaped again. Besides the CommonMark and GFM
# metacharacters it breaks the triggers of extended autolinks: the `:` of `scheme://`, `@` of
# addresses, and a dot between a word and a letter (`www.example.com`, `example.com`).
_INLINE = re.compile(r"[\\`*_\[\]<>#|!~&$@{}]|:(?=//)|(?<=[^\W_])\.(?=[^\W\d_])")
# Markers that only mean something at the start of a line: bullets, ordered items, setext rules.
_LINE_START = re.compile(r"^(?:[-+=]|\d{1,9}(?=[.)]))")


def md_text(text: str) -> str:
    """Make arbitrary text inert inline Markdown: one line, every metacharacter escaped.

    Safe in headings, table cells and after other text on a line. Where the text opens a line or
    a container (a list item, a block quote), use `md_line`, which also defuses list markers.
    """
    flat = " ".join(text.split())
    return _INLINE.sub(lambda m: "\\" + m.group(0), flat)


def md_line(text: str) -> str:
    """Like `md_text`, for text opening a line: a leading `-`, `+`, `=` or `1.` stays literal."""
    escaped = md_text(text)
    match = _LINE_START.match(escaped)
    if match is None:
        return escaped
    if match.group(0)[0].isdigit():
        end = match.end()
        return escaped[:end] + "\\" + escaped[end:]
    return "\\" + escaped


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _warnings_cell(doc: DocumentInfo) -> str:
    if not doc.warnings:
        return "none"
    parts = []
    for diag in doc.warnings:
        where = f" p. {diag.page}" if diag.page is not None else ""
        parts.append(f"{diag.code.value}{where}: {md_text(diag.message)}")
    return "; ".join(parts)


def _documents(report: Report) -> list[str]:
    lines = ["## Documents", ""]
    if not report.documents:
        return [*lines, "No documents were read.", ""]
    rows = [
        [
            md_text(doc.title or doc.id),
            md_text(doc.language),
            str(doc.pages) if doc.pages is not None else "n/a",
            md_text(doc.status),
            md_text(short_hash(doc.sha256)),
            _warnings_cell(doc),
        ]
        for doc in report.documents
    ]
    header = ["Title", "Language", "Pages", "Status", "SHA-256", "Warnings"]
    return [*lines, *_table(header, rows), ""]


def _breakdown(title: str, first: str, rows: list[tuple[str, Mapping[str, int]]]) -> list[str]:
    if not rows:
        return []
    statuses = table_statuses(rows)
    header = [first, *(s.capitalize() for s in statuses), "Total"]
    body = [
        [md_text(name), *(str(counts.get(s, 0)) for s in statuses), str(sum(counts.values()))]
        for name, counts in rows
    ]
    return [f"### {title}", "", *_table(header, body), ""]


def _summary(report: Report) -> list[str]:
    summary = report.summary
    counts = ", ".join(
        f"{summary.by_status.get(s, 0)} {md_text(s)}" for s in ordered_statuses(summary.by_status)
    )
    noun = "obligation" if summary.total == 1 else "obligations"
    lines = ["## Summary", "", f"{summary.total} {noun} assessed: {counts}.", ""]
    lines += _breakdown("By category", "Category", category_rows(report))
    lines += _breakdown("By level", "Level", list(summary.by_level.items()))
    return lines


def _gap_list(report: Report) -> list[str]:
    lines = ["## Gaps at a glance", ""]
    found = gaps(report.findings)
    if not report.findings:
        return [*lines, "No findings.", ""]
    if not found:
        return [*lines, "None: every obligation is met.", ""]
    for finding in found:
        badge = f"**{status_label(finding.status)}**"
        lines.append(f"- {badge} {md_text(finding.obligation_id)}: {md_text(finding.title)}")
    return [*lines, ""]


def _evidence(item: Evidence, source: str | None) -> list[str]:
    label = md_line(item.provision) if item.provision.strip() else "unlabelled text"
    if item.page is not None:
        label += f", p. {item.page}"
    if source is not None:
        label += f" ({md_text(source)})"
    return [f"- {label}:", f"  > {md_line(item.quote)}"]


def _finding(report: Report, finding: Finding, names: Mapping[str, str]) -> list[str]:
    lines = [
        f"#### {md_text(finding.obligation_id)}: {md_text(finding.title)}",
        "",
        f"- Status: **{status_label(finding.status)}**",
        f"- Level: {md_text(finding.level)}",
        f"- Article: {md_text(finding.article)}",
        f"- Confidence: {finding.confidence:.2f}",
        "",
    ]
    if finding.reasons:
        lines += ["Reasons:", "", *(f"- {md_line(r)}" for r in finding.reasons), ""]
    if finding.parameters:
        rows = [
            [
                md_text(p.name),
                md_text(p.required),
                md_text(p.found) if p.found is not None else "not found",
                ok_label(p.ok),
            ]
            for p in finding.parameters
        ]
        lines += ["Parameter checks:", "", *_table(["Parameter", "Required", "Found", "OK"], rows)]
        lines.append("")
    if finding.elements_found:
        lines += [f"Elements found: {', '.join(md_text(e) for e in finding.elements_found)}", ""]
    if finding.elements_missing:
        missing = ", ".join(md_text(e) for e in finding.elements_missing)
        lines += [f"Elements missing: {missing}", ""]
    if finding.evidence:
        lines += ["Evidence:", ""]
        for item in finding.evidence:
            lines += _evidence(item, evidence_source(report, item.document, names))
        lines.append("")
    else:
        lines += ["Evidence: none found.", ""]
    return lines


def _findings(report: Report) -> list[str]:
    lines = ["## Findings", ""]
    if not report.findings:
        return [*lines, "No findings.", ""]
    names = document_names(report)
    for category, findings in group_by_category(report.findings):
        lines += [f"### Category: {md_text(category)}", ""]
        for finding in findings:
            lines += _finding(report, finding, names)
    return lines


def to_markdown(report: Report) -> str:
    """Render the whole report as CommonMark/GFM text ending in a single newline."""
    lines = [
        f"# {md_text(report_title(report))}",
        "",
        f"Produced by {md_text(report.tool.name)} {md_text(report.tool.version)}, "
        f"report schema {md_text(report.schema_version)}.",
        "",
    ]
    lines += _documents(report)
    lines += _summary(report)
    lines += _gap_list(report)
    lines += _findings(report)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
