"""Frozen data models that flow through the pipeline: ingest, segment, match, assess, report.

Every object that points into a document does so with character offsets into `Document.text` (the
clean text the tool reads), so a quote can always be traced back to its page and span.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from checker.errors import Diagnostic

SCHEMA_VERSION: Final = "1"

Status = Literal["met", "partial", "missing", "unclear"]
ReadMethod = Literal["text", "docx", "pypdfium2", "pdfplumber", "ocr"]
SourceKind = Literal["pdf", "text", "markdown", "docx"]
IngestStatus = Literal[
    "ok",
    "partial",
    "no_text_layer",
    "password_required",
    "not_pdf",
    "damaged",
    "empty",
    "too_complex",
    "not_supported",
]
ProvisionKind = Literal[
    "book", "part", "title", "chapter", "division", "section_group",
    "article", "paragraph", "item", "annex",
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- ingest -------------------------------------------------------------------------------------


class Page(Frozen):
    """A page of the source and the span of `Document.text` that came from it.

    `method` says how the page was read: "ocr" when its text is Tesseract's reading of the page
    image (then `ocr_confidence`, the mean word confidence in [0, 1], and `ocr_language`, the
    Tesseract model, are set), otherwise the text layer or file it came from (`read_by`).
    """

    number: int = Field(ge=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    method: ReadMethod
    columns: int = 1
    ocr_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    ocr_language: str | None = None

    @property
    def read_by(self) -> Literal["text-layer", "ocr"]:
        return "ocr" if self.method == "ocr" else "text-layer"


def page_ranges(numbers: Iterable[int]) -> str:
    """Page numbers as ranges, for messages and tables: [1, 2, 3, 7] -> "1-3, 7"."""
    parts: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if parts and parts[-1][1] == number - 1:
            parts[-1] = (parts[-1][0], number)
        else:
            parts.append((number, number))
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in parts)


class OcrPage(Frozen):
    """A page of a document that was read by OCR, with Tesseract's mean word confidence."""

    page: int = Field(ge=1)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    language: str | None = None


class Document(Frozen):
    """A source file read into clean text. `pages` is empty for sources without pages (text, md)."""

    id: str
    path: str
    sha256: str
    source_kind: SourceKind
    title: str
    text: str
    language: str = "und"
    pages: tuple[Page, ...] = ()
    page_count: int | None = None
    status: IngestStatus = "ok"
    diagnostics: tuple[Diagnostic, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Page number holding character `offset`, or None for page-less sources."""
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        index = bisect_right(starts, offset) - 1
        return self.pages[max(index, 0)].number

    @property
    def readable(self) -> bool:
        return bool(self.text.strip()) and self.status in ("ok", "partial")

    def ocr_pages(self) -> tuple[OcrPage, ...]:
        """The pages read by OCR (for `DocumentInfo.ocr_pages`)."""
        return tuple(OcrPage(page=p.number, confidence=p.ocr_confidence, language=p.ocr_language)
                     for p in self.pages if p.method == "ocr")


# --- segment ------------------------------------------------------------------------------------


class Provision(Frozen):
    """A unit of the law's structure, with its label as printed and its place in the tree.

    `start`/`end` cover the whole provision including its children; `body_start` is where its
    own text begins (after the label and heading).
    """

    id: str
    kind: ProvisionKind
    label: str
    number: str
    heading: str | None = None
    parent: str | None = None
    depth: int = 0
    citation: str
    start: int
    body_start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None


class Definition(Frozen):
    """A term the law defines, with the span of its definition text."""

    term: str
    text: str
    provision_id: str | None
    start: int
    end: int


class Structure(Frozen):
    """A document with its provision tree (in reading order) and its glossary."""

    document: Document
    provisions: tuple[Provision, ...]
    definitions: tuple[Definition, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


# --- match and assess ---------------------------------------------------------------------------


class Hit(Frozen):
    """One indicator found in a document: which element, where, and how it was found."""

    obligation_id: str
    element_id: str
    document_id: str
    provision_id: str | None
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    term: str
    method: Literal["lemma", "fuzzy", "glossary"]
    score: float
    negated: bool = False
    permissive: bool = False
    via_definition: str | None = None


class Evidence(Frozen):
    document: str
    provision: str
    page: int | None
    quote: str
    score: float
    start: int
    end: int


class ParameterCheck(Frozen):
    name: str
    required: str
    found: str | None
    ok: bool | None


class ReviewerDecision(Frozen):
    """A reviewer's judgement on a finding: the status they hold, and why."""

    status: Status
    previous_status: Status
    reason: str = Field(min_length=1)
    comment: str = ""
    reviewer: str = ""
    at: str


class Finding(Frozen):
    obligation_id: str
    title: str
    article: str
    category: str
    level: str
    status: Status
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()
    parameters: tuple[ParameterCheck, ...] = ()
    elements_found: tuple[str, ...] = ()
    elements_missing: tuple[str, ...] = ()
    review: ReviewerDecision | None = None


# --- report -------------------------------------------------------------------------------------


class ToolInfo(Frozen):
    name: str
    version: str


class ChecklistRef(Frozen):
    id: str
    version: str


class DocumentInfo(Frozen):
    id: str
    path: str
    sha256: str
    title: str
    language: str
    pages: int | None
    status: IngestStatus
    provisions: int
    definitions: int
    warnings: tuple[Diagnostic, ...] = ()
    ocr_pages: tuple[OcrPage, ...] = ()


class Summary(Frozen):
    total: int
    by_status: dict[str, int]
    by_category: dict[str, dict[str, int]]
    by_level: dict[str, dict[str, int]]


class Report(Frozen):
    """The gap report. Its JSON form is a published contract (`schema_version`)."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    tool: ToolInfo
    checklist: ChecklistRef
    documents: tuple[DocumentInfo, ...]
    findings: tuple[Finding, ...]
    summary: Summary
