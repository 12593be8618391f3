"""Parameters: numbers in words and digits, periods, cut-off years, fields, and the checkers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from checker.checklist import FieldSpec, Parameter
from checker.errors import CheckerError, Code
from checker.models import ParameterCheck
from checker.params import (
    CHECKERS,
    LanguageData,
    check_parameter,
    find_durations,
    find_fields,
    find_numbers,
    find_years,
    language_data,
    parse_number,
)

LANGS = ("en", "fr", "es", "pt")


# --- reference spellers (written independently of the data files) -------------------------------

# fmt: off
EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
           "eighteen", "nineteen")
EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
           8: "eighty", 9: "ninety"}
ES_UNITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
ES_10_29 = ("diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
            "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
            "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve")
ES_TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta",
           8: "ochenta", 9: "noventa"}
ES_HUNDREDS = {1: "ciento", 2: "doscientos", 3: "trescientos", 4: "cuatrocientos",
               5: "quinientos", 6: "seiscientos", 7: "setecientos", 8: "ochocientos",
               9: "novecientos"}
FR_ONES = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
           "onze", "douze", "treize", "quatorze", "quinze", "seize")
FR_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
PT_UNITS = ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez",
            "onze", "doze", "treze", "catorze", "quinze", "dezasseis", "dezassete", "dezoito",
            "dezanove")
PT_TENS = {2: "vinte", 3: "trinta", 4: "quarenta", 5: "cinquenta", 6: "sessenta", 7: "setenta",
           8: "oitenta", 9: "noventa"}
PT_HUNDREDS = {1: "cento", 2: "duzentos", 3: "trezentos", 4: "quatrocentos", 5: "quinhentos",
               6: "seiscentos", 7: "setecentos", 8: "oitocentos", 9: "novecentos"}
# fmt: on


def spell_en(n: int, *, use_and: bool = True, hyphen: bool = True) -> str:
    if n < 20:
        return EN_ONES[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        joint = "-" if hyphen else " "
        return EN_TENS[tens] + (joint + EN_ONES[unit] if unit else "")
    hundreds, rest = divmod(n, 100)
    head = f"{EN_ONES[hundreds]} hundred"
    if not rest:
        return head
    return f"{head} {'and ' if use_and else ''}{spell_en(rest, hyphen=hyphen)}"


def spell_es(n: int) -> str:
    if n == 100:
        return "cien"
    if n < 10:
        return ES_UNITS[n]
    if n < 30:
        return ES_10_29[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return ES_TENS[tens] + (f" y {ES_UNITS[unit]}" if unit else "")
    hundreds, rest = divmod(n, 100)
    return ES_HUNDREDS[hundreds] + (f" {spell_es(rest)}" if rest else "")


def _fr_below_100(n: int) -> str:
    if n < 17:
        return FR_ONES[n]
    if n < 20:
        return "dix-" + FR_ONES[n - 10]
    if n < 70:
        tens, unit = divmod(n, 10)
        base = FR_TENS[tens]
        if unit == 0:
            return base
        return base + (" et un" if unit == 1 else "-" + FR_ONES[unit])
    if n < 80:
        return "soixante" + (" et onze" if n == 71 else "-" + _fr_below_100(n - 60))
    if n == 80:
        return "quatre-vingts"
    return "quatre-vingt-" + _fr_below_100(n - 80)


def spell_fr(n: int, *, reformed: bool = False) -> str:
    """Traditional spelling, or the 1990 one with hyphens everywhere ('deux-cent-vingt-et-un')."""
    if n < 100:
        text = _fr_below_100(n)
    else:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else f"{FR_ONES[hundreds]} cent{'' if rest else 's'}"
        text = head if not rest else f"{head} {_fr_below_100(rest)}"
    return text.replace(" ", "-") if reformed else text


def spell_pt(n: int) -> str:
    if n == 100:
        return "cem"
    if n < 20:
        return PT_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return PT_TENS[tens] + (f" e {PT_UNITS[unit]}" if unit else "")
    hundreds, rest = divmod(n, 100)
    return PT_HUNDREDS[hundreds] + (f" e {spell_pt(rest)}" if rest else "")


# --- numbers ------------------------------------------------------------------------------------

NUMBERS = [
    ("en", "ten", 10),
    ("en", "twenty-five", 25),
    ("en", "twenty five", 25),
    ("en", "one hundred", 100),
    ("en", "One Hundred and Twenty-Five", 125),
    ("en", "two thousand", 2000),
    ("en", "one thousand nine hundred", 1900),
    ("fr", "dix", 10),
    ("fr", "vingt", 20),
    ("fr", "vingt-cinq", 25),
    ("fr", "vingt et un", 21),
    ("fr", "soixante-dix", 70),
    ("fr", "soixante et onze", 71),
    ("fr", "soixante-dix-neuf", 79),
    ("fr", "quatre-vingts", 80),
    ("fr", "quatre-vingt-un", 81),
    ("fr", "quatre-vingt-dix-sept", 97),
    ("fr", "deux cents", 200),
    ("fr", "mille neuf cent", 1900),
    ("fr", "Dix-Huit", 18),
    ("fr", "zéro", 0),
    ("fr", "septante", 70),
    ("es", "diez", 10),
    ("es", "veinte", 20),
    ("es", "veinticinco", 25),
    ("es", "veintidós", 22),
    ("es", "VEINTIDOS", 22),
    ("es", "treinta y cinco", 35),
    ("es", "cien", 100),
    ("es", "ciento cinco", 105),
    ("es", "quinientos", 500),
    ("es", "mil novecientos", 1900),
    ("pt", "dez", 10),
    ("pt", "vinte e cinco", 25),
    ("pt", "cento e vinte", 120),
    ("en", "10", 10),
    ("en", "1,000", 1000),
    ("es", "1.000", 1000),
    ("fr", "1 000", 1000),
    ("fr", "1\u00a0000", 1000),
    ("en", "1,5", 1.5),
    ("en", "2.5", 2.5),
    ("en", "12,345,678", 12345678),
    ("es", "diez (10)", 10),
    ("en", "ten (10)", 10),
    ("en", "10 (ten)", 10),
    ("xx", "10", 10),
    ("", "1,000", 1000),
    ("ru", "десяти", 10),
    ("ru", "двадцать пять", 25),
    ("ru", "ста двадцати", 120),
    ("ru", "пятнадцати", 15),
    ("ar", "عشر", 10),
    ("ar", "خمس عشرة", 15),
    ("ar", "عشره", 10),
    ("ar", "١٠", 10),
    ("ar", "٢٠٢٤", 2024),
    ("ar", "ثلاثمائة", 300),
    ("zh", "十", 10),
    ("zh", "十二", 12),
    ("zh", "二十", 20),
    ("zh", "一百零三", 103),
    ("zh", "两万三千", 23000),
    ("zh", "二〇二〇", 2020),
    ("zh", "10", 10),
    ("pt", "dezasseis", 16),
    ("pt", "trinta e cinco", 35),
]


@pytest.mark.parametrize(
    ("lang", "phrase", "value"), NUMBERS, ids=[f"{lang}:{phrase}" for lang, phrase, _ in NUMBERS]
)
def test_parse_number(lang: str, phrase: str, value: float) -> None:
    assert parse_number(phrase, lang) == value


NOT_ONE_NUMBER = [
    ("en", "tenth"),
    ("en", "10th"),
    ("fr", "1er"),
    ("en", "five twenty"),
    ("en", "ten and five"),
    ("en", "and"),
    ("en", "years"),
    ("en", "twenty ten"),
    ("xx", "ten"),
    ("", "dix"),
    ("en", ""),
    ("zh", "十年"),
    ("ru", "десятый"),
]


@pytest.mark.parametrize(
    ("lang", "phrase"), NOT_ONE_NUMBER, ids=[f"{lang}:{phrase}" for lang, phrase in NOT_ONE_NUMBER]
)
def test_not_one_number(lang: str, phrase: str) -> None:
    assert parse_number(phrase, lang) is None


def test_find_numbers_spans_and_order() -> None:
    text = "Les registres (dix (10) ans) et 1 000 armes, vingt-cinq fois."
    found = find_numbers(text, "fr")
    assert [(n.value, n.text, n.spelled) for n in found] == [
        (10, "dix (10)", True),
        (1000, "1 000", False),
        (25, "vingt-cinq", True),
    ]
    assert all(text[n.start : n.end] == n.text for n in found)


@given(st.integers(0, 999), st.booleans(), st.booleans())
def test_english_words_round_trip(n: int, use_and: bool, hyphen: bool) -> None:
    assert parse_number(spell_en(n, use_and=use_and, hyphen=hyphen), "en") == n


@given(st.integers(0, 999), st.booleans())
def test_french_words_round_trip(n: int, reformed: bool) -> None:
    assert parse_number(spell_fr(n, reformed=reformed), "fr") == n


@given(st.integers(0, 999))
def test_spanish_words_round_trip(n: int) -> None:
    assert parse_number(spell_es(n), "es") == n


@given(st.integers(0, 999))
def test_portuguese_words_round_trip(n: int) -> None:
    assert parse_number(spell_pt(n), "pt") == n


@given(st.integers(1, 999), st.sampled_from(["en", "fr", "es", "pt"]))
def test_spelled_and_digits_period_round_trip(n: int, lang: str) -> None:
    spellers: dict[str, Callable[[int], str]] = {
        "en": spell_en,
        "fr": spell_fr,
        "es": spell_es,
        "pt": spell_pt,
    }
    spell = spellers[lang]
    unit = {"en": "years", "fr": "ans", "es": "años", "pt": "anos"}[lang]
    text = f"... {spell(n)} ({n}) {unit} ..."
    found = find_durations(text, lang)
    assert [(d.value, d.unit) for d in found] == [(n, "year")]
    assert found[0].text == f"{spell(n)} ({n}) {unit}"


# --- durations ----------------------------------------------------------------------------------


class D(NamedTuple):
    """An expected period: value, matched text, and what it is."""

    value: float
    text: str
    unit: str = "year"
    bound: str | None = None
    age: bool = False
    penalty: bool = False


MIN, MAX = "at_least", "at_most"

# fmt: off
DURATIONS = [
    ("en", "Records shall be kept for not less than ten years.",
     [D(10, "not less than ten years", bound=MIN)]),
    ("en", "kept for at least 10 years", [D(10, "at least 10 years", bound=MIN)]),
    ("en", "for a period of twenty years", [D(20, "twenty years")]),
    ("en", "for a period of twenty (20) years", [D(20, "twenty (20) years")]),
    ("en", "ten (10) years", [D(10, "ten (10) years")]),
    ("en", "a minimum of five years", [D(5, "a minimum of five years", bound=MIN)]),
    ("en", "retained for a ten-year period", [D(10, "ten-year")]),
    ("en", "for 10 calendar years", [D(10, "10 calendar years")]),
    ("en", "within six months", [D(6, "six months", unit="month")]),
    ("en", "within 30 days", [D(30, "30 days", unit="day")]),
    ("en", "valid for not more than 5 years", [D(5, "not more than 5 years", bound=MAX)]),
    ("en", "kept for 10 years or more", [D(10, "10 years or more", bound=MIN)]),
    ("en", "one year", [D(1, "one year")]),
    ("en", "persons 18 years of age", [D(18, "18 years", age=True)]),
    ("en", "under the age of eighteen years", [D(18, "eighteen years", age=True)]),
    ("en", "aged at least 21 years", [D(21, "at least 21 years", bound=MIN, age=True)]),
    ("en", "a child ten years old", [D(10, "ten years", age=True)]),
    ("en", "imprisonment for ten years", [D(10, "ten years", penalty=True)]),
    ("en", "liable to imprisonment for a term not exceeding 15 years",
     [D(15, "not exceeding 15 years", bound=MAX, penalty=True)]),
    ("en", "five years' imprisonment", [D(5, "five years", penalty=True)]),
    ("en", "Imprisonment applies. Records are kept for ten years.", [D(10, "ten years")]),
    ("fr", "pendant au moins dix ans", [D(10, "au moins dix ans", bound=MIN)]),
    ("fr", "pendant une durée de vingt (20) ans", [D(20, "vingt (20) ans")]),
    ("fr", "conservés pendant quatre-vingts ans", [D(80, "quatre-vingts ans")]),
    ("fr", "pendant un an", [D(1, "un an")]),
    ("fr", "dans un délai de trois mois", [D(3, "trois mois", unit="month")]),
    ("fr", "dix années", [D(10, "dix années")]),
    ("fr", "DIX ANNÉES", [D(10, "DIX ANNÉES")]),
    ("fr", "âgé de dix-huit ans", [D(18, "dix-huit ans", age=True)]),
    ("fr", "âgée d'au moins dix-huit ans", [D(18, "d'au moins dix-huit ans", bound=MIN, age=True)]),
    ("fr", "cinq ans d'emprisonnement", [D(5, "cinq ans", penalty=True)]),
    ("fr", "puni d'un emprisonnement de sept ans", [D(7, "sept ans", penalty=True)]),
    ("es", "por un período no inferior a diez (10) años",
     [D(10, "no inferior a diez (10) años", bound=MIN)]),
    ("es", "diez (10) años", [D(10, "diez (10) años")]),
    ("es", "durante treinta y cinco años", [D(35, "treinta y cinco años")]),
    ("es", "durante veinticinco años", [D(25, "veinticinco años")]),
    ("es", "durante cien años", [D(100, "cien años")]),
    ("es", "durante 10 AÑOS", [D(10, "10 AÑOS")]),
    ("es", "en un plazo de treinta días", [D(30, "treinta días", unit="day")]),
    ("es", "mayores de 18 años", [D(18, "18 años", age=True)]),
    ("es", "18 años de edad", [D(18, "18 años", age=True)]),
    ("es", "prisión de seis meses a dos años",
     [D(6, "seis meses", unit="month", penalty=True), D(2, "dos años", penalty=True)]),
    ("es", "diez años de prisión", [D(10, "diez años", penalty=True)]),
    ("pt", "durante pelo menos dez anos", [D(10, "pelo menos dez anos", bound=MIN)]),
    ("pt", "cinco anos de prisão", [D(5, "cinco anos", penalty=True)]),
    ("en", "punishable by a fine or by 7 years", [D(7, "7 years", penalty=True)]),
    ("fr", "passible de trois ans", [D(3, "trois ans", penalty=True)]),
    ("es", "castigado con pena de cinco años", [D(5, "cinco años", penalty=True)]),
    ("pt", "pena de prisão de 2 a 8 anos", [D(8, "8 anos", penalty=True)]),
    ("pt", "conservados por prazo não inferior a dez anos",
     [D(10, "não inferior a dez anos", bound=MIN)]),
    ("pt", "maiores de 25 anos", [D(25, "25 anos", age=True)]),
    ("ru", "Документы хранятся не менее десяти лет.", [D(10, "не менее десяти лет", bound=MIN)]),
    ("ru", "в течение 10 лет", [D(10, "10 лет")]),
    ("ru", "наказывается лишением свободы на срок до пяти лет",
     [D(5, "на срок до пяти лет", bound=MAX, penalty=True)]),
    ("ru", "лишением свободы на срок от трех до восьми лет",
     [D(8, "до восьми лет", bound=MAX, penalty=True)]),
    ("ru", "в течение шести месяцев", [D(6, "шести месяцев", unit="month")]),
    ("ru", "лицам, достигшим 18 лет", [D(18, "18 лет", age=True)]),
    ("ar", "لمدة عشر سنوات", [D(10, "عشر سنوات")]),
    ("ar", "يحتفظ بالسجلات مدة لا تقل عن خمس سنوات", [D(5, "لا تقل عن خمس سنوات", bound=MIN)]),
    ("ar", "يعاقب بالسجن مدة لا تقل عن ١٠ سنوات",
     [D(10, "لا تقل عن ١٠ سنوات", bound=MIN, penalty=True)]),
    ("ar", "لمدة عشرة أعوام", [D(10, "عشرة أعوام")]),
    ("ar", "خلال ثلاثين يوما", [D(30, "ثلاثين يوما", unit="day")]),
    ("ar", "الحبس مدة لا تزيد على ثلاث سنوات", [D(3, "لا تزيد على ثلاث سنوات", bound=MAX,
                                                   penalty=True)]),
    ("zh", "十年", [D(10, "十年")]),
    ("zh", "不少于十年", [D(10, "不少于十年", bound=MIN)]),
    ("zh", "保存期限不得少于二十年", [D(20, "不得少于二十年", bound=MIN)]),
    ("zh", "处五年以上十年以下有期徒刑",
     [D(5, "五年以上", bound=MIN, penalty=True), D(10, "十年以下", bound=MAX, penalty=True)]),
    ("zh", "判处有期徒刑三年", [D(3, "三年", penalty=True)]),
    ("zh", "档案保存10年", [D(10, "10年")]),
    ("zh", "六个月以上", [D(6, "六个月以上", unit="month", bound=MIN)]),
    ("zh", "年满十八周岁", [D(18, "十八周岁", age=True)]),
    ("zh", "本法自2020年起施行", []),
    ("en", "section 10 of the Act", []),
    ("en", "10 firearms", []),
    ("en", "the 10th year", []),
    ("xx", "10 years", []),
]
# fmt: on


@pytest.mark.parametrize(
    ("lang", "text", "expected"), DURATIONS, ids=[f"{lang}:{text}" for lang, text, _ in DURATIONS]
)
def test_find_durations(lang: str, text: str, expected: list[D]) -> None:
    found = find_durations(text, lang)
    got = [D(d.value, d.text, d.unit, d.bound, d.is_age, d.is_penalty) for d in found]
    assert got == expected
    assert all(text[d.start : d.end] == d.text for d in found)


@pytest.mark.parametrize(
    ("lang", "text", "years"),
    [
        ("en", "six months", 0.5),
        ("es", "18 meses", 1.5),
        ("en", "730 days", 2.0),
        ("fr", "1,5 an", 1.5),
    ],
    ids=["months", "es-months", "days", "decimal"],
)
def test_duration_in_years(lang: str, text: str, years: float) -> None:
    (duration,) = find_durations(text, lang)
    assert duration.years == pytest.approx(years)


def test_decomposed_accents_keep_whole_characters() -> None:
    text = "diez an\u0303os"  # 'años' with a combining tilde
    (duration,) = find_durations(text, "es")
    assert duration.text == text
    assert text[duration.start : duration.end] == duration.text


def test_language_variants_and_case() -> None:
    assert [d.value for d in find_durations("Ten Years", "EN-gb")] == [10]
    assert [d.value for d in find_durations("diez años", "es_MX")] == [10]


# --- years --------------------------------------------------------------------------------------


class Y(NamedTuple):
    """An expected year: the year (an age for rolling rules), last year covered, kind, text."""

    year: int
    latest: int | None
    relation: str
    text: str


# fmt: off
YEARS = [
    ("en", "manufactured before 1900", [Y(1900, 1899, "before", "before 1900")]),
    ("en", "made in or before 1898", [Y(1898, 1898, "on_or_before", "in or before 1898")]),
    ("en", "prior to 1 January 1900", [Y(1900, 1899, "before", "prior to 1 January 1900")]),
    ("en", "before January 1, 1900", [Y(1900, 1899, "before", "before January 1, 1900")]),
    ("en", "before 1 July 1900", [Y(1900, 1900, "before", "before 1 July 1900")]),
    ("en", "on or before the 31st of December 1899",
     [Y(1899, 1899, "on_or_before", "on or before the 31st of December 1899")]),
    ("en", "made in 1899 or earlier", [Y(1899, 1899, "on_or_before", "1899 or earlier")]),
    ("en", "made after 1899", [Y(1899, None, "after", "after 1899")]),
    ("en", "the Act of 1945", [Y(1945, 1945, "year", "1945")]),
    ("en", "more than 100 years old", [Y(100, None, "rolling", "more than 100 years old")]),
    ("en", "made more than 75 years ago", [Y(75, None, "rolling", "more than 75 years ago")]),
    ("fr", "antérieur au 1er janvier 1900",
     [Y(1900, 1899, "before", "antérieur au 1er janvier 1900")]),
    ("fr", "armes fabriquées avant 1900", [Y(1900, 1899, "before", "avant 1900")]),
    ("fr", "FABRIQUÉES AVANT L'ANNÉE 1900", [Y(1900, 1899, "before", "AVANT L'ANNÉE 1900")]),
    ("fr", "fabriquées jusqu'en 1899", [Y(1899, 1899, "on_or_before", "jusqu'en 1899")]),
    ("fr", "plus de cent ans d'âge", [Y(100, None, "rolling", "plus de cent ans d'âge")]),
    ("es", "armas anteriores a 1900", [Y(1900, 1899, "before", "anteriores a 1900")]),
    ("es", "fabricadas antes de 1900", [Y(1900, 1899, "before", "antes de 1900")]),
    ("es", "fabricadas antes del año 1900", [Y(1900, 1899, "before", "antes del año 1900")]),
    ("es", "con anterioridad al 1.º de enero de 1900",
     [Y(1900, 1899, "before", "con anterioridad al 1.º de enero de 1900")]),
    ("es", "con una antigüedad superior a cien años",
     [Y(100, None, "rolling", "antigüedad superior a cien años")]),
    ("pt", "fabricadas antes de 1900", [Y(1900, 1899, "before", "antes de 1900")]),
    # An 'after' rule excluded earlier in its clause is a cut-off; elsewhere it is not.
    ("en", "in no case shall antiques include firearms manufactured after 1899",
     [Y(1899, 1899, "on_or_before", "after 1899")]),
    ("en", "antiques do not include firearms made on or after 1900",
     [Y(1900, 1899, "on_or_before", "on or after 1900")]),
    ("en", "antique firearms are those manufactured after 1899",
     [Y(1899, None, "after", "after 1899")]),
    ("en", "in no case. Firearms manufactured after 1899", [Y(1899, None, "after", "after 1899")]),
    ("fr", "ne comprennent en aucun cas les armes fabriquées après 1899",
     [Y(1899, 1899, "on_or_before", "après 1899")]),
    ("es", "en ningún caso incluyen las armas fabricadas después de 1899",
     [Y(1899, 1899, "on_or_before", "después de 1899")]),
    ("en", "a person 18 years old", []),
    ("en", "1,900 rounds", []),
    ("xx", "1945", [Y(1945, 1945, "year", "1945")]),
]
# fmt: on


@pytest.mark.parametrize(
    ("lang", "text", "expected"), YEARS, ids=[f"{lang}:{text}" for lang, text, _ in YEARS]
)
def test_find_years(lang: str, text: str, expected: list[Y]) -> None:
    found = find_years(text, lang)
    assert [Y(y.year, y.latest_included, y.relation, y.text) for y in found] == expected
    assert all(y.rolling == (y.relation == "rolling") for y in found)
    assert all(text[y.start : y.end] == y.text for y in found)


# --- fields -------------------------------------------------------------------------------------

MARKING = (
    FieldSpec(
        id="manufacturer",
        indicators={
            "en": ("name of the manufacturer", "manufacturer"),
            "fr": ("fabricant",),
            "es": ("fabricante",),
            "ar": ("صانع",),
            "zh": ("制造厂",),
        },
    ),
    FieldSpec(
        id="country",
        indicators={
            "en": ("country of manufacture",),
            "fr": ("pays de fabrication",),
            "es": ("país de fabricación",),
            "ar": ("بلد صنع",),
            "zh": ("制造国",),
        },
    ),
    FieldSpec(
        id="serial_number",
        indicators={
            "en": ("serial number",),
            "fr": ("numéro de série",),
            "es": ("número de serie",),
            "ar": ("رقم تسلسلي",),
            "zh": ("序号",),
        },
    ),
)

# (lang, text, what matched for: manufacturer, country, serial_number)
# fmt: off
FIELDS = [
    ("en", "the MANUFACTURERS, the country of manufacture and the serial   numbers",
     ("MANUFACTURERS", "country of manufacture", "serial   numbers")),
    ("en", "a serial-number and the name of the manufacturer",
     ("name of the manufacturer", None, "serial-number")),
    ("en", "manufacturing serialnumber", (None, None, None)),
    ("fr", "le nom du Fabricant, le PAYS DE FABRICATION et les numéros de série",
     ("Fabricant", "PAYS DE FABRICATION", "numéros de série")),
    ("fr", "le numero de serie", (None, None, "numero de serie")),
    ("es", "el fabricante, el pais de fabricacion y los NÚMEROS DE SERIE",
     ("fabricante", "pais de fabricacion", "NÚMEROS DE SERIE")),
    ("de", "Seriennummer", (None, None, None)),
    ("ar", "اسم الصانع وبلد الصنع والرقم التسلسلي", ("الصانع", "وبلد الصنع", "والرقم التسلسلي")),
    ("zh", "标注制造厂名称、制造国和枪支序号", ("制造厂", "制造国", "序号")),
    ("zh", "标注制造厂名称", ("制造厂", None, None)),
]
# fmt: on


@pytest.mark.parametrize(
    ("lang", "text", "expected"), FIELDS, ids=[f"{lang}:{text[:30]}" for lang, text, _ in FIELDS]
)
def test_find_fields(lang: str, text: str, expected: tuple[str | None, ...]) -> None:
    found = find_fields(text, lang, MARKING)
    assert list(found) == [f.id for f in MARKING]
    assert tuple(text[v[0] : v[1]] if v else None for v in found.values()) == expected


def test_find_fields_earliest_phrase_wins() -> None:
    text = "manufacturer ... name of the manufacturer"
    assert find_fields(text, "en", MARKING[:1]) == {"manufacturer": (0, 12)}


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("fabricado", "armas fabricadas"),
        ("importé", "armes importées"),
        ("country", "third countries"),
        ("national", "marquages nationaux"),
        ("matriz", "las matrices"),
    ],
    ids=["es-feminine-plural", "fr-feminine-plural", "en-ies", "fr-aux", "es-ces"],
)
def test_field_endings(phrase: str, text: str) -> None:
    spec = FieldSpec(id="f", indicators={"xx": (phrase,)})
    assert find_fields(text, "xx", (spec,))["f"] is not None


# --- checkers -----------------------------------------------------------------------------------


def check(name: str, required: str, found: str | None, ok: bool | None) -> ParameterCheck:
    return ParameterCheck(name=name, required=required, found=found, ok=ok)


RECORDS = Parameter(name="records", check="min_years", description="kept", required=10)
ANTIQUE = Parameter(name="antique", check="max_year", description="cut-off", required=1899)
SANCTION = Parameter(name="term", check="min_penalty_years", description="max", required=4)
MARKS_ALL = Parameter(name="marks", check="fields_all", description="data", fields=MARKING)
MARKS_ANY = Parameter(name="marks", check="fields_any", description="data", fields=MARKING)
ALL_IDS = "manufacturer, country, serial_number"


def records(found: str | None, ok: bool | None) -> ParameterCheck:
    return check("records", ">= 10 years", found, ok)


def term(found: str | None, ok: bool | None) -> ParameterCheck:
    return check("term", ">= 4 years", found, ok)


def antique(found: str | None, ok: bool | None) -> ParameterCheck:
    return check("antique", "<= 1899", found, ok)


def marks_all(found: str | None, ok: bool | None) -> ParameterCheck:
    return check("marks", ALL_IDS, found, ok)


def marks_any(found: str | None, ok: bool | None) -> ParameterCheck:
    return check("marks", f"any of: {ALL_IDS}", found, ok)


ROLLING = "rolling 100-year rule ('more than 100 years old')"

# (id, parameter, texts, language, expected)
# fmt: off
CHECKS = [
    ("min-years-words-and-digits", RECORDS, ["kept for twenty (20) years"], "en",
     records("20 years ('twenty (20) years')", True)),
    ("min-years-es", RECORDS, ["por un período no inferior a diez (10) años"], "es",
     records("10 years ('no inferior a diez (10) años')", True)),
    ("min-years-too-short", RECORDS, ["pendant au moins cinq ans"], "fr",
     records("5 years ('au moins cinq ans')", False)),
    ("min-years-months", RECORDS, ["for six months"], "en",
     records("6 months ('six months')", False)),
    ("min-years-largest-across-texts", RECORDS, ["for five years", "for a period of 15 years"],
     "en", records("15 years ('15 years')", True)),
    ("min-years-ignores-age-and-penalty", RECORDS,
     ["persons 18 years of age", "imprisonment for 20 years", "records for 3 years"], "en",
     records("3 years ('3 years')", False)),
    ("min-years-none", RECORDS, ["records shall be kept"], "en", records(None, None)),
    ("min-years-no-texts", RECORDS, [], "en", records(None, None)),
    ("min-penalty-years", SANCTION,
     ["imprisonment for a term of not less than 2 years and not more than 10 years"], "en",
     term("10 years ('not more than 10 years')", True)),
    ("min-penalty-years-fr", SANCTION, ["puni de trois ans d'emprisonnement"], "fr",
     term("3 years ('trois ans')", False)),
    ("min-penalty-years-ignores-other-periods", SANCTION, ["records kept for ten years"], "en",
     term(None, None)),
    ("max-year-before-1900", ANTIQUE, ["manufactured before 1900"], "en",
     antique("1899 ('before 1900')", True)),
    ("max-year-fr", ANTIQUE, ["antérieur au 1er janvier 1900"], "fr",
     antique("1899 ('antérieur au 1er janvier 1900')", True)),
    ("max-year-too-late", ANTIQUE, ["fabricadas antes de 1946"], "es",
     antique("1945 ('antes de 1946')", False)),
    ("max-year-rolling", ANTIQUE, ["more than 100 years old"], "en", antique(ROLLING, False)),
    ("max-year-rolling-beats-good-date", ANTIQUE,
     ["manufactured before 1900 or more than 100 years old"], "en", antique(ROLLING, False)),
    ("max-year-first-text-decides", ANTIQUE, ["in or before 1898", "before 1950"], "en",
     antique("1898 ('in or before 1898')", True)),
    ("max-year-bare-year-is-no-cutoff", ANTIQUE, ["the Firearms Act 1968"], "en",
     antique(None, None)),
    ("fields-all-met", MARKS_ALL,
     ["the manufacturer, the country of manufacture and the serial number"], "en",
     marks_all(ALL_IDS, True)),
    ("fields-all-across-texts", MARKS_ALL,
     ["le fabricant", "pays de fabrication", "numéro de série"], "fr", marks_all(ALL_IDS, True)),
    ("fields-all-partial", MARKS_ALL, ["el fabricante y los números de serie"], "es",
     marks_all("manufacturer, serial_number", False)),
    ("fields-all-none-named", MARKS_ALL, ["firearms shall be marked"], "en",
     marks_all(None, False)),
    ("fields-all-no-texts", MARKS_ALL, [], "en", marks_all(None, None)),
    ("fields-any-met", MARKS_ANY, ["a serial number"], "en", marks_any("serial_number", True)),
    ("fields-any-none", MARKS_ANY, ["a mark"], "en", marks_any(None, False)),
    ("fields-any-no-texts", MARKS_ANY, [], "en", marks_any(None, None)),
]
# fmt: on


@pytest.mark.parametrize(
    ("parameter", "texts", "lang", "expected"),
    [case[1:] for case in CHECKS],
    ids=[case[0] for case in CHECKS],
)
def test_checkers(
    parameter: Parameter, texts: list[str], lang: str, expected: ParameterCheck
) -> None:
    assert CHECKERS[parameter.check](parameter, texts, lang) == expected
    assert check_parameter(parameter, texts, lang) == expected


def test_unknown_check_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match=r"no parameter check named 'nope'.*min_years"):
        CHECKERS["nope"]
    odd = Parameter(name="odd", check="nope", description="")
    with pytest.raises(KeyError, match="nope"):
        check_parameter(odd, ["text"], "en")


def test_registry_names() -> None:
    assert set(CHECKERS) == {
        "min_years",
        "min_penalty_years",
        "max_year",
        "fields_all",
        "fields_any",
    }


@pytest.mark.parametrize(
    "parameter",
    [
        Parameter(name="p", check="min_years", description=""),
        Parameter(name="p", check="min_penalty_years", description=""),
        Parameter(name="p", check="max_year", description=""),
        Parameter(name="p", check="fields_all", description=""),
        Parameter(name="p", check="fields_any", description=""),
    ],
    ids=[
        "min_years-no-required",
        "min_penalty_years-no-required",
        "max_year-no-required",
        "fields_all-no-fields",
        "fields_any-no-fields",
    ],
)
def test_incomplete_parameter_is_a_checklist_error(parameter: Parameter) -> None:
    with pytest.raises(CheckerError) as info:
        check_parameter(parameter, ["ten years before 1900"], "en")
    assert info.value.code is Code.CHECKLIST_INVALID


# --- language data ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_language_files_load(lang: str) -> None:
    data = language_data(lang)
    assert data.language == lang
    assert data.numbers and data.units.year and len(data.months) == 12
    assert language_data(lang) is data  # cached


@pytest.mark.parametrize(("lang", "spaced"), [("ru", True), ("ar", True), ("zh", False)])
def test_new_language_files_load(lang: str, spaced: bool) -> None:
    data = language_data(lang)
    assert data.language == lang and data.units.year and data.spaced is spaced
    assert bool(data.numbers) is spaced and bool(data.numerals.digits) is not spaced


def test_missing_language_has_no_words_but_digits_work() -> None:
    data = language_data("zu")
    assert not data.numbers and not data.units.year
    assert parse_number("1 000", "zu") == 1000
    assert find_durations("10 years", "zu") == []
    assert find_years("before 1900", "zu")[0].relation == "year"
    assert language_data("../../etc").language == "und"


@pytest.mark.parametrize(
    "data",
    [
        {"language": "en", "surprise": 1},
        {"language": "en", "numbers": {"hundred": 100}},
        {"language": "en", "hundreds": {"odd": 150}},
        {"language": "en", "multipliers": {"dozen": 12}},
        {"language": "en", "months": [["january"]]},
        {"language": "en", "units": {"year": ["years"], "week": ["weeks"]}},
    ],
    ids=["extra-key", "number-too-big", "bad-hundreds", "bad-multiplier", "months", "unit"],
)
def test_schema_is_strict(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LanguageData.model_validate(data)


def _write_language(root: Path, code: str, body: str) -> None:
    folder = root / "languages" / code
    folder.mkdir(parents=True)
    (folder / "numbers.yaml").write_text(body, encoding="utf-8")


def test_new_language_is_a_data_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_language(
        tmp_path,
        "qa",
        "language: qa\nnumbers: {dek: 10, du: 2}\nunits: {year: [jaroj, jaro]}\n"
        "age: {after: [aĝa]}\n",
    )
    monkeypatch.setenv("CHECKER_CHECKLISTS", str(tmp_path))
    assert [
        (d.value, d.text, d.is_age) for d in find_durations("dek jaroj; du jaroj aĝa", "qa")
    ] == [
        (10, "dek jaroj", False),
        (2, "du jaroj", True),
    ]


@pytest.mark.parametrize(
    ("code", "body"),
    [("qb", "language: qb\nbogus: true\n"), ("qc", "language: en\n"), ("qd", "language: [\n")],
    ids=["schema", "wrong-language", "yaml-syntax"],
)
def test_broken_language_file_is_a_checklist_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, body: str
) -> None:
    _write_language(tmp_path, code, body)
    monkeypatch.setenv("CHECKER_CHECKLISTS", str(tmp_path))
    with pytest.raises(CheckerError) as info:
        language_data(code)
    assert info.value.code is Code.CHECKLIST_INVALID


# --- properties ---------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "ten",
        "(10)",
        "years",
        "year",
        "ans",
        "años",
        "not less than",
        "au moins",
        "diez",
        "vingt-cinq",
        "quatre-vingts",
        "1,000",
        "1 000",
        "1.5",
        "before",
        "1900",
        "avant",
        "antes de",
        "of age",
        "imprisonment",
        "d'emprisonnement",
        "old",
        "ÂGÉ",
        "an\u0303os",
        "\u00a0",
        "-",
        "(",
        ")",
        ".",
        ";",
        "'",
        "ß",
        "İ",
        "\u00ad",
        "1er",
        "º",
    ]
)
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=20).map(" ".join)
ANY_LANG = st.sampled_from(["en", "fr", "es", "pt", "xx", "", "EN-us", "und", "../x"])


@settings(max_examples=300)
@given(TEXTS, ANY_LANG)
def test_spans_point_at_their_text(text: str, lang: str) -> None:
    for duration in find_durations(text, lang):
        assert text[duration.start : duration.end] == duration.text
        assert duration.years >= 0
    for number in find_numbers(text, lang):
        assert text[number.start : number.end] == number.text
    for year in find_years(text, lang):
        assert text[year.start : year.end] == year.text
    for span in find_fields(text, lang, MARKING).values():
        assert span is None or 0 <= span[0] < span[1] <= len(text)


@settings(max_examples=200)
@given(st.text(), ANY_LANG)
def test_random_text_never_raises(text: str, lang: str) -> None:
    find_numbers(text, lang)
    find_durations(text, lang)
    find_years(text, lang)
    find_fields(text, lang, MARKING)
    for parameter in (RECORDS, SANCTION, ANTIQUE, MARKS_ALL, MARKS_ANY):
        result = check_parameter(parameter, [text], lang)
        assert result.name == parameter.name


@given(st.integers(0, 10**7), st.sampled_from([",", ".", " "]))
def test_grouped_digits_round_trip(n: int, sep: str) -> None:
    grouped = f"{n:,}".replace(",", sep)
    assert parse_number(grouped, "en") == n
