"""Effect sizes per study and pooled estimates across studies, by kept statistics libraries.

- Each study's effect and its variance: statsmodels (``effectsize_2proportions`` for risk ratios, odds
  ratios and risk differences; ``effectsize_smd`` for Hedges' g with RevMan's variance). A mean
  difference is m₁ − m₂ with variance sd₁²/n₁ + sd₂²/n₂, and an effect reported with its 95% CI gets
  the standard error (upper − lower) / (2 × 1.96), on the log scale for ratios (the generic inverse
  variance method; Cochrane Handbook, 6.3 and 10.3.3).
- Pooling: PyMARE, whose estimators are tested against R's metafor. Fixed effect (inverse variance),
  and random effects with τ² by DerSimonian–Laird and by REML; confidence intervals by the normal
  approximation, as metafor's ``rma`` and RevMan give them by default. statsmodels pools too, but it has
  no REML, and its DerSimonian–Laird lets τ² fall below zero (and weights with it) when studies agree
  more than chance would have them.
- Heterogeneity: Cochran's Q, its p-value, and I² = (Q − df) / Q (Higgins and Thompson, 2002).
- The 95% prediction interval (where the effect of a new study is expected to lie): μ ± t(k−2) ×
  √(τ² + SE²), with REML's τ², from three studies up (Higgins, Thompson and Spiegelhalter, 2009).

The libraries are imported when first needed: they take over a second to load, which a process that
never shows a pooled estimate should not pay.
"""

import math
from dataclasses import dataclass, field

from ..models import Study
from .models import Certainty, Outcome, OutcomeResult

Z = 1.959963984540054  # the normal distribution's 97.5th centile
CONTINUITY = 0.5  # added to every cell of a study with a zero cell, as RevMan does

Measure = OutcomeResult.Measure


def format_effect(value, measure):
    """A figure as the page prints it: 0.49 for ratios, +10.8 points for a risk difference, −1.2 for a mean
    difference, with a real minus sign."""
    if value is None:
        return ""
    if measure == OutcomeResult.Measure.RD:
        text = f"{value * 100:+.1f}"
    elif measure in OutcomeResult.RATIOS:
        text = f"{value:.2f}"
    else:
        text = f"{value:+.2f}" if abs(value) < 10 else f"{value:+.1f}"
    return text.replace("-", "−")


def effect_text(value, low, high, measure):
    """“0.49 (0.34 to 0.70)”; a risk difference in percentage points."""
    unit = " percentage points" if measure == OutcomeResult.Measure.RD else ""
    return f"{format_effect(value, measure)}{unit} ({format_effect(low, measure)} to {format_effect(high, measure)})"


@dataclass
class StudyEffect:
    """One study's result on one outcome, on the scale readers see (a ratio, not its logarithm)."""

    study: Study
    result: OutcomeResult
    year: int | None
    participants: int | None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    y: float | None = None  # on the scale of the analysis: log for ratios
    variance: float | None = None
    weight_fixed: float | None = None  # percent
    weight_random: float | None = None
    left_out: str = ""  # why it is not in the pooled estimate
    notes: list = field(default_factory=list)

    @property
    def risk_of_bias(self):
        """The report's RiskOfBias, or None where it has not been assessed."""
        report = self.result.report if self.result is not None and self.result.report_id else None
        return getattr(report, "risk_of_bias", None) if report is not None else None

    @property
    def text(self):
        if self.estimate is None:
            return ""
        return effect_text(self.estimate, self.ci_low, self.ci_high, self.result.measure)

    @property
    def label(self):
        """“Younger 2013”: the report's first author and year, as forest plots name studies."""
        return short_label(self.study, self.result)


def short_label(study, result):
    reference = result.report.reference if result is not None and result.report_id else None
    first = (reference.authors if reference else "").split(",")[0].split(";")[0].strip()
    words = first.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:  # "Younger J" -> "Younger"
        first = " ".join(words[:-1])
    name = first or study.title
    if len(name) > 24:  # with its figures beside it, the row fits a phone's width
        name = name[:23].rstrip() + "…"
    year = reference.year if reference else None
    return f"{name} {year}" if year else name


