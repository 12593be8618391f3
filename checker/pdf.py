"""Read a PDF into clean page text in reading order, without ever raising for bad input.

Gazettes and statutes arrive as PDFs of every quality: two- and three-column pages, running
heads, hyphenated line breaks, scans, encrypted files and plainly broken ones. `extract_pdf` turns
bytes into per-page text plus a status and coded diagnostics, so that the rest of the pipeline can
decide what to do (read it, ask for a password, suggest OCR) instead of crashing.

pypdfium2 is the primary engine because it is about a hundred times faster than pdfminer;
pdfplumber is the fallback for files or pages pdfium refuses. Both engines only supply positioned
text boxes; the layout step below (running heads, columns, hyphenation, paragraphs) is shared, so
the two engines give the same kind of text.

Pages without a text layer (scans) or with a garbage one (a broken font encoding, a bad hidden
OCR layer; see `checker.ocr.is_garbage`) are rendered with pypdfium2 at 300 dpi and read by
Tesseract when the caller asks for OCR (`read_by_ocr`); Tesseract's lines go through the same
layout step, and each page records how it was read and the OCR's mean word confidence.

Right-to-left lines come out in logical order: pdfium already reorders most Arabic text, but
lines stored visually in presentation forms are turned (`logical_line`), presentation forms are
folded with NFKC, and lam-alef ligatures and mirrored brackets that pdfium leaves reversed are
put back.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import itertools
import math
import re
import statistics
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pydantic import BaseModel, ConfigDict

from checker.errors import Code, Diagnostic, error, warning
from checker.lang import detect_language
from checker.models import IngestStatus, page_ranges
from checker.ocr import (
    INSTALL_HINT,
    LOW_CONFIDENCE,
    OCR_DPI,
    SCRIPT_LANGUAGES,
    TESSERACT_LANGUAGES,
    OcrOptions,
    OcrResult,
    OcrUnavailable,
    detect_script,
    needs_ocr,
    plausible_share,
    recognise,
    tesseract_language,
)
from checker.ocr import available as ocr_available

Engine = Literal["pypdfium2", "pdfplumber"]
ENGINES: tuple[Engine, ...] = ("pypdfium2", "pdfplumber")
#: How a page's text was obtained: one of the engines' text layer, or OCR of its rendering.
PageMethod = Literal["pypdfium2", "pdfplumber", "ocr"]
#: `on_ocr(done, total)`: called with (0, total) before the first page is read by OCR, then
#: after each page. The sandbox forwards it to the parent, which extends the child's time limit.
OcrProgress = Callable[[int, int], None]

# pdfium is not thread-safe, even across separate documents; the app runs sessions in threads.
_PDFIUM_LOCK = threading.RLock()

# pdfium marks a hyphen it joined at a line end with U+FFFE (older builds: U+0002).
_SOFT_HYPHENS = "\ufffe\x02\xad"
_TOKEN = re.compile(r"[^\s\ufffe\x02\xad]*[\ufffe\x02\xad]|[^\s\ufffe\x02\xad]+")
_BAND = 0.12  # share of the page height, top and bottom, where running heads and folios live
_EDGE_ROWS = 3  # only this many rows nearest each edge can be running heads
_RUNNING_SHARE = 0.3  # a running head repeats on at least this share of the pages (and on two)
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—‒―_·•|*]*"
    r"(?:(?:page|pag\.|pág\.|página|pagina|seite|strana|str\.|стр\.|страница|p\.|s\.)\s*)?"
    r"\d{1,5}(?:\s*(?:/|of|de|sur|von|z|из)\s*\d{1,5})?"
    r"[\s\-–—‒―_·•|*]*$",
    re.IGNORECASE,
)
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# Control characters (but the newline), bidi and zero-width marks, BOMs, surrogates, noncharacters.
# ZWJ and ZWNJ (U+200C, U+200D) stay: Arabic, Persian and Indic words need them.
_INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ufff9-\uffff\ud800-\udfff]"
)
_MAX_DIAGNOSTICS_PER_CODE = 50
_NO_TEXT_LAYER = "No text layer on any page: this looks like a scan; OCR is needed"
_NO_TEXT_LAYER_NO_OCR = "No text layer on any page: this looks like a scan; OCR is needed: "
_NO_TEXT_LAYER_OCR_EMPTY = (
    "No text layer on any page, and OCR read no words on them: a scan without legible text"
)
_IMAGE_PAGE = "The page is an image without text (it needs OCR)"
_SCAN_SLACK = 4.5  # points a scan's skew moves a shared indent from row to row
_MAX_BOXES = 20_000  # beyond this a page is laid out naively: row grouping would be quadratic


class Box(NamedTuple):
    """Text with its position, in points from the page's top-left corner (y grows downwards)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str


class _RawPage(NamedTuple):
    """What an engine gives for a page, before layout: its size and positioned text runs."""

    width: float
    height: float
    boxes: list[Box]
    has_images: bool
    method: PageMethod
    ocr_confidence: float | None = None
    ocr_language: str | None = None


class PdfPage(BaseModel):
    """One page's clean text, with what was dropped from it, so a reviewer can check the cut.

    `method` "ocr" means the text is Tesseract's reading of the rendered page (its text layer was
    missing or garbage); `ocr_confidence` is then the mean word confidence in [0, 1].
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    text: str
    method: PageMethod
    columns: int
    has_images: bool
    removed_lines: tuple[str, ...]
    ocr_confidence: float | None = None
    ocr_language: str | None = None


class PdfExtraction(BaseModel):
    """The outcome for a whole file: a status to act on, the pages read, and why any were not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: IngestStatus
    page_count: int
    pages: tuple[PdfPage, ...]
    engine: Literal["pypdfium2", "pdfplumber", "none"]
    encrypted: bool
    diagnostics: tuple[Diagnostic, ...]


# --- text clean-up ------------------------------------------------------------------------------


def _hyphen_repl(match: re.Match[str]) -> str:
    mark, nxt = match.group(2), match.group(4)
    if mark == "\xad" or nxt.islower():
        return match.group(1)  # a word broken at the line end: join it
    return match.group(1) + "-"  # a real compound (KOLPING-NICARAGUA, Decreto-Ley, 2-3)


_HYPHEN_BREAK = re.compile(r"([^\W\d_])([\ufffe\x02\xad]|-(?=\n))(\n?)(?=(\w))")


def dehyphenate(text: str) -> str:
    """Join words split by a hyphen at a line end, keeping compounds whose next part is capitalised.

    pdfium already glued such words and left U+FFFE in them; other engines keep "fa-\\nbrique".
    A following lowercase letter means the hyphen was typographic; an uppercase letter or a digit
    means it is part of the name. Stray marks elsewhere become plain hyphens (U+00AD vanishes).
    """
    text = _HYPHEN_BREAK.sub(_hyphen_repl, text)
    text = text.replace("\xad", "")
    return text.replace("\ufffe", "-").replace("\x02", "-")


