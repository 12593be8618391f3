"""Segmentation: numbering styles of the main drafting traditions, definitions, and invariants."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.models import Document, Provision
from checker.segment import article_number, segment


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


def outline(provisions: tuple[Provision, ...], *, name: str
            ) -> list[tuple[str, str, str, str | None]]:
    """Kind, label or citation, number and parent label of each provision, in order."""
    labels = {p.id: p.label for p in provisions}
    return [(p.kind, getattr(p, name), p.number, labels.get(p.parent) if p.parent else None)
            for p in provisions]


def assert_nested(provisions: tuple[Provision, ...]) -> None:
    """Every span is ordered and lies inside its parent's."""
    by_id = {p.id: p for p in provisions}
    for provision in provisions:
        assert 0 <= provision.start <= provision.body_start <= provision.end
        if provision.parent:
            parent = by_id[provision.parent]
            assert parent.start <= provision.start and provision.end <= parent.end


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
        pytest.param("第十二条 企业应当标注：\n（一）名称；\n（二）序号。", "zh",
                     ["第十二条", "第十二条（一）", "第十二条（二）"], id="zh-citations"),
        pytest.param("المادة (6)\nيجب:\nأ- الرقم؛\nب- الاسم.\n\nالمادة 7\nنص آخر.", "ar",
                     ["المادة (6)", "المادة (6) أ-", "المادة (6) ب-", "المادة 7"],
                     id="ar-citations"),
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


