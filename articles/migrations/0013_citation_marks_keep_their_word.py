"""Pieces rendered before citation marks began with a word joiner get it, as a save would now give it."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

MARK = '<sup class="citation">'


def join_marks(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.exclude(body_html__contains="\u2060" + MARK).update(
        body_html=Replace("body_html", Value(MARK), Value("\u2060" + MARK))
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_drop_stored_pages")]

    operations = [migrations.RunPython(join_marks, migrations.RunPython.noop)]