def clean_text(text: str) -> str:
    """Normalise line ends, drop control and format characters, tidy spaces; letters stay intact."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").translate(_LIGATURES)
    text = _INVISIBLE.sub("", text)
    lines = [
        re.sub(r"[ \u00a0\u2000-\u200a\u3000]+", " ", line).strip() for line in text.split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --- right-to-left lines ------------------------------------------------------------------------

_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_OPENING, _CLOSING = "([{<«‹", ")]}>»›"
_NUMBER_JOINERS = ".,:/\u066b\u066c"  # inside a number: 1.5, 2024/12, 12:30, ١٬٠٠٠


def _bidi_class(ch: str) -> str:
    """"R" (right-to-left letter), "L" (left-to-right letter), "N" (digit) or "O" (neutral)."""
    if _RTL_LETTER.match(ch) and unicodedata.category(ch) not in ("Mn", "Nd"):
        return "R"
    if ch.isdigit():
        return "N"
    if ch.isalpha():
        return "L"
    return "O"


def _ltr_spans(classes: str, text: str) -> list[tuple[int, int]]:
    """Spans that keep left-to-right order inside a right-to-left line: left-to-right words
    with what lies between them (from the first such letter to the last before the next
    right-to-left letter), and numbers (digits and the separators between them)."""
    spans: list[tuple[int, int]] = []
    for segment in re.finditer(r"[^R]+", classes):
        a, b = segment.span()
        words = [m.span() for m in re.finditer(r"L", segment.group())]
        first, last = (a + words[0][0], a + words[-1][1]) if words else (b, b)
        i = a
        while i < b:
            if i == first:
                spans.append((first, last))
                i = last
            elif classes[i] == "N":
                j = i + 1
                while j < b and (classes[j] == "N" or (
                        text[j] in _NUMBER_JOINERS and j + 1 < b and classes[j + 1] == "N")):
                    j += 1
                j = min(j, first) if i < first else j
                spans.append((i, j))
                i = j
            else:
                i += 1
    return spans


def visual_to_logical(line: str) -> str:
    """A right-to-left line stored in visual order (left to right as drawn) in logical order.

    The display of a right-to-left line reverses it, keeps numbers and left-to-right words in
    their own order and mirrors brackets (the Unicode bidi algorithm, rules L2 and L4, for a
    right-to-left paragraph); this undoes it. Lines without right-to-left letters are returned
    unchanged. Lines mostly in a left-to-right script get only their right-to-left runs turned.
    A number next to a left-to-right word is ambiguous in visual order (it may belong to the
    word or stand alone): it is taken to stand alone.
    """
    classes = "".join(_bidi_class(ch) for ch in line)
    if "R" not in classes:
        return line
    if classes.count("L") > classes.count("R"):
        out, start = [], 0
        for run in re.finditer(r"R[RON]*R|R", classes):
            a, b = run.span()
            out += [line[start:a], _turn(line[a:b], classes[a:b])]
            start = b
        return "".join([*out, line[start:]])
    return _turn(line, classes)


def _turn(line: str, classes: str) -> str:
    """Reverse a right-to-left stretch, keeping its left-to-right spans and mirroring the rest."""
    reversed_line, reversed_classes = line[::-1], classes[::-1]
    pieces, last = [], 0
    for a, b in _ltr_spans(reversed_classes, reversed_line):
        pieces += [reversed_line[last:a].translate(_MIRROR), reversed_line[a:b][::-1]]
        last = b
    pieces.append(reversed_line[last:].translate(_MIRROR))
    return "".join(pieces)


def _arabic_order(words: Sequence[str]) -> int:
    """+1 per word whose presentation forms read as logical order, -1 per visual one.

    A logical Arabic word starts with an initial or isolated form and ends with a final or
    isolated one; stored visually (reversed) it starts with a final form.
    """
    score = 0
    for word in words:
        forms = [unicodedata.name(ch, "") for ch in word if _PRESENTATION.match(ch)]
        if len(forms) < 2:
            continue
        first, last = forms[0], forms[-1]
        if "INITIAL" in first or "FINAL" in last:
            score += 1
        elif "FINAL" in first or "INITIAL" in last:
            score -= 1
    return score


def _balanced(line: str) -> bool:
    depth = 0
    for ch in line:
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def logical_line(line: str) -> str:
    """One line of a right-to-left script in logical order, with presentation forms folded.

    Glyph order in PDFs of Arabic text is often visual, and the text then holds presentation
    forms (U+FB50-U+FDFF, U+FE70-U+FEFF) whose shapes tell the order: such lines are turned
    (`visual_to_logical`). Forms are then folded to letters with NFKC. A line already in
    logical order whose brackets were taken from mirrored glyphs (")17(") gets them swapped.
    """
    if not _RTL_LETTER.search(line):
        return line
    if _PRESENTATION.search(line):
        if _arabic_order(line.split()) < 0:
            line = visual_to_logical(line)
        line = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), line)
    if not _balanced(line) and _balanced(line.translate(_MIRROR)):
        line = line.translate(_MIRROR)
    return line


# --- geometry helpers ---------------------------------------------------------------------------


def _union_intervals(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _length(intervals: Sequence[tuple[float, float]]) -> float:
    return sum(b - a for a, b in intervals)


def _overlap_length(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0.0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _height(box: Box) -> float:
    return box.bottom - box.top


def _is_vertical(box: Box) -> bool:
    return len(box.text) >= 3 and _height(box) > 2 * (box.x1 - box.x0)


def _typical_height(boxes: Sequence[Box]) -> float:
    heights = [_height(b) for b in boxes if _height(b) > 0.5 and not _is_vertical(b)]
    return statistics.median(heights) if heights else 10.0


def _merge(boxes: Sequence[Box]) -> Box:
    """One box for a line's pieces (sorted left to right); a space wherever they do not touch."""
    line_height = max(_height(b) for b in boxes)
    parts = [boxes[0].text]
    for prev, box in itertools.pairwise(boxes):
        small, large = sorted((_height(prev), _height(box)))
        touching = prev.text.endswith(tuple(_SOFT_HYPHENS)) or (
            box.x0 - prev.x1 < 0.12 * line_height and small > 0.75 * large  # not a superscript
        )
        parts.append(box.text if touching else " " + box.text)
    return _union(boxes, "".join(parts))


def _union(boxes: Sequence[Box], text: str) -> Box:
    x0, top = min(b.x0 for b in boxes), min(b.top for b in boxes)
    return Box(x0, top, max(b.x1 for b in boxes), max(b.bottom for b in boxes), text)


