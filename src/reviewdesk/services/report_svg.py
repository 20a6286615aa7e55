"""Small inline-SVG charts for the HTML report: interval bars, stacked weekly columns, dumbbells.

Why our own: the report must be one self-contained file that renders without a browser-side
library, without network access and without JavaScript, and charts here are simple shapes. A
plotting library would bring hundreds of megabytes (matplotlib) or emit SVG with scripts and
external fonts. Each chart is a function from plain values to SVG text.

Every piece of text that reaches the SVG goes through ``text()``, which escapes it for XML and
makes control and bidi-override characters visible (trace content is untrusted: slice names,
document ids and sources come from the traces). The result is wrapped in ``Markup`` only here, so
the report template can insert it without escaping it twice.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from reviewdesk import inert


def visible(value: str) -> str:
    """Invisible, control and reordering characters shown as a visible ``⟨U+XXXX⟩`` mark.

    The character class is ``reviewdesk.inert.UNSAFE``, the one the window and the CLI use.
    """
    return inert.visible(value)


def text(value: object) -> str:
    """Untrusted text made safe for XML/HTML text and attribute values."""
    return html.escape(visible(str(value)), quote=True)


PASS_COLOR = "#3d8b5a"
FAIL_COLOR = "#c0392b"
UNSURE_COLOR = "#d4a017"
UNREVIEWED_COLOR = "#a7b0bd"
BAR_COLOR = "#3b6ea5"
ALT_COLOR = "#d9822b"
INK = "#1f2933"
GRID = "#d5dae1"

_FONT = 12
_ROW = 24
_LABEL_WIDTH = 190
_VALUE_WIDTH = 200
_WIDTH = 760


def nice_step(value: float, ticks: int = 4, *, integer: bool = False) -> float:
    """The smallest 1/2/2.5/5×10ᵏ step such that ``ticks`` steps reach ``value`` (round axis labels).

    ``integer`` (counts) skips 2.5 and never goes below 1.
    """
    if value <= 0:
        return 1.0
    raw = value / ticks
    if integer and raw <= 1:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _line(x1: float, y1: float, x2: float, y2: float, *, stroke: str, width: float = 1.0) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width:g}"/>'


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK) -> str:
    """A text element; ``content`` is untrusted and escaped here."""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{text(content)}</text>'


def _label(value: str, limit: int = 25) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of an interval bar chart."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    caption: str = ""
    """Text right of the bar, e.g. ``31% [15–52%] n=13``."""
    tooltip: str = ""


def _svg(width: int, height: int, body: Sequence[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" font-size="{_FONT}" class="chart">'
        f"<title>{text(title)}</title>{''.join(body)}</svg>"
    )


def interval_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    axis_max: float = 1.0,
    tick_format: Callable[[float], str] = lambda v: f"{v:.0%}",
    ticks: int = 4,
    color: str = BAR_COLOR,
) -> Markup:
    """Horizontal bars from 0 to ``value`` with a whisker from ``low`` to ``high`` (a CI or p50–p95)."""
    axis_max = axis_max if axis_max > 0 else 1.0
    plot = _WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    top = 18
    height = top + _ROW * max(1, len(bars)) + 6

    def x(value: float) -> float:
        return _LABEL_WIDTH + plot * min(max(value, 0.0), axis_max) / axis_max

    body: list[str] = []
    for step in range(ticks + 1):
        tick = axis_max * step / ticks
        body.append(
            _line(x(tick), top - 4, x(tick), height - 6, stroke=GRID)
            + _text(x(tick), top - 7, tick_format(tick), anchor="middle", fill="#52606d")
        )
    for index, bar in enumerate(bars):
        y = top + index * _ROW
        mid = y + _ROW / 2
        parts = [f"<title>{text(bar.tooltip or bar.label + ' ' + bar.caption)}</title>"]
        parts.append(_text(_LABEL_WIDTH - 8, mid + 4, _label(bar.label), anchor="end"))
        if bar.value is not None:
            parts.append(
                f'<rect x="{_LABEL_WIDTH}" y="{y + 5}" width="{max(x(bar.value) - _LABEL_WIDTH, 1.0):.1f}" '
                f'height="{_ROW - 10}" fill="{color}" rx="2"/>'
            )
        if bar.low is not None and bar.high is not None:
            x1, x2 = x(bar.low), x(bar.high)
            parts.append(
                _line(x1, mid, x2, mid, stroke=INK, width=1.5)
                + _line(x1, mid - 5, x1, mid + 5, stroke=INK, width=1.5)
                + _line(x2, mid - 5, x2, mid + 5, stroke=INK, width=1.5)
            )
        parts.append(_text(_WIDTH - _VALUE_WIDTH + 8, mid + 4, bar.caption))
        body.append(f"<g>{''.join(parts)}</g>")
    return _svg(_WIDTH, height, body, title)


@dataclass(frozen=True, slots=True)
class Column:
    """One stacked column (a week): segment name → count, in legend order."""

    label: str
    segments: dict[str, int] = field(default_factory=dict)
    line: float | None = None
    """A rate drawn as a line over the columns (0–1, right axis), e.g. the failure rate."""


def stacked_columns(
    columns: Sequence[Column], *, colors: dict[str, str], title: str, line_label: str = "failure rate"
) -> Markup:
    """Columns stacked by segment, with a legend, and an optional rate line on a 0–100% right axis."""
    width, height = _WIDTH, 260
    left, right, top, bottom = 44, 52, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    total_max = nice_step(max((sum(c.segments.values()) for c in columns), default=0) or 1, integer=True) * 4
    slot = plot_w / max(1, len(columns))
    bar_w = min(46.0, slot * 0.7)
    body: list[str] = []
    for step in range(5):
        value = total_max * step / 4
        y = top + plot_h - plot_h * step / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#52606d">{value:g}</text>'
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="#52606d">{step * 25}%</text>'
        )
    points: list[str] = []
    for index, column in enumerate(columns):
        cx = left + slot * index + slot / 2
        y = top + plot_h
        parts = [f"<title>{text(column.label)}: " + text(", ".join(f"{k} {v}" for k, v in column.segments.items()))]
        if column.line is not None:
            parts.append(text(f", {line_label} {column.line:.0%}"))
        parts.append("</title>")
        for name, count in column.segments.items():
            if count <= 0:
                continue
            h = plot_h * count / total_max
            y -= h
            parts.append(
                f'<rect x="{cx - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colors.get(name, BAR_COLOR)}"/>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{INK}">{text(column.label)}</text>'
        )
        body.append(f"<g>{''.join(parts)}</g>")
        if column.line is not None:
            points.append(f"{cx:.1f},{top + plot_h - plot_h * column.line:.1f}")
    if len(points) > 1:
        body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{INK}" stroke-width="2"/>')
    for point in points:
        px, py = point.split(",")
        body.append(f'<circle cx="{px}" cy="{py}" r="3" fill="{INK}"/>')
    legend_x = left
    for name, color in colors.items():
        body.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="10" height="10" fill="{color}"/>'
            f'<text x="{legend_x + 14}" y="{height - 7}" fill="{INK}">{text(name)}</text>'
        )
        legend_x += 24 + 7 * len(name)
    if points:
        body.append(
            f'<line x1="{legend_x}" y1="{height - 11}" x2="{legend_x + 16}" y2="{height - 11}" stroke="{INK}" '
            f'stroke-width="2"/><text x="{legend_x + 20}" y="{height - 7}" fill="{INK}">{text(line_label)} '
            "(right axis)</text>"
        )
    return _svg(width, height, body, title)


@dataclass(frozen=True, slots=True)
class Dumbbell:
    """One row of a two-group comparison: A's and B's rate with their intervals."""

    label: str
    a: float | None
    a_low: float | None
    a_high: float | None
    b: float | None
    b_low: float | None
    b_high: float | None
    caption: str = ""


def dumbbells(rows: Sequence[Dumbbell], *, name_a: str, name_b: str, title: str) -> Markup:
    """Two dots per row (A hollow, B filled) with their 95% intervals, on a 0–100% axis."""
    plot = _WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    top = 34
    height = top + _ROW * max(1, len(rows)) + 6

    def x(value: float) -> float:
        return _LABEL_WIDTH + plot * min(max(value, 0.0), 1.0)

    body = [
        f'<circle cx="{_LABEL_WIDTH + 6}" cy="9" r="5" fill="white" stroke="{BAR_COLOR}" stroke-width="2"/>'
        f'<text x="{_LABEL_WIDTH + 16}" y="13" fill="{INK}">{text(name_a)}</text>'
        f'<circle cx="{_LABEL_WIDTH + 26 + 7 * len(name_a)}" cy="9" r="5" fill="{ALT_COLOR}"/>'
        f'<text x="{_LABEL_WIDTH + 36 + 7 * len(name_a)}" y="13" fill="{INK}">{text(name_b)}</text>'
    ]
    for step in range(5):
        tick = step / 4
        body.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 6}" stroke="{GRID}"/>'
            f'<text x="{x(tick):.1f}" y="{top - 9}" text-anchor="middle" fill="#52606d">{step * 25}%</text>'
        )
    for index, row in enumerate(rows):
        y = top + index * _ROW
        a_mid, b_mid = y + _ROW / 2 - 4, y + _ROW / 2 + 4
        parts = [f"<title>{text(row.label + ' ' + row.caption)}</title>"]
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + _ROW / 2 + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{text(_label(row.label))}</text>"
        )
        for value, low, high, mid, filled in (
            (row.a, row.a_low, row.a_high, a_mid, False),
            (row.b, row.b_low, row.b_high, b_mid, True),
        ):
            color = ALT_COLOR if filled else BAR_COLOR
            if low is not None and high is not None:
                parts.append(
                    f'<line x1="{x(low):.1f}" y1="{mid:.1f}" x2="{x(high):.1f}" y2="{mid:.1f}" stroke="{color}" '
                    'stroke-width="1.5"/>'
                )
            if value is not None:
                fill = color if filled else "white"
                parts.append(
                    f'<circle cx="{x(value):.1f}" cy="{mid:.1f}" r="4" fill="{fill}" stroke="{color}" '
                    'stroke-width="2"/>'
                )
        parts.append(
            f'<text x="{_WIDTH - _VALUE_WIDTH + 8}" y="{y + _ROW / 2 + 4:.1f}" fill="{INK}">{text(row.caption)}</text>'
        )
        body.append(f"<g>{''.join(parts)}</g>")
    return _svg(_WIDTH, height, body, title)
