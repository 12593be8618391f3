"""The Markdown report: a readable gap report that renders on code hosts, wikis and editors.

Everything that comes from a document (titles, provision labels, quotes) or could echo one (reasons,
parameter values) is escaped so that it renders as the literal text it is. A law, or a file posing
as one, must not be able to place a link, an image, raw HTML or layout into the report. Whitespace
is folded to single spaces because a line break inside a quote would end the quote or the table
cell; the JSON report keeps the exact text.
"""

from __future__ import annotations

import re

from checker.models import DocumentInfo, Report
from checker.report.common import ok_label, reading_label, short_hash, status_label
from checker.report.content import (
    EvidenceView,
    Group,
    Item,
    ReportContent,
    ReportMeta,
    build_content,
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


def _documents(content: ReportContent) -> list[str]:
    lines = ["## Documents", ""]
    if not content.documents:
        return [*lines, "No documents were read.", ""]
    rows = [
        [
            md_text(doc.title or doc.id),
            md_text(doc.language),
            str(doc.pages) if doc.pages is not None else "n/a",
            md_text(doc.status),
            md_text(reading_label(doc)),
            md_text(short_hash(doc.sha256)),
            _warnings_cell(doc),
        ]
        for doc in content.documents
    ]
    header = ["Title", "Language", "Pages", "Status", "Read from", "SHA-256", "Warnings"]
    return [*lines, *_table(header, rows), ""]


def _breakdown(title: str, first: str, groups: tuple[Group, ...]) -> list[str]:
    if not groups:
        return []
    header = [first, *(s.capitalize() for s, _ in groups[0].tally.items()), "Total"]
    body = [
        [md_text(g.key), *(str(n) for _, n in g.tally.items()), str(g.tally.total)]
        for g in groups
    ]
    return [f"### {title}", "", *_table(header, body), ""]


def _summary(content: ReportContent) -> list[str]:
    total = len(content.items)
    counts = ", ".join(f"{n} {s}" for s, n in content.by_status.items())
    noun = "obligation" if total == 1 else "obligations"
    lines = ["## Summary", "", f"{total} {noun} assessed: {counts}.", ""]
    if content.reviewed:
        tool = ", ".join(f"{n} {s}" for s, n in content.by_status_tool.items())
        lines += [
            f"{content.reviewed} findings carry a reviewer decision ({content.changed} changed "
            f"the tool's status); the counts follow the status in force. The tool found: {tool}.",
            "",
        ]
    lines += _breakdown("By category", "Category", content.categories)
    lines += _breakdown("By level", "Level", content.levels)
    return lines


def _gap_list(content: ReportContent) -> list[str]:
    lines = ["## Gaps at a glance", ""]
    if not content.items:
        return [*lines, "No findings.", ""]
    if not content.gaps:
        return [*lines, "None: every obligation is met.", ""]
    for item in content.gaps:
        badge = f"**{status_label(item.status)}**"
        lines.append(f"- {badge} {md_text(item.obligation_id)}: {md_text(item.title)}")
    return [*lines, ""]


def _evidence(item: EvidenceView) -> list[str]:
    return [f"- {md_line(item.label)}:", f"  > {md_line(item.quote)}"]


def _review(item: Item) -> list[str]:
    review = item.review
    if review is None:
        return []
    lines = [f"- Tool status: **{status_label(item.tool_status)}**"]
    who = f"{md_text(review.reviewer)}, " if review.reviewer else ""
    lines.append(f"- Reviewed: {who}{md_text(review.at)}")
    lines.append(f"- Reviewer reason: {md_text(review.reason)}")
    if review.comment:
        lines.append(f"- Reviewer comment: {md_text(review.comment)}")
    return lines


def _finding(item: Item) -> list[str]:
    lines = [
        f"#### {md_text(item.obligation_id)}: {md_text(item.title)}",
        "",
        f"- Status: **{status_label(item.status)}**",
        *_review(item),
        f"- Level: {md_text(item.level)}",
        f"- Article: {md_text(item.article)}",
        f"- Confidence: {item.confidence:.2f}",
    ]
    if item.requirement:
        lines.append(f"- Requirement: {md_text(item.requirement)}")
    lines.append("")
    if item.reasons:
        lines += ["Reasons:", "", *(f"- {md_line(r)}" for r in item.reasons), ""]
    if item.parameters:
        rows = [
            [
                md_text(p.name),
                md_text(p.required),
                md_text(p.found) if p.found is not None else "not found",
                ok_label(p.ok),
            ]
            for p in item.parameters
        ]
        lines += ["Parameter checks:", "", *_table(["Parameter", "Required", "Found", "OK"], rows)]
        lines.append("")
    if item.elements_found:
        lines += [f"Elements found: {', '.join(md_text(e) for e in item.elements_found)}", ""]
    if item.elements_missing:
        missing = ", ".join(md_text(e) for e in item.elements_missing)
        lines += [f"Elements missing: {missing}", ""]
    if item.evidence:
        lines += ["Evidence:", ""]
        for evidence in item.evidence:
            lines += _evidence(evidence)
        lines.append("")
    else:
        lines += ["Evidence: none found.", ""]
    if item.is_gap and item.model_law_chapter:
        lines += [f"Model Law: {md_text(item.model_law_chapter)}", ""]
    if item.is_gap and item.pitfalls:
        lines += ["Common pitfalls:", "", *(f"- {md_line(p)}" for p in item.pitfalls), ""]
    return lines


def _findings(content: ReportContent) -> list[str]:
    lines = ["## Findings", ""]
    if not content.items:
        return [*lines, "No findings.", ""]
    for group in content.categories:
        lines += [f"### Category: {md_text(group.key)}", ""]
        for item in group.items:
            lines += _finding(item)
    return lines


def markdown_from_content(content: ReportContent) -> str:
    """Lay out `content` as CommonMark/GFM text ending in a single newline."""
    lines = [f"# {md_text(content.title)}", ""]
    if content.country:
        lines += [f"Country: {md_text(content.country)}", ""]
    if content.date_given:
        lines += [f"Date: {content.date.isoformat()}", ""]
    lines += [
        f"Produced by {md_text(content.tool.name)} {md_text(content.tool.version)}, "
        f"report schema {md_text(content.schema_version)}.",
        "",
    ]
    if content.checklist_note:
        lines += [md_line(content.checklist_note), ""]
    lines += _documents(content)
    lines += _summary(content)
    lines += _gap_list(content)
    lines += _findings(content)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def to_markdown(report: Report, meta: ReportMeta | None = None) -> str:
    """Render the whole report as CommonMark/GFM text ending in a single newline."""
    return markdown_from_content(build_content(report, meta))
