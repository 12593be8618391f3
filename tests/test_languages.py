"""Portuguese, Arabic, Russian and Chinese: detection, normalisation, sentences, cues, matching.

Every matching test builds its own one-obligation checklist, so what is tested is the language
machinery (lemmas, Arabic folding and clitics, Chinese characters, cue patterns), not a vocabulary.
"""

from __future__ import annotations

import hashlib

import pytest
from locations import SAMPLES

from checker.checklist import Checklist
from checker.ingest import clean_markdown
from checker.lang import detect_language, pipeline
from checker.match import analyse, find_hits, word_form
from checker.models import Document, Hit
from checker.segment import segment


def make_document(text: str, language: str) -> Document:
    return Document(id="doc", path="doc.txt", sha256=hashlib.sha256(text.encode()).hexdigest(),
                    source_kind="text", title="t", text=text, language=language)


def tiny_checklist(language: str, terms: list[str], context: list[str] | None = None) -> Checklist:
    element = {"id": "e", "description": "d", "core": True,
               "indicators": {language: {"terms": terms, "context": context or []}}}
    obligation = {"id": "fp.art8.tiny", "instrument": "FP", "article": "8",
                  "category": "marking", "level": "mandatory", "title": "t", "requirement": "r",
                  "elements": [element]}
    # Compiled matchers are cached by checklist id: each vocabulary gets its own.
    key = hashlib.sha256(repr((terms, context)).encode()).hexdigest()[:12]
    return Checklist.model_validate({"id": f"tiny-{language}-{key}", "version": "0.0.1",
                                     "title": "t", "obligations": [obligation]})


def hits(text: str, language: str, terms: list[str],
         context: list[str] | None = None) -> tuple[Hit, ...]:
    structure = segment(make_document(text, language))
    return find_hits(structure, tiny_checklist(language, terms, context))


# --- detection ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Artigo 5.º Para efeitos da presente lei, entende-se por arma de fogo todo o "
                     "engenho portátil com cano.", "pt", id="pt"),
        pytest.param("Art. 2º São proibidos o porte e a posse de armas de fogo.", "pt",
                     id="pt-br-short"),
        pytest.param("Artigo 3.º Definições e conceitos da lei", "pt", id="pt-heading"),
        pytest.param("Artículo 5.- Para los efectos de la presente ley se entiende por arma de "
                     "fuego toda arma portátil.", "es", id="es"),
        pytest.param("Статья 5. Огнестрельное оружие подлежит маркировке при его производстве.",
                     "ru", id="ru"),
        pytest.param("Статья 5. Оружие хранится в сейфе.", "ru", id="ru-short"),
        pytest.param("Стаття 5. Зброя зберігається у сейфі.", "uk", id="uk-is-not-ru"),
        pytest.param("Articolo 5. La legge si applica alle armi da fuoco.", "it", id="it-not-pt"),
        pytest.param("المادة 5: يحظر صنع الأسلحة النارية أو الاتجار بها دون ترخيص من الوزارة.",
                     "ar", id="ar"),
        pytest.param("المادة الخامسة: الترخيص", "ar", id="ar-heading"),
        pytest.param("第五条 非法制造、买卖枪支的，处五年以上十年以下有期徒刑。", "zh", id="zh"),
        pytest.param("第一章 总则", "zh", id="zh-heading"),
        pytest.param("Article 5. Every firearm shall be marked at the time of manufacture.", "en",
                     id="en"),
        pytest.param("Article 5. Toute arme à feu doit être marquée lors de sa fabrication.", "fr",
                     id="fr"),
    ],
)
def test_detect_language_on_short_extracts(text: str, expected: str) -> None:
    assert detect_language(text)[0] == expected


@pytest.mark.parametrize("name", ["pt-lei-armas", "ru-zakon-ob-oruzhii", "ar-qanun-asliha",
                                  "zh-qiangzhi-guanli-fa"])
def test_detect_language_of_samples_is_confident(name: str) -> None:
    text = (SAMPLES / name / "text.md").read_text(encoding="utf-8")
    language, confidence = detect_language(text[:400])
    assert (language, confidence >= 0.5) == (name[:2], True)


