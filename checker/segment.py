"""Segment: turn a document's clean text into its provision tree and glossary.

Structure is read line by line. Headings of large units (part, title, chapter...) and article-level
units (`Article L313-3`, `Art. 42 bis`, `§ 921`, `117.01`, `Artigo 5.º`, `Статья 5.1`, `المادة (5)`,
`المادة الخامسة`, `第一百零三条`) come from the keyword table in
`checklists/languages/structure.yaml`: a keyword then a number, or (Chinese) a prefix, a number and
the unit's word. Numbers may be digits of any script, roman numerals, ordinal words or numeral
characters; the canonical number is always in ASCII digits where the value is known ("5", "103").
Paragraphs and items below an article are found by their markers (`(1)`, `(a)`, `(A)`, `(i)`,
`a)`, `а)`, `أ-`, `1-`, `（一）`, `1°`, `2.1`), nested by the order in which marker styles first
appear, as drafters nest them. Every provision keeps its label as printed, a canonical number, its
parent, and its character and page span.

Three kinds of unit stand outside the numbered articles and are still article-level, so the
matcher reads them: annexes and schedules ("Annex I", "First Schedule", "Annex to Act ..."), which
close every open unit and keep the parts printed inside them as their own divisions; dispositions
numbered by ordinal words, Spain's "Disposición final tercera." anywhere and a bare "PRIMERA." after
a "DISPOSICIONES COMPLEMENTARIAS FINALES" heading, which closes the body's titles and chapters;
and articles quoted by an amending provision (`"Artículo 279. ...`), nested inside it half a level
down and cited by their own label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from checker.errors import Code, Diagnostic, warning
from checker.lang import cues, stop_words
from checker.models import Definition, Document, Provision, ProvisionKind, Structure
from checker.numbering import fold_key, line_patterns
from checker.params import numeral_value

STRUCT_LEVELS: dict[str, int] = {
    "book": 0, "part": 1, "title": 2, "chapter": 3, "division": 4, "section_group": 4,
}
ARTICLE_LEVEL = 5
ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_SPACED = re.compile(r"^(?:\w ){2,}\w$")
_BLANK = re.compile(r"^\s*$")


_MARKER = re.compile(
    r"^(?:\((?P<pd>\d{1,3}(?:\.\d{1,2})?[a-z]?)\)"
    r"|\((?P<pl>[a-zа-яё]{1,4}(?:\.\d{1,2})?)\)"
    r"|\((?P<pu>[A-Z]{1,2}(?:\.\d{1,2})?)\)"
    r"|[（(](?P<pn>[一二三四五六七八九十]{1,3})[）)]"
    r"|\((?P<pa>[\u0621-\u064a]\u0640?)\)"
    r"|(?P<lp>[a-zñа-яё])\)"
    r"|(?P<dp>\d{1,3})\)"
    r"|(?P<abj>[\u0621-\u064a]\u0640?)\s?[-–)](?=\s)"
    r"|(?P<dh>\d{1,3})\s?[-–](?=\s)"
    r"|(?P<nc>[一二三四五六七八九十]{1,3})、"
    r"|(?P<deg>\d{1,3})\s?[°º]"
    r"|(?P<dd>\d{1,3}(?:\.\d{1,3})+)\.?(?=\s)"
    r"|(?P<dot>\d{1,3})\.(?=\s)"
    r"|(?P<rd>[IVX]{1,5})\.(?=\s)"
    r"|(?P<rh>[IVXL]{1,6})\s?[-–—](?=\s))"
)


#: Marker styles drafters use interchangeably at one level ("(a)" and "a)", "(1)" and "1)",
#: "(أ)" and "أ-").
_FAMILY = {"lp": "pl", "dp": "pd", "pa": "abj", "rh": "rd"}
def _marker(text: str) -> re.Match[str] | None:
    """A paragraph marker at the start of `text`: a numbering mark, or an item word ("أولاً:")."""
    return _MARKER.match(text) or line_patterns().item_words.match(text)


#: What ends a sentence or a clause, in the scripts read here.
_STOPS = (".", ";", ":", "。", "；", "：", "؛")
_CLAUSE_STOPS = (*_STOPS, ",", "，", "،")
#: Quotation marks around text one law inserts into another.
_QUOTES = "\"“”«»„‘'"


@dataclass
class _Open:
    """A provision being built; closed when a sibling or a higher unit starts."""

    kind: ProvisionKind
    label: str
    number: str
    heading: str | None
    start: int
    body_start: int
    level: float  # a subordinate unit sits half a level below its own kind
    style: str | None
    parent: int | None
    citation: str
    end: int = -1
    annex: bool = False


def _normalise_heading_line(line: str) -> str:
    """Join letter-spaced words ("P A R T  O N E" -> "PART ONE") so keywords can be matched."""
    if "  " not in line and not _SPACED.match(line.strip()):
        return line
    chunks = re.split(r"\s{2,}", line.strip())
    return " ".join(c.replace(" ", "") if _SPACED.match(c) else c for c in chunks)


def _label_end(match: re.Match[str]) -> int:
    """Where a heading's label ends: after its number, its closing bracket or its unit word."""
    ends = [match.end("num")]
    for group in ("close", "kw", "sub"):
        if group in match.re.groupindex and match.group(group) is not None:
            ends.append(match.end(group))
    return max(ends)


