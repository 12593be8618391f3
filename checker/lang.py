"""Language: detect a document's language and load one spaCy pipeline per language per process.

Pipelines are blank spaCy languages with the lookup lemmatiser from spacy-lookups-data and a
sentencizer, so nothing is downloaded; a trained pipeline is used instead when one is installed.
Building the French tokenizer alone costs seconds, hence the per-process cache.
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
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc

from checker.checklist import checklists_dir

#: Languages whose stop-word lists take part in detection (spaCy ships stop words for each).
DETECTABLE = ("en", "fr", "es", "pt", "it", "de", "nl", "cs", "pl", "ru", "ar", "zh")
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
    lemma_overrides: dict[str, str] = Field(default_factory=dict)


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


def detect_language(text: str, *, sample_chars: int = 60_000) -> tuple[str, float]:
    """Most likely language code and a confidence in [0, 1], from stop-word frequencies.

    Legal texts are dense in function words ("the", "de", "la", "shall"), so stop-word shares
    separate the UN languages well even on short or noisy extracts. Chinese has no spaces and is
    detected by its script share instead.
    """
    sample = text[:sample_chars]
    han = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in sample if ch.isalpha()) or 1
    if han / letters > 0.3:
        return "zh", min(1.0, han / letters)
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return "und", 0.0
    scores: dict[str, float] = {}
    for lang in DETECTABLE:
        stops = stop_words(lang)
        if stops:
            scores[lang] = sum(1 for w in words if w in stops) / len(words)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < 0.05:
        return "und", 0.0
    margin = (best_score - runner_up) / best_score
    return best, round(min(1.0, margin * 2), 3)


def _paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so no sentence runs across two paragraphs."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if (previous.is_space and previous.text.count("\n") >= 2) or "\n\n" in previous.whitespace_:
            token.is_sent_start = True
    return doc


if "paragraph_breaks" not in Language.factories:
    Language.component("paragraph_breaks")(_paragraph_breaks)


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
    tokenizer: Any = nlp.tokenizer
    for abbreviation in cues(lang).abbreviations:
        # Legal abbreviations ("art.", "s.", "no.") end no sentence: keep the period on the word.
        for form in {abbreviation.lower(), abbreviation}:
            tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("paragraph_breaks", first=True)
    if "sentencizer" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
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
