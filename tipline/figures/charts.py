"""Bar charts drawn on the server as SVG, from a figures Table: readable on a phone, with no script.

Each row is a label on its own lines and one bar per charted column under it, so long
names (kinds of problem, regions) never need shortening: they are broken into lines
that fit, between words or between Chinese characters, and the chart keeps its shape
at any width (the SVG scales to its box). Colours are set as attributes, not styles,
so the same SVG works inside a page (whose Content-Security-Policy forbids inline
styles) and in a printed report. The template `tipline/_chart.svg` draws what
`layout()` computes; the table next to a chart carries the same numbers.
"""

import re
import unicodedata
from dataclasses import dataclass

# About a phone's width in CSS pixels, so that the text is drawn at its real size there.
WIDTH = 360
FONT_SIZE = 14
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
BAR_GAP = 3
ROW_GAP = 10
VALUE_ROOM = 48  # room right of the longest bar for its number
LEGEND_HEIGHT = 22
# Labels this narrow (months: "2026-05") stand left of their bars rather than above them.
SHORT_LABEL_ROOM = 70
# The width of a Latin letter or digit against the font size (sans-serif runs narrower on average);
# a Chinese character is as wide as the font is high.
LATIN_EM = 0.62
# What a label may be broken after: a Chinese (or other wide) character, or a word with its spaces.
PIECE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+")
# Dark enough on white for text and bars alike (contrast above 4.5:1), and told apart by more than hue:
# the legend names them, and every bar carries its number.
COLOURS = ("#1d4f91", "#a33b00", "#2c6e31", "#6b3fa0")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    text: str
    text_x: float


@dataclass(frozen=True)
class Row:
    label: tuple  # (line, y): the lines of the label, which put together give it whole
    bars: tuple


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    legend: tuple  # (colour, the name's (line, y) pairs, y)
    rows: tuple
    font_size: int = FONT_SIZE


def text_width(text):
    """About how wide `text` is drawn at FONT_SIZE, a little more rather than less."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(ch) in "WF" else FONT_SIZE * LATIN_EM for ch in text)


def wrap(text, width):
    """`text` in lines that each fit `width`, broken after a word or a Chinese character; the lines put
    together give the text back (a line keeps the spaces it ends with: a drawing does not show them)."""
    lines, line = [], ""
    for piece in PIECE.findall(text):
        if line and text_width((line + piece).rstrip()) > width:
            lines.append(line)
            line = ""
        while text_width(piece.rstrip()) > width:  # one word wider than the chart: broken by letters
            cut = max(1, int(width / (FONT_SIZE * LATIN_EM)))
            lines.append(piece[:cut])
            piece = piece[cut:]
        line += piece
    lines.append(line)
    return lines


def layout(table, id_prefix="chart"):
    """Where every label and bar of the table's charted columns goes."""
    columns = list(table.charted)
    inline = all(text_width(str(label)) <= SHORT_LABEL_ROOM - 6 for label, _cells in table.rows)
    left = SHORT_LABEL_ROOM if inline else 0
    largest = max((cells[c].drawn for _label, cells in table.rows for c in columns), default=0) or 1
    scale = (WIDTH - left - VALUE_ROOM) / largest
    legend = []
    y = 0
    if len(columns) > 1:  # a line per series, more for a long name
        for n, column in enumerate(columns):
            name = [
                (line, y + 16 + i * LABEL_HEIGHT)
                for i, line in enumerate(wrap(str(table.headings[column]), WIDTH - 20))
            ]
            legend.append((COLOURS[n % len(COLOURS)], tuple(name), y))
            y += LEGEND_HEIGHT + (len(name) - 1) * LABEL_HEIGHT
    rows = []
    for label, cells in table.rows:
        if inline:
            lines = ((str(label), y + BAR_HEIGHT - 3),)
        else:
            lines = []
            for line in wrap(str(label), WIDTH):
                lines.append((line, y + LABEL_HEIGHT - 5))
                y += LABEL_HEIGHT
        bars = []
        for n, column in enumerate(columns):
            cell = cells[column]
            width = cell.drawn * scale
            bars.append(Bar(left, y, width, BAR_HEIGHT, COLOURS[n % len(COLOURS)], cell.shown, left + width + 5))
            y += BAR_HEIGHT + BAR_GAP
        rows.append(Row(tuple(lines), tuple(bars)))
        y += ROW_GAP
    return Chart(
        id=f"{id_prefix}-{table.key}",
        title=str(table.title),
        description=str(table.description),
        width=WIDTH,
        height=int(y),
        legend=tuple(legend),
        rows=tuple(rows),
    )