def _label(match: re.Match[str]) -> str:
    return " ".join(match.group(0)[: _label_end(match)].split()).rstrip(".")


def _number_text(match: re.Match[str]) -> str:
    """The number of a heading, with the number of an inserted unit ("第五条之一" -> "五之一")."""
    number = match["num"].rstrip(".").strip()
    if "sub" in match.re.groupindex and match["sub"]:
        inserted = line_patterns().inserted
        number = f"{number}{inserted[0]}{match['sub']}" if inserted else number
    return number


def _continues_sentence(rest: str, tail: str, number: str = "") -> bool:
    """True for cross-references at a line start ("Article 5 of the Act"), not headings."""
    delimited = bool(tail.strip()) or number.rstrip().endswith((".", "°", "º"))
    return bool(rest) and not delimited and rest[:1].islower()


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch
                   for ch in text)


def _canonical(number: str) -> str:
    """The number as compared and shown: ASCII digits, ordinal words and numeral characters as
    their value, no spaces, dots or ordinal marks ("5.º" -> "5", "第一百零三" -> "103")."""
    patterns = line_patterns()
    key = fold_key(number.strip().rstrip("."), patterns.fold)
    if key in patterns.ordinals:
        return str(patterns.ordinals[key])
    if key in patterns.item_values:
        return str(patterns.item_values[key])
    parts = [key]
    for word in patterns.inserted:  # "五条之一": article 5, first inserted after it
        if word in key:
            parts = key.split(word, 1)
    values = [numeral_value(part, patterns.numerals) for part in parts]
    if all(v is not None for v in values):
        return "-".join(str(v) for v in values)
    number = _ascii_digits("-".join(parts))
    number = re.sub(r"[\s°ºª()]|\.(?!\d)|(?<!\d)\.", "", number)
    # "Art. 1o": an ordinal mark printed as a letter o (text layers of Brazilian laws).
    number = re.sub(r"(?<=\d)o$", "", number)
    return number.replace("–", "-").lower()


def article_number(label: str) -> str | None:
    """The canonical number of the article a citation starts with ("المادة (17) 1-" -> "17",
    "Статья 5.1 2." -> "5.1", "第十二条 （一）" -> "12", "Artigo 5.º 1 -" -> "5"), or None when
    the citation does not start with an article keyword. Lets other modules compare provisions
    across numbering styles with the same tables segmentation uses."""
    match = line_patterns().article.match(" ".join(label.split()))
    return _canonical(_number_text(match)) if match else None


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
    return not following or _marker(following) is not None


