"""A piece's end and its place in a run: the series (part N, previous and next, what comes next), the
author's bio box, and share links that are plain links, with no script of any service."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article, Series

from .browsing import open_page, shoot

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(make_article):
    run = Series.objects.create(title="What's new in the SHINE protocol", slug="shine")
    day = timezone.now() - datetime.timedelta(days=30)
    parts = [
        make_article(
            title=f"Part {n}",
            slug=f"part-{n}",
            series=run,
            series_part=n,
            published_at=day + datetime.timedelta(days=n),
        )
        for n in (1, 2, 3)
    ]
    coming = make_article(
        title="What's Causing Pain in Fibromyalgia?",
        slug="whats-causing-pain",
        body="## Secret\n\nNot for readers before its day.",
        series=run,
        series_part=4,
        published_at=timezone.now() + datetime.timedelta(days=7),
    )
    make_article(title="A draft part", slug="draft-part", series=run, series_part=5, status=Article.Status.DRAFT)
    return run, parts, coming


def nav(page):
    return " ".join(re.findall(r'<nav class="series-nav".*?</nav>', page.content.decode(), re.S))


def test_a_part_says_which_it_is_and_links_to_the_parts_around_it(series):
    run, parts, coming = series
    middle = nav(Client().get(parts[1].get_absolute_url()))
    assert "Part 2 of 3 in the series" in middle
    assert 'href="/articles/part-1/" rel="prev"' in middle and 'href="/articles/part-3/" rel="next"' in middle
    assert "Coming next" not in middle
    first = nav(Client().get(parts[0].get_absolute_url()))
    assert 'rel="prev"' not in first


def test_the_last_public_part_names_the_next_scheduled_one_by_title_and_date_only(series):
    run, parts, coming = series
    last = Client().get(parts[2].get_absolute_url())
    teaser = nav(last)
    assert "Coming next:</strong> What&#x27;s Causing Pain in Fibromyalgia?" in teaser
    assert f'datetime="{coming.published_at:%Y-%m-%d}' in teaser
    assert b"Not for readers" not in last.content and b"/articles/whats-causing-pain/" not in last.content
    assert Client().get(coming.get_absolute_url()).status_code == 404
    assert b"A draft part" not in last.content


def test_the_series_page_lists_public_parts_in_order_and_what_comes_next(series):
    run, parts, coming = series
    page = Client().get(run.get_absolute_url()).content.decode()
    assert [page.index(f">Part {n}<") for n in (1, 2, 3)] == sorted(page.index(f">Part {n}<") for n in (1, 2, 3))
    assert "Coming next:</strong> What&#x27;s Causing Pain" in page
    assert "Not for readers" not in page and "A draft part" not in page


def test_a_piece_ends_with_its_authors_bio_box(make_article, make_author):
    author = make_author(
        name="Jacob Teitelbaum", slug="jt", affiliation="Practitioners Alliance Network", bio="Writes on **CFS/FMS**."
    )
    page = Client().get(make_article(authors=[author]).get_absolute_url()).content.decode()
    box = re.search(r'<section class="author-box".*?</section>', page, re.S).group(0)
    assert 'href="/authors/jt/"' in box and "Practitioners Alliance Network" in box
    assert "Writes on <strong>CFS/FMS</strong>." in box


def test_share_links_are_plain_links_to_each_service_with_the_piece_address(make_article):
    piece = make_article(title="LDN & pain: what's known?")
    page = Client().get(piece.get_absolute_url()).content.decode()
    section = re.search(r'<section class="share".*?</section>', page, re.S).group(0)
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)<', section))
    by_name = {name: href.replace("&amp;", "&") for href, name in links.items()}
    address = f"http://testserver{piece.get_absolute_url()}"
    assert set(by_name) == {"E-mail", "Facebook", "X (Twitter)", "LinkedIn", "Bluesky"}
    assert parse_qs(urlsplit(by_name["Facebook"]).query)["u"] == [address]
    assert parse_qs(urlsplit(by_name["X (Twitter)"]).query) == {"url": [address], "text": [piece.title]}
    assert parse_qs(urlsplit(by_name["LinkedIn"]).query)["url"] == [address]
    assert parse_qs(urlsplit(by_name["Bluesky"]).query)["text"] == [f"{piece.title} {address}"]
    mail = urlsplit(by_name["E-mail"])
    assert mail.scheme == "mailto" and "+" not in mail.query and address in parse_qs(mail.query)["body"][0]
    assert f'value="{address}"' in section
    assert "<script" not in section and "facebook.net" not in page and "platform.twitter" not in page


def test_the_sharing_cards_have_what_each_service_reads(make_article):
    page = Client().get(make_article().get_absolute_url()).content.decode()
    for name in ("og:title", "og:description", "og:url", "og:type", "twitter:card", "twitter:title"):
        assert re.search(rf'(property|name)="{name}" content="[^"]+"', page), name


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_reader_follows_the_series_and_copies_the_link(browser, site, viewport):
    from playwright.sync_api import expect

    page = open_page(browser, viewport, permissions=["clipboard-read", "clipboard-write"])
    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    page.get_by_role("navigation", name="Series", exact=True).get_by_role("link", name=re.compile("Next part")).click()
    page.wait_for_url("**/articles/ldn-fibromyalgia-randomised-trial-2013/")
    expect(page.get_by_text("Part 2 of 2 in the series").first).to_be_visible()
    share = page.get_by_role("region", name="Share this piece")
    share.scroll_into_view_if_needed()
    for name in ("E-mail", "Facebook", "X (Twitter)", "LinkedIn", "Bluesky"):
        expect(share.get_by_role("link", name=re.compile(re.escape(name)))).to_be_visible()
    shoot(page, viewport, "piece-end")
    share.get_by_role("button", name="Copy link").click()
    # The clipboard answers asynchronously: wait for the status, as a reader's eye does.
    expect(share.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == site + "/articles/ldn-fibromyalgia-randomised-trial-2013/"
    assert page.problems == []
