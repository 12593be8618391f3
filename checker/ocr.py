"""Optical character recognition of page images with Tesseract, and text-layer quality checks.

Much legislation exists only as scanned gazettes: pages that are images without text, or images
under a hidden text layer made by an old OCR engine or a broken font (a "garbage" layer). The
PDF reader (`checker.pdf`) renders such pages with pypdfium2 and hands them here.

Tesseract is called as a program (`tesseract stdin stdout ... tsv`), one page at a time, with
`OMP_THREAD_LIMIT=1` in its environment: with OpenMP threads on a shared two-core machine a page
took 21 s at 300 dpi, with one thread 3.6 s. The TSV output gives word boxes and confidences,
grouped by Tesseract into blocks, paragraphs and lines (its reading order, columns included); each
line becomes one positioned text box, so the shared layout step (running heads, hyphenation,
paragraphs) treats OCR pages as it treats text-layer pages.

Language: Tesseract reads well only with the right model. The reader asks `tesseract_language`
for the caller's hint first, then the language detected in the text layer of other pages; failing
both, `detect_script` runs Tesseract's orientation-and-script detection (OSD, about 1 s) on the
first page to be read, and a script without a Latin model (Arabic, Cyrillic, Han) selects its own
model. A Latin page is read with English first; when the words it gives are those of another
supported language, that page is read again in it, and so are the pages after it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

#: Resolution pages are rendered at for OCR: Tesseract's models are trained on 300 dpi text.
OCR_DPI = 300
#: A text layer is "garbage" when fewer than this share of its words look like words. Measured
#: (`plausible_share`) on the text layers of the sample and layout corpora: lowest page 0.77 (a
#: noisy hidden OCR layer, kept), a Federal Register page of typesetting codes 0.79, most pages
#: 0.95-1.0; a shifted font encoding scored 0.41, private-use glyphs and mojibake 0.
PLAUSIBLE_SHARE = 0.5
#: ... measured on at least this many words (fewer tell nothing: a title page, a stamp).
MIN_WORDS = 12
#: A page whose mean word confidence is below this share is flagged for checking.
LOW_CONFIDENCE = 0.6
#: Pages with fewer letters than this in their text layer (and an image) are read by OCR.
MIN_LETTERS = 20
#: ISO 639-1 code -> Tesseract model; the languages the review supports.
TESSERACT_LANGUAGES: dict[str, str] = {
    "en": "eng", "fr": "fra", "es": "spa", "pt": "por", "ar": "ara", "ru": "rus", "zh": "chi_sim",
}
#: Scripts reported by Tesseract's OSD that have a model of their own here.
SCRIPT_LANGUAGES: dict[str, str] = {"Arabic": "ar", "Cyrillic": "ru", "Han": "zh"}
#: The packages that provide Tesseract and the models above on Debian and Ubuntu.
INSTALL_HINT = (
    "install Tesseract to read it (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-por tesseract-ocr-ara "
    "tesseract-ocr-rus tesseract-ocr-chi-sim)"
)

_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøœùúûüýÿаеёиоуыэюяіїєąęįųėő")
_EDGE_PUNCT = "\"'“”‘’«»„‹›()[]{}<>.,;:!?¿¡…-–—/*_§°|"
_INNER_OK = frozenset("-'’.·/")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzб-дж-зй-нп-тф-щ]{5}")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]) "
                      r"(?=[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])")


class OcrLine(BaseModel):
    """One line Tesseract read, with its box in pixels of the rendered image."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    x0: float
    top: float
    x1: float
    bottom: float
    text: str


class OcrResult(BaseModel):
    """What Tesseract read on one page image."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: tuple[OcrLine, ...]
    confidence: float | None  # mean word confidence in [0, 1]; None when no word was read
    words: int
    language: str  # the Tesseract model(s) used, e.g. "eng" or "ara"
    seconds: float


class OcrOptions(BaseModel):
    """How much OCR a file may get, and in which language (an ISO 639-1 hint)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str | None = None
    max_pages: int = Field(default=300, ge=0, description="pages beyond are left unread")
    max_seconds: float = Field(default=600.0, gt=0, description="OCR stops when it is spent")
    page_timeout: float = Field(default=120.0, gt=0, description="one page at most")


class OcrUnavailable(RuntimeError):
    """Tesseract (or the model asked for) is not installed, or it failed on the image."""


# --- the program --------------------------------------------------------------------------------


