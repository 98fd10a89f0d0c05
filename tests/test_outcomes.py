"""Outcome data: what editors enter, how it is checked, and what a condition page shows of it."""

import math
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from references.models import Outcome, OutcomeResult
from references.synthesis.forest import forest_plot
from references.synthesis.stats import for_condition

# Three trials' responders (events per arm), then their pain scores (means and SDs): made-up figures.
RESPONDERS = [(12, 30, 5, 30), (8, 25, 6, 24), (20, 50, 9, 51)]
PAIN = [(-2.1, 1.8, 30, -1.2, 1.9, 30), (-1.6, 2.0, 25, -1.1, 2.2, 24), (-2.4, 1.7, 50, -1.0, 1.8, 51)]


@pytest.fixture
def pain(db):
    return Outcome.objects.create(name="Pain", slug="pain", description="Average daily pain, 0 to 10")


@pytest.fixture
def responders(db):
    return Outcome.objects.create(name="Responders", slug="responders", better=Outcome.Direction.HIGHER, position=1)


def add_result(study, outcome, **fields):
    fields = {name: Decimal(str(value)) if isinstance(value, float) else value for name, value in fields.items()}
    result = OutcomeResult(report=study.reports.get(is_main=True), outcome=outcome, **fields)
    result.full_clean()
    result.save()
    return result


@pytest.fixture
def trials(make_study, make_condition, make_reference, pain, responders):
    condition = make_condition(name="Fibromyalgia", slug="fibromyalgia")
    studies = []
    for n, (counts, means) in enumerate(zip(RESPONDERS, PAIN, strict=True)):
        reference = make_reference(authors=f"Author{n} A, Other B", year=2010 + n)
        study = make_study(conditions=[condition], report={"reference": reference})
        add_result(study, responders, measure="RR", **dict(zip(OutcomeResult.COUNT_FIELDS, counts, strict=True)))
        add_result(study, pain, measure="MD", **dict(zip(OutcomeResult.MEAN_FIELDS, means, strict=True)))
        studies.append(study)
    return condition, studies


# What editors enter, and the checks in plain words


def errors_of(result):
    with pytest.raises(ValidationError) as raised:
        result.full_clean(exclude=["report", "outcome"])
    return raised.value.message_dict if hasattr(raised.value, "error_dict") else {"__all__": raised.value.messages}


def test_events_above_the_arms_total_are_refused_in_plain_words():
    errors = errors_of(OutcomeResult(measure="RR", events_int=12, total_int=10, events_ctl=1, total_ctl=10))
    assert errors["events_int"] == [
        "12 events on naltrexone is more than the 10 people in that arm: each person counts once."
    ]


def test_a_standard_deviation_of_zero_is_refused():
    errors = errors_of(OutcomeResult(measure="MD", mean_int=1, sd_int=0, n_int=10, mean_ctl=2, sd_ctl=1, n_ctl=10))
    assert "A standard deviation is above 0" in errors["sd_int"][0]


def test_a_ci_that_does_not_contain_its_estimate_is_refused():
    errors = errors_of(
        OutcomeResult(measure="MD", effect=Decimal("-2.5"), ci_low=Decimal("-2.0"), ci_high=Decimal("-0.4"))
    )
    assert errors["effect"] == [
        "The 95% CI (-2.0 to -0.4) does not contain the effect (-2.5): check the figures against the report."
    ]
    errors = errors_of(
        OutcomeResult(measure="RR", effect=Decimal("0.5"), ci_low=Decimal("0.7"), ci_high=Decimal("0.3"))
    )
    assert "The CI runs from the lower figure to the higher" in errors["ci_low"][0]
    errors = errors_of(
        OutcomeResult(measure="OR", effect=Decimal("-0.3"), ci_low=Decimal("-0.5"), ci_high=Decimal("-0.1"))
    )
    assert "if the report gives its logarithm, enter the ratio itself" in errors["effect"][0]


