"""Inline citations: [@key] in the text becomes a numbered link, and the reference list follows the text."""

import re

import pytest

from articles.models import Article, Citation, CitationKeyError
from articles.rendering import render_article_body
from references.models import Reference

from .test_admin import article_form, reference_form


def test_a_citation_becomes_a_numbered_superscript_link():
    html = render_article_body("Pain fell.[@younger2013]").html
    assert '<sup class="citation"><a href="#ref-1" id="cite-1-1"' in html
    assert '<span class="visually-hidden">Reference </span>1</a></sup>' in html


def test_numbers_follow_the_order_of_first_citation():
    body = render_article_body("First [@b]. Then [@a; @b]. Again [@a].")
    assert body.cited_keys == ["b", "a"]
    assert body.times_cited == {"a": 2, "b": 2}
    assert re.findall(r'id="(cite-\d-\d)"', body.html) == ["cite-1-1", "cite-2-1", "cite-1-2", "cite-2-2"]


def test_a_locator_is_shown_after_the_number():
    html = render_article_body("See [@younger2009, p. 665].").html
    assert '1</a><span class="citation__locator">(p. 665)</span></sup>' in html


def test_text_that_only_looks_like_a_citation_stays_as_written():
    body = render_article_body("Code `[@a]`, escaped \\[@b], an email [mail@example.org], [@two words].")
    assert body.cited_keys == []
    assert "<code>[@a]</code>" in body.html and "[@b]" in body.html and "[@two words]" in body.html


def test_markup_in_a_locator_is_escaped():
    html = render_article_body('[@a, <img src=x onerror="alert(1)">]').html
    assert "<img" not in html and "&lt;img" in html


@pytest.mark.django_db
def test_saving_an_article_lists_what_it_cites_in_citation_order(make_article, make_reference):
    make_reference(key="younger2009"), make_reference(key="younger2013")
    article = make_article(body="Trial [@younger2013]. Pilot [@younger2009]. Trial again [@younger2013, p. 530].")
    assert [(c.reference.key, c.position, c.times_cited) for c in article.citations.all()] == [
        ("younger2013", 1, 2),
        ("younger2009", 2, 1),
    ]


@pytest.mark.django_db
def test_listed_but_uncited_references_follow_the_cited_ones(make_article, make_reference):
    listed = make_reference(key="background")
    cited = make_reference(key="cited")
    article = make_article(references=[listed])
    article.body = "Only this one [@cited]."
    article.save()
    assert [(c.reference, c.position, c.times_cited) for c in article.citations.all()] == [
        (cited, 1, 1),
        (listed, 2, 0),
    ]


@pytest.mark.django_db
def test_saving_text_that_cites_an_unknown_key_saves_nothing(make_reference):
    make_reference(key="known")
    article = Article(title="T", slug="t", summary="D", body="[@known] [@missing1; @missing2]")
    with pytest.raises(CitationKeyError) as error:
        article.save()
    assert error.value.keys == ["missing1", "missing2"]
    assert not Article.objects.exists() and not Citation.objects.exists()


@pytest.mark.django_db
def test_article_page_links_each_citation_to_its_entry_and_back(client, demo):
    html = client.get("/articles/ldn-fibromyalgia-randomised-trial-2013/").content.decode()
    for anchor in re.findall(r'href="#((?:ref|cite)-[\d-]+)"', html):
        assert f'id="{anchor}"' in html, anchor
    assert 'href="#cite-1-1"' in html and 'href="#ref-3"' in html


@pytest.mark.django_db
def test_admin_refuses_text_citing_unknown_keys_and_names_them(admin_client, make_reference):
    make_reference(key="younger2009")
    response = admin_client.post(
        "/admin/articles/article/add/", article_form(body="[@younger2009] and [@younger2099] and [@nosuch]")
    )
    assert response.status_code == 200
    assert "not in the reference library: [@younger2099], [@nosuch]" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_admin_adds_cited_references_and_keeps_the_editors_own(admin_client, make_reference):
    cited, extra = make_reference(key="younger2013"), make_reference(key="background")
    data = article_form(body="The trial.[@younger2013]")
    # The editor also listed the cited work by hand, and one uncited background source.
    data.update(
        {
            "citations-TOTAL_FORMS": "2",
            "citations-0-reference": str(extra.pk),
            "citations-0-position": "1",
            "citations-1-reference": str(cited.pk),
            "citations-1-position": "2",
        }
    )
    response = admin_client.post("/admin/articles/article/add/", data, follow=True)
    assert response.status_code == 200
    article = Article.objects.get()
    assert [(c.reference, c.position, c.times_cited) for c in article.citations.all()] == [
        (cited, 1, 1),
        (extra, 2, 0),
    ]


@pytest.mark.django_db
def test_admin_tells_the_editor_which_cited_references_it_added(admin_client, make_reference):
    make_reference(key="younger2013")
    response = admin_client.post("/admin/articles/article/add/", article_form(body="[@younger2013]"), follow=True)
    assert "because the text cites them: younger2013" in response.content.decode()


@pytest.mark.django_db
def test_renaming_a_key_the_text_cites_is_refused(admin_client, make_article, make_reference):
    reference = make_reference(key="younger2013")
    make_article(title="The 2013 trial", body="[@younger2013]")
    response = admin_client.post(
        f"/admin/references/reference/{reference.pk}/change/", reference_form(key="younger2013b")
    )
    assert "1 article cites this reference in the text as [@younger2013] (The 2013 trial)" in response.content.decode()
    assert Reference.objects.get().key == "younger2013"


@pytest.mark.django_db
def test_renaming_a_key_that_is_only_listed_is_allowed(admin_client, make_article, make_reference):
    reference = make_reference(key="younger2013")
    make_article(references=[reference])
    response = admin_client.post(
        f"/admin/references/reference/{reference.pk}/change/", reference_form(key="younger2013b")
    )
    assert response.status_code == 302
    assert Reference.objects.get().key == "younger2013b"