# --- normalisation ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("الأسلحة", "أسلحة"),  # article, hamza seat
        ("وبالأسلحة", "أسلحة"),  # conjunction + preposition + article
        ("للأسلحة", "أسلحة"),  # lam + article
        ("فالسلاح", "سلاح"),
        ("النارية", "ناريه"),  # ta marbuta
        ("الأُولى", "اولي"),  # diacritics, alif maqsura
        ("بندقية", "البندقية"),  # a stem starting with a clitic letter ends on one form
        ("وبالبندقية", "بندقية"),
    ],
)
def test_arabic_words_share_one_form(left: str, right: str) -> None:
    assert word_form(left, "ar") == word_form(right, "ar")


@pytest.mark.parametrize(
    ("left", "right"),
    [("سلاح", "صلاح"), ("بيع", "يع"), ("ترخيص", "تراخيص")],
    ids=["different-letters", "short-stem-kept", "broken-plural-not-merged"],
)
def test_arabic_folding_keeps_words_apart(left: str, right: str) -> None:
    assert word_form(left, "ar") != word_form(right, "ar")


def test_arabic_tokens_keep_clitics_and_normalise_alike() -> None:
    doc = analyse(segment(make_document("وبالأسلحة النارية", "ar")))
    assert [t.text for t in doc] == ["وبالأسلحة", "النارية"]
    assert [t.norm_ for t in doc] == [word_form("أسلحة", "ar"), word_form("نارية", "ar")]


@pytest.mark.parametrize(
    ("language", "word", "lemma"),
    [("ru", "Огнестрельное", "огнестрельный"), ("ru", "Оружия", "оружие"),
     ("ru", "учета", "учёт"), ("pt", "Munições", "munição")],
)
def test_lookup_retries_lower_case_and_unfolded_spelling(language: str, word: str,
                                                          lemma: str) -> None:
    assert pipeline(language)(word)[0].lemma_ == lemma


# --- sentences ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("language", "text", "count"),
    [
        ("zh", "制造枪支应当标注标识。进口枪支应当登记", 2),
        ("zh", "制造枪支应当标注标识；进口枪支应当登记", 2),
        ("zh", "第五条 制造枪支应当标注标识\n进口枪支应当登记", 2),
        ("zh", "制造枪支应当标注标识，进口枪支应当登记", 1),
        ("ar", "يجب وسم كل سلاح. يحظر الاتجار بالأسلحة؟ نعم", 3),
        ("ru", "Оружие подлежит маркировке. Учет ведется\nпостоянно.", 2),
    ],
)
def test_sentence_ends(language: str, text: str, count: int) -> None:
    assert len(list(pipeline(language)(text).sents)) == count


# --- matching -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("language", "text", "terms", "found"),
    [
        pytest.param("pt", "Artigo 5.º\n\nAs Armas de fogo importadas devem ser marcadas.",
                     ["arma de fogo"], "Armas de fogo", id="pt-plural-capital"),
        pytest.param("pt", "Art. 6º As munições serão registadas.", ["munição"], "munições",
                     id="pt-lemma"),
        pytest.param("ru", "Статья 5. Маркировка\n\nОгнестрельное оружие подлежит маркировке.",
                     ["огнестрельное оружие"], "Огнестрельное оружие", id="ru-sentence-start"),
        pytest.param("ru", "Статья 6. Изготовитель маркирует каждую единицу огнестрельного "
                     "оружия.", ["огнестрельное оружие"], "огнестрельного оружия",
                     id="ru-genitive"),
        pytest.param("ru", "Статья 8. Изготовитель ведет книгу учета оружия.", ["учет оружия"],
                     "учета оружия", id="ru-yo-in-lemma-table"),
        pytest.param("ar", "المادة 5\n\nيجب وسم الأسلحة النارية عند صنعها.", ["أسلحة نارية"],
                     "الأسلحة النارية", id="ar-article"),
        pytest.param("ar", "المادة 6\n\nيعاقب كل من اتجر وبالأسلحة دون ترخيص.", ["أسلحة"],
                     "وبالأسلحة", id="ar-clitics"),
        pytest.param("ar", "المادة 7\n\nيُوسَمُ السِّلاحُ النّاريّ عند صنعه.", ["سلاح ناري"],
                     "السِّلاحُ النّاريّ", id="ar-diacritics"),
        pytest.param("zh", "第五条　制造枪支的企业应当在枪支上标注标识。", ["枪支"], "枪支",
                     id="zh"),
        pytest.param("zh", "第六条 禁止非法制造、买卖枪支。", ["非法制造"], "非法制造",
                     id="zh-phrase"),
        pytest.param("zh", "第七条 枪 支 应当登记。", ["枪支"], "枪 支", id="zh-spaced"),
    ],
)
def test_indicator_phrases_match(language: str, text: str, terms: list[str], found: str) -> None:
    found_hits = hits(text, language, terms)
    assert [text[h.start:h.end] for h in found_hits] == [found]
    hit = found_hits[0]
    assert hit.sentence_start <= hit.start < hit.end <= hit.sentence_end
    assert text[hit.start:hit.end] == found