@dataclass
class Estimate:
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    measure: str
    tau2: float = 0.0

    @property
    def text(self):
        return effect_text(self.estimate, self.ci_low, self.ci_high, self.measure)


@dataclass
class Synthesis:
    """What the studies of one condition show on one outcome, in one measure."""

    outcome: Outcome
    measure: str
    effects: list
    fixed: Estimate | None = None
    dl: Estimate | None = None
    reml: Estimate | None = None
    q: float | None = None
    q_df: int | None = None
    q_p: float | None = None
    i2: float | None = None
    prediction: tuple | None = None
    not_pooled: str = ""
    plot: object = None  # its forest plot, where a page draws one

    @property
    def ratio(self):
        return self.measure in OutcomeResult.RATIOS

    @property
    def null(self):
        """The value of no difference: 1 for a ratio, 0 otherwise."""
        return 1.0 if self.ratio else 0.0

    @property
    def included(self):
        return [effect for effect in self.effects if effect.y is not None and not effect.left_out]

    @property
    def participants(self):
        return sum(effect.participants or 0 for effect in self.included)

    @property
    def measure_label(self):
        return Measure(self.measure).label

    @property
    def absolute(self):
        """For counts: the anticipated absolute effect per 1,000, as GRADE's summary of findings gives it:
        (risk with the comparator, difference with naltrexone, its 95% CI), with the comparator's risk the
        pooled risk in the studies' control arms; None for other data or without a pooled estimate."""
        counts = [
            e.result for e in self.included if e.result is not None and e.result.kind == OutcomeResult.Kind.COUNTS
        ]
        if self.measure not in OutcomeResult.FOR_COUNTS or not counts or not self.reml:
            return None
        control = sum(r.events_ctl for r in counts) / sum(r.total_ctl for r in counts)

        def difference(value):
            if self.measure == Measure.RD:
                return value * 1000
            if self.measure == Measure.RR:
                return (control * value - control) * 1000
            return (control * value / (1 - control + control * value) - control) * 1000

        return (
            round(control * 1000),
            round(difference(self.reml.estimate)),
            round(difference(self.reml.ci_low)),
            round(difference(self.reml.ci_high)),
        )

    @property
    def risk_assessed(self):
        """Whether any study's risk of bias has been judged (the page then shows the table)."""
        return any(effect.risk_of_bias for effect in self.effects)

    @property
    def estimates(self):
        """The pooled estimates, the one the page leads with first."""
        return [estimate for estimate in (self.reml, self.dl, self.fixed) if estimate]

    @property
    def prediction_text(self):
        """“0.16 and 1.54”; a risk difference in percentage points."""
        if not self.prediction:
            return ""
        low, high = (format_effect(value, self.measure) for value in self.prediction)
        return f"{low} and {high}{' percentage points' if self.measure == Measure.RD else ''}"


@dataclass
class OutcomeSummary:
    """A condition's evidence on one outcome: a synthesis per measure, the results given only in words,
    and the editors' rating of its certainty (a Certainty, or None)."""

    outcome: Outcome
    syntheses: list
    in_words: list  # StudyEffect without figures
    certainty: object = None

    @property
    def participants_in_words(self):
        """The participants of the reports that give this outcome in words only, as the reports count them."""
        return sum(effect.participants or 0 for effect in self.in_words)

    @property
    def lead(self):
        """The synthesis a summary of findings reports: the one with the most studies."""
        return self.syntheses[0] if self.syntheses else None

    @property
    def suggestions(self):
        from .grading import suggest

        return suggest(self.lead) if self.lead else []

    @property
    def studies(self):
        return len({e.study.pk for s in self.syntheses for e in s.effects} | {e.study.pk for e in self.in_words})


def _exp(value, ratio):
    return math.exp(value) if ratio else value


