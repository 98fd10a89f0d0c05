"""In a real browser: a reader finds the evidence on a desktop and a phone, an editor changes it.

Chromium comes from Debian's package (``apt-get install chromium``); without it these tests skip
and say so. Screenshots of each page go to ``screenshots/`` for people to look at.
"""

import re
from pathlib import Path

import pytest

from .browsing import VIEWPORTS, open_page, shoot, sign_in, sign_in_as_editor

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_goes_from_home_to_a_topic_an_article_and_a_cited_reference(browser, site, viewport):
    from playwright.sync_api import expect

    page = open_page(browser, viewport)
    page.goto(site + "/")
    shoot(page, viewport, "home")
    expect(page.locator("h1")).to_have_text("Low-dose naltrexone: what the research shows")

    page.locator(".tags--large").get_by_role("link", name="microglia").click()
    expect(page.locator("h1")).to_contain_text("microglia")
    shoot(page, viewport, "tag")

    page.get_by_role("link", name="Low-Dose Naltrexone for Fibromyalgia Pain").click()
    expect(page.locator("h1")).to_have_text("Low-Dose Naltrexone for Fibromyalgia Pain")
    expect(page.locator(".references li")).to_have_count(5)
    shoot(page, viewport, "article")

    # The text's citation of the 2009 pilot leads to its entry, and the entry back to the text.
    page.locator('sup.citation a[href="#ref-3"]').first.click()
    expect(page).to_have_url(re.compile(r"#ref-3$"))
    page.locator("#ref-3").get_by_role("link", name=re.compile("Back to text")).click()
    expect(page).to_have_url(re.compile(r"#cite-3-1$"))

    page.locator("#ref-3").get_by_role("link", name="About this reference").click()
    expect(page.locator("h1")).to_have_text("Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study")
    expect(page.get_by_role("link", name="PMID 19453963")).to_have_attribute(
        "href", "https://pubmed.ncbi.nlm.nih.gov/19453963/"
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="BibTeX").click()
    download = download_info.value
    assert download.suggested_filename == "younger2009.bib"
    assert "@article{younger2009," in Path(download.path()).read_text()
    shoot(page, viewport, "reference")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="References").click()
    page.select_option("#filter-kind", "journal")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".library__item")).to_have_count(2)
    shoot(page, viewport, "library")

    page.goto(site + "/authors/jacob-teitelbaum/")
    shoot(page, viewport, "author")
    assert page.problems == []

    page.goto(site + "/articles/not-a-piece/")
    expect(page.locator("h1")).to_have_text("We could not find that page")
    shoot(page, viewport, "404")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_searches_from_the_header_and_opens_a_result(browser, site, viewport):
    from playwright.sync_api import expect

    page = open_page(browser, viewport)
    page.goto(site + "/tags/")
    page.get_by_role("searchbox", name="Search the site").fill("microglia")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")
    results = page.locator(".search-result")
    expect(results.first.locator("mark").first).to_have_text(re.compile("microglia", re.I))
    shoot(page, viewport, "search")
    page.select_option("#search-kind", "journal")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"kind=journal"))
    page.get_by_label("Words, a title, an author, a DOI or a PubMed ID").fill("10.1002/art.37734")
    page.get_by_role("button", name="Search", exact=True).click()
    results.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/references/younger2013/$"))
    assert page.problems == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reader_filters_the_evidence_table_and_follows_a_study_to_its_condition(browser, site, viewport):
    from playwright.sync_api import expect

    page = open_page(browser, viewport)
    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studies").click()
    expect(page.locator("h1")).to_have_text("Evidence table")
    rows = page.locator(".evidence-table tbody tr")
    expect(rows).to_have_count(2)
    shoot(page, viewport, "studies")

    page.select_option("#filter-design", "crossover")
    page.select_option("#filter-sort", "-participants")
    page.get_by_role("button", name="Show studies").click()
    expect(page).to_have_url(re.compile(r"design=crossover.*sort=-participants"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("31 women")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download as a spreadsheet")).click()
    lines = Path(download_info.value.path()).read_text().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Stanford crossover trial")

    page.get_by_role("link", name="Stanford crossover trial of low-dose naltrexone in fibromyalgia").click()
    expect(page.locator(".report")).to_have_count(2)
    expect(page.locator(".notice")).to_contain_text("give different figures")
    shoot(page, viewport, "study")

    page.locator(".study__conditions").get_by_role("link", name="Fibromyalgia").click()
    chart = page.get_by_role("img", name="Effect of naltrexone against the comparator, by study")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(2)
    shoot(page, viewport, "condition")

    page.goto(site + "/studies/?risk=excellent")
    expect(page.locator(".notice")).to_contain_text("is not one this table offers")
    assert page.problems == []


def test_page_content_fits_a_phone_screen(browser, site):
    page = open_page(browser, "phone")
    for path in [
        "/",
        "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
        "/references/",
        "/references/younger2013/",
        "/studies/",
        "/studies/stanford-ldn-fibromyalgia-crossover-trial/",
        "/conditions/fibromyalgia/",
        "/search/?q=naltrexone",
    ]:
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"


def test_keyboard_user_skips_straight_to_the_content(browser, site):
    page = open_page(browser, "desktop")
    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    assert skip_link.evaluate("link => link === document.activeElement")
    assert skip_link.is_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside the article, not the site navigation.
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_editor_signs_in_edits_a_piece_and_readers_see_the_edit(browser, site):
    from playwright.sync_api import expect

    page = sign_in_as_editor(browser, site + "/admin/")
    page.get_by_role("link", name="Articles").first.click()
    page.get_by_role("link", name="Low-Dose Naltrexone for Fibromyalgia Pain").click()
    shoot(page, "desktop", "admin-article")
    page.fill("#id_summary", "A revised summary, written by the editor in the browser.")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    expect(page.locator(".lede")).to_have_text("A revised summary, written by the editor in the browser.")
    assert page.problems == []


def test_editor_writes_a_piece_with_inline_citations_and_publishes_it(browser, site):
    from playwright.sync_api import expect

    page = sign_in_as_editor(browser, site + "/admin/articles/article/add/")

    page.fill("#id_title", "Two trials, one question")
    page.fill("#id_summary", "How the 2009 pilot and the 2013 trial compare.")
    page.fill(
        "#id_body",
        "## Two trials\n\nThe pilot came first.[@younger2009] The full trial followed "
        "[@younger2013; @aapm2012], and it cites the pilot's method.[@younger2009, p. 665]",
    )
    page.select_option("#id_status", "published")
    shoot(page, "desktop", "admin-article-add")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text(
        "because the text cites them: younger2009, younger2013, aapm2012"
    )

    page.goto(site + "/articles/two-trials-one-question/")
    expect(page.locator(".prose sup.citation a")).to_have_count(4)
    expect(page.locator(".references li")).to_have_count(3)
    expect(page.locator("#ref-1")).to_contain_text("Fibromyalgia symptoms are reduced by low-dose naltrexone")
    expect(page.locator(".citation__locator")).to_have_text("(p. 665)")
    shoot(page, "desktop", "article-with-citations")
    assert page.problems == []


def test_a_piece_goes_from_author_to_reviewer_to_editor_to_readers(browser, site, editorial_groups):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect

    from articles.models import Author

    users = {}
    for name, group in [("amy", "Authors"), ("rita", "Medical reviewers"), ("ed", "Editors")]:
        users[name] = get_user_model().objects.create_user(
            name, f"{name}@example.org", f"{name}-pass-2026", is_staff=True
        )
        users[name].groups.add(Group.objects.get(name=group))
    Author.objects.create(name="Rita Reviewer", slug="rita-reviewer", credentials="MD", user=users["rita"])

    # The author writes a draft and submits it for review; she has no way to publish.
    amy = sign_in(browser, site + "/admin/articles/article/add/", "amy", "amy-pass-2026")
    amy.fill("#id_title", "Sleep on low-dose naltrexone")
    amy.fill("#id_summary", "What the trials said about sleep.")
    expect(amy.locator("#id_slug")).to_have_value("sleep-on-low-dose-naltrexone")  # filled from the title
    amy.fill("#id_body", "In the 2013 trial, sleep did not change.[@younger2013]")
    assert amy.locator("#id_status option[value=published]").count() == 0  # not hers to choose
    amy.select_option("#id_status", "review")
    amy.locator("input[name=_save]").first.click()
    expect(amy.locator(".messagelist")).to_contain_text("was added successfully")
    shoot(amy, "desktop", "workflow-author")

    # The reviewer approves it and is named as its reviewer.
    rita = sign_in(browser, site + "/admin/articles/article/", "rita", "rita-pass-2026")
    rita.get_by_role("link", name="Sleep on low-dose naltrexone").click()
    rita.check("#id_approve_review")
    shoot(rita, "desktop", "workflow-reviewer")
    rita.locator("input[name=_save]").first.click()
    expect(rita.locator(".messagelist")).to_contain_text("was changed successfully")

    # The editor publishes it.
    ed = sign_in(browser, site + "/admin/articles/article/", "ed", "ed-pass-2026")
    ed.get_by_role("link", name="Sleep on low-dose naltrexone").click()
    ed.select_option("#id_status", "published")
    ed.locator("input[name=_save]").first.click()
    expect(ed.locator(".messagelist")).to_contain_text("was changed successfully")

    reader = open_page(browser, "desktop")
    reader.goto(site + "/articles/sleep-on-low-dose-naltrexone/")
    expect(reader.locator("h1")).to_have_text("Sleep on low-dose naltrexone")
    expect(reader.locator(".article__review")).to_contain_text("Medically reviewed by Rita Reviewer, MD")
    shoot(reader, "desktop", "workflow-published")
    for page in (amy, rita, ed, reader):
        assert [p for p in page.problems if not p.startswith("404 ")] == []


def test_an_author_is_refused_at_the_history_and_recover_doors_of_someone_elses_piece(browser, site, editorial_groups):
    import reversion
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect
    from reversion.models import Version

    from articles.models import Article

    users = {}
    for name, group in [("amy", "Authors"), ("otto", "Authors")]:
        users[name] = get_user_model().objects.create_user(
            name, f"{name}@example.org", f"{name}-pass-2026", is_staff=True
        )
        users[name].groups.add(Group.objects.get(name=group))
    pieces = {}
    for slug, title in [("ottos-draft", "Otto's draft on dosing"), ("ottos-deleted", "Otto's withdrawn piece")]:
        with reversion.create_revision():
            reversion.set_user(users["otto"])
            pieces[slug] = Article.objects.create(
                title=title, slug=slug, summary="A piece by Otto.", body="Take 4.5 mg.", created_by=users["otto"]
            )
    pieces["ottos-deleted"].delete()
    deleted = Version.objects.get_deleted(Article).get()
    draft_version = Version.objects.get_for_object(pieces["ottos-draft"]).get()

    amy = sign_in(browser, site + "/admin/", "amy", "amy-pass-2026")
    for door in (
        f"/admin/articles/article/{pieces['ottos-draft'].pk}/history/",
        f"/admin/articles/article/{pieces['ottos-draft'].pk}/history/{draft_version.pk}/",
        f"/admin/articles/article/recover/{deleted.pk}/",
    ):
        response = amy.goto(site + door)
        assert response.status == 403, door
        expect(amy.locator("h1")).to_have_text("You are not allowed to do this")
        expect(amy.locator("body")).not_to_contain_text("Take 4.5 mg")
    expect(amy.locator(".refusal")).to_contain_text("Only editors can bring back someone else’s deleted piece.")
    shoot(amy, "desktop", "refused-recover")
    amy.goto(site + f"/admin/articles/article/{pieces['ottos-draft'].pk}/history/")
    expect(amy.locator(".refusal")).to_contain_text("Authors see the pieces they started")
    shoot(amy, "desktop", "refused-history")

    # The recover list offers her nothing of Otto's.
    amy.goto(site + "/admin/articles/article/recover/")
    expect(amy.locator("#content")).not_to_contain_text("Otto's withdrawn piece")

    # A reference the published demo piece cites is hers to read, not to change, and the page says why.
    from references.models import Reference

    amy.goto(site + f"/admin/references/reference/{Reference.objects.get(key='younger2009').pk}/change/")
    expect(amy.locator(".messagelist")).to_contain_text("only editors can change it")
    expect(amy.locator("input[name=title]")).to_have_count(0)
    shoot(amy, "desktop", "reference-read-only")
    assert [p for p in amy.problems if not p.startswith("403 ")] == []


PHONE_PAGES = ["/", "/articles/low-dose-naltrexone-for-fibromyalgia-pain/", "/studies/", "/conditions/fibromyalgia/"]


def test_a_phone_gets_one_line_of_navigation_a_whole_placeholder_and_no_sideways_scroll(browser, site):
    page = open_page(browser, "phone")
    for path in PHONE_PAGES:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        tops = page.eval_on_selector_all(".site-nav li", "items => items.map(item => item.offsetTop)")
        assert len(set(tops)) == 1, f"{path}: the navigation wraps"
        fits = page.eval_on_selector(
            "#site-search-q",
            """input => {
                const style = getComputedStyle(input);
                const context = document.createElement("canvas").getContext("2d");
                context.font = `${style.fontSize} ${style.fontFamily}`;
                const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
                return context.measureText(input.placeholder).width <= room;
            }""",
        )
        assert fits, f"{path}: the search box's placeholder is cut"
        gap = page.evaluate(
            """() => {
                const label = document.querySelector("main p.eyebrow");
                if (!label) return null;
                const header = document.querySelector(".site-header").getBoundingClientRect();
                return label.getBoundingClientRect().top - header.bottom;
            }"""
        )
        assert gap is None or gap >= 16, f"{path}: the label above the heading touches the header ({gap} px)"
    shoot(page, "phone", "header")
    assert page.problems == []


def test_a_citation_mark_never_starts_a_line(browser, site):
    page = open_page(browser, "phone")
    for width in range(320, 421, 4):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
        alone = page.eval_on_selector_all(
            ".prose sup.citation",
            """marks => marks.filter(mark => {
                // The last visible character before the mark, in its paragraph: on the same line or not?
                const block = mark.closest("p, li, td");
                const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
                let last = null;
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    if (mark.contains(node)) break;
                    if (mark.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING
                        && node.textContent.replace(/[\\s\\u2060]/g, "").length) last = node;
                }
                if (!last) return false;
                const text = last.textContent.replace(/[\\s\\u2060]+$/, "");
                const range = document.createRange();
                range.setStart(last, text.length - 1);
                range.setEnd(last, text.length);
                const before = range.getBoundingClientRect(), own = mark.getBoundingClientRect();
                return own.top >= before.bottom - 2;  // below the character before it: a new line
            }).length""",
        )
        assert alone == 0, f"at {width} px a citation mark starts a line"


def test_a_developer_reads_the_api_docs_and_tries_a_list(browser, site):
    """The browsable docs load their scripts under the site's Content-Security-Policy, list every
    address, and answer a request made from them."""
    from playwright.sync_api import expect

    page = open_page(browser, "desktop")
    page.goto(site + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LDN Evidence API")
    for path in ["/api/articles/", "/api/authors/{slug}/", "/api/tags/", "/api/references/{key}/"]:
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]')).to_have_count(1)
    operation = page.locator(".opblock-get", has=page.locator('.opblock-summary-path[data-path="/api/articles/"]'))
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text('"count"')
    shoot(page, "desktop", "api-docs")
    assert page.problems == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_reader_finds_a_section_from_the_table_of_contents(browser, site, viewport):
    """Beside the text on a wide screen, staying in view as the reader scrolls; above it on a phone."""
    from playwright.sync_api import expect

    page = open_page(browser, viewport)
    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    contents = page.get_by_role("navigation", name="On this page")
    prose = page.locator(".prose")
    expect(contents.get_by_role("link")).to_have_count(5)  # four sections and the references
    box, text = contents.bounding_box(), prose.bounding_box()
    if viewport == "desktop":
        assert box["x"] >= text["x"] + text["width"], "beside the text"
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(200)
        assert 0 <= contents.bounding_box()["y"] < 100, "still in view after scrolling"
    else:
        assert box["y"] + box["height"] <= text["y"], "above the text"
    shoot(page, viewport, "article-contents")
    contents.get_by_role("link", name="The dose changes what the drug does").click()
    expect(page).to_have_url(re.compile(r"#section-the-dose-changes-what-the-drug-does$"))
    heading = page.get_by_role("heading", name="The dose changes what the drug does")
    assert 0 <= heading.bounding_box()["y"] < 200, "the section's heading is at the top of the window"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []
