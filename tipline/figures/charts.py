"""Bar charts drawn on the server as SVG, from a figures Table: readable on a phone, with no script.

Each row is a label on its own line and one bar per charted column under it, so long
names (kinds of problem, regions) never need shortening and the chart keeps its shape
at any width (the SVG scales to its box). Colours are set as attributes, not styles,
so the same SVG works inside a page (whose Content-Security-Policy forbids inline
styles) and in a printed report. The template `tipline/_chart.svg` draws what
`layout()` computes; the table next to a chart carries the same numbers.
"""

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
# Labels this short (months: "2026-05") stand left of their bars rather than above them.
SHORT_LABEL = 8
SHORT_LABEL_ROOM = 70
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
    label: str
    label_y: float
    bars: tuple


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    legend: tuple  # (colour, name, y)
    rows: tuple
    font_size: int = FONT_SIZE


def layout(table, id_prefix="chart"):
    """Where every label and bar of the table's charted columns goes."""
    columns = list(table.charted)
    inline = all(len(str(label)) <= SHORT_LABEL for label, _cells in table.rows)
    left = SHORT_LABEL_ROOM if inline else 0
    largest = max((cells[c].drawn for _label, cells in table.rows for c in columns), default=0) or 1
    scale = (WIDTH - left - VALUE_ROOM) / largest
    legend = []
    y = 0
    if len(columns) > 1:  # one line per series: names in any script fit
        for n, column in enumerate(columns):
            legend.append((COLOURS[n % len(COLOURS)], str(table.headings[column]), y))
            y += LEGEND_HEIGHT
    rows = []
    for label, cells in table.rows:
        if inline:
            label_y = y + BAR_HEIGHT - 3
        else:
            label_y = y + LABEL_HEIGHT - 5
            y += LABEL_HEIGHT
        bars = []
        for n, column in enumerate(columns):
            cell = cells[column]
            width = cell.drawn * scale
            bars.append(Bar(left, y, width, BAR_HEIGHT, COLOURS[n % len(COLOURS)], cell.shown, left + width + 5))
            y += BAR_HEIGHT + BAR_GAP
        rows.append(Row(str(label), label_y, tuple(bars)))
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
