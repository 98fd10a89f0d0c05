"""No edit is lost: saves over someone else's are refused, every version is kept, restorable and comparable."""

import pytest
from django.contrib.auth import get_user_model
from reversion.models import Version

from articles.models import Article, Author
from references.models import Reference

from .test_admin import article_form, reference_form


@pytest.fixture
def editors(db):
    make = get_user_model().objects.create_superuser
    return make("ann", "ann@example.org", "pw"), make("ben", "ben@example.org", "pw")


@pytest.fixture
def two_clients(client, editors, django_user_model):
    from django.test import Client

    other = Client()
    client.force_login(editors[0])
    other.force_login(editors[1])
    return client, other


@pytest.fixture
def piece(make_article):
    return make_article(
        title="LDN and sleep",
        slug="ldn-and-sleep",
        authors=[],
        status=Article.Status.DRAFT,
        published_at=None,
        body="The first text.",
    )


def opened_revision(client, url):
    html = client.get(url).content.decode()
    return html.split('name="opened_revision" value="')[1].split('"')[0]


def test_the_second_of_two_concurrent_saves_is_refused_and_keeps_its_text(two_clients, piece):
    ann, ben = two_clients
    url = f"/admin/articles/article/{piece.pk}/change/"
    ann_opened, ben_opened = opened_revision(ann, url), opened_revision(ben, url)
    assert ann_opened == ben_opened

    saved = ann.post(url, article_form(title="Ann's title", body="Ann's text.", opened_revision=ann_opened))
    assert saved.status_code == 302

    refused = ben.post(url, article_form(title="Ben's title", body="Ben's careful text.", opened_revision=ben_opened))
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "was saved by someone else (ann, on" in html
    assert "differs from yours in: Title (saved: “Ann&#x27;s title”), Body (saved: “Ann&#x27;s text.”)" in html
    assert "Ben&#x27;s careful text." in html  # still in the form
    piece.refresh_from_db()
    assert (piece.title, piece.body) == ("Ann's title", "Ann's text.")

    # Having seen the message, Ben saves again on purpose: his version is kept.
    again = ben.post(
        url,
        article_form(title="Ben's title", body="Ben's careful text.", opened_revision=opened_revision_from(refused)),
    )
    assert again.status_code == 302
    piece.refresh_from_db()
    assert piece.title == "Ben's title"


def opened_revision_from(response):
    return response.content.decode().split('name="opened_revision" value="')[1].split('"')[0]


def test_the_refusal_names_what_the_other_editor_changed(two_clients, piece):
    ann, ben = two_clients
    url = f"/admin/articles/article/{piece.pk}/change/"
    ann.post(url, article_form(title="Ann's first", opened_revision=opened_revision(ann, url)))  # a version
    ben_opened = opened_revision(ben, url)
    ann.post(url, article_form(title="Ann's second", opened_revision=opened_revision(ann, url)))
    html = ben.post(url, article_form(title="Ben's", opened_revision=ben_opened)).content.decode()
    assert "They changed: Title (now “Ann&#x27;s second”)." in html


def test_a_save_without_a_conflict_goes_through(two_clients, piece):
    ann, _ = two_clients
    url = f"/admin/articles/article/{piece.pk}/change/"
    first = ann.post(url, article_form(title="One", opened_revision=opened_revision(ann, url)))
    second = ann.post(url, article_form(title="Two", opened_revision=opened_revision(ann, url)))
    assert (first.status_code, second.status_code) == (302, 302)


def test_references_and_authors_are_guarded_too(two_clients, make_reference, make_author):
    ann, ben = two_clients
    reference = make_reference(key="younger2013", title="Old title")
    url = f"/admin/references/reference/{reference.pk}/change/"
    opened = opened_revision(ben, url)
    assert (
        ann.post(url, reference_form(title="Ann's title", opened_revision=opened_revision(ann, url))).status_code == 302
    )
    refused = ben.post(url, reference_form(title="Ben's title", opened_revision=opened))
    assert "was saved by someone else" in refused.content.decode()
    assert Reference.objects.get(pk=reference.pk).title == "Ann's title"

    author = make_author(name="Jo Bloggs", slug="jo")
    url = f"/admin/articles/author/{author.pk}/change/"
    opened = opened_revision(ben, url)
    data = {"name": "Jo Ann", "slug": "jo", "credentials": "", "affiliation": "", "website": "", "bio": ""}
    assert ann.post(url, data | {"opened_revision": opened_revision(ann, url)}).status_code == 302
    refused = ben.post(url, data | {"name": "Jo Ben", "opened_revision": opened})
    assert "was saved by someone else" in refused.content.decode()
    assert Author.objects.get(pk=author.pk).name == "Jo Ann"


