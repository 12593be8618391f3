"""Evaluation: the tool's findings measured against gold annotations.

A gold annotation (`corpora/annotations/**/*.yaml`, format in `corpora/annotations/README.md`) says,
for one document and some obligations of a checklist, what a careful reviewer concludes from the
text: `met`, `partial` or `missing`, and for `met`/`partial` the provisions that implement it.
`evaluate` reviews every annotated document, checks that the file is the one that was annotated
(sha256), and compares:

* detection: positive = `met` or `partial`; the tool's `unclear` counts as negative (and is reported
  on its own as the unclear rate); precision, recall, F1 and Cohen's kappa;
* status: accuracy, macro-F1 and Cohen's kappa over met/partial/missing, the tool's `unclear` read
  as `missing`;
* false-met rate: the share of gold `missing` obligations the tool calls `met` (the worst error);
* evidence hit@3: for gold `met`/`partial` with provisions, whether one of the tool's first three
  evidence provisions is one of them, compared on the top-level number (`58.1(1)(b)` ~ `58.1`,
  `Article L313-3, al. 2` ~ `L313-3`, `Art. 7 bis` ~ `7bis`);
* agreement between a document and its translation (`translation_of`): the share of obligations
  with the same tool status;
* mutations (optional): minimal edits to annotated texts that should lower a status; a mutation is
  caught when the status does drop (met > partial > unclear > missing).

Only annotated obligations count. Figures are given overall, per language and per category. The
command `eval_command` prints a readable table, writes the full result as JSON and, with a
thresholds file, exits non-zero when a figure is outside its guard.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checker.checklist import Checklist, load_checklist
from checker.ingest import ingest_bytes
from checker.models import Document, Finding, Report, Status
from checker.review import review_documents, tool_version
from checker.segment import article_number

GoldStatus = Literal["met", "partial", "missing"]
GOLD_STATUSES: tuple[GoldStatus, ...] = ("met", "partial", "missing")
TOOL_STATUSES: tuple[Status, ...] = ("met", "partial", "missing", "unclear")
POSITIVE = frozenset({"met", "partial"})
RANK: dict[str, int] = {"met": 3, "partial": 2, "unclear": 1, "missing": 0}

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "corpora"
THRESHOLD_PREFIX = "thresholds"

EXIT_GUARD, EXIT_USAGE = 1, 2


class EvalCode(StrEnum):
    """Stable codes of the evaluation's warnings. Never renumber or reuse one."""

    SHA_MISMATCH = "W701"  # the file is not the one that was annotated: document skipped
    SOURCE_MISSING = "W702"  # the annotated file is not there (shared corpus absent?): skipped
    DOCUMENT_UNREADABLE = "W703"  # the tool could not read the document: its findings are unclear
    MUTATION_NOT_UNIQUE = "W704"  # a mutation's `find` does not occur exactly once: not applied
    MUTATION_NO_DOCUMENT = "W705"  # a mutation names a document that was not evaluated: skipped
    TRANSLATION_MISSING = "W706"  # `translation_of` names a document that was not evaluated


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvalWarning(Frozen):
    code: EvalCode
    document: str
    message: str


class AnnotationError(ValueError):
    """An annotation, mutation or thresholds file that does not follow its format."""


# --- gold annotations ---------------------------------------------------------------------------