def group_rows(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes that share a text line, top to bottom, each row sorted left to right.

    A box joins a recent row when its vertical centre is close to that of the row's tallest member
    and it overlaps no member horizontally. Comparing with the tallest (not the last) keeps
    superscripts in their line and stops rows chaining across the columns of a page.
    """
    rows: list[list[Box]] = []
    refs: list[Box] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        centre = (box.top + box.bottom) / 2
        for k in range(len(rows) - 1, max(-1, len(rows) - 8), -1):
            ref = refs[k]
            if abs(centre - (ref.top + ref.bottom) / 2) <= 0.45 * max(
                _height(ref), _height(box)
            ) and not any(b.x0 < box.x1 - 0.5 and box.x0 < b.x1 - 0.5 for b in rows[k]):
                rows[k].append(box)
                if _height(box) > _height(ref):
                    refs[k] = box
                break
        else:
            rows.append([box])
            refs.append(box)
    return [sorted(row, key=lambda b: b.x0) for row in rows]


def fragments(boxes: Sequence[Box], line_height: float) -> list[Box]:
    """Merge words (or text runs) of a row into fragments, splitting only at wide gaps.

    A gap wider than most of a line height is a column gutter or a tab stop, never a word space, so
    fragments never straddle a gutter while titles that span it stay whole.
    """
    gap = 0.8 * line_height
    out: list[Box] = []
    for row in group_rows(boxes):
        run, reach = [row[0]], row[0].x1
        for box in row[1:]:
            if box.x0 - reach < gap:
                run.append(box)
                reach = max(reach, box.x1)
            else:
                out.append(_merge(run))
                run, reach = [box], box.x1
        out.append(_merge(run))
    return out


# --- running heads and folios -------------------------------------------------------------------


def is_page_number(text: str) -> bool:
    """A bare folio: "3", "- 3 -", "— 3 —", "Page 3 of 7", "3/7", "Seite 3"."""
    return bool(_PAGE_NUMBER.match(text.strip())) and any(ch.isdigit() for ch in text)


def _running_key(text: str) -> str:
    """Text with digits and spacing normalised, so "L 119/2" and "L 119/3" compare equal."""
    key = re.sub(r"\d+", "#", re.sub(r"\s+", "", text.lower()))
    return key if sum(ch.isalpha() for ch in key) >= 3 and len(key) <= 300 else ""


def _edge_rows(height: float, rows: Sequence[Sequence[Box]]) -> list[tuple[int, str]]:
    """Rows that may be running heads or feet, each with the edge it belongs to.

    Such a row lies in the band at the top or bottom of the page and is set off from the body: the
    outermost row always qualifies, and the next few only if a wide gap still separates them from
    the body. So the first line of a page's body, however often it starts with "Article", is safe.
    """
    if not rows:
        return []
    tops = [min(b.top for b in row) for row in rows]
    bottoms = [max(b.bottom for b in row) for row in rows]
    steps = [b - a for a, b in itertools.pairwise(tops) if b > a]
    wide = 1.6 * statistics.median(steps) if steps else 0.0
    last = len(rows) - 1
    top = max((k for k in range(min(_EDGE_ROWS, last)) if tops[k + 1] - tops[k] > wide), default=0)
    bottom = min(
        (k for k in range(last, max(0, last - _EDGE_ROWS), -1) if tops[k] - tops[k - 1] > wide),
        default=last,
    )
    out = [(i, "top") for i in range(top + 1) if tops[i] < _BAND * height]
    out += [
        (i, "bottom")
        for i in range(bottom, last + 1)
        if bottoms[i] > (1 - _BAND) * height and (i, "top") not in out
    ]
    return out


def find_running(pages: Sequence[tuple[float, Sequence[Sequence[Box]]]]) -> list[list[Box]]:
    """What to drop on each page: folios, and heads or feet repeated across pages.

    `pages` holds (page height, rows top to bottom, each row its fragments left to right). A
    candidate is an edge row, or one fragment of it ("105 z 109 ... 17.08.2017, 20:11"). A whole
    row that is a bare page number goes at once. Anything else goes only if it recurs at the same
    height on a good share of the pages, and at least two: the same text, the same text up to its
    digits (when it has a few letters, so that "§ 5" opening many pages is safe), or a page number.
    """
    used = sum(1 for _, rows in pages if rows)
    need = max(2, math.ceil(_RUNNING_SHARE * used))
    removed: list[list[Box]] = [[] for _ in pages]
    seen: dict[tuple[str, str], list[tuple[int, Box, float]]] = defaultdict(list)
    for p, (height, rows) in enumerate(pages):
        for i, side in _edge_rows(height, rows):
            whole = _merge(rows[i])
            if is_page_number(whole.text):
                removed[p].append(whole)
                continue
            for unit in [whole, *rows[i]] if len(rows[i]) > 1 else [whole]:
                offset = unit.top if side == "top" else height - unit.bottom
                exact = " ".join(unit.text.lower().split())
                keys = [("page", side)] if is_page_number(unit.text) else []
                if sum(ch.isalnum() for ch in exact) >= 3:
                    keys.append(("=" + exact, side))
                if key := _running_key(unit.text):
                    keys.append(("#" + key, side))
                for key_side in keys:
                    seen[key_side].append((p, unit, offset))
    for hits in seen.values():
        if len({p for p, _, _ in hits}) < need:
            continue
        middle = statistics.median(offset for _, _, offset in hits)
        near = [(p, unit) for p, unit, offset in hits if abs(offset - middle) <= 4.0]
        if len({p for p, _ in near}) >= need:
            for p, unit in near:
                if unit not in removed[p]:
                    removed[p].append(unit)
    return [
        [u for u in units if not any(o != u and _inside(u, o) for o in units)] for units in removed
    ]


# --- columns and reading order ------------------------------------------------------------------


def _valid_gutter(frags: Sequence[Box], x: float, span: float, left: float, right: float) -> bool:
    """Text on both sides over a good part of the page, little text crossing, both sides prose."""
    if min(x - left, right - x) < 0.2 * (right - left):
        return False
    lhs = [f for f in frags if f.x1 <= x + 1.0]
    rhs = [f for f in frags if f.x0 >= x - 1.0]
    cross = [f for f in frags if f.x1 > x + 1.0 and f.x0 < x - 1.0]
    if len(lhs) < 3 or len(rhs) < 3:
        return False
    a = _union_intervals([(f.top, f.bottom) for f in lhs])
    b = _union_intervals([(f.top, f.bottom) for f in rhs])
    if _overlap_length(a, b) < 0.3 * span:
        return False
    if _length(_union_intervals([(f.top, f.bottom) for f in cross])) > 0.45 * span:
        return False
    # A label or number column (a table, hanging indents) is not a text column.
    return all(statistics.median(len(f.text) for f in side) >= 16 for side in (lhs, rhs))


def find_gutters(frags: Sequence[Box], line_height: float, max_columns: int = 3) -> list[float]:
    """x positions of column gutters: vertical strips that text rarely crosses, between prose."""
    horiz = [f for f in frags if f.x1 > f.x0 and f.bottom > f.top and not _is_vertical(f)]
    if len(horiz) < 6:
        return []
    left, right = min(f.x0 for f in horiz), max(f.x1 for f in horiz)
    span = _length(_union_intervals([(f.top, f.bottom) for f in horiz]))
    bins = int(right - left) + 2
    if bins < 72 or span <= 0:
        return []
    diff = [0.0] * (bins + 1)
    for f in horiz:
        diff[max(0, int(f.x0 - left))] += _height(f)
        diff[min(bins, math.ceil(f.x1 - left))] -= _height(f)
    cover, level = [0.0] * bins, 0.0
    for i in range(bins):
        level += diff[i]
        cover[i] = level
    limit, min_gap = 0.45 * span, max(3.0, 0.5 * line_height)
    candidates: list[tuple[float, int, float]] = []
    i = 0
    while i < bins:
        if cover[i] > limit:
            i += 1
            continue
        j = i
        while j < bins and cover[j] <= limit:
            j += 1
        if i > 0 and j < bins - 1 and j - i >= min_gap:
            low = min(cover[i:j])
            core = [k for k in range(i, j) if cover[k] <= low + 1e-6]
            x = left + (core[0] + core[-1] + 1) / 2
            if _valid_gutter(horiz, x, span, left, right):
                candidates.append((low, i - j, x))
        i = j
    chosen: list[float] = []
    for _, _, x in sorted(candidates):
        if len(chosen) < max_columns - 1 and all(
            abs(x - other) >= 0.15 * (right - left) for other in chosen
        ):
            chosen.append(x)
    return sorted(chosen)


def find_margin_notes(frags: Sequence[Box], line_height: float, *, slack: float = 0.0
                      ) -> list[Box]:
    """Marginal notes: side headings set in a strip left of the body, or [] if there are none.

    Commonwealth gazettes print "Marking of imported firearms" beside the section it heads. Read
    row by row, such a note would be spliced into the body's sentences. A note is a short lettered
    piece at the left edge whose row continues, after a gap, with a body line starting at an indent
    shared by the other notes' rows; the note's continuation lines just below it belong to it.
    On a scan (`slack` > 0) that indent is shared within `slack` points: the skew of the page
    moves it a little from row to row.
    """
    horiz = [f for f in frags if f.x1 > f.x0 and not _is_vertical(f)]
    if len(horiz) < 5:
        return []
    left, right = min(f.x0 for f in horiz), max(f.x1 for f in horiz)
    width = right - left
    gap = max(3.0, 0.8 * line_height)

    def note_like(f: Box) -> bool:
        text = f.text.strip()
        return (f.x0 - left < 0.02 * width + 2 and len(text) <= 40
                and sum(ch.isalpha() for ch in text) >= 4 and text[:1] not in "(§[“\""
                and not text[:1].isdigit() and f.x1 - left < 0.3 * width)

    pairs: list[tuple[Box, float]] = []
    rows = group_rows(horiz)
    for row in rows:
        pieces = sorted(row, key=lambda b: b.x0)
        if len(pieces) >= 2 and note_like(pieces[0]) and pieces[1].x0 - pieces[0].x1 >= gap:
            pairs.append((pieces[0], pieces[1].x0 if slack else round(pieces[1].x0 / 3) * 3))
    if len(pairs) < 2:
        return []

    def near(x: float, y: float) -> bool:
        return abs(x - y) <= slack

    body = max((x for _, x in pairs), key=lambda x: sum(near(x, y) for _, y in pairs))
    votes = sum(near(body, x) for _, x in pairs)
    if votes < 2 or body - left > 0.35 * width:
        return []
    notes = [note for note, x in pairs if near(x, body)]
    for row in rows:  # continuation lines of a note: alone in their row, just below a note
        if len(row) == 1 and note_like(row[0]) and row[0].x1 < body - gap and any(
                0 <= row[0].top - n.bottom < 0.8 * line_height for n in notes):
            notes.append(row[0])
    return sorted(notes, key=lambda b: b.top)


def _insert_notes(lines: list[tuple[Box, int]], notes: Sequence[Box], line_height: float
                  ) -> list[tuple[Box, int]]:
    """Put each block of marginal notes, as one line, just before the body line it faces."""
    blocks: list[list[Box]] = []
    for note in sorted(notes, key=lambda b: b.top):
        if blocks and note.top - blocks[-1][-1].bottom < 0.8 * line_height:
            blocks[-1].append(note)
        else:
            blocks.append([note])
    out = list(lines)
    for block in reversed(blocks):
        merged = _union(block, " ".join(b.text.strip() for b in block))
        at = next((i for i, (line, _) in enumerate(out)
                   if line.top >= merged.top - 0.5 * line_height), len(out))
        out.insert(at, (merged, -1))
    return out


def find_band_gutters(frags: Sequence[Box], line_height: float) -> list[float]:
    """Gutters of a two-column band inside an otherwise full-width page.

    `find_gutters` looks at the whole page, so a definitions section set in two columns between
    full-width paragraphs goes unseen. Here rows that hold two prose pieces with a wide gap vote
    for the x of that gap; a gap shared by several rows is a gutter.
    """
    horiz = [f for f in frags if f.x1 > f.x0 and not _is_vertical(f)]
    if len(horiz) < 8:
        return []
    left, right = min(f.x0 for f in horiz), max(f.x1 for f in horiz)
    votes: Counter[int] = Counter()
    for row in group_rows(horiz):
        pieces = sorted(row, key=lambda b: b.x0)
        for a, b in itertools.pairwise(pieces):
            if (b.x0 - a.x1 >= 0.8 * line_height and len(a.text) >= 16 and len(b.text) >= 16
                    and min(a.x1 - left, right - b.x0) >= 0.25 * (right - left)):
                votes.update(range(math.floor(a.x1), math.ceil(b.x0) + 1))
    if not votes:
        return []
    x, count = max(votes.items(), key=lambda kv: (kv[1], -abs(kv[0] - (left + right) / 2)))
    return [float(x)] if count >= 4 else []


def order_lines(frags: Sequence[Box], gutters: Sequence[float], *, rtl: bool = False
                ) -> list[tuple[Box, int]]:
    """Lines in reading order with their column (-1 for a line spanning a gutter).

    Rows that cross a gutter (titles, full-width paragraphs) stay where they are; between two of
    them, each column is read top-down before the next one. On a right-to-left page (`rtl`) the
    columns are read from the right, and the pieces of a line joined from the right.
    """
    out: list[tuple[Box, int]] = []
    band: list[list[Box]] = [[] for _ in range(len(gutters) + 1)]
    merge = _merge_rtl if rtl else _merge

    def flush() -> None:
        columns = list(enumerate(band))
        for col, lines in reversed(columns) if rtl else columns:
            out.extend((line, col) for line in lines)
            lines.clear()

    for row in group_rows(frags):
        if any(f.x0 < g - 1.0 and f.x1 > g + 1.0 for f in row for g in gutters):
            flush()
            out.append((merge(row), -1))
            continue
        per_col: dict[int, list[Box]] = defaultdict(list)
        for f in row:
            per_col[sum((f.x0 + f.x1) / 2 > g for g in gutters)].append(f)
        for col, parts in per_col.items():
            band[col].append(merge(parts))
    flush()
    return out


def _merge_rtl(boxes: Sequence[Box]) -> Box:
    """One box for the pieces of a right-to-left line (sorted left to right): read from the
    right, a space between pieces."""
    return _union(boxes, " ".join(b.text for b in reversed(boxes)))


def _mostly_rtl(boxes: Sequence[Box]) -> bool:
    """Most letters of the page are of a right-to-left script."""
    letters = rtl = 0
    for box in boxes:
        letters += sum(ch.isalpha() for ch in box.text)
        rtl += len(_RTL_LETTER.findall(box.text))
    return letters > 0 and rtl > letters / 2


def _assemble(lines: Sequence[tuple[Box, int]]) -> str:
    """Join lines with newlines; a blank line where the vertical step is clearly a paragraph gap."""
    if not lines:
        return ""
    height = _typical_height([line for line, _ in lines])
    steps = [
        b.top - a.top
        for (a, ca), (b, cb) in itertools.pairwise(lines)
        if ca == cb and 0 < b.top - a.top < 3 * height
    ]
    pitch = statistics.median(steps) if len(steps) >= 3 else 1.3 * height
    right: dict[int, float] = defaultdict(float)
    for line, column in lines:
        right[column] = max(right[column], line.x1)
    parts = [lines[0][0].text]
    for (a, ca), (b, cb) in itertools.pairwise(lines):
        step = b.top - a.top
        if step > 1.4 * pitch and b.top - a.bottom > 0.25 * height:
            parts.append("\n\n")
        elif not (ca == cb and _cjk_continues(a, b, right[ca], height)):
            parts.append("\n")
        parts.append(b.text)
    return "".join(parts)


_CJK_CHAR = re.compile("[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CJK_LINE_START_BANNED = "。，、；：？！）」』】〕》〉"  # never set at the start of a line
_CJK_CLAUSE_END = "。；：？！"


def _cjk_continues(a: Box, b: Box, right: float, height: float) -> bool:
    """Line `b` goes on with the Chinese (Japanese) text of line `a`: no line break belongs
    between them. Such text wraps between any two characters, so a line that runs to the
    column's right edge without ending a clause is continued; and a line that starts with
    closing punctuation continues whatever precedes it."""
    if not (a.text and b.text and _CJK_CHAR.match(a.text[-1]) and _CJK_CHAR.match(b.text[0])):
        return False
    if b.text[0] in _CJK_LINE_START_BANNED:
        return True
    return a.x1 >= right - 1.5 * height and a.text[-1] not in _CJK_CLAUSE_END


def layout_pages(raw_pages: Sequence[_RawPage]) -> list[tuple[str, int, tuple[str, ...]]]:
    """(text, columns, removed lines) per page: running heads, columns, hyphens, paragraphs."""
    prepared: list[tuple[list[list[Box]], list[Box], float]] = []
    for page in raw_pages:
        boxes = _sanitise(page)
        if len(boxes) > _MAX_BOXES:
            prepared.append(([[b] for b in boxes], [], 0.0))
            continue
        height = _typical_height(boxes)
        frags = fragments([b for b in boxes if not _is_vertical(b)], height)
        prepared.append((group_rows(frags), [b for b in boxes if _is_vertical(b)], height))
    drop = find_running(
        [(p.height, rows) for p, (rows, _, _) in zip(raw_pages, prepared, strict=True)]
    )
    kept_rows = [
        [f for row in rows for f in row if not any(_inside(f, r) for r in removed)]
        for (rows, _, _), removed in zip(prepared, drop, strict=True)
    ]
    if not any(kept_rows):  # every line repeats: that is the document, not its running heads
        drop = [[] for _ in drop]
        kept_rows = [[f for row in rows for f in row] for rows, _, _ in prepared]
    # Sideways text in the margin (filing stamps, line numbers) or repeated on many pages is not
    # the text either.
    sideways: dict[str, set[int]] = defaultdict(set)
    for p, (_, verticals, _) in enumerate(prepared):
        for v in verticals:
            sideways[" ".join(v.text.split())].add(p)
    need = max(2, math.ceil(_RUNNING_SHARE * len(raw_pages)))
    results: list[tuple[str, int, tuple[str, ...]]] = []
    for page, (rows, verticals, height), removed, kept in zip(
            raw_pages, prepared, drop, kept_rows, strict=True):
        if not height:  # too many pieces to lay out: keep pdfium's order, one run a line
            text = clean_text(dehyphenate("\n".join(f.text for row in rows for f in row)))
            results.append((text, 1, ()))
            continue
        left = min((f.x0 for f in kept), default=-math.inf)
        right = max((f.x1 for f in kept), default=math.inf)
        margin = [
            v
            for v in verticals
            if v.x1 <= left or v.x0 >= right or len(sideways[" ".join(v.text.split())]) >= need
        ]
        kept += [v for v in verticals if v not in margin]
        slack = _SCAN_SLACK if page.method == "ocr" else 0.0
        notes = find_margin_notes(kept, height, slack=slack)
        body = [f for f in kept if f not in notes]
        gutters = find_gutters(body, height) or find_band_gutters(body, height)
        rtl = _mostly_rtl(body)
        ordered = _insert_notes(order_lines(body, gutters, rtl=rtl), notes, height)
        text = clean_text(dehyphenate(_assemble(ordered)))
        if _RTL_LETTER.search(text):
            text = "\n".join(logical_line(line) for line in text.split("\n"))
        gone = (clean_text(b.text) for b in [*sorted(removed, key=lambda b: b.top), *margin])
        results.append((text, len(gutters) + 1, tuple(t for t in gone if t)))
    return results


def _sanitise(page: _RawPage) -> list[Box]:
    """Boxes clamped to the page, so a broken font's absurd glyph boxes cannot blow up the bins."""
    width = page.width if 0 < page.width < 20_000 else 20_000.0
    height = page.height if 0 < page.height < 20_000 else 20_000.0
    out = []
    for b in page.boxes:
        if not b.text or not (-1e6 < b.x0 < 1e6 and -1e6 < b.x1 < 1e6):  # also drops NaN
            continue
        if not (-1e6 < b.top < 1e6 and -1e6 < b.bottom < 1e6):
            continue
        x0, x1 = min(max(b.x0, 0.0), width), min(max(b.x1, 0.0), width)
        top, bottom = min(max(b.top, 0.0), height), min(max(b.bottom, 0.0), height)
        out.append(Box(x0, top, max(x0, x1), max(top, bottom), b.text))
    return out


def _inside(frag: Box, row: Box) -> bool:
    return (
        frag.top >= row.top - 0.5
        and frag.bottom <= row.bottom + 0.5
        and (frag.x0 >= row.x0 - 0.5 and frag.x1 <= row.x1 + 0.5)
    )


# --- engines ------------------------------------------------------------------------------------


def _pdfium_boxes(
    textpage: Any, bbox: tuple[float, float, float, float], rotation: int
) -> list[Box]:
    """Positioned text runs of one page, from pdfium's text and a few character boxes per word.

    pdfium's own line breaks are kept, but a line is also cut where the next word moves to another
    line (pdfium glues hyphenated lines, and sometimes a column foot to the page footer) or jumps
    across a gutter. Asking only for the first and last character box of each word keeps this at
    a few hundred pages a second.
    """
    handle = textpage.raw
    count = pdfium_c.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    text = textpage.get_text_range()
    if len(text) != count:  # characters outside the BMP: rebuild one code point per index
        text = "".join(
            chr(min(pdfium_c.FPDFText_GetUnicode(handle, i), 0x10FFFF)) for i in range(count)
        )
    if "\u0644" in text:
        text = _unreverse_lam_alef(handle, text)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    char_box = pdfium_c.FPDFText_GetLooseCharBox
    to_display = _rotation(bbox, rotation)
    boxes: list[Box] = []
    seg: list[str] = []
    sx0 = sy0 = math.inf
    sx1 = sy1 = -math.inf
    prev_end, prev_box = 0, None
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        last = end - 2 if end - start > 1 and text[end - 1] in _SOFT_HYPHENS else end - 1
        box = None
        if char_box(handle, start, rect_ref):
            left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
            if last != start and char_box(handle, last, rect_ref):
                left = rect.left if rect.left < left else left
                bottom = rect.bottom if rect.bottom < bottom else bottom
                right = rect.right if rect.right > right else right
                top = rect.top if rect.top > top else top
            if right > left or top > bottom:
                box = to_display(left, bottom, right, top)
        between = text[prev_end:start]
        if seg and box and prev_box and _breaks(between, prev_box, box):
            boxes.append(Box(sx0, sy0, sx1, sy1, "".join(seg)))
            seg = []
            sx0 = sy0 = math.inf
            sx1 = sy1 = -math.inf
        if seg and between:
            seg.append(" ")
        seg.append(match.group())
        if box:
            bx0, by0, bx1, by1 = box
            sx0, sy0 = (bx0 if bx0 < sx0 else sx0), (by0 if by0 < sy0 else sy0)
            sx1, sy1 = (bx1 if bx1 > sx1 else sx1), (by1 if by1 > sy1 else sy1)
            prev_box = box
        prev_end = end
    if seg and sx1 > -math.inf:
        boxes.append(Box(sx0, sy0, sx1, sy1, "".join(seg)))
    return boxes


_LAM_ALEF = re.compile("[\u0622\u0623\u0625\u0627]\u0644")


def _unreverse_lam_alef(handle: Any, text: str) -> str:
    """Put back in order the two letters of a lam-alef ligature that pdfium reversed.

    A lam-alef is one glyph mapped to two characters ("لا"); pdfium's right-to-left pass turns
    them round ("ال", which is also the article, hence the check): two characters with one and
    the same box come from one glyph, and are swapped back.
    """
    chars = list(text)
    first, second = pdfium_c.FS_RECTF(), pdfium_c.FS_RECTF()
    for match in _LAM_ALEF.finditer(text):
        i = match.start()
        if not (pdfium_c.FPDFText_GetLooseCharBox(handle, i, ctypes.byref(first))
                and pdfium_c.FPDFText_GetLooseCharBox(handle, i + 1, ctypes.byref(second))):
            continue
        same = all(abs(getattr(first, k) - getattr(second, k)) < 0.01
                   for k in ("left", "right", "top", "bottom"))
        if same:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _rotation(
    bbox: tuple[float, float, float, float], rotation: int
) -> Callable[[float, float, float, float], tuple[float, float, float, float]]:
    """Map a box in PDF user space (y up) to the page as displayed (y down), honouring /Rotate."""
    x0, y0, x1, y1 = bbox
    if rotation == 90:
        return lambda left, bottom, right, top: (bottom - y0, left - x0, top - y0, right - x0)
    if rotation == 180:
        return lambda left, bottom, right, top: (x1 - right, bottom - y0, x1 - left, top - y0)
    if rotation == 270:
        return lambda left, bottom, right, top: (y1 - top, x1 - right, y1 - bottom, x1 - left)
    return lambda left, bottom, right, top: (left - x0, y1 - top, right - x0, y1 - bottom)


def _breaks(between: str, a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether the word with box `b` starts a new run after the word with box `a`."""
    if "\n" in between or "\r" in between:
        return True
    height = max(a[3] - a[1], b[3] - b[1], 1.0)
    if b[0] - a[2] >= 0.8 * height:
        return True  # a jump across a gutter or tab stop
    apart_v = b[1] >= a[3] or b[3] <= a[1]
    apart_h = b[0] >= a[2] or b[2] <= a[0]
    return apart_v and apart_h  # another line (stacked letters of sideways text are not)


def _pdfium_has_images(page: Any) -> bool:
    handle = page.raw
    for i in range(pdfium_c.FPDFPage_CountObjects(handle)):
        obj = pdfium_c.FPDFPage_GetObject(handle, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            for k in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
                inner = pdfium_c.FPDFFormObj_GetObject(obj, k)
                if pdfium_c.FPDFPageObj_GetType(inner) == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    return True
    return False


def _pdfium_page(doc: Any, index: int) -> _RawPage:
    page = doc[index]
    try:
        x0, y0, x1, y1 = page.get_bbox()
        rotation = page.get_rotation() % 360
        textpage = page.get_textpage()
        try:
            boxes = _pdfium_boxes(textpage, (x0, y0, x1, y1), rotation)
        finally:
            textpage.close()
        width, height = (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)
        return _RawPage(width, height, boxes, _pdfium_has_images(page), "pypdfium2")
    finally:
        page.close()


def _plumber_page(pdf: Any, index: int) -> _RawPage:
    page = pdf.pages[index]
    try:
        x0, top, x1, bottom = page.bbox
        # A gap of 0.15 em splits words (the default 3 pt glues tightly set ones); a change
        # of size splits a superscript from its word.
        words = page.extract_words(x_tolerance_ratio=0.15, extra_attrs=["size"])
        # Sideways letters come out as short pieces; one box per column of them lets the layout
        # see them as the sideways text they are.
        sideways: dict[int, list[Box]] = defaultdict(list)
        boxes: list[Box] = []
        for w in words:
            box = Box(w["x0"], w["top"], w["x1"], w["bottom"], w["text"])
            (boxes if w.get("upright", True) else sideways[round(w["x0"] / 2)]).append(box)
        for group in sideways.values():
            group.sort(key=lambda b: b.top)
            boxes.append(_union(group, " ".join(b.text for b in group)))
        boxes = [Box(b.x0 - x0, b.top - top, b.x1 - x0, b.bottom - top, b.text) for b in boxes]
        return _RawPage(x1 - x0, bottom - top, boxes, bool(page.images), "pdfplumber")
    finally:
        page.close()


def _open_plumber(data: bytes, password: str | None) -> tuple[Any | None, str]:
    """A pdfplumber document with at least one page, or None and the reason."""
    try:
        import pdfplumber

        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except Exception as exc:  # pdfminer wraps everything, password errors included
        _reraise_memory(exc)
        return None, "password" if "password" in repr(exc).lower() else type(exc).__name__
    try:
        if len(pdf.pages) > 0:
            return pdf, ""
        reason = "no pages"  # pdfminer reports some fuzzed files as having zero pages
    except Exception as exc:
        reason = type(exc).__name__
    _close(pdf)
    return None, reason


def _close(pdf: Any) -> None:
    """Close a pdfplumber document; closing one whose page tree is broken can raise again."""
    with contextlib.suppress(Exception):
        pdf.close()


# --- OCR of pages without a usable text layer ---------------------------------------------------


def _page_text(page: _RawPage) -> str:
    return " ".join(b.text for b in page.boxes)


def _render_page(doc: Any, index: int) -> bytes:
    """The page as a greyscale image at `OCR_DPI`, as PGM bytes (uncompressed: encoding a PNG of
    an A4 page costs more than pdfium's 0.06 s render)."""
    page = doc[index]
    try:
        bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PPM")
        return buffer.getvalue()
    finally:
        page.close()


def _ocr_raw(page: _RawPage, result: OcrResult) -> _RawPage:
    """A page whose boxes are the OCR lines, in points like a text layer's."""
    scale = 72 / OCR_DPI
    boxes = [Box(ln.x0 * scale, ln.top * scale, ln.x1 * scale, ln.bottom * scale, ln.text)
             for ln in result.lines]
    return _RawPage(page.width, page.height, boxes, page.has_images, "ocr",
                    result.confidence, result.language)


def _text_layer_language(raw: Sequence[_RawPage | None], skip: set[int]) -> str | None:
    """The Tesseract model for the language of the pages that keep their text layer."""
    text = " ".join(_page_text(p) for i, p in enumerate(raw) if p is not None and i not in skip)
    if sum(ch.isalpha() for ch in text) < 200:
        return None
    language, confidence = detect_language(text)
    return tesseract_language(language) if confidence >= 0.2 else None


def _latin_language(result: OcrResult) -> str | None:
    """Another installed Latin-script model for what an English first pass read, if any."""
    text = "\n".join(ln.text for ln in result.lines)
    language, confidence = detect_language(text)
    model = tesseract_language(language)
    if model in (None, "eng") or confidence < 0.2 or language not in TESSERACT_LANGUAGES:
        return None
    return model


def read_by_ocr(doc: Any, raw: list[_RawPage | None], options: OcrOptions,
                diags: list[Diagnostic], *, on_ocr: OcrProgress | None = None) -> None:
    """Replace, in `raw`, the pages without a usable text layer by Tesseract's reading of them.

    Pages are read one by one, within `options.max_pages` and `options.max_seconds` (the rest
    keep what they had, with a W208); the language is chosen as `checker.ocr` describes. Adds
    W205 for a garbage text layer, W206 for the document, W207 per low-confidence page.
    """
    wanted: list[tuple[int, str]] = []
    for index, page in enumerate(raw):
        reason = needs_ocr(_page_text(page), has_images=page.has_images) if page else None
        if reason:
            wanted.append((index, reason))
    if not wanted:
        return
    if not ocr_available():
        for index, reason in wanted:
            if reason == "garbage":
                diags.append(warning(Code.LOW_TEXT_QUALITY, "The text layer looks like garbage; "
                                     + INSTALL_HINT, page=index + 1))
        return
    if len(wanted) > options.max_pages:
        skipped = [i + 1 for i, _ in wanted[options.max_pages:]]
        diags.append(warning(Code.OCR_LIMITED, f"{len(wanted)} pages need OCR, more than the "
                             f"limit of {options.max_pages}; pages {page_ranges(skipped)} were "
                             "not read"))
        wanted = wanted[:options.max_pages]
    model = tesseract_language(options.language) or _text_layer_language(
        raw, {i for i, _ in wanted})
    first_pass = model is None  # no hint, no text layer: look at the script, then the words
    started = time.monotonic()
    read: list[tuple[int, float | None]] = []
    if on_ocr is not None:
        on_ocr(0, len(wanted))
    for done, (index, reason) in enumerate(wanted, start=1):
        remaining = options.max_seconds - (time.monotonic() - started)
        if remaining <= 1.0:
            left = [i + 1 for i, _ in wanted[done - 1:]]
            diags.append(warning(Code.OCR_LIMITED, f"OCR stopped at its time limit of "
                                 f"{options.max_seconds:.0f} s; pages {page_ranges(left)} were "
                                 "not read"))
            break
        page = raw[index]
        assert page is not None
        try:
            png = _render_page(doc, index)
            if model is None:
                script = detect_script(png, timeout=min(30.0, remaining))
                model = tesseract_language(SCRIPT_LANGUAGES.get(script or "", "")) or "eng"
                first_pass = model == "eng"
            result = recognise(png, model=model, timeout=min(options.page_timeout, remaining))
            if first_pass and result.words >= 30:
                first_pass = False
                better = _latin_language(result)
                if better is not None:
                    model = better
                    result = recognise(png, model=model,
                                       timeout=min(options.page_timeout, remaining))
        except OcrUnavailable as exc:
            diags.append(warning(Code.PAGE_FAILED, f"OCR failed: {exc}", page=index + 1))
            if on_ocr is not None:
                on_ocr(done, len(wanted))
            continue
        if not result.words:  # nothing legible: the page stays as it was (W202 if an image)
            if on_ocr is not None:
                on_ocr(done, len(wanted))
            continue
        if reason == "garbage":
            share, words = plausible_share(_page_text(page))
            diags.append(warning(Code.LOW_TEXT_QUALITY, f"The text layer looks like garbage "
                                 f"({share:.0%} of {words} words plausible); the page was read "
                                 "by OCR instead", page=index + 1))
        raw[index] = _ocr_raw(page, result)
        read.append((index + 1, result.confidence))
        if result.confidence is not None and result.confidence < LOW_CONFIDENCE:
            diags.append(warning(Code.OCR_LOW_CONFIDENCE, f"OCR mean word confidence "
                                 f"{result.confidence:.0%} is low: check quotes from this page "
                                 "against the scan", page=index + 1))
        if on_ocr is not None:
            on_ocr(done, len(wanted))
    if read:
        scores = [c for _, c in read if c is not None]
        mean = f"{sum(scores) / len(scores):.0%}" if scores else "n/a"
        numbers = [n for n, _ in read]
        which = f"page{'s' if len(numbers) > 1 else ''} {page_ranges(numbers)}"
        diags.append(warning(Code.OCR_USED, f"{len(read)} of {len(raw)} pages were read by OCR "
                             f"(Tesseract, {model}; {which}), "
                             f"mean word confidence {mean}: quotes from them may hold misread "
                             "characters"))


# --- the entry point ----------------------------------------------------------------------------


def _result(
    status: IngestStatus,
    diagnostics: list[Diagnostic],
    *,
    page_count: int = 0,
    pages: Sequence[PdfPage] = (),
    engine: Literal["pypdfium2", "pdfplumber", "none"] = "none",
    encrypted: bool = False,
) -> PdfExtraction:
    capped: list[Diagnostic] = []
    per_code: dict[Code, int] = defaultdict(int)
    for diag in diagnostics:
        per_code[diag.code] += 1
        if per_code[diag.code] <= _MAX_DIAGNOSTICS_PER_CODE:
            capped.append(diag)
    for code, n in per_code.items():
        if n > _MAX_DIAGNOSTICS_PER_CODE:
            extra = n - _MAX_DIAGNOSTICS_PER_CODE
            capped.append(warning(code, f"{extra} more pages reported the same problem"))
    return PdfExtraction(
        status=status,
        page_count=page_count,
        pages=tuple(pages),
        engine=engine,
        encrypted=encrypted,
        diagnostics=tuple(capped),
    )


def extract_pdf(
    data: bytes, *, password: str | None = None, max_pages: int = 5000,
    engines: Sequence[Engine] = ENGINES, ocr: OcrOptions | None = None,
    on_ocr: OcrProgress | None = None,
) -> PdfExtraction:
    """Read a PDF's text page by page; never raises for bad input (see status and diagnostics).

    `engines` are tried in this order: pdfplumber alone reads again a file on which pypdfium2
    crashed a sandboxed child (`checker.sandbox`). Running out of memory gives `too_complex`.
    With `ocr`, pages without a text layer or with a garbage one are rendered and read by
    Tesseract within its limits (`checker.ocr`); without it they end as W202/E107 ("OCR needed").
    """
    if not data:
        return _result("empty", [error(Code.EMPTY, "The file is empty (0 bytes)")])
    headerless = b"%PDF-" not in data[:1024]
    if headerless and not (b"obj" in data and b"endobj" in data):
        return _result("not_pdf", [error(Code.NOT_PDF, "The file is not a PDF (no %PDF header)")])
    try:
        return _extract(data, password, max_pages, headerless, tuple(engines), ocr, on_ocr)
    except MemoryError:
        return _result(
            "too_complex", [error(Code.TOO_COMPLEX, "The PDF needs more memory than allowed")]
        )
    except Exception as exc:  # a last guard: library failures outside the per-page handlers
        return _result(
            "damaged", [error(Code.DAMAGED, f"The PDF could not be read ({type(exc).__name__})")]
        )


def _extract(
    data: bytes, password: str | None, max_pages: int, headerless: bool,
    engines: tuple[Engine, ...], ocr: OcrOptions | None, on_ocr: OcrProgress | None,
) -> PdfExtraction:
    diags: list[Diagnostic] = []
    reason, doc = "no pages", None
    with _PDFIUM_LOCK:
        try:
            if "pypdfium2" in engines:
                doc = pdfium.PdfDocument(data, password=password)
        except Exception as exc:
            doc, reason = None, str(exc)
        if doc is not None:
            try:
                done = _extract_pdfium(doc, data, password, max_pages, "pdfplumber" in engines,
                                       ocr, on_ocr)
            finally:
                doc.close()
            if done is not None:
                return done
    pdf, plumber_reason = (
        _open_plumber(data, password) if "pdfplumber" in engines else (None, "not tried")
    )
    if pdf is None:
        if doc is not None:  # pdfium opened it and found no pages; neither did pdfminer
            return _result("empty", [error(Code.EMPTY, "The PDF has no pages")], engine="pypdfium2")
        if "password" in reason.lower() or plumber_reason == "password":
            message = (
                "The password supplied does not open this PDF"
                if password
                else "The PDF is encrypted with a user password; supply it with --password"
            )
            return _result(
                "password_required", [error(Code.PASSWORD_REQUIRED, message)], encrypted=True
            )
        if headerless:
            message = "The file has no %PDF header and could not be read as a PDF"
        else:
            message = "The PDF is damaged and could not be read by either engine"
        return _result("damaged", [error(Code.DAMAGED, message)])
    try:
        encrypted = bool(pdf.doc.encryption)
        count = len(pdf.pages)
        if count > max_pages:
            return _too_complex(count, max_pages, "pdfplumber", encrypted)
        if "pypdfium2" in engines:
            diags.append(
                warning(
                    Code.ENGINE_FALLBACK,
                    f"pdfium could not open the file ({reason}); read with pdfplumber",
                )
            )
        if encrypted and not password:
            diags.append(_encrypted_opened())
        raw: list[_RawPage | None] = []
        for i in range(count):
            raw.append(_try(functools.partial(_plumber_page, pdf, i), diags, i))
    finally:
        _close(pdf)
    return _finish(raw, diags, "pdfplumber", encrypted, ocr_tried=False)


def _extract_pdfium(
    doc: Any, data: bytes, password: str | None, max_pages: int, fallback: bool,
    ocr: OcrOptions | None, on_ocr: OcrProgress | None,
) -> PdfExtraction | None:
    """Read every page with pdfium, handing pages it refuses to pdfplumber; None if no pages."""
    diags: list[Diagnostic] = []
    encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1
    count = len(doc)
    if count == 0:
        return None
    if count > max_pages:
        return _too_complex(count, max_pages, "pypdfium2", encrypted)
    if encrypted and not password:
        diags.append(_encrypted_opened())
    raw: list[_RawPage | None] = []
    failed: list[int] = []
    for i in range(count):
        page = _try(functools.partial(_pdfium_page, doc, i), [], i)
        raw.append(page)
        if page is None:
            failed.append(i)
    if failed:  # a page pdfium refuses is often readable by pdfminer (and vice versa)
        pdf, _ = _open_plumber(data, password) if fallback else (None, "")
        for i in failed:
            if pdf is not None and i < len(pdf.pages):
                raw[i] = _try(functools.partial(_plumber_page, pdf, i), diags, i)
                if raw[i] is not None:
                    diags.append(
                        warning(Code.ENGINE_FALLBACK, "Page read with pdfplumber", page=i + 1)
                    )
            else:
                diags.append(warning(Code.PAGE_FAILED, "The page could not be read", page=i + 1))
        if pdf is not None:
            _close(pdf)
    if ocr is not None:
        read_by_ocr(doc, raw, ocr, diags, on_ocr=on_ocr)
    return _finish(raw, diags, "pypdfium2", encrypted, ocr_tried=ocr is not None)


def _try(read: Callable[[], _RawPage], diags: list[Diagnostic], index: int) -> _RawPage | None:
    try:
        return read()
    except Exception as exc:
        _reraise_memory(exc)
        message = f"The page could not be read ({type(exc).__name__})"
        diags.append(warning(Code.PAGE_FAILED, message, page=index + 1))
        return None


def _reraise_memory(exc: Exception) -> None:
    """Let running out of memory through (pdfminer wraps it in its own exception)."""
    for cause in (exc, exc.__context__):
        if isinstance(cause, MemoryError):
            raise cause


def _encrypted_opened() -> Diagnostic:
    return warning(
        Code.ENCRYPTED_OPENED,
        "The PDF is encrypted with an owner password only; it was opened without one",
    )


def _too_complex(count: int, cap: int, engine: Engine, encrypted: bool) -> PdfExtraction:
    message = f"The PDF has {count} pages, more than the limit of {cap}; it was not read"
    diags = [error(Code.TOO_COMPLEX, message)]
    return _result("too_complex", diags, page_count=count, engine=engine, encrypted=encrypted)


def _finish(
    raw: Sequence[_RawPage | None], diags: list[Diagnostic], engine: Engine, encrypted: bool,
    *, ocr_tried: bool,
) -> PdfExtraction:
    """Lay the pages out and decide the status from what each page gave."""
    readable = [p for p in raw if p is not None]
    laid = iter(layout_pages(readable))
    pages: list[PdfPage] = []
    for number, page in enumerate(raw, start=1):
        if page is None:
            continue
        text, columns, removed = next(laid)
        pages.append(
            PdfPage(
                number=number,
                text=text,
                method=page.method,
                columns=columns,
                has_images=page.has_images,
                removed_lines=removed,
                ocr_confidence=page.ocr_confidence,
                ocr_language=page.ocr_language,
            )
        )
        if not text.strip() and page.has_images:
            diags.append(warning(Code.PAGE_NO_TEXT, _IMAGE_PAGE, page=number))
    with_text = sum(1 for p in pages if p.text.strip())
    status: IngestStatus
    if not raw:
        status = "empty"
        diags.append(error(Code.EMPTY, "The PDF has no pages"))
    elif with_text == 0 and not pages:
        status = "damaged"
        diags.append(error(Code.DAMAGED, "No page of the PDF could be read"))
    elif with_text == 0:
        status = "no_text_layer"
        diags = [d for d in diags if d.code != Code.PAGE_NO_TEXT]
        if not ocr_tried:
            message = _NO_TEXT_LAYER
        elif not ocr_available():
            message = _NO_TEXT_LAYER_NO_OCR + INSTALL_HINT
        else:
            message = _NO_TEXT_LAYER_OCR_EMPTY
        diags.append(error(Code.NO_TEXT_LAYER, message))
    elif len(pages) < len(raw) or any(d.code == Code.PAGE_NO_TEXT for d in diags):
        status = "partial"
    else:
        status = "ok"
    return _result(
        status, diags, page_count=len(raw), pages=pages, engine=engine, encrypted=encrypted
    )
