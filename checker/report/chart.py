"""The coverage chart: obligations by category as stacked horizontal bars, drawn with Pillow.

Each bar is one category, split into met, partial, missing and unclear in that fixed order. Colour
is never the only signal: every status also has its own fill pattern (solid, stripes, cross-hatch,
dots), every segment is labelled with its count, the legend names the statuses with the same
swatches, and each bar ends with its total. The documents that embed the chart also give its
numbers as a table.

The PNG is a pure function of the data (no timestamp chunk), so two runs give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from checker.report.common import STATUS_COLOURS, STATUS_ORDER
from checker.report.content import Tally

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_TEXT = "#1f2328"
_GRID = "#d0d7de"
_BACKGROUND = "#ffffff"

CHART_ALT = (
    "Stacked bar chart: for each category, the number of obligations met, partial, missing and "
    "unclear. The same numbers are given in the table that follows."
)


@cache
def _font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans when the system has it, else Pillow's built-in scalable font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return ImageFont.load_default(size=size)


def _tint(colour: str, amount: float) -> tuple[int, int, int]:
    """`colour` mixed with white; `amount` 0 keeps it, 1 gives white."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(round(c + (255 - c) * amount) for c in (red, green, blue))  # type: ignore[return-value]


def _swatch(status: str, width: int, height: int, scale: int) -> Image.Image:
    """A rectangle of the status colour with the status's own pattern."""
    tile = Image.new("RGB", (max(width, 1), max(height, 1)), STATUS_COLOURS.get(status, "#6e7781"))
    draw = ImageDraw.Draw(tile)
    light = _tint(STATUS_COLOURS.get(status, "#6e7781"), 0.45)
    step = 9 * scale
    line = max(1, round(1.5 * scale))
    if status == "partial":
        for x in range(-height, width + height, step):
            draw.line([(x, height), (x + height, 0)], fill=light, width=line)
    elif status == "missing":
        for x in range(-height, width + height, step):
            draw.line([(x, height), (x + height, 0)], fill=light, width=line)
            draw.line([(x, 0), (x + height, height)], fill=light, width=line)
    elif status == "unclear":
        radius = max(1, round(1.4 * scale))
        for y in range(step // 2, height, step // 2 + 2):
            offset = (y // (step // 2 + 2)) % 2 * (step // 2)
            for x in range(offset + step // 4, width, step):
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=light)
    return tile


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> int:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return int(right - left)


def coverage_chart(rows: Sequence[tuple[str, Tally]], *, scale: int = 2) -> bytes:
    """PNG bytes of the stacked bar chart of `rows` (label, counts), one bar per row.

    Sizes are given at 1x and multiplied by `scale`, so the image stays sharp when a document
    shows it at about 16 cm wide.
    """
    s = scale
    label_font, count_font, legend_font = _font(13 * s), _font(12 * s, bold=True), _font(12 * s)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    width = 760 * s
    pad = 16 * s
    bar_h, gap = 24 * s, 10 * s
    legend_h = 34 * s
    label_w = max([_text_width(probe, label, label_font) for label, _ in rows] + [60 * s]) + 12 * s
    total_w = _text_width(probe, "n = 000", label_font) + 10 * s
    bar_x0 = pad + label_w
    bar_span = width - bar_x0 - pad - total_w
    height = pad + legend_h + max(len(rows), 1) * (bar_h + gap) + pad

    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)

    # Legend, in bar order: swatch then word.
    x = bar_x0
    y = pad
    for status in STATUS_ORDER:
        sw = _swatch(status, 22 * s, 14 * s, s)
        image.paste(sw, (x, y + 2 * s))
        draw.rectangle([x, y + 2 * s, x + 22 * s - 1, y + 16 * s - 1], outline=_TEXT, width=1)
        x += 28 * s
        word = status.capitalize()
        draw.text((x, y), word, fill=_TEXT, font=legend_font)
        x += _text_width(draw, word, legend_font) + 20 * s

    top = pad + legend_h
    largest = max([tally.total for _, tally in rows] + [1])
    if not rows:
        draw.text((bar_x0, top), "No obligations assessed.", fill=_TEXT, font=label_font)
    for index, (label, tally) in enumerate(rows):
        y0 = top + index * (bar_h + gap)
        mid = y0 + bar_h // 2
        draw.text((bar_x0 - 10 * s, mid), label, fill=_TEXT, font=label_font, anchor="rm")
        draw.line([(bar_x0, y0 - gap // 2), (bar_x0, y0 + bar_h + gap // 2)], fill=_GRID, width=s)
        x = bar_x0
        for status, count in tally.items():
            if count == 0:
                continue
            seg_w = round(bar_span * count / largest)
            image.paste(_swatch(status, seg_w, bar_h, s), (x, y0))
            draw.rectangle([x, y0, x + seg_w - 1, y0 + bar_h - 1], outline=_BACKGROUND, width=s)
            text = str(count)
            if _text_width(draw, text, count_font) + 6 * s <= seg_w:
                draw.text((x + seg_w // 2, mid), text, fill="#ffffff", font=count_font,
                          anchor="mm", stroke_width=2 * s, stroke_fill=STATUS_COLOURS[status])
            x += seg_w
        draw.text((x + 8 * s, mid), f"n = {tally.total}", fill=_TEXT, font=label_font, anchor="lm")

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
