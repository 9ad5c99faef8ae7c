"""Charts as inline SVG, drawn on the server: no script runs on the pages (CSP), so there is no
chart library in the browser. Pure: series in, markup out. Every label is escaped; every chart
carries its numbers as rows for the data table the page shows with it (screen readers, tests).
The SVG scales to its container (viewBox, width 100%); colours keep 3:1 or more on white, and
lines differ by dash as well as colour."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup, escape

# Dark enough for 3:1 against white (WCAG 1.4.11) and apart from each other; the last is "other".
PALETTE = ("#0b4f9c", "#b35900", "#1d6b32", "#8b1a1a", "#6a3d9a", "#00727a", "#7a6000", "#4a4a4a")
DASHES = ("", "6 3", "2 3", "9 3 2 3", "12 4", "4 2 4 6", "1 2", "3 5")
W, H = 420, 220  # viewBox of a time chart: narrow, so that text stays readable on a phone
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 36
FONT = 13
ROW = 26  # height of a horizontal bar's row
IDENT = re.compile(r"[a-z][a-z0-9-]{0,40}")
Kind = Literal["stacked", "lines", "hbars"]


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per category; None: nothing to show (no rate)

    @property
    def total(self) -> float:
        return sum(v for v in self.values if v is not None)


@dataclass(frozen=True)
class Chart:
    """A chart and its table. `categories` head the table rows; `ticks` (shorter, optional) label
    the axis. `ident` makes the ids of its title and description unique on the page."""

    ident: str
    kind: Kind
    title: str
    desc: str
    axis: str  # heading of the categories column
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    empty: str  # shown in place of the chart when there is nothing to draw
    percent: bool = False
    ticks: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not IDENT.fullmatch(self.ident):
            raise ValueError(f"chart ident {self.ident!r}: lowercase letters, digits, hyphens")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.label!r}: one value per category")
        if self.ticks is not None and len(self.ticks) != len(self.categories):
            raise ValueError("one tick per category")

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no counts above zero; for shares, no share at all (0% is one)."""
        return not any(v is not None and (v or self.percent) for s in self.series for v in s.values)

    @property
    def headings(self) -> list[str]:
        return [self.axis, *(s.label for s in self.series)]

    @property
    def rows(self) -> list[list[str]]:
        """The table: one row a category, one column a series, as the chart shows them."""
        return [[c, *(number(s.values[i], percent=self.percent) for s in self.series)]
                for i, c in enumerate(self.categories)]  # fmt: skip

    def svg(self) -> Markup:
        if self.is_empty:
            body, height = _empty(self.empty), 80
        elif self.kind == "hbars":
            body, height = _hbars(self)
        else:
            body, height = _over_time(self), H
        head = (
            f'<svg class="chart-svg" role="img" viewBox="0 0 {W} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{self.ident}-t {self.ident}-d" '
            f'font-size="{FONT}" font-family="system-ui, sans-serif">'
            f'<title id="{self.ident}-t">{escape(self.title)}</title>'
            f'<desc id="{self.ident}-d">{escape(self.desc)}</desc>'
        )
        return Markup(head + body + "</svg>")  # noqa: S704  (every text in it is escaped)

    def legend(self) -> Markup:
        """Which colour (and dash) is which series; none for a single series."""
        if len(self.series) < 2 or self.is_empty:
            return Markup("")
        items = []
        for i, s in enumerate(self.series):
            mark = (f'<line x1="0" y1="6" x2="24" y2="6" stroke="{colour(i)}" stroke-width="3"'
                    f'{_dash(i)}/>' if self.kind == "lines"
                    else f'<rect width="24" height="12" fill="{colour(i)}"/>')  # fmt: skip
            items.append(f'<li><svg class="swatch" viewBox="0 0 24 12" width="24" height="12" '
                         f'aria-hidden="true">{mark}</svg> {escape(s.label)}</li>')  # fmt: skip
        return Markup(f'<ul class="chart-legend">{"".join(items)}</ul>')  # noqa: S704


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _dash(i: int) -> str:
    dash = DASHES[i % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def number(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "–"
    if percent:
        return f"{value:.1f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def fold(series: Sequence[Series], keep: int, other: str) -> tuple[Series, ...]:
    """The `keep` largest series by total, the rest summed into one named `other` (a chart with
    many series is unreadable; the table of the figures keeps every one)."""
    ranked = sorted(series, key=lambda s: -s.total)
    if len(ranked) <= keep + 1:
        return tuple(ranked)
    rest = ranked[keep:]
    summed = tuple(sum(s.values[i] or 0 for s in rest) for i in range(len(rest[0].values)))
    return (*ranked[:keep], Series(other, summed))


def nice_top(largest: float) -> tuple[float, float]:
    """A round top for the value axis and its step (1, 2 or 5 × 10^k), four steps or so."""
    if largest <= 0:
        return 1.0, 1.0
    rough = largest / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(step, 1.0)  # counts: whole steps
    return math.ceil(largest / step) * step, step


def text_width(text: str) -> float:
    """Rough width in viewBox units: CJK characters are square, others about 0.6 em."""
    return sum(FONT if ord(ch) > 0x2E80 else FONT * 0.6 for ch in text)


def clip(text: str, width: float) -> str:
    while text and text_width(text) > width:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text


def _empty(message: str) -> str:
    return (f'<text x="{W / 2}" y="45" text-anchor="middle" fill="#4a4a4a">'
            f"{escape(message)}</text>")  # fmt: skip


def _over_time(chart: Chart) -> str:
    n = len(chart.categories)
    x0, x1, y0, y1 = LEFT, W - RIGHT, TOP, H - BOTTOM
    band = (x1 - x0) / n
    if chart.percent:
        top, step = 100.0, 25.0
    elif chart.kind == "stacked":
        top, step = nice_top(max(sum(s.values[i] or 0 for s in chart.series) for i in range(n)))
    else:
        top, step = nice_top(max(s.values[i] or 0 for s in chart.series for i in range(n)))

    def y(v: float) -> float:
        return y1 - (y1 - y0) * v / top

    parts = []
    for k in range(int(top / step) + 1):  # grid lines and value labels
        v = k * step
        parts.append(f'<line x1="{x0}" y1="{y(v):.1f}" x2="{x1}" y2="{y(v):.1f}" '
                     f'stroke="{"#1a1a1a" if k == 0 else "#d0d4da"}" stroke-width="1"/>'
                     f'<text x="{x0 - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#1a1a1a">'
                     f"{number(v, percent=chart.percent)}</text>")  # fmt: skip
    ticks = chart.ticks or chart.categories
    every = max(1, math.ceil(n * (max(text_width(t) for t in ticks) + 10) / (x1 - x0)))
    parts.extend(f'<text x="{x0 + band * (i + 0.5):.1f}" y="{y1 + 18}" text-anchor="middle" '
                 f'fill="#1a1a1a">{escape(tick)}</text>'
                 for i, tick in enumerate(ticks) if i % every == 0)  # fmt: skip
    if chart.kind == "stacked":
        return "".join(parts) + _stacks(chart, x0, band, y)
    return "".join(parts) + _lines(chart, x0, band, y)


def _tip(chart: Chart, category: str, series: Series, value: float) -> str:
    """The tooltip of a mark (sighted pointer users; the table serves everyone)."""
    shown = number(value, percent=chart.percent)
    return f"<title>{escape(category)} · {escape(series.label)}: {shown}</title>"


def _stacks(chart: Chart, x0: float, band: float, y: Callable[[float], float]) -> str:
    width = max(1.0, band * 0.7)
    parts = []
    for i, category in enumerate(chart.categories):
        base = 0.0
        for j, s in enumerate(chart.series):
            v = s.values[i] or 0
            if v:
                parts.append(f'<rect x="{x0 + band * i + (band - width) / 2:.1f}" '
                             f'y="{y(base + v):.1f}" width="{width:.1f}" '
                             f'height="{y(base) - y(base + v):.1f}" fill="{colour(j)}" '
                             f'stroke="#fff" stroke-width="0.5">'
                             f"{_tip(chart, category, s, v)}</rect>")  # fmt: skip
            base += v
    return "".join(parts)


def _lines(chart: Chart, x0: float, band: float, y: Callable[[float], float]) -> str:
    """A line a series through its points; a missing value (no rate) leaves a point out."""
    parts = []
    for j, s in enumerate(chart.series):
        points = [(x0 + band * (i + 0.5), y(v), v, chart.categories[i])
                  for i, v in enumerate(s.values) if v is not None]  # fmt: skip
        if len(points) > 1:
            path = " ".join(f"{'M' if k == 0 else 'L'}{px:.1f} {py:.1f}"
                            for k, (px, py, _, _) in enumerate(points))  # fmt: skip
            parts.append(f'<path d="{path}" fill="none" stroke="{colour(j)}" stroke-width="2.5"'
                         f"{_dash(j)}/>")  # fmt: skip
        parts.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour(j)}">'
                     f"{_tip(chart, category, s, v)}</circle>"
                     for px, py, v, category in points)  # fmt: skip
    return "".join(parts)


