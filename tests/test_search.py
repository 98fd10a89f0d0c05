"""Search: ranking, highlighting, filters and hostile queries, on SQLite and on PostgreSQL's full-text search."""

import pytest
from django.db import connection

from articles.models import Article
from articles.search import index
from articles.search.results import highlight, snippet

pytestmark = pytest.mark.django_db


def results(client, **query):
    response = client.get("/search/", query)
    assert response.status_code == 200
    return [hit.object.get_absolute_url() for hit in response.context["hits"]], response


def test_a_title_match_ranks_above_a_body_match(client, make_article):
    body_only = make_article(title="Sleep and pain", slug="body-only", body="Mentions microglia once, in passing.")
    in_title = make_article(title="Microglia explained", slug="in-title", body="Nothing else to say.")
    found, _ = results(client, q="microglia")
    assert found == [in_title.get_absolute_url(), body_only.get_absolute_url()]


def test_tags_and_authors_are_searched(client, make_article, make_author):
    author = make_author(name="Jarred Younger", slug="jarred-younger")
    article = make_article(authors=[author], tags=["erythrocyte sedimentation"], body="Nothing.")
    assert results(client, q="sedimentation")[0] == [article.get_absolute_url()]
    assert article.get_absolute_url() in results(client, q="Younger")[0]


def test_retagging_and_renaming_reach_the_index(client, make_article, make_author):
    author = make_author(name="Ann Example", slug="ann")
    article = make_article(authors=[author], body="Nothing.")
    article.tags.add("cytokines")
    assert results(client, q="cytokines")[0] == [article.get_absolute_url()]
    author.name = "Ann Renamed"
    author.save()
    assert results(client, q="Renamed")[0] == [article.get_absolute_url()]
    article.tags.clear()
    assert results(client, q="cytokines")[0] == []


def test_a_renamed_tag_is_found_by_its_new_name_only(client, make_article):
    from taggit.models import Tag

    article = make_article(tags=["insomnia"], body="Nothing.")
    tag = Tag.objects.get(name="insomnia")
    tag.name = "sleeplessness"
    tag.save()
    assert results(client, q="sleeplessness")[0] == [article.get_absolute_url()]
    assert results(client, q="insomnia")[0] == []


def test_a_deleted_tag_is_no_longer_found(client, make_article):
    from taggit.models import Tag

    make_article(tags=["insomnia"], body="Nothing.")
    Tag.objects.get(name="insomnia").delete()
    assert results(client, q="insomnia")[0] == []


def test_references_are_found_by_words_doi_and_pmid(client, demo):
    assert "/references/younger2013/" in results(client, q="counterbalanced")[0]
    assert results(client, q="https://doi.org/10.1002/art.37734")[0][0] == "/references/younger2013/"
    assert results(client, q="PMID: 19453963")[0][0] == "/references/younger2009/"


def test_demo_search_finds_the_same_results_in_the_same_order_on_every_database(client, demo):
    found, response = results(client, q="naltrexone fibromyalgia")
    assert found[:2] == [
        "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
        "/articles/ldn-fibromyalgia-randomised-trial-2013/",
    ]
    assert set(found[2:]) == {
        "/references/younger2009/",
        "/references/younger2013/",
        "/references/aapm2012/",
        "/references/medscape2012/",
    }
    assert "6 results" in response.content.decode()


def test_drafts_are_never_found(client, make_article):
    make_article(title="Secret microglia draft", status=Article.Status.DRAFT, published_at=None)
    assert results(client, q="microglia")[0] == []


def test_filters_by_kind_and_tag(client, demo):
    assert results(client, q="fibromyalgia", kind="article")[0] == [
        "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
        "/articles/ldn-fibromyalgia-randomised-trial-2013/",
    ]
    assert sorted(results(client, q="fibromyalgia", kind="journal")[0]) == [
        "/references/younger2009/",
        "/references/younger2013/",
    ]
    assert results(client, q="fibromyalgia", tag="microglia")[0] == [
        "/articles/low-dose-naltrexone-for-fibromyalgia-pain/"
    ]


@pytest.mark.parametrize(("query", "message"), [({"kind": "poem"}, "not one we know"), ({"tag": "nope"}, "No topic")])
def test_unknown_filters_say_so(client, demo, query, message):
    found, response = results(client, q="fibromyalgia", **query)
    assert found == [] and message in response.content.decode()


def test_matched_words_are_highlighted_in_the_title_and_snippet(client, demo):
    _, response = results(client, q="microglia")
    html = response.content.decode()
    assert "<mark>microglia</mark>" in html
    snippet_html = html.split('class="search-result__snippet">')[1].split("</p>")[0]
    assert "<mark>microglia</mark>" in snippet_html and len(snippet_html) < 400


def test_a_snippet_is_the_pieces_text_without_its_markup_or_citations(client, make_article, make_reference):
    make_reference(key="smith2020")
    body = "## Sleep & *microglia*\n\nTheir <script>alert(1)</script> role, in `code` [@smith2020, p. 4]."
    assert 'class="citation"' in make_article(slug="markup", body=body).body_html
    _, response = results(client, q="microglia")
    snippet_html = response.content.decode().split('class="search-result__snippet">')[1].split("</p>")[0]
    # The heading is set off from its paragraph; tags and citation marks are gone, and what the
    # editor typed is escaped once.
    expected = "Sleep &amp; <mark>microglia</mark>: Their &lt;script&gt;alert(1)&lt;/script&gt; role, in code."
    assert expected in snippet_html
    assert "<em>" not in snippet_html and "<code>" not in snippet_html and "Reference" not in snippet_html