def test_two_kinds_of_data_or_half_a_kind_are_refused():
    errors = errors_of(OutcomeResult(measure="RR", events_int=1, total_int=10, effect=0.5))
    assert "Enter one kind of data" in errors["__all__"][0]
    errors = errors_of(OutcomeResult(measure="RR", events_int=1, total_int=10))
    assert set(errors) == {"events_ctl", "total_ctl"}


def test_the_measure_must_suit_the_data():
    errors = errors_of(OutcomeResult(measure="MD", events_int=1, total_int=10, events_ctl=2, total_ctl=10))
    assert errors["measure"] == ["Counts give a risk ratio (RR), an odds ratio (OR) or a risk difference (RD)."]
    errors = errors_of(OutcomeResult(events_int=1, total_int=10, events_ctl=2, total_ctl=10))
    assert "Choose how the effect is expressed" in errors["measure"][0]


def test_a_result_without_figures_needs_the_words_of_the_report():
    errors = errors_of(OutcomeResult())
    assert "say in words what the report found" in errors["reported"][0]
    OutcomeResult(reported="Pain fell 28.8% on naltrexone and 18.0% on placebo.").full_clean(
        exclude=["report", "outcome"]
    )


# The condition page


def test_condition_page_shows_each_outcome_pooled_with_its_forest_plot_and_table(client, trials):
    condition, _ = trials
    html = client.get(condition.get_absolute_url()).content.decode()
    section = html.split('id="outcomes-heading"')[1].split('id="chart-heading"')[0]
    # Responders (position 1) before pain (position 100).
    assert section.index("Responders") < section.index(">Pain<")
    summaries = for_condition(condition)
    responders = summaries[0].syntheses[0]
    assert f"risk ratio {responders.reml.text}</strong>, random effects (REML)" in section
    assert "Pooled over 3 studies (210 participants)" in section
    assert f"I² = {responders.i2:.0f}%" in section
    assert "A new study's effect would be expected between" in section
    # Two plots, each an image with its title and description, and a table of the same figures.
    assert section.count('role="img"') == 2
    assert '<title id="forest-responders-rr-title">Forest plot: responders, risk ratio, Fibromyalgia</title>' in section
    assert (
        '<desc id="forest-responders-rr-desc">3 studies, each with its risk ratio and 95% confidence interval'
        in section
    )
    for effect in responders.effects:
        assert effect.text in section
        assert f"{effect.weight_random:.1f}%" in section
    assert "Author0 2010" in section
    assert section.count("<table") == 3  # the summary of findings, then a table per outcome


def test_an_outcome_with_one_study_or_words_only_is_not_pooled_and_says_why(client, make_study, make_condition, pain):
    condition = make_condition()
    one = make_study(conditions=[condition])
    add_result(one, pain, measure="MD", effect=Decimal("-1.2"), ci_low=Decimal("-2.0"), ci_high=Decimal("-0.4"))
    other = make_study(conditions=[condition], title="Pilot")
    add_result(other, pain, reported="Symptoms more than 30% lower than on placebo.")
    html = client.get(condition.get_absolute_url()).content.decode()
    assert (
        "<strong>Not pooled.</strong> Only one study gives figures for this outcome, so there is nothing to pool."
        in html
    )
    assert "−1.20 (−2.00 to −0.40)" in html
    assert "Symptoms more than 30% lower than on placebo." in html


def test_a_risk_difference_is_in_percentage_points(client, make_study, make_condition):
    adverse = Outcome.objects.create(name="Adverse events", slug="adverse-events")
    condition = make_condition()
    for counts in [(9, 31, 6, 31), (5, 20, 4, 20)]:
        add_result(
            make_study(conditions=[condition]),
            adverse,
            measure="RD",
            **dict(zip(OutcomeResult.COUNT_FIELDS, counts, strict=True)),
        )
    html = client.get(condition.get_absolute_url()).content.decode()
    assert "+9.7 percentage points (" in html  # 9/31 − 6/31 = 29.0% − 19.4%


