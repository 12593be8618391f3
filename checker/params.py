"""Concrete parameters: numbers, periods, cut-off years and named data, read out of law text.

Whether a law addresses an obligation is one question; whether the value it sets is good enough is
another (records kept for at least ten years, antiques limited to firearms made before 1900, marks
that carry the serial number). Laws write these values in words, digits or both ("ten (10) years",
"diez (10) años", "quatre-vingt-dix-neuf ans"), and the words differ by language, so every word the
readers below rely on comes from `checklists/languages/<lang>/numbers.yaml`: adding a language is a
data change. Without data for a language only digits are read, and nothing fails. Languages written
without spaces (Chinese) set `spaced: false`: numbers are then read from numeral characters
("二十" = 20, "一百零三" = 103, `numerals`), digits may touch letters ("10年"), and phrases match
without word boundaries ("不少于十年", "五年以上十年以下有期徒刑").

All matching runs on a folded copy of the text (case-folded, accents stripped, typographic
apostrophes, hyphens and spaces unified) and every span is mapped back to the original, so
`text[start:end]` is always the phrase as printed.

`CHECKERS` maps the `check` named by a checklist `Parameter` to the function that evaluates it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from itertools import pairwise
from typing import Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checker.checklist import FieldSpec, Parameter, checklists_dir
from checker.errors import CheckerError, Code
from checker.models import ParameterCheck

__all__ = [
    "CHECKERS",
    "Checker",
    "Duration",
    "LanguageData",
    "NumberMention",
    "YearMention",
    "check_fields_all",
    "check_fields_any",
    "check_max_year",
    "check_min_penalty_years",
    "check_min_years",
    "check_parameter",
    "find_durations",
    "find_fields",
    "find_numbers",
    "find_years",
    "language_data",
    "parse_number",
]

Unit = Literal["year", "month", "day"]
Bound = Literal["at_least", "at_most"]
Relation = Literal["before", "on_or_before", "after", "on_or_after", "rolling", "year"]

# A period stated as an age of at least this many years ("more than 100 years old") is read as a
# rolling antique rule; below it, "N years old" is far more likely the age of a person.
ROLLING_MIN_YEARS = 50
# How far back (in characters) a qualifier, an age marker or a penalty is looked for.
_QUALIFIER_WINDOW = 60
_AGE_WINDOW = 80
_CLAUSE_WINDOW = 200
_DAYS_PER_YEAR = 365.0
# A period of this many years or more is a calendar year read as a period ("2020年" is the year
# 2020 in Chinese, written like "10年", ten years): no law states such a period.
_MAX_PERIOD_YEARS = 1000
_CLAUSE_ENDS = (".", ";", "。", "；", "؛")


# --- language data ------------------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Units(_Data):
    """Words for each time unit, singular and plural (and abbreviations such as 'yrs')."""

    year: tuple[str, ...] = ()
    month: tuple[str, ...] = ()
    day: tuple[str, ...] = ()


class Around(_Data):
    """Phrases that qualify a number when they stand right before or right after it."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


class Cutoff(_Data):
    """Phrases that turn a year into a cut-off.

    `before` excludes the year named ('before 1900'); `on_or_before` includes it ('in or before
    1899', 'until 1899'). `or_earlier`/`or_later` follow the year ('1899 or earlier'). `fillers` may
    stand between the phrase and the date ('the year', "l'année"). `rolling` marks an age limit
    instead of a date ('more than 100 years old'). `excluding` phrases, earlier in the same clause,
    turn an `after` rule into a cut-off: "in no case shall antiques include firearms manufactured
    after 1899" admits 1899 at the latest.
    """

    before: tuple[str, ...] = ()
    on_or_before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    on_or_after: tuple[str, ...] = ()
    or_earlier: tuple[str, ...] = ()
    or_later: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    rolling: Around = Around()
    excluding: tuple[str, ...] = ()


class Numerals(_Data):
    """Numeral characters: digits, multipliers within a group of ten thousand, group words.

    "一百零三": a digit multiplies the multiplier after it (a multiplier alone counts once: "十" =
    10), zero only marks a gap, a group word multiplies all before it ("两万三千" = 23000). A run of
    digits alone is read place by place ("二〇二〇" = 2020).
    """

    digits: dict[str, int] = Field(default_factory=dict)
    units: dict[str, int] = Field(default_factory=dict)
    groups: dict[str, int] = Field(default_factory=dict)


def numeral_value(text: str, numerals: Numerals) -> int | None:
    """The value of `text` written in numeral characters, or None if it holds anything else."""
    if not text or any(
        ch not in numerals.digits and ch not in numerals.units and ch not in numerals.groups
        for ch in text
    ):
        return None
    if len(text) > 1 and all(ch in numerals.digits for ch in text):
        return int("".join(str(numerals.digits[ch]) for ch in text))
    total = section = digit = 0
    for ch in text:
        if ch in numerals.digits:
            digit = numerals.digits[ch]
        elif ch in numerals.units:
            section += (digit or 1) * numerals.units[ch]
            digit = 0
        else:
            total += ((section + digit) or 1) * numerals.groups[ch]
            section = digit = 0
    return total + section + digit


