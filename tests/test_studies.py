"""The evidence table: study records and their reports, the public table, CSV, condition pages and charts."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from references.charts import effect_chart
from references.identifiers import normalise_registry_id, registry_url, validate_registry_id
from references.models import RiskOfBias, Study, StudyReport

# Registry IDs


@pytest.mark.parametrize(
    ("pasted", "stored"),
    [
        ("NCT00568555", "NCT00568555"),
        (" nct00568555 ", "NCT00568555"),
        ("https://clinicaltrials.gov/study/NCT00568555?tab=results", "NCT00568555"),
        ("https://clinicaltrials.gov/ct2/show/NCT00568555", "NCT00568555"),
        ("https://www.isrctn.com/ISRCTN12345678", "ISRCTN12345678"),
        ("eudract 2012-001234-56", "EudraCT 2012-001234-56"),
        ("chictr2000029308", "ChiCTR2000029308"),
        ("", None),
    ],
)
def test_registry_ids_are_stored_as_the_registry_writes_them(pasted, stored):
    assert normalise_registry_id(pasted) == stored


@pytest.mark.parametrize("value", ["NCT0056855", "NCT005685551", "12345", "ISRCTN1234", "<script>", "NCT 00568555"])
def test_malformed_registry_ids_are_refused_with_examples(value):
    with pytest.raises(ValidationError, match="NCT00568555"):
        validate_registry_id(normalise_registry_id(value))


def test_registry_links_go_to_the_trial():
    assert registry_url("NCT00568555") == "https://clinicaltrials.gov/study/NCT00568555"
    assert registry_url("ACTRN12610000123456").startswith("https://trialsearch.who.int/")


# Validation


def errors_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean(exclude=["study", "reference"] if isinstance(instance, StudyReport) else None)
    return caught.value.message_dict


def study(**fields):
    values = {"title": "A trial", "slug": "a-trial", "design": Study.Design.RANDOMISED}
    return Study(**{**values, **fields})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"dose_mg": Decimal(0)}, "dose_mg", "positive number of milligrams"),
        ({"dose_mg": Decimal("-4.5")}, "dose_mg", "positive number of milligrams"),
        ({"duration_weeks": Decimal(0)}, "duration_weeks", "positive number of weeks"),
        ({"registry_id": "NCT123"}, "registry_id", "not a trial registry ID"),
        ({"design": "guesswork"}, "design", "is not a valid choice"),
    ],
)
def test_study_validation_names_the_field_and_the_rule(fields, field, message):
    errors = errors_of(study(**fields))
    assert message in " ".join(errors[field])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"participants": 0}, "participants", "whole number above 0"),
        ({"intervention_change_pct": Decimal("120")}, "intervention_change_pct", "from −100 to 100"),
        ({"comparator_change_pct": Decimal("-100.5")}, "comparator_change_pct", "from −100 to 100"),
        ({"effect_pct": Decimal("101")}, "effect_pct", "from −100 to 100"),
        ({"p_value": Decimal("1.5")}, "p_value", "at most 1"),
        ({"p_value": Decimal(0)}, "p_value", "above 0"),
        ({"p_relation": "<"}, "p_value", "the p-value that the result is below"),
    ],
)
def test_report_validation_names_the_field_and_the_rule(fields, field, message):
    errors = errors_of(StudyReport(**fields))
    assert message in " ".join(errors[field])


def test_effect_is_the_difference_of_the_improvements_when_left_blank():
    report = StudyReport(intervention_change_pct=Decimal("28.8"), comparator_change_pct=Decimal("18.0"))
    report.clean()
    assert report.effect_pct == Decimal("10.8")


def test_a_given_effect_is_kept():
    report = StudyReport(
        intervention_change_pct=Decimal("28.8"), comparator_change_pct=Decimal("18.0"), effect_pct=Decimal(40)
    )
    report.clean()
    assert report.effect_pct == Decimal(40)


def test_a_report_saved_outside_the_admin_gets_its_effect_too(client, make_study):
    """An import, a script or the shell saves through the ORM, not the form: the effect is still derived."""
    study = make_study(
        report={"effect_pct": None, "intervention_change_pct": Decimal("28.8"), "comparator_change_pct": Decimal(18)}
    )
    assert study.reports.get().effect_pct == Decimal("10.8")
    # 28.8% against 18.0% is a difference of 10.8 percentage points, not a 10.8% improvement.
    html = client.get(study.get_absolute_url()).content.decode()
    assert "+10.8 percentage points" in html and "+10.8%" not in html


def test_a_registry_id_belongs_to_one_study(make_study):
    make_study(registry_id="NCT00568555")
    errors = errors_of(study(registry_id="nct00568555"))
    assert "same trial" in errors["registry_id"][0]


# The demo's studies


def test_the_demo_trial_keeps_both_reports_with_their_own_figures(demo):
    trial = Study.objects.get(registry_id="NCT00568555")
    reports = {report.reference.key: report for report in trial.reports.select_related("reference")}
    assert (reports["aapm2012"].participants, reports["aapm2012"].effect_pct) == (27, Decimal("48.5"))
    assert (reports["younger2013"].participants, reports["younger2013"].effect_pct) == (31, Decimal("10.8"))
    assert reports["younger2013"].is_main and not reports["aapm2012"].is_main
    pilot = Study.objects.get(slug="stanford-ldn-fibromyalgia-pilot-2009")
    assert [report.reference.key for report in pilot.reports.all()] == ["younger2009"]


def test_the_study_page_shows_every_report_and_says_they_differ(client, demo):
    html = client.get("/studies/stanford-ldn-fibromyalgia-crossover-trial/").content.decode()
    assert "27 (women)" in html and "+48.5%" in html
    assert "31 (women)" in html and "+10.8 percentage points (P = 0.016)" in html
    assert "reports of this study give different figures" in html
    assert 'href="https://clinicaltrials.gov/study/NCT00568555"' in html
    assert "Our editors have not yet assessed this study's risk of bias." in html


def test_a_study_with_one_report_does_not_claim_a_difference(client, demo):
    html = client.get("/studies/stanford-ldn-fibromyalgia-pilot-2009/").content.decode()
    assert "give different figures" not in html
    assert "10 (women)" in html


def test_unknown_study_is_404(client, demo):
    assert client.get("/studies/no-such-trial/").status_code == 404


# The evidence table


def rows(response):
    return [study.slug for study in response.context["studies"]]


def test_table_shows_each_study_once_with_its_main_report_figures(client, demo):
    response = client.get("/studies/")
    assert rows(response) == ["stanford-ldn-fibromyalgia-crossover-trial", "stanford-ldn-fibromyalgia-pilot-2009"]
    html = response.content.decode()
    assert "31 women" in html and "27 women" not in html
    assert "+10.8 percentage points" in html and "(P = 0.016)" in html and "+10.8%" not in html
    assert "4.5 mg once a day" in html


@pytest.fixture
def spread(make_study, make_condition, make_reference):
    """Studies that differ in every filtered and sorted column."""
    fibro, ms = make_condition(name="Fibromyalgia", slug="fibromyalgia"), make_condition(name="MS", slug="ms")
    studies = {
        "tiny": make_study(
            slug="tiny",
            title="B tiny",
            conditions=[ms],
            dose_mg=Decimal("0.5"),
            design=Study.Design.OPEN_LABEL,
            report={"participants": 12, "effect_pct": Decimal(-5), "reference": make_reference(year=2020)},
        ),
        "low": make_study(
            slug="low",
            title="A low",
            conditions=[fibro],
            dose_mg=Decimal("4.5"),
            report={"participants": 80, "effect_pct": Decimal(25), "reference": make_reference(year=2015)},
        ),
        "high": make_study(
            slug="high",
            title="C high",
            conditions=[fibro, ms],
            dose_mg=Decimal(50),
            design=Study.Design.RANDOMISED,
            report={"participants": 400, "effect_pct": None, "reference": make_reference(year=2018)},
        ),
    }
    for slug, judgement in (("tiny", "serious"), ("low", "moderate"), ("high", "low")):
        RiskOfBias.objects.create(
            report=studies[slug].reports.get(), tool="robins-i", overall=judgement, overall_support="For the test."
        )
    return studies


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["tiny", "high", "low"]),
        ("?condition=fibromyalgia", ["high", "low"]),
        ("?condition=ms", ["tiny", "high"]),
        ("?design=open-label", ["tiny"]),
        ("?dose=ultra-low", ["tiny"]),
        ("?dose=low", ["low"]),
        ("?dose=higher", ["high"]),
        ("?year=2015", ["low"]),
        ("?year=1999", []),
        ("?risk=low", ["high"]),
        ("?condition=fibromyalgia&risk=some", ["low"]),
        ("?risk=high", ["tiny"]),
        ("?risk=unassessed", []),
        ("?sort=participants", ["tiny", "low", "high"]),
        ("?sort=-participants", ["high", "low", "tiny"]),
        ("?sort=-effect", ["low", "tiny", "high"]),
        ("?sort=effect", ["tiny", "low", "high"]),
        ("?sort=risk", ["high", "low", "tiny"]),
        ("?sort=-risk", ["tiny", "low", "high"]),
        ("?sort=dose", ["tiny", "low", "high"]),
        ("?sort=title", ["low", "tiny", "high"]),
    ],
)
def test_table_filters_and_sorts(client, spread, query, expected):
    assert rows(client.get("/studies/" + query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "?condition=lupus",
        "?design=anecdote",
        "?dose=9000",
        "?risk=excellent",
        "?year=soon",
        "?year=99999",
        "?sort=price",
        "?sort=--year",
        "?condition=%00",
        "?dose=low&risk=%3Cscript%3E",
    ],
)
def test_nonsense_filters_show_no_studies_and_say_so(client, spread, query):
    response = client.get("/studies/" + query)
    assert response.status_code == 200
    assert rows(response) == []
    html = response.content.decode()
    assert "is not one this table offers" in html and "<script>" not in html


def test_an_empty_result_says_so(client, spread):
    assert "No studies match these filters" in client.get("/studies/?year=1999").content.decode()


def test_sort_headings_reverse_the_current_order_and_keep_the_filters(client, spread):
    html = client.get("/studies/?condition=ms&sort=-participants").content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?condition=ms&amp;sort=participants"' in html
    assert 'href="?condition=ms&amp;sort=-effect"' in html


def test_table_is_paginated_and_pages_keep_the_filters(client, make_study, make_condition):
    fibro = make_condition(slug="fibromyalgia")
    for _ in range(51):
        make_study(conditions=[fibro])
    response = client.get("/studies/?condition=fibromyalgia")
    assert len(rows(response)) == 50
    assert "?condition=fibromyalgia&amp;page=2" in response.content.decode()
    assert len(rows(client.get("/studies/?condition=fibromyalgia&page=2"))) == 1


# CSV


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_holds_what_the_table_shows_in_the_same_order(client, spread):
    response = client.get("/studies/studies.csv?condition=ms&sort=-participants")
    assert 'filename="ldn-studies-ms-participants.csv"' in response["Content-Disposition"]
    header, *body = csv_rows(response)
    assert header[:3] == ["Study", "Address", "Year"]
    assert [row[0] for row in body] == ["C high", "B tiny"]
    high = dict(zip(header, body[0], strict=True))
    assert high["Conditions"] == "Fibromyalgia; MS"
    assert high["Participants"] == "400"
    assert high["Dose (mg)"] == "50"
    assert high["Effect against comparator"] == high["Effect in"] == ""
    assert high["Risk of bias (main report)"] == "Low"
    assert high["Address"] == "http://testserver/studies/high/"
    tiny = dict(zip(header, body[1], strict=True))
    assert (tiny["Effect against comparator"], tiny["Effect in"]) == ("-5", "%")
    assert tiny["Risk of bias (main report)"] == "Serious"


def test_csv_holds_every_row_not_just_the_first_page(client, make_study):
    for _ in range(55):
        make_study()
    assert len(csv_rows(client.get("/studies/studies.csv"))) == 56


def test_csv_of_the_demo_shows_the_trial_as_published(client, demo):
    header, trial, pilot = csv_rows(client.get("/studies/studies.csv"))
    trial = dict(zip(header, trial, strict=True))
    assert (trial["Participants"], trial["Sex"], trial["P-value"]) == ("31", "Women", "0.016")
    # 28.8% against 18.0%: a difference in percentage points, and said so.
    assert (trial["Effect against comparator"], trial["Effect in"]) == ("10.8", "percentage points")
    assert dict(zip(header, pilot, strict=True))["Risk of bias (main report)"] == "Serious"
    assert dict(zip(header, pilot, strict=True))["Year"] == "2009"


def test_csv_cells_cannot_become_spreadsheet_formulas(client, make_study):
    make_study(title='=HYPERLINK("http://evil.example","click")', comparator="+1+1")
    _, row = csv_rows(client.get("/studies/studies.csv"))
    assert row[0].startswith("'=") and row[11] == "'+1+1"


def test_csv_with_nonsense_filters_is_a_400(client, spread):
    assert client.get("/studies/studies.csv?risk=excellent").status_code == 400


# Condition pages and their chart


def test_condition_page_sums_up_its_studies(client, demo):
    response = client.get("/conditions/fibromyalgia/")
    html = response.content.decode()
    assert "2 studies on record, with 41 participants in all:\n    1 pilot study, 1 crossover trial." in html
    assert 'href="/studies/?condition=fibromyalgia"' in html
    assert "Low-Dose Naltrexone for Fibromyalgia Pain" in html


def test_condition_chart_is_accessible_svg_with_the_same_data_as_a_table(client, demo):
    html = client.get("/conditions/fibromyalgia/").content.decode()
    assert '<svg viewBox="0 0 640 320" role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">2 studies plotted' in html
    assert html.count("<circle ") == 2
    assert "<table" in html and "+10.8 percentage points" in html and "+30%" in html
    assert "+10.8%" not in html


def test_condition_without_studies_says_so_and_draws_no_chart(client, demo):
    html = client.get("/conditions/crohns-disease/").content.decode()
    assert "No study of this condition is on record yet." in html
    assert "<svg" not in html


def test_unknown_condition_is_404(client, demo):
    assert client.get("/conditions/gout/").status_code == 404


def test_conditions_list_counts_studies(client, demo):
    html = client.get("/conditions/").content.decode()
    assert 'Fibromyalgia</a>\n    <span class="count">(2 studies)' in html
    assert "(no studies yet)" in html


def figures(**kwargs):
    return Study.objects.with_figures().filter(**kwargs).order_by("year", "title")


def test_chart_marks_one_study_each_sized_by_participants(spread):
    chart = effect_chart(list(figures()))
    marks = {mark.study.slug: mark for mark in chart.marks}
    assert set(marks) == {"tiny", "low"}  # "high" reports no effect
    assert [s.slug for s in chart.unplotted] == ["high"]
    assert marks["low"].r > marks["tiny"].r
    assert marks["low"].y < chart.zero_y < marks["tiny"].y  # above the line favours naltrexone
    assert marks["tiny"].favours_comparator and not marks["low"].favours_comparator
    assert marks["low"].x < marks["tiny"].x  # across by year: 2015, then 2020
    assert "1 study without a reported effect or year not shown" in chart.description


def test_chart_puts_the_zero_line_inside_the_plot_when_every_effect_is_positive(make_study):
    for effect in (10, 35):
        make_study(report={"effect_pct": Decimal(effect)})
    chart = effect_chart(list(figures()))
    assert chart.zero_y == chart.plot_bottom
    assert all(chart.plot_top <= mark.y <= chart.plot_bottom for mark in chart.marks)
    assert [tick.label for tick in chart.y_ticks][0] == "0%"


def test_studies_of_the_same_year_sit_side_by_side(make_study):
    for _ in range(3):
        make_study(report={"effect_pct": Decimal(10)})
    assert len({mark.x for mark in effect_chart(list(figures())).marks}) == 3


def test_no_chart_without_any_effect(make_study):
    make_study(report={"effect_pct": None})
    assert effect_chart(list(figures())) is None


# The article's "evidence at a glance"


def test_article_shows_the_studies_its_references_report_with_their_numbers(client, demo):
    html = client.get("/articles/low-dose-naltrexone-for-fibromyalgia-pain/").content.decode()
    glance = html.split('<aside class="glance"')[1].split("</aside>")[0]
    assert "Stanford crossover trial" in glance and "Stanford pilot study" in glance
    assert glance.index("pilot study of") < glance.index("crossover trial of")  # oldest first
    assert 'References <a href="#ref-1">1</a>, <a href="#ref-5">5</a>' in glance
    assert "+10.8 percentage points" in glance and "Serious" in glance


def test_article_citing_no_study_has_no_glance_box(client, make_article, make_reference):
    article = make_article(references=[make_reference()])
    assert 'class="glance"' not in client.get(article.get_absolute_url()).content.decode()


# Queries stay bounded however many studies there are


@pytest.fixture
def many_studies(make_study, make_condition, make_reference):
    conditions = [make_condition() for _ in range(3)]
    for n in range(60):
        make_study(
            conditions=conditions[: 1 + n % 3],
            report={"participants": 10 + n, "effect_pct": Decimal(n % 30 - 5)},
            reports=[{"participants": 5 + n}] if n % 4 == 0 else [],
        )
    return conditions


@pytest.mark.parametrize(
    "url",
    ["/studies/", "/studies/?sort=-effect&risk=low", "/studies/?page=2", "/conditions/", "/conditions/{slug}/"],
)
def test_study_pages_run_a_fixed_number_of_queries(client, many_studies, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(6):
        assert client.get(url.format(slug=many_studies[0].slug)).status_code == 200


def test_study_page_runs_a_fixed_number_of_queries(client, many_studies, django_assert_max_num_queries):
    study = Study.objects.filter(reports__is_main=False).first()
    with django_assert_max_num_queries(6):
        assert client.get(study.get_absolute_url()).status_code == 200


def test_csv_runs_a_fixed_number_of_queries(client, many_studies, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert len(csv_rows(client.get("/studies/studies.csv"))) == 61


# The editors' forms


def study_form(conditions, reports, **overrides):
    """The study add form as the browser posts it; ``reports`` is a list of dicts of report fields."""
    data = {
        "title": "Open-label LDN in multiple sclerosis",
        "slug": "open-label-ldn-ms",
        "conditions": [str(condition.pk) for condition in conditions],
        "design": "open-label",
        "blinding": "open",
        "population": "",
        "primary_outcome": "",
        "registry_id": "",
        "intervention": "Naltrexone, by mouth",
        "dose_mg": "4.5",
        "frequency": "daily",
        "duration_weeks": "8",
        "comparator": "",
        "adverse_effects": "",
        "reports-TOTAL_FORMS": str(len(reports)),
        "reports-INITIAL_FORMS": str(sum(1 for report in reports if report.get("id"))),
        "reports-MIN_NUM_FORMS": "1",
        "reports-MAX_NUM_FORMS": "1000",
    }
    for n, report in enumerate(reports):
        fields = {"p_relation": "=", "participants": "", "sex": "", "result": "", "effect_pct": "", "p_value": ""}
        fields.update({"intervention_change_pct": "", "comparator_change_pct": ""})
        fields.update(report)
        data.update({f"reports-{n}-{name}": value for name, value in fields.items()})
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url",
    [
        "/admin/references/study/",
        "/admin/references/study/add/",
        "/admin/references/study/?design__exact=crossover&conditions__id__exact=1",
        "/admin/references/study/?q=NCT00568555",
        "/admin/references/condition/",
        "/admin/references/condition/add/",
    ],
)
def test_study_admin_pages_load(admin_client, demo, url):
    assert admin_client.get(url).status_code == 200


def test_demo_study_change_form_loads(admin_client, demo):
    trial = Study.objects.get(registry_id="NCT00568555")
    html = admin_client.get(f"/admin/references/study/{trial.pk}/change/").content.decode()
    assert "NCT00568555" in html and "younger2013" in html


def test_a_study_with_one_report_makes_it_the_main_one(admin_client, make_condition, make_reference):
    condition, reference = make_condition(), make_reference()
    data = study_form([condition], [{"reference": str(reference.pk), "participants": "20", "effect_pct": "12.5"}])
    response = admin_client.post("/admin/references/study/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    report = StudyReport.objects.get()
    assert report.is_main and report.participants == 20


def test_a_study_needs_a_report(admin_client, make_condition):
    response = admin_client.post("/admin/references/study/add/", study_form([make_condition()], []))
    assert response.status_code == 200
    assert "Please submit at least 1 form" in response.content.decode() or "needs at least one report" in (
        response.content.decode()
    )
    assert not Study.objects.exists()


def test_two_reports_need_exactly_one_main(admin_client, make_condition, make_reference):
    reports = [{"reference": str(make_reference().pk)}, {"reference": str(make_reference().pk)}]
    response = admin_client.post("/admin/references/study/add/", study_form([make_condition()], reports))
    assert response.status_code == 200
    assert "Tick “main report” on exactly one report" in response.content.decode()
    assert not Study.objects.exists()


def test_the_main_report_can_move_to_another_report(admin_client, make_study, make_reference):
    study = make_study(reports=[{"participants": 31}])
    old, new = study.reports.order_by("-is_main", "pk")
    reports = [
        {"id": str(old.pk), "study": str(study.pk), "reference": str(old.reference_id), "participants": "27"},
        {"id": str(new.pk), "study": str(study.pk), "reference": str(new.reference_id), "participants": "31"},
    ]
    reports[1]["is_main"] = "on"
    data = study_form(list(study.conditions.all()), reports, title=study.title, slug=study.slug)
    response = admin_client.post(f"/admin/references/study/{study.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.is_main and not old.is_main


def test_bad_study_input_is_a_form_error_and_saves_nothing(admin_client, make_condition, make_reference):
    reports = [{"reference": str(make_reference().pk), "participants": "0", "p_value": "2"}]
    data = study_form([make_condition()], reports, registry_id="NCT123", dose_mg="-1")
    html = admin_client.post("/admin/references/study/add/", data).content.decode()
    for message in ["not a trial registry ID", "positive number of milligrams", "whole number above 0", "at most 1"]:
        assert message in html
    assert not Study.objects.exists()


def test_a_reference_reporting_a_study_cannot_be_deleted_from_under_it(admin_client, demo):
    from references.models import Reference

    reference = Reference.objects.get(key="aapm2012")
    html = admin_client.get(f"/admin/references/reference/{reference.pk}/delete/").content.decode()
    assert "Cannot delete reference" in html or "would require deleting the following protected" in html


@pytest.fixture
def thousand_studies(db):
    from ldnsite.generating.library import generate_studies

    generate_studies(1000, seed=1)
    return Study.objects.count()


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/studies/", 6),
        ("/studies/?dose=low&sort=-participants&page=3", 6),
        ("/studies/?condition=fibromyalgia&risk=some", 6),
        ("/conditions/fibromyalgia/", 6),
        ("/conditions/fibromyalgia/outcomes.csv", 3),
        ("/api/conditions/fibromyalgia/outcomes/", 3),
        ("/studies/studies.csv?design=rct", 4),
    ],
)
def test_pages_stay_bounded_at_a_thousand_studies(
    client, thousand_studies, django_assert_max_num_queries, url, queries
):
    assert thousand_studies == 1000
    with django_assert_max_num_queries(queries):
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            assert len(b"".join(response.streaming_content).splitlines()) > 50


def test_a_chart_of_few_studies_labels_each_mark_with_its_figures(make_study, make_reference):
    make_study(report={"effect_pct": Decimal(30), "participants": 10, "reference": make_reference(year=2009)})
    make_study(report={"effect_pct": Decimal("10.8"), "participants": 31, "reference": make_reference(year=2013)})
    chart = effect_chart(list(figures()))
    early, late = sorted(chart.marks, key=lambda mark: mark.x)
    assert (early.label, late.label) == ("+30% · 10 people", "+10.8% · 31 people")
    assert early.label_anchor == "start" and early.label_x > early.x + early.r  # room on its right
    assert late.label_anchor == "end" and late.label_x < late.x - late.r  # at the plot's right edge


def test_a_chart_of_many_studies_leaves_the_figures_to_the_table(make_study):
    for effect in range(7):
        make_study(report={"effect_pct": Decimal(effect * 5)})
    assert all(mark.label == "" for mark in effect_chart(list(figures())).marks)
