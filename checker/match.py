"""Match: find where each obligation element shows in a document.

The document is read once by the language's spaCy pipeline. Every token gets a normal form (its
lower-cased lemma); out-of-vocabulary words close to an indicator word (OCR noise, spelling
variants) take that word's form through rapidfuzz. One `PhraseMatcher` over those forms then finds
every indicator phrase of the checklist. An element is found in a sentence when one of its terms
occurs there and, if the element has context phrases, one of those too. Sentences that exempt or
negate ("shall not apply", "no licence is required") or only delegate the rule ("may make
regulations respecting marking") mark their hits as negated. Terms the law
defines pass what their definition covers to the provisions that use them (glossary hits).

Languages without a lemma table are normalised by rule instead, from their cues file: Arabic words
lose diacritics, fold letter variants (hamza seats, alif maqsura, ta marbuta) and shed leading
clitics (conjunction, preposition, article), so "وبالأسلحة" and "أسلحة" share one form. The same
function reads indicator phrases and document words. Chinese is matched character by character:
the blank pipeline makes each Han character a token, so a phrase matches wherever its characters
stand together, with or without spaces around.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from checker.checklist import Checklist
from checker.lang import Cues, cues, known_words, pipeline
from checker.models import Hit, Provision, Structure

FUZZY_CUTOFF = 90.0
FUZZY_MIN_LENGTH = 6
GLOSSARY_SCORE = 0.6
FUZZY_SCORE = 0.85
MAX_UNIT_CHARS = 5000


@dataclass
class _Compiled:
    """The phrase matcher for one checklist in one language, and what each match id means."""

    matcher: PhraseMatcher
    meaning: dict[int, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    term_forms: set[tuple[str, ...]] = field(default_factory=set)


_COMPILED: dict[tuple[str, str, tuple[str, ...], str], _Compiled] = {}


def lowered(text: str) -> str:
    """Lower-cased text of the same length, so offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _norm(token_lemma: str, token_lower: str, overrides: dict[str, str]) -> str:
    lemma = token_lemma.lower() or token_lower
    return overrides.get(token_lower) or overrides.get(lemma) or lemma


_TATWEEL = "\u0640"


@dataclass(frozen=True)
class _Folding:
    """A language's rule-based word normalisation (see `Cues`)."""

    diacritics: bool
    table: dict[int, str]
    prefixes: tuple[str, ...]
    min_stem: int


@cache
def _folding(lang: str) -> _Folding | None:
    language_cues: Cues = cues(lang)
    if not (language_cues.strip_diacritics or language_cues.fold_characters
            or language_cues.strip_prefixes):
        return None
    table = str.maketrans(dict(language_cues.fold_characters))
    plain = _Folding(language_cues.strip_diacritics, table, (), language_cues.min_stem_letters)
    prefixes = sorted({_fold_word(p, plain) for p in language_cues.strip_prefixes if p},
                      key=len, reverse=True)
    return _Folding(plain.diacritics, table, tuple(prefixes), plain.min_stem)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _fold_word(word: str, folding: _Folding) -> str:
    """Diacritics removed, letters folded, then clitics stripped while a stem remains.

    Stripping repeats ("وبالأسلحة" -> "بالاسلحه" -> "اسلحه") and treats a stem's own first letter
    like a clitic when enough letters remain: the result depends only on the letters, so a word
    and the same word with any clitics in front always end on the same form.
    """
    if folding.diacritics:
        word = "".join(ch for ch in word if not unicodedata.combining(ch) and ch != _TATWEEL)
    word = word.translate(folding.table)
    stripping = bool(folding.prefixes)
    while stripping:
        stripping = False
        for prefix in folding.prefixes:
            if word.startswith(prefix) and _letters(word[len(prefix):]) >= folding.min_stem:
                word = word[len(prefix):]
                stripping = True
                break
    return word


def cue_text(text: str, lang: str) -> str:
    """`text` as the language's cue patterns read it: diacritics removed and letters folded
    (clitics stay, as the patterns spell them). Unchanged for languages without folding."""
    folding = _folding(lang)
    if folding is None:
        return text
    if folding.diacritics:
        text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch != _TATWEEL)
    return text.translate(folding.table)


@lru_cache(maxsize=65536)
def word_form(word: str, lang: str) -> str:
    """The normal form of an already lemmatised, lower-cased word under `lang`'s folding rules."""
    folding = _folding(lang)
    return _fold_word(word, folding) if folding is not None else word