def _hbars(chart: Chart) -> tuple[str, int]:
    n = len(chart.categories)
    height = TOP + n * ROW + 8
    label_room = min(max(text_width(c) for c in chart.categories) + 8, W * 0.4)
    x0, x1 = label_room, W - RIGHT - 56  # room for the value after the bar
    totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(n)]
    top = max(*totals, 0.0) or 1.0  # shares too: small ones stay apart
    parts = []
    for i, category in enumerate(chart.categories):
        y = TOP + i * ROW
        parts.append(f'<text x="{x0 - 6:.1f}" y="{y + 17}" text-anchor="end" fill="#1a1a1a">'
                     f"{escape(clip(category, label_room - 8))}</text>")  # fmt: skip
        start = x0
        for j, s in enumerate(chart.series):
            v = s.values[i] or 0
            width = (x1 - x0) * v / top
            if width > 0:
                parts.append(f'<rect x="{start:.1f}" y="{y + 4}" width="{width:.1f}" height="18" '
                             f'fill="{colour(j)}" stroke="#fff" stroke-width="0.5">'
                             f"{_tip(chart, category, s, v)}</rect>")  # fmt: skip
            start += width
        parts.append(f'<text x="{start + 4:.1f}" y="{y + 17}" fill="#1a1a1a">'
                     f"{number(totals[i], percent=chart.percent)}</text>")  # fmt: skip
    parts.append(f'<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{TOP + n * ROW}" stroke="#1a1a1a"/>')
    return "".join(parts), height
