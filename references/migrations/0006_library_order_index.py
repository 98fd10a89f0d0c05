"""An index in the reference library's own order (newest year first, undated last, then by key).

The library pages through 50,000 references and more; with this index the database
reads a page's keys from the index, in order, instead of sorting the whole table
(the primary key is in the index, so a page's keys need no table rows at all).
Django cannot declare "DESC NULLS LAST" in an index portable to SQLite, so the SQL
is written here for each database: SQLite already sorts nulls last when descending.
"""

from django.db import migrations

NAME = "reference_library_order"


def create(apps, schema_editor):
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "references_reference" ("year" DESC{nulls_last}, "key", "id")'
    )


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("references", "0005_revision")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
