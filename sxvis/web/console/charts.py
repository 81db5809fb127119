"""Charts drawn on the server as inline SVG: no script, no CDN, readable on a closed network.

`bars(labels, series)` lays out stacked bars (one bar per label, one segment per series) and returns the
geometry a template draws (`templates/_chart.html`); the same numbers are shown as a table beside it,
for screen readers and for anyone who wants the figures.
"""

from dataclasses import dataclass, field

WIDTH = 720
HEIGHT = 220
LEFT = 48  # room for the axis' numbers
BOTTOM = 28  # room for the labels
TOP = 8


@dataclass(frozen=True)
class Series:
    name: str  # already translated
    css: str  # a class of console.css: "allowed", "denied", "failed", "plain"
    values: list[int]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, text), thinned to fit
    top: int = 0


def _nice_top(value: int) -> int:
    """The axis' top: at least `value`, and a multiple of 4, so the five ticks are whole round numbers."""
    if value <= 20:
        return max(4, -(-value // 4) * 4)
    step = 10
    while step * 10 < value:
        step *= 10
    for multiple in (2, 4, 8, 10):
        if step * multiple >= value:
            return step * multiple
    return step * 10


def bars(labels: list[str], series: list[Series]) -> Chart:
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1.0)
    rects = []
    for i, label in enumerate(labels):
        base = float(HEIGHT - BOTTOM)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            x = LEFT + i * slot + (slot - bar_w) / 2
            rects.append(
                Rect(
                    round(x, 1),
                    round(base, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    s.css,
                    f"{label}: {s.name} {value}",
                )
            )
    ticks = [(round(HEIGHT - BOTTOM - plot_h * k / 4, 1), top * k // 4) for k in range(5)]
    every = max(1, len(labels) // 8)
    shown = [
        (round(LEFT + i * slot + slot / 2, 1), label) for i, label in enumerate(labels) if i % every == 0
    ]
    return Chart(WIDTH, HEIGHT, rects, ticks, shown, top)
