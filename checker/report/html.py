"""The HTML report: one self-contained page to open in a browser, mail or archive.

The page loads nothing (inline CSS, no scripts, no images) and says so in its
Content-Security-Policy, so even a rendering mistake cannot make it fetch or run anything. Every
string that reaches the markup goes through `esc`, which is `html.escape(..., quote=True)`: document
text (titles, provision labels, quotes) can never become markup, and the same holds for every other
value, which costs nothing and leaves no string to forget.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from checker.models import DocumentInfo, Evidence, Finding, Report
from checker.report.common import (
    STATUS_ORDER,
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

CSP = "default-src 'none'; style-src 'unsafe-inline'"

# Colour marks status, the text badge carries it: readers who cannot tell the colours apart, and
# black-and-white printouts, still get the word.
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5;
  color: #1f2328; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3, h4 { line-height: 1.25; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left;
  vertical-align: top; }
td.num, th.num { text-align: right; }
ul.warnings { margin: 0; padding-left: 1.1rem; }
.hash { font-family: ui-monospace, monospace; }
.badge { display: inline-block; padding: 0 0.45em; border-radius: 0.25em; color: #fff;
  font-weight: 600; font-size: 0.85em; letter-spacing: 0.03em;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.badge.s-met { background: #1a7f37; }
.badge.s-partial { background: #9a6700; }
.badge.s-missing { background: #cf222e; }
.badge.s-unclear, .badge.s-other { background: #6e7781; }
article.finding { border-left: 0.35rem solid #d0d7de; padding: 0.1rem 1rem; margin: 1.5rem 0; }
article.finding.s-met { border-left-color: #1a7f37; }
article.finding.s-partial { border-left-color: #9a6700; }
article.finding.s-missing { border-left-color: #cf222e; }
article.finding.s-unclear { border-left-color: #6e7781; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
figure.evidence { margin: 0.5rem 0 1rem; }
figure.evidence figcaption { font-weight: 600; }
blockquote { margin: 0.25rem 0; padding: 0.4rem 0.8rem; border-left: 3px solid #d0d7de;
  background: #f6f8fa; white-space: pre-wrap; overflow-wrap: anywhere; }
""".strip()

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


def esc(text: str) -> str:
    """Escape text for element content and quoted attributes.

    Control characters (other than tab and newlines) are not allowed in HTML; they are shown as
    U+FFFD so a reader can see something was there instead of having it silently vanish.
    """
    return html.escape(_CONTROL.sub("\ufffd", text), quote=True)


def _status_class(status: str) -> str:
    return f"s-{status}" if status in STATUS_ORDER else "s-other"


def _badge(status: str) -> str:
    return f'<span class="badge {_status_class(status)}">{esc(status_label(status))}</span>'


def _table(header: list[str], rows: list[list[str]], numeric_from: int | None = None) -> list[str]:
    """A table from already-escaped cells; columns from `numeric_from` on are right-aligned."""

    def cell(tag: str, index: int, content: str) -> str:
        numeric = numeric_from is not None and index >= numeric_from
        attr = ' class="num"' if numeric else ""
        return f"<{tag}{attr}>{content}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    out = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    return [*out, "</tbody>", "</table>"]


def _warnings_cell(doc: DocumentInfo) -> str:
    if not doc.warnings:
        return "none"
    items = []
    for diag in doc.warnings:
        where = f" p. {diag.page}" if diag.page is not None else ""
        items.append(f"<li>{esc(diag.code.value)}{where}: {esc(diag.message)}</li>")
    return '<ul class="warnings">' + "".join(items) + "</ul>"


def _documents(report: Report) -> list[str]:
    out = ['<section id="documents">', "<h2>Documents</h2>"]
    if not report.documents:
        return [*out, "<p>No documents were read.</p>", "</section>"]
    rows = [
        [
            esc(doc.title or doc.id),
            esc(doc.language),
            str(doc.pages) if doc.pages is not None else "n/a",
            esc(doc.status),
            f'<span class="hash" title="{esc(doc.sha256)}">{esc(short_hash(doc.sha256))}</span>',
            _warnings_cell(doc),
        ]
        for doc in report.documents
    ]
    header = ["Title", "Language", "Pages", "Status", "SHA-256", "Warnings"]
    return [*out, *_table(header, rows), "</section>"]


def _breakdown(title: str, first: str, rows: list[tuple[str, Mapping[str, int]]]) -> list[str]:
    if not rows:
        return []
    statuses = table_statuses(rows)
    header = [esc(first), *(_badge(s) for s in statuses), "Total"]
    body = [
        [esc(name), *(str(counts.get(s, 0)) for s in statuses), str(sum(counts.values()))]
        for name, counts in rows
    ]
    return [f"<h3>{esc(title)}</h3>", *_table(header, body, numeric_from=1)]