# One row per numbering style and language: (kind, label, canonical number, parent label).
STYLE_CASES = [
    pytest.param("pt", "TÍTULO I\nDisposições gerais\n\nCAPÍTULO II\nDas armas\n\nSecção I\n"
                 "Fabrico\n\nSubsecção I\nMarcação\n\nArtigo 5.º\nMarcação das armas\n\n"
                 "1 - As armas de fogo devem ser marcadas:\n\na) Nome do fabricante;\n\n"
                 "Art. 12-A. É proibida a venda.\n\nArtigo 6º - O registo é obrigatório.",
                 [("title", "TÍTULO I", "i", None), ("chapter", "CAPÍTULO II", "ii", "TÍTULO I"),
                  ("section_group", "Secção I", "i", "CAPÍTULO II"),
                  ("section_group", "Subsecção I", "i", "Secção I"),
                  ("article", "Artigo 5.º", "5", "Subsecção I"),
                  ("paragraph", "1 -", "1", "Artigo 5.º"), ("item", "a)", "a", "1 -"),
                  ("article", "Art. 12-A", "12-a", "Subsecção I"),
                  ("article", "Artigo 6º", "6", "Subsecção I")], id="pt-portugal"),
    pytest.param("pt", "Seção II\nDa importação\n\nArt. 7.º A importação depende de licença.\n\n"
                 "Art. 8º O registro é obrigatório:\n\nI – o nome;\n\nII – o número.\n\n"
                 "§ 1º O prazo é de dez anos.\n\nParágrafo único. Aplica-se a todos.\n\n"
                 "Art. 9º Revoga-se a lei anterior.",
                 [("section_group", "Seção II", "ii", None),
                  ("article", "Art. 7.º", "7", "Seção II"),
                  ("article", "Art. 8º", "8", "Seção II"), ("paragraph", "I –", "i", "Art. 8º"),
                  ("paragraph", "II –", "ii", "Art. 8º"), ("paragraph", "§ 1º", "1", "Art. 8º"),
                  ("paragraph", "Parágrafo único", "1", "Art. 8º"),
                  ("article", "Art. 9º", "9", "Seção II")], id="pt-brazil"),
    pytest.param("ru", "Раздел I. Общие положения\n\nГлава 2. Хранение оружия\n\n"
                 "Статья 5. Маркировка\n\n1. Оружие подлежит маркировке.\n2. Маркировка "
                 "включает:\n1) наименование изготовителя;\nа) страну;\nб) год.\n\n"
                 "Статья 5.1. Учет\n\nУчет ведется.",
                 [("part", "Раздел I", "i", None), ("chapter", "Глава 2", "2", "Раздел I"),
                  ("article", "Статья 5", "5", "Глава 2"), ("paragraph", "1.", "1", "Статья 5"),
                  ("paragraph", "2.", "2", "Статья 5"), ("item", "1)", "1", "2."),
                  ("item", "а)", "а", "1)"), ("item", "б)", "б", "1)"),
                  ("article", "Статья 5.1", "5.1", "Глава 2")], id="ru"),
    pytest.param("ar", "الباب الأول\nأحكام عامة\n\nالفصل الثاني\nالترخيص\n\nالفرع الأول\n\n"
                 "المادة 5\nيحظر صنع الأسلحة النارية.\n\nالمادة (6)\nأ- الرقم التسلسلي؛\n"
                 "ب- اسم الصانع.\n\nمادة 7 - يجب وسم كل سلاح.\n1- البند الأول.\n"
                 "2- البند الثاني.",
                 [("title", "الباب الأول", "1", None),
                  ("chapter", "الفصل الثاني", "2", "الباب الأول"),
                  ("division", "الفرع الأول", "1", "الفصل الثاني"),
                  ("article", "المادة 5", "5", "الفرع الأول"),
                  ("article", "المادة (6)", "6", "الفرع الأول"),
                  ("paragraph", "أ-", "ا", "المادة (6)"), ("paragraph", "ب-", "ب", "المادة (6)"),
                  ("article", "مادة 7", "7", "الفرع الأول"), ("paragraph", "1-", "1", "مادة 7"),
                  ("paragraph", "2-", "2", "مادة 7")], id="ar-digits"),
    pytest.param("ar", "المادة الخامسة\nنص.\n\nالمادة الخامسة عشرة\nنص.\n\n"
                 "المادة الحادية والعشرون: نص آخر.\n\nالمادة ٢٢\nنص.\n\nالمادة الاولى\nنص.\n\n"
                 "المادة 23 مكرر\nنص.",
                 [("article", "المادة الخامسة", "5", None),
                  ("article", "المادة الخامسة عشرة", "15", None),
                  ("article", "المادة الحادية والعشرون", "21", None),
                  ("article", "المادة ٢٢", "22", None), ("article", "المادة الاولى", "1", None),
                  ("article", "المادة 23 مكرر", "23مكرر", None)], id="ar-ordinal-words"),
    pytest.param("ar", "الباب الأول\n\nالفصل 1\nيطبق هذا القانون.\n\nالفصل 2\nيمنع صنع الأسلحة.\n\n"
                 "الفصل 3\nيعاقب المخالف.",
                 [("title", "الباب الأول", "1", None), ("article", "الفصل 1", "1", "الباب الأول"),
                  ("article", "الفصل 2", "2", "الباب الأول"),
                  ("article", "الفصل 3", "3", "الباب الأول")], id="ar-maghreb-fasl-articles"),
    pytest.param("ar", "المادة 3\nيشترط للترخيص ما يلي:\nأولاً: أن يكون طالب الترخيص بالغاً.\n"
                 "ثانياً: ألا يكون محكوماً عليه.\n1- شرط فرعي.\n\nالمادة 4\nنص.",
                 [("article", "المادة 3", "3", None), ("paragraph", "أولاً:", "1", "المادة 3"),
                  ("paragraph", "ثانياً:", "2", "المادة 3"), ("item", "1-", "1", "ثانياً:"),
                  ("article", "المادة 4", "4", None)], id="ar-item-words"),
    pytest.param("zh", "第一编 总则\n\n第一章 一般规定\n\n第二节 枪支管理\n\n"
                 "第五条　本法所称枪支，是指以火药为动力的枪。\n\n"
                 "第十二条 制造枪支的企业应当标注标识：\n"
                 "（一）制造厂名称；\n（二）枪支序号。\n\n第一百零三条 本法自公布之日起施行。\n\n"
                 "第五条之一 补充规定。",
                 [("part", "第一编", "1", None), ("chapter", "第一章", "1", "第一编"),
                  ("division", "第二节", "2", "第一章"), ("article", "第五条", "5", "第二节"),
                  ("article", "第十二条", "12", "第二节"), ("paragraph", "（一）", "1", "第十二条"),
                  ("paragraph", "（二）", "2", "第十二条"),
                  ("article", "第一百零三条", "103", "第二节"),
                  ("article", "第五条之一", "5-1", "第二节")], id="zh"),
    pytest.param("zh", "第一章 總則\n\n第二節 槍枝管理\n\n"
                 "第五條 本條例所稱槍砲，指以火藥為動力的槍。\n\n"
                 "第十二條 製造槍枝應標示：\n（一）製造廠名稱；\n（二）序號。",
                 [("chapter", "第一章", "1", None), ("division", "第二節", "2", "第一章"),
                  ("article", "第五條", "5", "第二節"), ("article", "第十二條", "12", "第二節"),
                  ("paragraph", "（一）", "1", "第十二條"),
                  ("paragraph", "（二）", "2", "第十二條")], id="zh-traditional"),
]