class GoldFinding(Frozen):
    status: GoldStatus
    provisions: tuple[str, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _provisions_only_when_found(self) -> GoldFinding:
        if self.status == "missing" and self.provisions:
            raise ValueError("a 'missing' finding has no provisions")
        if any(not p.strip() for p in self.provisions):
            raise ValueError("empty provision label")
        return self


class Annotation(Frozen):
    """The gold findings for one document."""

    document: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    source: str = Field(pattern=r"^(repo|shared):[^\s]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    language: str = Field(pattern=r"^[a-z]{2}$")
    checklist: str = "firearms-protocol"
    annotated: date
    translation_of: str | None = None
    notes: str = ""
    findings: dict[str, GoldFinding] = Field(min_length=1)


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnnotationError(f"{path}: cannot read YAML: {exc}") from exc


def load_annotation(path: Path, *, checklists: dict[str, Checklist] | None = None) -> Annotation:
    """Read and validate one annotation file: strict schema, known obligation ids."""
    try:
        annotation = Annotation.model_validate(_yaml(path))
    except ValidationError as exc:
        raise AnnotationError(f"{path}: {exc}") from exc
    cache = checklists if checklists is not None else {}
    if annotation.checklist not in cache:
        cache[annotation.checklist] = load_checklist(annotation.checklist)
    known = {o.id for o in cache[annotation.checklist].obligations}
    unknown = sorted(set(annotation.findings) - known)
    if unknown:
        raise AnnotationError(f"{path}: obligations not in checklist {annotation.checklist!r}: "
                              + ", ".join(unknown))
    return annotation


def annotation_files(gold: Path) -> list[Path]:
    """The annotation files under `gold` (a file or a folder, searched recursively)."""
    if gold.is_file():
        return [gold]
    if not gold.is_dir():
        raise AnnotationError(f"{gold}: no such file or folder")
    return sorted(p for p in gold.rglob("*.yaml") if not p.name.startswith(THRESHOLD_PREFIX))


def load_annotations(gold: Path, *, checklists: dict[str, Checklist] | None = None
                     ) -> list[Annotation]:
    annotations = [load_annotation(p, checklists=checklists) for p in annotation_files(gold)]
    seen = Counter(a.document for a in annotations)
    twice = sorted(d for d, n in seen.items() if n > 1)
    if twice:
        raise AnnotationError(f"{gold}: documents annotated twice: {', '.join(twice)}")
    if not annotations:
        raise AnnotationError(f"{gold}: no annotation files")
    return annotations


def default_roots(shared: Path | None = None) -> dict[str, Path]:
    """Where `repo:` and `shared:` sources live; `shared` is the shared folder or its corpora."""
    root = shared if shared is not None else DEFAULT_SHARED
    if not (root / "real").is_dir() and (root / "corpora").is_dir():
        root = root / "corpora"
    return {"repo": REPO_ROOT, "shared": root}


def resolve_source(source: str, roots: Mapping[str, Path]) -> Path:
    scheme, _, relative = source.partition(":")
    return roots[scheme] / relative


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- provision labels ---------------------------------------------------------------------------

_PREFIX = re.compile(
    r"^(?:(?:(?:art[íi]culos?|articles?|arts?|sections?|secs?|ss?|regulations?|regs?|rules?"
    r"|paragraphs?|paras?|no|n[°º])(?![a-zà-ÿ])\.?|§+)\s*)+",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"^(?P<code>[lrd]\.?\s?(?=\d))?(?P<num>\d+(?:[.\-]\d+)*)(?P<letter>[a-z](?![a-z]))?"
    r"(?:\s*(?:°|º|er|re|o)(?![a-z]))?"
    r"(?:[\s.\-]*(?P<latin>bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies)\b)?",
    re.IGNORECASE,
)
_DIVISIONS = re.compile(
    r"^(?P<word>schedule|annex|annexe|anexo|part|partie|parte|title|titre|t[íi]tulo|chapter"
    r"|chapitre|cap[íi]tulo|form)(?:\s*(?P<num>[0-9ivxlc]+|[a-z])\b)?",
    re.IGNORECASE,
)
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)*(?:-\d+)?")
_ORDINALS = {"premier": "1", "première": "1", "primero": "1", "único": "unico", "unique": "unique"}


def normalise_provision(label: str) -> str:
    """The top-level number of a provision label, in one canonical form.

    `58.1(1)(b)` -> `58.1`; `Article L313-3, al. 2` and `art. L. 313-3` -> `l313-3`;
    `Art. 7 bis` and `7bis` -> `7bis`; `Artículo 2° a)` -> `2`; `§ 921(a)(3)` -> `921`;
    `Section 76a(14) b)` -> `76a`; `Schedule 1, para. 2` -> `schedule1`; and every article
    style segmentation reads (`Статья 5 1.` -> `5`, `المادة (17) 1-` -> `17`, `第十二条（一）` ->
    `12`), through the same tables (`segment.article_number`).
    """
    text = " ".join(label.replace("\u00a0", " ").split()).strip().lower()
    number = article_number(text)
    if number is not None and (not number.isascii() or _PLAIN_NUMBER.fullmatch(number)):
        return number
    text = _PREFIX.sub("", text).strip()
    first = text.split(" ", 1)[0].strip(".,;:")
    if first in _ORDINALS:
        return _ORDINALS[first]
    if match := _NUMBER.match(text):
        # A code letter belongs to the number only in hyphenated code numbers (L. 101-2, R311-1).
        code = (match["code"] or "").replace(".", "").strip() if "-" in match["num"] else ""
        latin = match["latin"] or ""
        return f"{code}{match['num']}{match['letter'] or ''}{latin}".lower()
    if match := _DIVISIONS.match(text):
        return f"{match['word']}{match['num'] or ''}".lower()
    return re.sub(r"[^0-9a-zà-ÿ]+", "", text)


def provisions_match(gold: Iterable[str], tool: Iterable[str]) -> bool:
    """One of the tool's provisions has the top-level number of one of the gold's. A label with no
    number left after normalising matches nothing: two unreadable labels are not a hit."""
    wanted = {normalise_provision(g) for g in gold} - {""}
    return any(normalise_provision(t) in wanted for t in tool)


# --- metric functions ---------------------------------------------------------------------------


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (the figure is undefined)."""
    return numerator / denominator if denominator else None


def f1_score(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (gold, tool) label pairs; None when chance agreement is total."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(1 for g, t in pairs if g == t) / n
    gold = Counter(g for g, _ in pairs)
    tool = Counter(t for _, t in pairs)
    expected = sum(gold[label] * tool[label] for label in gold) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def class_scores(pairs: Sequence[tuple[str, str]], label: str) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and support of one class (an undefined precision or recall is 0)."""
    tp = sum(1 for g, t in pairs if g == label and t == label)
    predicted = sum(1 for _, t in pairs if t == label)
    support = sum(1 for g, _ in pairs if g == label)
    precision = ratio(tp, predicted) or 0.0
    recall = ratio(tp, support) or 0.0
    return precision, recall, f1_score(precision, recall) or 0.0, support


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Mean F1 over the classes that occur in the gold or the tool labels."""
    labels = sorted({g for g, _ in pairs} | {t for _, t in pairs})
    if not labels:
        return None
    return sum(class_scores(pairs, label)[2] for label in labels) / len(labels)


def as_status(tool: str) -> str:
    """The tool status on the gold scale: `unclear` is read as `missing`."""
    return "missing" if tool == "unclear" else tool


def detected(status: str) -> bool:
    return status in POSITIVE


# --- results ------------------------------------------------------------------------------------


class Rate(Frozen):
    count: int
    total: int
    rate: float | None


class Detection(Frozen):
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None


class ClassScore(Frozen):
    precision: float
    recall: float
    f1: float
    support: int


class StatusScores(Frozen):
    accuracy: float | None
    macro_f1: float | None
    kappa: float | None
    per_class: dict[str, ClassScore]


class EvidenceScore(Frozen):
    """hit@3 over gold met/partial findings with provisions; `detected_*` only where the tool
    found the obligation (met or partial)."""

    hits: int
    total: int
    hit_at_3: float | None
    detected_hits: int
    detected_total: int
    hit_at_3_detected: float | None


class Metrics(Frozen):
    n: int
    detection: Detection
    status: StatusScores
    unclear: Rate
    false_met: Rate
    evidence: EvidenceScore
    confusion: dict[str, dict[str, int]]


class Row(Frozen):
    """One annotated obligation of one document: the gold and what the tool said."""

    document: str
    language: str
    obligation: str
    category: str
    gold: GoldStatus
    tool: Status
    gold_provisions: tuple[str, ...] = ()
    tool_provisions: tuple[str, ...] = ()
    evidence_hit: bool | None = None
    note: str = ""


class DocumentResult(Frozen):
    id: str
    source: str
    language: str
    evaluated: bool
    annotated: int
    seconds: float | None = None
    tool_language: str | None = None
    tool_counts: dict[str, int] = Field(default_factory=dict)
    gold_counts: dict[str, int] = Field(default_factory=dict)


class Agreement(Frozen):
    """Tool statuses of a document and of its translation, over every obligation."""

    document: str
    translation_of: str
    n: int
    same: int
    share: float | None
    differing: dict[str, tuple[str, str]]


class MutationOutcome(Frozen):
    document: str
    obligation: str
    description: str
    before: Status | None
    after: Status | None
    caught: bool | None


class MutationScore(Frozen):
    total: int
    applied: int
    caught: int
    score: float | None
    baseline_missing: int
    outcomes: tuple[MutationOutcome, ...]


class EvalResult(Frozen):
    tool_version: str
    checklists: dict[str, str]
    gold: str
    documents: tuple[DocumentResult, ...]
    skipped: int
    overall: Metrics
    by_language: dict[str, Metrics]
    by_category: dict[str, Metrics]
    by_document: dict[str, Metrics]
    agreement: dict[str, Agreement]
    mutations: MutationScore | None = None
    warnings: tuple[EvalWarning, ...] = ()
    rows: tuple[Row, ...] = ()


def compute_metrics(rows: Sequence[Row]) -> Metrics:
    """Every figure for a set of rows (pure: the tests check it against hand-computed values)."""
    det = [(detected(r.gold), detected(r.tool)) for r in rows]
    tp = sum(1 for g, t in det if g and t)
    fp = sum(1 for g, t in det if not g and t)
    fn = sum(1 for g, t in det if g and not t)
    tn = sum(1 for g, t in det if not g and not t)
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    detection = Detection(
        tp=tp, fp=fp, fn=fn, tn=tn, precision=precision, recall=recall,
        f1=f1_score(precision, recall),
        kappa=cohen_kappa([(str(g), str(t)) for g, t in det]),
    )
    pairs = [(r.gold, as_status(r.tool)) for r in rows]
    per_class = {}
    for label in GOLD_STATUSES:
        precision_c, recall_c, f1_c, support = class_scores(pairs, label)
        per_class[label] = ClassScore(precision=precision_c, recall=recall_c, f1=f1_c,
                                      support=support)
    status = StatusScores(
        accuracy=ratio(sum(1 for g, t in pairs if g == t), len(pairs)),
        macro_f1=macro_f1(pairs), kappa=cohen_kappa(pairs), per_class=per_class,
    )
    unclear = sum(1 for r in rows if r.tool == "unclear")
    gold_missing = [r for r in rows if r.gold == "missing"]
    false_met = sum(1 for r in gold_missing if r.tool == "met")
    located = [r for r in rows if r.evidence_hit is not None]
    located_detected = [r for r in located if detected(r.tool)]
    hits = sum(1 for r in located if r.evidence_hit)
    detected_hits = sum(1 for r in located_detected if r.evidence_hit)
    evidence = EvidenceScore(
        hits=hits, total=len(located), hit_at_3=ratio(hits, len(located)),
        detected_hits=detected_hits, detected_total=len(located_detected),
        hit_at_3_detected=ratio(detected_hits, len(located_detected)),
    )
    confusion = {g: dict.fromkeys(TOOL_STATUSES, 0) for g in GOLD_STATUSES}
    for row in rows:
        confusion[row.gold][row.tool] += 1
    return Metrics(
        n=len(rows), detection=detection, status=status,
        unclear=Rate(count=unclear, total=len(rows), rate=ratio(unclear, len(rows))),
        false_met=Rate(count=false_met, total=len(gold_missing),
                       rate=ratio(false_met, len(gold_missing))),
        evidence=evidence, confusion=confusion,
    )


def _rows_for(annotation: Annotation, report: Report, checklist: Checklist) -> list[Row]:
    findings: dict[str, Finding] = {f.obligation_id: f for f in report.findings}
    categories = {o.id: o.category for o in checklist.obligations}
    rows = []
    for obligation, gold in annotation.findings.items():
        finding = findings[obligation]
        top = tuple(e.provision for e in finding.evidence[:3])
        hit = None
        if gold.status in POSITIVE and gold.provisions:
            hit = provisions_match(gold.provisions, top)
        rows.append(Row(
            document=annotation.document, language=annotation.language, obligation=obligation,
            category=categories[obligation], gold=gold.status, tool=finding.status,
            gold_provisions=gold.provisions, tool_provisions=top, evidence_hit=hit,
            note=gold.note,
        ))
    return rows


def _review(data: bytes, path: Path, checklist: Checklist) -> tuple[Document, Report]:
    document = ingest_bytes(data, name=path.name, path=str(path))
    return document, review_documents([document], checklist=checklist).report


def _group(rows: Sequence[Row], key: str) -> dict[str, Metrics]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return {name: compute_metrics(groups[name]) for name in sorted(groups)}


def evaluate(gold_dir: Path | str, *, corpus_roots: Mapping[str, Path] | None = None,
             mutations: Path | str | None = None) -> EvalResult:
    """Review every annotated document under `gold_dir` and measure the tool against the gold."""
    gold = Path(gold_dir)
    roots = dict(corpus_roots) if corpus_roots is not None else default_roots()
    checklists: dict[str, Checklist] = {}
    annotations = load_annotations(gold, checklists=checklists)
    mutation_specs = load_mutations(Path(mutations)) if mutations is not None else None
    warnings: list[EvalWarning] = []
    documents: list[DocumentResult] = []
    rows: list[Row] = []
    reports: dict[str, Report] = {}
    sources: dict[str, tuple[bytes, Path, Checklist]] = {}
    for annotation in annotations:
        checklist = checklists[annotation.checklist]
        path = resolve_source(annotation.source, roots)
        gold_counts = dict(Counter(g.status for g in annotation.findings.values()))
        base = {"id": annotation.document, "source": annotation.source,
                "language": annotation.language, "annotated": len(annotation.findings),
                "gold_counts": gold_counts}
        if not path.is_file():
            warnings.append(EvalWarning(code=EvalCode.SOURCE_MISSING, document=annotation.document,
                                        message=f"{path} not found; document skipped"))
            documents.append(DocumentResult(**base, evaluated=False))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != annotation.sha256:
            warnings.append(EvalWarning(
                code=EvalCode.SHA_MISMATCH, document=annotation.document,
                message=f"{path} has sha256 {digest}, the annotation was made on "
                        f"{annotation.sha256}; document skipped"))
            documents.append(DocumentResult(**base, evaluated=False))
            continue
        started = time.perf_counter()
        document, report = _review(data, path, checklist)
        seconds = time.perf_counter() - started
        if not document.readable:
            warnings.append(EvalWarning(
                code=EvalCode.DOCUMENT_UNREADABLE, document=annotation.document,
                message=f"{path} could not be read ({document.status}); its findings are unclear"))
        reports[annotation.document] = report
        sources[annotation.document] = (data, path, checklist)
        rows.extend(_rows_for(annotation, report, checklist))
        documents.append(DocumentResult(
            **base, evaluated=True, seconds=round(seconds, 2), tool_language=document.language,
            tool_counts=dict(report.summary.by_status),
        ))
    agreement = {}
    for annotation in annotations:
        if annotation.translation_of is None or annotation.document not in reports:
            continue
        original = reports.get(annotation.translation_of)
        if original is None:
            warnings.append(EvalWarning(
                code=EvalCode.TRANSLATION_MISSING, document=annotation.document,
                message=f"{annotation.translation_of} was not evaluated; no agreement figure"))
            continue
        agreement[annotation.document] = translation_agreement(
            original, reports[annotation.document], annotation.translation_of,
            annotation.document)
    mutation_score = None
    if mutation_specs is not None:
        mutation_score, mutation_warnings = run_mutations(mutation_specs, reports, sources)
        warnings.extend(mutation_warnings)
    return EvalResult(
        tool_version=tool_version(),
        checklists={name: loaded.version for name, loaded in sorted(checklists.items())},
        gold=str(gold), documents=tuple(documents),
        skipped=sum(1 for d in documents if not d.evaluated),
        overall=compute_metrics(rows), by_language=_group(rows, "language"),
        by_category=_group(rows, "category"), by_document=_group(rows, "document"),
        agreement=agreement, mutations=mutation_score,
        warnings=tuple(warnings), rows=tuple(rows),
    )


def translation_agreement(original: Report, translation: Report, original_id: str,
                          translation_id: str) -> Agreement:
    first = {f.obligation_id: f.status for f in original.findings}
    second = {f.obligation_id: f.status for f in translation.findings}
    common = [o for o in first if o in second]
    differing = {o: (first[o], second[o]) for o in common if first[o] != second[o]}
    same = len(common) - len(differing)
    return Agreement(document=translation_id, translation_of=original_id, n=len(common),
                     same=same, share=ratio(same, len(common)), differing=differing)


# --- mutations ----------------------------------------------------------------------------------


class Mutation(Frozen):
    """A minimal edit of an annotated document that should lower one obligation's status."""

    document: str
    obligation: str
    find: str = Field(min_length=1)
    replace: str
    expect: Literal["lower"] = "lower"
    description: str = ""


class MutationFile(Frozen):
    mutations: tuple[Mutation, ...] = Field(min_length=1)


def load_mutations(path: Path) -> tuple[Mutation, ...]:
    try:
        return MutationFile.model_validate(_yaml(path)).mutations
    except ValidationError as exc:
        raise AnnotationError(f"{path}: {exc}") from exc


def apply_mutation(text: str, mutation: Mutation) -> str | None:
    """The edited text, or None when `find` does not occur exactly once."""
    if text.count(mutation.find) != 1:
        return None
    return text.replace(mutation.find, mutation.replace)


def run_mutations(mutations: Sequence[Mutation], reports: Mapping[str, Report],
                  sources: Mapping[str, tuple[bytes, Path, Checklist]]
                  ) -> tuple[MutationScore, list[EvalWarning]]:
    """Apply each mutation in memory, review the edited text, and see whether the status drops."""
    warnings = []
    outcomes = []
    for mutation in mutations:
        report = reports.get(mutation.document)
        before = after = None
        if report is None:
            warnings.append(EvalWarning(code=EvalCode.MUTATION_NO_DOCUMENT,
                                        document=mutation.document,
                                        message=f"mutation of {mutation.obligation}: document "
                                                "not evaluated; skipped"))
        else:
            data, path, checklist = sources[mutation.document]
            before = next(f.status for f in report.findings
                          if f.obligation_id == mutation.obligation)
            edited = apply_mutation(data.decode("utf-8"), mutation)
            if edited is None:
                warnings.append(EvalWarning(
                    code=EvalCode.MUTATION_NOT_UNIQUE, document=mutation.document,
                    message=f"mutation of {mutation.obligation}: {mutation.find[:60]!r} does "
                            "not occur exactly once; not applied"))
            else:
                _, mutated = _review(edited.encode("utf-8"), path, checklist)
                after = next(f.status for f in mutated.findings
                             if f.obligation_id == mutation.obligation)
        outcomes.append(MutationOutcome(
            document=mutation.document, obligation=mutation.obligation,
            description=mutation.description, before=before, after=after,
            caught=None if before is None or after is None else RANK[after] < RANK[before]))
    applied = [o for o in outcomes if o.caught is not None]
    caught = sum(1 for o in applied if o.caught)
    return MutationScore(
        total=len(outcomes), applied=len(applied), caught=caught,
        score=ratio(caught, len(applied)),
        baseline_missing=sum(1 for o in applied if o.before == "missing"),
        outcomes=tuple(outcomes),
    ), warnings


# --- thresholds ---------------------------------------------------------------------------------


class Thresholds(Frozen):
    """Guards on figures of the JSON result, addressed by dotted paths (`overall.detection.f1`)."""

    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)