def _after_break(lines: list[tuple[int, str]], index: int) -> bool:
    """A line that cannot continue the previous one: after a blank or a short heading-like line."""
    if _is_paragraph_start(lines, index):
        return True
    previous = lines[index - 1][1].strip()
    return previous.endswith(_STOPS) or (
        len(previous) < 60 and not previous.endswith((",", "-", "，", "،")))


def _short_heading(lines: list[tuple[int, str]], index: int) -> tuple[str, int] | None:
    """A heading on the next non-blank line (e.g. 'CHAPTER I' then 'General provisions')."""
    for following, (offset, text) in enumerate(lines[index + 1 : index + 3], index + 1):
        stripped = text.strip()
        if not stripped:
            continue
        if len(stripped) > 100 or stripped.endswith(_CLAUSE_STOPS) or _marker(stripped):
            return None
        patterns = line_patterns()
        if (patterns.article.match(stripped) or patterns.structural.match(stripped)
                or _opens_annex(lines, following) or patterns.disposition.match(stripped)):
            return None
        return stripped, offset + len(text)
    return None


def _opens_annex(lines: list[tuple[int, str]], index: int) -> re.Match[str] | None:
    """The line opens an annex or a schedule: its keyword at the line start, then nothing, a
    number or ordinal, a delimiter, or a connector and the law's name ("Annex to Act No. 119/2002
    Coll."). A line going on in lower case ("Annex I of the Convention applies") is running text;
    so is a connector followed by lower case in a line that runs on ("Schedule to this Act applies
    to dealers"), while a short line standing alone keeps it ("Schedule to the Firearms Act")."""
    stripped = lines[index][1].strip()
    patterns = line_patterns()
    match = patterns.annex.match(stripped)
    if not match or stripped[:1].islower() or not _after_break(lines, index):
        return None
    rest = match["rest"]
    if not rest or match["tail"].strip():
        return match
    first = rest.split()[0]
    if fold_key(first, patterns.fold) in patterns.annex_connectors:
        after = rest[len(first):].strip()
        alone = index + 1 >= len(lines) or not lines[index + 1][1].strip()
        named = after[:1].isupper() or after[:1].isdigit()
        return match if len(stripped) <= 120 and after and (named or alone) else None
    return match if match["num"] and not rest[:1].islower() else None


