"""The statistics of the outcome pages, against results a reference implementation published.

The data sets and the figures expected are in tests/files/metafor/ (README there gives the sources):
the BCG trials that metafor's documentation analyses, and metafor's own effect sizes for summary data.
"""

import csv
import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from references.synthesis.models import Outcome, OutcomeResult
from references.synthesis.stats import StudyEffect, study_effect, synthesise

FILES = Path(__file__).parent / "files" / "metafor"


def _result(**fields):
    result = OutcomeResult(**fields)
    return result


def _bcg(measure="RR"):
    with open(FILES / "dat_bcg.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    effects = []
    for row in rows:
        tpos, tneg, cpos, cneg = (int(row[name]) for name in ("tpos", "tneg", "cpos", "cneg"))
        result = _result(
            measure=measure, events_int=tpos, total_int=tpos + tneg, events_ctl=cpos, total_ctl=cpos + cneg
        )
        y, variance, notes, left_out = study_effect(result)
        study = SimpleNamespace(pk=int(row["trial"]), title=row["author"])
        effects.append(
            StudyEffect(study=study, result=result, year=int(row["year"]), participants=None, y=y, variance=variance)
        )
    return effects


@pytest.fixture
def bcg():
    return synthesise(Outcome(name="Tuberculosis", slug="tb"), "RR", _bcg())


def test_log_risk_ratios_are_metafors(bcg):
    # escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg): the first trial.
    first = bcg.effects[0]
    assert first.y == pytest.approx(-0.8893, abs=5e-5)
    assert first.variance == pytest.approx(0.3256, abs=5e-5)


def test_reml_pooled_estimate_matches_metafor(bcg):
    log = math.log
    assert log(bcg.reml.estimate) == pytest.approx(-0.7145, abs=5e-5)
    assert log(bcg.reml.ci_low) == pytest.approx(-1.0669, abs=5e-5)
    assert log(bcg.reml.ci_high) == pytest.approx(-0.3622, abs=5e-5)
    assert bcg.reml.tau2 == pytest.approx(0.3132, abs=5e-5)
    # As readers see it: a risk ratio of 0.49 (0.34 to 0.70).
    assert (round(bcg.reml.estimate, 2), round(bcg.reml.ci_low, 2), round(bcg.reml.ci_high, 2)) == (0.49, 0.34, 0.70)


def test_dersimonian_laird_matches_metafor(bcg):
    assert math.log(bcg.dl.estimate) == pytest.approx(-0.7141, abs=5e-5)
    assert math.log(bcg.dl.ci_low) == pytest.approx(-1.0644, abs=5e-5)
    assert math.log(bcg.dl.ci_high) == pytest.approx(-0.3638, abs=5e-5)
    assert bcg.dl.tau2 == pytest.approx(0.3088, abs=5e-5)


def test_fixed_effect_matches_metafor(bcg):
    assert math.log(bcg.fixed.estimate) == pytest.approx(-0.4303, abs=5e-5)
    assert math.log(bcg.fixed.ci_low) == pytest.approx(-0.5097, abs=5e-5)
    assert math.log(bcg.fixed.ci_high) == pytest.approx(-0.3509, abs=5e-5)


def test_heterogeneity_matches_metafor(bcg):
    assert bcg.q == pytest.approx(152.2330, abs=5e-4)
    assert bcg.q_df == 12
    assert bcg.i2 == pytest.approx(92.12, abs=5e-3)
    assert bcg.q_p < 1e-4


def test_prediction_interval_follows_higgins_from_metafors_figures(bcg):
    # μ ± t(k−2) √(τ² + SE²), from metafor's REML figures: −0.7145 ± t(11) × √(0.3132 + 0.1798²).
    spread = 2.200985 * math.sqrt(0.3132 + 0.1798**2)
    low, high = bcg.prediction
    assert math.log(low) == pytest.approx(-0.7145 - spread, abs=5e-4)
    assert math.log(high) == pytest.approx(-0.7145 + spread, abs=5e-4)
    assert low < bcg.reml.ci_low and high > bcg.reml.ci_high


def test_weights_add_up_and_random_effects_spread_them(bcg):
    assert sum(e.weight_fixed for e in bcg.effects) == pytest.approx(100)
    assert sum(e.weight_random for e in bcg.effects) == pytest.approx(100)
    # The large Madras trial dominates the fixed-effect estimate but not the random-effects one.
    madras = next(e for e in bcg.effects if e.study.title == "TPT Madras")
    assert madras.weight_fixed > 40 and madras.weight_random < 11


def _escalc_cases():
    with open(FILES / "metafor_escalc_inputs.csv", newline="") as file:
        inputs = {row["case"]: row for row in csv.DictReader(file)}
    reference = json.loads((FILES / "metafor_escalc_reference.json").read_text())
    return [(inputs[case["case"]], case) for case in reference["cases"]]


@pytest.mark.parametrize("row,expected", _escalc_cases(), ids=lambda value: value.get("case", ""))
def test_mean_difference_matches_metafors_escalc(row, expected):
    result = _result(
        measure="MD",
        mean_int=float(row["m1"]),
        sd_int=float(row["sd1"]),
        n_int=int(row["n1"]),
        mean_ctl=float(row["m2"]),
        sd_ctl=float(row["sd2"]),
        n_ctl=int(row["n2"]),
    )
    y, variance, _, _ = study_effect(result)
    assert y == pytest.approx(expected["MD"]["yi"], rel=1e-9)
    assert variance == pytest.approx(expected["MD"]["vi"], rel=1e-9)


@pytest.mark.parametrize("row,expected", _escalc_cases(), ids=lambda value: value.get("case", ""))
def test_hedges_g_matches_metafor_to_the_third_decimal(row, expected):
    """Hedges' g: RevMan's small-sample correction 1 − 3/(4N − 9) against metafor's exact one agree to
    the third decimal from ten people an arm. The variance is RevMan's, N/(n₁n₂) + g²/(2(N − 3.94))."""
    n1, n2 = int(row["n1"]), int(row["n2"])
    result = _result(
        measure="SMD",
        mean_int=float(row["m1"]),
        sd_int=float(row["sd1"]),
        n_int=n1,
        mean_ctl=float(row["m2"]),
        sd_ctl=float(row["sd2"]),
        n_ctl=n2,
    )
    g, variance, _, _ = study_effect(result)
    assert round(g, 3) == round(expected["SMD"]["yi"], 3)
    total = n1 + n2
    assert variance == pytest.approx(total / (n1 * n2) + g**2 / (2 * (total - 3.94)), rel=1e-12)


def test_an_effect_with_its_ci_gets_its_standard_error_back():
    # A risk ratio of 0.49 (0.34 to 0.70): log scale, SE = (ln 0.70 − ln 0.34) / 3.92.
    y, variance, _, _ = study_effect(_result(measure="RR", effect=0.49, ci_low=0.34, ci_high=0.70))
    assert y == pytest.approx(math.log(0.49))
    assert math.sqrt(variance) == pytest.approx((math.log(0.70) - math.log(0.34)) / 3.919928, rel=1e-6)
    y, variance, _, _ = study_effect(_result(measure="MD", effect=-1.2, ci_low=-2.0, ci_high=-0.4))
    assert (y, math.sqrt(variance)) == pytest.approx((-1.2, 0.8 / 1.959964))


def test_zero_cells_get_revmans_correction_and_double_zeros_are_left_out():
    y, variance, notes, left_out = study_effect(
        _result(measure="RR", events_int=0, total_int=20, events_ctl=3, total_ctl=20)
    )
    assert y == pytest.approx(math.log((0.5 / 21) / (3.5 / 21)))
    assert "0.5 added" in notes[0] and not left_out
    y, variance, notes, left_out = study_effect(
        _result(measure="OR", events_int=0, total_int=20, events_ctl=0, total_ctl=20)
    )
    assert y is None and "No events in either arm" in left_out
    # A risk difference is defined with no events at all: 0 percentage points.
    y, variance, notes, left_out = study_effect(
        _result(measure="RD", events_int=0, total_int=20, events_ctl=0, total_ctl=20)
    )
    assert y == 0 and not left_out


def test_one_study_or_none_is_not_pooled_and_says_why():
    effects = _bcg()[:1]
    synthesis = synthesise(Outcome(name="TB", slug="tb"), "RR", effects)
    assert synthesis.reml is None
    assert synthesis.not_pooled == "Only one study gives figures for this outcome, so there is nothing to pool."
    assert synthesis.effects[0].estimate == pytest.approx(math.exp(-0.8893), abs=1e-4)


def test_dersimonian_laird_never_takes_tau_squared_below_zero():
    """Studies that agree more than chance would have them: τ² is 0, not negative (statsmodels' own
    DerSimonian–Laird gives −0.18 here, and weights below zero)."""
    effects = [
        StudyEffect(
            study=SimpleNamespace(pk=i, title=f"S{i}"), result=None, year=2020, participants=None, y=y, variance=v
        )
        for i, (y, v) in enumerate([(0.1, 0.1), (0.11, 0.2), (0.1, 0.3)])
    ]
    synthesis = synthesise(Outcome(name="Pain", slug="pain"), "MD", effects)
    assert synthesis.dl.tau2 == 0 and synthesis.reml.tau2 == 0
    assert synthesis.i2 == 0
    assert all(effect.weight_random > 0 for effect in effects)


@pytest.mark.parametrize("measure", ["OR", "RD"])
def test_odds_ratios_and_risk_differences_follow_escalcs_definitions(measure):
    """metafor's escalc documents them: OR, yi = log(ai·di / (bi·ci)) and vi = 1/ai + 1/bi + 1/ci + 1/di;
    RD, yi = p1 − p2 and vi = p1(1 − p1)/n1 + p2(1 − p2)/n2. Every BCG trial, and their pooled estimate's
    agreement between DerSimonian–Laird and REML in sign."""
    with open(FILES / "dat_bcg.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    for effect, row in zip(_bcg(measure), rows, strict=True):
        ai, bi, ci, di = (int(row[name]) for name in ("tpos", "tneg", "cpos", "cneg"))
        if measure == "OR":
            expected = (math.log(ai * di / (bi * ci)), 1 / ai + 1 / bi + 1 / ci + 1 / di)
        else:
            p1, p2 = ai / (ai + bi), ci / (ci + di)
            expected = (p1 - p2, p1 * (1 - p1) / (ai + bi) + p2 * (1 - p2) / (ci + di))
        assert (effect.y, effect.variance) == pytest.approx(expected, rel=1e-9)
    synthesis = synthesise(Outcome(name="TB", slug="tb"), measure, _bcg(measure))
    assert synthesis.reml.estimate < synthesis.null and synthesis.dl.estimate < synthesis.null