class Guard(Frozen):
    path: str
    bound: Literal["min", "max"]
    limit: float
    value: float | None
    ok: bool


def load_thresholds(path: Path) -> Thresholds:
    try:
        return Thresholds.model_validate(_yaml(path))
    except ValidationError as exc:
        raise AnnotationError(f"{path}: {exc}") from exc


def figure(data: Any, path: str) -> Any:
    """The value at a dotted path of the JSON result."""
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise AnnotationError(f"thresholds: no figure {path!r} in the result")
        value = value[part]
    return value


def check_thresholds(result: EvalResult, thresholds: Thresholds) -> tuple[Guard, ...]:
    """Every guard with its value; a figure that could not be computed fails its guard."""
    data = result.model_dump(mode="json")
    guards = []
    for bound, limits in (("min", thresholds.min), ("max", thresholds.max)):
        for path, limit in limits.items():
            value = figure(data, path)
            if value is not None and not isinstance(value, int | float):
                raise AnnotationError(f"thresholds: {path!r} is not a number")
            ok = value is not None and (value >= limit if bound == "min" else value <= limit)
            guards.append(Guard(path=path, bound=bound, limit=limit, value=value, ok=ok))
    return tuple(guards)


# --- readable output ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


FIGURE_HEADER = ("| scope | n | det. P | det. R | det. F1 | det. κ | status acc. | macro-F1 "
                 "| status κ | unclear % | false-met % | hit@3 |")