def _opens_disposition(lines: list[tuple[int, str]], index: int, *, grouped: bool
                       ) -> re.Match[str] | None:
    """A disposition numbered by an ordinal word: with its own keyword ("Disposición final
    tercera.") anywhere, or bare ("PRIMERA. Title") only after a dispositions heading, where a
    capitalised ordinal and a delimiter cannot start a sentence."""
    stripped = lines[index][1].strip()
    if stripped[:1].islower() or not _after_break(lines, index):
        return None
    patterns = line_patterns()
    match = patterns.disposition.match(stripped)
    if match is None and grouped:
        match = patterns.disposition_bare.match(stripped)
    if match and not _continues_sentence(match["rest"], match["tail"], match["num"]):
        return match
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
        self.dispositions = False  # after a dispositions heading: "PRIMERA." opens one

    def _close_to(self, level: float, at: int) -> None:
        while self.stack and self.done[self.stack[-1]].level >= level:
            self.done[self.stack.pop()].end = at

    def _push(self, item: _Open) -> None:
        item.parent = self.stack[-1] if self.stack else None
        parent = self.done[item.parent] if item.parent is not None else None
        # A quoted article inside an amending provision is cited by its own label.
        if item.level > ARTICLE_LEVEL and parent is not None and item.kind != "article":
            joiner = "" if item.label.startswith(("(", "（")) else " "
            if item.style == "al":
                joiner = ", "
            item.citation = f"{parent.citation}{joiner}{item.label}"
        self.done.append(item)
        self.stack.append(len(self.done) - 1)

    def _article_open(self) -> bool:
        return any(self.done[i].level >= ARTICLE_LEVEL for i in self.stack)

    def in_annex(self) -> bool:
        return any(self.done[i].annex for i in self.stack)

    def in_inserted_text(self) -> bool:
        """Inside an annex or a quoted article, where numbered lines are paragraphs: their
        numbers restart or belong to another law."""
        return self.in_annex() or any(
            self.done[i].kind == "article" and self.done[i].level > ARTICLE_LEVEL
            for i in self.stack)

    def structural(self, kind: str, level: float, label: str, number: str, heading: str | None,
                   start: int, body: int) -> None:
        """Open a part, title, chapter... Inside an annex the unit is a division of the annex
        ("PART ONE TYPES OF FIREARMS" in a schedule of definitions): it nests below the annex, in
        the same order as in the body, and leaves the annex open."""
        if self.in_annex():
            level = ARTICLE_LEVEL + (level + 1) / 10
        else:
            self.dispositions = False
        self._close_to(level, start)
        kind_name: ProvisionKind = kind  # type: ignore[assignment]
        self._push(_Open(kind_name, label, number, heading, start, body, level, None, None, label))

    def article(self, label: str, number: str, heading: str | None, start: int, body: int, *,
                level: float = ARTICLE_LEVEL, annex: bool = False) -> None:
        """Open an article-level unit; `level` is half a level deeper for an article quoted by an
        amending provision, which nests inside it. An annex closes every open unit: it belongs to
        the whole law, not to its last part or chapter."""
        self._close_to(-1 if annex else level, start)
        self.alinea_count = 0
        if annex:
            self.dispositions = False
        self._push(_Open("article", label, number, heading, start, body, level, None,
                         None, label, annex=annex))

    def disposition_group(self, start: int) -> None:
        """A heading of final or transitional dispositions: they stand after the body's titles and
        chapters, so these are closed, unless the heading names a unit just opened ("CAPÍTULO
        VII" then "DISPOSICIONES FINALES"), whose dispositions they are."""
        if not (self.done and self.done[-1].level < ARTICLE_LEVEL):
            self._close_to(-1, start)
        self.dispositions = True

    def paragraph(self, style: str, label: str, number: str, start: int, body: int) -> None:
        if not self._article_open():
            return
        paragraph_stack = [i for i in self.stack if self.done[i].level > ARTICLE_LEVEL]
        same = next((i for i in paragraph_stack if self.done[i].style == style), None)
        if style == "sign":  # "§ 1º" is always a paragraph of the article, whatever came before
            self._close_to(ARTICLE_LEVEL + 1, start)
            level: float = ARTICLE_LEVEL + 1
        elif same is not None:
            self._close_to(self.done[same].level, start)
            level = self.done[same].level
        else:
            level = self.done[self.stack[-1]].level + 1
        kind: ProvisionKind = "paragraph" if int(level) == ARTICLE_LEVEL + 1 else "item"
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
                depth=int(item.level), citation=item.citation, start=item.start,
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


def _prescan(lines: list[tuple[int, str]]) -> tuple[bool, bool, bool]:
    """Decide whether 'Section N' is an article-level unit, whether bare numbers are sections, and
    whether '§ N' is a paragraph (it is where other keywords number the articles: 'Art. 5º' then
    '§ 1º', as in Brazilian law; alone, as in US or Czech law, '§ N' is the article)."""
    patterns = line_patterns()
    keyworded = sections = signs = 0
    for _, line in lines:
        match = patterns.article.match(line.strip())
        if match and not _continues_sentence(match["rest"], match["tail"], match["num"]):
            keyword = fold_key(match["kw"], patterns.fold)
            if keyword in patterns.dual_keywords:
                sections += 1
            elif keyword in patterns.paragraph_keywords:
                signs += 1
            else:
                keyworded += 1
    section_is_article = keyworded < 3
    bare_numbers = keyworded < 3 and sections < 3
    sign_is_paragraph = keyworded >= 3 and signs > 0
    if not sign_is_paragraph:
        keyworded += signs
        section_is_article = keyworded < 3
        bare_numbers = keyworded < 3 and sections < 3
    return section_is_article, bare_numbers, sign_is_paragraph


