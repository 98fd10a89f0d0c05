"""The editors' desk: every admin page loads, saves, and explains what is wrong with bad input."""

import json

import pytest

from articles.models import Article, Author
from references.models import Reference


def article_form(**overrides):
    """The article add form as the browser posts it, with empty author and reference inlines."""
    data = {
        "title": "LDN and sleep",
        "slug": "ldn-and-sleep",
        "summary": "What the trials say about sleep.",
        "body": "## Sleep\n\nNo change in the 2013 trial.",
        "tags": "fibromyalgia, sleep",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
    }
    for prefix in ("bylines", "citations", "change_notes"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def reference_form(**overrides):
    data = {
        "key": "younger2013",
        "kind": "journal",
        "title": "Low-dose naltrexone for fibromyalgia",
        "authors": "Younger J, Noor N, McCue R, Mackey S",
        "container": "Arthritis & Rheumatism",
        "year": "2013",
        "date": "",
        "volume": "65",
        "issue": "2",
        "pages": "529-538",
        "doi": "",
        "pmid": "",
        "url": "",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        "/admin/articles/author/",
        "/admin/articles/author/add/",
        "/admin/references/reference/",
        "/admin/references/reference/add/",
        "/admin/taggit/tag/",
        "/admin/articles/article/?status__exact=published&tags__id__exact=1",
        "/admin/references/reference/?kind__exact=journal&year=2009",
        "/admin/articles/article/?q=microglia",
        "/admin/articles/article/?published_at__year=2012",
    ],
)
def test_admin_pages_load(admin_client, demo, url):
    assert admin_client.get(url).status_code == 200


def test_change_forms_of_demo_content_load(admin_client, demo):
    article = Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain")
    html = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "References (cited ones are numbered by the text" in html
    assert "younger2009: Fibromyalgia symptoms are reduced" in html
    for model, pk in [("author", Author.objects.first().pk), ("reference", Reference.objects.first().pk)]:
        app = "articles" if model == "author" else "references"
        assert admin_client.get(f"/admin/{app}/{model}/{pk}/change/").status_code == 200


def test_the_public_cannot_reach_the_admin(client):
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_editor_creates_an_article_with_authors_references_and_tags(admin_client, make_author, make_reference):
    first, second = make_author(), make_author()
    reference = make_reference()
    data = article_form(
        status="published",
        **{
            "bylines-TOTAL_FORMS": "2",
            "bylines-0-author": first.pk,
            "bylines-0-position": "2",
            "bylines-1-author": second.pk,
            "bylines-1-position": "1",
            "citations-TOTAL_FORMS": "1",
            "citations-0-reference": reference.pk,
            "citations-0-position": "1",
        },
    )
    response = admin_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    article = Article.objects.get(slug="ldn-and-sleep")
    assert article.credited_authors == [second, first]
    assert list(article.references.all()) == [reference]
    assert sorted(article.tags.names()) == ["fibromyalgia", "sleep"]
    assert '<h2 id="section-sleep">Sleep</h2>' in article.body_html
    assert article.published_at is not None


def test_editor_edits_an_article_and_the_public_page_shows_the_edit(admin_client, client, demo):
    article = Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain")
    change_url = f"/admin/articles/article/{article.pk}/change/"
    form = admin_client.get(change_url).context["adminform"].form
    inlines = admin_client.get(change_url).context["inline_admin_formsets"]
    # As a browser would post it: no file chosen for the (empty) lead image.
    data = {name: value for name, value in form.initial.items() if value is not None and name != "lead_image"}
    data.update(
        title="Low-Dose Naltrexone for Fibromyalgia Pain (revised)",
        tags="fibromyalgia, microglia",
        published_at_0="2012-08-10",
        published_at_1="09:00:00",
    )
    for inline in inlines:
        formset = inline.formset
        rows = len(formset.forms)
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": rows,
                f"{formset.prefix}-INITIAL_FORMS": rows,
                f"{formset.prefix}-MIN_NUM_FORMS": 0,
                f"{formset.prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for n, subform in enumerate(formset.forms):
            row = subform.instance
            data.update(
                {
                    f"{formset.prefix}-{n}-id": row.pk,
                    f"{formset.prefix}-{n}-article": row.article_id,
                    f"{formset.prefix}-{n}-position": row.position,
                }
            )
            target = "author" if formset.prefix == "bylines" else "reference"
            data[f"{formset.prefix}-{n}-{target}"] = getattr(row, f"{target}_id")
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context["errors"]
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Low-Dose Naltrexone for Fibromyalgia Pain (revised)" in html
    assert html.count('id="ref-') == 5


