"""The read-only JSON API: what it lists, how it pages and filters, and how it says no."""

import pytest

from articles.models import Article


@pytest.fixture
def hidden_draft(make_article, make_author):
    author = make_author(name="Draft Writer", slug="draft-writer")
    return make_article(
        title="Unpublished",
        slug="unpublished",
        status=Article.Status.DRAFT,
        published_at=None,
        authors=[author],
        tags=["secret topic"],
    )


def get(client, url, status=200, **query):
    response = client.get(url, query)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def test_article_list_shows_published_pieces_newest_first(client, demo, hidden_draft):
    data = get(client, "/api/articles/")
    assert data["count"] == 2 and data["pages"] == 1 and data["next"] is None
    first, second = data["results"]
    assert first["slug"] == "ldn-fibromyalgia-randomised-trial-2013"
    assert second["title"] == "Low-Dose Naltrexone for Fibromyalgia Pain"
    assert second["published_at"] == "2012-08-10T09:00:00+00:00"
    assert second["authors"][0]["name"] == "Jacob Teitelbaum" and second["authors"][0]["credentials"] == "MD"
    assert {"slug": "microglia", "name": "microglia"} in second["tags"]
    assert second["url"] == "http://testserver/api/articles/low-dose-naltrexone-for-fibromyalgia-pain/"
    assert second["html_url"] == "http://testserver/articles/low-dose-naltrexone-for-fibromyalgia-pain/"


def test_article_detail_has_the_body_and_the_numbered_references(client, demo):
    data = get(client, "/api/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    assert '<h2 id="section-the-study-presented-in-2012">The study presented in 2012</h2>' in data["body_html"]
    assert [reference["number"] for reference in data["references"]] == [1, 2, 3, 4, 5]
    pilot = data["references"][2]
    assert (pilot["key"], pilot["doi"], pilot["pmid"]) == (
        "younger2009",
        "10.1111/j.1526-4637.2009.00613.x",
        "19453963",
    )


def test_drafts_are_invisible(client, demo, hidden_draft):
    assert get(client, "/api/articles/unpublished/", status=404)["error"] == "not_found"
    assert get(client, "/api/authors/draft-writer/", status=404)["error"] == "not_found"
    assert "secret-topic" not in [tag["slug"] for tag in get(client, "/api/tags/")["results"]]
    assert get(client, "/api/articles/", tag="secret-topic")["count"] == 0


def test_lists_page_with_links_to_the_next_and_previous_pages(client, make_article):
    for _ in range(5):
        make_article()
    first = get(client, "/api/articles/", page_size=2)
    assert (first["count"], first["pages"], first["previous"]) == (5, 3, None)
    assert first["next"] == "http://testserver/api/articles/?page_size=2&page=2"
    last = get(client, "/api/articles/", page_size=2, page=3)
    assert len(last["results"]) == 1 and last["next"] is None
    assert last["previous"] == "http://testserver/api/articles/?page_size=2&page=2"
    assert "No such page" in get(client, "/api/articles/", status=404, page_size=2, page=4)["message"]


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        ("/api/articles/", {"tag": "microglia"}, ["low-dose-naltrexone-for-fibromyalgia-pain"]),
        ("/api/articles/", {"author": "editorial-team"}, ["ldn-fibromyalgia-randomised-trial-2013"]),
        ("/api/articles/", {"tag": "microglia", "author": "editorial-team"}, []),
        ("/api/references/", {"kind": "journal"}, ["younger2013", "younger2009"]),
        ("/api/references/", {"year": 2012}, ["aapm2012", "medscape2012"]),
        ("/api/references/", {"doi": "https://doi.org/10.1002/ART.37734"}, ["younger2013"]),
        ("/api/references/", {"pmid": "PMID: 19453963"}, ["younger2009"]),
    ],
)
def test_lists_filter(client, demo, url, query, expected):
    results = get(client, url, **query)["results"]
    assert [item.get("slug") or item.get("key") for item in results] == expected


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/articles/", {"page": "first"}, "page"),
        ("/api/articles/", {"page": "0"}, "page"),
        ("/api/articles/", {"page_size": "1000"}, "page_size"),
        ("/api/articles/", {"tag": "not a slug!"}, "tag"),
        ("/api/articles/", {"sort": "title"}, "sort"),
        ("/api/references/", {"kind": "poem"}, "kind"),
        ("/api/references/", {"year": "last"}, "year"),
        ("/api/references/", {"doi": "not-a-doi"}, "doi"),
        ("/api/tags/", {"page": "-1"}, "page"),
        ("/api/articles/low-dose-naltrexone-for-fibromyalgia-pain/", {"expand": "all"}, "expand"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, demo, url, query, field):
    data = get(client, url, status=400, **query)
    assert data["error"] == "bad_request" and field in data["fields"]


def test_writing_is_refused(client, demo):
    response = client.post("/api/articles/", {"title": "x"})
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


def test_unknown_api_addresses_answer_in_json(client, db):
    assert get(client, "/api/nothing-here/", status=404)["error"] == "not_found"
    assert get(client, "/api/references/no-such-key/", status=404)["error"] == "not_found"


def test_reference_detail_includes_csl_json(client, demo):
    data = get(client, "/api/references/younger2009/")
    assert data["csl"]["DOI"] == "10.1111/j.1526-4637.2009.00613.x"
    assert data["csl"]["author"][0] == {"family": "Younger", "given": "J"}
    assert data["pages"] == "663-672"


def test_authors_and_tags_lists(client, demo):
    authors = get(client, "/api/authors/")["results"]
    assert [author["slug"] for author in authors] == ["jacob-teitelbaum", "editorial-team"]  # by name
    author = get(client, "/api/authors/jacob-teitelbaum/")
    assert author["published_articles"] == 1
    assert author["articles_url"] == "http://testserver/api/articles/?author=jacob-teitelbaum"
    tags = {tag["slug"]: tag["articles"] for tag in get(client, "/api/tags/")["results"]}
    assert tags["fibromyalgia"] == 2 and tags["microglia"] == 1


@pytest.mark.parametrize("url", ["/api/articles/", "/api/authors/", "/api/tags/", "/api/references/"])
def test_lists_run_a_fixed_number_of_queries(
    client, make_article, make_author, make_reference, django_assert_max_num_queries, url
):
    authors = [make_author() for _ in range(3)]
    for n in range(25):
        make_article(authors=authors[: 1 + n % 3], references=[make_reference()], tags=["a", f"t{n % 4}"])
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("blank", ["%EF%BB%BF", "%E2%80%83", "%09%0B"])
def test_an_identifier_of_only_whitespace_is_no_filter_as_the_schema_says(client, demo, blank):
    """The schema's pattern allows whitespace around a DOI or PMID, and JSON Schema's whitespace includes
    the byte-order mark U+FEFF, which Python's does not: found by schemathesis."""
    for name in ("doi", "pmid"):
        response = client.get(f"/api/references/?{name}={blank}")
        assert response.status_code == 200, response.content
        assert response.json()["count"] == client.get("/api/references/").json()["count"]