def test_the_main_report_speaks_for_its_study(client, make_study, make_condition, make_reference, pain):
    """A study reported twice (an abstract, then the paper) counts once: the main report's data."""
    condition = make_condition()
    study = make_study(conditions=[condition], reports=[{"reference": make_reference(year=2012)}])
    abstract = study.reports.get(is_main=False)
    OutcomeResult.objects.create(report=abstract, outcome=pain, measure="MD", effect=-3, ci_low=-4, ci_high=-2)
    add_result(study, pain, measure="MD", effect=-1, ci_low=-2, ci_high=0)
    (summary,) = for_condition(condition)
    (effect,) = summary.syntheses[0].effects
    assert effect.result.report.is_main and effect.estimate == -1


def test_the_condition_page_costs_the_same_queries_for_three_trials_or_twelve(client, trials, make_study, pain):
    condition, _ = trials

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(condition.get_absolute_url()).status_code == 200
        return len(captured)

    few = queries()
    for n in range(9):
        add_result(make_study(conditions=[condition]), pain, measure="MD", effect=-n, ci_low=-n - 1, ci_high=-n + 1)
    assert queries() == few


# The forest plot's geometry


def test_forest_plot_puts_ratios_on_a_log_scale_around_the_line_of_no_effect(trials):
    condition, _ = trials
    synthesis = for_condition(condition)[0].syntheses[0]
    plot = forest_plot(synthesis, slug="x")
    assert plot.log_scale
    # On a log scale x is linear in log(value): three studies' CI ends and the null line agree on one scale.
    points = [(1.0, plot.null_x)]
    for effect, row in zip(synthesis.effects, plot.rows, strict=True):
        points += [(effect.ci_low, row.x_low), (effect.estimate, row.x), (effect.ci_high, row.x_high)]
    (v0, x0), (v1, x1) = min(points), max(points)
    per_log = (x1 - x0) / (math.log(v1) - math.log(v0))
    for value, x in points:
        assert x == pytest.approx(x0 + per_log * (math.log(value) - math.log(v0)), abs=0.11)
    pooled = plot.diamonds[0]
    for value, x in [
        (synthesis.reml.estimate, pooled.x),
        (synthesis.reml.ci_low, pooled.x_low),
        (synthesis.reml.ci_high, pooled.x_high),
    ]:
        assert x == pytest.approx(x0 + per_log * (math.log(value) - math.log(v0)), abs=0.11)
    # Responders: higher is better, so the right of 1 favours naltrexone.
    assert plot.left_label == "← Favours comparator" and plot.right_label == "Favours naltrexone →"
    # Squares grow with weight.
    heaviest = max(synthesis.effects, key=lambda e: e.weight_random)
    assert plot.rows[synthesis.effects.index(heaviest)].side == max(row.side for row in plot.rows)


def test_forest_plot_of_mean_differences_is_linear_and_pain_lower_favours_naltrexone(trials):
    condition, _ = trials
    synthesis = for_condition(condition)[1].syntheses[0]
    plot = forest_plot(synthesis, slug="x")
    assert not plot.log_scale
    row = plot.rows[0]
    effect = synthesis.effects[0]
    per_unit = (row.x_high - row.x_low) / (effect.ci_high - effect.ci_low)
    assert plot.null_x == pytest.approx(row.x_low + per_unit * (0 - effect.ci_low), abs=0.2)
    assert plot.left_label == "← Favours naltrexone"
    tick_labels = [tick.label for tick in plot.ticks]
    assert "0" in tick_labels and all(re.fullmatch(r"−?\d+(\.\d+)?", label) for label in tick_labels)


# Risk of bias


def rob(report, **fields):
    from references.models import RiskOfBias

    values = {"tool": "rob2", "overall": "low", "overall_support": "Well run."}
    for name, _ in RiskOfBias.DOMAINS:
        values[name], values[f"{name}_support"] = "low", f"{name} fine."
    values.update(fields)
    return RiskOfBias(report=report, **values)


def rob_errors(judgement):
    with pytest.raises(ValidationError) as raised:
        judgement.full_clean(exclude=["report"])
    return raised.value.message_dict


