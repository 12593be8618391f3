"""The HTML report: one self-contained page to open in a browser, mail or archive.

The page loads nothing (inline CSS, no scripts, no images) and says so in its
Content-Security-Policy, so even a rendering mistake cannot make it fetch or run anything. Every
string that reaches the markup goes through `esc`, which is `html.escape(..., quote=True)`: document
text (titles, provision labels, quotes) can never become markup, and the same holds for every other
value, which costs nothing and leaves no string to forget.
"""

from __future__ import annotations

import html

from checker.models import DocumentInfo, Report
from checker.report.common import STATUS_ORDER, printable, reading_label, short_hash, status_label
from checker.report.content import (
    EvidenceView,
    Group,
    Item,
    ReportContent,
    ReportMeta,
    build_content,
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

def esc(text: str) -> str:
    """Escape text for element content and quoted attributes.

    Control characters (other than tab and newlines) are not allowed in HTML; they are shown as
    U+FFFD so a reader can see something was there instead of having it silently vanish.
    """
    return html.escape(printable(text), quote=True)


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


def _documents(content: ReportContent) -> list[str]:
    out = ['<section id="documents">', "<h2>Documents</h2>"]
    if not content.documents:
        return [*out, "<p>No documents were read.</p>", "</section>"]
    rows = [
        [
            esc(doc.title or doc.id),
            esc(doc.language),
            str(doc.pages) if doc.pages is not None else "n/a",
            esc(doc.status),
            esc(reading_label(doc)),
            f'<span class="hash" title="{esc(doc.sha256)}">{esc(short_hash(doc.sha256))}</span>',
            _warnings_cell(doc),
        ]
        for doc in content.documents
    ]
    header = ["Title", "Language", "Pages", "Status", "Read from", "SHA-256", "Warnings"]
    return [*out, *_table(header, rows), "</section>"]


def _breakdown(title: str, first: str, groups: tuple[Group, ...]) -> list[str]:
    if not groups:
        return []
    header = [esc(first), *(_badge(s) for s in STATUS_ORDER), "Total"]
    body = [
        [esc(g.key), *(str(n) for _, n in g.tally.items()), str(g.tally.total)] for g in groups
    ]
    return [f"<h3>{esc(title)}</h3>", *_table(header, body, numeric_from=1)]


def _summary(content: ReportContent) -> list[str]:
    total = len(content.items)
    noun = "obligation" if total == 1 else "obligations"
    rows = [[_badge(s), str(n)] for s, n in content.by_status.items()]
    rows.append(["Total", str(total)])
    out = ['<section id="summary">', "<h2>Summary</h2>", f"<p>{total} {noun} assessed.</p>"]
    if content.reviewed:
        tool = ", ".join(f"{n} {s}" for s, n in content.by_status_tool.items())
        out.append(
            f"<p>{content.reviewed} findings carry a reviewer decision ({content.changed} changed "
            f"the tool's status); the counts follow the status in force. The tool found: "
            f"{esc(tool)}.</p>"
        )
    return [
        *out,
        *_table(["Status", "Count"], rows, numeric_from=1),
        *_breakdown("By category", "Category", content.categories),
        *_breakdown("By level", "Level", content.levels),
        "</section>",
    ]


def _gap_list(content: ReportContent) -> list[str]:
    out = ['<section id="gaps">', "<h2>Gaps at a glance</h2>"]
    if not content.items:
        return [*out, "<p>No findings.</p>", "</section>"]
    if not content.gaps:
        return [*out, "<p>None: every obligation is met.</p>", "</section>"]
    out.append("<ul>")
    for item in content.gaps:
        link = f'<a href="#{item.anchor}">{esc(item.obligation_id)}</a>'
        out.append(f"<li>{_badge(item.status)} {link}: {esc(item.title)}</li>")
    return [*out, "</ul>", "</section>"]


def _evidence(item: EvidenceView) -> list[str]:
    lang_attr = f' lang="{esc(item.language)}"' if item.language else ""
    return [
        '<figure class="evidence">',
        f"<figcaption>{esc(item.label)}</figcaption>",
        f"<blockquote{lang_attr}>{esc(item.quote)}</blockquote>",
        "</figure>",
    ]


def _review(item: Item) -> list[str]:
    review = item.review
    if review is None:
        return []
    out = [f"<dt>Tool status</dt><dd>{_badge(item.tool_status)}</dd>"]
    who = f"{esc(review.reviewer)}, " if review.reviewer else ""
    out.append(f"<dt>Reviewed</dt><dd>{who}{esc(review.at)}</dd>")
    out.append(f"<dt>Reviewer reason</dt><dd>{esc(review.reason)}</dd>")
    if review.comment:
        out.append(f"<dt>Reviewer comment</dt><dd>{esc(review.comment)}</dd>")
    return out


def _finding(item: Item) -> list[str]:
    out = [
        f'<article class="finding {_status_class(item.status)}" id="{item.anchor}">',
        f"<h4>{esc(item.obligation_id)}: {esc(item.title)}</h4>",
        '<dl class="meta">',
        f"<dt>Status</dt><dd>{_badge(item.status)}</dd>",
        *_review(item),
        f"<dt>Level</dt><dd>{esc(item.level)}</dd>",
        f"<dt>Article</dt><dd>{esc(item.article)}</dd>",
        f"<dt>Confidence</dt><dd>{item.confidence:.2f}</dd>",
    ]
    if item.requirement:
        out.append(f"<dt>Requirement</dt><dd>{esc(item.requirement)}</dd>")
    out.append("</dl>")
    if item.reasons:
        out += ["<p>Reasons:</p>", "<ul>", *(f"<li>{esc(r)}</li>" for r in item.reasons), "</ul>"]
    if item.parameters:
        rows = [
            [
                esc(p.name),
                esc(p.required),
                esc(p.found) if p.found is not None else "not found",
                esc(p.outcome),
            ]
            for p in item.parameters
        ]
        out += ["<p>Parameter checks:</p>", *_table(["Parameter", "Required", "Found", "OK"], rows)]
    if item.elements_found:
        out.append(f"<p>Elements found: {esc(', '.join(item.elements_found))}</p>")
    if item.elements_missing:
        out.append(f"<p>Elements missing: {esc(', '.join(item.elements_missing))}</p>")
    if item.evidence:
        out.append("<p>Evidence:</p>")
        for evidence in item.evidence:
            out += _evidence(evidence)
    else:
        out.append("<p>Evidence: none found.</p>")
    if item.is_gap and item.model_law_chapter:
        out.append(f"<p>Model Law: {esc(item.model_law_chapter)}</p>")
    if item.is_gap and item.pitfalls:
        out += ["<p>Common pitfalls:</p>", "<ul>", *(f"<li>{esc(p)}</li>" for p in item.pitfalls),
                "</ul>"]
    return [*out, "</article>"]


def _findings(content: ReportContent) -> list[str]:
    out = ['<section id="findings">', "<h2>Findings</h2>"]
    if not content.items:
        return [*out, "<p>No findings.</p>", "</section>"]
    for group in content.categories:
        out.append(f"<h3>Category: {esc(group.key)}</h3>")
        for item in group.items:
            out += _finding(item)
    return [*out, "</section>"]


def html_from_content(content: ReportContent) -> str:
    """Lay out `content` as one HTML5 document ending in a newline."""
    title = esc(content.title)
    header = [f"<h1>{title}</h1>"]
    if content.country:
        header.append(f"<p>Country: {esc(content.country)}</p>")
    if content.date_given:
        header.append(f"<p>Date: {esc(content.date.isoformat())}</p>")
    header.append(f"<p>Produced by {esc(content.tool.name)} {esc(content.tool.version)}, "
                  f"report schema {esc(content.schema_version)}.</p>")
    if content.checklist_note:
        header.append(f"<p>{esc(content.checklist_note)}</p>")
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
        *header,
        "</header>",
        "<main>",
        *_documents(content),
        *_summary(content),
        *_gap_list(content),
        *_findings(content),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def to_html(report: Report, meta: ReportMeta | None = None) -> str:
    """Render the whole report as one HTML5 document ending in a newline."""
    return html_from_content(build_content(report, meta))
