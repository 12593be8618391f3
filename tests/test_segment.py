"""Segmentation: numbering styles of the main drafting traditions, definitions, and invariants."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.models import Document
from checker.segment import segment


def make_document(text: str, *, language: str = "en") -> Document:
    return Document(id="doc", path="doc.txt", sha256=hashlib.sha256(text.encode()).hexdigest(),
                    source_kind="text", title="t", text=text, language=language)


def citations(text: str, *, language: str = "en") -> list[str]:
    return [p.citation for p in segment(make_document(text, language=language)).provisions]


US_CODE = """§ 921. Definitions
(a) As used in this chapter
(3) The term “firearm” means (A) any weapon which will expel a projectile;
(B) the frame or receiver of any such weapon.
§ 923. Licensing
(i) Licensed importers and licensed manufacturers shall identify each firearm."""

COMMONWEALTH = """PART I — PRELIMINARY

117.01 Possession contrary to order

(1) Subject to subsection (4), every person commits an offence who possesses a firearm.

(a) while prohibited; or

(b) while a licence is revoked.

117.02 (1) Where a peace officer believes on reasonable grounds that a weapon is used,

(a) the officer may search.

117.03 Seizure on failure to produce authorization

(1) Despite section 117.02, a peace officer may seize."""

FRENCH_CODE = """Chapitre Ier : Dispositions générales

Article L313-3

Nul ne peut exercer l'activité de fabrication sans autorisation.

L'autorisation est délivrée :

1° Aux personnes de nationalité française ;

2° Aux sociétés établies en France.

Article R311-1

Pour l'application du présent titre, on entend par « arme à feu » : toute arme portative."""

CIVIL_LAW = """CAPÍTULO I
Disposiciones generales
ARTICULO 5°.- Quedan sujetos a la presente ley:
a) los fabricantes;
b) los importadores.
Artículo 42 bis.- El tráfico ilícito será sancionado.
Art. 43. — Las armas decomisadas serán destruidas."""

CZECH = """§ 16
Marking of firearms
(1) Each firearm shall be marked by the manufacturer.
a) name of the manufacturer,
b) serial number.
(2) The marking shall be permanent.
§ 17
(1) Records shall be kept."""


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        pytest.param(US_CODE, "en", ["§ 921", "§ 921(a)", "§ 921(a)(3)",
                                     "§ 921(a)(3)(B)", "§ 923", "§ 923(i)"], id="us-code"),
        pytest.param(COMMONWEALTH, "en", ["PART I", "117.01", "117.01(1)", "117.01(1)(a)",
                                          "117.01(1)(b)", "117.02", "117.02(1)",
                                          "117.02(1)(a)", "117.03", "117.03(1)"],
                     id="commonwealth"),
        pytest.param(FRENCH_CODE, "fr", ["Chapitre Ier", "Article L313-3", "Article L313-3, al. 1",
                                         "Article L313-3, al. 2", "Article L313-3, al. 2 1°",
                                         "Article L313-3, al. 2 2°", "Article R311-1",
                                         "Article R311-1, al. 1"], id="french-code"),
        pytest.param(CIVIL_LAW, "es", ["CAPÍTULO I", "ARTICULO 5°", "ARTICULO 5° a)",
                                       "ARTICULO 5° b)", "Artículo 42 bis", "Art. 43"],
                     id="civil-law"),
        pytest.param(CZECH, "en", ["§ 16", "§ 16(1)", "§ 16(1) a)", "§ 16(1) b)", "§ 16(2)",
                                   "§ 17", "§ 17(1)"], id="czech"),
    ],
)
def test_numbering_styles(text: str, language: str, expected: list[str]) -> None:
    assert citations(text, language=language) == expected


@pytest.mark.parametrize(
    ("line", "kind", "number", "heading"),
    [
        ("PART I — PRELIMINARY", "part", "i", "PRELIMINARY"),
        ("P A R T   O N E", "part", "1", None),
        ("CHAPTER II\nGeneral provisions", "chapter", "ii", "General provisions"),
        ("TITRE Ier : ARMES ET MUNITIONS", "title", "1", "ARMES ET MUNITIONS"),
        ("CAPÍTULO III", "chapter", "iii", None),
        ("Section 1 : Dispositions générales\nArticle 1\nTexte.\nArticle 2\nTexte.\nArticle 3\nT.",
         "section_group", "1", "Dispositions générales"),
        ("Article L311-1", "article", "l311-1", None),
        ("Art. 2° — Quedan excluidos de la presente ley:", "article", "2", None),
        ("Artículo 12 bis. Marcaje", "article", "12bis", "Marcaje"),
        ("§ 921. Definitions", "article", "921", "Definitions"),
    ],
)
def test_headings(line: str, kind: str, number: str, heading: str | None) -> None:
    first = segment(make_document(line + "\n\nBody text.")).provisions[0]
    assert (first.kind, first.number, first.heading) == (kind, number, heading)


