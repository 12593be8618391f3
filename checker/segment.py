"""Segment: turn a document's clean text into its provision tree and glossary.

Structure is read line by line. Headings of large units (part, title, chapter...) and article-level
units (`Article L313-3`, `Art. 42 bis`, `§ 921`, `117.01`) come from the keyword table in
`checklists/languages/structure.yaml`; paragraphs and items below an article are found by their
markers (`(1)`, `(a)`, `(A)`, `(i)`, `a)`, `1°`, `2.1`), nested by the order in which marker styles
first appear, as drafters nest them. Every provision keeps its label as printed, a canonical number,
its parent, and its character and page span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict

from checker.checklist import checklists_dir
from checker.errors import Code, Diagnostic, warning
from checker.lang import cues, stop_words
from checker.models import Definition, Document, Provision, ProvisionKind, Structure

STRUCT_LEVELS: dict[str, int] = {
    "book": 0, "part": 1, "title": 2, "chapter": 3, "division": 4, "section_group": 4,
}
ARTICLE_LEVEL = 5
ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_SPACED = re.compile(r"^(?:\w ){2,}\w$")
_BLANK = re.compile(r"^\s*$")


class StructureTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: dict[str, tuple[str, ...]]
    article: dict[str, tuple[str, ...]]
    ordinals: dict[str, int]


@dataclass(frozen=True)
class _Patterns:
    structural: re.Pattern[str]
    article: re.Pattern[str]
    bare: re.Pattern[str]
    keyword_kind: dict[str, str]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> _Patterns:
    with (checklists_dir() / "languages" / "structure.yaml").open(encoding="utf-8") as handle:
        table = StructureTable.model_validate(yaml.safe_load(handle))
    keyword_kind = {kw.lower(): kind for kind, kws in table.levels.items() for kw in kws}
    ordinals = _alternation(list(table.ordinals))
    structural = re.compile(
        rf"^(?P<kw>{_alternation(list(keyword_kind))})\s+"
        rf"(?P<num>[IVXLCDM]+|\d+[A-Za-z]?|[A-Z]|{ordinals})\b(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$",
        re.IGNORECASE,
    )
    suffixes = _alternation(list(table.article["suffixes"]))
    number = (
        rf"(?:[LRDA]\.?\s?)?\d+(?:[.\-–]\d+)*[a-z]?(?:\s?[°º])?(?:\s?(?:{suffixes})\b)?\.?"
    )
    article = re.compile(
        rf"^(?P<kw>{_alternation(list(table.article['keywords']))})\s*(?P<num>{number})"
        rf"(?P<tail>\s*[.:\-–—]*\s*)(?P<rest>.*)$",
        re.IGNORECASE,
    )
    bare = re.compile(
        r"^(?P<num>\d{1,4}(?:\.\d{1,3})*[A-Z]?)(?P<tail>\.?(?:[—–-]+\s*|\s+))"
        r"(?P<rest>[A-Z“\"(«].*)$")
    return _Patterns(structural, article, bare, keyword_kind)


_MARKER = re.compile(
    r"^(?:\((?P<pd>\d{1,3}(?:\.\d{1,2})?[a-z]?)\)"
    r"|\((?P<pl>[a-z]{1,4}(?:\.\d{1,2})?)\)"
    r"|\((?P<pu>[A-Z]{1,2}(?:\.\d{1,2})?)\)"
    r"|(?P<lp>[a-zñ])\)"
    r"|(?P<dp>\d{1,3})\)"
    r"|(?P<deg>\d{1,3})\s?[°º]"
    r"|(?P<dd>\d{1,3}(?:\.\d{1,3})+)\.?(?=\s)"
    r"|(?P<dot>\d{1,3})\.(?=\s)"
    r"|(?P<rd>[IVX]{1,5})\.(?=\s))"
)


#: Marker styles drafters use interchangeably at one level ("(a)" and "a)", "(1)" and "1)").
_FAMILY = {"lp": "pl", "dp": "pd"}


@dataclass
class _Open:
    """A provision being built; closed when a sibling or a higher unit starts."""

    kind: ProvisionKind
    label: str
    number: str
    heading: str | None
    start: int
    body_start: int
    level: int
    style: str | None
    parent: int | None
    citation: str
    end: int = -1


def _normalise_heading_line(line: str) -> str:
    """Join letter-spaced words ("P A R T  O N E" -> "PART ONE") so keywords can be matched."""
    if "  " not in line and not _SPACED.match(line.strip()):
        return line
    chunks = re.split(r"\s{2,}", line.strip())
    return " ".join(c.replace(" ", "") if _SPACED.match(c) else c for c in chunks)


def _continues_sentence(rest: str, tail: str, number: str = "") -> bool:
    """True for cross-references at a line start ("Article 5 of the Act"), not headings."""
    delimited = bool(tail.strip()) or number.rstrip().endswith((".", "°", "º"))
    return bool(rest) and not delimited and rest[:1].islower()


def _canonical(number: str) -> str:
    return re.sub(r"[\s.°º]", "", number).replace("–", "-").lower().rstrip(".")


def _marker_style(match: re.Match[str], stack: list[_Open]) -> tuple[str, str]:
    """The style and value of a paragraph marker, telling roman numerals from letters."""
    style = match.lastgroup or ""
    value = match.group(style)
    style = _FAMILY.get(style, style)
    if style == "pl" and ROMAN.match(value):
        letters = next((o for o in reversed(stack) if o.style == "pl"), None)
        romans = any(o.style == "pr" for o in stack)
        previous_letter = letters.number if letters else ""
        follows_letter = len(value) == 1 and previous_letter == chr(ord(value) - 1)
        if not follows_letter and (romans or value != "c" or not letters):
            style = "pr"
    return style, value


def _is_paragraph_start(lines: list[tuple[int, str]], index: int) -> bool:
    return index == 0 or _BLANK.match(lines[index - 1][1]) is not None


def _line_ends_block(lines: list[tuple[int, str]], index: int) -> bool:
    """The line is followed by a blank line, a marker or the end of the text."""
    if index + 1 >= len(lines):
        return True
    following = lines[index + 1][1].strip()
    return not following or _MARKER.match(following) is not None


def _after_break(lines: list[tuple[int, str]], index: int) -> bool:
    """A line that cannot continue the previous one: after a blank or a short heading-like line."""
    if _is_paragraph_start(lines, index):
        return True
    previous = lines[index - 1][1].strip()
    return previous.endswith((".", ":", ";")) or (
        len(previous) < 60 and not previous.endswith((",", "-")))


def _short_heading(lines: list[tuple[int, str]], index: int) -> tuple[str, int] | None:
    """A heading on the next non-blank line (e.g. 'CHAPTER I' then 'General provisions')."""
    for offset, text in lines[index + 1 : index + 3]:
        stripped = text.strip()
        if not stripped:
            continue
        if (len(stripped) > 100 or stripped.endswith((".", ";", ":", ","))
                or _MARKER.match(stripped)):
            return None
        if _patterns().article.match(stripped) or _patterns().structural.match(stripped):
            return None
        return stripped, offset + len(text)
    return None


class _Builder:
    """Keeps the stack of open provisions while lines are read."""

    def __init__(self, document: Document, *, section_is_article: bool, bare_numbers: bool):
        self.document = document
        self.section_is_article = section_is_article
        self.bare_numbers = bare_numbers
        self.done: list[_Open] = []
        self.stack: list[int] = []
        self.last_bare: tuple[int, ...] = ()
        self.alinea_label = cues(document.language).unnumbered_paragraph_label
        self.alinea_count = 0

    def _close_to(self, level: int, at: int) -> None:
        while self.stack and self.done[self.stack[-1]].level >= level:
            self.done[self.stack.pop()].end = at

    def _push(self, item: _Open) -> None:
        item.parent = self.stack[-1] if self.stack else None
        parent = self.done[item.parent] if item.parent is not None else None
        if item.level > ARTICLE_LEVEL and parent is not None:
            joiner = "" if item.label.startswith("(") else " "
            if item.style == "al":
                joiner = ", "
            item.citation = f"{parent.citation}{joiner}{item.label}"
        self.done.append(item)
        self.stack.append(len(self.done) - 1)

    def _article_open(self) -> bool:
        return any(self.done[i].level >= ARTICLE_LEVEL for i in self.stack)

    def structural(self, kind: str, label: str, number: str, heading: str | None,
                   start: int, body: int) -> None:
        level = STRUCT_LEVELS[kind]
        self._close_to(level, start)
        kind_name: ProvisionKind = kind  # type: ignore[assignment]
        self._push(_Open(kind_name, label, number, heading, start, body, level, None, None, label))

    def article(self, label: str, number: str, heading: str | None, start: int, body: int) -> None:
        self._close_to(ARTICLE_LEVEL, start)
        self.alinea_count = 0
        self._push(_Open("article", label, number, heading, start, body, ARTICLE_LEVEL, None,
                         None, label))

    def paragraph(self, style: str, label: str, number: str, start: int, body: int) -> None:
        if not self._article_open():
            return
        paragraph_stack = [i for i in self.stack if self.done[i].level > ARTICLE_LEVEL]
        same = next((i for i in paragraph_stack if self.done[i].style == style), None)
        if same is not None:
            self._close_to(self.done[same].level, start)
            level = self.done[same].level
        else:
            level = self.done[self.stack[-1]].level + 1
        kind: ProvisionKind = "paragraph" if level == ARTICLE_LEVEL + 1 else "item"
        self._push(_Open(kind, label, number, None, start, body, level, style, None, label))

    def alinea(self, start: int) -> None:
        if not self.alinea_label or not self._article_open():
            return
        self.alinea_count += 1
        label = self.alinea_label.format(n=self.alinea_count)
        self.paragraph("al", label, str(self.alinea_count), start, start)

    def bare_allowed(self, number: str) -> bool:
        parts = tuple(int(p) for p in re.findall(r"\d+", number))
        if not parts or not self.bare_numbers:
            return False
        if self.last_bare and (parts <= self.last_bare or parts[0] - self.last_bare[0] > 30):
            return False
        self.last_bare = parts
        return True

    def finish(self, end: int) -> tuple[Provision, ...]:
        self._close_to(-1, end)
        document = self.document
        ids = [f"{document.id}:p{i}" for i in range(len(self.done))]
        result = []
        for i, item in enumerate(self.done):
            finish = max(item.end, item.body_start)
            result.append(Provision(
                id=ids[i], kind=item.kind, label=item.label, number=item.number,
                heading=item.heading, parent=ids[item.parent] if item.parent is not None else None,
                depth=item.level, citation=item.citation, start=item.start,
                body_start=item.body_start, end=finish, page_start=document.page_at(item.start),
                page_end=document.page_at(max(item.start, finish - 1)),
            ))
        return tuple(result)


def _lines(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _prescan(lines: list[tuple[int, str]]) -> tuple[bool, bool]:
    """Decide whether 'Section N' is an article-level unit and whether bare numbers are sections."""
    patterns = _patterns()
    keyworded = sections = 0
    for _, line in lines:
        match = patterns.article.match(line.strip())
        if match and not _continues_sentence(match["rest"], match["tail"], match["num"]):
            if match["kw"].lower() in ("section", "sec."):
                sections += 1
            else:
                keyworded += 1
    section_is_article = keyworded < 3
    bare_numbers = keyworded < 3 and sections < 3
    return section_is_article, bare_numbers


def _read_markers(builder: _Builder, text: str, start: int) -> None:
    """Open one provision per marker at the start of `text` ("(a)(1)" opens two)."""
    position = 0
    while True:
        match = _MARKER.match(text[position:])
        if not match:
            return
        style, value = _marker_style(match, [builder.done[i] for i in builder.stack])
        label = match.group(0).strip()
        builder.paragraph(style, label, _canonical(value), start + position,
                          start + position + match.end())
        position += match.end()
        gap = len(text[position:]) - len(text[position:].lstrip(" "))
        if not text[position + gap :].startswith("("):
            return
        position += gap


def _provisions(document: Document) -> tuple[Provision, ...]:
    patterns = _patterns()
    lines = _lines(document.text)
    section_is_article, bare_numbers = _prescan(lines)
    builder = _Builder(document, section_is_article=section_is_article, bare_numbers=bare_numbers)
    for index, (offset, raw) in enumerate(lines):
        stripped = raw.strip()
        if not stripped:
            continue
        start = offset + (len(raw) - len(raw.lstrip()))
        normal = _normalise_heading_line(stripped)
        match = patterns.structural.match(normal)
        if match and not _continues_sentence(match["rest"], match["tail"], match["num"]):
            kind = patterns.keyword_kind[match["kw"].lower()]
            if kind == "section_group" and section_is_article:
                match = None
            else:
                heading = match["rest"].strip(" .:-–—") or None
                body = offset + len(raw)
                if heading is None:
                    found = _short_heading(lines, index)
                    if found:
                        heading, body = found
                label = f"{match['kw']} {match['num']}"
                builder.structural(kind, label, _canonical(match["num"]), heading, start, body)
                continue
        article = patterns.article.match(stripped)
        if article and article["kw"].lower() in ("section", "sec.") and not section_is_article:
            article = None
        if article and (article["kw"][:1].islower() or (
                article["rest"] and not _after_break(lines, index))):
            article = None
        if article and not _continues_sentence(article["rest"], article["tail"], article["num"]):
            _article_line(builder, lines, index, start, article)
            continue
        bare = patterns.bare.match(stripped)
        if bare and _after_break(lines, index) and builder.bare_allowed(bare["num"]):
            _article_line(builder, lines, index, start, bare)
            continue
        if _MARKER.match(stripped):
            _read_markers(builder, stripped, start)
        elif _is_paragraph_start(lines, index):
            builder.alinea(start)
    return builder.finish(len(document.text))


def _preceding_note(lines: list[tuple[int, str]], index: int) -> tuple[str, int] | None:
    """A side heading printed just above an article's number ("Marking of imported firearms")."""
    previous = index - 1
    if previous >= 0 and not lines[previous][1].strip():
        previous -= 1  # a heading set on its own paragraph just above the number
    if previous < 0:
        return None
    offset, text = lines[previous]
    stripped = text.strip()
    if (not stripped or len(stripped) > 60 or stripped.endswith((".", ";", ":", ",", "-"))
            or not stripped[:1].isupper() or _MARKER.match(stripped)
            or not _is_paragraph_start(lines, previous)
            or _patterns().structural.match(_normalise_heading_line(stripped))):
        return None
    return stripped, offset + (len(text) - len(text.lstrip()))