@pytest.mark.parametrize(("language", "text", "expected"), STYLE_CASES)
def test_numbering_styles_by_language(language: str, text: str,
                                      expected: list[tuple[str, str, str, str | None]]) -> None:
    provisions = segment(make_document(text, language=language)).provisions
    assert outline(provisions, name="label") == expected


@pytest.mark.parametrize(
    ("line", "language"),
    [("第五条规定的枪支应当登记。", "zh"), ("статья 5 настоящего закона", "ru"),
     ("Art. 5º A fabricação depende de licença.", "pt")],
    ids=["zh-reference", "ru-lower-case-reference", "pt-article-a-is-a-word"],
)
def test_references_and_sentence_words_are_not_numbers(line: str, language: str) -> None:
    provisions = segment(make_document("Texto.\n" + line, language=language)).provisions
    assert [p.label for p in provisions if p.kind == "article"] == (
        ["Art. 5º"] if language == "pt" else [])


@pytest.mark.parametrize(
    ("label", "number"),
    [("المادة (17) 1-", "17"), ("Статья 5.1 2.", "5.1"), ("第十二条 （一）", "12"),
     ("Artigo 5.º 1 -", "5"), ("Art. 5º § 1º", "5"), ("المادة الخامسة", "5"),
     ("Article L313-3, al. 2", "l313-3"), ("PART I", None), ("117.01(1)", None),
     ("第四条（一）", "4"), ("第五条规定的枪支", None), ("Art. 1o", "1"), ("Section 76a", "76a")],
)
def test_article_number_of_a_citation(label: str, number: str | None) -> None:
    assert article_number(label) == number


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
    assert_nested(segment(make_document(COMMONWEALTH)).provisions)


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
        pytest.param("Article 3\n\nFor the purposes of this Protocol:\n\na) ``Firearm\" shall mean "
                     "any portable barrelled weapon;\n\nb) \u201eTracing\u201c shall also mean the "
                     "systematic tracking of firearms.", "en", ["Firearm", "Tracing"],
                     id="en-typewriter-and-low-quotes"),
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
    "«x» désigne", "(ii)", "(A)", "— 3 —", "Artigo 5.º", "§ 1º", "Parágrafo único.",
    "Статья 5.1.", "Глава 2.", "а)", "المادة (5)", "المادة الخامسة", "أ-", "1-", "الفصل الأول",
    "第一百零三条 规定。", "第一章", "（一）", "一、", "本法所称枪支，是指", "I –", "أولاً:",
    "الفصل 2", "Annex I", "ANEXO ÚNICO", "Schedule to this Act", "PART ONE",
    "DISPOSICIONES COMPLEMENTARIAS FINALES", "PRIMERA. Vigencia", "Disposición final tercera.",
    "\"Artículo 279. El que fabrica", "« Article 5. – Nul",
]), max_size=40), st.sampled_from(["en", "fr", "es", "pt", "ru", "ar", "zh", "xx"]))
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


