"""What the browser tests share: Chromium's whereabouts, viewports, pages that record problems, screenshots.

The ``browser`` and ``site`` fixtures that use these live in ``conftest.py``.
"""

import os
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# are ordinary synchronous ones, so Django's guard against async contexts does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    # The machine has no network beyond loopback; keep Chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def open_page(browser, viewport, **context_options):
    context = browser.new_context(viewport=VIEWPORTS[viewport], **context_options)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")  # reported with its URL below
            and page.problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: response.status >= 400 and page.problems.append(f"{response.status} {response.url}"),
    )
    return page


def shoot(page, viewport, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{viewport}-{name}.png", full_page=True)


def sign_in_as_editor(browser, url, **context_options):
    """A desktop page on ``url``, signed in through the admin's login form as a new superuser."""
    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    return sign_in(browser, url, "editor", "a-long-test-password", **context_options)


def sign_in(browser, url, username, password, **context_options):
    """A desktop page of its own on ``url``, signed in through the admin's login form."""
    page = open_page(browser, "desktop", **context_options)
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    # The click returns once the next page starts arriving; wait until its scripts have run, as a
    # person does before typing, or the admin's slug filler may not be listening yet.
    page.wait_for_load_state("load")
    return page


# axe-core from npm (package.json); `make test` installs it.
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def axe_violations(page, within=None):
    """Run axe-core on the page (or the part ``within`` selects): its serious and critical violations,
    one line per failing element, saying which rule, why and where.

    The page must be opened with ``bypass_csp=True``: the site's Content-Security-Policy rightly
    refuses the inline script that injects axe-core."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "within => axe.run(within ? document.querySelector(within) : document, {resultTypes: ['violations']})",
        within,
    )
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
        for node in violation["nodes"]
    ]
