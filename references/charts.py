"""The effects chart on a condition's page, laid out in Python and drawn as SVG by a template.

One mark per study that reports an effect against its comparator: across by year,
up by effect, against a zero line, its area in proportion to the participants.
With few studies each mark is labelled with its figures, so that a sparse chart
still reads at a glance. The page prints the same figures as a table, for screen
readers and for anyone who would rather read numbers.
"""

import math
from dataclasses import dataclass, field

from .templatetags.evidence import effect

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40
MIN_RADIUS, MAX_RADIUS = 4, 18
LABELLED_MARKS = 6  # up to this many studies, each mark carries its figures beside it
LABEL_WIDTH = 200  # room a label needs to sit right of its mark, in the chart's units at the phone's larger type


@dataclass
class Mark:
    study: object
    x: float
    y: float
    r: float
    favours_comparator: bool
    label: str = ""
    label_x: float = 0
    label_anchor: str = "start"


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class EffectChart:
    marks: list
    zero_y: float
    y_ticks: list
    x_ticks: list
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    unplotted: list = field(default_factory=list)


def _step(span):
    """A tick step of 1, 2 or 5 times a power of ten giving four to eight ticks."""
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def effect_chart(studies):
    """Lay out the chart for studies from ``Study.objects.with_figures()``; None if none reports an effect."""
    plotted, unplotted = [], []
    for study in studies:
        (plotted if study.effect_pct is not None and study.year is not None else unplotted).append(study)
    if not plotted:
        return None
    effects = [float(s.effect_pct) for s in plotted]
    step = _step(max(max(effects, default=0), 0) - min(min(effects, default=0), 0) or 10)
    low = math.floor(min(0, *effects) / step) * step
    high = math.ceil(max(0, *effects) / step) * step
    if low == high:
        high = low + step
    years = [s.year for s in plotted]
    first, last = min(years) - 1, max(years) + 1
    most = max((s.participants or 0 for s in plotted), default=0) or 1

    def y_at(value):
        return TOP + (high - value) / (high - low) * (HEIGHT - BOTTOM - TOP)

    def x_at(year):
        return LEFT + (year - first) / (last - first) * (WIDTH - RIGHT - LEFT)

    # Studies of the same year sit side by side within the year's slot rather than on top of each other.
    slot = (WIDTH - RIGHT - LEFT) / (last - first) * 0.6
    by_year = {}
    for study in plotted:
        by_year.setdefault(study.year, []).append(study)
    marks = []
    for year, group in by_year.items():
        for i, study in enumerate(group):
            offset = (i - (len(group) - 1) / 2) * (slot / len(group)) if len(group) > 1 else 0
            area = (study.participants or 0) / most
            marks.append(
                Mark(
                    study=study,
                    x=round(x_at(year) + offset, 1),
                    y=round(y_at(float(study.effect_pct)), 1),
                    r=round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(area), 1),
                    favours_comparator=study.effect_pct < 0,
                )
            )
    if len(marks) <= LABELLED_MARKS:
        for mark in marks:
            _label(mark)
    year_step = max(1, math.ceil((last - first) / 8))
    value = low
    y_ticks = []
    while value <= high + step / 2:
        y_ticks.append(Tick(round(y_at(value), 1), f"{value:g}%"))
        value += step
    x_ticks = [Tick(round(x_at(year), 1), str(year)) for year in range(first + 1, last, year_step)]
    return EffectChart(
        marks=marks,
        zero_y=round(y_at(0), 1),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        description=_describe(plotted, unplotted),
        unplotted=unplotted,
    )


def _label(mark):
    """The mark's effect and participants beside it: on its right, or on its left near the plot's edge."""
    participants = mark.study.participants
    mark.label = effect(mark.study).replace("percentage points", "points") + (
        f" · {participants} people" if participants else ""
    )
    if mark.x + mark.r + 6 + LABEL_WIDTH <= WIDTH - RIGHT:
        mark.label_x, mark.label_anchor = round(mark.x + mark.r + 6, 1), "start"
    else:
        mark.label_x, mark.label_anchor = round(mark.x - mark.r - 6, 1), "end"


def _describe(plotted, unplotted):
    favouring = sum(1 for s in plotted if s.effect_pct > 0)
    ordered = sorted(plotted, key=lambda s: s.effect_pct)
    parts = [
        f"{_count(len(plotted), 'study')} plotted by year and effect against the comparator; "
        f"{favouring} of them favour naltrexone.",
        f"Effects range from {effect(ordered[0])} to {effect(ordered[-1])}.",
        "Larger circles stand for more participants.",
    ]
    if unplotted:
        parts.append(f"{_count(len(unplotted), 'study')} without a reported effect or year not shown.")
    return " ".join(parts)


def _count(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"
