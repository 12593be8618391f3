"""Numbering: how legislative units are named and numbered, from `languages/structure.yaml`.

The table lists, per kind of unit, the keywords that open it ("Article", "Artículo", "Статья",
"المادة", "第…条"), the ordinal words and numeral characters that number it, and the annexes and
dispositions that stand outside the numbered articles. This module validates the table and
compiles it, once, into the patterns segmentation reads lines with; segmentation itself (what a
line opens, how units nest) stays in `checker.segment`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from checker.checklist import checklists_dir
from checker.params import Numerals


class Counters(BaseModel):
    """Units written prefix + number + unit word ("第五条"): the unit words by level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefixes: tuple[str, ...] = ()
    article: tuple[str, ...] = ()
    levels: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    inserted: tuple[str, ...] = ()


class CompoundOrdinals(BaseModel):
    """Ordinal words built from a unit word and a teen word, or a unit, a joiner and a ten."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    units: dict[str, int] = Field(default_factory=dict)
    teens: tuple[str, ...] = ()
    joiners: tuple[str, ...] = ()
    tens: dict[str, int] = Field(default_factory=dict)


class Annexes(BaseModel):
    """Keywords of annexes and schedules, the signs before their number, and the words joining a
    keyword to the name of its law ("Annex to Act No. 119/2002 Coll.")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keywords: tuple[str, ...] = ()
    number_marks: tuple[str, ...] = ()
    connectors: tuple[str, ...] = ()