def test_rob2_needs_every_domain_with_a_reason_and_follows_its_overall_rule(trials):
    _, studies = trials
    report = studies[0].reports.get()
    assert "Say in one line why." in rob_errors(rob(report, missing_support=""))["missing_support"][0]
    assert "Judge “missing outcome data”" in rob_errors(rob(report, missing=""))["missing"][0]
    assert (
        "A domain at high risk makes the overall risk high" in rob_errors(rob(report, measurement="high"))["overall"][0]
    )
    errors = rob_errors(rob(report, overall="some"))
    assert "Every domain is at low risk, so the overall risk is low" in errors["overall"][0]
    assert "some concerns" in rob_errors(rob(report, selection="some"))["overall"][0]
    rob(report, selection="some", overall="high").full_clean(exclude=["report"])  # several concerns may make it high
    robins = rob(report, tool="robins-i", overall="serious")
    assert "give the overall judgement only" in rob_errors(robins)["tool"][0]
    empty = {name: "" for name, _ in robins.DOMAINS}
    rob(report, tool="robins-i", overall="serious", **empty).full_clean(exclude=["report"])


def test_condition_page_shows_the_traffic_light_table_beside_the_plot(client, trials):
    from references.models import RiskOfBias

    condition, studies = trials
    rob(studies[0].reports.get(), measurement="some", measurement_support="Self-reported pain.", overall="some").save()
    RiskOfBias.objects.create(
        report=studies[1].reports.get(), tool="robins-i", overall="serious", overall_support="Not randomised."
    )
    html = client.get(condition.get_absolute_url()).content.decode()
    section = html.split('id="outcome-responders"')[1].split('id="outcome-pain"')[0]
    table = section.split('class="evidence-table rob-table"')[1].split("</table>")[0]
    assert (
        table.count('<span class="rob rob--low"') == 4
        and '<span class="rob rob--some" title="Self-reported pain.">' in table
    )
    assert (
        "Assessed with ROBINS-I" in table and '<span class="rob rob--serious">Serious</span> Not randomised.' in table
    )
    assert table.count("Not assessed") == 2  # the third study: its domains and its overall


def test_a_study_page_lists_what_each_report_measured_and_its_risk_of_bias(
    client, trials, django_assert_max_num_queries
):
    _, studies = trials
    rob(studies[0].reports.get(), measurement="some", measurement_support="Self-reported.", overall="some").save()
    with django_assert_max_num_queries(12):
        html = client.get(studies[0].get_absolute_url()).content.decode()
    assert "<strong>Responders</strong>: 12/30 on naltrexone vs 5/30" in html
    assert "<strong>Pain</strong>: −2.1 (SD 1.8, n = 30) on naltrexone vs −1.2 (SD 1.9, n = 30)" in html
    assert '<span class="rob rob--some">Some concerns</span> Well run. (RoB 2; randomisation process: low' in html
    assert "measurement of the outcome: some concerns, Self-reported." in html


# Downloads and the API: one derivation, three forms


def test_downloads_and_the_api_give_the_figures_the_page_shows(client, trials):
    import csv as csv_module
    import io
    import json

    condition, studies = trials
    api = client.get(f"/api/conditions/{condition.slug}/outcomes/").json()
    download = client.get(f"/conditions/{condition.slug}/outcomes.json")
    assert download["Content-Disposition"] == 'attachment; filename="fibromyalgia-outcomes.json"'
    data = json.loads(download.content)
    assert {key: data[key] for key in ("condition", "slug", "outcomes")} == {
        key: api[key] for key in ("condition", "slug", "outcomes")
    }
    responders = data["outcomes"][0]["syntheses"][0]
    synthesis = for_condition(condition)[0].syntheses[0]
    assert responders["random_effects_reml"]["estimate"] == pytest.approx(synthesis.reml.estimate)
    assert responders["i2"] == pytest.approx(synthesis.i2)
    assert responders["studies"][0]["data"] == {"events_int": 12, "total_int": 30, "events_ctl": 5, "total_ctl": 30}
    rows = list(
        csv_module.DictReader(io.StringIO(client.get(f"/conditions/{condition.slug}/outcomes.csv").content.decode()))
    )
    pooled = [row for row in rows if row["outcome"] == "Responders" and row["row"] == "pooled"]
    assert [row["study"] for row in pooled] == [
        "Random effects, τ² by REML",
        "Random effects, τ² by DerSimonian–Laird",
        "Fixed effect (inverse variance)",
    ]
    assert float(pooled[0]["estimate"]) == pytest.approx(synthesis.reml.estimate)
    assert sum(row["row"] == "study" for row in rows) == 6
    html = client.get(condition.get_absolute_url()).content.decode()
    assert f'href="/conditions/{condition.slug}/outcomes.csv" download' in html
    assert client.get("/conditions/no-such/outcomes.csv").status_code == 404
    assert client.get("/api/conditions/no-such/outcomes/").status_code == 404