def figure_row(scope: str, m: Metrics) -> str:
    d, s = m.detection, m.status
    return (f"| {scope} | {m.n} | {_pct(d.precision)} | {_pct(d.recall)} | {_pct(d.f1)} "
            f"| {_num(d.kappa)} | {_pct(s.accuracy)} | {_pct(s.macro_f1)} | {_num(s.kappa)} "
            f"| {_pct(m.unclear.rate)} | {_pct(m.false_met.rate)} "
            f"({m.false_met.count}/{m.false_met.total}) "
            f"| {_pct(m.evidence.hit_at_3)} ({m.evidence.hits}/{m.evidence.total}) |")


def format_table(result: EvalResult, guards: Sequence[Guard] = ()) -> str:
    """The figures as Markdown tables: documents, overall, per language, per category."""
    checklists = ", ".join(f"{name} {version}" for name, version in result.checklists.items())
    lines = [f"checker {result.tool_version}; checklist {checklists}; gold {result.gold}", "",
             "| document | lang | annotated | gold met/partial/missing | tool met/partial/missing"
             "/unclear | det. F1 | status acc. | hit@3 | s |",
             "|---|---|---:|---|---|---:|---:|---:|---:|"]
    for d in result.documents:
        gold = "/".join(str(d.gold_counts.get(s, 0)) for s in GOLD_STATUSES)
        tool = ("/".join(str(d.tool_counts.get(s, 0)) for s in TOOL_STATUSES)
                if d.evaluated else "skipped")
        seconds = f"{d.seconds:.1f}" if d.seconds is not None else "–"
        dm = result.by_document.get(d.id)
        figures = (f"{_pct(dm.detection.f1)} | {_pct(dm.status.accuracy)} | "
                   f"{_pct(dm.evidence.hit_at_3)}" if dm else "– | – | –")
        lines.append(f"| {d.id} | {d.language} | {d.annotated} | {gold} | {tool} | {figures} "
                     f"| {seconds} |")
    separator = "|---|---:|" + "---:|" * 10
    lines += ["", FIGURE_HEADER, separator, figure_row("**overall**", result.overall)]
    lines += [figure_row(f"lang {name}", m) for name, m in result.by_language.items()]
    lines += [figure_row(name, m) for name, m in result.by_category.items()]
    if result.agreement:
        lines.append("")
        for a in result.agreement.values():
            lines.append(f"Agreement {a.translation_of} ~ {a.document}: {_pct(a.share)} % "
                         f"({a.same}/{a.n} obligations with the same tool status)")
    if result.mutations is not None:
        m = result.mutations
        lines += ["", f"Mutations: {m.caught}/{m.applied} caught ({_pct(m.score)} %); "
                      f"{m.total - m.applied} not applied; {m.baseline_missing} already "
                      "'missing' before the edit"]
    if guards:
        lines += ["", "| guard | limit | value | |", "|---|---:|---:|---|"]
        for g in guards:
            sign = ">=" if g.bound == "min" else "<="
            value = "–" if g.value is None else f"{g.value:.4g}"
            lines.append(f"| {g.path} | {sign} {g.limit:g} | {value} | "
                         f"{'ok' if g.ok else 'FAIL'} |")
    return "\n".join(lines)


