"""The content of a gap report, computed once and shared by every human-readable format.

`build_content(report, meta)` turns a `Report` (plus what the checklist says about each obligation,
plus the title-page details in `ReportMeta`) into plain frozen values: obligations in instrument
order, groups by category and level, counts, the gap list, spreadsheet rows and chart data. The
writers (Markdown, HTML, DOCX, PDF, XLSX, CSV) only lay these values out; none of them counts,
sorts or looks anything up again, so every format tells the same story.

Text stays raw here: each writer escapes it for its own format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import yaml
from pydantic import field_validator

from checker.checklist import Checklist, Obligation, load_checklist
from checker.errors import CheckerError
from checker.models import (
    DocumentInfo,
    Finding,
    Frozen,
    Report,
    ReviewerDecision,
    Status,
    ToolInfo,
)
from checker.report.common import (
    GAP_ORDER,
    STATUS_ORDER,
    document_names,
    ok_label,
    report_title,
)

INSTRUMENT_ORDER: tuple[str, ...] = ("FP", "UNTOC", "ML", "COP")
"""Instruments in the order a review reads them: the Protocol, the Convention, then guidance."""

INSTRUMENT_NAMES: Mapping[str, str] = {
    "FP": "UN Firearms Protocol",
    "UNTOC": "UN Convention against Transnational Organized Crime",
    "ML": "UNODC Model Law on Firearms",
    "COP": "Resolutions of the Conference of the Parties",
}

CATEGORY_LABELS: Mapping[str, str] = {
    "licensing-transfers": "Licensing and transfers",
    "confiscation-disposal": "Confiscation and disposal",
    "security-prevention": "Security and prevention",
    "cooperation-information": "Cooperation and information",
    "legal-persons": "Liability of legal persons",
    "procedural": "Procedure",
}

_PREFIX = re.compile(r"[A-Za-z]+")
_CHECKLIST_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ReportMeta(Frozen):
    """Title-page details the report itself does not hold.

    `country` names the State whose law is reviewed; `title` replaces the default title ("Gap
    report: <checklist> <version>"); `date` is the date printed on the report (today when unset).
    Blank strings count as unset.
    """

    country: str | None = None
    title: str | None = None
    date: dt.date | None = None

    @field_validator("country", "title")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        return value or None


def instrument_of(obligation_id: str) -> str:
    """The instrument an obligation belongs to, from its id prefix (`fp.art3a...` is FP)."""
    match = _PREFIX.match(obligation_id)
    return match.group(0).upper() if match else "OTHER"


def instrument_name(code: str) -> str:
    return INSTRUMENT_NAMES.get(code, code)


def category_label(category: str) -> str:
    """A category id as a heading: `record-keeping` reads "Record-keeping"."""
    label = CATEGORY_LABELS.get(category)
    return label if label is not None else category[:1].upper() + category[1:]


def citation(instrument: str, article: str) -> str:
    """How the obligation is cited: "FP art. 3(a)", "ML Ch. IV", "COP Res. 11/6, para. 6"."""
    article = article.strip()
    if article.upper().startswith(instrument):
        return article
    if article[:1].isdigit():
        return f"{instrument} art. {article}"
    return f"{instrument} {article}".strip()


# --- values -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts by status; the four statuses are always there, zero or not."""

    met: int = 0
    partial: int = 0
    missing: int = 0
    unclear: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str]) -> Tally:
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for status in statuses:
            counts[status] = counts.get(status, 0) + 1
        return cls(**{s: counts[s] for s in STATUS_ORDER})

    def get(self, status: str) -> int:
        return int(getattr(self, status, 0))

    @property
    def total(self) -> int:
        return self.met + self.partial + self.missing + self.unclear

    def items(self) -> tuple[tuple[str, int], ...]:
        return tuple((s, self.get(s)) for s in STATUS_ORDER)


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """A quote with where it comes from. `source` names the document only in multi-file dossiers."""

    document_id: str
    provision: str
    page: int | None
    quote: str
    score: float
    source: str | None
    language: str | None

    @property
    def label(self) -> str:
        """"2(1), p. 4 (Arms Regulations)": provision as printed, page, and document if several."""
        text = self.provision.strip() or "unlabelled text"
        if self.page is not None:
            text += f", p. {self.page}"
        if self.source is not None:
            text += f" ({self.source})"
        return text


@dataclass(frozen=True, slots=True)
class ParameterView:
    name: str
    required: str
    found: str | None
    ok: bool | None

    @property
    def outcome(self) -> str:
        return ok_label(self.ok)

    @property
    def summary(self) -> str:
        found = self.found if self.found is not None else "not found"
        return f"{self.name}: {found} (required: {self.required}): {self.outcome}"