def _normalise(doc: Doc, lang: str) -> None:
    overrides = cues(lang).lemma_overrides
    folds = _folding(lang) is not None
    for token in doc:
        norm = _norm(token.lemma_, token.lower_, overrides)
        token.norm_ = word_form(norm, lang) if folds else norm


def _compile(checklist: Checklist, lang: str, nlp: Language) -> _Compiled:
    key = (checklist.id, checklist.version, tuple(o.id for o in checklist.obligations), lang)
    if key in _COMPILED:
        return _COMPILED[key]
    compiled = _Compiled(PhraseMatcher(nlp.vocab, attr="NORM"))
    patterns: dict[str, list[Doc]] = defaultdict(list)
    words: set[str] = set()
    for obligation in checklist.obligations:
        for element in obligation.elements:
            indicators = element.indicators.get(lang)
            if indicators is None:
                continue
            for role, phrases in (("term", indicators.terms), ("context", indicators.context),
                                  ("exclude", indicators.exclude)):
                for phrase in phrases:
                    pattern = _phrase_doc(nlp, phrase, lang)
                    if not len(pattern):
                        continue
                    name = f"{lang}|{role}|{phrase.lower()}"
                    if name not in patterns:
                        patterns[name].append(pattern)
                    match_id = nlp.vocab.strings.add(name)
                    compiled.meaning.setdefault(match_id, []).append(
                        (obligation.id, element.id, role, phrase))
                    words.update(t.norm_ for t in pattern if t.is_alpha)
                    if role == "term":
                        compiled.term_forms.add(tuple(t.norm_ for t in pattern))
    for name, docs in patterns.items():
        compiled.matcher.add(name, docs)
    compiled.words = sorted(w for w in words if len(w) >= FUZZY_MIN_LENGTH)
    _COMPILED[key] = compiled
    return compiled


def _phrase_doc(nlp: Language, phrase: str, lang: str) -> Doc:
    doc = nlp(lowered(phrase.strip()))
    _normalise(doc, lang)
    return doc


@cache
def _lemma_values(lang: str) -> frozenset[str]:
    table = known_words(pipeline(lang))
    if not hasattr(table, "values"):
        return frozenset()
    lemmas: set[str] = set()
    for value in table.values():  # some languages' tables hold lists of lemmas
        if isinstance(value, str):
            lemmas.add(value)
        else:
            lemmas.update(v for v in value if isinstance(v, str))
    return frozenset(lemmas)


def _fuzzy_map(doc: Doc, lang: str, nlp: Language, words: list[str], cutoff: float) -> set[int]:
    """Give unknown words close to an indicator word that word's form; return the token indices."""
    table = known_words(nlp)
    if not words or not len(table):
        return set()
    vocabulary = set(words)
    lemmas = _lemma_values(lang)
    candidates = {t.lower_ for t in doc if t.is_alpha and len(t) >= FUZZY_MIN_LENGTH}
    unknown = [w for w in candidates
               if w not in vocabulary and w not in table and w not in lemmas]
    mapping: dict[str, str] = {}
    for word in unknown:
        best = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        # A word built on an indicator ("particularly" on "particular") is another word, not a
        # misspelling of it: only words that differ inside are taken as noise.
        if best is not None and not word.startswith(best[0]) and not best[0].startswith(word):
            mapping[word] = best[0]
    changed = set()
    for token in doc:
        target = mapping.get(token.lower_)
        if target is not None:
            token.norm_ = target
            changed.add(token.i)
    return changed


class _Locator:
    """Finds the deepest provision holding a character offset."""

    def __init__(self, provisions: tuple[Provision, ...]):
        self.provisions = provisions
        self.starts = [p.start for p in provisions]
        self.by_id = {p.id: p for p in provisions}

    def deepest(self, offset: int) -> Provision | None:
        index = bisect_right(self.starts, offset) - 1
        if index < 0:
            return None
        candidate: Provision | None = self.provisions[index]
        while candidate is not None and candidate.end <= offset:
            candidate = self.by_id.get(candidate.parent) if candidate.parent else None
        return candidate

    def chain(self, provision: Provision | None) -> list[Provision]:
        """`provision` and its ancestors up to its article (or to the root outside articles)."""
        chain: list[Provision] = []
        current = provision
        while current is not None:
            chain.append(current)
            if current.kind == "article":
                break
            current = self.by_id.get(current.parent) if current.parent else None
        return chain

    def in_article(self, provision: Provision | None) -> bool:
        chain = self.chain(provision)
        return bool(chain) and chain[-1].kind == "article"

    def unit(self, provision: Provision | None) -> Provision | None:
        """The unit within which an obligation's elements must co-occur.

        Usually the article holding `provision`; in very long sections (a US Code section runs to
        tens of thousands of characters) the largest subdivision that stays readable, so that
        words from unrelated subsections are not taken to state one rule.
        """
        chain = self.chain(provision)
        if not chain:
            return None
        fitting = [p for p in chain if p.end - p.start <= MAX_UNIT_CHARS]
        return fitting[-1] if fitting else chain[0]