@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [("zh", "第五条 枪支管理\n制造应当登记。", ["枪支制造"]),
     ("ar", "المادة 5\n\nيجب وسم السلاح عند صنعه.", ["سلاح ناري"]),
     ("ru", "Статья 5. Холодное оружие подлежит учету.", ["огнестрельное оружие"])],
    ids=["zh-across-line", "ar-missing-word", "ru-other-adjective"],
)
def test_indicator_phrases_do_not_match_what_is_not_there(language: str, text: str,
                                                          terms: list[str]) -> None:
    assert hits(text, language, terms) == ()


def test_context_is_required_in_the_same_sentence_without_spaces() -> None:
    text = "第五条 进口枪支应当标注进口国。出口枪支应当登记。"
    found = hits(text, "zh", ["枪支"], context=["进口"])
    sentences = [text[h.sentence_start:h.sentence_end] for h in found]
    assert sentences == ["第五条 进口枪支应当标注进口国。"]


# --- cues: negation, delegation, modality -------------------------------------------------------

CUE_CASES = [
    # language, text, term, negated, permissive
    ("pt", "Art. 1º Toda arma de fogo deve ser marcada.", "arma de fogo", False, False),
    ("pt", "Art. 1º A marcação de armas de fogo não é exigida.", "arma de fogo", True, False),
    ("pt", "Art. 1º Ficam isentas de marcação as armas de fogo antigas.", "arma de fogo", True,
     False),
    ("pt", "Art. 1º A marcação das armas de fogo será definida em regulamento.", "arma de fogo",
     True, False),
    ("pt", "Art. 1º O fabricante pode marcar a arma de fogo.", "arma de fogo", False, True),
    ("ru", "Статья 1. Огнестрельное оружие должно иметь маркировку.", "огнестрельное оружие",
     False, False),
    ("ru", "Статья 1. Маркировка огнестрельного оружия не требуется.", "огнестрельное оружие",
     True, False),
    ("ru", "Статья 1. Порядок маркировки огнестрельного оружия устанавливается Правительством "
     "Российской Федерации.", "огнестрельное оружие", True, False),
    ("ru", "Статья 1. Изготовитель вправе маркировать огнестрельное оружие.",
     "огнестрельное оружие", False, True),
    ("ar", "المادة 1\n\nيجب وسم كل سلاح ناري.", "سلاح ناري", False, False),
    ("ar", "المادة 1\n\nلا تسري أحكام الوسم على السلاح الناري العتيق.", "سلاح ناري", True, False),
    ("ar", "المادة 1\n\nيُستثنى السلاح الناري العتيق من الوسم.", "سلاح ناري", True, False),
    ("ar", "المادة 1\n\nتحدد اللائحة التنفيذية بيانات وسم السلاح الناري.", "سلاح ناري", True,
     False),
    ("ar", "المادة 1\n\nيجوز للوزير وسم السلاح الناري.", "سلاح ناري", False, True),
    ("ar", "المادة 1\n\nلا يجوز حيازة سلاح ناري دون ترخيص.", "سلاح ناري", False, False),
    ("zh", "第一条 制造枪支应当标注标识。", "枪支", False, False),
    ("zh", "第一条 古董枪支不适用本法。", "枪支", True, False),
    ("zh", "第一条 枪支标识的具体办法由国务院公安部门制定。", "枪支", True, False),
    ("zh", "第一条 公安机关可以检查枪支。", "枪支", False, True),
    ("zh", "第一条 任何单位不得非法制造枪支。", "枪支", False, False),
    ("fr", "Article 1\n\nLe ministre peut, par arrêté, fixer les règles de marquage des armes à "
     "feu.", "armes à feu", True, True),
    ("fr", "Article 1\n\nToute arme à feu doit être marquée.", "arme à feu", False, False),
    # A court's power to mitigate does not make the offence optional.
    ("zh", "第一条 非法制造枪支未遂的，可以比照既遂犯从轻或者减轻处罚。", "枪支", False, False),
    # What an object can do, and a condition on an act, are not discretions.
    ("ru", "Статья 1. Огнестрельное оружие - устройство, которое может быть приспособлено для "
     "стрельбы.", "огнестрельное оружие", False, False),
    ("ru", "Статья 1. Вывоз огнестрельного оружия допускается только после получения "
     "разрешения.", "огнестрельное оружие", False, False),
    ("ru", "Статья 1. Правительство вправе устанавливать правила маркировки огнестрельного "
     "оружия.", "огнестрельное оружие", True, True),
]