# Certainty (GRADE), the summary of findings and the key messages


def rating(condition, outcome, **fields):
    from references.models import Certainty

    return Certainty(condition=condition, outcome=outcome, **{"effect": "reduces", **fields})


@pytest.mark.parametrize(
    "fields,level,statement",
    [
        ({}, "High", "Naltrexone reduces pain."),
        ({"imprecision": 1, "imprecision_reason": "x"}, "Moderate", "Naltrexone probably reduces pain."),
        (
            {"imprecision": 2, "imprecision_reason": "x", "effect": "reduces-slightly"},
            "Low",
            "Naltrexone may reduce pain slightly.",
        ),
        (
            {"imprecision": 2, "imprecision_reason": "x", "risk_of_bias": 1, "risk_of_bias_reason": "y"},
            "Very low",
            "The evidence is very uncertain about the effect of naltrexone on pain.",
        ),
        ({"effect": "no-difference"}, "High", "Naltrexone results in little to no difference in pain."),
        (
            {"evidence": "observational", "effect": "no-difference"},
            "Low",
            "Naltrexone may result in little to no difference in pain.",
        ),
        (
            {"evidence": "observational", "upgrade": 1, "upgrade_reason": "A large effect.", "effect": "increases"},
            "Moderate",
            "Naltrexone probably increases pain.",
        ),
    ],
)
def test_certainty_starts_by_design_goes_down_per_concern_and_speaks_as_grade_does(fields, level, statement, pain):
    from references.models import Condition

    certainty = rating(Condition(name="Fibromyalgia"), pain, **fields)
    assert (certainty.get_level_display(), certainty.statement) == (level, statement)


def test_every_rating_down_or_up_needs_its_reason(make_condition, pain):
    certainty = rating(make_condition(), pain, inconsistency=1)
    with pytest.raises(ValidationError) as raised:
        certainty.full_clean()
    assert raised.value.message_dict == {
        "inconsistency_reason": ["Say in one line why the evidence is rated down for inconsistency."]
    }
    with pytest.raises(ValidationError) as raised:
        rating(make_condition(), pain, upgrade=1, upgrade_reason="Large.").full_clean()
    assert "Only observational evidence is rated up" in raised.value.message_dict["upgrade"][0]


def test_the_data_suggest_imprecision_inconsistency_and_risk_of_bias(trials):
    condition, studies = trials
    responders = for_condition(condition)[0]
    suggested = {s.concern: s for s in responders.suggestions}
    # 60 of 210 had the event, fewer than 300 events: imprecise; the CI excludes 1; I² is 0.
    assert suggested["imprecision"].levels == 1
    assert "only 60 events in all (fewer than 300)" in suggested["imprecision"].reason.lower()
    assert "inconsistency" not in suggested
    assert suggested["risk_of_bias"].levels == 0 and "not yet assessed" in suggested["risk_of_bias"].reason
    for study in studies:
        rob(study.reports.get(), measurement="high", overall="high").save()
    suggested = {s.concern: s for s in for_condition(condition)[0].suggestions}
    assert suggested["risk_of_bias"].levels == 1 and "carry 100% of the weight" in suggested["risk_of_bias"].reason


