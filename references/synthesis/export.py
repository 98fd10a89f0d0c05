"""A condition's outcome data and pooled results as data: the API's answer, the JSON download, and the
CSV download, all from the one ``condition_outcomes`` below (the CSV is its rows, flattened).
"""

import csv
import io

from django.urls import reverse
from ninja import Field, Schema

from .models import OutcomeResult
from .stats import for_condition


class StudyEffectOut(Schema):
    study: str = Field(description="The study's title.")
    study_slug: str
    label: str = Field(description="As the forest plot names it: first author and year.")
    year: int | None
    participants: int | None
    kind: str = Field(description="counts, means, effect or words: which data the report gives.")
    data: dict[str, float | int | None] = Field(
        description="The figures as entered (counts, means and SDs, or an effect and its CI)."
    )
    reported: str = Field(description="What the report says in words.")
    estimate: float | None = Field(
        description="The study's effect on the measure's scale (a ratio, not its logarithm)."
    )
    ci_low: float | None
    ci_high: float | None
    weight_random: float | None = Field(description="Its weight in the random-effects estimate, in percent.")
    weight_fixed: float | None
    left_out: str = Field(description="Why it is not in the pooled estimate, if it is not.")
    risk_of_bias: str | None = Field(description="The overall risk-of-bias judgement, if assessed.")


class EstimateOut(Schema):
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    tau2: float


class SynthesisOut(Schema):
    measure: str = Field(description="RR, OR, RD, MD or SMD.")
    measure_name: str
    studies: list[StudyEffectOut]
    random_effects_reml: EstimateOut | None
    random_effects_dl: EstimateOut | None
    fixed_effect: EstimateOut | None
    q: float | None = Field(description="Cochran's Q.")
    q_df: int | None
    q_p: float | None
    i2: float | None = Field(description="I², in percent.")
    prediction_interval: list[float] | None = Field(description="Where a new study's effect is expected (95%).")
    not_pooled: str = Field(description="Why there is no pooled estimate, if there is none.")


class OutcomeOut(Schema):
    outcome: str
    slug: str
    better: str = Field(description="lower or higher: which way is good for patients.")
    syntheses: list[SynthesisOut]
    reported_in_words: list[StudyEffectOut]


class ConditionOutcomes(Schema):
    condition: str
    slug: str
    html_url: str
    outcomes: list[OutcomeOut]


def _effect(effect):
    result = effect.result
    names = {
        OutcomeResult.Kind.COUNTS: OutcomeResult.COUNT_FIELDS,
        OutcomeResult.Kind.MEANS: OutcomeResult.MEAN_FIELDS,
        OutcomeResult.Kind.EFFECT: OutcomeResult.EFFECT_FIELDS,
    }.get(result.kind, ())
    rob = effect.risk_of_bias
    return StudyEffectOut(
        study=effect.study.title,
        study_slug=effect.study.slug,
        label=effect.label,
        year=effect.year,
        participants=effect.participants,
        kind=result.kind,
        data={name: _number(getattr(result, name)) for name in names},
        reported=result.reported,
        estimate=effect.estimate,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        weight_random=effect.weight_random,
        weight_fixed=effect.weight_fixed,
        left_out=effect.left_out,
        risk_of_bias=rob.overall_label if rob else None,
    )


def _number(value):
    return value if value is None or isinstance(value, int) else float(value)


def _estimate(estimate):
    if estimate is None:
        return None
    return EstimateOut(
        method=estimate.method,
        estimate=estimate.estimate,
        ci_low=estimate.ci_low,
        ci_high=estimate.ci_high,
        p=estimate.p,
        tau2=estimate.tau2,
    )


