"""Presentation rules shared by the human-readable writers: status order and wording, hashes.

Ordering, grouping and counting live in `content.py`, computed once per rendering; what is here is
the vocabulary every format uses, so a reader switching from the Word file to the workbook sees
the same words for the same things.
"""

from __future__ import annotations

import re

from checker.errors import Code
from checker.models import DocumentInfo, Report, page_ranges

STATUS_ORDER: tuple[str, ...] = ("met", "partial", "missing", "unclear")
"""Column order for status counts: from best to least known."""

GAP_ORDER: tuple[str, ...] = ("missing", "unclear", "partial")
"""Order of the gap list: what is absent first, then what could not be judged, then what is thin."""

STATUS_COLOURS: dict[str, str] = {
    "met": "#1a7f37",
    "partial": "#9a6700",
    "missing": "#cf222e",
    "unclear": "#6e7781",
}
"""Strong colours that carry white text: the HTML page's, used by the PDF, the chart and Word."""

STATUS_GUIDE = (
    "Each obligation carries a status: MET when the law contains every element the obligation "
    "requires in one provision and its parameters check out; PARTIAL when some elements or "
    "parameters are missing; MISSING when no implementing text was found; UNCLEAR when the text "
    "could not be judged (an unreadable document, an unsupported language, only passing "
    "mentions). Where a reviewer recorded a decision, it is shown beside the tool's status and is "
    "the status in force: counts, colours and the gap list follow it."
)
"""How to read the statuses, printed at the head of the Word and PDF summaries."""

SHORT_HASH = 12

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make spreadsheet software read a cell as a formula."""


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


def document_names(report: Report) -> dict[str, str]:
    """Document id to title, to name the source of a quote when a report covers several files."""
    return {doc.id: doc.title or doc.id for doc in report.documents}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with characters no document format may hold (C0 controls other than tab and line
    ends, DEL, lone surrogates) shown as U+FFFD, so a reader sees something was there."""
    return _CONTROL.sub("\ufffd", text)


def reading_label(doc: DocumentInfo) -> str:
    """How a document was read, for the documents table: its text, or OCR of which pages and
    with what mean word confidence (lowest page named), so a reader knows which quotes to check
    against the scan."""
    if not doc.ocr_pages:
        if any(w.code == Code.OCR_USED for w in doc.warnings):  # pages not itemised: see W206
            return f"OCR (see {Code.OCR_USED.value})"
        return "text layer" if doc.pages is not None else "text"
    numbers = [p.page for p in doc.ocr_pages]
    scores = [(p.confidence, p.page) for p in doc.ocr_pages if p.confidence is not None]
    label = f"OCR p. {page_ranges(numbers)}"
    if scores:
        mean = sum(c for c, _ in scores) / len(scores)
        low, page = min(scores)
        label += f" (confidence {mean:.0%}"
        label += f", lowest {low:.0%} p. {page})" if len(scores) > 1 else ")"
    if doc.pages is not None and len(numbers) < doc.pages:
        label += "; text layer elsewhere"
    return label