@dataclass(frozen=True, slots=True)
class Item:
    """One obligation as every format shows it.

    `tool_status` is what the tool found; `status` is the status in force: the reviewer's when a
    decision was recorded, else the tool's. Counts, gap lists and colours follow `status`.
    `requirement`, `pitfalls` and `model_law_chapter` come from the checklist and are empty when it
    could not be loaded.
    """

    position: int
    obligation_id: str
    instrument: str
    article: str
    citation: str
    category: str
    level: str
    title: str
    tool_status: Status
    status: Status
    confidence: float
    review: ReviewerDecision | None
    requirement: str | None
    pitfalls: tuple[str, ...]
    model_law_chapter: str | None
    reasons: tuple[str, ...]
    parameters: tuple[ParameterView, ...]
    elements_found: tuple[str, ...]
    elements_missing: tuple[str, ...]
    evidence: tuple[EvidenceView, ...]

    @property
    def anchor(self) -> str:
        """A fragment id; positions, unlike obligation ids, are always valid ids."""
        return f"finding-{self.position}"

    @property
    def is_gap(self) -> bool:
        return self.status in GAP_ORDER

    @property
    def changed(self) -> bool:
        return self.review is not None and self.review.status != self.tool_status

    @property
    def best_evidence(self) -> EvidenceView | None:
        """The highest-scoring quote, the first one on ties."""
        if not self.evidence:
            return None
        return max(self.evidence, key=lambda e: e.score)


@dataclass(frozen=True, slots=True)
class Group:
    """Obligations sharing a category (or a level), in checklist order."""

    key: str
    label: str
    items: tuple[Item, ...]
    tally: Tally


@dataclass(frozen=True, slots=True)
class Section:
    """One instrument's obligations, by category, in checklist order."""

    instrument: str
    name: str
    categories: tuple[Group, ...]
    tally: Tally

    @property
    def heading(self) -> str:
        return f"{self.name} ({self.instrument})" if self.name != self.instrument else self.name

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.categories for item in group.items)


CellValue = str | int | float | None


