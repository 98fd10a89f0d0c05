"""In Chromium: an editor enters a trial's outcome data, and a reader sees the forest plot on a desktop and a phone.

Screenshots go to ``screenshots/`` (desktop-outcomes.png, phone-outcomes.png, desktop-outcome-admin.png).
"""

import re
from decimal import Decimal

import pytest

from references.models import Certainty, Outcome, OutcomeResult, RiskOfBias, StudyReport

from .browsing import AXE, VIEWPORTS, axe_violations, open_page, shoot, sign_in_as_editor

pytestmark = pytest.mark.browser

RESPONDERS = [(12, 30, 5, 30), (8, 25, 6, 24), (20, 50, 9, 51)]


@pytest.fixture
def trials(live_server, transactional_db, make_study, make_condition, make_reference):
    responders = Outcome.objects.create(name="Responders", slug="responders", better=Outcome.Direction.HIGHER)
    pain = Outcome.objects.create(name="Pain", slug="pain", description="Average daily pain, 0 to 10")
    condition = make_condition(name="Fibromyalgia", slug="fibromyalgia")
    studies = []
    for n, counts in enumerate(RESPONDERS):
        reference = make_reference(authors=f"Trialist{n} A, Other B", year=2015 + n)
        study = make_study(conditions=[condition], report={"reference": reference})
        OutcomeResult.objects.create(
            report=study.reports.get(),
            outcome=responders,
            measure="RR",
            **dict(zip(OutcomeResult.COUNT_FIELDS, counts, strict=True)),
        )
        studies.append(study)
    OutcomeResult.objects.create(
        report=studies[0].reports.get(),
        outcome=pain,
        measure="MD",
        effect=Decimal("-1.1"),
        ci_low=Decimal("-1.9"),
        ci_high=Decimal("-0.3"),
    )
    judged = {name: "low" for name, _ in RiskOfBias.DOMAINS} | {
        f"{name}_support": "Adequate." for name, _ in RiskOfBias.DOMAINS
    }
    RiskOfBias.objects.create(
        report=studies[0].reports.get(),
        **judged | {"missing": "some"},
        overall="some",
        overall_support="A fifth dropped out.",
    )
    RiskOfBias.objects.create(report=studies[1].reports.get(), **judged, overall="low", overall_support="Well run.")
    Certainty.objects.create(
        condition=condition,
        outcome=responders,
        imprecision=1,
        imprecision_reason="Fewer than 300 events.",
        effect=Certainty.Effect.INCREASES,
    )
    condition.key_messages = "Naltrexone probably increases the number of people whose pain responds."
    condition.save()
    return live_server.url, condition, studies


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_sees_the_pooled_estimate_and_forest_plot(browser, trials, viewport):
    from playwright.sync_api import expect

    site, condition, _ = trials
    page = open_page(browser, viewport, bypass_csp=bool(AXE.exists()))
    page.goto(site + condition.get_absolute_url())
    plot = page.get_by_role("img", name="Forest plot: responders, risk ratio, Fibromyalgia")
    expect(plot).to_be_visible()
    plot.scroll_into_view_if_needed()
    # The plot fits the screen: no sideways scrolling on a phone.
    box = plot.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
    expect(page.locator("#outcome-responders .synthesis__pooled")).to_contain_text("Pooled over 3 studies")
    expect(page.locator("#outcome-pain .synthesis__not-pooled")).to_contain_text("Only one study")
    shoot(page, viewport, "outcomes")
    if AXE.exists():
        assert axe_violations(page) == []
    assert page.problems == []


def test_editor_enters_outcome_data_and_a_mistake_is_a_form_error_that_loses_nothing(browser, trials):
    from playwright.sync_api import expect

    site, condition, studies = trials
    report = StudyReport.objects.get(study=studies[1])
    fatigue = Outcome.objects.create(name="Fatigue", slug="fatigue")
    page = sign_in_as_editor(browser, f"{site}/admin/references/studyreport/{report.pk}/change/")
    page.get_by_role("button", name=re.compile("Add another outcome data", re.I)).click()
    row = page.locator("#outcome_results-1")
    row.get_by_label("Outcome:").select_option(str(fatigue.pk))
    row.get_by_label("Measure:").select_option("RR")
    row.get_by_label("Events on naltrexone:").fill("40")
    row.get_by_label("People on naltrexone:").fill("25")
    row.get_by_label("Events on the comparator:").fill("6")
    row.get_by_label("People on the comparator:").fill("24")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errorlist").first).to_contain_text("40 events on naltrexone is more than the 25 people")
    shoot(page, "desktop", "outcome-admin")
    # What the editor typed is still there to correct.
    row = page.locator("#outcome_results-1")
    expect(row.get_by_label("People on the comparator:")).to_have_value("24")
    row.get_by_label("Events on naltrexone:").fill("10")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert OutcomeResult.objects.get(outcome=fatigue).events_int == 10

    page.goto(site + condition.get_absolute_url())
    expect(page.locator("#outcome-fatigue")).to_contain_text("Only one study gives figures")
    assert page.problems == []
