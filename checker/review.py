"""Review: the whole pipeline, ingest -> segment -> match -> assess -> report, over a dossier.

Several documents reviewed together form one dossier (a firearms act, its regulations, the criminal
code): an obligation may be met by any of them. A document that cannot be read is reported with its
coded errors and never stops the others.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from checker.assess import assess
from checker.checklist import Checklist, load_checklists
from checker.errors import Code, Diagnostic, warning
from checker.ingest import ingest
from checker.match import find_hits
from checker.models import (
    ChecklistRef,
    Document,
    DocumentInfo,
    Finding,
    Hit,
    Report,
    Structure,
    Summary,
    ToolInfo,
)
from checker.segment import segment

STATUSES = ("met", "partial", "missing", "unclear")


def tool_version() -> str:
    try:
        return version("checker")
    except PackageNotFoundError:
        return "0.0.0+source"


@dataclass(frozen=True)
class Review:
    """A report together with the analysed documents it was built from (texts included)."""

    report: Report
    structures: tuple[Structure, ...]
    hits: tuple[tuple[Hit, ...], ...]


def _language_warnings(structure: Structure, checklist: Checklist) -> tuple[Diagnostic, ...]:
    document = structure.document
    if not document.readable:
        return ()
    if document.language in checklist.languages():
        found = sum(document.language in o.languages() for o in checklist.obligations)
        if found == len(checklist.obligations):
            return ()
        return (warning(
            Code.NO_INDICATORS_FOR_LANGUAGE,
            f"The checklist has indicators in language {document.language!r} for {found} of its "
            f"{len(checklist.obligations)} obligations; the others are 'unclear' for this "
            "document.",
        ),)
    return (warning(
        Code.NO_INDICATORS_FOR_LANGUAGE,
        f"The checklist has no indicators for language {document.language!r}; its findings for "
        "this document are 'unclear'. Supported: " + ", ".join(sorted(checklist.languages())),
    ),)


def summarise(findings: Sequence[Finding]) -> Summary:
    by_status: Counter[str] = Counter(f.status for f in findings)
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    by_level: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for finding in findings:
        by_category[finding.category][finding.status] += 1
        by_level[finding.level][finding.status] += 1
    return Summary(total=len(findings), by_status={s: by_status.get(s, 0) for s in STATUSES},
                   by_category=dict(by_category), by_level=dict(by_level))


def analyse_document(document: Document, checklist: Checklist) -> tuple[Structure, tuple[Hit, ...]]:
    structure = segment(document)
    hits = find_hits(structure, checklist) if document.readable else ()
    return structure, hits


def review_documents(documents: Sequence[Document], *,
                     checklist: ChecklistChoice = "firearms-protocol",
                     levels: tuple[str, ...] = (), categories: tuple[str, ...] = (),
                     on_stage: Callable[[str, str], None] | None = None) -> Review:
    """Review already ingested documents as one dossier."""
    loaded = checklist if isinstance(checklist, Checklist) else load_checklists(checklist)
    selected = loaded.select(levels=levels, categories=categories)
    analysed = []
    for document in documents:
        if on_stage:
            on_stage(document.id, "analyse")
        analysed.append(analyse_document(document, selected))
    if on_stage:
        on_stage("dossier", "assess")
    findings = assess(selected, analysed)
    infos = []
    for structure, _ in analysed:
        document = structure.document
        infos.append(DocumentInfo(
            id=document.id, path=document.path, sha256=document.sha256, title=document.title,
            language=document.language, pages=document.page_count, status=document.status,
            provisions=len(structure.provisions), definitions=len(structure.definitions),
            warnings=document.diagnostics + structure.diagnostics
            + _language_warnings(structure, selected),
            ocr_pages=document.ocr_pages(),
        ))
    report = Report(
        tool=ToolInfo(name="checker", version=tool_version()),
        checklist=ChecklistRef(id=selected.id, version=selected.version),
        documents=tuple(infos), findings=findings, summary=summarise(findings),
    )
    return Review(report=report, structures=tuple(s for s, _ in analysed),
                  hits=tuple(h for _, h in analysed))


def unique_ids(documents: Sequence[Document]) -> list[Document]:
    """Documents with distinct ids: a repeated id gets "-2", "-3"... in dossier order."""
    seen: Counter[str] = Counter()
    unique = []
    for document in documents:
        seen[document.id] += 1
        if seen[document.id] > 1:
            document = document.model_copy(update={"id": f"{document.id}-{seen[document.id]}"})
        unique.append(document)
    return unique


ChecklistChoice = str | Sequence[str] | Checklist


def ocr_stage(done: int, total: int) -> str:
    """The progress stage of a file whose page `done` of `total` is being read by OCR."""
    return f"ocr {done}/{total}"


def _ocr_stage(on_stage: Callable[[str, str], None], subject: str, done: int, total: int) -> None:
    on_stage(subject, ocr_stage(done, total))


def run_review(paths: Sequence[str | Path], *, checklist: ChecklistChoice = "firearms-protocol",
               levels: tuple[str, ...] = (), categories: tuple[str, ...] = (),
               language: str | None = None, password: str | None = None,
               on_stage: Callable[[str, str], None] | None = None) -> Review:
    """Ingest `paths` and review them as one dossier; keeps the analysed documents.

    `on_stage(subject, stage)` hears `ingest`, `ocr DONE/TOTAL` for each page of a file read by
    OCR, then the stages of `review_documents`."""
    documents = []
    for path in paths:
        on_ocr = None
        if on_stage:
            on_stage(str(path), "ingest")
            on_ocr = functools.partial(_ocr_stage, on_stage, str(path))
        documents.append(ingest(path, password=password, language=language, on_ocr=on_ocr))
    return review_documents(unique_ids(documents), checklist=checklist, levels=levels,
                            categories=categories, on_stage=on_stage)


def review(paths: Sequence[str | Path] | str | Path, *,
           checklist: ChecklistChoice = "firearms-protocol", levels: tuple[str, ...] = (),
           categories: tuple[str, ...] = (), language: str | None = None,
           password: str | None = None) -> Report:
    """Review one file or a dossier of files and return the gap report."""
    if isinstance(paths, str | Path):
        paths = [paths]
    return run_review(paths, checklist=checklist, levels=levels, categories=categories,
                      language=language, password=password).report