_LOCATORS: dict[int, tuple[Structure, _Locator]] = {}


def locator(structure: Structure) -> _Locator:
    """The provision index of `structure`, built once: assessment asks for it per obligation and
    per quote. The entry keeps the structure alive, so its id cannot be reused while cached."""
    cached = _LOCATORS.get(id(structure))
    if cached is not None and cached[0] is structure:
        return cached[1]
    if len(_LOCATORS) >= 32:
        _LOCATORS.pop(next(iter(_LOCATORS)))
    built = _Locator(structure.provisions)
    _LOCATORS[id(structure)] = (structure, built)
    return built


def analyse(structure: Structure) -> Doc:
    """The normalised spaCy doc of a structure's text (lower-cased, lemma norms)."""
    document = structure.document
    nlp = pipeline(document.language)
    doc = nlp(lowered(document.text))
    _normalise(doc, document.language)
    return doc


def find_hits(structure: Structure, checklist: Checklist, *, doc: Doc | None = None,
              fuzzy_cutoff: float = FUZZY_CUTOFF) -> tuple[Hit, ...]:
    """Every element of every obligation found in the document, one hit per element and sentence."""
    document = structure.document
    lang = document.language
    if not document.text.strip() or lang not in checklist.languages():
        return ()
    nlp = pipeline(lang)
    compiled = _compile(checklist, lang, nlp)
    doc = doc if doc is not None else analyse(structure)
    fuzzy_tokens = _fuzzy_map(doc, lang, nlp, compiled.words, fuzzy_cutoff)
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    sentence_starts = [s for s, _ in sentences]
    language_cues = cues(lang)
    negations = [re.compile(p) for p in (*language_cues.negation, *language_cues.delegation)]
    negated_cache: dict[int, bool] = {}
    permissive_cues = [re.compile(p) for p in language_cues.permissive]
    mandatory_cues = [re.compile(p) for p in language_cues.mandatory]
    permissive_cache: dict[int, bool] = {}

    def is_permissive(index: int) -> bool:
        """The sentence allows ("may") without obliging ("shall", "no person shall")."""
        if index not in permissive_cache:
            start, end = sentences[index]
            text = cue_text(lowered_text[start:end], lang)
            permissive_cache[index] = any(p.search(text) for p in permissive_cues) and not any(
                p.search(text) for p in mandatory_cues)
        return permissive_cache[index]
    lowered_text = doc.text  # built from the tokens on every access: read it once

    def is_negated(index: int) -> bool:
        if index not in negated_cache:
            start, end = sentences[index]
            text = cue_text(lowered_text[start:end], lang)
            negated_cache[index] = any(p.search(text) for p in negations)
        return negated_cache[index]

    terms: dict[tuple[str, str, int], tuple[int, int, str, bool]] = {}
    contexts: set[tuple[str, str, int]] = set()
    excluded: set[tuple[str, str, int]] = set()
    for match_id, start, end in compiled.matcher(doc):
        span = doc[start:end]
        sentence = bisect_right(sentence_starts, span.start_char) - 1
        fuzzy = any(i in fuzzy_tokens for i in range(start, end))
        for obligation_id, element_id, role, phrase in compiled.meaning.get(match_id, ()):
            key = (obligation_id, element_id, sentence)
            if role == "context":
                contexts.add(key)
            elif role == "exclude":
                excluded.add(key)
            elif key not in terms or (terms[key][3] and not fuzzy):
                terms[key] = (span.start_char, span.end_char, phrase, fuzzy)
    needs_context = {
        (o.id, e.id) for o in checklist.obligations for e in o.elements
        if e.indicators.get(lang) is not None and e.indicators[lang].context
    }
    exempting = {(o.id, e.id) for o in checklist.obligations for e in o.elements if e.exempting}
    where = locator(structure)
    delegating = _delegating_provisions(structure, lowered_text,
                                        [re.compile(p) for p in language_cues.delegation],
                                        lang=lang)
    lead_ins = _lead_in_sentences(structure, lowered_text, sentence_starts)
    headings = _heading_sentences(structure, lowered_text, sentences)
    definitional = {o.id for o in checklist.obligations if o.stated_in == "definitions"}
    definition_spans = sorted((d.start, d.end) for d in structure.definitions)
    definition_starts = [s for s, _ in definition_spans]

    def defined_at(offset: int) -> tuple[int, int] | None:
        """The sentences of the definition holding `offset` (first, and one past the last)."""
        index = bisect_right(definition_starts, offset) - 1
        if index < 0 or offset >= definition_spans[index][1]:
            return None
        first, end = definition_spans[index]
        return (bisect_right(sentence_starts, first) - 1,
                bisect_right(sentence_starts, end - 1))
    hits: list[Hit] = []
    for (obligation_id, element_id, sentence), (start, end, phrase, fuzzy) in terms.items():
        if (obligation_id, element_id, sentence) in excluded:
            continue
        provision = where.deepest(start)
        if (provision is not None and start < provision.body_start) or sentence in headings:
            continue  # a label or heading names a subject; the body must state the rule
        chain = where.chain(provision)
        # An item of a list reads on from its lead-in ("This Act does not apply to: (a) ..."):
        # the item takes the lead-in's negation, and an exemption its context.
        lead_in = [i for p in chain[1:] for i in lead_ins.get(p.id, ())]
        read_with = (sentence, *lead_in) if (obligation_id, element_id) in exempting else (
            sentence,)
        definition = defined_at(start)
        if obligation_id in definitional:
            if definition is None:
                continue
            # A definition is one statement however it is punctuated ("Ammunition. The
            # complete round ..."): the term and its context may stand in different sentences.
            read_with += tuple(range(sentence + 1, definition[1]))
        if definition is not None:
            # Words of a definition read with the words that name the term ("The term
            # 'antique firearm' means (A) any firearm ... manufactured before 1899").
            read_with += (definition[0],)
        if (obligation_id, element_id) in needs_context and not any(
                (obligation_id, element_id, i) in contexts for i in read_with):
            continue
        sentence_start, sentence_end = sentences[sentence]
        delegated = any(p.id in delegating for p in chain)
        hits.append(Hit(
            obligation_id=obligation_id, element_id=element_id, document_id=document.id,
            provision_id=provision.id if provision else None, start=start, end=end,
            sentence_start=sentence_start, sentence_end=sentence_end, term=phrase,
            method="fuzzy" if fuzzy else "lemma", score=FUZZY_SCORE if fuzzy else 1.0,
            negated=delegated or (
                (obligation_id, element_id) not in exempting
                and any(is_negated(i) for i in (sentence, *lead_in))),
            permissive=is_permissive(sentence),
        ))
    hits.extend(_glossary_hits(structure, hits, doc, nlp, sentences, where,
                               domain_terms=compiled.term_forms))

    hits.sort(key=lambda h: (h.start, h.obligation_id, h.element_id))
    return tuple(hits)


