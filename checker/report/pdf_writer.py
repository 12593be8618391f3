"""The PDF report: the Word report's content, laid out for print with WeasyPrint.

The HTML built here is for the PDF only (paged media: a title page, a contents list with page
numbers, running footers with "page X of Y"); the PDF is tagged for screen readers. Every string
passes through `esc`, the HTML page's escaper, so document text can never become markup. Rendering
cannot reach the network or the file system: the URL fetcher refuses everything but `data:` URIs,
and the one image, the coverage chart, is embedded as a `data:` PNG.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from checker.models import Report
from checker.report.chart import CHART_ALT, coverage_chart
from checker.report.common import (
    STATUS_COLOURS,
    STATUS_GUIDE,
    STATUS_ORDER,
    reading_label,
    status_label,
)
from checker.report.content import Item, ReportContent, ReportMeta, Tally, build_content
from checker.report.html import esc

_CSS = """
@page {
  size: A4; margin: 20mm 18mm 20mm 18mm;
  @bottom-left { content: string(country) string(doc-title); font-size: 7.5pt; color: #57606a; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt;
    color: #57606a; }
}
@page :first { @bottom-left { content: none; } @bottom-right { content: none; } }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt;
  line-height: 1.4; color: #1f2328; }
h1, h2, h3, h4 { line-height: 1.25; break-after: avoid; }
h1.title { font-size: 22pt; margin: 0 0 4mm; string-set: doc-title content(); }
h2 { font-size: 15pt; margin: 0 0 3mm; border-bottom: 1.5pt solid #1f2328; padding-bottom: 1mm; }
h3 { font-size: 12pt; margin: 6mm 0 2mm; color: #24292f; }
h4 { font-size: 10pt; margin: 5mm 0 1mm; }
section.part { break-before: page; }
.title-page { break-after: page; }
.title-page .country { font-size: 16pt; font-weight: 700; margin: 30mm 0 3mm;
  color: #57606a; string-set: country content() " — "; }
.title-page .no-country { margin-top: 30mm; }
.subtitle { font-size: 12pt; color: #57606a; margin: 0 0 10mm; }
.small { font-size: 7.5pt; color: #57606a; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 6.5pt; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 1.5mm 0 3mm; table-layout: fixed; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.5pt solid #afb8c1; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: #e7eaee; }
td.num, th.num { text-align: right; }
table.facts th { width: 35mm; }
.badge { display: inline-block; padding: 0 1.2mm; border-radius: 0.8mm; color: #fff;
  font-weight: 700; font-size: 7.5pt; letter-spacing: 0.03em; }
""" + "\n".join(
    f".badge.s-{status} {{ background: {colour}; }}" for status, colour in STATUS_COLOURS.items()
) + """
.badge.s-other { background: #6e7781; }
article.finding { margin: 0 0 4mm; padding-left: 3mm; border-left: 1.2mm solid #d0d7de; }
""" + "\n".join(
    f"article.finding.s-{status} {{ border-left-color: {colour}; }}"
    for status, colour in STATUS_COLOURS.items()
) + """
.label { font-weight: 700; }
p { margin: 1mm 0; }
ul { margin: 1mm 0 2mm; padding-left: 5mm; }
td.quote { white-space: pre-wrap; }
figure { margin: 2mm 0; text-align: center; }
figure img { width: 100%; }
figcaption { font-size: 8pt; color: #57606a; }
nav.contents ul { list-style: none; padding: 0; }
nav.contents li { margin: 0.6mm 0; }
nav.contents li.l2 { padding-left: 6mm; }
nav.contents a { color: inherit; text-decoration: none; }
nav.contents a::after { content: leader(".") target-counter(attr(href), page); }
""".strip()


def _status_class(status: str) -> str:
    return f"s-{status}" if status in STATUS_ORDER else "s-other"


def _badge(status: str) -> str:
    return f'<span class="badge {_status_class(status)}">{esc(status_label(status))}</span>'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int | None = None,
           css: str = "", widths: Sequence[str] = ()) -> str:
    """A table from already-escaped cells, its header repeated on every page it spans."""

    def attr(index: int) -> str:
        return ' class="num"' if numeric_from is not None and index >= numeric_from else ""

    cols = "".join(f'<col style="width: {w}">' for w in widths)
    head = "".join(f"<th{attr(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{attr(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    klass = f' class="{css}"' if css else ""
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    return f"<table{klass}>{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tally_table(first: str, groups: Sequence[tuple[str, Tally]]) -> str:
    header = [esc(first), *(_badge(s) for s in STATUS_ORDER), "Total"]
    rows = [[esc(name), *(str(t.get(s)) for s in STATUS_ORDER), str(t.total)]
            for name, t in groups]
    return _table(header, rows, numeric_from=1, widths=("35%", *("13%",) * 5))


def _title_page(content: ReportContent) -> list[str]:
    out = ['<section class="title-page">']
    if content.country:
        out.append(f'<p class="country">{esc(content.country)}</p>')
    else:
        out.append('<p class="no-country"></p>')
    out.append(f'<h1 class="title">{esc(content.title)}</h1>')
    if content.checklist_title:
        out.append(f'<p class="subtitle">{esc(content.checklist_title)}</p>')
    facts = [
        ["Checklist", f"{esc(content.checklist_id)}, version {esc(content.checklist_version)}"],
        ["Tool", f"{esc(content.tool.name)} {esc(content.tool.version)}"],
        ["Report schema", esc(content.schema_version)],
        ["Date", esc(content.date.isoformat())],
    ]
    if content.country:
        facts.insert(0, ["Country", esc(content.country)])
    out.append('<table class="facts"><tbody>' + "".join(
        f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</tbody></table>")
    if content.checklist_note:
        out.append(f"<p>{esc(content.checklist_note)}</p>")
    out.append('<p class="label">Documents reviewed</p>')
    if not content.documents:
        out.append("<p>No documents were read.</p>")
    else:
        rows = [
            [esc(d.title or d.id), esc(d.path), f'<span class="hash">{esc(d.sha256)}</span>',
             esc(d.language), str(d.pages) if d.pages is not None else "n/a", esc(d.status),
             esc(reading_label(d))]
            for d in content.documents
        ]
        out.append(_table(["Title", "File", "SHA-256", "Language", "Pages", "Status",
                           "Read from"], rows,
                          widths=("16%", "16%", "24%", "9%", "8%", "10%", "17%")))
        warnings = [
            f"<li>{esc(d.title or d.id)}: {esc(w.code.value)}"
            + (f" p. {w.page}" if w.page is not None else "") + f": {esc(w.message)}</li>"
            for d in content.documents for w in d.warnings
        ]
        if warnings:
            out += ["<p>Reading warnings:</p>", "<ul>", *warnings, "</ul>"]
    return [*out, "</section>"]


def _contents(content: ReportContent) -> list[str]:
    entries = ['<li class="l1"><a href="#summary">Executive summary</a></li>']
    for index, section in enumerate(content.sections, start=1):
        entries.append(f'<li class="l1"><a href="#part-{index}">{esc(section.heading)}</a></li>')
        for sub, group in enumerate(section.categories, start=1):
            entries.append(
                f'<li class="l2"><a href="#part-{index}-{sub}">{esc(group.label)}</a></li>')
    return ['<nav class="contents">', "<h2>Contents</h2>", "<ul>", *entries, "</ul>", "</nav>"]


def _summary(content: ReportContent) -> list[str]:
    total = len(content.items)
    noun = "obligation" if total == 1 else "obligations"
    counts = ", ".join(f"{n} {s}" for s, n in content.by_status.items())
    against = content.checklist_title or content.checklist_label
    out = [
        '<section class="part" id="summary">',
        "<h2>Executive summary</h2>",
        f"<p>{total} {noun} assessed against {esc(against)}: {esc(counts)}.</p>",
        f"<p>{esc(STATUS_GUIDE)}</p>",
    ]
    if content.reviewed:
        out.append(f"<p>{content.reviewed} of {total} findings carry a reviewer decision; "
                   f"{content.changed} of them changed the tool's status.</p>")
    if not content.items:
        return [*out, "<p>No findings.</p>", "</section>"]
    rows = []
    for status, count in content.by_status.items():
        share = f"{100 * count / total:.0f}%"
        tool = str(content.by_status_tool.get(status))
        rows.append([_badge(status), tool, str(count), share] if content.reviewed
                    else [_badge(status), str(count), share])
    header = ["Status", "Tool", "In force", "Share"] if content.reviewed else \
        ["Status", "Count", "Share"]
    widths = ("40%", "20%", "20%", "20%") if content.reviewed else ("50%", "25%", "25%")
    out.append(_table(header, rows, numeric_from=1, widths=widths))

    chart = base64.b64encode(coverage_chart(content.chart)).decode("ascii")
    out += [
        "<h3>Coverage by category</h3>",
        f'<figure><img src="data:image/png;base64,{chart}" alt="{esc(CHART_ALT)}">',
        "<figcaption>Figure 1. Obligations by category and status.</figcaption></figure>",
        _tally_table("Category", content.chart),
        "<h3>Coverage by level</h3>",
        _tally_table("Level", [(g.label, g.tally) for g in content.levels]),
        "<h3>Gaps at a glance</h3>",
    ]
    if not content.gaps:
        out.append("<p>None: every obligation is met.</p>")
    else:
        rows = [[_badge(i.status), esc(i.citation), esc(i.title), esc(i.level)]
                for i in content.gaps]
        out.append(_table(["Status", "Article", "Obligation", "Level"], rows,
                          widths=("13%", "20%", "47%", "20%")))
    return [*out, "</section>"]


def _labelled(label: str, text: str) -> str:
    return f'<p><span class="label">{esc(label)}:</span> {esc(text)}</p>'


def _obligation(item: Item, several: bool) -> list[str]:
    out = [
        f'<article class="finding {_status_class(item.status)}" id="{item.anchor}">',
        f"<h4>{esc(item.citation)}: {esc(item.title)}</h4>",
        f'<p class="small">{esc(item.obligation_id)} · level: {esc(item.level)}</p>',
    ]
    if item.requirement:
        out.append(_labelled("Requirement", item.requirement))
    out.append(f'<p><span class="label">Tool finding:</span> {_badge(item.tool_status)} '
               f"confidence {item.confidence:.2f}</p>")
    review = item.review
    if review is not None:
        who = f" by {esc(review.reviewer)}" if review.reviewer else ""
        change = f" (was {esc(status_label(review.previous_status))})" \
            if review.previous_status != review.status else " (confirmed)"
        out.append(f'<p><span class="label">Reviewer decision:</span> {_badge(review.status)}'
                   f"{change}{who}, {esc(review.at)}</p>")
        out.append(_labelled("Reviewer reason", review.reason))
        if review.comment:
            out.append(_labelled("Reviewer comment", review.comment))
    if item.evidence:
        out.append('<p class="label">Evidence</p>')
        if several:
            rows = [[esc(e.source or ""), esc(e.provision.strip() or "unlabelled text"),
                     str(e.page) if e.page is not None else "—", _quote(e.quote, e.language)]
                    for e in item.evidence]
            out.append(_table(["Law", "Provision", "Page", "Quote"], rows,
                              widths=("18%", "14%", "9%", "59%")))
        else:
            rows = [[esc(e.provision.strip() or "unlabelled text"),
                     str(e.page) if e.page is not None else "—", _quote(e.quote, e.language)]
                    for e in item.evidence]
            out.append(_table(["Provision", "Page", "Quote"], rows,
                              widths=("15%", "9%", "76%")))
    else:
        out.append(_labelled("Evidence", "no implementing provision found."))
    if item.reasons:
        out += ['<p class="label">Reasons</p>', "<ul>",
                *(f"<li>{esc(r)}</li>" for r in item.reasons), "</ul>"]
    if item.parameters:
        rows = [[esc(p.name), esc(p.required),
                 esc(p.found) if p.found is not None else "not found", esc(p.outcome)]
                for p in item.parameters]
        out += ['<p class="label">Parameter checks</p>',
                _table(["Parameter", "Required", "Found", "OK"], rows,
                       widths=("22%", "33%", "33%", "12%"))]
    if item.elements_found:
        out.append(_labelled("Elements found", ", ".join(item.elements_found)))
    if item.elements_missing:
        out.append(_labelled("Elements missing", ", ".join(item.elements_missing)))
    if item.is_gap:
        if item.model_law_chapter:
            out.append(_labelled("Model Law", item.model_law_chapter))
        if item.pitfalls:
            out += ['<p class="label">Common pitfalls</p>', "<ul>",
                    *(f"<li>{esc(p)}</li>" for p in item.pitfalls), "</ul>"]
    return [*out, "</article>"]


def _quote(quote: str, language: str | None) -> str:
    if language:
        return f'<span lang="{esc(language)}">{esc(quote)}</span>'
    return esc(quote)


def _findings(content: ReportContent) -> list[str]:
    several = len(content.documents) > 1
    out: list[str] = []
    for index, section in enumerate(content.sections, start=1):
        counts = ", ".join(f"{n} {s}" for s, n in section.tally.items())
        out += [f'<section class="part" id="part-{index}">',
                f"<h2>{esc(section.heading)}</h2>",
                f"<p>{len(section.items)} obligations: {esc(counts)}.</p>"]
        for sub, group in enumerate(section.categories, start=1):
            out.append(f'<h3 id="part-{index}-{sub}">{esc(group.label)}</h3>')
            for item in group.items:
                out += _obligation(item, several)
        out.append("</section>")
    return out


def pdf_html(content: ReportContent) -> str:
    """The print HTML of the PDF report (exposed for tests and for debugging the layout)."""
    keywords = ", ".join(k for k in ("gap report", content.checklist_id, content.country) if k)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(content.title)}</title>",
        f'<meta name="author" content="{esc(content.tool.name)} {esc(content.tool.version)}">',
        f'<meta name="description" content="{esc(content.checklist_title or "")}">',
        f'<meta name="keywords" content="{esc(keywords)}">',
        f'<meta name="generator" content="{esc(content.tool.name)} {esc(content.tool.version)}">',
        f'<meta name="dcterms.created" content="{esc(content.date.isoformat())}">',
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        *_title_page(content),
        *_contents(content),
        *_summary(content),
        *_findings(content),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves `data:` URIs and refuses every other URL."""
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"external resources are not loaded: {url[:80]!r}")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)


def pdf_from_content(content: ReportContent) -> bytes:
    """Lay out `content` as PDF bytes."""
    from weasyprint import HTML

    document = HTML(string=pdf_html(content), base_url=None, url_fetcher=_data_only_fetcher())
    # Tagged, so screen readers get headings, tables, lists and the chart's alternative text.
    pdf: bytes = document.write_pdf(pdf_tags=True)
    return pdf


def to_pdf(report: Report, meta: ReportMeta | None = None) -> bytes:
    """Render the report as a PDF document (bytes)."""
    return pdf_from_content(build_content(report, meta))