class Dispositions(BaseModel):
    """Final and transitional dispositions numbered by ordinal words: the keyword and qualifiers
    of their group heading, and the (feminine) ordinal words that number them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keywords: tuple[str, ...] = ()
    qualifiers: tuple[str, ...] = ()
    joiners: tuple[str, ...] = ()
    ordinals: dict[str, int] = Field(default_factory=dict)
    tens: dict[str, int] = Field(default_factory=dict)


class StructureTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: dict[str, tuple[str, ...]]
    subordinate: tuple[str, ...] = ()
    article: dict[str, tuple[str, ...]]
    counters: Counters = Counters()
    numerals: Numerals = Numerals()
    equivalent_letters: tuple[str, ...] = ()
    compound_ordinals: CompoundOrdinals = CompoundOrdinals()
    ordinals: dict[str, int]
    item_words: dict[str, int] = Field(default_factory=dict)
    annexes: Annexes = Annexes()
    dispositions: Dispositions = Dispositions()


class _Either:
    """Several line patterns tried in order, used like one compiled pattern."""

    def __init__(self, *patterns: re.Pattern[str]):
        self.patterns = patterns

    def match(self, text: str) -> re.Match[str] | None:
        for pattern in self.patterns:
            found = pattern.match(text)
            if found:
                return found
        return None


@dataclass(frozen=True)
class Patterns:
    structural: _Either
    article: _Either
    bare: re.Pattern[str]
    keyword_kind: dict[str, str]
    dual_keywords: frozenset[str]
    paragraph_keywords: frozenset[str]
    paragraph_labels: re.Pattern[str]
    item_words: re.Pattern[str]
    item_values: dict[str, int]
    subordinate: frozenset[str]
    ordinals: dict[str, int]
    numerals: Numerals
    inserted: tuple[str, ...]
    fold: dict[int, str]
    annex: re.Pattern[str]
    annex_connectors: frozenset[str]
    disposition_group: re.Pattern[str]
    disposition: re.Pattern[str]
    disposition_bare: re.Pattern[str]


def _letter_classes(table: StructureTable) -> dict[str, str]:
    """Each variant letter -> a regex class of its equivalents."""
    classes: dict[str, str] = {}
    for group in table.equivalent_letters:
        for letter in group:
            classes[letter] = "[" + re.escape(group) + "]"
    return classes


def _alternation(words: list[str], classes: dict[str, str] | None = None) -> str:
    """Regex alternation of `words`, longest first, any space run between words, letter variants
    matched alike."""
    def one(word: str) -> str:
        return r"\s+".join("".join((classes or {}).get(ch) or re.escape(ch) for ch in part)
                           for part in word.split())
    return "|".join(one(w) for w in sorted(words, key=len, reverse=True))


def _fold_table(table: StructureTable) -> dict[int, str]:
    return str.maketrans({letter: group[0] for group in table.equivalent_letters
                          for letter in group})


def fold_key(word: str, fold: dict[int, str]) -> str:
    return " ".join(word.lower().translate(fold).split())


def _all_ordinals(table: StructureTable) -> dict[str, int]:
    """The plain ordinal words and every compound one (11-99) the parts build."""
    words = dict(table.ordinals)
    parts = table.compound_ordinals
    for unit, value in parts.units.items():
        for teen in parts.teens:
            words.setdefault(f"{unit} {teen}", 10 + value)
        for joiner in parts.joiners:
            for ten, tens in parts.tens.items():
                words.setdefault(f"{unit} {joiner}{ten}", tens + value)
    return words


def _disposition_ordinals(table: StructureTable) -> dict[str, int]:
    """The ordinal words of dispositions, with compounds of a tens word and a word up to nine,
    spaced or joined ("décima primera", "decimoprimera")."""
    parts = table.dispositions
    words = dict(parts.ordinals)
    for unit, value in parts.ordinals.items():
        if value < 10:
            for ten, tens in parts.tens.items():
                words.setdefault(f"{ten} {unit}", tens + value)
                words.setdefault(f"{ten}{unit}", tens + value)
    return words


def _never(words: tuple[str, ...] | list[str], pattern: str) -> str:
    """`pattern`, or one that never matches when its keyword list is empty."""
    return pattern if words else r"(?!)"


@cache
def line_patterns() -> Patterns:
    with (checklists_dir() / "languages" / "structure.yaml").open(encoding="utf-8") as handle:
        table = StructureTable.model_validate(yaml.safe_load(handle))
    classes = _letter_classes(table)
    fold = _fold_table(table)
    keyword_kind = {fold_key(kw, fold): kind for kind, kws in table.levels.items() for kw in kws}
    all_ordinals = _all_ordinals(table)
    ordinal_values = {fold_key(word, fold): value for word, value in all_ordinals.items()}
    disposition_ordinals = _disposition_ordinals(table)
    for word, value in disposition_ordinals.items():
        ordinal_values.setdefault(fold_key(word, fold), value)
    ordinals = _alternation(list(all_ordinals), classes)
    digits = r"\d"
    structural = re.compile(
        rf"^(?P<kw>{_alternation(list(keyword_kind), classes)})\s+"
        rf"(?P<num>[IVXLCDM]+|{digits}+[A-Za-z]?|[A-Z]|{ordinals})\b"
        rf"(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$",
        re.IGNORECASE,
    )
    # A one-letter suffix must touch the number ("5A"): "Art. 5º A fabricação" starts a sentence.
    suffixes = _alternation([x for x in table.article["suffixes"] if len(x) > 1], classes)
    number = (
        rf"(?:[LRDA]\.?\s?)?{digits}+(?:[.\-–]{digits}+)*(?:[\-–][A-Z](?![^\W\d_]))?[a-z]?"
        rf"(?:\.?\s?[°ºª])?(?:\s?(?:{suffixes})\b)?\.?"
    )
    keywords = _alternation(list(table.article["keywords"]), classes)
    article = re.compile(
        rf"^(?P<kw>{keywords})\s*(?P<open>\(\s*)?"
        rf"(?P<num>{number}|(?<=\s){ordinals}(?![^\W\d_]))(?P<close>(?(open)\s*\)))"
        rf"(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$",
        re.IGNORECASE,
    )
    counters = table.counters
    numeral = "".join(re.escape(c) for c in (*table.numerals.digits, *table.numerals.units,
                                            *table.numerals.groups))
    counted = rf"(?:{digits}+|[{numeral}]+)" if numeral else rf"{digits}+"
    inserted = _alternation(list(counters.inserted))
    insert = rf"(?:(?:{inserted})(?P<sub>{counted}))?" if inserted else ""

    def counter(words: list[str]) -> re.Pattern[str]:
        # The unit word must be followed by a space, a delimiter or the line end: "第五条规定"
        # at a line start continues a sentence.
        return re.compile(
            rf"^(?:{_alternation(list(counters.prefixes))})\s*(?P<num>{counted})\s*"
            rf"(?P<kw>{_alternation(words)}){insert}(?P<tail>(?:\s+|[.:：、]\s*|$|(?=[（(])))"
            r"(?P<rest>.*)$")

    counter_levels = [w for ws in counters.levels.values() for w in ws]
    for kind, words in counters.levels.items():
        for word in words:
            keyword_kind[fold_key(word, fold)] = kind
    structural_counter = [counter(counter_levels)] if counters.prefixes and counter_levels else []
    article_counter = ([counter(list(counters.article))]
                       if counters.prefixes and counters.article else [])
    annexes, dispositions = table.annexes, table.dispositions
    annex_keywords = _alternation(list(annexes.keywords), classes)
    marks = _alternation(list(annexes.number_marks), classes)
    mark = rf"(?:(?:{marks})\s*)?" if marks else ""
    # A roman numeral or a letter numbers an annex only in capitals: "Anexo a la Ley" is a
    # connector, "Annex A" a number.
    annex = re.compile(_never(annexes.keywords,
        rf"^(?:(?P<pre>{ordinals})\s+)?(?P<kw>{annex_keywords})(?![^\W\d_])"
        rf"(?:\s*{mark}(?P<num>(?-i:[IVXLC]+|[A-Z])(?![^\W\d_])|{digits}+[A-Za-z]?\b"
        rf"|(?:{ordinals})(?![^\W\d_])))?(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$"),
        re.IGNORECASE)
    group_keywords = _alternation(list(dispositions.keywords), classes)
    qualifiers = _alternation([*dispositions.qualifiers, *dispositions.joiners], classes)
    disposition_words = _alternation(list(disposition_ordinals), classes)
    disposition_group = re.compile(_never(dispositions.keywords,
        rf"^(?:{group_keywords})(?:\s+(?:{qualifiers})(?![^\W\d_]))+\s*[.:]?\s*$"),
        re.IGNORECASE)
    disposition = re.compile(_never(dispositions.keywords,
        rf"^(?P<kw>{group_keywords})(?:\s+(?:{qualifiers})(?![^\W\d_]))+\s+"
        rf"(?P<num>{disposition_words})(?![^\W\d_])(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$"),
        re.IGNORECASE)
    disposition_bare = re.compile(_never(list(disposition_ordinals),
        rf"^(?P<num>{disposition_words})(?![^\W\d_])(?P<tail>\s*[.:\-–—]+\s*|\s*$)"
        r"(?P<rest>.*)$"), re.IGNORECASE)
    bare = re.compile(
        r"^(?P<num>\d{1,4}(?:\.\d{1,3})*[A-Z]?)(?P<tail>\.?(?:[—–-]+\s*|\s+))"
        r"(?P<rest>[A-Z“\"(«].*)$")
    return Patterns(
        structural=_Either(structural, *structural_counter),
        article=_Either(article, *article_counter), bare=bare, keyword_kind=keyword_kind,
        # Keywords of a large unit in some laws and of the article in others ("Section", Maghreb
        # "الفصل"): articles when no other keyword numbers three articles.
        dual_keywords=frozenset(
            {fold_key(kw, fold) for kw in table.article["keywords"]} & set(keyword_kind)
        ) | {"sec."},
        paragraph_keywords=frozenset(
            fold_key(kw, fold) for kw in table.article.get("paragraph_keywords", ())),
        item_words=re.compile(
            rf"^(?P<wd>{_alternation(list(table.item_words), classes)})\s*[:\-–—)]\s*"
            if table.item_words else r"(?!)", re.IGNORECASE),
        item_values={fold_key(word, fold): value for word, value in table.item_words.items()},
        paragraph_labels=re.compile(
            rf"^(?P<label>{_alternation(list(table.article.get('single_paragraph', ())))})"
            r"\s*[.:\-–—]\s*" if table.article.get("single_paragraph") else r"(?!)",
            re.IGNORECASE),
        subordinate=frozenset(fold_key(kw, fold) for kw in table.subordinate),
        ordinals=ordinal_values, numerals=table.numerals, inserted=counters.inserted, fold=fold,
        annex=annex, annex_connectors=frozenset(fold_key(w, fold) for w in annexes.connectors),
        disposition_group=disposition_group, disposition=disposition,
        disposition_bare=disposition_bare)