class LanguageData(_Data):
    """Number words, time units and the phrases around them, for one language.

    `numbers` holds words worth 0-99 and fixed compounds that cannot be built by adding a unit to a
    ten (French 'soixante-dix', 'quatre-vingts'); `hundreds` whole hundreds written as one word
    (Spanish 'doscientos'); `multipliers` words that multiply what precedes them ('hundred',
    'cent', 'mil'); `joiners` words allowed between parts of one number ('and', 'et', 'y').
    """

    language: str = Field(pattern=r"^[a-z]{2,3}$|^und$")
    numbers: dict[str, int] = Field(default_factory=dict)
    hundreds: dict[str, int] = Field(default_factory=dict)
    multipliers: dict[str, int] = Field(default_factory=dict)
    joiners: tuple[str, ...] = ()
    units: Units = Units()
    unit_modifiers: tuple[str, ...] = ()
    at_least: Around = Around()
    at_most: Around = Around()
    age: Around = Around()
    penalty: Around = Around()
    cutoff: Cutoff = Cutoff()
    months: tuple[tuple[str, ...], ...] = ()
    date_joiners: tuple[str, ...] = ()
    spaced: bool = True
    numerals: Numerals = Numerals()
    word_prefixes: tuple[str, ...] = ()

    @field_validator("numbers")
    @classmethod
    def _below_hundred(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if not 0 <= v <= 99}
        if bad:
            raise ValueError(f"number words must be worth 0-99 (use hundreds/multipliers): {bad}")
        return value

    @field_validator("hundreds")
    @classmethod
    def _whole_hundreds(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if v not in range(100, 1000, 100)}
        if bad:
            raise ValueError(f"hundreds must be 100, 200, ... 900: {bad}")
        return value

    @field_validator("multipliers")
    @classmethod
    def _powers(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in value.items() if v not in (100, 1000, 10**6, 10**9)}
        if bad:
            raise ValueError(f"multipliers must be 100, 1000, 10**6 or 10**9: {bad}")
        return value

    @field_validator("months")
    @classmethod
    def _twelve(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if value and len(value) != 12:
            raise ValueError(f"months must list 12 months (January first), got {len(value)}")
        return value


def _language_code(lang: str) -> str:
    """'en', 'en-GB', 'EN_gb' -> 'en'; anything that is not a language code -> '' (no data)."""
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) and code != "und" else ""


@cache
def _load(code: str) -> LanguageData:
    if not code:
        return LanguageData(language="und")
    try:
        path = checklists_dir() / "languages" / code / "numbers.yaml"
    except CheckerError:
        return LanguageData(language=code)
    if not path.is_file():
        return LanguageData(language=code)
    try:
        with path.open(encoding="utf-8") as handle:
            data = LanguageData.model_validate(yaml.safe_load(handle))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CheckerError(Code.CHECKLIST_INVALID, f"{path}: {exc}") from exc
    if data.language != code:
        raise CheckerError(
            Code.CHECKLIST_INVALID, f"{path}: declares language {data.language!r}, not {code!r}"
        )
    return data


def language_data(lang: str) -> LanguageData:
    """The number data for `lang` (cached); empty, not an error, when the language has none."""
    return _load(_language_code(lang))


# --- folding ------------------------------------------------------------------------------------

