"""Checklists: the legal knowledge of the tool, loaded from YAML under strict schemas.

A checklist is a list of obligations. Each obligation is made of elements that a law must contain,
each element findable on its own through per-language indicators. Nothing in code knows any
obligation: adding one, or a language, is a data change.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from checker.errors import CheckerError, Code

Level = Literal[
    "mandatory",
    "mandatory-subject-to-legal-system",
    "optional-must-consider",
    "optional",
    "recommended",
]
Category = Literal[
    "definitions",
    "criminalization",
    "marking",
    "record-keeping",
    "licensing-transfers",
    "deactivation",
    "brokering",
    "confiscation-disposal",
    "security-prevention",
    "cooperation-information",
    "jurisdiction",
    "legal-persons",
    "procedural",
]
Instrument = Literal["FP", "UNTOC", "ML", "COP"]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Indicators(Strict):
    """How an element shows in one language.

    `terms`: phrases, any of which signals the element (matched on lower-cased lemmas, so "records"
    matches "record"). `context`: when given, one of these phrases must also occur in the same
    sentence, which keeps generic words ("mark", "record") from firing on their own.
    `exclude`: phrases that void the element in a sentence where they occur (destruction offered
    alongside "sale" or "auction" is not destruction as the rule).
    """

    terms: tuple[str, ...] = Field(min_length=1)
    context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class Element(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str
    core: bool = False
    #: The element is itself an exemption ("this Act does not apply to the armed forces"): the
    #: sentences that exempt or negate are where it is stated, so they count for it.
    exempting: bool = False
    weight: float = Field(default=1.0, gt=0.0, le=5.0)
    indicators: dict[str, Indicators]


class FieldSpec(Strict):
    """A named datum a parameter looks for (e.g. 'serial number' among required marking data)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    indicators: dict[str, tuple[str, ...]]


class Parameter(Strict):
    """A concrete, checkable value. `check` names a checker in `checker.params.CHECKERS`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    check: str
    description: str
    required: int | None = None
    fields: tuple[FieldSpec, ...] = ()
    elements: tuple[str, ...] = ()


class Obligation(Strict):
    id: str = Field(pattern=r"^(fp|untoc|ml|cop)\.[a-z0-9.\-]+$")
    instrument: Instrument
    article: str
    category: Category
    level: Level
    title: str
    requirement: str
    elements: tuple[Element, ...] = Field(min_length=1)
    parameters: tuple[Parameter, ...] = ()
    #: "definitions": the obligation is a definition the law must give, so only the text of the
    #: law's definitions counts for it ("converted automatic firearms" in a licensing rule is not
    #: a conversion test), each definition read as one statement.
    stated_in: Literal["anywhere", "definitions"] = "anywhere"
    pitfalls: tuple[str, ...] = ()
    model_law_chapter: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Obligation:
        ids = [e.id for e in self.elements]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate element ids")
        if not any(e.core for e in self.elements):
            raise ValueError(f"{self.id}: at least one element must be core")
        for p in self.parameters:
            unknown = set(p.elements) - set(ids)
            if unknown:
                raise ValueError(f"{self.id}: parameter {p.name} scopes unknown elements {unknown}")
        return self

    @property
    def core_elements(self) -> tuple[Element, ...]:
        return tuple(e for e in self.elements if e.core)

    def languages(self) -> set[str]:
        """Languages in which the obligation can be found: every core element has indicators."""
        sets = [set(e.indicators) for e in self.core_elements]
        return set.intersection(*sets) if sets else set()


class Checklist(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*(\+[a-z0-9][a-z0-9-]*)*$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+(\+\d+\.\d+\.\d+)*$")
    title: str
    description: str = ""
    obligations: tuple[Obligation, ...]

    @field_validator("obligations")
    @classmethod
    def _unique_ids(cls, value: tuple[Obligation, ...]) -> tuple[Obligation, ...]:
        ids = [o.id for o in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate obligation ids: {dupes}")
        return value

    def languages(self) -> set[str]:
        return {lang for o in self.obligations for e in o.elements for lang in e.indicators}

    def coverage(self) -> dict[str, int]:
        """Per language, how many obligations it can find: those whose core elements all have
        indicators in it. A language short of the total leaves the rest `unclear`."""
        return {lang: sum(lang in o.languages() for o in self.obligations)
                for lang in sorted(self.languages())}

    def select(
        self, *, levels: tuple[str, ...] = (), categories: tuple[str, ...] = ()
    ) -> Checklist:
        """A copy keeping only the given levels and categories (empty = keep all)."""
        kept = tuple(
            o
            for o in self.obligations
            if (not levels or o.level in levels) and (not categories or o.category in categories)
        )
        return self.model_copy(update={"obligations": kept})


class ObligationIndicators(Strict):
    """One obligation's indicators in one language, kept outside the checklist file."""

    elements: dict[str, Indicators] = Field(default_factory=dict)
    fields: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)


class LanguageIndicators(Strict):
    """`checklists/languages/<lang>/indicators.yaml`: a language's indicators for every checklist.

    Languages added after a checklist was written keep their vocabulary in their own folder, keyed
    by obligation and element id, so one file carries a language across all checklists that share
    an obligation (the UNTOC rows of `firearms-protocol` and `untoc`) and the checklist files stay
    readable. `fields` is keyed by parameter name, then field id.
    """

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    sources: tuple[str, ...] = ()
    obligations: dict[str, ObligationIndicators]