def _article_line(builder: _Builder, lines: list[tuple[int, str]], index: int, start: int,
                  match: re.Match[str]) -> None:
    offset, raw = lines[index]
    number = match["num"].rstrip(".").strip()
    label = match.group(0)[: match.end("num")].strip().rstrip(".")
    rest = match["rest"].strip()
    rest_start = start + match.start("rest")
    heading: str | None = None
    body = rest_start
    if not rest:
        body = offset + len(raw)
        found = _short_heading(lines, index)
        if found:
            heading, body = found
    elif len(rest) <= 90 and not rest.endswith((".", ";", ",", ":")) and not _MARKER.match(
            rest) and _line_ends_block(lines, index):
        heading, body = rest, offset + len(raw)
    if heading is None:
        note = _preceding_note(lines, index)
        if note is not None:
            heading, start = note
    builder.article(label, _canonical(number), heading, start, body)
    if rest and _MARKER.match(rest):
        _read_markers(builder, rest, rest_start)


def _plausible_term(term: str, lang: str) -> bool:
    """Reject captures that are function words or numbers ("and includes a museum")."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", term)]
    if not 2 <= len(term) <= 80 or term[:1].isdigit() or not words:
        return False
    lowered = term.lower()
    if any(cue in lowered for cue in cues(lang).definition_context):
        return False
    stops = stop_words(lang)
    return words[0] not in stops or not all(w in stops for w in words)


def _definitions(document: Document, provisions: tuple[Provision, ...]) -> tuple[Definition, ...]:
    language_cues = cues(document.language)
    if not language_cues.definition_patterns:
        return ()
    anywhere = [re.compile(p, re.IGNORECASE) for p in language_cues.definition_patterns
                if not p.startswith("^")]
    line_based = [re.compile(p, re.IGNORECASE | re.MULTILINE)
                  for p in language_cues.definition_patterns if p.startswith("^")]
    units: list[Provision | None] = [p for p in provisions if p.kind == "article"] or [None]
    text = document.text
    found: dict[int, tuple[str, int, str | None]] = {}
    for unit in units:
        start, end = (unit.start, unit.end) if unit else (0, len(text))
        chunk = text[start:end]
        head = f"{unit.heading or ''} {chunk[:400]}".lower() if unit else chunk[:400].lower()
        in_context = any(cue in head for cue in language_cues.definition_context)
        for pattern in anywhere + (line_based if in_context else []):
            for match in pattern.finditer(chunk):
                term = " ".join(match["term"].split()).strip(" ,;:-–—«»\"“”'")
                if _plausible_term(term, document.language):
                    found.setdefault(start + match.start(), (term, end, unit.id if unit else None))
    ordered = sorted(found.items())
    definitions = []
    for position, (offset, (term, unit_end, provision_id)) in enumerate(ordered):
        following = ordered[position + 1][0] if position + 1 < len(ordered) else len(text)
        end = min(following, unit_end, offset + 1500)
        definitions.append(Definition(term=term, text=text[offset:end].strip(),
                                      provision_id=provision_id, start=offset, end=end))
    return tuple(definitions)


def segment(document: Document) -> Structure:
    """The provision tree and glossary of `document`; never raises on odd text."""
    provisions = _provisions(document) if document.text else ()
    diagnostics: list[Diagnostic] = []
    if document.text.strip() and not any(p.kind == "article" for p in provisions):
        diagnostics.append(warning(
            Code.NO_STRUCTURE,
            "No articles or sections were recognised; the text is assessed as one unit.",
        ))
    return Structure(document=document, provisions=provisions,
                     definitions=_definitions(document, provisions),
                     diagnostics=tuple(diagnostics))