def study_effect(result):
    """(y, variance, notes, left_out) for one result's figures, on the analysis scale; y is None
    when the figures do not allow one."""
    from statsmodels.stats.meta_analysis import effectsize_2proportions, effectsize_smd

    kind, measure, notes = result.kind, result.measure, []
    if result.paired and kind in (OutcomeResult.Kind.COUNTS, OutcomeResult.Kind.MEANS):
        notes.append(
            "A crossover trial entered arm by arm: analysed as if the arms were separate groups, which "
            "overstates the uncertainty (Cochrane Handbook, 23.2.6)."
        )
    if kind == OutcomeResult.Kind.COUNTS:
        a, n1, c, n2 = (float(getattr(result, name)) for name in OutcomeResult.COUNT_FIELDS)
        if measure != Measure.RD and a == 0 and c == 0:
            return None, None, notes, "No events in either arm: a ratio cannot be estimated."
        if measure != Measure.RD and (a == n1 and c == n2):
            return None, None, notes, "Everyone in both arms had the event: a ratio cannot be estimated."
        correction = None
        if measure != Measure.RD and 0 in (a, c, n1 - a, n2 - c):
            correction = CONTINUITY
            notes.append("A zero count: 0.5 added to each cell, as RevMan does.")
        statistic = {Measure.RR: "risk-ratio", Measure.OR: "odds-ratio", Measure.RD: "diff"}[measure]
        y, v = effectsize_2proportions(a, n1, c, n2, statistic=statistic, zero_correction=correction)
        return float(y), float(v), notes, ""
    if kind == OutcomeResult.Kind.MEANS:
        m1, s1, n1, m2, s2, n2 = (float(getattr(result, name)) for name in OutcomeResult.MEAN_FIELDS)
        if measure == Measure.SMD:
            y, v = effectsize_smd(m1, s1, n1, m2, s2, n2)
            return float(y), float(v), notes, ""
        return m1 - m2, s1**2 / n1 + s2**2 / n2, notes, ""
    if kind == OutcomeResult.Kind.EFFECT:
        low, estimate, high = (float(getattr(result, name)) for name in ("ci_low", "effect", "ci_high"))
        if measure in OutcomeResult.RATIOS:
            low, estimate, high = math.log(low), math.log(estimate), math.log(high)
        se = (high - low) / (2 * Z)
        return estimate, se**2, notes, ""
    return None, None, notes, ""


def _pool(synthesis):
    import numpy as np
    from pymare import Dataset
    from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator, WeightedLeastSquares
    from scipy import stats

    included = synthesis.included
    k = len(included)
    y = np.array([effect.y for effect in included])
    v = np.array([effect.variance for effect in included])
    dataset = Dataset(y=y, v=v)
    ratio = synthesis.ratio

    def fit(estimator, method):
        results = estimator.fit_dataset(dataset).summary()
        fe = results.get_fe_stats()
        tau2 = float(np.ravel(results.tau2)[0]) if results.tau2 is not None else 0.0
        estimate = Estimate(
            method=method,
            estimate=_exp(float(fe["est"].ravel()[0]), ratio),
            ci_low=_exp(float(fe["ci_l"].ravel()[0]), ratio),
            ci_high=_exp(float(fe["ci_u"].ravel()[0]), ratio),
            p=float(fe["p"].ravel()[0]),
            measure=synthesis.measure,
            tau2=max(tau2, 0.0),
        )
        return results, estimate, float(fe["est"].ravel()[0]), float(fe["se"].ravel()[0])

    fixed_results, synthesis.fixed, _, _ = fit(WeightedLeastSquares(tau2=0), "Fixed effect (inverse variance)")
    _, synthesis.dl, _, _ = fit(
        DerSimonianLaird(small_sample_correction="wald"), "Random effects, τ² by DerSimonian–Laird"
    )
    _, synthesis.reml, mu, se = fit(
        VarianceBasedLikelihoodEstimator(method="REML", small_sample_correction="wald"), "Random effects, τ² by REML"
    )
    heterogeneity = fixed_results.get_heterogeneity_stats()
    synthesis.q = float(np.ravel(heterogeneity["Q"])[0])
    synthesis.q_df = k - 1
    synthesis.q_p = float(np.ravel(heterogeneity["p(Q)"])[0])
    synthesis.i2 = float(np.ravel(heterogeneity["I^2"])[0])
    tau2 = synthesis.reml.tau2
    if k >= 3:
        spread = stats.t.ppf(0.975, k - 2) * math.sqrt(tau2 + se**2)
        synthesis.prediction = (_exp(mu - spread, ratio), _exp(mu + spread, ratio))
    fixed_total = sum(1 / effect.variance for effect in included)
    random_total = sum(1 / (effect.variance + tau2) for effect in included)
    for effect in included:
        effect.weight_fixed = 100 / effect.variance / fixed_total
        effect.weight_random = 100 / (effect.variance + tau2) / random_total


def synthesise(outcome, measure, effects):
    """Pool ``effects`` (StudyEffect, with figures, one per study) when there are two or more."""
    synthesis = Synthesis(outcome=outcome, measure=measure, effects=effects)
    ratio = synthesis.ratio
    for effect in effects:
        if effect.y is not None:
            effect.estimate = _exp(effect.y, ratio)
            spread = Z * math.sqrt(effect.variance)
            effect.ci_low, effect.ci_high = _exp(effect.y - spread, ratio), _exp(effect.y + spread, ratio)
    included = synthesis.included
    if not included:
        synthesis.not_pooled = "No study gives figures that can be analysed on this outcome."
    elif len(included) == 1:
        synthesis.not_pooled = "Only one study gives figures for this outcome, so there is nothing to pool."
    elif any(effect.variance <= 0 for effect in included):
        synthesis.not_pooled = "A study's result has no uncertainty given, so it cannot be weighed."
    else:
        _pool(synthesis)
    return synthesis


def chosen_results(condition):
    """The results on each outcome for the studies of ``condition``: one per study and outcome, from
    the main report when it gives one, or else from the latest report; a retracted report only when the
    study has no other. One query."""
    results = (
        OutcomeResult.objects.filter(report__study__conditions=condition)
        .select_related("outcome", "report__study", "report__reference", "report__risk_of_bias")
        .order_by("outcome__position", "outcome__name", "report__study_id", "-report__is_main")
    )
    chosen = {}
    for result in results:
        current = chosen.get((result.outcome_id, result.report.study_id))
        if current is None or _preferred(result, current):
            chosen[(result.outcome_id, result.report.study_id)] = result
    return list(chosen.values())


def _preferred(result, current):
    retracted, current_retracted = (
        bool(result.report.reference.retraction_notice),
        bool(current.report.reference.retraction_notice),
    )
    if retracted != current_retracted:  # a report that stands over a retracted one
        return not retracted
    if result.report.is_main != current.report.is_main:
        return result.report.is_main
    return (result.report.reference.year or 0, result.pk) > (current.report.reference.year or 0, current.pk)


def summarise(results):
    """OutcomeSummary per outcome (in the outcomes' order), from the chosen results of one condition."""
    by_outcome = {}
    for result in results:
        by_outcome.setdefault(result.outcome, []).append(result)
    summaries = []
    for outcome in sorted(by_outcome, key=lambda o: (o.position, o.name)):
        by_measure, in_words = {}, []
        for result in by_outcome[outcome]:
            y, variance, notes, left_out = study_effect(result)
            if (reference := result.report.reference).retraction_notice:
                when = f" on {reference.retracted_on:%-d %B %Y}" if reference.retracted_on else ""
                left_out = f"Left out: the report was retracted{when}."
            effect = StudyEffect(
                study=result.report.study,
                result=result,
                year=result.report.reference.year,
                participants=result.participants,
                y=y,
                variance=variance,
                left_out=left_out,
                notes=notes,
            )
            if result.kind == OutcomeResult.Kind.WORDS:
                in_words.append(effect)
            else:
                by_measure.setdefault(result.measure, []).append(effect)
        syntheses = []
        for measure in sorted(by_measure, key=lambda m: (-len(by_measure[m]), m)):
            effects = sorted(by_measure[measure], key=lambda e: (e.year or 9999, e.study.title))
            syntheses.append(synthesise(outcome, measure, effects))
        in_words.sort(key=lambda e: (e.year or 9999, e.study.title))
        summaries.append(OutcomeSummary(outcome=outcome, syntheses=syntheses, in_words=in_words))
    return summaries


def for_condition(condition):
    """The condition's OutcomeSummary list, each with its certainty rating. Two queries."""
    summaries = summarise(chosen_results(condition))
    ratings = {rating.outcome_id: rating for rating in Certainty.objects.filter(condition=condition).exclude(effect="")}
    for summary in summaries:
        summary.certainty = ratings.get(summary.outcome.pk)
        if summary.certainty is not None:
            summary.certainty.outcome = summary.outcome
    return summaries