@cache
def tesseract_path() -> str | None:
    """Where the `tesseract` program is, or None when it is not installed."""
    return shutil.which("tesseract")


@cache
def installed_models() -> frozenset[str]:
    """The Tesseract models installed (`tesseract --list-langs`); empty without Tesseract."""
    program = tesseract_path()
    if program is None:
        return frozenset()
    try:
        done = subprocess.run([program, "--list-langs"], capture_output=True, text=True,
                              timeout=30, check=False, env=_environment())
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (done.stdout + done.stderr).splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and " " not in ln.strip())


def available() -> bool:
    """Tesseract runs here with at least the English model."""
    return "eng" in installed_models()


def _environment() -> dict[str, str]:
    """The child's environment: one OpenMP thread (six times faster on a shared machine)."""
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def tesseract_language(language: str | None) -> str | None:
    """The installed Tesseract model for an ISO 639-1 code, or None (unknown or not installed)."""
    if not language:
        return None
    model = TESSERACT_LANGUAGES.get(language.lower().split("-")[0])
    return model if model in installed_models() else None


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Tesseract dies with the reader: a sandbox killed for time leaves no orphan running."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _run(png: bytes, args: list[str], timeout: float) -> str:
    program = tesseract_path()
    if program is None:
        raise OcrUnavailable("tesseract is not installed")
    try:
        done = subprocess.run([program, "stdin", "stdout", "--dpi", str(OCR_DPI), *args],
                              input=png, capture_output=True, timeout=max(timeout, 1.0),
                              check=False, env=_environment(),
                              preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable(f"tesseract took more than {timeout:.0f} s on the page") from exc
    except OSError as exc:
        raise OcrUnavailable(f"tesseract could not run ({exc.strerror})") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise OcrUnavailable(f"tesseract failed ({detail[0][:200]})")
    return done.stdout.decode("utf-8", "replace")


def detect_script(png: bytes, *, timeout: float = 30.0) -> str | None:
    """The script Tesseract's OSD sees on the page ("Latin", "Arabic", "Cyrillic", "Han"...)."""
    if "osd" not in installed_models():
        return None
    try:
        out = _run(png, ["--psm", "0", "-l", "osd"], timeout)
    except OcrUnavailable:
        return None  # too little text to tell: the caller keeps its default
    found = re.search(r"^Script:\s*(\w+)", out, re.MULTILINE)
    return found.group(1) if found else None


def recognise(png: bytes, *, model: str, timeout: float = 120.0) -> OcrResult:
    """Read a page image (PNG or PNM bytes, rendered at `OCR_DPI`) with the Tesseract `model`.

    Raises `OcrUnavailable` when Tesseract is missing or fails; the reader turns that into a
    coded diagnostic.
    """
    started = time.monotonic()
    out = _run(png, ["-l", model, "--psm", "3", "-c", "preserve_interword_spaces=1", "tsv"],
               timeout)
    return parse_tsv(out, language=model, seconds=time.monotonic() - started)


def parse_tsv(tsv: str, *, language: str, seconds: float = 0.0) -> OcrResult:
    """Lines (words joined, in Tesseract's reading order) and the mean word confidence."""
    lines: dict[tuple[int, int, int, int], list[tuple[int, int, int, int, str]]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip()
        with contextlib.suppress(ValueError):
            conf = float(cells[10])
            if not text or conf < 0:
                continue
            key = (int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]))
            left, top, width, height = (int(c) for c in cells[6:10])
            lines.setdefault(key, []).append((left, top, left + width, top + height, text))
            confidences.append(conf / 100.0)
    out: list[OcrLine] = []
    for words in lines.values():
        line = OcrLine(x0=min(w[0] for w in words), top=min(w[1] for w in words),
                       x1=max(w[2] for w in words), bottom=max(w[3] for w in words),
                       text=_CJK_GAP.sub("", " ".join(w[4] for w in words)))
        if out and re.match(r"-[^\W\d_]", line.text) and _follows(out[-1], line):
            # Tesseract sometimes sets a line-end hyphen again, or only, at the start of the
            # next line ("or-" / "-ganises"): it belongs to the end of the line before.
            if re.search(r"[^\W\d_]$", out[-1].text):
                out[-1] = out[-1].model_copy(update={"text": out[-1].text + "-"})
            line = line.model_copy(update={"text": line.text[1:]})
        out.append(line)
    confidence = round(sum(confidences) / len(confidences), 4) if confidences else None
    return OcrResult(lines=tuple(out), confidence=confidence, words=len(confidences),
                     language=language, seconds=round(seconds, 3))


