"""What the data suggest about an outcome's certainty (GRADE), for the editor to confirm or overrule.

Only three of GRADE's five concerns can be read off the numbers, and only as a prompt:

- inconsistency: I² of 50% or more (the Cochrane Handbook's "may represent substantial heterogeneity");
- imprecision: a 95% CI that includes no difference, and fewer participants than the optimal information
  size's rule of thumb (400 for a continuous outcome; 300 events for a dichotomous one; GRADE guidelines 6);
- risk of bias: studies judged at high risk carrying half the weight or more.

Indirectness and publication bias need judgement the data cannot give.
"""

from dataclasses import dataclass

from .models import OutcomeResult

CONTINUOUS_SIZE = 400
EVENTS_SIZE = 300


@dataclass
class Suggestion:
    concern: str  # the Certainty field: risk_of_bias, inconsistency, imprecision
    levels: int
    reason: str


def suggest(synthesis):
    """Suggestion list for ``synthesis`` (references.synthesis.stats.Synthesis)."""
    suggestions = []
    included = synthesis.included
    if synthesis.i2 is not None and synthesis.i2 >= 50:
        suggestions.append(
            Suggestion(
                "inconsistency",
                1,
                f"I² = {synthesis.i2:.0f}%: the studies' results differ more than chance explains.",
            )
        )
    imprecise = []
    estimate = synthesis.reml or (None if len(included) != 1 else included[0])
    if estimate is not None:
        low, high = estimate.ci_low, estimate.ci_high
        if low <= synthesis.null <= high:
            imprecise.append("the 95% CI includes no difference")
    counts = [e.result for e in included if e.result is not None and e.result.kind == OutcomeResult.Kind.COUNTS]
    if counts and len(counts) == len(included):
        events = sum(r.events_int + r.events_ctl for r in counts)
        if events < EVENTS_SIZE:
            imprecise.append(f"only {events} events in all (fewer than {EVENTS_SIZE})")
    elif synthesis.participants and synthesis.participants < CONTINUOUS_SIZE:
        imprecise.append(f"only {synthesis.participants} participants in all (fewer than {CONTINUOUS_SIZE})")
    if imprecise:
        suggestions.append(Suggestion("imprecision", len(imprecise), "; ".join(imprecise).capitalize() + "."))
    weights = [(e.weight_random if e.weight_random is not None else 100 / len(included), e) for e in included]
    high = sum(w for w, e in weights if e.risk_of_bias and e.risk_of_bias.overall in ("high", "serious", "critical"))
    unassessed = sum(w for w, e in weights if not e.risk_of_bias)
    if high >= 50:
        suggestions.append(
            Suggestion("risk_of_bias", 1, f"Studies at high risk of bias carry {high:.0f}% of the weight.")
        )
    elif unassessed >= 50:
        suggestions.append(
            Suggestion(
                "risk_of_bias",
                0,
                f"Risk of bias is not yet assessed for studies carrying {unassessed:.0f}% of the weight: assess "
                "it before rating this concern.",
            )
        )
    return suggestions
