"""The demo loader: a new user sees a real site, and running it again never undoes anyone's work."""

import io

from django.core.management import call_command

from articles.models import Article, Author, Byline, Citation
from references.models import Reference


def load():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot():
    return {
        model.__name__: sorted(
            model.objects.values_list("pk", "updated_at")
            if hasattr(model, "updated_at")
            else model.objects.values_list("pk", flat=True)
        )
        for model in (Article, Author, Byline, Citation, Reference)
    }


def test_demo_creates_the_first_evidence_pieces(db):
    load()
    article = Article.objects.published().get(slug="low-dose-naltrexone-for-fibromyalgia-pain")
    assert article.credited_authors[0].display_name == "Jacob Teitelbaum, MD"
    assert [c.reference.key for c in article.citations.all()] == [
        "aapm2012",
        "medscape2012",
        "younger2009",
        "ldnwebsite",
        "younger2013",
    ]
    assert all(citation.times_cited == 1 for citation in article.citations.all())
    assert {"fibromyalgia", "microglia", "CFS/FMS"} <= set(article.tags.names())
    assert Reference.objects.get(key="younger2009").pmid == "19453963"
    assert Reference.objects.get(key="younger2013").doi == "10.1002/art.37734"
    assert Article.objects.published().count() == 2


def test_demo_content_passes_the_models_own_validation(db):
    load()
    for model in (Article, Author, Reference):
        for instance in model.objects.all():
            instance.full_clean()


def test_running_the_demo_loader_twice_changes_nothing(db):
    load()
    before = snapshot()
    assert "nothing changed" in load()
    assert snapshot() == before


def test_the_demo_loader_never_overwrites_an_editors_change(db):
    load()
    article = Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain")
    article.title = "Edited by an editor"
    article.save()
    article.tags.set(["fibromyalgia"])
    Reference.objects.filter(key="medscape2012").update(note="Edited note")
    load()
    article.refresh_from_db()
    assert article.title == "Edited by an editor"
    assert list(article.tags.names()) == ["fibromyalgia"]
    assert Reference.objects.get(key="medscape2012").note == "Edited note"


def test_the_demo_loader_reuses_a_reference_an_editor_added_under_another_key(db):
    Reference.objects.create(key="Younger2013b", title="Same paper", doi="10.1002/art.37734")
    load()
    assert Reference.objects.filter(doi="10.1002/art.37734").count() == 1
    article = Article.objects.get(slug="ldn-fibromyalgia-randomised-trial-2013")
    assert article.citations.first().reference.key == "Younger2013b"