def _follows(above: OcrLine, line: OcrLine) -> bool:
    """`line` is the next line of the same text as `above`: just below it, and overlapping it
    across the page, with a word broken at the end of `above`."""
    height = max(line.bottom - line.top, 1.0)
    below = 0 <= line.top - above.bottom < height and line.top > above.top
    overlap = min(above.x1, line.x1) - max(above.x0, line.x0) > 0.5 * (line.x1 - line.x0)
    return below and overlap and bool(re.search(r"[^\W\d_]-?$", above.text))


# --- is a text layer worth keeping? -------------------------------------------------------------


@cache
def _script(ch: str) -> str:
    """A coarse script name for a letter, from its Unicode name (cached: every letter of every
    text-layer page is asked, to tell garbage layers from text)."""
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
        return "HAN"
    try:
        return unicodedata.name(ch).split(" ")[0]
    except ValueError:
        return "?"


def _counts(token: str) -> bool:
    """Whether a token is judged at all: it has a letter, or a private-use or unassigned code
    point (what a font without a usable encoding gives)."""
    return any(ch.isalpha() or unicodedata.category(ch) in ("Co", "Cn") for ch in token)


def plausible_word(token: str) -> bool:
    """Whether a token (letters in it) looks like a word of some language rather than debris.

    A word is letters of one script, in one of the case patterns words have (lower, Upper,
    UPPER), with only a hyphen, apostrophe, period or slash inside, at most 30 letters long.
    In alphabets with vowels (Latin, Cyrillic, Greek) a word of three letters or more has a
    vowel (short acronyms and abbreviations excepted), no run of five consonants, and in Latin
    script no "q" but before "u": a text layer whose font encoding is shifted or scrambled fails
    these on most words. Han text has no spaces: a token of Han characters is plausible.
    """
    word = token.strip(_EDGE_PUNCT)
    letters = [ch for ch in word if ch.isalpha()]
    if any(_script(ch) == "HAN" for ch in letters):  # a run of Chinese text and its punctuation
        return all(_script(ch) == "HAN" for ch in letters)
    if not letters or len(letters) > 30:
        return False
    if any(not (ch.isalpha() or ch.isdigit() or ch in _INNER_OK or unicodedata.category(ch)
                in ("Mn", "Mc")) for ch in word):
        return False
    scripts = {_script(ch) for ch in letters}
    if len(scripts) > 1 or scripts & {"?", "PRIVATE"}:
        return False
    script = next(iter(scripts))
    if script in ("LATIN", "CYRILLIC", "GREEK"):
        body = "".join(letters)
        if not (body.islower() or body.isupper() or (body[0].isupper() and body[1:].islower())):
            return False
        low = body.lower()
        # Acronyms and abbreviations ("UNTOC", "Ltd", "Jkt") need no vowel.
        acronym = (body.isupper() and len(body) <= 6) or (body[0].isupper() and len(body) <= 4)
        if len(low) >= 3 and not acronym and not any(ch in _VOWELS for ch in low):
            return False
        if _CONSONANT_RUN.search(low) and not acronym:
            return False
        if script == "LATIN" and re.search(r"q(?!u|$)", low):
            return False
    return True


def plausible_share(text: str) -> tuple[float, int]:
    """The share of plausible words among the tokens judged (`_counts`), and how many there were.
    """
    tokens = [t for t in text.split() if _counts(t)]
    if not tokens:
        return 0.0, 0
    good = sum(1 for t in tokens if plausible_word(t))
    return good / len(tokens), len(tokens)


def is_garbage(text: str) -> bool:
    """A text layer too implausible to read (`PLAUSIBLE_SHARE` of at least `MIN_WORDS` words)."""
    share, words = plausible_share(text)
    replacement = text.count("\ufffd")
    if replacement and replacement >= 0.1 * max(1, sum(ch.isalpha() for ch in text)):
        return True
    return words >= MIN_WORDS and share < PLAUSIBLE_SHARE


def needs_ocr(text: str, *, has_images: bool) -> str | None:
    """Why a page's text layer should be replaced by OCR ("no-text", "garbage"), or None.

    An image page with (almost) no text is a scan; a page whose text is implausible has a broken
    font or a bad hidden OCR layer, and its rendering is what a reader sees, so it is read again.
    """
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < MIN_LETTERS:
        return "no-text" if has_images else None
    return "garbage" if is_garbage(text) else None  # a broken font's glyphs still render
