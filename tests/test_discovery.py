"""How readers' tools and machines find the pieces: feeds, sitemaps, robots.txt, JSON-LD and citation tags."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from articles.models import Article

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def draft(make_article):
    return make_article(
        title="Secret draft on microglia",
        slug="secret-draft",
        status=Article.Status.DRAFT,
        published_at=None,
        tags=["fibromyalgia", "draft-only topic"],
    )


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, ET.fromstring(response.content)


# Feeds


def test_rss_feed_carries_title_summary_authors_dates_and_tags(client, demo, draft):
    response, rss = xml(client, "/feeds/articles.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    items = rss.findall("./channel/item")
    assert [item.findtext("title") for item in items] == [
        "The 2013 crossover trial: low-dose naltrexone and daily fibromyalgia pain",
        "Low-Dose Naltrexone for Fibromyalgia Pain",
    ]
    piece = items[1]
    assert piece.findtext("link") == "http://testserver/articles/low-dose-naltrexone-for-fibromyalgia-pain/"
    assert piece.findtext("description").startswith("A Stanford team told the 2012 meeting")
    assert piece.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Jacob Teitelbaum, MD"
    assert piece.findtext("pubDate") == "Fri, 10 Aug 2012 09:00:00 +0000"
    assert "microglia" in [category.text for category in piece.findall("category")]


def test_atom_feed_validates_as_xml_with_entries(client, demo, draft):
    response, atom = xml(client, "/feeds/articles.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == 2
    entry = entries[1]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Jacob Teitelbaum, MD"
    assert entry.findtext(f"{ATOM}published").startswith("2012-08-10T09:00:00")
    assert entry.findtext(f"{ATOM}updated")
    assert "microglia" in [category.get("term") for category in entry.findall(f"{ATOM}category")]


def test_tag_feeds_hold_only_that_tags_published_pieces(client, demo, draft):
    _, rss = xml(client, "/tags/microglia/feed.rss")
    assert [item.findtext("title") for item in rss.findall("./channel/item")] == [
        "Low-Dose Naltrexone for Fibromyalgia Pain"
    ]
    _, atom = xml(client, "/tags/fibromyalgia/feed.atom")
    assert "Secret draft" not in ET.tostring(atom, encoding="unicode")
    assert client.get("/tags/draft-only-topic/feed.rss").status_code == 404
    assert client.get("/tags/no-such-tag/feed.atom").status_code == 404


def test_pages_link_their_feeds(client, demo):
    html = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html and 'href="/feeds/articles.atom"' in html
    assert 'href="/tags/microglia/feed.rss"' in client.get("/tags/microglia/").content.decode()


# Sitemaps and robots.txt


def sitemap_locations(client, url):
    _, root = xml(client, url)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_index_lists_its_sections(client, demo):
    sections = sitemap_locations(client, "/sitemap.xml")
    for name in ["pages", "articles", "tags", "authors", "references", "studies", "conditions"]:
        assert f"http://testserver/sitemap-{name}.xml" in sections


def test_sitemap_sections_list_published_content_with_lastmod(client, demo, draft):
    articles = sitemap_locations(client, "/sitemap-articles.xml")
    assert sorted(articles) == [
        "http://testserver/articles/ldn-fibromyalgia-randomised-trial-2013/",
        "http://testserver/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
    ]
    _, root = xml(client, "/sitemap-articles.xml")
    assert all(url.findtext(f"{SITEMAP}lastmod") for url in root.findall(f"{SITEMAP}url"))
    tags = sitemap_locations(client, "/sitemap-tags.xml")
    assert "http://testserver/tags/microglia/" in tags and "http://testserver/tags/draft-only-topic/" not in tags
    authors = sitemap_locations(client, "/sitemap-authors.xml")
    assert "http://testserver/authors/jacob-teitelbaum/" in authors
    assert len(sitemap_locations(client, "/sitemap-references.xml")) == 5
    assert "http://testserver/studies/stanford-ldn-fibromyalgia-crossover-trial/" in sitemap_locations(
        client, "/sitemap-studies.xml"
    )


def test_a_large_section_splits_into_pages(client, make_reference, monkeypatch):
    from references.sitemaps import ReferenceSitemap

    monkeypatch.setattr(ReferenceSitemap, "limit", 2)
    for _ in range(5):
        make_reference()
    sections = sitemap_locations(client, "/sitemap.xml")
    assert "http://testserver/sitemap-references.xml?p=3" in sections
    assert len(sitemap_locations(client, "/sitemap-references.xml?p=3")) == 1
    assert client.get("/sitemap-references.xml?p=9").status_code == 404


def test_sitemap_index_runs_a_fixed_number_of_queries(client, demo, make_reference, django_assert_max_num_queries):
    for _ in range(30):
        make_reference()
    with django_assert_max_num_queries(16):
        assert client.get("/sitemap.xml").status_code == 200


def test_robots_txt_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text and "Disallow: /search/" in text


# Structured data


def json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_article_json_ld_describes_the_piece_its_authors_and_references(client, demo):
    data = json_ld(client.get("/articles/low-dose-naltrexone-for-fibromyalgia-pain/").content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == ["MedicalWebPage", "Article"]
    assert data["headline"] == "Low-Dose Naltrexone for Fibromyalgia Pain"
    assert data["description"].startswith("A Stanford team")
    assert data["datePublished"].startswith("2012-08-10T09:00:00")
    assert data["dateModified"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Jacob Teitelbaum",
            "url": "http://testserver/authors/jacob-teitelbaum/",
            "honorificSuffix": "MD",
            "affiliation": {
                "@type": "Organization",
                "name": "Integrative medicine; chronic fatigue syndrome and fibromyalgia (CFS/FMS)",
            },
        }
    ]
    assert "microglia" in data["keywords"]
    cited = {work["name"]: work for work in data["citation"]}
    assert len(cited) == 5
    pilot = cited["Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study"]
    assert pilot["@type"] == "ScholarlyArticle"
    assert {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1111/j.1526-4637.2009.00613.x"} in pilot[
        "identifier"
    ]
    assert {"@type": "PropertyValue", "propertyID": "PMID", "value": "19453963"} in pilot["identifier"]
    assert pilot["author"][0] == {"@type": "Person", "familyName": "Younger", "givenName": "J"}
    assert cited["Confirmation: Low-Dose Naltrexone Eases Fibromyalgia Pain"]["@type"] == "NewsArticle"


def test_json_ld_cannot_be_broken_out_of(client, make_article):
    article = make_article(title="</script><script>alert(1)</script>", summary="& < >")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    assert json_ld(html)["headline"] == "</script><script>alert(1)</script>"


def test_article_page_has_open_graph_twitter_and_canonical_tags(client, demo):
    html = client.get("/articles/low-dose-naltrexone-for-fibromyalgia-pain/").content.decode()
    url = "http://testserver/articles/low-dose-naltrexone-for-fibromyalgia-pain/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Low-Dose Naltrexone for Fibromyalgia Pain">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta property="article:published_time" content="2012-08-10T09:00:00+00:00">' in html


def test_reference_page_has_citation_meta_tags(client, demo):
    html = client.get("/references/younger2009/").content.decode()
    for tag in [
        '<meta name="citation_title" content="Fibromyalgia symptoms are reduced by low-dose naltrexone: '
        'a pilot study">',
        '<meta name="citation_author" content="Younger, J">',
        '<meta name="citation_author" content="Mackey, S">',
        '<meta name="citation_publication_date" content="2009">',
        '<meta name="citation_journal_title" content="Pain Medicine">',
        '<meta name="citation_volume" content="10">',
        '<meta name="citation_issue" content="4">',
        '<meta name="citation_firstpage" content="663">',
        '<meta name="citation_lastpage" content="672">',
        '<meta name="citation_doi" content="10.1111/j.1526-4637.2009.00613.x">',
        '<meta name="citation_pmid" content="19453963">',
    ]:
        assert tag in html
    abstract = client.get("/references/aapm2012/").content.decode()
    assert (
        '<meta name="citation_conference_title" content="American Academy of Pain Medicine 28th Annual Meeting">'
        in (abstract)
    )
    assert '<meta name="citation_publication_date" content="2012/02/24">' in abstract
