"""Fill the search fields of what exists, and on PostgreSQL index the vectors (GIN) for fast full-text search."""

from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("articles_article", "article_search_vector"),
    ("references_reference", "reference_search_vector"),
]


def _vector(fields):
    vectors = [SearchVector(name, weight=weight, config="english") for name, weight in fields]
    total = vectors[0]
    for vector in vectors[1:]:
        total += vector
    return total


def fill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Reference = apps.get_model("references", "Reference")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    Byline = apps.get_model("articles", "Byline")
    for article in Article.objects.all():
        names = list(TaggedArticle.objects.filter(content_object=article).values_list("tag__name", flat=True))
        names += list(Byline.objects.filter(article=article).values_list("author__name", flat=True))
        Article.objects.filter(pk=article.pk).update(search_text=" ".join(sorted(names)))
    if schema_editor.connection.vendor != "postgresql":
        return
    Article.objects.update(
        search_vector=_vector([("title", "A"), ("dek", "B"), ("search_text", "B"), ("body", "C")])
    )
    Reference.objects.update(
        search_vector=_vector([("title", "A"), ("key", "A"), ("authors", "B"), ("container", "C"), ("note", "D")])
    )
    for table, name in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("search_vector")')


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_search_fields"),
        ("references", "0004_search_vector"),
    ]

    operations = [migrations.RunPython(fill, unfill)]