def test_summary_of_findings_gives_each_outcome_its_effect_absolute_risk_and_certainty(client, trials, responders):
    condition, _ = trials
    rating(condition, responders, imprecision=1, imprecision_reason="Fewer than 300 events.", effect="increases").save()
    html = client.get(condition.get_absolute_url()).content.decode()
    table = html.split('class="evidence-table sof-table"')[1].split("</table>")[0]
    synthesis = for_condition(condition)[0].lead
    control, difference, low, high = synthesis.absolute
    # The control arms: 5 + 6 + 9 of 30 + 24 + 51 had a response: 190 per 1,000.
    assert control == round(20 / 105 * 1000) == 190
    assert difference == round((0.190476 * synthesis.reml.estimate - 0.190476) * 1000)
    assert f"{control} with the comparator; {difference} more with naltrexone ({low} more to {high} more)" in table
    assert f"RR {synthesis.reml.text}" in table and "210 (3)" in table
    assert (
        '<span class="certainty certainty--3">Moderate</span>'
        '<span class="certainty__why">, rated down for imprecision</span>' in table
    )
    assert "Naltrexone probably increases responders." in table
    assert "Not yet rated" in table  # pain
    section = html.split('id="outcome-responders"')[1]
    assert "rated down one level for imprecision: Fewer than 300 events." in section


def test_key_messages_head_the_condition_page_and_the_home_page_shows_the_first(client, trials):
    condition, _ = trials
    condition.key_messages = "LDN may reduce pain slightly.\n\nIt probably makes little difference to sleep.\n"
    condition.save()
    html = client.get(condition.get_absolute_url()).content.decode()
    assert "<li>LDN may reduce pain slightly.</li><li>It probably makes little difference to sleep.</li>" in html
    home = client.get("/").content.decode()
    assert f'<a href="{condition.get_absolute_url()}">Fibromyalgia</a>: LDN may reduce pain slightly.' in home
    assert "probably makes little difference" not in home


def test_the_admin_shows_what_the_data_suggest_beside_the_editors_rating(admin_client, trials, responders):
    condition, _ = trials
    certainty = rating(condition, responders)
    certainty.save()
    html = admin_client.get(f"/admin/references/certainty/{certainty.pk}/change/").content.decode()
    assert "<strong>imprecision (−1)</strong>: Only 60 events in all (fewer than 300)." in html
    assert "Naltrexone increases responders." not in html and "Naltrexone reduces responders." in html


# Every door of the new admin pages asks the same rule


@pytest.fixture
def staff(db, editorial_groups, django_user_model):
    from django.contrib.auth.models import Group

    def make(group):
        user = django_user_model.objects.create_user(group.lower().replace(" ", "-"), password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.mark.parametrize("group", ["Authors", "Medical reviewers"])
def test_only_editors_change_outcome_data_risk_of_bias_and_certainty(client, trials, responders, staff, group):
    condition, studies = trials
    certainty = rating(condition, responders)
    certainty.save()
    report = studies[0].reports.get()
    client.force_login(staff(group))
    doors = [
        f"/admin/references/certainty/{certainty.pk}/change/",
        f"/admin/references/certainty/{certainty.pk}/delete/",
        f"/admin/references/studyreport/{report.pk}/change/",
        f"/admin/references/outcome/{responders.pk}/change/",
        "/admin/references/certainty/add/",
        "/admin/references/outcome/import/",
    ]
    for door in doors:
        response = client.post(door, {"effect": "increases", "condition": condition.pk, "outcome": responders.pk})
        assert response.status_code == 403, door
    certainty.refresh_from_db()
    assert certainty.effect == "reduces"
    for door in (
        f"/admin/references/certainty/{certainty.pk}/change/",
        f"/admin/references/certainty/{certainty.pk}/history/",
    ):
        assert client.get(door).status_code == (200 if group == "Medical reviewers" else 403), door