@cache
def language_indicators() -> tuple[LanguageIndicators, ...]:
    """Every language overlay in the checklists folder, validated."""
    found = []
    for path in sorted((checklists_dir() / "languages").glob("*/indicators.yaml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        try:
            overlay = LanguageIndicators.model_validate(data)
        except ValidationError as exc:
            raise CheckerError(Code.CHECKLIST_INVALID, f"{path}: {exc}") from exc
        if overlay.language != path.parent.name:
            raise CheckerError(Code.CHECKLIST_INVALID, f"{path}: language "
                               f"{overlay.language!r} in folder {path.parent.name!r}")
        found.append(overlay)
    return tuple(found)


def _overlay_obligation(
    obligation: Obligation, lang: str, extra: ObligationIndicators
) -> Obligation:
    by_id = {e.id: e for e in obligation.elements}
    unknown = set(extra.elements) - set(by_id)
    if unknown:
        raise CheckerError(Code.CHECKLIST_INVALID,
                           f"{lang} indicators: {obligation.id} has no element {sorted(unknown)}")
    elements = []
    for element in obligation.elements:
        indicators = extra.elements.get(element.id)
        if indicators is not None:
            if lang in element.indicators:
                raise CheckerError(Code.CHECKLIST_INVALID,
                                   f"{obligation.id}/{element.id}: {lang} indicators given twice")
            element = element.model_copy(
                update={"indicators": {**element.indicators, lang: indicators}})
        elements.append(element)
    parameters = []
    params_by_name = {p.name: p for p in obligation.parameters}
    unknown = set(extra.fields) - set(params_by_name)
    if unknown:
        raise CheckerError(Code.CHECKLIST_INVALID,
                           f"{lang} indicators: {obligation.id} has no parameter {sorted(unknown)}")
    for parameter in obligation.parameters:
        phrases = extra.fields.get(parameter.name, {})
        unknown = set(phrases) - {f.id for f in parameter.fields}
        if unknown:
            raise CheckerError(Code.CHECKLIST_INVALID, f"{lang} indicators: {obligation.id} "
                               f"parameter {parameter.name} has no field {sorted(unknown)}")
        fields = tuple(
            f.model_copy(update={"indicators": {**f.indicators, lang: phrases[f.id]}})
            if f.id in phrases else f
            for f in parameter.fields
        )
        parameters.append(parameter.model_copy(update={"fields": fields}))
    return obligation.model_copy(
        update={"elements": tuple(elements), "parameters": tuple(parameters)})


def with_language_indicators(
    checklist: Checklist, overlays: tuple[LanguageIndicators, ...]
) -> Checklist:
    """The checklist with each language overlay's indicators added to its obligations."""
    obligations = list(checklist.obligations)
    for overlay in overlays:
        for index, obligation in enumerate(obligations):
            extra = overlay.obligations.get(obligation.id)
            if extra is not None:
                obligations[index] = _overlay_obligation(obligation, overlay.language, extra)
    return checklist.model_copy(update={"obligations": tuple(obligations)})


def checklists_dir() -> Path:
    """Where checklist data lives: `$CHECKER_CHECKLISTS`, the source tree, or the installed copy."""
    env = os.environ.get("CHECKER_CHECKLISTS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "checklists", here / "_data" / "checklists"):
        if candidate.is_dir():
            return candidate
    raise CheckerError(Code.CHECKLIST_UNKNOWN, "no checklists folder found")


def available_checklists() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in checklists_dir().glob("*.yaml")))


def parse_checklist(data: object, *, source: str = "<data>") -> Checklist:
    try:
        return Checklist.model_validate(data)
    except ValidationError as exc:
        raise CheckerError(Code.CHECKLIST_INVALID, f"{source}: {exc}") from exc


def combine(checklists: tuple[Checklist, ...]) -> Checklist:
    """Several checklists reviewed together (e.g. the Protocol and the COP 11/6 good practices).

    Ids and versions are joined with "+" so the report says exactly what was used; an obligation
    present in two of them (the UNTOC rows of `firearms-protocol` and `untoc`) is kept once.
    """
    if len(checklists) == 1:
        return checklists[0]
    seen: dict[str, Obligation] = {}
    for checklist in checklists:
        for obligation in checklist.obligations:
            seen.setdefault(obligation.id, obligation)
    return Checklist(
        id="+".join(c.id for c in checklists), version="+".join(c.version for c in checklists),
        title=" + ".join(c.title for c in checklists),
        description="Combined: " + ", ".join(c.id for c in checklists),
        obligations=tuple(seen.values()),
    )


def load_checklists(names: str | Sequence[str]) -> Checklist:
    """One checklist, or several combined, by id or path."""
    if isinstance(names, str):
        return load_checklist(names)
    return combine(tuple(load_checklist(name) for name in names))


@cache
def load_checklist(name_or_path: str) -> Checklist:
    """Load a checklist by id (a file in the checklists folder) or by path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = checklists_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(available_checklists()) or "none"
        raise CheckerError(
            Code.CHECKLIST_UNKNOWN, f"no checklist {name_or_path!r} (available: {known})"
        )
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return with_language_indicators(parse_checklist(data, source=str(path)), language_indicators())
