"""On PostgreSQL, keep each piece's search vector in the row itself (compressed), not in the TOAST table.

A piece's weighted vector is about 3 kB compressed, over the 2 kB at which
PostgreSQL moves a value out of the row. Stored out of the row, every search
that matches and ranks thousands of pieces fetched each vector from the TOAST
table, twice: 40 ms of a 75 ms search at 10,000 pieces, against 10 ms with the
vectors in the row (bench/RESULTS.md, third round). ``STORAGE MAIN`` still
compresses the vector, and moves it out of the row only if the row would not fit
in a page otherwise. The text and its HTML, read only on the piece's own page,
are still moved out first.

The setting applies to values written from now on, so the existing vectors are
written again (``|| ''`` makes a new value; assigning the column to itself would
keep the old TOAST pointer).
"""

from django.db import migrations

TABLE, COLUMN = "articles_article", "search_vector"


def inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "{COLUMN}" SET STORAGE MAIN')
        schema_editor.execute(
            f'UPDATE "{TABLE}" SET "{COLUMN}" = "{COLUMN}" || \'\'::tsvector WHERE "{COLUMN}" IS NOT NULL'
        )


def out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "{COLUMN}" SET STORAGE EXTENDED')


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_article_pages")]

    operations = [migrations.RunPython(inline, out_of_line, elidable=False)]
