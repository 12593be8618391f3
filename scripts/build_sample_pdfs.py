"""Render the sample laws in `corpora/samples/` to gazette-style PDFs.

Every `corpora/samples/<id>/text.md` becomes `corpora/samples/<id>/source.pdf`, typeset like
an official gazette: A4, running header and footer with page numbers, justified text hyphenated
at line ends, two-column setting (the definitions, or a whole journal page), and a footnote on
the first page. The Commonwealth act also gets `scanned.pdf`, an image-only copy (no text
layer) for OCR work.

The output is deterministic: the same inputs give the same bytes on every run.

Usage:
    .venv/bin/python scripts/build_sample_pdfs.py [SAMPLE_ID ...]

Portuguese, Russian and Arabic use DejaVu (Arabic is shaped with HarfBuzz through uharfbuzz and
set right to left); Chinese needs a CJK font (`apt-get install fonts-wqy-zenhei`). Fonts are
needed only to build: the PDFs are committed.

The markdown is a small, fixed dialect:

* `# text` title lines, `## text` division headings (parts, titles, chapters),
  `### text` provision headings (sections, articles);
* `> text` closing formulas and signatures, set in italics;
* `[^1]` a footnote reference and `[^1]: text` its definition;
* any other non-blank line is a paragraph of its own.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Literal

import numpy as np
import pypdfium2 as pdfium
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, WrapMode, XPos, YPos
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpora" / "samples"
FONT_DIRS = (  # where DejaVu Serif lives on common systems; CHECKER_FONT_DIR overrides
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    # CJK fonts for the Chinese sample (fonts-wqy-zenhei or fonts-noto-cjk; only to build)
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/opentype/noto",
)
CJK_FONT = "wqy-zenhei.ttc"
FONT = "Gazette"
CREATION_DATE = datetime(2025, 1, 1, tzinfo=UTC)

SOFT_HYPHEN = "\u00ad"
SUPERSCRIPTS = {"1": "\u00b9", "2": "\u00b2", "3": "\u00b3"}

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 20.0, 20.0, 24.0, 30.0
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R
NOTE_W = 31.0  # width of the marginal-note column (Commonwealth style)
NOTE_GAP = 4.0
GUTTER = 6.0

BODY_SIZE = 9.5
BODY_LH = 4.5
COLUMN_SIZE = 8.5
COLUMN_LH = 3.9
INDENT = 6.0

SCAN_DPI = 150
SCAN_JPEG_QUALITY = 55

ProvisionStyle = Literal["marginal", "heading", "inline"]
Layout = Literal["single", "columns"]
BlockKind = Literal["title", "division", "provision", "para", "closing"]


@dataclass(frozen=True)
class Style:
    """How one sample is typeset: gazette furniture and the house style for its provisions."""

    sample_id: str
    language: str
    header: str
    masthead: str
    footer: str  # format string with {page}; "{nb}" is the total page count
    provisions: ProvisionStyle
    author: str
    list_item: str  # regex for paragraphs indented one step: (a), 1°, a), 1.
    sub_item: str | None = None  # regex for paragraphs indented two steps: (i), (ii)
    column_section: str | None = None  # regex for the provision heading whose list is in columns
    column_item: str | None = None  # regex for the paragraphs of that list
    body_size: float = BODY_SIZE
    leading: float = BODY_LH
    layout: Layout = "single"  # "columns": everything after the title block in two columns
    scanned: bool = False
    # Regular, bold and italic font files (found in FONT_DIRS); a script DejaVu Serif lacks needs
    # its own: DejaVu Sans for Arabic, a CJK font for Chinese.
    fonts: tuple[str, str, str] = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                                   "DejaVuSerif-Italic.ttf")
    rtl: bool = False  # right-to-left: shaped with HarfBuzz, set flush right
    wrap_chars: bool = False  # lines may break between any two characters (Chinese)


STYLES: tuple[Style, ...] = (
    Style(
        sample_id="en-commonwealth-firearms-act",
        language="en",
        header="OFFICIAL GAZETTE OF THE COMMONWEALTH OF ARDENMOOR — No. 12 — 3 March 2025",
        masthead="LEGAL SUPPLEMENT PART A — ACTS — Published by Authority",
        footer="Page {page} of {nb}",
        provisions="marginal",
        author="Government Printer, Commonwealth of Ardenmoor",
        list_item=r"^\([a-z]\) ",
        sub_item=r"^\(([ivx]+)\) ",
        column_section=r"^2\. Interpretation$",
        column_item=r"^“",
        scanned=True,
    ),
    Style(
        sample_id="fr-code-armes",
        language="fr",
        header="JOURNAL OFFICIEL DE LA RÉPUBLIQUE DE VALMONDE — N° 48 — 27 novembre 2024",
        masthead="Textes généraux — Ministère de l’intérieur",
        footer="— {page} —",
        provisions="heading",
        author="Direction de l’information légale de Valmonde",
        list_item=r"^\d+° ",
        column_section=r"^Article L\. 101-2$",
        column_item=r"^\d+° ",
    ),
    Style(
        sample_id="es-ley-armas",
        language="es",
        header="DIARIO OFICIAL DE LA REPÚBLICA DE COSTAVERDE — N° 31.457 — 15 de mayo de 2024",
        masthead="Año CXII — Edición ordinaria — Poder Legislativo",
        footer="Página {page} de {nb}",
        provisions="inline",
        author="Imprenta Nacional de Costaverde",
        list_item=r"^[a-z]\) ",
        column_section=r"^Artículo 2°\.- Definiciones\.$",
        column_item=r"^[a-z]\) ",
    ),
    Style(
        sample_id="en-weak-arms-act",
        language="en",
        header="OFFICIAL JOURNAL OF THE REPUBLIC OF BELMORA — Issue 44 — 21 June 2023",
        masthead="Part I — Laws",
        footer="{page}",
        provisions="heading",
        author="Secretariat of the National Assembly of Belmora",
        list_item=r"^\d+\. ",
        layout="columns",
    ),
    Style(
        sample_id="en-firearms-regulations",
        language="en",
        header="CORVANIA STATUTORY INSTRUMENTS — 2025 No. 58 — FIREARMS",
        masthead="Published by the Stationery Office of the Kingdom of Corvania",
        footer="S.I. 58/2025 — {page}",
        provisions="heading",
        author="Stationery Office, Kingdom of Corvania",
        list_item=r"^\([a-z]\) ",
        column_section=r"^Interpretation$",
        column_item=r"^“",
    ),
    Style(
        sample_id="es-codigo-penal-armas",
        language="es",
        header="BOLETÍN OFICIAL DE LA REPÚBLICA DE MARIVELA — Núm. 141 — 15 de junio de 2022",
        masthead="I. Disposiciones generales — Cortes de la República",
        footer="Sec. I. Pág. {page}",
        provisions="heading",
        author="Agencia del Boletín Oficial de Marivela",
        list_item=r"^[a-z]\) ",
    ),
    Style(
        sample_id="pt-lei-armas",
        language="pt",
        header="DIÁRIO OFICIAL DA REPÚBLICA DA SERRA AZUL — Nº 52 — 15 de março de 2024",
        masthead="Seção 1 — Atos do Poder Legislativo",
        footer="Página {page}",
        provisions="heading",
        author="Imprensa Nacional da Serra Azul",
        list_item=r"^(?:[IVXL]+ –|[a-z]\)|§ \d+º) ",
    ),
    Style(
        sample_id="ru-zakon-ob-oruzhii",
        language="ru",
        header="ВЕДОМОСТИ ГОСУДАРСТВЕННОГО СОБРАНИЯ РЕСПУБЛИКИ ПРИОЗЕРЬЕ — № 12 — 2024",
        masthead="Официальное опубликование",
        footer="Стр. {page}",
        provisions="heading",
        author="Государственное Собрание Республики Приозерье",
        list_item=r"^(?:\d+\)|[а-я]\)) ",
    ),
    Style(
        sample_id="ar-qanun-asliha",
        language="ar",
        header="الجريدة الرسمية لجمهورية وادي الريحان — العدد 9 — 2024",
        masthead="قوانين",
        footer="— {page} —",
        provisions="heading",
        author="المطبعة الرسمية لجمهورية وادي الريحان",
        list_item=r"^\S{1,2}- ",
        fonts=("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
        rtl=True,
    ),
    Style(
        sample_id="zh-qiangzhi-guanli-fa",
        language="zh",
        header="南屿共和国国民议会公报 — 2024年第7号",
        masthead="法律",
        footer="— {page} —",
        provisions="heading",
        author="南屿共和国国民议会常务委员会办公厅",
        list_item=r"^（[一二三四五六七八九十]+）",
        fonts=(CJK_FONT, CJK_FONT, CJK_FONT),
        wrap_chars=True,
    ),
)


# --- markdown -----------------------------------------------------------------------------------


@dataclass
class Block:
    """One unit of the source: a title line, a heading, a paragraph or a closing formula."""

    kind: BlockKind
    text: str
    children: list[Block] = field(default_factory=list)


@dataclass
class Source:
    """A parsed `text.md`: its blocks in reading order and its footnote texts by label."""

    blocks: list[Block]
    footnotes: dict[str, str]


FOOTNOTE_DEF = re.compile(r"^\[\^(\w+)\]:\s*(.+)$")
FOOTNOTE_REF = re.compile(r"\[\^(\w+)\]")


def parse_markdown(text: str) -> Source:
    """Split the markdown dialect described in the module docstring into blocks.

    Paragraphs that follow a provision heading become its children, so a provision can be laid out
    as a unit (marginal note, run-in heading, two-column list).
    """
    blocks: list[Block] = []
    footnotes: dict[str, str] = {}
    current: Block | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if match := FOOTNOTE_DEF.match(line):
            footnotes[match.group(1)] = match.group(2)
            continue
        if line.startswith("### "):
            current = Block("provision", line[4:].strip())
            blocks.append(current)
        elif line.startswith("## "):
            current = None
            blocks.append(Block("division", line[3:].strip()))
        elif line.startswith("# "):
            current = None
            blocks.append(Block("title", line[2:].strip()))
        elif line.startswith("> "):
            current = None
            blocks.append(Block("closing", line[2:].strip()))
        elif current is not None:
            current.children.append(Block("para", line))
        else:
            blocks.append(Block("para", line))
    return Source(blocks, footnotes)


# --- hyphenation --------------------------------------------------------------------------------

VOWELS = frozenset("aeiouyàâäáéèêëíìîïóòôöúùûüœæ")
ONSETS = frozenset({"bl", "br", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "tr", "vr"})
DIGRAPHS = {
    "en": frozenset({"ch", "ck", "gh", "ph", "sh", "th", "wh"}),
    "fr": frozenset({"ch", "gn", "ph", "th"}),
    "es": frozenset({"ch", "ll", "rr"}),
}
WORD = re.compile(r"[^\W\d_]{6,}")
# Languages whose words the syllable rules below may break; others are set without hyphens.
HYPHENATED = frozenset({"en", "fr", "es", "pt"})
# Compounds and suffixes that the syllable rules would split badly ("fi-rearm").
EXCEPTIONS = {
    word.replace("-", ""): word
    for word in (
        "fire-arm",
        "fire-arms",
        "author-ised",
        "author-ises",
        "author-isa-tion",
        "author-isa-tions",
        "de-acti-vated",
        "de-acti-va-tion",
        "re-acti-vated",
        "hand-load-ing",
        "trans-ship-ment",
        "tran-ship-ment",
        "there-after",
        "where-as",
    )
}


def hyphenation_points(word: str, language: str) -> list[int]:
    """Indexes where `word` may be broken, by simple syllable rules (V-CV, VC-CV, V-CCV onsets).

    At least two letters stay before a break and three after it, and no two breaks are adjacent.
    """
    low = word.lower()
    if low in EXCEPTIONS:
        parts = EXCEPTIONS[low].split("-")
        return [sum(len(part) for part in parts[:n]) for n in range(1, len(parts))]
    keep = DIGRAPHS.get(language, DIGRAPHS["en"])
    points: list[int] = []
    for i in range(2, len(low) - 2):
        prev, cur, nxt = low[i - 1], low[i], low[i + 1]
        if cur in VOWELS:
            continue  # never break in front of a vowel
        if prev in VOWELS and cur + nxt in ONSETS:
            ok = low[i + 2] in VOWELS  # V-CCV: esta-blish
        elif prev in VOWELS:
            ok = nxt in VOWELS and cur != "x"  # V-CV: manu-facture
        elif nxt in VOWELS:
            pair = prev + cur
            ok = low[i - 2] in VOWELS and pair not in keep | ONSETS  # VC-CV: con-viction
        else:
            ok = cur + nxt in ONSETS and low[i - 2] in VOWELS and low[i + 2] in VOWELS  # regis-try
        if ok and (not points or i - points[-1] >= 2):
            points.append(i)
    return points


NBSP = "\u00a0"


def typography(text: str, language: str) -> str:
    """Tie what a typesetter never separates: French "; : ? !" and thousands such as "75 000"."""
    if language == "fr":
        text = re.sub(r" ([;:?!])", NBSP + r"\1", text)
        text = re.sub(r"(\d) (\d{3})\b", r"\1" + NBSP + r"\2", text)
    return text


def hyphenate(text: str, language: str) -> str:
    """Insert soft hyphens into long words; the typesetter breaks lines there with a visible '-'.

    French spacing rules (`typography`) are applied at the same time.
    """

    def split(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isupper():
            return word
        cuts = hyphenation_points(word, language)
        pieces = [word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)], strict=True)]
        return SOFT_HYPHEN.join(pieces)

    if language not in HYPHENATED:
        return typography(text, language)
    return WORD.sub(split, typography(text, language))


# --- typesetting --------------------------------------------------------------------------------


class Gazette(FPDF):
    """An A4 gazette page with running header, page-number footer and first-page footnotes."""

    def __init__(self, style: Style) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.style = style
        self.footnotes: dict[int, list[tuple[str, str]]] = {}
        self.two_column_pages: set[int] = set()
        self.set_creation_date(CREATION_DATE)
        self.set_lang(style.language)
        self.set_author(style.author)
        self.set_creator("checker sample corpus")
        self.set_margins(MARGIN_L, MARGIN_T, MARGIN_R)
        self.set_auto_page_break(auto=True, margin=MARGIN_B)
        for suffix, name in zip(("", "B", "I"), style.fonts, strict=True):
            self.add_font(FONT, suffix, str(find_font(name)))
        if style.rtl:
            self.set_text_shaping(use_shaping_engine=True, direction="rtl")
        self.alias_nb_pages()

    @property
    def body_align(self) -> Align:
        """Justified text; right-to-left text is set flush right."""
        return Align.R if self.style.rtl else Align.J

    @property
    def wrapmode(self) -> WrapMode:
        return WrapMode.CHAR if self.style.wrap_chars else WrapMode.WORD

    @property
    def head_align(self) -> Align:
        return Align.R if self.style.rtl else Align.L

    def header(self) -> None:
        """Running head: the gazette name, issue and date over a double rule."""
        self.set_font(FONT, "", 7.5)
        self.set_xy(MARGIN_L, 10)
        self.cell(TEXT_W, 4, self.style.header, align=Align.C)
        self.set_line_width(0.4)
        self.line(MARGIN_L, 15.2, PAGE_W - MARGIN_R, 15.2)
        self.set_line_width(0.15)
        self.line(MARGIN_L, 16.0, PAGE_W - MARGIN_R, 16.0)
        if self.page_no() == 1:
            self.set_font(FONT, "I", 7.5)
            self.set_xy(MARGIN_L, 17.0)
            self.cell(TEXT_W, 4, self.style.masthead, align=Align.C)
        self.set_xy(MARGIN_L, MARGIN_T)

    def footer(self) -> None:
        """Footnotes of the page (if any) above a rule, then the page number."""
        notes = self.footnotes.get(self.page_no(), [])
        if notes:
            self.set_line_width(0.2)
            self.line(MARGIN_L, PAGE_H - MARGIN_B + 3, MARGIN_L + 45, PAGE_H - MARGIN_B + 3)
            self.set_xy(MARGIN_L, PAGE_H - MARGIN_B + 4)
            self.set_font(FONT, "", 7)
            for mark, text in notes:
                self.multi_cell(
                    TEXT_W,
                    3.2,
                    f"{mark} {text}",
                    align=Align.J,
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
        self.set_line_width(0.15)
        self.line(MARGIN_L, PAGE_H - 15, PAGE_W - MARGIN_R, PAGE_H - 15)
        self.set_xy(MARGIN_L, PAGE_H - 13.5)
        self.set_font(FONT, "", 8)
        folio = self.style.footer.format(page=self.page_no(), nb="{nb}")
        self.cell(TEXT_W, 4, folio, align=Align.C)

    # -- helpers --

    @property
    def bottom(self) -> float:
        """The y coordinate at which the automatic page break fires."""
        return PAGE_H - MARGIN_B

    def ensure_space(self, height: float) -> None:
        """Start a new page unless `height` millimetres are left above the bottom margin."""
        if self.get_y() + height > self.bottom:
            self.add_page()

    def text_height(self, text: str, width: float, line_height: float) -> float:
        """Height that `text` would take as a justified paragraph `width` wide."""
        result = self.multi_cell(
            width, line_height, text, align=self.body_align, dry_run=True,
            output=MethodReturnValue.HEIGHT, wrapmode=self.wrapmode
        )
        assert isinstance(result, int | float)
        return float(result)

    def paragraph(
        self, text: str, x: float, width: float, *, markdown: bool = False, after: float = 1.6
    ) -> None:
        """A justified, hyphenated paragraph starting at `x`, continuing across page breaks."""
        self.set_font(FONT, "", self.style.body_size)
        self.set_left_margin(x)
        self.set_x(x)
        self.multi_cell(
            width,
            self.style.leading,
            text,
            align=self.body_align,
            markdown=markdown,
            wrapmode=self.wrapmode,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_left_margin(MARGIN_L)
        self.set_y(self.get_y() + after)

    def add_footnote_marks(self, text: str, footnotes: dict[str, str]) -> str:
        """Replace `[^n]` with a superscript mark and file the note under the current page."""

        def mark(match: re.Match[str]) -> str:
            label = match.group(1)
            symbol = SUPERSCRIPTS.get(label, f"({label})")
            self.footnotes.setdefault(self.page_no(), []).append((symbol, footnotes[label]))
            return symbol

        return FOOTNOTE_REF.sub(mark, text)


def find_font(name: str = "DejaVuSerif.ttf") -> Path:
    """The font file `name` in CHECKER_FONT_DIR or FONT_DIRS (DejaVu for most samples)."""
    candidates = [os.environ.get("CHECKER_FONT_DIR", ""), *FONT_DIRS]
    for candidate in candidates:
        if candidate and (Path(candidate) / name).is_file():
            return Path(candidate) / name
    package = "fonts-wqy-zenhei" if name == CJK_FONT else "fonts-dejavu-core"
    raise SystemExit(f"{name} not found; install {package} or set CHECKER_FONT_DIR")


def indent_level(text: str, style: Style, last_letter: str) -> int:
    """How far a paragraph is indented, from its label: (a) and 1° one step, (i) two steps.

    "(i)" is a subparagraph unless it continues a run of lettered paragraphs ending in "(h)".
    """
    if style.sub_item and (match := re.match(style.sub_item, text)):
        label = match.group(1)
        continues = len(label) == 1 and bool(last_letter) and ord(label) == ord(last_letter) + 1
        if not continues:
            return 2
    return 1 if re.match(style.list_item, text) else 0


def set_provision(pdf: Gazette, block: Block, source: Source) -> None:
    """Lay out a provision: its heading in the house style, then its paragraphs."""
    style = pdf.style
    lang = style.language
    paras = [
        hyphenate(pdf.add_footnote_marks(p.text, source.footnotes), lang) for p in block.children
    ]
    in_columns = bool(style.column_section and re.match(style.column_section, block.text))
    pdf.ensure_space(18)
    pdf.set_y(pdf.get_y() + 1.5)

    body_x, body_w = MARGIN_L, TEXT_W
    if style.provisions == "marginal":
        number, _, heading = block.text.partition(" ")
        body_x = MARGIN_L + NOTE_W + NOTE_GAP
        body_w = TEXT_W - NOTE_W - NOTE_GAP
        top = pdf.get_y()
        pdf.set_font(FONT, "I", 7.5)
        pdf.set_xy(MARGIN_L, top + 0.4)
        pdf.multi_cell(NOTE_W, 3.3, heading, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(top)
        paras[0] = f"**{number}** {paras[0]}"
    elif style.provisions == "inline":
        paras[0] = f"**{block.text}** {paras[0]}"
    else:
        pdf.set_font(FONT, "B", style.body_size)
        pdf.cell(
            TEXT_W,
            style.leading + 0.5,
            block.text,
            align=pdf.head_align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    item = re.compile(style.column_item or "$^")
    items = [i for i, p in enumerate(paras) if in_columns and item.match(p)]
    last_letter = ""
    i = 0
    while i < len(paras):
        if items and i == items[0]:
            set_columns(pdf, paras[items[0] : items[-1] + 1])
            i = items[-1] + 1
            continue
        text = paras[i]
        level = indent_level(text, style, last_letter)
        if letter := re.match(r"^\(([a-z])\)", text):
            last_letter = letter.group(1) if level == 1 else last_letter
        x = body_x + level * INDENT
        pdf.paragraph(text, x, body_w - level * INDENT, markdown=text.startswith("**"))
        i += 1


Column = list[tuple[str, float]]


def split_columns(queue: Column, room: float) -> tuple[Column, Column]:
    """Choose the items for a left and a right column of at most `room` mm each.

    When everything fits, the split that makes the taller column shortest is taken (balanced
    columns); otherwise both columns are filled in turn and the rest waits for the next page.
    """
    heights = [h for _, h in queue]
    if sum(heights) <= 2 * room:
        fitting = [
            k
            for k in range(1, len(queue) + 1)
            if sum(heights[:k]) <= room and sum(heights[k:]) <= room
        ]
        if fitting:
            best = min(fitting, key=lambda k: (max(sum(heights[:k]), sum(heights[k:])), k))
            return queue[:best], queue[best:]
    left_n = 1
    while left_n < len(queue) and sum(heights[: left_n + 1]) <= room:
        left_n += 1
    right_n = 0
    while left_n + right_n < len(queue) and sum(heights[left_n : left_n + right_n + 1]) <= room:
        right_n += 1
    return queue[:left_n], queue[left_n : left_n + right_n]


def set_columns(pdf: Gazette, items: list[str]) -> None:
    """Set `items` in two balanced justified columns across the full text width.

    Items are kept whole; if the block does not fit, the columns continue on the next page.
    """
    width = (TEXT_W - GUTTER) / 2
    pdf.set_font(FONT, "", COLUMN_SIZE)
    heights = [pdf.text_height(t, width, COLUMN_LH) + 1.2 for t in items]
    queue = list(zip(items, heights, strict=True))
    pdf.set_y(pdf.get_y() + 1)
    while queue:
        room = pdf.bottom - pdf.get_y()
        total = sum(h for _, h in queue)
        if min(total / 2, queue[0][1]) > room or room < 30:
            pdf.add_page()
            continue
        left, right = split_columns(queue, room)
        del queue[: len(left) + len(right)]
        top = pdf.get_y()
        pdf.two_column_pages.add(pdf.page_no())
        ends = []
        for x, column in ((MARGIN_L, left), (MARGIN_L + width + GUTTER, right)):
            y = top
            for text, height in column:
                pdf.set_font(FONT, "", COLUMN_SIZE)
                pdf.set_xy(x, y)
                pdf.multi_cell(
                    width, COLUMN_LH, text, align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
                y += height
            ends.append(y)
        pdf.set_line_width(0.1)
        pdf.line(MARGIN_L + width + GUTTER / 2, top, MARGIN_L + width + GUTTER / 2, max(ends) - 1.2)
        pdf.set_xy(MARGIN_L, max(ends) + 1)
        if queue:
            pdf.add_page()


def set_in_columns(pdf: Gazette, blocks: list[Block], source: Source) -> None:
    """Flow `blocks` through two balanced justified columns, page after page (journal layout)."""
    style = pdf.style
    first_page = pdf.page_no()
    pdf.set_y(pdf.get_y() + 2)
    with pdf.text_columns(
        ncols=2, gutter=GUTTER, balance=True, text_align=Align.J, line_height=1.2
    ) as cols:
        for block in blocks:
            if block.kind == "division":
                pdf.set_font(FONT, "B", style.body_size)
                with cols.paragraph(text_align=Align.C, top_margin=3, bottom_margin=1.5) as par:
                    par.write(block.text)
            elif block.kind == "closing":
                pdf.set_font(FONT, "I", style.body_size)
                with cols.paragraph(text_align=Align.C, top_margin=2) as par:
                    par.write(block.text)
            else:
                texts = [block.text] if block.kind == "para" else [p.text for p in block.children]
                if block.kind == "provision":
                    pdf.set_font(FONT, "B", style.body_size)
                    with cols.paragraph(text_align=Align.L, top_margin=2.5) as par:
                        par.write(block.text)
                pdf.set_font(FONT, "", style.body_size)
                for text in texts:
                    indent = INDENT * indent_level(text, style, "")
                    body = hyphenate(pdf.add_footnote_marks(text, source.footnotes), style.language)
                    with cols.paragraph(indent=indent, top_margin=1.2) as par:
                        par.write(body)
    pdf.two_column_pages.update(range(first_page, pdf.page_no() + 1))


def typeset(style: Style, source: Source) -> Gazette:
    """Build the whole gazette document for one sample."""
    pdf = Gazette(style)
    pdf.add_page()
    pdf.set_y(MARGIN_T + 4)
    first_title = True
    for index, block in enumerate(source.blocks):
        if block.kind != "title" and style.layout == "columns":
            set_in_columns(pdf, source.blocks[index:], source)
            break
        if block.kind == "title":
            text = pdf.add_footnote_marks(block.text, source.footnotes)
            pdf.set_font(FONT, "B", 14 if first_title else 11)
            pdf.multi_cell(
                TEXT_W,
                6.5 if first_title else 5.5,
                text,
                align=Align.C,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            pdf.set_y(pdf.get_y() + (2.5 if first_title else 1.5))
            first_title = False
        elif block.kind == "division":
            pdf.ensure_space(26)
            pdf.set_y(pdf.get_y() + 3)
            pdf.set_font(FONT, "B", 10)
            pdf.multi_cell(
                TEXT_W, 5, block.text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.set_y(pdf.get_y() + 1.5)
        elif block.kind == "provision":
            set_provision(pdf, block, source)
        elif block.kind == "closing":
            pdf.ensure_space(10)
            pdf.set_font(FONT, "I", style.body_size)
            pdf.set_y(pdf.get_y() + 2)
            pdf.multi_cell(
                TEXT_W,
                style.leading,
                block.text,
                align=Align.C,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        else:
            text = hyphenate(pdf.add_footnote_marks(block.text, source.footnotes), style.language)
            pdf.paragraph(text, MARGIN_L, TEXT_W, after=2.2)
    return pdf


# --- scanned copy -------------------------------------------------------------------------------


def scan_page(image: Image.Image, page_index: int) -> Image.Image:
    """Make a clean render look scanned: grey paper, slight skew, blur and deterministic speckle."""
    gray = image.convert("L")
    angle = 0.35 if page_index % 2 == 0 else -0.25
    gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    gray = gray.filter(ImageFilter.GaussianBlur(0.55))
    pixels = np.asarray(gray, dtype=np.int32)
    rows, cols = np.indices(pixels.shape, dtype=np.uint64)
    # A fixed integer hash of (row, column, page): noise that looks random but never changes.
    mixed = rows * np.uint64(73856093) ^ cols * np.uint64(19349663) ^ np.uint64(page_index + 1)
    mixed = (mixed ^ (mixed >> np.uint64(13))) * np.uint64(0x5BD1E995)
    mixed = mixed ^ (mixed >> np.uint64(15))
    grain = (mixed % np.uint64(9)).astype(np.int32) - 4
    dust = (mixed % np.uint64(4001)) == 0
    pixels = pixels - 10 + grain  # paper is never pure white
    pixels[dust] = 70
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def build_scanned(source_pdf: Path, target: Path) -> int:
    """Write an image-only copy of `source_pdf` at SCAN_DPI; return its page count."""
    document = pdfium.PdfDocument(source_pdf)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_creator("checker sample corpus (scan)")
    pdf.set_auto_page_break(auto=False)
    count = len(document)
    for index in range(count):
        bitmap = document[index].render(scale=SCAN_DPI / 72, grayscale=True)
        scanned = scan_page(bitmap.to_pil(), index)
        buffer = BytesIO()
        scanned.save(buffer, format="JPEG", quality=SCAN_JPEG_QUALITY, optimize=True)
        buffer.seek(0)
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=PAGE_W, h=PAGE_H)
    document.close()
    pdf.output(str(target))
    return count


# --- main ---------------------------------------------------------------------------------------


def describe(path: Path, pages: int, extra: str = "") -> str:
    """One summary line for a written file."""
    size = path.stat().st_size / 1024
    return f"wrote {path.relative_to(ROOT)}: {pages} pages, {size:.1f} KB{extra}"


def build(style: Style) -> list[str]:
    """Render one sample and return the summary lines of the files written."""
    folder = SAMPLES / style.sample_id
    source = parse_markdown((folder / "text.md").read_text(encoding="utf-8"))
    pdf = typeset(style, source)
    target = folder / "source.pdf"
    pdf.output(str(target))
    columns = sorted(pdf.two_column_pages)
    extra = f", two-column page(s) {', '.join(map(str, columns))}" if columns else ""
    lines = [describe(target, pdf.pages_count, extra)]
    if style.scanned:
        scanned = folder / "scanned.pdf"
        lines.append(describe(scanned, build_scanned(target, scanned), ", image only"))
    return lines


def main(only: list[str]) -> None:
    """Regenerate the sample PDFs (those named, or all) whose `text.md` exists."""
    for style in STYLES:
        if only and style.sample_id not in only:
            continue
        if not (SAMPLES / style.sample_id / "text.md").is_file():
            print(f"skipped {style.sample_id}: no text.md yet")
            continue
        for line in build(style):
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
