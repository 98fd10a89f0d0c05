"""In Chromium: an editor finds a new study on the desk, adds it to the library with one click and cites it
in a piece; readers see it in the piece's references. Screenshots: desktop-desk.png, desktop-desk-added.png."""

import re

import pytest
import respx

from articles.models import Article
from references.living import checks
from references.living.models import Finding, SavedSearch
from references.models import Reference

from .browsing import AXE, axe_violations, open_page, shoot, sign_in_as_editor
from .test_living_evidence import EUTILS, recorded

pytestmark = pytest.mark.browser


def test_an_editor_triages_a_new_study_from_the_desk_into_the_library_and_cites_it(
    browser, live_server, transactional_db, make_article, settings
):
    from playwright.sync_api import expect

    settings.NCBI_REQUESTS_PER_SECOND = 1000
    search = SavedSearch.objects.create(name="LDN and fibromyalgia", query="naltrexone[tiab] AND fibromyalgia")
    with respx.mock() as mock:
        mock.get(f"{EUTILS}/esearch.fcgi").respond(json=recorded("esearch.json"))
        mock.get(f"{EUTILS}/esummary.fcgi").respond(json=recorded("esummary.json"))
        checks.run_search(search)
    piece = make_article(title="LDN and pain", slug="ldn-and-pain", body="## Findings\n\nPain fell.")
    page = sign_in_as_editor(browser, f"{live_server.url}/admin/", bypass_csp=bool(AXE.exists()))

    desk = page.locator("#desk")
    expect(desk.get_by_role("heading", name=re.compile("Triage queue"))).to_contain_text("1 to look at")
    # PubMed marks up the title (<i>in silico</i>): the site keeps its plain text.
    expect(desk).to_contain_text(
        "A test record: low-dose naltrexone for fibromyalgia pain, a randomised trial in silico"
    )
    shoot(page, "desktop", "desk")
    if AXE.exists():
        assert axe_violations(page, within="#desk") == []
    desk.get_by_role("button", name="Add to library").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messagelist")).to_contain_text("Added to the library as [@doe2026]")
    shoot(page, "desktop", "desk-added")
    reference = Reference.objects.get(pmid="39000001")
    assert page.url.endswith(f"/admin/references/reference/{reference.pk}/change/")
    assert Finding.objects.get().status == Finding.Status.ACCEPTED

    page.goto(f"{live_server.url}/admin/articles/article/{piece.pk}/change/")
    body = page.locator("#id_body")
    body.fill(body.input_value() + " A newer trial agrees [@doe2026].")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert list(Article.objects.get(pk=piece.pk).references.values_list("key", flat=True)) == ["doe2026"]

    reader = open_page(browser, "desktop")
    reader.goto(live_server.url + piece.get_absolute_url())
    expect(reader.locator("#ref-1")).to_contain_text("Doe J, Roe R")
    assert page.problems == [] and reader.problems == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_reader_sees_a_retraction_the_change_log_and_the_review_dates(
    browser, live_server, transactional_db, make_article, make_reference, make_author, viewport
):
    import datetime

    from django.utils import timezone
    from playwright.sync_api import expect

    from articles.models import ChangeNote

    from .browsing import VIEWPORTS

    today = timezone.localdate()
    retracted = today - datetime.timedelta(days=30)
    reference = make_reference(key="retracted2020", doi="10.5555/cited.test.2020", year=2020)
    reference.updates = [
        {"type": "retraction", "label": "Retraction", "date": retracted.isoformat(), "doi": "10.5555/n", "source": "x"}
    ]
    reference.save()
    piece = make_article(
        title="LDN and pain",
        references=[reference],
        medical_reviewer=make_author(name="Rita Reviewer"),
        last_reviewed=today - datetime.timedelta(days=60),  # before the retraction
    )
    ChangeNote.objects.create(article=piece, note="Marked the 2020 study as retracted; conclusion unchanged.")
    page = open_page(browser, viewport, bypass_csp=bool(AXE.exists()))
    page.goto(live_server.url + piece.get_absolute_url())
    expect(page.locator("#ref-1 .citation__retracted")).to_contain_text(f"Retracted on {retracted:%-d %B %Y}")
    expect(page.locator(".article__new-evidence")).to_contain_text("New research on this topic has appeared")
    expect(page.locator(".article__next-review")).to_contain_text("Next review due by")
    expect(page.get_by_role("heading", name="What has changed")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"]
    shoot(page, viewport, "article-living")
    if AXE.exists():
        assert axe_violations(page) == []
    assert page.problems == []