def test_slug_clash_is_reported_on_the_slug_field(admin_client, make_article):
    make_article(slug="ldn-and-sleep")
    response = admin_client.post("/admin/articles/article/add/", article_form())
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "Another article already uses this slug; choose a different one."
    ]


def test_the_same_reference_twice_on_an_article_is_refused(admin_client, make_reference):
    reference = make_reference()
    data = article_form(
        **{
            "citations-TOTAL_FORMS": "2",
            "citations-0-reference": reference.pk,
            "citations-0-position": "1",
            "citations-1-reference": reference.pk,
            "citations-1-position": "2",
        }
    )
    response = admin_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for reference" in response.content.decode()
    assert not Article.objects.filter(slug="ldn-and-sleep").exists()


def test_editor_adds_a_reference_by_pasting_doi_and_pubmed_links(admin_client):
    data = reference_form(doi="https://doi.org/10.1002/ART.37734", pmid="https://pubmed.ncbi.nlm.nih.gov/19453963/")
    assert admin_client.post("/admin/references/reference/add/", data).status_code == 302
    reference = Reference.objects.get(key="younger2013")
    assert (reference.doi, reference.pmid) == ("10.1002/art.37734", "19453963")


def test_an_address_typed_without_its_scheme_is_kept_as_https(admin_client):
    data = reference_form(kind="website", url="www.example.org/ldn-guide")
    assert admin_client.post("/admin/references/reference/add/", data).status_code == 302
    assert Reference.objects.get(key="younger2013").url == "https://www.example.org/ldn-guide"


def test_duplicate_doi_in_the_admin_names_the_problem_and_keeps_the_input(admin_client, make_reference):
    make_reference(key="first", doi="10.1002/art.37734")
    response = admin_client.post("/admin/references/reference/add/", reference_form(doi="doi:10.1002/art.37734"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["doi"] == ["Another reference already has this DOI."]
    assert 'value="Low-dose naltrexone for fibromyalgia"' in response.content.decode()


def test_malformed_pmid_in_the_admin_is_explained(admin_client):
    response = admin_client.post("/admin/references/reference/add/", reference_form(pmid="PMC3533427"))
    assert response.status_code == 200
    assert "is not a PubMed ID" in response.context["adminform"].form.errors["pmid"][0]
    assert not Reference.objects.exists()


def test_reference_search_finds_a_pasted_doi_link(admin_client, demo):
    response = admin_client.get("/admin/references/reference/", {"q": "https://doi.org/10.1002/ART.37734"})
    assert [r.key for r in response.context["cl"].result_list] == ["younger2013"]
    response = admin_client.get("/admin/references/reference/", {"q": "PMID: 19453963"})
    assert [r.key for r in response.context["cl"].result_list] == ["younger2009"]


def test_reference_autocomplete_on_the_article_form(admin_client, demo):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "citation", "field_name": "reference", "term": "younger"},
    )
    keys = sorted(result["text"].split(":")[0] for result in json.loads(response.content)["results"])
    assert keys == ["younger2009", "younger2013"]


@pytest.mark.parametrize("url", ["/admin/articles/article/", "/admin/articles/author/", "/admin/references/reference/"])
def test_changelists_run_a_fixed_number_of_queries(
    admin_client, make_article, make_author, make_reference, django_assert_max_num_queries, url
):
    authors = [make_author() for _ in range(3)]
    for n in range(30):
        make_article(authors=authors[: 1 + n % 3], references=[make_reference()], tags=["a", f"t{n % 4}"])
    with django_assert_max_num_queries(14):
        assert admin_client.get(url).status_code == 200