@pytest.mark.parametrize(("language", "text", "term", "negated", "permissive"), CUE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CUE_CASES)])
def test_negation_delegation_and_modality(language: str, text: str, term: str, negated: bool,
                                          permissive: bool) -> None:
    found = hits(text, language, [term])
    assert len(found) == 1
    assert (found[0].negated, found[0].permissive) == (negated, permissive)


# --- definitions --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [
        pytest.param("pt", "Artigo 2.º\nDefinições\n\nPara efeitos da presente lei, entende-se "
                     "por:\n\na) «Arma de fogo» todo o engenho portátil;\n\nb) «Munição» o "
                     "cartucho completo.\n\nArtigo 3.º\n\nPara efeitos desta lei, entende-se por "
                     "corretor, a pessoa que negocia.", ["Arma de fogo", "Munição", "corretor"],
                     id="pt"),
        pytest.param("pt", "Art. 2º Para os fins desta Lei, considera-se:\n\nI – arma de fogo: "
                     "a arma que arremessa projéteis;\n\nII – munição: o cartucho completo.",
                     ["arma de fogo", "munição"], id="pt-br"),
        pytest.param("ru", "Статья 1. Основные понятия\n\nВ настоящем Федеральном законе "
                     "используются следующие основные понятия:\n\nогнестрельное оружие - "
                     "оружие, предназначенное для поражения цели;\n\nбоеприпасы - предметы "
                     "вооружения.\n\nСтатья 2. Под маркировкой понимается нанесение знаков.",
                     ["огнестрельное оружие", "боеприпасы", "маркировкой"], id="ru"),
        pytest.param("ar", "المادة (1)\n\nيقصد بالعبارات التالية المعاني المبينة قرين كل "
                     "منها:\n\nأ- السلاح الناري: كل سلاح محمول ذي ماسورة.\n\nب- الذخيرة: "
                     "الخرطوشة الكاملة.", ["السلاح الناري", "الذخيرة"], id="ar"),
        pytest.param("zh", "第二条 本法所称枪支，是指以火药为动力发射弹丸的管状武器。\n\n"
                     "第三条 下列用语的含义：\n（一）弹药，是指枪支所使用的枪弹。",
                     ["枪支", "弹药"], id="zh"),
    ],
)
def test_definitions(language: str, text: str, terms: list[str]) -> None:
    structure = segment(make_document(text, language))
    assert [d.term for d in structure.definitions] == terms
    for definition in structure.definitions:
        assert structure.document.text[definition.start:definition.end].strip() == definition.text


# --- the samples --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["pt-lei-armas", "ru-zakon-ob-oruzhii", "ar-qanun-asliha",
                                  "zh-qiangzhi-guanli-fa"])
def test_samples_segment_into_their_articles_in_order(name: str) -> None:
    text, _ = clean_markdown((SAMPLES / name / "text.md").read_text(encoding="utf-8"))
    structure = segment(make_document(text, name[:2]))
    numbers = [p.number for p in structure.provisions if p.kind == "article"]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) >= 15
    assert len(structure.definitions) >= 4
    assert not structure.diagnostics
