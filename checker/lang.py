"""Language: detect a document's language and load one spaCy pipeline per language per process.

Pipelines are blank spaCy languages with the lookup lemmatiser from spacy-lookups-data and a
sentencizer, so nothing is downloaded; a trained pipeline is used instead when one is installed.
Building the French tokenizer alone costs seconds, hence the per-process cache.

Languages differ in what a sentence end is (Chinese "。" and "；", one clause per line in Chinese
laws) and in how much a lookup table can do: lookup tables are case-sensitive, so a word
missing from the table is looked up again lower-cased; Arabic has no table at all and is normalised
by rules in `checker.match` (diacritics, letter variants, clitics), driven by its cues file.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from pydantic import BaseModel, ConfigDict, Field
from spacy.attrs import IDX, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline.sentencizer import Sentencizer
from spacy.tokens import Doc

from checker.checklist import checklists_dir

#: Languages whose stop-word lists take part in detection (spaCy ships stop words for each).
LATIN = ("en", "fr", "es", "pt", "it", "de", "nl", "cs", "pl")
#: Scripts read by more than one language: (first code point, last code point, languages, the
#: first being the answer when no stop word decides).
SCRIPTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "arabic": ("\u0600", "\u06ff", ("ar", "fa", "ur")),
    "cyrillic": ("\u0400", "\u04ff", ("ru", "uk", "bg", "sr", "mk")),
}
TRAINED = {"en": "en_core_web_sm", "fr": "fr_core_news_sm", "es": "es_core_news_sm"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class Cues(BaseModel):
    """Linguistic cues of one language, from `checklists/languages/<lang>/cues.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    negation: tuple[str, ...] = ()
    delegation: tuple[str, ...] = ()
    permissive: tuple[str, ...] = ()
    mandatory: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    definition_context: tuple[str, ...] = ()
    definition_patterns: tuple[str, ...] = ()
    unnumbered_paragraph_label: str | None = None
    # Letters and frequent legal words found in this language and not in its neighbours ("ã",
    # "ы"; "lei" is a Portuguese law and an Italian stop word): detection counts them as hits.
    distinctive_letters: str = ""
    distinctive_words: tuple[str, ...] = ()
    # Letters this language never writes ("і" for Russian): a word holding one counts against it.
    absent_letters: str = ""
    lemma_overrides: dict[str, str] = Field(default_factory=dict)
    # Sentence ends beyond spaCy's defaults ("；") and whether every line break ends a sentence.
    sentence_ends: tuple[str, ...] = ()
    line_breaks_end_sentences: bool = False
    # Paragraphs that finish the sentence before them rather than start one: the penalty line
    # under an offence ("Pena – reclusão, de 4 a 10 anos"). Regular expressions matched at the
    # start of the lower-cased paragraph.
    paragraph_continuations: tuple[str, ...] = ()
    # Token normalisation for languages without a lemma table (Arabic): applied alike to indicator
    # phrases and document words. Diacritics go, letter variants fold (`fold_characters`, one
    # character to one), then leading clitics are removed, longest first and repeatedly, while at
    # least `min_stem_letters` letters remain.
    strip_diacritics: bool = False
    fold_characters: dict[str, str] = Field(default_factory=dict)
    strip_prefixes: tuple[str, ...] = ()
    min_stem_letters: int = 3


@cache
def cues(lang: str) -> Cues:
    """Cues for `lang`; an unknown language gets empty cues (the pipeline still runs)."""
    path = checklists_dir() / "languages" / lang / "cues.yaml"
    if not path.is_file():
        return Cues()
    with path.open(encoding="utf-8") as handle:
        return Cues.model_validate(yaml.safe_load(handle) or {})


@cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for `lang`, read from their file alone.

    Importing `spacy.lang.<lang>` would build its tokenizer exceptions (seconds for French); the
    stop-word module has no imports, so it is loaded on its own.
    """
    path = Path(spacy.__file__).parent / "lang" / lang / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_checker_stop_words_{lang}", path)
    if spec is None or spec.loader is None or not path.is_file():
        return frozenset()
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # a stop-word file that imports its package: skip the language
        return frozenset()
    return frozenset(w.lower() for w in getattr(module, "STOP_WORDS", ()))


def _script_share(sample: str, low: str, high: str, letters: int) -> float:
    return sum(1 for ch in sample if low <= ch <= high) / letters


def detect_language(text: str, *, sample_chars: int = 60_000) -> tuple[str, float]:
    """Most likely language code and a confidence in [0, 1], from stop-word frequencies.

    Legal texts are dense in function words ("the", "de", "la", "shall"), so stop-word shares
    separate the UN languages well even on short or noisy extracts. The script is read first:
    Chinese has no spaces and is detected by its script share alone; Arabic and Cyrillic texts are
    compared only with languages of their script, and a language's `distinctive_letters` (cues)
    count like stop words, which separates close neighbours on a heading or two ("Definições").
    """
    sample = text[:sample_chars]
    letters = sum(1 for ch in sample if ch.isalpha()) or 1
    han = _script_share(sample, "\u4e00", "\u9fff", letters)
    if han > 0.3:
        return "zh", round(min(1.0, han), 3)
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return "und", 0.0
    candidates: tuple[str, ...] = LATIN
    fallback = "und"
    for low, high, group in SCRIPTS.values():
        if _script_share(sample, low, high, letters) > 0.5:
            candidates, fallback = group, group[0]
            break
    scores: dict[str, float] = {}
    for lang in candidates:
        stops = stop_words(lang)
        language_cues = cues(lang)
        marks = language_cues.distinctive_letters
        typical = frozenset(w.lower() for w in language_cues.distinctive_words)
        if stops or marks or typical or language_cues.absent_letters:
            hits = sum(1 for w in words if w in stops or w in typical
                       or (marks and any(c in w for c in marks)))
            absent = language_cues.absent_letters
            foreign = sum(1 for w in words if absent and any(c in w for c in absent))
            scores[lang] = (hits - foreign) / len(words)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True) or [(fallback, 0.0)]
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < 0.05:
        # A script read by one supported language only ("المادة الخامسة") still names it.
        return (fallback, 0.5) if fallback != "und" else ("und", 0.0)
    margin = (best_score - runner_up) / best_score
    return best, round(min(1.0, margin * 2), 3)


def _start_sentences(doc: Doc, starts: list[int]) -> None:
    """Mark sentence starts in one pass: setting `token.is_sent_start` one by one rescans the whole
    doc each time, which is quadratic on long laws written one clause per line."""
    if not starts:
        return
    values: Any = doc.to_array(SENT_START)
    for index in starts:
        values[index] = 1
    doc.from_array([SENT_START], values.reshape(-1, 1))


def _paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so no sentence runs across two paragraphs."""
    starts = []
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if (previous.is_space and previous.text.count("\n") >= 2) or "\n\n" in previous.whitespace_:
            starts.append(token.i)
    _start_sentences(doc, starts)
    return doc


if "paragraph_breaks" not in Language.factories:
    Language.component("paragraph_breaks")(_paragraph_breaks)


def _paragraph_continuations(doc: Doc) -> Doc:
    """Join a paragraph that finishes the sentence before it (a penalty line under its offence:
    "Pena – reclusão, de 4 a 10 anos", "Penalty: imprisonment for 10 years") to that sentence."""
    opening = _continuation_pattern(doc.lang_)
    if opening is None:
        return doc
    offsets: Any = doc.to_array(IDX)  # token start offsets, ascending: a bisect finds a token
    for match in opening.finditer(doc.text):
        first_word = int(offsets.searchsorted(match.end()))
        if first_word >= len(doc) or doc[first_word].idx != match.end():
            continue  # the paragraph does not start on a token boundary: leave it alone
        start = first_word
        while start > 1 and doc[start - 1].is_space:
            start -= 1  # the blank line before the paragraph may carry the sentence start
        for token in doc[start:first_word + 1]:
            if token.is_sent_start:
                token.is_sent_start = False  # few such lines: no one-pass array write needed
    return doc


@cache
def _continuation_pattern(lang: str) -> re.Pattern[str] | None:
    """A blank line, then one of the language's continuation openings (matched at its end)."""
    openings = cues(lang).paragraph_continuations
    if not openings:
        return None
    return re.compile(r"\n[^\S\n]*\n\s*(?=(?:" + "|".join(openings) + "))")


if "paragraph_continuations" not in Language.factories:
    Language.component("paragraph_continuations")(_paragraph_continuations)


def _line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break (laws written one clause per line)."""
    starts = []
    for token in doc[1:]:
        previous = doc[token.i - 1]
        broken = (previous.is_space and "\n" in previous.text) or "\n" in previous.whitespace_
        if broken and not token.is_space:
            starts.append(token.i)
    _start_sentences(doc, starts)
    return doc


if "line_breaks" not in Language.factories:
    Language.component("line_breaks")(_line_breaks)


class _CaseFallback:
    """Look a word up again when the lookup table has no entry for it as written.

    Lookup tables hold lower-case forms, so "Огнестрельное" at a sentence start would otherwise
    keep its surface form as lemma; and a table may spell letters the language's cues fold away
    (Russian "учёта" in the table, "учета" in most laws), so each folded letter is tried in its
    unfolded spelling, one position at a time.
    """

    def __init__(self, nlp: Language):
        self.nlp = nlp
        unfold: dict[str, list[str]] = {}
        for source, target in cues(nlp.lang).fold_characters.items():
            unfold.setdefault(target, []).append(source)
        self.unfold = unfold

    def _respelled(self, word: str) -> list[str]:
        return [word[:i] + source + word[i + 1:] for i, ch in enumerate(word)
                for source in self.unfold.get(ch, ())]

    def __call__(self, doc: Doc) -> Doc:
        table = known_words(self.nlp)
        if not len(table):
            return doc
        for token in doc:
            text = token.text
            if token.lemma_ != text or not token.is_alpha:
                continue
            lower = token.lower_
            lemma = table.get(lower) if lower != text else None
            for spelling in self._respelled(lower) if lemma is None else ():
                lemma = table.get(spelling)
                if lemma is not None:
                    break
            if isinstance(lemma, str):
                token.lemma_ = lemma
            elif lower != text:
                token.lemma_ = lower
        return doc


if "lemma_case_fallback" not in Language.factories:
    Language.factory("lemma_case_fallback")(lambda nlp, name: _CaseFallback(nlp))


def _load_trained(lang: str) -> Language | None:
    name = TRAINED.get(lang)
    if not name:
        return None
    try:
        nlp = spacy.load(name, exclude=["ner", "parser", "textcat"])
    except (OSError, ImportError):
        return None
    return nlp


@cache
def pipeline(lang: str, *, prefer_trained: bool = False) -> Language:
    """The spaCy pipeline for `lang`: blank + lookup lemmatiser + sentencizer, loaded once."""
    nlp: Language | None = _load_trained(lang) if prefer_trained else None
    if nlp is None:
        try:
            nlp = spacy.blank(lang)
        except (ImportError, KeyError):
            nlp = spacy.blank("xx")
        try:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        except (ValueError, OSError, KeyError):
            nlp.remove_pipe("lemmatizer")
        if "lemmatizer" in nlp.pipe_names:
            nlp.add_pipe("lemma_case_fallback", after="lemmatizer")
    language_cues = cues(lang)
    tokenizer: Any = nlp.tokenizer
    special_cases = hasattr(tokenizer, "add_special_case")  # the Chinese segmenter has none
    for abbreviation in language_cues.abbreviations if special_cases else ():
        # Legal abbreviations ("art.", "s.", "no.") end no sentence: keep the period on the word.
        for form in {abbreviation.lower(), abbreviation}:
            tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("paragraph_breaks", first=True)
    if language_cues.line_breaks_end_sentences:
        nlp.add_pipe("line_breaks", after="paragraph_breaks")
    if "sentencizer" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        punct = [*Sentencizer.default_punct_chars, *language_cues.sentence_ends]
        nlp.add_pipe("sentencizer", config={"punct_chars": punct})
    if language_cues.paragraph_continuations:
        nlp.add_pipe("paragraph_continuations", last=True)
    nlp.max_length = 20_000_000
    return nlp


def known_words(nlp: Language) -> Any:
    """The lemmatiser's lookup table (supports `word in table`), or an empty set without one."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    try:
        return lemmatizer.lookups.get_table("lemma_lookup")
    except KeyError:
        return frozenset()


def has_lemmas(nlp: Language) -> bool:
    return bool(len(known_words(nlp)))


def data_path(lang: str) -> Path:
    return checklists_dir() / "languages" / lang
