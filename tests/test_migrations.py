"""Migrations that move data: what was saved before them still reads back after."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

VERSIONS = ("reversion", "0002_add_index_on_version_for_content_type_and_db")
BEFORE = [("articles", "0013_citation_marks_keep_their_word"), VERSIONS]
AFTER = [("articles", "0014_rename_dek_to_summary"), VERSIONS]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_versions_saved_before_the_summary_was_renamed_still_restore_it():
    """A version stored under the old column name would restore with its summary silently dropped."""
    apps = migrate(BEFORE)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision, Version = apps.get_model("reversion", "Revision"), apps.get_model("reversion", "Version")
    article_type, _ = ContentType.objects.get_or_create(app_label="articles", model="article")
    fields = {"title": "Sleep on LDN", "slug": "sleep-on-ldn", "dek": "What the trials said about sleep."}
    Version.objects.create(
        revision=Revision.objects.create(date_created="2026-01-01T09:00:00Z", comment=""),
        content_type=article_type,
        object_id="1",
        db="default",
        format="json",
        serialized_data=json.dumps([{"model": "articles.article", "pk": 1, "fields": fields}]),
        object_repr="Sleep on LDN",
    )
    try:
        apps = migrate(AFTER)
        stored = json.loads(apps.get_model("reversion", "Version").objects.get().serialized_data)[0]["fields"]
        assert stored["summary"] == "What the trials said about sleep." and "dek" not in stored
        apps = migrate(BEFORE)  # and back, if the migration is reversed
        stored = json.loads(apps.get_model("reversion", "Version").objects.get().serialized_data)[0]["fields"]
        assert stored["dek"] == "What the trials said about sleep." and "summary" not in stored
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_pieces_saved_before_sections_were_kept_get_them_and_their_heading_ids():
    apps = migrate(AFTER)
    apps.get_model("articles", "Article").objects.create(
        title="Sleep on LDN",
        slug="sleep-on-ldn",
        summary="S.",
        body="# Sleep\n\nBetter.\n\n# Dreams\n\nVivid.",
        body_html="<h2>Sleep</h2>\n<p>Better.</p>\n<h2>Dreams</h2>\n<p>Vivid.</p>\n",
        status="published",
    )
    try:
        apps = migrate([("articles", "0015_sections_for_the_table_of_contents"), VERSIONS])
        piece = apps.get_model("articles", "Article").objects.get()
        assert piece.sections == [
            {"id": "section-sleep", "title": "Sleep"},
            {"id": "section-dreams", "title": "Dreams"},
        ]
        assert '<h2 id="section-sleep">Sleep</h2>' in piece.body_html
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_studys_grade_is_kept_on_the_certainty_of_its_outcome_and_comes_back_if_reversed():
    """What editors wrote as a study's own grade reaches the certainty of its primary outcome in each of its
    conditions, unrated, and nothing of it is lost either way."""
    before = [("references", "0010_outcomes"), ("articles", "0017_series_for_editors"), VERSIONS]
    apps = migrate(before)
    Study, Condition, Outcome = (apps.get_model("references", name) for name in ("Study", "Condition", "Outcome"))
    fibromyalgia = Condition.objects.create(name="Fibromyalgia", slug="fibromyalgia")
    gulf_war = Condition.objects.create(name="Gulf War illness", slug="gulf-war-illness")
    Outcome.objects.create(name="Daily pain", slug="pain")
    trial = Study.objects.create(
        title="Crossover trial",
        slug="crossover",
        design="crossover",
        primary_outcome="daily pain",
        grade="low",
        grade_reason="Randomised, but one small trial of 31 women.",
    )
    trial.conditions.set([fibromyalgia, gulf_war])
    pilot = Study.objects.create(
        title="Pilot",
        slug="pilot",
        design="pilot",
        primary_outcome="Fibromyalgia symptoms",
        grade="very-low",
        grade_reason="Ten women; placebo always first.",
    )
    pilot.conditions.set([fibromyalgia])
    Study.objects.create(title="Ungraded", slug="ungraded", design="rct", primary_outcome="Sleep")
    try:
        apps = migrate([("references", "0011_study_grades_to_certainty"), VERSIONS])
        Certainty = apps.get_model("references", "Certainty")
        rows = {
            (c.condition.slug, c.outcome.name): (c.evidence, c.effect, c.carried_over)
            for c in Certainty.objects.select_related("condition", "outcome")
        }
        assert rows == {
            ("fibromyalgia", "Daily pain"): (
                "randomised",
                "",
                "[crossover] Low: Randomised, but one small trial of 31 women.",
            ),
            ("gulf-war-illness", "Daily pain"): (
                "randomised",
                "",
                "[crossover] Low: Randomised, but one small trial of 31 women.",
            ),
            ("fibromyalgia", "Fibromyalgia symptoms"): (
                "observational",
                "",
                "[pilot] Very low: Ten women; placebo always first.",
            ),
        }
        assert not apps.get_model("references", "Outcome").objects.filter(name="Sleep").exists()
        apps = migrate(before)
        studies = apps.get_model("references", "Study").objects
        assert {s.slug: (s.grade, s.grade_reason) for s in studies.all()} == {
            "crossover": ("low", "Randomised, but one small trial of 31 women."),
            "pilot": ("very-low", "Ten women; placebo always first."),
            "ungraded": ("", ""),
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
