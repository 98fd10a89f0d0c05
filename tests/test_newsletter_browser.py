"""The subscribe flow in Chromium, as a reader goes through it on a desktop and on a phone: the
footer's form, the newsletter page, the confirmation link from the e-mail, the preferences page."""

import re

import pytest
from django.core import mail

from articles.newsletter.models import Subscriber

from .browsing import open_page, shoot
from .test_newsletter import run_queued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_reader_subscribes_from_the_footer_and_confirms_from_the_e_mail(browser, site, settings, viewport):
    from playwright.sync_api import expect

    settings.NEWSLETTER_FORM_MIN_SECONDS = 0
    page = open_page(browser, viewport)
    page.goto(site + "/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    page.get_by_label("Get new pieces by e-mail").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").last.click()
    page.wait_for_url("**/newsletter/start/")
    assert page.get_by_label("Your e-mail address").input_value() == "reader@example.org"
    newsletter = page.get_by_role("checkbox", name=re.compile("The LDN Evidence newsletter"))
    assert newsletter.is_checked()
    shoot(page, viewport, "newsletter-subscribe")
    page.locator("form.subscribe").get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert not Subscriber.objects.exists()

    run_queued()
    (confirmation,) = mail.outbox
    link = re.search(r"http://\S+/newsletter/confirm/\S+/", confirmation.body).group(0)
    page.goto(site + "/" + link.split("/", 3)[3])
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Your newsletter subscription")).to_be_visible()
    shoot(page, viewport, "newsletter-preferences")
    assert Subscriber.objects.get().email == "reader@example.org"
    assert page.problems == []

    page.get_by_role("link", name="Leave the newsletter").click()
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="You have left the newsletter")).to_be_visible()
    assert not Subscriber.objects.exists()