def _read_markers(builder: _Builder, text: str, start: int) -> None:
    """Open one provision per marker at the start of `text` ("(a)(1)" opens two)."""
    position = 0
    while True:
        match = _marker(text[position:])
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
    patterns = line_patterns()
    lines = _lines(document.text)
    section_is_article, bare_numbers, sign_is_paragraph = _prescan(lines)
    builder = _Builder(document, section_is_article=section_is_article, bare_numbers=bare_numbers)
    for index, (offset, raw) in enumerate(lines):
        stripped = raw.strip()
        if not stripped:
            continue
        start = offset + (len(raw) - len(raw.lstrip()))
        if _special_line(builder, lines, index, start, section_is_article):
            continue
        normal = _normalise_heading_line(stripped)
        match = patterns.structural.match(normal)
        if match and not _continues_sentence(match["rest"], match["tail"], match["num"]):
            keyword = fold_key(match["kw"], patterns.fold)
            kind = patterns.keyword_kind[keyword]
            if section_is_article and keyword in patterns.dual_keywords:
                match = None
            else:
                heading = match["rest"].strip(" .:-–—") or None
                body = offset + len(raw)
                if heading is None:
                    found = _short_heading(lines, index)
                    if found:
                        heading, body = found
                level = STRUCT_LEVELS[kind] + (0.5 if keyword in patterns.subordinate else 0)
                number = _canonical(_number_text(match))
                builder.structural(kind, level, _label(match), number, heading, start, body)
                if heading and patterns.disposition_group.match(heading):
                    builder.dispositions = True  # "TÍTULO V — DISPOSICIONES FINALES"
                continue
        article = patterns.article.match(stripped)
        if (article and fold_key(article["kw"], patterns.fold) in patterns.dual_keywords
                and not section_is_article):
            article = None
        sign = article is not None and fold_key(article["kw"], patterns.fold) in (
            patterns.paragraph_keywords)
        if article and sign and sign_is_paragraph:
            label_end = _label_end(article)
            builder.paragraph("sign", _label(article), _canonical(_number_text(article)), start,
                              start + label_end)
            continue
        single = patterns.paragraph_labels.match(stripped)
        if single:
            builder.paragraph("sign", single["label"], "1", start, start + single.end())
            continue
        if article and (article["kw"][:1].islower() or (
                article["rest"] and not _after_break(lines, index))):
            article = None
        if article and not _continues_sentence(article["rest"], article["tail"], article["num"]):
            _article_line(builder, lines, index, start, article)
            continue
        bare = patterns.bare.match(stripped)
        if (bare and not builder.in_inserted_text() and _after_break(lines, index)
                and builder.bare_allowed(bare["num"])):
            _article_line(builder, lines, index, start, bare)
            continue
        if _marker(stripped):
            _read_markers(builder, stripped, start)
        elif _is_paragraph_start(lines, index):
            builder.alinea(start)
    return builder.finish(len(document.text))