def _summary(report: Report) -> list[str]:
    summary = report.summary
    noun = "obligation" if summary.total == 1 else "obligations"
    rows = [
        [_badge(s), str(summary.by_status.get(s, 0))] for s in ordered_statuses(summary.by_status)
    ]
    rows.append(["Total", str(summary.total)])
    return [
        '<section id="summary">',
        "<h2>Summary</h2>",
        f"<p>{summary.total} {noun} assessed.</p>",
        *_table(["Status", "Count"], rows, numeric_from=1),
        *_breakdown("By category", "Category", category_rows(report)),
        *_breakdown("By level", "Level", list(summary.by_level.items())),
        "</section>",
    ]


def _anchors(report: Report) -> dict[int, str]:
    """Fragment ids by finding position; positions, unlike obligation ids, are always valid ids."""
    return {id(f): f"finding-{i}" for i, f in enumerate(report.findings, start=1)}


def _gap_list(report: Report, anchors: Mapping[int, str]) -> list[str]:
    out = ['<section id="gaps">', "<h2>Gaps at a glance</h2>"]
    found = gaps(report.findings)
    if not report.findings:
        return [*out, "<p>No findings.</p>", "</section>"]
    if not found:
        return [*out, "<p>None: every obligation is met.</p>", "</section>"]
    out.append("<ul>")
    for f in found:
        link = f'<a href="#{anchors[id(f)]}">{esc(f.obligation_id)}</a>'
        out.append(f"<li>{_badge(f.status)} {link}: {esc(f.title)}</li>")
    return [*out, "</ul>", "</section>"]


def _evidence(item: Evidence, source: str | None, lang: str | None) -> list[str]:
    label = esc(item.provision) if item.provision.strip() else "unlabelled text"
    if item.page is not None:
        label += f", p. {item.page}"
    if source is not None:
        label += f" ({esc(source)})"
    lang_attr = f' lang="{esc(lang)}"' if lang else ""
    return [
        '<figure class="evidence">',
        f"<figcaption>{label}</figcaption>",
        f"<blockquote{lang_attr}>{esc(item.quote)}</blockquote>",
        "</figure>",
    ]


def _languages(report: Report) -> dict[str, str | None]:
    """Document id to a usable `lang` value, so quotes are read and hyphenated in their language."""
    return {
        doc.id: doc.language if doc.language != "und" and _LANG_TAG.match(doc.language) else None
        for doc in report.documents
    }


def _finding(
    report: Report,
    f: Finding,
    anchor: str,
    names: Mapping[str, str],
    languages: Mapping[str, str | None],
) -> list[str]:
    out = [
        f'<article class="finding {_status_class(f.status)}" id="{anchor}">',
        f"<h4>{esc(f.obligation_id)}: {esc(f.title)}</h4>",
        '<dl class="meta">',
        f"<dt>Status</dt><dd>{_badge(f.status)}</dd>",
        f"<dt>Level</dt><dd>{esc(f.level)}</dd>",
        f"<dt>Article</dt><dd>{esc(f.article)}</dd>",
        f"<dt>Confidence</dt><dd>{f.confidence:.2f}</dd>",
        "</dl>",
    ]
    if f.reasons:
        out += ["<p>Reasons:</p>", "<ul>", *(f"<li>{esc(r)}</li>" for r in f.reasons), "</ul>"]
    if f.parameters:
        rows = [
            [
                esc(p.name),
                esc(p.required),
                esc(p.found) if p.found is not None else "not found",
                ok_label(p.ok),
            ]
            for p in f.parameters
        ]
        out += ["<p>Parameter checks:</p>", *_table(["Parameter", "Required", "Found", "OK"], rows)]
    if f.elements_found:
        out.append(f"<p>Elements found: {esc(', '.join(f.elements_found))}</p>")
    if f.elements_missing:
        out.append(f"<p>Elements missing: {esc(', '.join(f.elements_missing))}</p>")
    if f.evidence:
        out.append("<p>Evidence:</p>")
        for item in f.evidence:
            source = evidence_source(report, item.document, names)
            out += _evidence(item, source, languages.get(item.document))
    else:
        out.append("<p>Evidence: none found.</p>")
    return [*out, "</article>"]


def _findings(report: Report, anchors: Mapping[int, str]) -> list[str]:
    out = ['<section id="findings">', "<h2>Findings</h2>"]
    if not report.findings:
        return [*out, "<p>No findings.</p>", "</section>"]
    names = document_names(report)
    languages = _languages(report)
    for category, findings in group_by_category(report.findings):
        out.append(f"<h3>Category: {esc(category)}</h3>")
        for f in findings:
            out += _finding(report, f, anchors[id(f)], names, languages)
    return [*out, "</section>"]


def to_html(report: Report) -> str:
    """Render the whole report as one HTML5 document ending in a newline."""
    title = esc(report_title(report))
    anchors = _anchors(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # A constant without `"` or `&`, written raw so the policy reads as it is meant.
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{title}</h1>",
        f"<p>Produced by {esc(report.tool.name)} {esc(report.tool.version)}, "
        f"report schema {esc(report.schema_version)}.</p>",
        "</header>",
        "<main>",
        *_documents(report),
        *_summary(report),
        *_gap_list(report, anchors),
        *_findings(report, anchors),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
