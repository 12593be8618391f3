"""Assess: turn hits into one finding per obligation, with status, evidence, reasons, parameters.

Elements are weighed within article-level units (an article, a section): an obligation is met when
one unit carries all its elements and its parameters check out. Hits in negated or exempting
sentences never count as implementation. When the tool cannot decide (no readable text, no
indicators for the language, only passing mentions) it says `unclear` and why: a false "met" is the
worst error it can make.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from checker.checklist import Checklist, Obligation, Parameter
from checker.match import locator
from checker.models import Evidence, Finding, Hit, ParameterCheck, Provision, Status, Structure
from checker.params import CHECKERS

Checker = Callable[[Parameter, Sequence[str], str], ParameterCheck]
#: Checks whose data may be spread over a provision: a failed scan of sentences widens to units.
WIDEN_ON_FAIL = frozenset({"fields_all", "fields_any"})
#: Categories whose provisions describe rather than oblige: "may be readily converted" in a
#: definition states what the term covers, not a discretion.
DESCRIPTIVE = frozenset({"definitions"})
UNCLEAR_BELOW = 0.5
MAX_QUOTE = 480


@dataclass
class _Unit:
    structure: Structure
    provision: Provision | None
    direct: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))
    inherited: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))

    @property
    def text(self) -> str:
        text = self.structure.document.text
        return text[self.provision.start:self.provision.end] if self.provision else text

    @property
    def citation(self) -> str:
        return self.provision.citation if self.provision else "(whole text)"


def _weight(obligation: Obligation, ids: set[str]) -> float:
    total = sum(e.weight for e in obligation.elements)
    return sum(e.weight for e in obligation.elements if e.id in ids) / total


def _found(obligation: Obligation, unit: _Unit) -> set[str]:
    core = {e.id for e in obligation.core_elements}
    inherited = {e for e in unit.inherited if e not in core}
    return set(unit.direct) | inherited


def _rank(obligation: Obligation, unit: _Unit) -> tuple[bool, float, float, int]:
    """Units holding the core first, then by coverage and match quality; among equals, the unit
    that states the elements most often (the article on the subject, not the purpose article
    that names it once among many)."""
    core = {e.id for e in obligation.core_elements}
    found = _found(obligation, unit)
    strength = sum(max(h.score for h in hits) for hits in unit.direct.values())
    mentions = sum(len(hits) for hits in unit.direct.values())
    return bool(core & set(unit.direct)), _weight(obligation, found), strength, mentions


_CLAUSE_MARKS = frozenset("。，；、：！？")


def _units(obligation: Obligation, analysed: Sequence[tuple[Structure, tuple[Hit, ...]]]
           ) -> tuple[list[_Unit], list[tuple[Structure, Hit]]]:
    units: dict[tuple[str, str | None], _Unit] = {}
    negated: list[tuple[Structure, Hit]] = []
    for structure, hits in analysed:
        where = locator(structure)
        has_articles = any(p.kind == "article" for p in structure.provisions)
        for hit in hits:
            if hit.obligation_id != obligation.id:
                continue
            if hit.negated:
                negated.append((structure, hit))
                continue
            provision = where.by_id.get(hit.provision_id or "")
            if has_articles and not where.in_article(provision):
                continue  # titles, preambles and part headings state purposes, not duties
            unit_provision = where.unit(provision)
            key = (structure.document.id, unit_provision.id if unit_provision else None)
            unit = units.setdefault(key, _Unit(structure, unit_provision))
            target = unit.inherited if hit.method == "glossary" else unit.direct
            target[hit.element_id].append(hit)
    ranked = sorted(units.values(), key=lambda u: _rank(obligation, u), reverse=True)
    return ranked, negated


def _breaks_after(char: str) -> bool:
    """A quote may be cut after a space, or after a clause mark in scripts written without spaces
    (Chinese and Japanese commas and stops)."""
    return char.isspace() or char in _CLAUSE_MARKS


def _quote(structure: Structure, hit: Hit) -> tuple[int, int]:
    """A verbatim span around `hit`: its sentence, clipped to its provision and a readable size."""
    text = structure.document.text
    provision = locator(structure).deepest(hit.start)
    start = max(hit.sentence_start, provision.start if provision else 0)
    end = min(hit.sentence_end, provision.end if provision else len(text))
    if end - start > MAX_QUOTE:
        start = max(start, hit.start - MAX_QUOTE // 3)
        end = min(end, start + MAX_QUOTE)
        while start > 0 and start < hit.start and not _breaks_after(text[start - 1]):
            start += 1
        while end < len(text) and end > hit.end and not _breaks_after(text[end - 1]):
            end -= 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _evidence(obligation: Obligation, units: list[_Unit], limit: int) -> tuple[Evidence, ...]:
    evidence = []
    for unit in units[:limit]:
        hits = [h for hs in unit.direct.values() for h in hs] or [
            h for hs in unit.inherited.values() for h in hs]
        by_sentence: dict[int, set[str]] = defaultdict(set)
        for hit in hits:
            by_sentence[hit.sentence_start].add(hit.element_id)
        best_sentence = max(by_sentence, key=lambda s: (len(by_sentence[s]), -s))
        hit = min((h for h in hits if h.sentence_start == best_sentence), key=lambda h: h.start)
        start, end = _quote(unit.structure, hit)
        document = unit.structure.document
        provision = locator(unit.structure).deepest(start)
        evidence.append(Evidence(
            document=document.id, provision=provision.citation if provision else unit.citation,
            page=document.page_at(start), quote=document.text[start:end],
            score=round(_rank(obligation, unit)[1], 3), start=start, end=end,
        ))
    return tuple(evidence)


def _scopes(parameter: Parameter, units: list[_Unit]) -> list[list[str]]:
    """Texts to scan, narrowest first: hit sentences of the best unit, the unit, the top units that
    state the parameter's elements themselves (a name in a register of brokers does not complete
    the contents of an import permit)."""
    best = units[0]
    wanted = set(parameter.elements) or set(best.direct)
    text = best.structure.document.text
    sentences = sorted({(h.sentence_start, h.sentence_end)
                        for e in wanted for h in best.direct.get(e, [])})
    others = [u.text for u in units[:3] if u is best or wanted <= set(u.direct)]
    return [[text[s:e] for s, e in sentences], [best.text], others]


def _check(parameter: Parameter, units: list[_Unit], lang: str,
           checkers: Mapping[str, Checker]) -> ParameterCheck:
    checker = checkers[parameter.check]
    result: ParameterCheck | None = None
    for texts in _scopes(parameter, units):
        if not texts:
            continue
        result = checker(parameter, texts, lang)
        if result.ok is True or (result.ok is False and parameter.check not in WIDEN_ON_FAIL):
            return result
    if result is None:
        return checker(parameter, [], lang)
    return result


def _describe(obligation: Obligation, ids: set[str]) -> list[str]:
    return [e.description for e in obligation.elements if e.id in ids]


def assess_obligation(obligation: Obligation,
                      analysed: Sequence[tuple[Structure, tuple[Hit, ...]]], *,
                      checkers: Mapping[str, Checker] = CHECKERS,
                      max_evidence: int = 3) -> Finding:
    """The finding for one obligation over a dossier of analysed documents."""
    base = {"obligation_id": obligation.id, "title": obligation.title,
            "article": obligation.article, "category": obligation.category,
            "level": obligation.level}
    readable = [s for s, _ in analysed if s.document.readable]
    findable = obligation.languages()
    covered = [s for s in readable if s.document.language in findable]
    if not covered:
        why = ("no document could be read" if not readable else
               "the checklist has no indicators for this obligation in the language of the "
               "documents (" + ", ".join(sorted({s.document.language for s in readable})) + ")")
        return Finding(**base, status="unclear", confidence=0.0,
                       reasons=(f"Cannot assess: {why}.",),
                       elements_missing=tuple(e.id for e in obligation.elements))
    units, negated = _units(obligation, analysed)
    holds_core = [_rank(obligation, u)[0] for u in units]
    relevant = [u for u, core in zip(units, holds_core, strict=True) if core]
    all_ids = {e.id for e in obligation.elements}
    if not relevant:
        return _not_found(obligation, base, units, negated, covered, all_ids,
                          max_evidence=max_evidence)
    best = relevant[0]
    found = _found(obligation, best)
    missing = all_ids - found
    coverage = _weight(obligation, found)
    spread = set().union(*(set(u.direct) for u in relevant)) - found
    reasons = _found_reasons(obligation, best, found)
    reasons += [f"Not found: {d}." for d in _describe(obligation, missing - spread)]
    if spread & missing:
        reasons += [f"Found only in another provision: {d}." for d in
                    _describe(obligation, spread & missing)]
    status: Status = "met" if not missing else "partial"
    if missing and coverage < UNCLEAR_BELOW and not spread:
        status = "unclear"
        reasons.append("Only the subject is mentioned; none of its specific elements were found.")
    permissive = [e for e in obligation.core_elements if e.id in best.direct
                  and all(h.permissive for h in best.direct[e.id])]
    if (permissive and obligation.level.startswith("mandatory") and status == "met"
            and obligation.category not in DESCRIPTIVE):
        status = "partial"
        reasons.append("Stated as a possibility, not a duty ('may'): "
                       + "; ".join(e.description for e in permissive) + ".")
    lang = best.structure.document.language
    checks = tuple(_check(p, relevant, lang, checkers) for p in obligation.parameters)
    for check in checks:
        if check.ok is False and status == "met":
            status = "partial"
        if check.ok is not True:
            verdict = "does not meet" if check.ok is False else "could not be verified against"
            reasons.append(f"Parameter {check.name}: {check.found or 'nothing found'} "
                           f"{verdict} {check.required}.")
        if check.ok is None and status == "met":
            status = "partial"
    if negated:
        reasons.append(_negated_reason(negated))
    confidence = _confidence(obligation, status, best, coverage, checks)
    # Evidence: the units holding the core first; then, while there is room, the units holding its
    # other elements, where a reader looks for what is missing.
    others = [u for u, core in zip(units, holds_core, strict=True) if not core]
    return Finding(**base, status=status, confidence=confidence,
                   evidence=_evidence(obligation, relevant + others, max_evidence),
                   reasons=tuple(reasons), parameters=checks,
                   elements_found=tuple(sorted(found)), elements_missing=tuple(sorted(missing)))


def _confidence(obligation: Obligation, status: Status, best: _Unit, coverage: float,
                checks: tuple[ParameterCheck, ...]) -> float:
    """How much the finding can be trusted: exact matches, elements stated rather than inherited
    from a definition, parameters verified, evidence in a short unit, a document read cleanly."""
    if status == "unclear":
        return 0.3
    if status == "partial":
        return round(0.45 + 0.3 * coverage, 3)
    scores = [max(h.score for h in hits) for hits in best.direct.values()]
    exactness = sum(scores) / max(1, len(scores))
    stated = len(best.direct) / len(obligation.elements)
    verified = 1.0 if checks and all(c.ok for c in checks) else 0.5
    focused = 1.0 if best.provision is None or best.provision.end - best.provision.start < 2500 \
        else 0.5
    clean = 1.0 if best.structure.document.status == "ok" else 0.5
    value = 0.45 + 0.15 * exactness + 0.1 * stated + 0.1 * verified + 0.1 * focused + 0.05 * clean
    return round(min(value, 0.95), 3)


def _found_reasons(obligation: Obligation, unit: _Unit, found: set[str]) -> list[str]:
    reasons = []
    for element in obligation.elements:
        if element.id in unit.direct:
            reasons.append(f"Found: {element.description} ({unit.citation}).")
        elif element.id in found:
            via = unit.inherited[element.id][0].via_definition
            reasons.append(f"Found through the definition of '{via}': {element.description} "
                           f"({unit.citation}).")
    return reasons


def _negated_reason(negated: list[tuple[Structure, Hit]]) -> str:
    structure, hit = negated[0]
    provision = locator(structure).deepest(hit.start)
    where = provision.citation if provision else structure.document.id
    return (f"Ignored {len(negated)} mention(s) in exempting, negated or delegating sentences "
            f"(e.g. {where}).")


def _not_found(obligation: Obligation, base: dict[str, str], units: list[_Unit],
               negated: list[tuple[Structure, Hit]], covered: list[Structure],
               all_ids: set[str], *, max_evidence: int) -> Finding:
    reasons = ["No provision states the core of this obligation: "
               + "; ".join(_describe(obligation, {e.id for e in obligation.core_elements})) + "."]
    status: Status = "missing"
    confidence = 0.75
    core = {e.id for e in obligation.core_elements}
    negated = [(s, h) for s, h in negated if h.element_id in core]
    if negated:
        status, confidence = "unclear", 0.35
        reasons.append(_negated_reason(negated) + " Check whether these exemptions are the only "
                       "rule on the subject.")
    elif units:
        reasons.append("Related wording found without the core: " + "; ".join(
            _describe(obligation, set().union(*(set(u.direct) for u in units)))) + ".")
    weak = [s for s in covered if s.document.status != "ok" or not any(
        p.kind == "article" for p in s.provisions)]
    if weak and status == "missing":
        confidence = 0.55
        reasons.append("Some text was read with losses or without structure; a gap may be a "
                       "reading problem.")
    return Finding(**base, status=status, confidence=confidence, reasons=tuple(reasons),
                   evidence=_evidence(obligation, units, max_evidence) if units else (),
                   elements_missing=tuple(sorted(all_ids)))


def assess(checklist: Checklist, analysed: Sequence[tuple[Structure, tuple[Hit, ...]]], *,
           checkers: Mapping[str, Checker] = CHECKERS, max_evidence: int = 3
           ) -> tuple[Finding, ...]:
    """One finding per obligation of `checklist`, always: gaps are explicit rows."""
    # Hits grouped by obligation once: scanning every hit for each obligation made dense texts
    # (Chinese, thousands of hits) spend most of their time here.
    grouped: dict[str, list[list[Hit]]] = defaultdict(lambda: [[] for _ in analysed])
    for index, (_, hits) in enumerate(analysed):
        for hit in hits:
            grouped[hit.obligation_id][index].append(hit)
    empty: list[list[Hit]] = [[] for _ in analysed]
    return tuple(
        assess_obligation(
            o, [(s, tuple(h)) for (s, _), h in zip(analysed, grouped.get(o.id, empty),
                                                   strict=True)],
            checkers=checkers, max_evidence=max_evidence)
        for o in checklist.obligations)