@dataclass(frozen=True, slots=True)
class Row:
    """One obligation as a spreadsheet row; field order is column order (see `ROW_HEADERS`)."""

    obligation_id: str
    instrument: str
    article: str
    category: str
    level: str
    title: str
    status: str
    reviewed_status: str | None
    reviewer: str | None
    reviewer_reason: str | None
    reviewer_comment: str | None
    confidence: float
    best_provision: str | None
    page: int | None
    quote: str | None
    reasons: str
    parameters: str

    def values(self) -> tuple[CellValue, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


ROW_HEADERS: tuple[str, ...] = (
    "Id",
    "Instrument",
    "Article",
    "Category",
    "Level",
    "Title",
    "Status",
    "Reviewed status",
    "Reviewer",
    "Reviewer reason",
    "Reviewer comment",
    "Confidence",
    "Best provision",
    "Page",
    "Quote",
    "Reasons",
    "Parameters",
)
STATUS_COLUMNS: tuple[int, ...] = (
    ROW_HEADERS.index("Status"),
    ROW_HEADERS.index("Reviewed status"),
)
"""Zero-based columns holding a status, which spreadsheets colour."""


@dataclass(frozen=True, slots=True)
class ReportContent:
    """Everything a human-readable report shows, computed once from a `Report`.

    `date` is the date printed on documents (today unless `ReportMeta.date` says otherwise);
    `date_given` tells whether it was set, so text formats, which people diff, only print a date
    that was asked for.
    """

    title: str
    country: str | None
    date: dt.date
    date_given: bool
    tool: ToolInfo
    schema_version: str
    checklist_id: str
    checklist_version: str
    checklist_title: str | None
    checklist_note: str | None
    documents: tuple[DocumentInfo, ...]
    items: tuple[Item, ...]
    sections: tuple[Section, ...]
    categories: tuple[Group, ...]
    levels: tuple[Group, ...]
    gaps: tuple[Item, ...]
    by_status: Tally
    by_status_tool: Tally
    reviewed: int
    changed: int
    rows: tuple[Row, ...]

    @property
    def chart(self) -> tuple[tuple[str, Tally], ...]:
        """Data of the coverage chart: per category label, counts by status in force."""
        return tuple((group.label, group.tally) for group in self.categories)

    @property
    def checklist_label(self) -> str:
        return f"{self.checklist_id} {self.checklist_version}"


# --- building -----------------------------------------------------------------------------------


def _load_checklist(report: Report) -> tuple[Checklist | None, str | None]:
    """The report's checklist, or None (with a note) when it cannot be loaded here.

    Only plain ids are looked up: a report read from elsewhere must not steer the lookup to an
    arbitrary path.
    """
    ref = report.checklist
    if not _CHECKLIST_ID.match(ref.id):
        return None, None
    try:
        loaded = load_checklist(ref.id)
    except (CheckerError, OSError, ValueError, yaml.YAMLError):
        return None, None
    if loaded.version != ref.version:
        note = (f"Requirements, pitfalls and Model Law references are quoted from checklist "
                f"{loaded.id} {loaded.version}; the review used version {ref.version}.")
        return loaded, note
    return loaded, None


def _languages(documents: Sequence[DocumentInfo]) -> dict[str, str | None]:
    tag = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
    return {
        doc.id: doc.language if doc.language != "und" and tag.match(doc.language) else None
        for doc in documents
    }


def _item(position: int, finding: Finding, obligation: Obligation | None,
          report: Report, names: Mapping[str, str], languages: Mapping[str, str | None]) -> Item:
    several = len(report.documents) > 1
    instrument = instrument_of(finding.obligation_id)
    evidence = tuple(
        EvidenceView(
            document_id=e.document,
            provision=e.provision,
            page=e.page,
            quote=e.quote,
            score=e.score,
            source=names.get(e.document, e.document) if several else None,
            language=languages.get(e.document),
        )
        for e in finding.evidence
    )
    parameters = tuple(
        ParameterView(name=p.name, required=p.required, found=p.found, ok=p.ok)
        for p in finding.parameters
    )
    status = finding.review.status if finding.review is not None else finding.status
    return Item(
        position=position,
        obligation_id=finding.obligation_id,
        instrument=instrument,
        article=finding.article,
        citation=citation(instrument, finding.article),
        category=finding.category,
        level=finding.level,
        title=finding.title,
        tool_status=finding.status,
        status=status,
        confidence=finding.confidence,
        review=finding.review,
        requirement=obligation.requirement if obligation is not None else None,
        pitfalls=obligation.pitfalls if obligation is not None else (),
        model_law_chapter=obligation.model_law_chapter if obligation is not None else None,
        reasons=finding.reasons,
        parameters=parameters,
        elements_found=finding.elements_found,
        elements_missing=finding.elements_missing,
        evidence=evidence,
    )


def _groups(items: Iterable[Item], key: str, label: bool) -> tuple[Group, ...]:
    """Items grouped by `key` ("category" or "level"), groups in order of first appearance."""
    buckets: dict[str, list[Item]] = {}
    for item in items:
        buckets.setdefault(getattr(item, key), []).append(item)
    return tuple(
        Group(key=name, label=category_label(name) if label else name, items=tuple(members),
              tally=Tally.of(i.status for i in members))
        for name, members in buckets.items()
    )


def _sections(items: Sequence[Item]) -> tuple[Section, ...]:
    seen = list(dict.fromkeys(item.instrument for item in items))
    order = [code for code in INSTRUMENT_ORDER if code in seen] + \
        [code for code in seen if code not in INSTRUMENT_ORDER]
    sections = []
    for code in order:
        members = [item for item in items if item.instrument == code]
        sections.append(Section(
            instrument=code, name=instrument_name(code),
            categories=_groups(members, "category", label=True),
            tally=Tally.of(i.status for i in members),
        ))
    return tuple(sections)


def _gaps(items: Sequence[Item]) -> tuple[Item, ...]:
    """Not-met obligations: missing, then unclear, then partial; checklist order within each."""
    return tuple(sorted((i for i in items if i.is_gap),
                        key=lambda i: (GAP_ORDER.index(i.status), i.position)))


def _row(item: Item) -> Row:
    best = item.best_evidence
    review = item.review
    return Row(
        obligation_id=item.obligation_id,
        instrument=item.instrument,
        article=item.article,
        category=item.category,
        level=item.level,
        title=item.title,
        status=item.tool_status,
        reviewed_status=review.status if review else None,
        reviewer=(review.reviewer or None) if review else None,
        reviewer_reason=review.reason if review else None,
        reviewer_comment=(review.comment or None) if review else None,
        confidence=round(item.confidence, 2),
        best_provision=(best.provision.strip() or "unlabelled text") + (
            f" ({best.source})" if best.source else "") if best else None,
        page=best.page if best else None,
        quote=best.quote if best else None,
        reasons="\n".join(item.reasons),
        parameters="\n".join(p.summary for p in item.parameters),
    )


def build_content(report: Report, meta: ReportMeta | None = None) -> ReportContent:
    """Compute the shared content of every human-readable format of `report`."""
    meta = meta or ReportMeta()
    checklist, note = _load_checklist(report)
    obligations = {o.id: o for o in checklist.obligations} if checklist is not None else {}
    names = document_names(report)
    languages = _languages(report.documents)
    items = tuple(
        _item(position, finding, obligations.get(finding.obligation_id), report, names, languages)
        for position, finding in enumerate(report.findings, start=1)
    )
    return ReportContent(
        title=meta.title or report_title(report),
        country=meta.country,
        date=meta.date or dt.date.today(),
        date_given=meta.date is not None,
        tool=report.tool,
        schema_version=report.schema_version,
        checklist_id=report.checklist.id,
        checklist_version=report.checklist.version,
        checklist_title=checklist.title if checklist is not None else None,
        checklist_note=note,
        documents=report.documents,
        items=items,
        sections=_sections(items),
        categories=_groups(items, "category", label=True),
        levels=_groups(items, "level", label=False),
        gaps=_gaps(items),
        by_status=Tally.of(i.status for i in items),
        by_status_tool=Tally.of(i.tool_status for i in items),
        reviewed=sum(i.review is not None for i in items),
        changed=sum(i.changed for i in items),
        rows=tuple(_row(item) for item in items),
    )
