"""The public pages: what readers see, what they must not see, and how much each page costs."""

import datetime
import re

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from references.models import Reference

FUTURE = timezone.now() + datetime.timedelta(days=3)


@pytest.fixture
def hidden(make_article, make_author, make_reference):
    """Pieces the public must never see: a draft, one in review, and one scheduled for later."""
    secret_author = make_author(name="Secret Author", slug="secret-author")
    secret_reference = make_reference(key="secretref")
    return [
        make_article(
            title="Draft piece",
            slug="draft-piece",
            status=Article.Status.DRAFT,
            published_at=None,
            authors=[secret_author],
            tags=["unpublished topic"],
            references=[secret_reference],
        ),
        make_article(
            title="Review piece",
            slug="review-piece",
            status=Article.Status.IN_REVIEW,
            authors=[secret_author],
            tags=["unpublished topic"],
        ),
        make_article(
            title="Scheduled piece",
            slug="scheduled-piece",
            published_at=FUTURE,
            authors=[secret_author],
            tags=["unpublished topic"],
        ),
    ]


def many_articles(make_article, make_author, make_reference, count):
    authors = [make_author() for _ in range(3)]
    references = [make_reference() for _ in range(4)]
    for n in range(count):
        make_article(
            authors=authors[: 1 + n % 3],
            references=references[: 1 + n % 4],
            tags=["fibromyalgia", f"topic {n % 5}", "clinical trial"],
        )
    return authors, references