def test_highlighting_escapes_the_text_and_marks_word_starts():
    assert highlight("Trials <b>of</b> LDN", ["trial"]) == "<mark>Trials</mark> &lt;b&gt;of&lt;/b&gt; LDN"
    text = "word " * 100 + "microglia matter " + "word " * 100
    piece = snippet(text, ["microglia"])
    assert piece.startswith("… ") and piece.endswith(" …") and "<mark>microglia</mark>" in piece


@pytest.mark.parametrize(
    ("text", "cut_before", "cut_after"),
    [
        ("Microglia matter " + "word " * 200, False, True),
        ("word " * 200 + "the microglia", True, False),
        ("word\n\n   " * 300 + "microglia matter " + "word\n\n   " * 300, True, True),
        ("Short text on microglia.", False, False),
    ],
)
def test_a_snippet_says_where_it_cuts_the_text(text, cut_before, cut_after):
    piece = snippet(text, ["microglia"])
    assert piece.startswith("… ") == cut_before and piece.endswith(" …") == cut_after
    assert "<mark>" in piece and "  " not in piece and "\n" not in piece
    assert 20 < len(piece) < 320


def test_results_are_paginated(client, make_article):
    for n in range(25):
        make_article(title=f"Microglia note {n}")
    found, response = results(client, q="microglia")
    assert len(found) == 20 and "page=2" in response.content.decode()
    assert len(results(client, q="microglia", page=2)[0]) == 5


HOSTILE = [
    "",
    "   ",
    '"unclosed quote',
    "fibro & | ! ( ) :* <-> '",
    "' OR 1=1; DROP TABLE articles_article; --",
    "<script>alert(1)</script>",
    "%",
    "_",
    "\\",
    "naïve café 纤维肌痛 🧠",
    "-",
    "the and of",
    "a" * 5000,
    "\x00microglia",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_a_normal_page_with_the_query_escaped(client, demo, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    if query.strip() and len(query) < 200 and "\x00" not in query:
        assert (
            f"“{query.strip()}”".replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
            in html
        )


def test_a_nul_byte_is_dropped_from_the_query(client, demo):
    assert results(client, q="\x00microglia")[0] == ["/articles/low-dose-naltrexone-for-fibromyalgia-pain/"]


def test_a_very_long_query_is_cut_and_says_so(client, demo):
    _, response = results(client, q="microglia " * 100)
    assert "first 200 characters" in response.content.decode()


def test_every_page_has_the_search_box(client, demo):
    for url in ["/", "/articles/", "/studies/", "/references/younger2009/"]:
        assert 'action="/search/" role="search"' in client.get(url).content.decode()


def test_search_runs_a_fixed_number_of_queries(client, make_article, make_reference, django_assert_max_num_queries):
    for n in range(30):
        make_article(title=f"Microglia {n}", tags=["a", "b"])
        make_reference(title=f"Microglia study {n}")
    with django_assert_max_num_queries(6):
        assert results(client, q="microglia")[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL")
def test_postgresql_stems_words(client, make_article):
    article = make_article(title="Randomised trials of naltrexone")
    assert results(client, q="trial")[0] == [article.get_absolute_url()]


def test_a_broad_search_counts_no_further_than_the_cap(client, db, make_article, monkeypatch):
    from ldnsite.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "limit", 3)
    for n in range(5):
        make_article(title=f"Naltrexone note {n}", slug=f"naltrexone-note-{n}", status="published")
    response = client.get("/search/?q=naltrexone")
    assert "More than 3 results for" in response.content.decode()
    assert response.context["page_obj"].paginator.num_pages == 1
    monkeypatch.setattr(CappedCountPaginator, "limit", 10)
    assert "5 results for" in client.get("/search/?q=naltrexone&x=1").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors are kept on PostgreSQL")
def test_a_vector_written_with_a_bulk_insert_is_the_one_indexing_writes(make_article, make_author, make_reference):
    """Rows written in bulk get their vector from their values before the insert (one write a row);
    saved rows get it from their columns. Both must give the same vector, or search ranks them apart."""
    piece = make_article(title="Sleep on low-dose naltrexone", tags=["sleep"], authors=[make_author(name="Ada Ng")])
    reference = make_reference(title="Naltrexone and fibromyalgia pain", note="Free to read.")
    indexed = [type(row).objects.values_list("search_vector", flat=True).get(pk=row.pk) for row in (piece, reference)]
    piece.refresh_from_db()
    index.set_vectors([piece, reference])
    for row in (piece, reference):
        type(row).objects.filter(pk=row.pk).update(search_vector=row.search_vector)
    rewritten = [type(row).objects.values_list("search_vector", flat=True).get(pk=row.pk) for row in (piece, reference)]
    assert all(indexed) and rewritten == indexed