def _special_line(builder: _Builder, lines: list[tuple[int, str]], index: int, start: int,
                  section_is_article: bool) -> bool:
    """Read a line that opens an annex, a disposition or a quoted article, or that heads a group
    of dispositions; False for any other line.

    An article quoted by an amending provision (`"Artículo 279. Fabricación ...`, the new text of
    another law's article) is an article of its own, cited by its label, nested inside the
    provision that quotes it half a level down: the finding cites the article, the amending
    provision keeps its place in the sequence. Its number belongs to the amended law, so it takes
    no part in this law's numbering."""
    patterns = line_patterns()
    stripped = lines[index][1].strip()
    annex = _opens_annex(lines, index)
    if annex:
        _annex_line(builder, lines, index, start, annex)
        return True
    if patterns.disposition_group.match(stripped) and not stripped[:1].islower():
        builder.disposition_group(start)
        return True
    disposition = _opens_disposition(lines, index, grouped=builder.dispositions)
    if disposition:
        if not builder.dispositions:
            builder.disposition_group(start)  # "Disposición adicional primera." after the body
        _article_line(builder, lines, index, start, disposition)
        return True
    inner = stripped.lstrip(_QUOTES).lstrip()
    if inner == stripped:
        return False
    quoted = patterns.article.match(inner)
    if (not quoted or quoted["kw"][:1].islower() or not _after_break(lines, index)
            or _continues_sentence(quoted["rest"], quoted["tail"], quoted["num"])
            or (fold_key(quoted["kw"], patterns.fold) in patterns.dual_keywords
                and not section_is_article)):
        return False
    _article_line(builder, lines, index, start + len(stripped) - len(inner), quoted,
                  level=ARTICLE_LEVEL + 0.5)
    return True


def _annex_line(builder: _Builder, lines: list[tuple[int, str]], index: int, start: int,
                match: re.Match[str]) -> None:
    """Open an annex: labelled by its keyword and number ("Annex I", "First Schedule", "Annex"
    for "Annex to Act ..."), headed by the rest of its line or by a title on the next line."""
    offset, raw = lines[index]
    number = match["num"] or match["pre"]
    rest = match["rest"].strip()
    connector = bool(rest) and not match["tail"].strip() and fold_key(
        rest.split()[0], line_patterns().fold) in line_patterns().annex_connectors
    heading: str | None = None
    body = offset + len(raw)
    if rest and not connector:
        if len(rest) <= 90 and not rest.endswith(_CLAUSE_STOPS):
            heading = rest
        else:
            body = start + match.start("rest")
    else:
        found = _short_heading(lines, index)
        if found:
            heading, body = found
    builder.article(_label(match), _canonical(number) if number else "", heading, start, body,
                    annex=True)


def _preceding_note(lines: list[tuple[int, str]], index: int) -> tuple[str, int] | None:
    """A side heading printed just above an article's number ("Marking of imported firearms")."""
    previous = index - 1
    if previous >= 0 and not lines[previous][1].strip():
        previous -= 1  # a heading set on its own paragraph just above the number
    if previous < 0:
        return None
    offset, text = lines[previous]
    stripped = text.strip()
    if (not stripped or len(stripped) > 60 or stripped.endswith((*_CLAUSE_STOPS, "-"))
            or not stripped[:1].isupper() or _marker(stripped)
            or not _is_paragraph_start(lines, previous)
            or line_patterns().structural.match(_normalise_heading_line(stripped))
            or _opens_annex(lines, previous) or line_patterns().disposition_group.match(stripped)):
        return None
    return stripped, offset + (len(text) - len(text.lstrip()))


def _article_line(builder: _Builder, lines: list[tuple[int, str]], index: int, start: int,
                  match: re.Match[str], *, level: float = ARTICLE_LEVEL) -> None:
    offset, raw = lines[index]
    number = _number_text(match)
    label = _label(match)
    rest = match["rest"].strip()
    rest_start = start + match.start("rest")
    heading: str | None = None
    body = rest_start
    if not rest:
        body = offset + len(raw)
        found = _short_heading(lines, index)
        if found:
            heading, body = found
    elif len(rest) <= 90 and not rest.rstrip(_QUOTES + " ").endswith(_CLAUSE_STOPS) and not _marker(
            rest) and _line_ends_block(lines, index):
        heading, body = rest, offset + len(raw)
    if heading is None:
        note = _preceding_note(lines, index)
        if note is not None:
            heading, start = note
    builder.article(label, _canonical(number), heading, start, body, level=level)
    if rest and _marker(rest):
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