_SAME_AS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2212": "-",
    "\u00ad": "",
    # Arabic: ta marbuta, alif maqsura and alif wasla written as their plain letters (hamza and
    # madda seats come apart under NFD below), tatweel dropped, Arabic-Indic digits as digits.
    "\u0629": "\u0647",
    "\u0649": "\u064a",
    "\u0671": "\u0627",
    "\u0640": "",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    same = _SAME_AS.get(ch)
    if same is not None:
        return same
    decomposed = unicodedata.normalize("NFD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Folded(NamedTuple):
    """A folded copy of a text and the way back: `origin[i]` is where folded char `i` came from."""

    text: str
    source: str
    origin: tuple[int, ...] | None  # None: folding kept every offset

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the source of folded span [start, end), widened over trailing accents."""
        if self.origin is None:
            return start, end
        size = len(self.source)
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else size
            return at, at
        first, last = self.origin[start], self.origin[end - 1] + 1
        while last < size and unicodedata.combining(self.source[last]):
            last += 1
        return first, last


def _fold(text: str) -> _Folded:
    """Case-folded, accents stripped, variants unified; offsets kept through `origin`."""
    if text.isascii() and "`" not in text:
        return _Folded(text.lower(), text, None)
    parts: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return _Folded("".join(parts), text, tuple(origin))


def _fold_str(text: str) -> str:
    return _fold(text).text


# --- compiled grammar ---------------------------------------------------------------------------

_Kind = Literal["number", "hundreds", "multiplier"]
_WORD = re.compile(r"[^\W\d_]+")
_GAP = re.compile(r"[\s-]+")


def _phrase(text: str) -> str:
    """Regex for a data phrase: folded, escaped, any run of whitespace between words."""
    return r"\s+".join(re.escape(word) for word in _fold_str(text).split())


def _alt(phrases: Iterable[str]) -> str | None:
    """One alternation of phrases, longest first so the fullest phrase wins at a position."""
    parts = sorted({p for p in (_phrase(x) for x in phrases) if p}, key=len, reverse=True)
    return "(?:" + "|".join(parts) + ")" if parts else None


def _compile(
    template: str, phrases: Iterable[str], *, spaced: bool = True
) -> re.Pattern[str] | None:
    """The template with ALT replaced by the phrases; without word boundaries for a language
    written without spaces, where every phrase touches the words around it."""
    alt = _alt(phrases)
    if not alt:
        return None
    if not spaced:
        template = _UNSPACED.get(template, template)
        template = template.replace(r"(?<!\w)", "").replace(r"(?!\w)", "")
    return re.compile(template.replace("ALT", alt))


class _Grammar(NamedTuple):
    spaced: bool
    numerals: Numerals
    numeral_run: re.Pattern[str] | None
    vocabulary: dict[tuple[str, ...], tuple[_Kind, int]]
    first_words: frozenset[str]  # words a number can start with, to skip the rest quickly
    longest: int
    joiners: frozenset[str]
    unit: re.Pattern[str] | None
    unit_of: dict[str, Unit]
    at_least_before: re.Pattern[str] | None
    at_least_after: re.Pattern[str] | None
    at_most_before: re.Pattern[str] | None
    at_most_after: re.Pattern[str] | None
    age_before: re.Pattern[str] | None
    age_after: re.Pattern[str] | None
    penalty_before: re.Pattern[str] | None
    penalty_after: re.Pattern[str] | None
    rolling_before: re.Pattern[str] | None
    rolling_after: re.Pattern[str] | None
    cutoffs: tuple[tuple[Relation, re.Pattern[str]], ...]
    month_of: dict[str, int]
    excluding: re.Pattern[str] | None


_BEFORE_QUALIFIER = r"(?<!\w)ALT\s*\Z"
_AFTER_QUALIFIER = r"\s*,?\s*ALT(?!\w)"
_NEAR_BEFORE = r"(?<!\w)ALT(?:[\s'-]+\w+){0,2}[\s'-]*\Z"  # marker, then at most two words
_RIGHT_AFTER = r"[\s',]*ALT(?!\w)"
_IN_CLAUSE = r"(?<!\w)ALT(?!\w)"
_SOON_AFTER = r"[\s']*(?:[^\s.;]+\s+){0,2}?(?:\w')?ALT(?!\w)"
# Without spaces "two words" is a few characters of the same clause ("十年以下有期徒刑").
_UNSPACED = {_SOON_AFTER: r"[^\s.;,。；，、]{0,12}?ALT", _NEAR_BEFORE: r"ALT[^.;。；，,]{0,8}\Z"}


def _date_pattern(data: LanguageData) -> str:
    """Optional day and month before a year ('1 January', 'January 1,', '1.º de enero')."""
    months = _alt(name for month in data.months for name in month)
    if months is None:
        return ""
    joiner = _alt(data.date_joiners)
    join = rf"(?:\s+{joiner})?" if joiner else ""
    ordinal = r"(?:[^\W\d_]{1,2}\.?|\.?\s?[º°ª])?"
    day_first = rf"(?P<day>[0-9]{{1,2}}){ordinal}{join}\s+(?P<month>{months}){join}\s*,?\s+"
    month_first = rf"(?P<month2>{months})\s+(?P<day2>[0-9]{{1,2}}){ordinal}\s*,?\s+"
    month_only = rf"(?P<month3>{months}){join}\s*,?\s+"
    return rf"(?:{day_first}|{month_first}|{month_only})?"


def _cutoff_patterns(data: LanguageData) -> tuple[tuple[Relation, re.Pattern[str]], ...]:
    date = _date_pattern(data)
    fill = _alt(data.cutoff.fillers)
    fillers = rf"(?:{fill}(?:\s+|(?<=')))" + "{0,2}" if fill else ""
    year = r"(?P<year>[0-9]{4})(?![0-9])"
    out: list[tuple[Relation, re.Pattern[str]]] = []
    preceding: tuple[tuple[Relation, tuple[str, ...]], ...] = (
        ("before", data.cutoff.before),
        ("on_or_before", data.cutoff.on_or_before),
        ("after", data.cutoff.after),
        ("on_or_after", data.cutoff.on_or_after),
    )
    for relation, phrases in preceding:
        alt = _alt(phrases)
        if alt:
            out.append((relation, re.compile(rf"(?<!\w){alt}(?:\s+|(?<=')){fillers}{date}{year}")))
    following: tuple[tuple[Relation, tuple[str, ...]], ...] = (
        ("on_or_before", data.cutoff.or_earlier),
        ("on_or_after", data.cutoff.or_later),
    )
    for relation, phrases in following:
        alt = _alt(phrases)
        if alt:
            pattern = rf"(?<![0-9])(?<![0-9][.,]){year}\s*,?\s*{alt}(?!\w)"
            out.append((relation, re.compile(pattern)))
    return tuple(out)


@cache
def _grammar(code: str) -> _Grammar:
    data = _load(code)
    vocabulary: dict[tuple[str, ...], tuple[_Kind, int]] = {}
    kinds: tuple[tuple[_Kind, dict[str, int]], ...] = (
        ("number", data.numbers),
        ("hundreds", data.hundreds),
        ("multiplier", data.multipliers),
    )
    for kind, words in kinds:
        for word, value in words.items():
            key = tuple(_WORD.findall(_fold_str(word)))
            if key:
                vocabulary[key] = (kind, value)
    unit_of: dict[str, Unit] = {}
    for unit in ("year", "month", "day"):
        for word in getattr(data.units, unit):
            unit_of[" ".join(_fold_str(word).split())] = unit
    units = _alt(data.units.year + data.units.month + data.units.day)
    modifiers = _alt(data.unit_modifiers)
    unit_pattern = None
    if units:
        optional = rf"(?:{modifiers}\s+)?" if modifiers else ""
        boundary = r"(?!\w)" if data.spaced else ""
        unit_pattern = re.compile(
            rf"[ \t\r\n]*-?[ \t\r\n]*{optional}(?P<unit>{units}){boundary}"
        )
    month_of = {
        " ".join(_fold_str(name).split()): index
        for index, names in enumerate(data.months, start=1)
        for name in names
    }
    spaced = data.spaced
    numeral_chars = "".join(
        re.escape(_fold_str(c))
        for c in (*data.numerals.digits, *data.numerals.units, *data.numerals.groups)
    )
    numerals = Numerals(
        digits={_fold_str(k): v for k, v in data.numerals.digits.items()},
        units={_fold_str(k): v for k, v in data.numerals.units.items()},
        groups={_fold_str(k): v for k, v in data.numerals.groups.items()},
    )
    return _Grammar(
        spaced=spaced,
        numerals=numerals,
        numeral_run=re.compile(f"[{numeral_chars}]+") if numeral_chars else None,
        vocabulary=vocabulary,
        first_words=frozenset(key[0] for key in vocabulary),
        longest=max((len(k) for k in vocabulary), default=0),
        joiners=frozenset(_fold_str(j).strip() for j in data.joiners),
        unit=unit_pattern,
        unit_of=unit_of,
        at_least_before=_compile(_BEFORE_QUALIFIER, data.at_least.before, spaced=spaced),
        at_least_after=_compile(_AFTER_QUALIFIER, data.at_least.after, spaced=spaced),
        at_most_before=_compile(_BEFORE_QUALIFIER, data.at_most.before, spaced=spaced),
        at_most_after=_compile(_AFTER_QUALIFIER, data.at_most.after, spaced=spaced),
        age_before=_compile(_NEAR_BEFORE, data.age.before, spaced=spaced),
        age_after=_compile(_RIGHT_AFTER, data.age.after, spaced=spaced),
        penalty_before=_compile(_IN_CLAUSE, data.penalty.before, spaced=spaced),
        penalty_after=_compile(_SOON_AFTER, data.penalty.after, spaced=spaced),
        rolling_before=_compile(_NEAR_BEFORE, data.cutoff.rolling.before, spaced=spaced),
        rolling_after=_compile(_RIGHT_AFTER, data.cutoff.rolling.after, spaced=spaced),
        cutoffs=_cutoff_patterns(data),
        month_of=month_of,
        excluding=_compile(_IN_CLAUSE, data.cutoff.excluding, spaced=spaced),
    )


# --- numbers ------------------------------------------------------------------------------------


class NumberMention(BaseModel):
    """A number as written: in words, in digits, or both ('ten (10)', '10 (ten)')."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    start: int
    end: int
    text: str
    spelled: bool  # written (at least partly) in words


class _Num(NamedTuple):
    value: float
    start: int  # folded offsets
    end: int
    spelled: bool


class _Token(NamedTuple):
    word: str
    start: int
    end: int


class _Acc(NamedTuple):
    """Running value of a number in words; the checks in `_step` keep 'five twenty' two numbers."""

    total: int = 0  # completed thousands, millions
    hundreds: int = 0  # hundreds part of the current group
    low: int = 0  # part below one hundred
    last: int = -1  # value of the last number word since the hundreds (-1: none)
    scale: int = 10**12  # smallest multiplier of a thousand or more used; the next must be smaller
    used: bool = False  # the current group has a word

    @property
    def value(self) -> int:
        return self.total + self.hundreds + self.low


def _step(acc: _Acc, kind: _Kind, value: int) -> _Acc | None:
    """`acc` extended by one word, or None when the word starts another number."""
    if kind == "number":
        if acc.last < 0 and acc.low == 0:
            if value == 0 and (acc.used or acc.total):
                return None
            return acc._replace(low=value, last=value, used=True)
        if acc.last >= 20 and acc.last % 10 == 0 and acc.low == acc.last and 1 <= value <= 9:
            return acc._replace(low=acc.low + value, last=value)
        return None
    if kind == "hundreds":
        return None if acc.used else acc._replace(hundreds=value, used=True)
    if value < 1000:
        if acc.hundreds or (acc.used and acc.low == 0):
            return None
        return acc._replace(hundreds=(acc.low or 1) * value, low=0, last=-1, used=True)
    if value >= acc.scale:
        return None
    return _Acc(total=acc.total + ((acc.hundreds + acc.low) or 1) * value, scale=value)


def _entry(
    tokens: Sequence[_Token], adjacent: Sequence[bool], at: int, grammar: _Grammar
) -> tuple[_Kind, int, int] | None:
    """The longest vocabulary entry starting at token `at`: (kind, value, tokens used)."""
    for size in range(min(grammar.longest, len(tokens) - at), 0, -1):
        if size > 1 and not all(adjacent[at : at + size - 1]):
            continue
        hit = grammar.vocabulary.get(tuple(t.word for t in tokens[at : at + size]))
        if hit is not None:
            return hit[0], hit[1], size
    return None


def _parse_from(
    tokens: Sequence[_Token], adjacent: Sequence[bool], at: int, grammar: _Grammar
) -> tuple[int, int] | None:
    """The number in words starting at token `at`: (value, index after its last token)."""
    acc = _Acc()
    index = at
    while index < len(tokens):
        if index > at and not adjacent[index - 1]:
            break
        skip = 0
        entry = _entry(tokens, adjacent, index, grammar)
        if entry is None:
            # A joiner ('and', 'et', 'y') belongs to the number only if a part follows it.
            joined = (
                index > at
                and tokens[index].word in grammar.joiners
                and index + 1 < len(tokens)
                and adjacent[index]
            )
            if not joined:
                break
            entry = _entry(tokens, adjacent, index + 1, grammar)
            skip = 1
            if entry is None:
                break
        extended = _step(acc, entry[0], entry[1])
        if extended is None:
            break
        acc = extended
        index += skip + entry[2]
    return (acc.value, index) if index > at else None


def _word_numbers(folded: str, grammar: _Grammar) -> list[_Num]:
    if not grammar.vocabulary:
        return []
    tokens = [_Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
    adjacent = [_GAP.fullmatch(folded, a.end, b.start) is not None for a, b in pairwise(tokens)]
    out: list[_Num] = []
    index = 0
    while index < len(tokens):
        parsed = (
            _parse_from(tokens, adjacent, index, grammar)
            if tokens[index].word in grammar.first_words
            else None
        )
        if parsed is None:
            index += 1
            continue
        value, after = parsed
        out.append(_Num(float(value), tokens[index].start, tokens[after - 1].end, True))
        index = after
    return out


# Digits, with thousands grouped by ',', '.' or a space ('1,000', '1.000', '1 000') and an optional
# decimal part of one or two digits. A number glued to letters ('10th', '1er', 'A10') is not read:
# ordinals and references are not quantities.
_DIGITS = re.compile(
    r"(?<![0-9])(?<![0-9][.,])(?<![^\W\d_])"
    r"(?P<int>[0-9]{1,3}(?P<sep>[,. ])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?![0-9])|[0-9]+)"
    r"(?:[.,](?P<frac>[0-9]{1,2})(?![0-9]))?"
    r"(?![^\W\d_])"
)


# The same without the guard against letters, for languages written without spaces ("10年").
_DIGITS_UNSPACED = re.compile(
    r"(?<![0-9])(?<![0-9][.,])"
    r"(?P<int>[0-9]{1,3}(?P<sep>[,. ])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?![0-9])|[0-9]+)"
    r"(?:[.,](?P<frac>[0-9]{1,2})(?![0-9]))?"
)


def _character_numbers(folded: str, grammar: _Grammar) -> list[_Num]:
    """Numbers in numeral characters ("二十", "一百零三"), for the languages that have them."""
    if grammar.numeral_run is None:
        return []
    out: list[_Num] = []
    for match in grammar.numeral_run.finditer(folded):
        value = numeral_value(match.group(), grammar.numerals)
        if value is not None:
            out.append(_Num(float(value), match.start(), match.end(), True))
    return out


def _digit_numbers(folded: str, *, spaced: bool = True) -> list[_Num]:
    out: list[_Num] = []
    for match in (_DIGITS if spaced else _DIGITS_UNSPACED).finditer(folded):
        value = float(re.sub(r"[,. ]", "", match.group("int")))
        frac = match.group("frac")
        if frac:
            value += int(frac) / 10 ** len(frac)
        out.append(_Num(value, match.start(), match.end(), False))
    return out


_OPEN = re.compile(r"[ \t]*\([ \t]*")
_CLOSE = re.compile(r"[ \t]*\)")


def _numbers(folded: str, grammar: _Grammar) -> list[_Num]:
    """Numbers in folded text, with 'ten (10)' and '10 (ten)' merged into one (words prevail)."""
    found = sorted(
        _word_numbers(folded, grammar)
        + _character_numbers(folded, grammar)
        + _digit_numbers(folded, spaced=grammar.spaced),
        key=lambda n: n.start,
    )
    out: list[_Num] = []
    index = 0
    while index < len(found):
        first = found[index]
        if index + 1 < len(found):
            second = found[index + 1]
            close = _CLOSE.match(folded, second.end)
            if close and _OPEN.fullmatch(folded, first.end, second.start):
                value = first.value if first.spelled or not second.spelled else second.value
                spelled = first.spelled or second.spelled
                out.append(_Num(value, first.start, close.end(), spelled))
                index += 2
                continue
        out.append(first)
        index += 1
    return out


def find_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number in `text`, in reading order. Words need language data; digits never do."""
    folded = _fold(text)
    out: list[NumberMention] = []
    for num in _numbers(folded.text, _grammar(_language_code(lang))):
        start, end = folded.span(num.start, num.end)
        out.append(
            NumberMention(
                value=num.value, start=start, end=end, text=text[start:end], spelled=num.spelled
            )
        )
    return out


def parse_number(phrase: str, lang: str) -> float | None:
    """The value of `phrase` if it is exactly one number ('vingt-cinq', '1 000', 'diez (10)')."""
    stripped = phrase.strip()
    found = find_numbers(stripped, lang)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(stripped):
        return found[0].value
    return None


# --- durations ----------------------------------------------------------------------------------


class Duration(BaseModel):
    """A period of time stated in the text, with its span (qualifier included) and its nature.

    `is_age` and `is_penalty` mark periods that are not retention or validity periods ('18 years of
    age', 'cinq ans d'emprisonnement') so that checkers can leave them out.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    unit: Unit
    years: float
    start: int
    end: int
    text: str
    bound: Bound | None = None
    is_age: bool = False
    is_penalty: bool = False


class _Span(NamedTuple):
    value: float
    unit: Unit
    start: int  # folded offsets, qualifier included
    end: int
    bound: Bound | None
    is_age: bool
    is_penalty: bool


def _in_years(value: float, unit: Unit) -> float:
    if unit == "month":
        return value / 12.0
    if unit == "day":
        return value / _DAYS_PER_YEAR
    return value


def _qualifier_before(folded: str, at: int, grammar: _Grammar) -> tuple[int, Bound | None]:
    """Start of the qualifier just before `at` ('not less than'), the longest one winning."""
    low = max(0, at - _QUALIFIER_WINDOW)
    best: tuple[int, Bound | None] = (at, None)
    options: tuple[tuple[Bound, re.Pattern[str] | None], ...] = (
        ("at_least", grammar.at_least_before),
        ("at_most", grammar.at_most_before),
    )
    for bound, pattern in options:
        match = pattern.search(folded, low, at) if pattern else None
        if match and match.start() < best[0]:
            best = (match.start(), bound)
    return best


def _qualifier_after(folded: str, at: int, grammar: _Grammar) -> tuple[int, Bound | None]:
    best: tuple[int, Bound | None] = (at, None)
    options: tuple[tuple[Bound, re.Pattern[str] | None], ...] = (
        ("at_least", grammar.at_least_after),
        ("at_most", grammar.at_most_after),
    )
    for bound, pattern in options:
        match = pattern.match(folded, at) if pattern else None
        if match and match.end() > best[0]:
            best = (match.end(), bound)
    return best


def _is_age(folded: str, start: int, end: int, grammar: _Grammar) -> bool:
    before = grammar.age_before
    after = grammar.age_after
    return bool(
        (before and before.search(folded, max(0, start - _AGE_WINDOW), start))
        or (after and after.match(folded, end))
    )


def _is_penalty(folded: str, start: int, end: int, grammar: _Grammar) -> bool:
    """A penalty phrase earlier in the same clause, or right after the period."""
    low = max(0, start - _CLAUSE_WINDOW)
    clause = max(folded.rfind(stop, low, start) for stop in _CLAUSE_ENDS) + 1
    before = grammar.penalty_before
    after = grammar.penalty_after
    return bool(
        (before and before.search(folded, max(low, clause), start))
        or (after and after.match(folded, end))
    )


def _durations(folded: str, grammar: _Grammar) -> list[_Span]:
    if grammar.unit is None:
        return []
    out: list[_Span] = []
    for num in _numbers(folded, grammar):
        match = grammar.unit.match(folded, num.end)
        if match is None:
            continue
        unit = grammar.unit_of.get(" ".join(match.group("unit").split()))
        if unit is None or (unit == "year" and num.value >= _MAX_PERIOD_YEARS):
            continue
        start, bound = _qualifier_before(folded, num.start, grammar)
        end, bound_after = _qualifier_after(folded, match.end(), grammar)
        out.append(
            _Span(
                value=num.value,
                unit=unit,
                start=start,
                end=end,
                bound=bound or bound_after,
                is_age=_is_age(folded, start, end, grammar),
                is_penalty=_is_penalty(folded, start, end, grammar),
            )
        )
    return out


def find_durations(text: str, lang: str) -> list[Duration]:
    """Every period stated in `text` ('not less than ten (10) years', 'seis meses'), in order."""
    folded = _fold(text)
    out: list[Duration] = []
    for span in _durations(folded.text, _grammar(_language_code(lang))):
        start, end = folded.span(span.start, span.end)
        out.append(
            Duration(
                value=span.value,
                unit=span.unit,
                years=_in_years(span.value, span.unit),
                start=start,
                end=end,
                text=text[start:end],
                bound=span.bound,
                is_age=span.is_age,
                is_penalty=span.is_penalty,
            )
        )
    return out


# --- years and cut-offs -------------------------------------------------------------------------


class YearMention(BaseModel):
    """A year in the text and what it means as a cut-off.

    `latest_included` is the last calendar year the rule covers ('before 1900' -> 1899, 'prior to
    1 January 1900' -> 1899, 'before 1 July 1900' -> 1900, '1899 or earlier' -> 1899, a bare year
    -> itself). It is None for 'after'-type rules and for rolling rules ('more than 100 years
    old'), where `rolling` is set and `year` holds the age in years instead of a calendar year.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    latest_included: int | None
    relation: Relation
    rolling: bool = False
    start: int
    end: int
    text: str


class _Year(NamedTuple):
    year: int
    latest: int | None
    relation: Relation
    start: int  # folded offsets
    end: int
    year_at: int


_BARE_YEAR = re.compile(r"(?<![0-9])(?<![0-9][.,])(?<![^\W\d_])([0-9]{4})(?![0-9])(?![.,][0-9])")
_BARE_RANGE = range(1400, 2101)


def _latest(relation: Relation, year: int, month: int | None, day: int | None) -> int | None:
    if relation == "before":
        # Before 1 January Y (or before Y) leaves Y out; before a later date reaches into Y.
        starts_year = month is None or (month == 1 and day in (None, 1))
        return year - 1 if starts_year else year
    if relation == "on_or_before":
        return year
    return None


def _excluded(folded: str, at: int, grammar: _Grammar) -> bool:
    """An excluding phrase ("in no case", "shall not include") earlier in the clause of `at`."""
    if grammar.excluding is None:
        return False
    low = max(0, at - _CLAUSE_WINDOW)
    clause_start = max(folded.rfind(stop, low, at) for stop in _CLAUSE_ENDS) + 1
    return grammar.excluding.search(folded, clause_start, at) is not None


def _cutoffs(folded: str, grammar: _Grammar) -> list[_Year]:
    best: dict[int, _Year] = {}
    for relation, pattern in grammar.cutoffs:
        for match in pattern.finditer(folded):
            groups = match.groupdict()
            month_name = groups.get("month") or groups.get("month2") or groups.get("month3")
            month = grammar.month_of.get(" ".join(month_name.split())) if month_name else None
            day_text = groups.get("day") or groups.get("day2")
            day = int(day_text) if day_text else None
            year = int(match.group("year"))
            latest = _latest(relation, year, month, day)
            if relation in ("after", "on_or_after") and _excluded(folded, match.start(), grammar):
                # "shall not include ... made after 1899": only years up to the date remain.
                latest = year if relation == "after" else year - 1
                relation = "on_or_before"
            found = _Year(
                year=year,
                latest=latest,
                relation=relation,
                start=match.start(),
                end=match.end(),
                year_at=match.start("year"),
            )
            held = best.get(found.year_at)
            if held is None or (found.start, -found.end) < (held.start, -held.end):
                best[found.year_at] = found
    return list(best.values())


def _rolling(folded: str, grammar: _Grammar) -> list[_Year]:
    out: list[_Year] = []
    for span in _durations(folded, grammar):
        if span.unit != "year" or span.value < ROLLING_MIN_YEARS or span.value != int(span.value):
            continue
        after = grammar.rolling_after.match(folded, span.end) if grammar.rolling_after else None
        before = (
            grammar.rolling_before.search(folded, max(0, span.start - _AGE_WINDOW), span.start)
            if grammar.rolling_before
            else None
        )
        if after or before:
            start = before.start() if before else span.start
            end = after.end() if after else span.end
            out.append(_Year(int(span.value), None, "rolling", start, end, span.start))
    return out


def find_years(text: str, lang: str) -> list[YearMention]:
    """Years in `text` read as cut-offs ('manufactured before 1900'), rolling age rules, and bare
    years (in 1400-2100) that no cut-off phrase qualifies."""
    folded = _fold(text)
    grammar = _grammar(_language_code(lang))
    found = _cutoffs(folded.text, grammar) + _rolling(folded.text, grammar)
    claimed = [(y.start, y.end) for y in found]
    for match in _BARE_YEAR.finditer(folded.text):
        year = int(match.group(1))
        inside = any(s <= match.start() < e for s, e in claimed)
        if year in _BARE_RANGE and not inside:
            found.append(_Year(year, year, "year", match.start(), match.end(), match.start()))
    out: list[YearMention] = []
    for item in sorted(found, key=lambda y: (y.start, y.end)):
        start, end = folded.span(item.start, item.end)
        out.append(
            YearMention(
                year=item.year,
                latest_included=item.latest,
                relation=item.relation,
                rolling=item.relation == "rolling",
                start=start,
                end=end,
                text=text[start:end],
            )
        )
    return out


# --- named fields -------------------------------------------------------------------------------


def _word_pattern(word: str) -> str:
    """A folded word with the plural and feminine endings it may take ('marque' -> 'marques',
    'fabricado' -> 'fabricadas', 'country' -> 'countries', 'national' -> 'nationaux')."""

    def esc(part: str) -> str:
        return re.escape(part).replace("'", r"'\s*")

    if len(word) < 3 or not word[-1].isalpha():
        return esc(word)
    if word.endswith("y"):
        return esc(word[:-1]) + "(?:y|ies)s?"
    if word.endswith("z"):
        return esc(word[:-1]) + "(?:z|ces)"
    if word.endswith("al"):
        return esc(word[:-2]) + "(?:aux|ales|ale|als|al)"
    if word.endswith("o"):
        return esc(word[:-1]) + "(?:o|a)s?"
    return esc(word) + "(?:es|e|s)?"


@lru_cache(maxsize=4096)
def _field_pattern(
    phrase: str, spaced: bool = True, prefixes: tuple[str, ...] = ()
) -> re.Pattern[str] | None:
    """Pattern for a field phrase; in a language written without spaces the phrase is matched as
    it is, anywhere (no endings, no word boundaries). `prefixes` are clitics any word may carry
    (Arabic "ال", "و", "ب": "الرقم التسلسلي" for "رقم تسلسلي")."""
    words = _fold_str(phrase).split()
    if not words:
        return None
    if not spaced:
        return re.compile(r"\s*".join(re.escape(w) for w in words))
    clitic = _alt(prefixes)
    lead = f"{clitic}{{0,2}}" if clitic else ""
    body = r"[\s-]+".join(lead + _word_pattern(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _indicators(indicators: Mapping[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    if lang in indicators:
        return indicators[lang]
    return indicators.get(_language_code(lang), ())


def find_fields(
    text: str, lang: str, fields: tuple[FieldSpec, ...]
) -> dict[str, tuple[int, int] | None]:
    """For each field, the span of its earliest phrase in `text` (None when absent).

    Matching ignores case, accents and spacing, respects word boundaries, and lets every word of
    three letters or more take a plural or feminine ending, so 'serial number' also finds 'Serial
    Numbers' and 'número de serie' finds 'números de serie'.
    """
    folded = _fold(text)
    data = language_data(lang)
    out: dict[str, tuple[int, int] | None] = {}
    for spec in fields:
        first: tuple[int, int] | None = None
        for phrase in _indicators(spec.indicators, lang):
            pattern = _field_pattern(phrase, data.spaced, data.word_prefixes)
            match = pattern.search(folded.text) if pattern else None
            if match and (first is None or match.start() < first[0]):
                first = (match.start(), match.end())
        out[spec.id] = folded.span(*first) if first else None
    return out


# --- checkers -----------------------------------------------------------------------------------

Checker = Callable[[Parameter, Sequence[str], str], ParameterCheck]

_UNIT_NAMES: dict[Unit, tuple[str, str]] = {
    "year": ("year", "years"),
    "month": ("month", "months"),
    "day": ("day", "days"),
}


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _quantity(value: float, unit: Unit) -> str:
    singular, plural = _UNIT_NAMES[unit]
    return f"{_number(value)} {singular if value == 1 else plural}"


def _quote(text: str) -> str:
    return "'" + " ".join(text.split()) + "'"


def _required(parameter: Parameter) -> int:
    if parameter.required is None:
        raise CheckerError(
            Code.CHECKLIST_INVALID,
            f"parameter {parameter.name}: check {parameter.check!r} needs a `required` value",
        )
    return parameter.required


def _fields_of(parameter: Parameter) -> tuple[FieldSpec, ...]:
    if not parameter.fields:
        raise CheckerError(
            Code.CHECKLIST_INVALID,
            f"parameter {parameter.name}: check {parameter.check!r} needs `fields`",
        )
    return parameter.fields


def _longest_period(
    parameter: Parameter, periods: Sequence[Duration], required: int
) -> ParameterCheck:
    shown = f">= {required} years"
    if not periods:
        return ParameterCheck(name=parameter.name, required=shown, found=None, ok=None)
    longest = max(periods, key=lambda d: d.years)  # the first of equals, texts being in order
    return ParameterCheck(
        name=parameter.name,
        required=shown,
        found=f"{_quantity(longest.value, longest.unit)} ({_quote(longest.text)})",
        ok=longest.years >= required,
    )


def check_min_years(parameter: Parameter, texts: Sequence[str], lang: str) -> ParameterCheck:
    """The longest period stated (ages and penalties left out) must reach `required` years.

    The longest is taken because a law often states several periods (a licence term, a retention
    period); if any of them reaches the minimum the provision can satisfy it. No period -> ok None.
    """
    required = _required(parameter)
    periods = [
        d for text in texts for d in find_durations(text, lang) if not d.is_age and not d.is_penalty
    ]
    return _longest_period(parameter, periods, required)


def check_min_penalty_years(
    parameter: Parameter, texts: Sequence[str], lang: str
) -> ParameterCheck:
    """The longest custodial term stated must reach `required` years (the serious-crime test).

    Only periods read as penalties count ('imprisonment for ten years', 'cinq ans
    d'emprisonnement'); the longest is the maximum the law allows. No term -> ok None.
    """
    required = _required(parameter)
    periods = [d for text in texts for d in find_durations(text, lang) if d.is_penalty]
    return _longest_period(parameter, periods, required)


def check_max_year(parameter: Parameter, texts: Sequence[str], lang: str) -> ParameterCheck:
    """The antique cut-off must not reach past `required` (the last year allowed, e.g. 1899).

    Texts come in order of relevance, so the first one stating a cut-off or a rolling age rule
    decides; within it the most permissive rule is reported. A rolling rule ('more than 100 years
    old') always fails: it lets firearms made after the cut-off become antiques over time. Bare
    years and 'after'-type rules are not cut-offs; with nothing else, ok is None.
    """
    required = _required(parameter)
    shown = f"<= {required}"
    for text in texts:
        rules = [
            y
            for y in find_years(text, lang)
            if y.rolling or y.relation in ("before", "on_or_before")
        ]
        if not rules:
            continue
        dated = [y for y in rules if not y.rolling and y.latest_included is not None]
        worst = max(dated, key=lambda y: y.latest_included or 0, default=None)
        latest = worst.latest_included if worst else None
        if (
            worst
            and latest is not None
            and (latest > required or not any(y.rolling for y in rules))
        ):
            return ParameterCheck(
                name=parameter.name,
                required=shown,
                found=f"{latest} ({_quote(worst.text)})",
                ok=latest <= required,
            )
        rolling = next(y for y in rules if y.rolling)
        return ParameterCheck(
            name=parameter.name,
            required=shown,
            found=f"rolling {rolling.year}-year rule ({_quote(rolling.text)})",
            ok=False,
        )
    return ParameterCheck(name=parameter.name, required=shown, found=None, ok=None)


def _fields_found(parameter: Parameter, texts: Sequence[str], lang: str) -> list[str]:
    fields = _fields_of(parameter)
    seen: set[str] = set()
    for text in texts:
        seen.update(k for k, v in find_fields(text, lang, fields).items() if v is not None)
    return [f.id for f in fields if f.id in seen]


def check_fields_all(parameter: Parameter, texts: Sequence[str], lang: str) -> ParameterCheck:
    """Every field must be named somewhere in the texts.

    With no text to read the answer is unknown (ok None). With texts that name none of the fields
    the answer is no (ok False, found None): the provision was found but does not list the data.
    """
    found = _fields_found(parameter, texts, lang)
    ids = [f.id for f in parameter.fields]
    return ParameterCheck(
        name=parameter.name,
        required=", ".join(ids),
        found=", ".join(found) or None,
        ok=None if not texts else len(found) == len(ids),
    )


def check_fields_any(parameter: Parameter, texts: Sequence[str], lang: str) -> ParameterCheck:
    """At least one field must be named; same conventions as `check_fields_all`."""
    found = _fields_found(parameter, texts, lang)
    return ParameterCheck(
        name=parameter.name,
        required="any of: " + ", ".join(f.id for f in parameter.fields),
        found=", ".join(found) or None,
        ok=None if not texts else bool(found),
    )


class _Registry(dict[str, Checker]):
    """The checkers by name; an unknown name is a checklist error worth a readable message."""

    def __missing__(self, key: str) -> Checker:
        known = ", ".join(sorted(self))
        raise KeyError(f"no parameter check named {key!r} (known checks: {known})")


CHECKERS: dict[str, Checker] = _Registry(
    min_years=check_min_years,
    min_penalty_years=check_min_penalty_years,
    max_year=check_max_year,
    fields_all=check_fields_all,
    fields_any=check_fields_any,
)


def check_parameter(parameter: Parameter, texts: Sequence[str], lang: str) -> ParameterCheck:
    """Run the checker `parameter.check` names (KeyError, with the known names, if none does)."""
    return CHECKERS[parameter.check](parameter, texts, lang)