def test_cross_reference_at_line_start_is_not_a_heading() -> None:
    text = "Article 1\nThe Minister shall act under\nArticle 5 of the Customs Act and\nsection 9."
    assert citations(text) == ["Article 1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Art. 1\n(a) one\n(h) eight\n(i) nine\n(j) ten", ["(a)", "(h)", "(i)", "(j)"]),
        ("Art. 1\n(a) one\n(i) first\n(ii) second\n(b) two", ["(a)", "(a)(i)", "(a)(ii)", "(b)"]),
    ],
    ids=["letter-i-after-h", "roman-under-letter"],
)
def test_roman_numerals_and_letters(text: str, expected: list[str]) -> None:
    found = [c.removeprefix("Art. 1") for c in citations(text)][1:]
    assert found == expected


def test_spans_pages_and_parents_are_consistent() -> None:
    structure = segment(make_document(COMMONWEALTH))
    by_id = {p.id: p for p in structure.provisions}
    for provision in structure.provisions:
        assert 0 <= provision.start <= provision.body_start <= provision.end
        if provision.parent:
            parent = by_id[provision.parent]
            assert parent.start <= provision.start and provision.end <= parent.end


@pytest.mark.parametrize(
    ("text", "language", "terms"),
    [
        pytest.param("Section 2 Definitions\n\nIn this Act,\n\n“firearm” means any barrelled "
                     "weapon;\n\nammunition means a cartridge;\n\nThe term “dealer” includes a "
                     "gunsmith.", "en", ["firearm", "ammunition", "dealer"], id="en"),
        pytest.param("Article 1\n\nAu sens du présent code, on entend par :\n\n1° Arme à feu : "
                     "toute arme portative ;\n\n2° Munition : toute cartouche.\n\nArticle 2\n\n"
                     "« Courtier » désigne toute personne qui négocie.", "fr",
                     ["Arme à feu", "Munition", "Courtier"], id="fr"),
        pytest.param("Artículo 3.- Para los efectos de la presente Ley se entiende por:\n\n"
                     "a) Arma de fuego: toda arma portátil con cañón;\n\nb) Munición. El cartucho "
                     "completo.\n\nArtículo 4.- A los efectos de esta ley se entenderá por "
                     "corredor, la persona que negocia.", "es",
                     ["Arma de fuego", "Munición", "corredor"], id="es"),
    ],
)
def test_definitions(text: str, language: str, terms: list[str]) -> None:
    structure = segment(make_document(text, language=language))
    assert [d.term for d in structure.definitions] == terms
    for definition in structure.definitions:
        assert definition.term.lower() in definition.text.lower()
        assert structure.document.text[definition.start:definition.end].strip() == definition.text


def test_unstructured_text_warns() -> None:
    structure = segment(make_document("A short note about firearms without any articles."))
    assert structure.provisions == ()
    assert [d.code.value for d in structure.diagnostics] == ["W401"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "Article 1", "Art. 2 bis.-", "§ 3", "(1)", "(a)", "(i)", "a)", "1°", "2.1", "PART I",
    "CHAPTER 2", "Section 4", "12.1 Heading", "text words here.", "", "more text,",
    "«x» désigne", "(ii)", "(A)", "— 3 —",
]), max_size=40), st.sampled_from(["en", "fr", "es", "xx"]))
def test_segment_never_breaks_invariants(lines: list[str], language: str) -> None:
    text = "\n".join(lines)
    structure = segment(make_document(text, language=language))
    starts = [p.start for p in structure.provisions]
    assert starts == sorted(starts)
    ids = {p.id for p in structure.provisions}
    for provision in structure.provisions:
        assert 0 <= provision.start <= provision.end <= len(text)
        assert provision.parent is None or provision.parent in ids
    for definition in structure.definitions:
        assert 0 <= definition.start < definition.end <= len(text)


def test_statutory_instrument_numbering() -> None:
    text = ("Duty to keep a register\n\n3.—(1) Every dealer shall keep a register.\n\n"
            "(2) The register shall be kept in English.\n\nInspection\n\n5. A constable may "
            "inspect the register.")
    assert citations(text) == ["3", "3(1)", "3(2)", "5"]
    first = segment(make_document(text)).provisions[0]
    assert first.heading == "Duty to keep a register"
