"""The piece's summary was stored as ``dek`` (a newsroom word) while the admin, the page and the API
all called it the summary. The column takes the name everyone uses.

django-reversion keeps each saved version of a piece as JSON with the field names of its day, and
reads it back ignoring names it does not know: left as ``dek``, restoring an old version would
silently drop its summary. The stored versions are rewritten to the new name (and back, if this
migration is reversed).
"""

import json

from django.db import migrations, models


def _rename_in_versions(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    try:
        article_type = ContentType.objects.get(app_label="articles", model="article")
    except ContentType.DoesNotExist:
        return  # a database with no pieces saved yet has no versions of them either
    changed = []
    for version in Version.objects.filter(content_type=article_type, format="json").iterator(chunk_size=500):
        data = json.loads(version.serialized_data)
        fields = data[0]["fields"] if data else {}
        if old in fields:
            fields[new] = fields.pop(old)
            version.serialized_data = json.dumps(data)
            changed.append(version)
    Version.objects.bulk_update(changed, ["serialized_data"], batch_size=500)


def forwards(apps, schema_editor):
    _rename_in_versions(apps, "dek", "summary")


def backwards(apps, schema_editor):
    _rename_in_versions(apps, "summary", "dek")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_citation_marks_keep_their_word"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RenameField(model_name="article", old_name="dek", new_name="summary"),
        migrations.AlterField(  # its verbose name was "summary"; now the field's own name says it
            model_name="article",
            name="summary",
            field=models.TextField(
                help_text="One short paragraph, shown under the title and in lists: what the piece tells the reader.",
                max_length=600,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
