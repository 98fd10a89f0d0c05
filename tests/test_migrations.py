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