# --- command ------------------------------------------------------------------------------------


def eval_command(
    gold: Annotated[Path, typer.Argument(help="Annotation file or folder (searched recursively).")],
    corpus: Annotated[Path | None, typer.Option(
        help="Root of `shared:` sources (the shared folder or its corpora folder).")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json-out", help="Write the full result (figures and rows) as JSON here.")] = None,
    mutations: Annotated[Path | None, typer.Option(
        help="YAML of mutations to apply to annotated documents.")] = None,
    thresholds: Annotated[Path | None, typer.Option(
        help="YAML of guards (min/max per figure); exit 1 when one fails.")] = None,
) -> None:
    """Measure the tool against gold annotations: detection, status, evidence, mutations."""
    try:
        guard_spec = load_thresholds(thresholds) if thresholds is not None else None
        result = evaluate(gold, corpus_roots=default_roots(corpus), mutations=mutations)
        guards = check_thresholds(result, guard_spec) if guard_spec is not None else ()
    except AnnotationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    for warning in result.warnings:
        typer.echo(f"{warning.code.value} {warning.document}: {warning.message}", err=True)
    typer.echo(format_table(result, guards))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    failed = [g for g in guards if not g.ok]
    if failed:
        typer.echo(f"{len(failed)} guard(s) failed: " + ", ".join(g.path for g in failed),
                   err=True)
        raise typer.Exit(EXIT_GUARD)


eval_app = typer.Typer(add_completion=False, help="Measure the checker against gold annotations.")
eval_app.command()(eval_command)


if __name__ == "__main__":
    eval_app()
