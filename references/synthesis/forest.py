"""The forest plot of one synthesis, laid out in Python and drawn as SVG by a template.

One row per study: its name and year, its effect with the 95% CI as a line, and a square whose area
is the study's weight in the pooled estimate; then a diamond per pooled estimate, spanning its CI, with
the prediction interval as a thin line through it. A vertical line marks no difference; ratios sit on a
log scale, so that 0.5 and 2 are the same distance from 1. The labels under the axis say which side
favours naltrexone for this outcome. The page prints the same figures as a table beside it.
"""

import math
from dataclasses import dataclass

from ..charts import _step
from .models import Outcome
from .stats import effect_text

WIDTH = 480
LEFT, RIGHT = 12, 12
ROW = 40  # a study's row: its label line, then its CI line
TOP = 8
AXIS = 56  # the axis, its ticks and the "favours" labels
MIN_SIDE, MAX_SIDE = 5, 16
CHARACTER = 9  # the widest a character of the plot's text gets (a phone's larger type), in its units
RATIO_BOUNDS = (0.01, 100)  # a ratio's axis never runs wider; longer CIs end in an arrow


@dataclass
class _Line:
    """A row of the plot: its label and figures on one line, its mark on the line below."""

    y: float  # the top of the row
    label: str
    figures: str  # "0.49 (0.34 to 0.70) · 12%"

    @property
    def text_y(self):
        return self.y + 13

    @property
    def line_y(self):
        return self.y + 28


@dataclass
class Row(_Line):
    """A study: its CI as a line (ending in an arrow where it runs past the axis) and a square sized by weight."""

    x_low: float | None = None
    x_high: float | None = None
    x: float | None = None
    side: float = 0
    arrow_low: bool = False
    arrow_high: bool = False
    note: str = ""

    @property
    def square_x(self):
        return round(self.x - self.side / 2, 1)

    @property
    def square_y(self):
        return round(self.line_y - self.side / 2, 1)


@dataclass
class Diamond(_Line):
    """A pooled estimate: a diamond across its CI, with the prediction interval as a line through it."""

    x_low: float = 0
    x: float = 0
    x_high: float = 0
    pi_low: float | None = None
    pi_high: float | None = None
    pi_arrow_low: bool = False
    pi_arrow_high: bool = False

    @property
    def points(self):
        middle = self.line_y
        corners = [(self.x_low, middle), (self.x, middle - 7), (self.x_high, middle), (self.x, middle + 7)]
        return " ".join(f"{x:.1f},{y}" for x, y in corners)


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class ForestPlot:
    rows: list
    diamonds: list
    ticks: list
    null_x: float
    axis_y: float
    left_label: str
    right_label: str
    title: str
    description: str
    log_scale: bool
    width: int = WIDTH
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    slug: str = ""

    @property
    def tick_end(self):
        return self.axis_y + 5

    @property
    def tick_label_y(self):
        return self.axis_y + 19

    @property
    def labels_fit_beside(self):
        """Whether each "favours" label fits on its side of the line of no difference."""
        return self.null_x - 6 - self.plot_left >= CHARACTER * len(
            self.left_label
        ) and self.plot_right - self.null_x - 6 >= CHARACTER * len(self.right_label)

    @property
    def left_label_y(self):
        return self.axis_y + 40

    @property
    def right_label_y(self):
        return self.axis_y + (40 if self.labels_fit_beside else 60)

    @property
    def height(self):
        return self.axis_y + (AXIS if self.labels_fit_beside else AXIS + 20)

    @property
    def left_label_x(self):
        """The left label ends just left of the line of no difference, but never runs off the plot."""
        return round(max(self.null_x - 6, self.plot_left + CHARACTER * len(self.left_label)), 1)

    @property
    def right_label_x(self):
        return round(min(self.null_x + 6, self.plot_right - CHARACTER * len(self.right_label)), 1)


def _ratio_ticks(low, high):
    candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
    ticks = [value for value in candidates if low <= value <= high]
    if len(ticks) < 3:
        extra = [0.25, 0.33, 0.67, 0.75, 1.5, 3, 4]
        ticks = sorted(set(ticks) | {value for value in extra if low <= value <= high})
    return ticks


def _linear_ticks(low, high):
    step = _step(high - low)
    value = math.ceil(low / step) * step
    ticks = []
    while value <= high + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks


def forest_plot(synthesis, condition_name="", slug=""):
    """Lay out the plot of ``synthesis`` (references.synthesis.stats.Synthesis), or None when no study
    has an effect with a CI to draw."""
    drawn = [effect for effect in synthesis.effects if effect.estimate is not None]
    if not drawn:
        return None
    ratio, measure = synthesis.ratio, synthesis.measure
    estimates = [synthesis.fixed, synthesis.dl, synthesis.reml]
    values = [synthesis.null]
    for effect in drawn:
        values += [effect.ci_low, effect.ci_high]
    for estimate in estimates:
        if estimate:
            values += [estimate.ci_low, estimate.ci_high]
    # The prediction interval does not set the axis: with three or four studies it can be very wide,
    # and the studies would shrink to dots. Where it runs past the axis, it ends in an arrow.

    if ratio:
        low = max(min(values), RATIO_BOUNDS[0])
        high = min(max(values), RATIO_BOUNDS[1])
        low, high = math.log(low) - 0.1, math.log(high) + 0.1

        def scale(value):
            return math.log(min(max(value, RATIO_BOUNDS[0]), RATIO_BOUNDS[1]))

        tick_values = _ratio_ticks(math.exp(low), math.exp(high))
    else:
        span = (max(values) - min(values)) or 1
        low, high = min(values) - span * 0.05, max(values) + span * 0.05

        def scale(value):
            return value

        tick_values = _linear_ticks(low, high)

    def x_at(value):
        position = (scale(value) - low) / (high - low)
        return round(LEFT + min(max(position, 0), 1) * (WIDTH - LEFT - RIGHT), 1)

    heaviest = max((effect.weight_random or 0 for effect in drawn), default=0)
    rows, y = [], TOP
    for effect in synthesis.effects:
        row = Row(y=y, label=effect.label, figures="", note=effect.left_out)
        if effect.estimate is not None:
            weight = f" · {effect.weight_random:.0f}%" if effect.weight_random is not None else ""
            row.figures = effect_text(effect.estimate, effect.ci_low, effect.ci_high, measure) + weight
            row.x, row.x_low, row.x_high = x_at(effect.estimate), x_at(effect.ci_low), x_at(effect.ci_high)
            row.arrow_low = scale(effect.ci_low) < low
            row.arrow_high = scale(effect.ci_high) > high
            share = (effect.weight_random or 0) / heaviest if heaviest else 0.25
            row.side = round(MIN_SIDE + (MAX_SIDE - MIN_SIDE) * math.sqrt(share), 1)
        else:
            row.figures = "not analysable"
        rows.append(row)
        y += ROW
    diamonds = []
    for estimate in (synthesis.reml, synthesis.fixed):
        if estimate is None:
            continue
        diamond = Diamond(
            y=y,
            label=estimate.method,
            figures=effect_text(estimate.estimate, estimate.ci_low, estimate.ci_high, measure),
            x_low=x_at(estimate.ci_low),
            x=x_at(estimate.estimate),
            x_high=x_at(estimate.ci_high),
        )
        if estimate is synthesis.reml and synthesis.prediction:
            diamond.pi_low, diamond.pi_high = x_at(synthesis.prediction[0]), x_at(synthesis.prediction[1])
            diamond.pi_arrow_low = scale(synthesis.prediction[0]) < low
            diamond.pi_arrow_high = scale(synthesis.prediction[1]) > high
        diamonds.append(diamond)
        y += ROW
    axis_y = y + 8
    lower_is_better = synthesis.outcome.better == Outcome.Direction.LOWER
    favours_ldn, favours_other = "Favours naltrexone", "Favours comparator"
    left, right = (favours_ldn, favours_other) if lower_is_better else (favours_other, favours_ldn)
    ticks = [Tick(x_at(value), f"{value:g}".replace("-", "−")) for value in tick_values]
    return ForestPlot(
        rows=rows,
        diamonds=diamonds,
        ticks=ticks,
        null_x=x_at(synthesis.null),
        axis_y=axis_y,
        left_label=f"← {left}",
        right_label=f"{right} →",
        title=f"Forest plot: {synthesis.outcome.name.lower()}, {synthesis.measure_label.lower()}"
        + (f", {condition_name}" if condition_name else ""),
        description=_describe(synthesis, drawn, left, right),
        log_scale=ratio,
        slug=slug,
    )


def _describe(synthesis, drawn, left, right):
    measure = synthesis.measure
    null = "1" if synthesis.ratio else "0"
    parts = [
        f"{len(drawn)} stud{'y' if len(drawn) == 1 else 'ies'}, each with its {synthesis.measure_label.lower()} "
        "and 95% "
        f"confidence interval{' on a log scale' if synthesis.ratio else ''}; values left of {null} "
        f"{left[0].lower() + left[1:]}, right of {null} {right[0].lower() + right[1:]}."
    ]
    if synthesis.reml:
        parts.append(
            "Pooled, random effects (REML): "
            + effect_text(synthesis.reml.estimate, synthesis.reml.ci_low, synthesis.reml.ci_high, measure)
            + f", I² {synthesis.i2:.0f}%."
        )
    elif synthesis.not_pooled:
        parts.append(f"Not pooled: {synthesis.not_pooled}")
    return " ".join(parts)
