"""Checklist data: every file loads and keeps to the fixed vocabularies, the copies agree, every
indicator compiles, and the treaty texts read the way they should.

The inventory and treaty checks use the shared reference material (`../shared`); they skip when it
is absent. The treaty texts are development documents of the shared corpus: they state their own
obligations (the Protocol) or say nothing about firearms controls (the Convention), which makes
them a check on the indicators as a whole.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from locations import REAL, ROOT, SHARED

from checker import review
from checker.checklist import (
    CATEGORIES,
    LEVELS,
    Checklist,
    Element,
    LanguageIndicators,
    Obligation,
    available_checklists,
    load_checklist,
    with_language_indicators,
)
from checker.errors import CheckerError
from checker.lang import pipeline
from checker.params import CHECKERS

CHECKLISTS = ROOT / "checklists"
FILES = sorted(CHECKLISTS.glob("*.yaml"))
INVENTORY = SHARED / "reference" / "obligations.md"
LANGUAGES = ("en", "fr", "es")
COP_PARAGRAPHS = (6, 10, 11, 12, 15, 16, 19)
# Parameter checks and what each needs from the checklist.
NEEDS_REQUIRED = {"min_years", "min_penalty_years", "max_year"}
NEEDS_FIELDS = {"fields_all", "fields_any"}


@cache
def loaded(path: Path) -> Checklist:
    return load_checklist(str(path))


def all_elements() -> Iterator[tuple[Checklist, Obligation, Element]]:
    for path in FILES:
        checklist = loaded(path)
        for obligation in checklist.obligations:
            for element in obligation.elements:
                yield checklist, obligation, element


def ids(path: Path) -> str:
    return path.stem


# --- files and vocabularies ---------------------------------------------------------------------


def test_the_three_checklists_ship() -> None:
    assert {"firearms-protocol", "untoc", "cop-11-6"} <= set(available_checklists())


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_checklist_file_loads_under_its_own_name(path: Path) -> None:
    checklist = loaded(path)
    assert checklist.id == path.stem, "the loader finds a checklist by its file name"
    assert checklist.obligations
    assert load_checklist(path.stem) == checklist


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_ids_are_unique(path: Path) -> None:
    checklist = loaded(path)
    obligation_ids = [o.id for o in checklist.obligations]
    assert len(obligation_ids) == len(set(obligation_ids))
    for obligation in checklist.obligations:
        element_ids = [e.id for e in obligation.elements]
        assert len(element_ids) == len(set(element_ids)), obligation.id
        names = [p.name for p in obligation.parameters]
        assert len(names) == len(set(names)), obligation.id
        for parameter in obligation.parameters:
            field_ids = [f.id for f in parameter.fields]
            assert len(field_ids) == len(set(field_ids)), (obligation.id, parameter.name)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_categories_and_levels_come_from_the_fixed_lists(path: Path) -> None:
    for obligation in loaded(path).obligations:
        assert obligation.category in CATEGORIES, obligation.id
        assert obligation.level in LEVELS, obligation.id
        assert obligation.id.split(".", 1)[0] == obligation.instrument.lower(), obligation.id


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_element_has_indicators_in_english_french_and_spanish(path: Path) -> None:
    for obligation in loaded(path).obligations:
        assert any(e.core for e in obligation.elements), obligation.id
        for element in obligation.elements:
            for lang in LANGUAGES:
                indicators = element.indicators.get(lang)
                assert indicators is not None, (obligation.id, element.id, lang)
                assert indicators.terms, (obligation.id, element.id, lang)
                assert all(t.strip() for t in indicators.terms + indicators.context), (
                    obligation.id, element.id, lang)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_parameter_names_a_known_check_and_has_what_it_needs(path: Path) -> None:
    for obligation in loaded(path).obligations:
        for parameter in obligation.parameters:
            where = (obligation.id, parameter.name)
            assert parameter.check in CHECKERS, where
            if parameter.check in NEEDS_REQUIRED:
                assert parameter.required is not None, where
            if parameter.check in NEEDS_FIELDS:
                assert parameter.fields, where
                for field in parameter.fields:
                    for lang in LANGUAGES:
                        assert field.indicators.get(lang), (*where, field.id, lang)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_no_phrase_is_repeated_within_an_element(path: Path) -> None:
    for obligation in loaded(path).obligations:
        for element in obligation.elements:
            for lang, indicators in element.indicators.items():
                for role, phrases in (("terms", indicators.terms),
                                      ("context", indicators.context)):
                    folded = [" ".join(p.lower().split()) for p in phrases]
                    repeated = sorted({p for p in folded if folded.count(p) > 1})
                    assert not repeated, (obligation.id, element.id, lang, role, repeated)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_indicator_phrase_compiles_to_tokens(lang: str) -> None:
    nlp = pipeline(lang)
    phrases = sorted({
        phrase
        for _, _, element in all_elements()
        if lang in element.indicators
        for phrase in element.indicators[lang].terms + element.indicators[lang].context
    })
    assert phrases
    empty = [p for p, doc in zip(phrases, nlp.pipe(p.strip().lower() for p in phrases),
                                 strict=True)
             if not any(not t.is_space for t in doc)]
    assert not empty


# --- language overlays (checklists/languages/<lang>/indicators.yaml) ----------------------------

OVERLAYS = sorted(CHECKLISTS.glob("languages/*/indicators.yaml"))


@pytest.mark.parametrize("path", OVERLAYS, ids=lambda p: p.parent.name)
def test_every_overlay_entry_names_an_obligation_and_element_of_a_shipped_checklist(
    path: Path,
) -> None:
    overlay = LanguageIndicators.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert overlay.language == path.parent.name
    obligations = {o.id: o for p in FILES for o in loaded(p).obligations}
    for obligation_id, extra in overlay.obligations.items():
        assert obligation_id in obligations, obligation_id
        obligation = obligations[obligation_id]
        assert set(extra.elements) <= {e.id for e in obligation.elements}, obligation_id
        # Every core element is covered, or the obligation could never be found in the language.
        assert {e.id for e in obligation.core_elements} <= set(extra.elements), obligation_id


@pytest.mark.parametrize("path", OVERLAYS, ids=lambda p: p.parent.name)
def test_overlay_indicators_reach_the_loaded_checklists(path: Path) -> None:
    lang = path.parent.name
    overlay = LanguageIndicators.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for file in FILES:
        for obligation in loaded(file).obligations:
            extra = overlay.obligations.get(obligation.id)
            for element in obligation.elements:
                if extra is not None and element.id in extra.elements:
                    assert element.indicators[lang] == extra.elements[element.id]


def _one_obligation_overlay(**entry: object) -> LanguageIndicators:
    return LanguageIndicators.model_validate(
        {"language": "xx", "obligations": {"fp.art3a.firearm-definition": entry}})


@pytest.mark.parametrize(("entry", "message"), [
    ({"elements": {"no-such-element": {"terms": ["x"]}}}, "has no element"),
    ({"elements": {"firearm-defined": {"terms": ["x"]}},
      "fields": {"no_such_parameter": {"expels": ["x"]}}}, "has no parameter"),
    ({"elements": {"firearm-defined": {"terms": ["x"]}},
      "fields": {"definition_limbs": {"no-such-field": ["x"]}}}, "has no field"),
])
def test_overlay_naming_unknown_parts_is_refused(entry: dict[str, object], message: str) -> None:
    base = load_checklist("firearms-protocol")
    with pytest.raises(CheckerError, match=message):
        with_language_indicators(base, (_one_obligation_overlay(**entry),))


def test_overlay_cannot_repeat_a_language_given_in_the_checklist() -> None:
    base = load_checklist("firearms-protocol")
    overlay = LanguageIndicators.model_validate({"language": "en", "obligations": {
        "fp.art3a.firearm-definition": {"elements": {"firearm-defined": {"terms": ["gun"]}}}}})
    with pytest.raises(CheckerError, match="given twice"):
        with_language_indicators(base, (overlay,))


def test_overlay_adds_a_language_to_elements_and_fields() -> None:
    base = load_checklist("firearms-protocol")
    overlay = _one_obligation_overlay(
        elements={"firearm-defined": {"terms": ["arma"]}},
        fields={"definition_limbs": {"expels": ["dispara"]}})
    merged = with_language_indicators(base, (overlay,))
    obligation = next(o for o in merged.obligations if o.id == "fp.art3a.firearm-definition")
    element = next(e for e in obligation.elements if e.id == "firearm-defined")
    assert element.indicators["xx"].terms == ("arma",)
    field = next(f for f in obligation.parameters[0].fields if f.id == "expels")
    assert field.indicators["xx"] == ("dispara",)
    untouched = next(o for o in merged.obligations if o.id != obligation.id)
    assert "xx" not in untouched.elements[0].indicators


# --- the UNTOC copy -----------------------------------------------------------------------------


def test_untoc_holds_exactly_the_convention_obligations_of_firearms_protocol() -> None:
    full = load_checklist("firearms-protocol")
    untoc = load_checklist("untoc")
    expected = [o.id for o in full.obligations if o.id.startswith("untoc.")]
    assert [o.id for o in untoc.obligations] == expected
    assert {o.instrument for o in untoc.obligations} == {"UNTOC"}


def test_untoc_obligations_are_identical_to_their_firearms_protocol_copies() -> None:
    full = {o.id: o for o in load_checklist("firearms-protocol").obligations}
    drifted = [o.id for o in load_checklist("untoc").obligations if o != full.get(o.id)]
    assert not drifted, (
        "untoc.yaml and firearms-protocol.yaml disagree on these obligations; edit both copies "
        f"(and bump both versions): {drifted}")


# --- the COP 11/6 checklist ---------------------------------------------------------------------


def test_cop_items_are_recommended_and_cite_an_operative_paragraph() -> None:
    checklist = load_checklist("cop-11-6")
    assert 10 <= len(checklist.obligations) <= 15
    for obligation in checklist.obligations:
        assert obligation.level == "recommended", obligation.id
        assert obligation.instrument == "COP", obligation.id
        match = re.fullmatch(r"Res\. 11/6, para\. (\d+)", obligation.article)
        assert match, obligation.article
        paragraph = int(match.group(1))
        assert paragraph in COP_PARAGRAPHS, obligation.id
        assert obligation.id.startswith(f"cop.p{paragraph}."), obligation.id
    assert {int(o.article.rsplit(" ", 1)[1]) for o in checklist.obligations} == set(COP_PARAGRAPHS)


@pytest.mark.parametrize("name", ["firearms-protocol", "untoc"])
def test_treaty_checklists_hold_no_recommendations(name: str) -> None:
    assert "recommended" not in {o.level for o in load_checklist(name).obligations}


# --- versions, counts and the published schema --------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_every_checklist_version_is_in_the_changelog(path: Path) -> None:
    checklist = loaded(path)
    changelog = (CHECKLISTS / "CHANGELOG.md").read_text(encoding="utf-8")
    entry = re.escape(f"{checklist.id} {checklist.version}")
    heading = rf"^## \[{entry}\] - \d{{4}}-\d\d-\d\d$"
    assert re.search(heading, changelog, re.M), f"log {checklist.id} {checklist.version}"


def count_table(checklist: Checklist) -> str:
    """The README table of obligations per category and level (levels in use, fixed order)."""
    counts = Counter((o.category, o.level) for o in checklist.obligations)
    levels = [lv for lv in LEVELS if any(o.level == lv for o in checklist.obligations)]
    lines = ["| category | " + " | ".join(levels) + " | total |",
             "|---|" + "---:|" * (len(levels) + 1)]
    for category in CATEGORIES:
        row = [counts[(category, lv)] for lv in levels]
        if sum(row):
            lines.append(f"| {category} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [sum(counts[(c, lv)] for c in CATEGORIES) for lv in levels]
    lines.append("| **total** | " + " | ".join(f"**{n}**" for n in totals)
                 + f" | **{sum(totals)}** |")
    return "\n".join(lines)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_readme_counts_match_the_data(path: Path) -> None:
    checklist = loaded(path)
    readme = (CHECKLISTS / "README.md").read_text(encoding="utf-8")
    expected = f"`{checklist.id}`:\n\n{count_table(checklist)}\n"
    assert expected in readme, f"checklists/README.md: the counts of {checklist.id} are\n{expected}"


def _schema_script() -> ModuleType:
    path = ROOT / "scripts" / "export_checklist_schema.py"
    spec = importlib.util.spec_from_file_location("export_checklist_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_published_schema_is_up_to_date() -> None:
    published = (CHECKLISTS / "schema.json").read_text(encoding="utf-8")
    assert published == _schema_script().schema_text(), (
        "checklists/schema.json is stale: run scripts/export_checklist_schema.py")
    assert json.loads(published) == Checklist.model_json_schema()
    overlay_path = CHECKLISTS / "languages" / "indicators.schema.json"
    overlay_schema = overlay_path.read_text(encoding="utf-8")
    assert overlay_schema == _schema_script().schema_text(LanguageIndicators), (
        "checklists/languages/indicators.schema.json is stale: run "
        "scripts/export_checklist_schema.py")


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_checklist_files_validate_against_the_published_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((CHECKLISTS / "schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert not errors


@pytest.mark.parametrize("path", OVERLAYS, ids=lambda p: p.parent.name)
def test_language_indicator_files_validate_against_the_published_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = CHECKLISTS / "languages" / "indicators.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert not errors


# --- the inventory ------------------------------------------------------------------------------

LEVEL_NAMES = {"optional (must-consider)": "optional-must-consider"}


def inventory_rows() -> dict[str, tuple[str, str]]:
    """Id -> (category, level) of every row of the table in section 2 of the inventory."""
    text = INVENTORY.read_text(encoding="utf-8")
    table = text.split("## 2. Obligation table", 1)[1].split("\n## 3", 1)[0]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"^\| `([^`]+)` \|", line)
        if not match:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        level = re.match(r"\*\*([^*]+)\*\*", cells[3])
        assert level, line
        rows[match.group(1)] = (cells[2], LEVEL_NAMES.get(level.group(1), level.group(1)))
    return rows


@pytest.mark.skipif(not INVENTORY.is_file(), reason="shared reference notes not present")
def test_every_inventory_obligation_is_in_firearms_protocol() -> None:
    rows = inventory_rows()
    assert len(rows) == 99
    checklist = {o.id: o for o in load_checklist("firearms-protocol").obligations}
    assert sorted(set(rows) - set(checklist)) == []
    for obligation_id, (category, level) in rows.items():
        obligation = checklist[obligation_id]
        assert (obligation.category, obligation.level) == (category, level), obligation_id


# --- data behaviour: known false readings, kept fixed -------------------------------------------

DESTROY = "fp.art6.2.seize-and-destroy-default"
TRANSIT = "fp.art10.1.transit-measures"
CASES = [
    pytest.param("es", DESTROY, "met", (
        "Artículo 5.- Las armas de fuego decomisadas serán destruidas, salvo que la autoridad "
        "competente autorice por resolución su asignación a la Policía Nacional."),
        id="es-destroy-unless"),
    pytest.param("es", DESTROY, "partial", (
        "Artículo 5.- La autoridad dispone la destrucción, la venta en subasta pública o la "
        "donación de las armas de fuego decomisadas, según lo autorice por resolución."),
        id="es-destroy-or-sell"),
    pytest.param("en", DESTROY, "met", (
        "Section 5\n\n(1) Every firearm forfeited under this Act shall be destroyed unless the "
        "Minister authorises another form of disposal."),
        id="en-destroy-unless"),
    pytest.param("en", DESTROY, "partial", (
        "Section 5\n\n(1) Every firearm forfeited under this Act shall be destroyed, sold by "
        "public auction or donated to a museum, as the Minister may direct."),
        id="en-destroy-or-sell"),
    pytest.param("fr", DESTROY, "met", (
        "Article 5\n\nLes armes confisquées sont détruites, sauf décision du ministre ordonnant "
        "leur affectation à un service de l'État."),
        id="fr-destroy-unless"),
    pytest.param("fr", DESTROY, "partial", (
        "Article 5\n\nLes armes confisquées sont détruites, vendues aux enchères ou cédées à un "
        "musée sur décision du ministre."),
        id="fr-destroy-or-sell"),
    pytest.param("es", TRANSIT, "missing", (
        "Artículo 9.- Disposiciones para el tránsito de licencia a tarjeta de propiedad. Las "
        "personas que cuenten con licencias de posesión y uso de armas de fuego deben obtener la "
        "tarjeta de propiedad al renovar la licencia."),
        id="es-transito-as-transition"),
    pytest.param("es", TRANSIT, "met", (
        "Artículo 9.- El tránsito por el territorio nacional de armas de fuego, sus partes y "
        "componentes o municiones requerirá autorización previa de la autoridad competente."),
        id="es-transit"),
    pytest.param("en", "fp.art7.record-retention-10y", "missing", (
        "Article 7\n\nEach State Party shall institute a regulatory regime for banks, which shall "
        "emphasize customer identification, record-keeping and the reporting of suspicious "
        "transactions."),
        id="en-bank-record-keeping"),
    pytest.param("en", "fp.art8.1c.government-stock-transfer-marking", "missing", (
        "Article 17\n\nStates Parties may consider agreements on the transfer to their territory "
        "of persons sentenced to imprisonment; the person transferred to that State shall be kept "
        "in custody."),
        id="en-persons-transferred"),
    pytest.param("en", "fp.art9.reactivation-offence", "met", (
        "Section 9\n\n(1) A person who reactivates a deactivated firearm commits an offence and is "
        "liable on conviction to imprisonment for five years."),
        id="en-reactivation-offence"),
]


@pytest.mark.parametrize(("language", "obligation_id", "expected", "text"), CASES)
def test_indicators_read_these_provisions_as_expected(tmp_path: Path, language: str,
                                                      obligation_id: str, expected: str,
                                                      text: str) -> None:
    checklist = load_checklist("firearms-protocol")
    category = next(o.category for o in checklist.obligations if o.id == obligation_id)
    path = tmp_path / "law.txt"
    path.write_text(text, encoding="utf-8")
    report = review(path, language=language, categories=(category,))
    finding = next(f for f in report.findings if f.obligation_id == obligation_id)
    assert finding.status == expected, finding.reasons


# --- the treaty texts ---------------------------------------------------------------------------

PROTOCOL = REAL / "int-firearms-protocol-en" / "text.md"
CONVENTION = REAL / "int-untoc-en" / "text.md"
FIREARMS_CONTROLS = ("marking", "record-keeping", "deactivation", "brokering")


@pytest.mark.corpus
@pytest.mark.skipif(not PROTOCOL.is_file(), reason="shared corpus not present")
def test_the_protocol_states_its_own_mandatory_obligations() -> None:
    report = review(PROTOCOL)
    findings = [f for f in report.findings if f.obligation_id.startswith("fp.")
                and f.level == "mandatory"]
    assert len(findings) == len([o for o in load_checklist("firearms-protocol").obligations
                                 if o.instrument == "FP" and o.level == "mandatory"])
    found = [f for f in findings if f.status in ("met", "partial")]
    missed = [(f.obligation_id, f.status) for f in findings if f.status not in ("met", "partial")]
    assert len(found) >= 0.9 * len(findings), missed


@pytest.mark.corpus
@pytest.mark.skipif(not CONVENTION.is_file(), reason="shared corpus not present")
def test_the_convention_says_nothing_about_firearms_controls() -> None:
    findings = [f for f in review(CONVENTION).findings if f.category in FIREARMS_CONTROLS]
    assert {f.category for f in findings} == set(FIREARMS_CONTROLS)
    missing = [f for f in findings if f.status == "missing"]
    read = [(f.obligation_id, f.status) for f in findings if f.status != "missing"]
    assert len(missing) >= 0.9 * len(findings), read