# Every public page answers


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/articles/",
        "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
        "/articles/ldn-fibromyalgia-randomised-trial-2013/",
        "/tags/",
        "/tags/fibromyalgia/",
        "/authors/",
        "/authors/jacob-teitelbaum/",
        "/references/",
        "/references/?kind=journal&year=2009",
        "/references/younger2009/",
        "/references/aapm2012/",
        "/studies/",
        "/studies/?condition=fibromyalgia&sort=-effect",
        "/studies/stanford-ldn-fibromyalgia-crossover-trial/",
        "/conditions/",
        "/conditions/fibromyalgia/",
        "/conditions/crohns-disease/",
    ],
)
def test_every_public_page_of_the_demo_answers(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<main id="main"' in html and 'href="#main"' in html
    assert "Medical information, not medical advice." in html


def test_article_page_shows_the_piece_its_authors_tags_and_numbered_references(client, demo):
    html = client.get("/articles/low-dose-naltrexone-for-fibromyalgia-pain/").content.decode()
    assert "<h1>Low-Dose Naltrexone for Fibromyalgia Pain</h1>" in html
    assert '<a href="/authors/jacob-teitelbaum/">Jacob Teitelbaum, MD</a>' in html
    assert '<time datetime="2012-08-10T09:00:00+00:00">10 August 2012</time>' in html
    assert 'href="/tags/microglia/"' in html
    assert '<h2 id="section-the-study-presented-in-2012">The study presented in 2012</h2>' in html
    # Five references, numbered in order of first citation, with DOI and PubMed links.
    assert [f'id="ref-{n}"' in html for n in range(1, 7)] == [True] * 5 + [False]
    references = html[html.index('id="references-heading"') :]
    assert (
        references.index('id="ref-3"')
        < references.index("Fibromyalgia symptoms are reduced")
        < references.index('id="ref-4"')
    )
    assert 'href="https://doi.org/10.1111/j.1526-4637.2009.00613.x"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/19453963/"' in html
    assert 'href="/references/younger2013/"' in html


def test_home_shows_latest_pieces_newest_first_and_main_tags(client, demo):
    html = client.get("/").content.decode()
    assert html.index("The 2013 crossover trial") < html.index("Low-Dose Naltrexone for Fibromyalgia Pain")
    assert 'href="/tags/fibromyalgia/">fibromyalgia <span class="count">2</span>' in html


def test_reference_page_lists_the_published_pieces_citing_it(client, demo):
    html = client.get("/references/younger2009/").content.decode()
    assert "Low-Dose Naltrexone for Fibromyalgia Pain" in html
    assert "The 2013 crossover trial" in html
    assert "PMID 19453963" in html
    assert "Pain Medicine" in html


def test_author_page_shows_bio_and_pieces(client, demo):
    html = client.get("/authors/jacob-teitelbaum/").content.decode()
    assert "<em>From Fatigued to Fantastic!</em>" in html
    assert "Low-Dose Naltrexone for Fibromyalgia Pain" in html
    assert "The 2013 crossover trial" not in html


# What the public must not see


@pytest.mark.parametrize("slug", ["draft-piece", "review-piece", "scheduled-piece"])
def test_unpublished_article_is_404_for_the_public(client, hidden, slug):
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_unpublished_pieces_appear_in_no_list(client, hidden, make_article):
    make_article(title="Public piece", tags=["fibromyalgia"])
    for url in ["/", "/articles/", "/tags/fibromyalgia/", "/references/secretref/"]:
        html = client.get(url).content.decode()
        for title in ["Draft piece", "Review piece", "Scheduled piece"]:
            assert title not in html, (url, title)


def test_tag_used_only_by_unpublished_pieces_is_hidden(client, hidden):
    assert client.get("/tags/unpublished-topic/").status_code == 404
    assert "unpublished topic" not in client.get("/tags/").content.decode()
    assert "unpublished topic" not in client.get("/").content.decode()


def test_author_of_only_unpublished_pieces_is_hidden(client, hidden):
    assert client.get("/authors/secret-author/").status_code == 404
    assert "Secret Author" not in client.get("/authors/").content.decode()


def test_scheduled_piece_appears_once_its_time_has_come(client, make_article):
    article = make_article(slug="soon", published_at=FUTURE)
    assert client.get("/articles/soon/").status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/articles/soon/").status_code == 200


# Bad addresses and bad input


@pytest.mark.parametrize(
    "url",
    [
        "/articles/no-such-piece/",
        "/tags/no-such-tag/",
        "/authors/no-such-author/",
        "/references/no-such-key/",
        "/references/a%00b/",
        "/references/%3Cscript%3E/",
        "/articles/a%00b/",
        "/articles/?page=99",
        "/articles/?page=abc",
        "/articles/?page=-1",
        "/references/?page=0",
        "/tags/fibromyalgia/?page=2",
        "/authors/jacob-teitelbaum/?page=x",
        "/no/such/page/",
    ],
)
def test_unknown_addresses_and_bad_page_numbers_are_a_friendly_404(client, demo, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("value", ["no-such-topic", "<script>alert(1)</script>", "a\x00b", "x" * 500, "Fibro Myalgia"])
def test_unknown_tag_filter_shows_no_pieces_and_says_so(client, demo, value):
    response = client.get("/articles/", {"tag": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no topic called" in html
    assert "<script>alert(1)</script>" not in html
    assert 'class="card"' not in html


def test_tag_filter_narrows_the_list(client, demo):
    html = client.get("/articles/", {"tag": "microglia"}).content.decode()
    assert "Low-Dose Naltrexone for Fibromyalgia Pain" in html
    assert "The 2013 crossover trial" not in html
    assert '<link rel="canonical" href="http://testserver/tags/microglia/">' in html


@pytest.mark.parametrize(
    "query",
    [{"kind": "novel"}, {"year": "abc"}, {"year": "99999999999999999999"}, {"year": "1066"}, {"kind": "journal\x00"}],
)
def test_unknown_library_filters_show_nothing_and_say_so(client, demo, query):
    response = client.get("/references/", query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "That filter is not one we know" in html
    assert 'class="library__item"' not in html


def test_library_filters_by_kind_and_year(client, demo):
    html = client.get("/references/", {"kind": "journal", "year": "2013"}).content.decode()
    assert html.count('class="library__item"') == 1
    assert "Arthritis &amp; Rheumatism" in html
    assert '<option value="2013" selected>' in html


def test_library_filter_with_no_matches_says_so(client, demo):
    html = client.get("/references/", {"kind": "book"}).content.decode()
    assert "No references match these filters." in html


def test_pagination_links_keep_the_filter(client, make_reference):
    for _ in range(30):
        make_reference(kind=Reference.Kind.NEWS_ARTICLE, year=2012)
    html = client.get("/references/", {"kind": "news"}).content.decode()
    assert 'href="?kind=news&amp;page=2"' in html
    assert client.get("/references/", {"kind": "news", "page": 2}).content.decode().count('class="library__item"') == 5


def test_navigation_marks_the_current_section(client, demo):
    html = client.get("/references/younger2009/").content.decode()
    assert '<a href="/references/" aria-current="page">References</a>' in html


# Query counts do not grow with the content


LIST_PAGES = ["/", "/articles/", "/articles/?tag=fibromyalgia", "/tags/", "/tags/fibromyalgia/", "/authors/"]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_run_a_fixed_number_of_queries(
    client, make_article, make_author, make_reference, django_assert_max_num_queries, url
):
    many_articles(make_article, make_author, make_reference, 25)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_article_page_runs_a_fixed_number_of_queries(
    client, settings, make_article, make_author, make_reference, make_study, django_assert_max_num_queries
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    many_articles(make_article, make_author, make_reference, 3)
    references = [make_reference() for _ in range(15)]
    for reference in references[:8]:
        make_study(report={"reference": reference})
    article = make_article(
        slug="big",
        authors=[make_author() for _ in range(4)],
        references=references,
        tags=[f"t{n}" for n in range(8)],
    )
    with django_assert_max_num_queries(8):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_author_and_reference_pages_run_a_fixed_number_of_queries(
    client, make_article, make_author, make_reference, django_assert_max_num_queries
):
    authors, references = many_articles(make_article, make_author, make_reference, 25)
    with django_assert_max_num_queries(6):
        assert client.get(authors[0].get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(references[0].get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("references:list")).status_code == 200


def test_favicon_ico_leads_to_the_site_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_the_header_links_follow_the_prefix_the_site_is_served_under(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_script_prefix("/ldn/"):  # as the WSGI handler sets it from SCRIPT_NAME
        under_a_path = client.get("/").content.decode()
    at_the_root = client.get("/").content.decode()
    assert 'href="/ldn/articles/"' in under_a_path and 'action="/ldn/search/"' in under_a_path
    assert 'href="/articles/"' in at_the_root and 'action="/search/"' in at_the_root


@pytest.mark.parametrize(
    ("names", "card", "page"),
    [
        (["Ada Ng"], "Ada Ng ·", 'By <a href="/authors/{0}/">Ada Ng</a> ·'),
        (["Ada Ng", "Bo <b>Li</b>"], "Ada Ng and Bo &lt;b&gt;Li&lt;/b&gt; ·", None),
        (["Ada Ng", "Bo Li", "Cy Ho"], "Ada Ng, Bo Li and Cy Ho ·", None),
    ],
)
def test_a_byline_joins_its_authors_as_a_reader_says_them(client, make_article, make_author, names, card, page):
    authors = [make_author(name=name, credentials="") for name in names]
    article = make_article(authors=authors)
    assert card in " ".join(client.get("/articles/").content.decode().split())
    if page:
        assert page.format(authors[0].slug) in " ".join(client.get(article.get_absolute_url()).content.decode().split())


def test_a_piece_in_sections_lists_them_on_its_page(client, make_article, make_reference):
    make_reference(key="younger2013")
    article = make_article(
        body="## What the trial did\n\nPain fell [@younger2013].\n\n## What it does not show\n\nMuch."
    )
    html = client.get(article.get_absolute_url()).content.decode()
    contents = html[html.index('<nav class="contents"') : html.index("</nav>", html.index('<nav class="contents"'))]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents)
    assert links == [
        ("section-what-the-trial-did", "What the trial did"),
        ("section-what-it-does-not-show", "What it does not show"),
        ("references-heading", "References"),
    ]
    for anchor, _ in links:
        assert f'id="{anchor}"' in html


def test_a_piece_of_one_section_has_no_table_of_contents(client, make_article):
    article = make_article(body="## Findings\n\nPain fell.")
    assert 'class="contents"' not in client.get(article.get_absolute_url()).content.decode()


def test_the_home_page_says_how_many_studies_each_condition_has(client, make_study, make_condition):
    fibromyalgia = make_condition(name="Fibromyalgia", slug="fibromyalgia")
    make_condition(name="Long COVID", slug="long-covid")  # no studies yet: not listed
    make_study(conditions=[fibromyalgia])
    make_study(conditions=[fibromyalgia])
    html = " ".join(client.get("/").content.decode().split())
    assert '<a href="/conditions/fibromyalgia/">Fibromyalgia</a> <span class="count">2 studies</span>' in html
    assert "Long COVID" not in html
