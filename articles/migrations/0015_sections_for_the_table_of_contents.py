"""Each piece keeps its sections (its top-level headings, with the ids the rendered text now gives
them) for the page's table of contents; pieces saved before are rendered again, as a save would.

The rendering is today's code, imported rather than frozen here: the point is that the stored HTML
and sections match what saving the piece now writes.
"""

from django.db import migrations, models


def render_again(apps, schema_editor):
    from articles.rendering import render_article_body

    Article = apps.get_model("articles", "Article")
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 200):
        batch = list(Article.objects.filter(pk__in=ids[start : start + 200]).only("pk", "body"))
        for article in batch:
            rendered = render_article_body(article.body)
            article.body_html, article.sections = rendered.html, rendered.sections
        Article.objects.bulk_update(batch, ["body_html", "sections"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_rename_dek_to_summary")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="sections",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(render_again, migrations.RunPython.noop),
    ]