def test_every_admin_save_keeps_a_version_that_can_be_restored(two_clients, piece):
    ann, _ = two_clients
    url = f"/admin/articles/article/{piece.pk}/change/"
    ann.post(url, article_form(title="First title", tags="sleep", opened_revision=opened_revision(ann, url)))
    ann.post(url, article_form(title="Second title", tags="sleep, mood", opened_revision=opened_revision(ann, url)))
    versions = Version.objects.get_for_object(piece)
    assert versions.count() == 2
    history = ann.get(f"/admin/articles/article/{piece.pk}/history/").content.decode()
    assert "ann" in history and "compare" in history.lower()

    older, newer = versions[1], versions[0]
    compare = ann.get(
        f"/admin/articles/article/{piece.pk}/history/compare/", {"version_id1": older.pk, "version_id2": newer.pk}
    )
    assert compare.status_code == 200 and "Second title" in compare.content.decode()

    revert_url = f"/admin/articles/article/{piece.pk}/history/{older.pk}/"
    form = ann.get(revert_url)
    assert form.status_code == 200
    restored = ann.post(
        revert_url, article_form(title="First title", tags="sleep", opened_revision=opened_revision_from(form))
    )
    assert restored.status_code == 302
    piece.refresh_from_db()
    assert piece.title == "First title"
    assert sorted(piece.tags.names()) == ["sleep"]


def test_a_deleted_piece_can_be_recovered_with_its_authors_references_and_tags(
    two_clients, make_article, make_author, make_reference
):
    ann, _ = two_clients
    author, reference = make_author(name="Kept Author"), make_reference(key="keptref")
    article = make_article(
        title="To be deleted",
        slug="to-be-deleted",
        authors=[author],
        references=[reference],
        tags=["kept tag"],
        body="Listed, not cited.",
    )
    url = f"/admin/articles/article/{article.pk}/change/"
    html = ann.get(url).content.decode()
    assert "opened_revision" in html
    # One admin save makes the version that recovery restores.
    data = article_form(
        title="To be deleted",
        slug="to-be-deleted",
        body="Listed, not cited.",
        tags="kept tag,",
        status="published",
        opened_revision=opened_revision(ann, url),
    )
    data |= {
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "1",
        "bylines-0-id": str(article.bylines.get().pk),
        "bylines-0-article": str(article.pk),
        "bylines-0-author": str(author.pk),
        "bylines-0-position": "1",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "1",
        "citations-0-id": str(article.citations.get().pk),
        "citations-0-article": str(article.pk),
        "citations-0-reference": str(reference.pk),
        "citations-0-position": "1",
    }
    assert ann.post(url, data).status_code == 302
    assert ann.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(slug="to-be-deleted").exists()

    recover_list = ann.get("/admin/articles/article/recover/").content.decode()
    assert "To be deleted" in recover_list
    version = Version.objects.get_deleted(Article).get()
    recover_url = f"/admin/articles/article/recover/{version.pk}/"
    form = ann.get(recover_url)
    assert form.status_code == 200
    assert ann.post(recover_url, data | {"opened_revision": ""}).status_code == 302
    recovered = Article.objects.get(slug="to-be-deleted")
    assert [a.name for a in recovered.credited_authors] == ["Kept Author"]
    assert [c.reference.key for c in recovered.citations.all()] == ["keptref"]
    assert list(recovered.tags.names()) == ["kept tag"]


def test_importing_references_keeps_a_version_of_each(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("one.bib", b"@article{smith2020, title={A trial}, author={Smith, J}, year={2020}}")
    preview = admin_client.post("/admin/references/reference/import/", {"file": upload})
    payload = preview.content.decode().split('name="payload" value="')[1].split('"')[0]
    assert admin_client.post("/admin/references/reference/import/", {"payload": payload}).status_code == 302
    version = Version.objects.get_for_object(Reference.objects.get(key="smith2020")).get()
    assert version.revision.comment == "Imported from one.bib"


def test_a_deleted_reference_can_be_recovered(two_clients, make_reference):
    ann, _ = two_clients
    reference = make_reference(key="lost2020", title="A reference deleted by mistake")
    url = f"/admin/references/reference/{reference.pk}/change/"
    data = reference_form(
        key="lost2020", title="A reference deleted by mistake", opened_revision=opened_revision(ann, url)
    )
    assert ann.post(url, data).status_code == 302  # the version recovery restores
    assert ann.post(f"/admin/references/reference/{reference.pk}/delete/", {"post": "yes"}).status_code == 302
    version = Version.objects.get_deleted(Reference).get()
    assert "A reference deleted by mistake" in ann.get("/admin/references/reference/recover/").content.decode()
    recover_url = f"/admin/references/reference/recover/{version.pk}/"
    assert ann.post(recover_url, data | {"opened_revision": ""}).status_code == 302
    assert Reference.objects.get(key="lost2020").title == "A reference deleted by mistake"


def test_a_saved_version_of_a_piece_holds_its_bylines_references_and_tags(make_article, make_reference):
    """A version follows the piece's links, wherever it is saved (the admin, a script, an import)."""
    import reversion
    from reversion.models import Version

    make_reference(key="kept2013")
    piece = make_article(body="Cites [@kept2013].", tags=["kept tag"])
    with reversion.create_revision():
        piece.save()
    saved = {
        version.content_type.model
        for version in Version.objects.get_for_object(piece).first().revision.version_set.all()
    }
    assert {"article", "byline", "citation", "taggedarticle"} <= saved