#: How a sentence or clause ends; a line that ends otherwise may be a heading.
_CLAUSE_ENDS = tuple(".;:,!?。；：，")
#: Longest line read as a heading standing before a provision (a marginal note).
MAX_HEADING_CHARS = 160


def _heading_sentences(structure: Structure, text: str, sentences: list[tuple[int, int]]
                       ) -> set[int]:
    """Sentences that are headings of the provision right after them ("Grandfathered
    individuals", "Relics"): one short line, no closing punctuation, that neither opens a
    provision nor is followed by anything but the next provision's label."""
    provisions = structure.provisions
    opens = {p.start for p in provisions} | {p.body_start for p in provisions}
    starts = [p.start for p in provisions]
    where = locator(structure)
    found = set()
    for index, (start, end) in enumerate(sentences):
        line = text[start:end].strip()
        if not line or len(line) > MAX_HEADING_CHARS or "\n" in line or line.endswith(
                _CLAUSE_ENDS + _LEAD_IN_ENDS):
            continue
        first = start + (len(text[start:end]) - len(text[start:end].lstrip()))
        following = bisect_right(starts, end - 1)
        if first in opens or following >= len(starts) or text[end:starts[following]].strip():
            continue
        holder = where.deepest(first)
        current: Provision | None = provisions[following]
        while holder is not None and current is not None and current.id != holder.id:
            current = where.by_id.get(current.parent) if current.parent else None
        if holder is None or current is None:  # not a lead-in of the holder's own items
            found.add(index)
    return found