# Annexes, schedules, dispositions numbered by ordinal words and quoted articles: one row per
# style, as (kind, citation, canonical number, parent label).
INSERTED_CASES = [
    pytest.param("en", "Article 1\nThis Act applies to firearms.\n\nAnnex I — Prohibited weapons\n"
                 "\n(a) machine guns;\n(b) silencers.\n\nAnnex to Act No. 119/2002 Coll.\n\n"
                 "Definitions of firearms\n\nPART ONE\nTYPES OF FIREARMS\n\n1. Firearm - a weapon "
                 "that fires.\n\n2. Historical weapon - a firearm made before 1890.\n\nPART TWO\n"
                 "TYPES OF AMMUNITION\n\n1. Ammunition - cartridges.",
                 [("article", "Article 1", "1", None), ("article", "Annex I", "i", None),
                  ("paragraph", "Annex I(a)", "a", "Annex I"),
                  ("paragraph", "Annex I(b)", "b", "Annex I"), ("article", "Annex", "", None),
                  ("part", "Annex PART ONE", "1", "Annex"),
                  ("paragraph", "Annex PART ONE 1.", "1", "PART ONE"),
                  ("paragraph", "Annex PART ONE 2.", "2", "PART ONE"),
                  ("part", "Annex PART TWO", "2", "Annex"),
                  ("paragraph", "Annex PART TWO 1.", "1", "PART TWO")], id="en-annex"),
    pytest.param("en", "PART 5 — DEACTIVATION\n\n19. Revocation\n\nThe 2001 Regulations are "
                 "revoked.\n\nSCHEDULE 1 — PARTICULARS\n\n1. Name of the dealer.\n\n2. Serial "
                 "number.\n\nFirst Schedule\n\n(1) The form.\n\nSchedule\n\nRepealed enactments.",
                 [("part", "PART 5", "5", None), ("article", "19", "19", "PART 5"),
                  ("article", "SCHEDULE 1", "1", None),
                  ("paragraph", "SCHEDULE 1 1.", "1", "SCHEDULE 1"),
                  ("paragraph", "SCHEDULE 1 2.", "2", "SCHEDULE 1"),
                  ("article", "First Schedule", "1", None),
                  ("paragraph", "First Schedule(1)", "1", "First Schedule"),
                  ("article", "Schedule", "", None)], id="en-schedules"),
    pytest.param("fr", "Article 1\n\nLe présent décret s'applique.\n\nAnnexe I\n\nListe des armes"
                 "\n\n1° Pistolets ;\n\n2° Revolvers.",
                 [("article", "Article 1", "1", None),
                  ("paragraph", "Article 1, al. 1", "1", "Article 1"),
                  ("article", "Annexe I", "i", None),
                  ("paragraph", "Annexe I, al. 1", "1", "Annexe I"),
                  ("item", "Annexe I, al. 1 1°", "1", "al. 1"),
                  ("item", "Annexe I, al. 1 2°", "2", "al. 1")], id="fr-annexe"),
    pytest.param("es", "Artículo 5.- Las armas serán destruidas.\n\nANEXO ÚNICO\n\na) pistolas;\n"
                 "b) revólveres.\n\nAnexo II: Calibres\n\n1. Calibre 9 mm.",
                 [("article", "Artículo 5", "5", None), ("article", "ANEXO ÚNICO", "1", None),
                  ("paragraph", "ANEXO ÚNICO a)", "a", "ANEXO ÚNICO"),
                  ("paragraph", "ANEXO ÚNICO b)", "b", "ANEXO ÚNICO"),
                  ("article", "Anexo II", "ii", None),
                  ("paragraph", "Anexo II 1.", "1", "Anexo II")], id="es-anexo"),
    pytest.param("pt", "Art. 30. Esta lei entra em vigor.\n\nAnexo I\n\n1 - Armas da classe A.\n\n"
                 "2 - Armas da classe B.",
                 [("article", "Art. 30", "30", None), ("article", "Anexo I", "i", None),
                  ("paragraph", "Anexo I 1 -", "1", "Anexo I"),
                  ("paragraph", "Anexo I 2 -", "2", "Anexo I")], id="pt-anexo"),
    pytest.param("ru", "Статья 5. Оружие подлежит учету.\n\nПриложение № 1\nк Федеральному закону"
                 "\n\n1. Пистолеты.",
                 [("article", "Статья 5", "5", None), ("article", "Приложение № 1", "1", None),
                  ("paragraph", "Приложение № 1 1.", "1", "Приложение № 1")], id="ru-prilozhenie"),
    pytest.param("ar", "المادة 5\nنص.\n\nالملحق\n\n1- الأسلحة.\n2- الذخيرة.",
                 [("article", "المادة 5", "5", None), ("article", "الملحق", "", None),
                  ("paragraph", "الملحق 1-", "1", "الملحق"),
                  ("paragraph", "الملحق 2-", "2", "الملحق")], id="ar-mulhaq"),
    pytest.param("es", "TÍTULO VI\nINFRACCIONES\n\nArtículo 73. No suspensión de los actos\nLa "
                 "demanda no suspende los actos.\nDISPOSICIONES COMPLEMENTARIAS FINALES\nPRIMERA. "
                 "Acciones de colaboración\nLa SUCAMEC promueve la colaboración por\nprimera vez."
                 "\nSEGUNDA. Registro Las armas se registran.\nPrimera vez que se aplica.\nDÉCIMA "
                 "PRIMERA. Vigencia\nTexto.\nDISPOSICIÓN COMPLEMENTARIA DEROGATORIA\nÚNICA. Norma "
                 "derogatoria Deróganse las normas.",
                 [("title", "TÍTULO VI", "vi", None), ("article", "Artículo 73", "73", "TÍTULO VI"),
                  ("article", "PRIMERA", "1", None), ("article", "SEGUNDA", "2", None),
                  ("article", "DÉCIMA PRIMERA", "11", None), ("article", "ÚNICA", "1", None)],
                 id="es-peru-dispositions"),
    pytest.param("es", "CAPÍTULO III\nControl\n\nArtículo 17. Informes.\n\nEl Gobierno informa."
                 "\n\nDisposición transitoria única. Vigencia.\n\nTexto.\n\nDisposición final "
                 "tercera. Actualizaciones.\n\nTexto conforme a la\nDisposición final tercera de "
                 "esta ley.",
                 [("chapter", "CAPÍTULO III", "iii", None),
                  ("article", "Artículo 17", "17", "CAPÍTULO III"),
                  ("article", "Disposición transitoria única", "1", None),
                  ("article", "Disposición final tercera", "3", None)], id="es-spain-dispositions"),
    pytest.param("pt", "CAPÍTULO IX\nDISPOSIÇÕES FINAIS E TRANSITÓRIAS\n\nArt. 30. Esta lei entra "
                 "em vigor.\n\nArt. 31. Revoga-se a lei.",
                 [("chapter", "CAPÍTULO IX", "ix", None),
                  ("article", "Art. 30", "30", "CAPÍTULO IX"),
                  ("article", "Art. 31", "31", "CAPÍTULO IX")], id="pt-dispositions-chapter"),
    pytest.param("es", "Artículo 80. Texto.\n\nDISPOSICIONES COMPLEMENTARIAS MODIFICATORIAS\n\n"
                 "PRIMERA. Modificación del artículo 279 del Código Penal\nModifícase el artículo "
                 "279 en los siguientes términos:\n\n\"Artículo 279. Fabricación de materiales "
                 "peligrosos El que fabrica será reprimido.\"\n\nSEGUNDA. Modificación del "
                 "artículo 279-C\nModifícase en los siguientes términos:\n\n“Artículo 279-C. "
                 "Tráfico\n1. El que trafica será reprimido.”",
                 [("article", "Artículo 80", "80", None), ("article", "PRIMERA", "1", None),
                  ("article", "Artículo 279", "279", "PRIMERA"), ("article", "SEGUNDA", "2", None),
                  ("article", "Artículo 279-C", "279-c", "SEGUNDA"),
                  ("paragraph", "Artículo 279-C 1.", "1", "Artículo 279-C")],
                 id="es-quoted-articles"),
    pytest.param("fr", "Article 2\n\nL'article 5 de la loi est ainsi rédigé :\n\n« Article 5. – "
                 "Nul ne peut fabriquer des armes. »\n\nArticle 3\n\nTexte.",
                 [("article", "Article 2", "2", None),
                  ("paragraph", "Article 2, al. 1", "1", "Article 2"),
                  ("article", "Article 5", "5", "Article 2"), ("article", "Article 3", "3", None),
                  ("paragraph", "Article 3, al. 1", "1", "Article 3")], id="fr-quoted-article"),
    pytest.param("en", "Article 1 Scope\nThe list in\nthe Schedule to this Act applies.\n\n"
                 "Annex I of the Convention applies to dealers.\n\nSchedule to this Act applies to"
                 " dealers and\nbrokers alike.\n\nannex 2 lists them.",
                 [("article", "Article 1", "1", None)], id="en-annex-in-running-text"),
    pytest.param("es", "Artículo 1. Objeto.\nTexto.\nPRIMERA. No es una disposición.\n"
                 "Artículo 2. Texto.",
                 [("article", "Artículo 1", "1", None), ("article", "Artículo 2", "2", None)],
                 id="es-bare-ordinal-without-dispositions-heading"),
]


@pytest.mark.parametrize(("language", "text", "expected"), INSERTED_CASES)
def test_annexes_dispositions_and_quoted_articles(
        language: str, text: str, expected: list[tuple[str, str, str, str | None]]) -> None:
    provisions = segment(make_document(text, language=language)).provisions
    assert outline(provisions, name="citation") == expected
    assert_nested(provisions)


def test_annex_ends_the_last_article() -> None:
    text = "Article 9\nThe Act comes into force.\n\nANNEX\n\nList of firearms."
    provisions = segment(make_document(text)).provisions
    article, annex = provisions
    assert (article.label, annex.label, annex.kind) == ("Article 9", "ANNEX", "article")
    assert article.end <= annex.start and annex.end == len(text)
