"""Accessibility in Chromium: axe-core finds nothing serious on any page type, and the keyboard gets everywhere.

axe-core comes from the npm registry (package.json; `make test` runs `npm ci`). Without it,
or without Chromium, these tests skip and say why.
"""

import pytest

from .browsing import AXE, VIEWPORTS, axe_violations, open_page, shoot, sign_in_as_editor

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "home": "/",
    "articles": "/articles/",
    "article": "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
    "tags": "/tags/",
    "tag": "/tags/fibromyalgia/",
    "authors": "/authors/",
    "author": "/authors/jacob-teitelbaum/",
    "library": "/references/?kind=journal",
    "reference": "/references/younger2013/",
    "studies": "/studies/?sort=-effect",
    "studies-unknown-filter": "/studies/?risk=excellent",
    "study": "/studies/stanford-ldn-fibromyalgia-crossover-trial/",
    "conditions": "/conditions/",
    "condition": "/conditions/fibromyalgia/",
    "search": "/search/?q=naltrexone+trial",
    "search-nothing": "/search/?q=zzzz",
    "not-found": "/articles/no-such-piece/",
    "newsletter": "/newsletter/",
    "privacy": "/privacy/",
    "series": "/series/ldn-and-fibromyalgia-pain/",
}


@pytest.fixture
def axe():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `make test` (it runs `npm ci`), or `npm ci` by hand.")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_pages_have_no_serious_accessibility_violations(browser, site, axe, viewport):
    page = open_page(browser, viewport, bypass_csp=True)
    found = []
    for path in PUBLIC_PAGES.values():
        page.goto(site + path)
        found += axe_violations(page)
    assert found == [], "\n".join(found)


ADMIN_PAGES = [
    "/admin/references/reference/import/",
    "/admin/references/outcome/import/",
    "/admin/references/reference/add/",
    "/admin/references/study/add/",
    "/admin/references/study/",
    "/admin/articles/article/add/",
    "/admin/newsletter/issue/add/",
]


def test_the_admins_custom_pages_have_no_serious_accessibility_violations(browser, site, axe):
    page = sign_in_as_editor(browser, site + "/admin/", bypass_csp=True)
    found = []
    for path in ADMIN_PAGES:
        page.goto(site + path)
        found += axe_violations(page, within="#content")

    # The import preview, with its table of what the file will create.
    page.goto(site + "/admin/references/reference/import/")
    page.set_input_files("#id_file", "tests/files/zotero-export.bib")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("table")
    shoot(page, "desktop", "admin-import-preview")
    found += axe_violations(page, within="#content")

    # A preview with entries left out, and the page of the import that leaves them out.
    page.goto(site + "/admin/references/reference/import/")
    page.set_input_files("#id_file", "tests/files/partly-invalid.json")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector(".import-left-out")
    found += axe_violations(page, within="#content")
    page.get_by_role("button", name="Import the others and leave 3 out").click()
    page.wait_for_selector(".import-job")
    found += axe_violations(page, within="#content")
    assert found == [], "\n".join(found)


def focus_path(page, stop, limit=150):
    """Press Tab until the focused element matches ``stop``; return what was focused on the way."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    text: (el.innerText || el.getAttribute('aria-label') || el.name || '').trim(),
                    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                    matches: el.matches(arguments[0]),
                };
            }""".replace("arguments[0]", repr(stop))
        )
        visited.append(focused)
        if focused["matches"]:
            return visited
    raise AssertionError(f"Tab never reached {stop}; it went through {[v['text'] for v in visited]}")


def test_keyboard_reaches_the_menu_the_search_box_and_the_articles_references_with_visible_focus(browser, site):
    page = open_page(browser, "desktop")
    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    visited = focus_path(page, ".site-nav a")
    assert visited[-1]["text"] == "Evidence"
    visited += focus_path(page, "#site-search-q")
    visited += focus_path(page, ".references li a")
    missing = [v["text"] for v in visited if not v["visible"]]
    assert missing == [], f"no visible focus outline on: {missing}"


def test_keyboard_reaches_the_evidence_tables_filters_and_sorting(browser, site):
    page = open_page(browser, "desktop")
    page.goto(site + "/studies/")
    visited = focus_path(page, "#filter-condition")
    visited += focus_path(page, "thead a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/studies/?sort=title")
    assert all(v["visible"] for v in visited)