def condition_outcomes(request, condition, summaries=None):
    """The condition's outcomes, each study's effect and the pooled estimates (``summaries`` if the
    caller has them already)."""
    summaries = for_condition(condition) if summaries is None else summaries
    return ConditionOutcomes(
        condition=condition.name,
        slug=condition.slug,
        html_url=request.build_absolute_uri(reverse("references:condition", kwargs={"slug": condition.slug})),
        outcomes=[
            OutcomeOut(
                outcome=summary.outcome.name,
                slug=summary.outcome.slug,
                better=summary.outcome.better,
                syntheses=[
                    SynthesisOut(
                        measure=synthesis.measure,
                        measure_name=str(synthesis.measure_label),
                        studies=[_effect(effect) for effect in synthesis.effects],
                        random_effects_reml=_estimate(synthesis.reml),
                        random_effects_dl=_estimate(synthesis.dl),
                        fixed_effect=_estimate(synthesis.fixed),
                        q=synthesis.q,
                        q_df=synthesis.q_df,
                        q_p=synthesis.q_p,
                        i2=synthesis.i2,
                        prediction_interval=list(synthesis.prediction) if synthesis.prediction else None,
                        not_pooled=synthesis.not_pooled,
                    )
                    for synthesis in summary.syntheses
                ],
                reported_in_words=[_effect(effect) for effect in summary.in_words],
            )
            for summary in summaries
        ],
    )


CSV_COLUMNS = [
    "condition",
    "outcome",
    "measure",
    "row",
    "study",
    "year",
    "participants",
    "kind",
    *OutcomeResult.COUNT_FIELDS,
    *OutcomeResult.MEAN_FIELDS,
    *OutcomeResult.EFFECT_FIELDS,
    "estimate",
    "ci_low_95",
    "ci_high_95",
    "weight_random_pct",
    "weight_fixed_pct",
    "p",
    "tau2",
    "i2_pct",
    "q",
    "prediction_low",
    "prediction_high",
    "risk_of_bias",
    "notes",
]


def _text(value):
    """A spreadsheet cell that cannot become a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_text(data):
    """``data`` (ConditionOutcomes) as CSV: a row per study, then a row per pooled estimate."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for outcome in data.outcomes:
        for synthesis in outcome.syntheses:
            for study in synthesis.studies:
                writer.writerow(_study_row(data, outcome, synthesis.measure, study))
            for estimate in (synthesis.random_effects_reml, synthesis.random_effects_dl, synthesis.fixed_effect):
                if estimate is None:
                    continue
                prediction = synthesis.prediction_interval if estimate is synthesis.random_effects_reml else None
                cells = dict.fromkeys(CSV_COLUMNS, "")
                cells.update(
                    condition=data.condition,
                    outcome=outcome.outcome,
                    measure=synthesis.measure,
                    row="pooled",
                    study=estimate.method,
                    participants=sum(s.participants or 0 for s in synthesis.studies if s.weight_random is not None),
                    estimate=estimate.estimate,
                    ci_low_95=estimate.ci_low,
                    ci_high_95=estimate.ci_high,
                    p=estimate.p,
                    tau2=estimate.tau2,
                    i2_pct=synthesis.i2,
                    q=synthesis.q,
                    prediction_low=prediction[0] if prediction else "",
                    prediction_high=prediction[1] if prediction else "",
                )
                writer.writerow([_text(cells[name]) for name in CSV_COLUMNS])
            if synthesis.not_pooled:
                cells = dict.fromkeys(CSV_COLUMNS, "")
                cells.update(
                    condition=data.condition,
                    outcome=outcome.outcome,
                    measure=synthesis.measure,
                    row="not pooled",
                    notes=synthesis.not_pooled,
                )
                writer.writerow([_text(cells[name]) for name in CSV_COLUMNS])
        for study in outcome.reported_in_words:
            writer.writerow(_study_row(data, outcome, "", study))
    return out.getvalue()


def _study_row(data, outcome, measure, study):
    cells = dict.fromkeys(CSV_COLUMNS, "")
    cells.update(study.data)
    cells.update(
        condition=data.condition,
        outcome=outcome.outcome,
        measure=measure,
        row="study",
        study=study.study,
        year=study.year,
        participants=study.participants,
        kind=study.kind,
        estimate=study.estimate,
        ci_low_95=study.ci_low,
        ci_high_95=study.ci_high,
        weight_random_pct=study.weight_random,
        weight_fixed_pct=study.weight_fixed,
        risk_of_bias=study.risk_of_bias,
        notes="; ".join(part for part in (study.left_out, study.reported) if part),
    )
    return [_text(cells[name]) for name in CSV_COLUMNS]