#: How a lead-in ends: it announces the list of items below it.
_LEAD_IN_ENDS = (":", "：", "—", "–")


def _lead_in_sentences(structure: Structure, text: str, sentence_starts: list[int]
                       ) -> dict[str, tuple[int, ...]]:
    """For each provision whose own words, before its first sub-provision, end as a lead-in
    ("shall not apply to:"), the indices of the sentences of those words."""
    provisions = structure.provisions
    found: dict[str, tuple[int, ...]] = {}
    for index, provision in enumerate(provisions[:-1]):
        following = provisions[index + 1]
        if following.parent != provision.id:
            continue
        own = text[provision.body_start:following.start].rstrip()
        if not own or not own.endswith(_LEAD_IN_ENDS):
            continue
        first = bisect_right(sentence_starts, provision.body_start) - 1
        last = bisect_right(sentence_starts, provision.body_start + len(own) - 1) - 1
        found[provision.id] = tuple(range(max(first, 0), last + 1))
    return found


def _delegating_provisions(structure: Structure, text: str,
                           patterns: list[re.Pattern[str]], *, lang: str) -> set[str]:
    """Provisions whose opening words delegate ("The Governor in Council may make regulations")
    so that every item listed under them is a subject for regulations, not a rule of the law."""
    if not patterns:
        return set()
    provisions = structure.provisions
    found = set()
    for index, provision in enumerate(provisions):
        following = provisions[index + 1] if index + 1 < len(provisions) else None
        own_end = following.start if following and following.parent == provision.id else (
            provision.end)
        chapeau = cue_text(text[provision.start:min(own_end, provision.body_start + 400)], lang)
        if any(p.search(chapeau) for p in patterns):
            found.add(provision.id)
    return found


def _glossary_hits(structure: Structure, hits: list[Hit], doc: Doc, nlp: Language,
                   sentences: list[tuple[int, int]], where: _Locator, *,
                   domain_terms: set[tuple[str, ...]]) -> list[Hit]:
    """Hits inherited from definitions: a provision using a defined term covers what the
    definition covers. Only terms of the checklist's own vocabulary pass anything on (the
    definition of "firearm" says whether parts are firearms; that of "United States" says nothing
    about the Protocol). One inherited hit per term, element and unit."""
    definitions = structure.definitions
    if not definitions:
        return []
    lang = structure.document.language
    covered: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for index, definition in enumerate(definitions):
        if tuple(t.norm_ for t in _phrase_doc(nlp, definition.term, lang)) not in domain_terms:
            continue
        for hit in hits:
            if definition.start <= hit.start < definition.end and not hit.negated:
                covered[index].add((hit.obligation_id, hit.element_id))
    if not covered:
        return []
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    for index in covered:
        pattern = _phrase_doc(nlp, definitions[index].term, lang)
        if len(pattern):
            matcher.add(f"def|{index}", [pattern])
    # Definitions follow one another without overlap: the one starting last before a
    # character is the only one that can hold it.
    definition_starts = [d.start for d in definitions]
    sentence_starts = [s for s, _ in sentences]
    seen: set[tuple[int, str, str, str | None]] = set()
    inherited: list[Hit] = []
    for match_id, start, _end in matcher(doc):
        index = int(nlp.vocab.strings[match_id].split("|")[1])
        char = doc[start].idx
        holder = bisect_right(definition_starts, char) - 1
        if holder >= 0 and char < definitions[holder].end:
            continue
        provision = where.deepest(char)
        if provision is not None and char < provision.body_start:
            continue
        unit = where.unit(provision)
        sentence = bisect_right(sentence_starts, char) - 1
        for obligation_id, element_id in sorted(covered[index]):
            key = (index, obligation_id, element_id, unit.id if unit else None)
            if key in seen:
                continue
            seen.add(key)
            inherited.append(Hit(
                obligation_id=obligation_id, element_id=element_id,
                document_id=structure.document.id,
                provision_id=provision.id if provision else None, start=char,
                end=char + len(doc[start:_end].text), sentence_start=sentences[sentence][0],
                sentence_end=sentences[sentence][1], term=definitions[index].term,
                method="glossary", score=GLOSSARY_SCORE, via_definition=definitions[index].term,
            ))
    return inherited
