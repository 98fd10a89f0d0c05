"""What every response tells the browser, and what happens to someone guessing admin passwords."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/articles/low-dose-naltrexone-for-fibromyalgia-pain/", "/studies/", "/nope/"])
def test_pages_carry_the_security_headers(client, demo, url):
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_scripts_come_only_from_the_site_and_json_ld_needs_no_nonce(client, demo):
    """JSON-LD is a data block, which CSP does not govern: no nonce, so no page differs from reader to reader."""
    response = client.get("/articles/low-dose-naltrexone-for-fibromyalgia-pain/")
    assert "script-src 'self';" in response["Content-Security-Policy"] + ";"
    assert '<script type="application/ld+json">' in response.content.decode()
    assert "nonce" not in response["Content-Security-Policy"] + response.content.decode()


def test_no_page_has_inline_script(client, demo):
    for url in ["/", "/articles/", "/studies/", "/conditions/fibromyalgia/", "/search/?q=ldn", "/references/"]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and "onclick=" not in html


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", "the-right-password")


def sign_in(client, password):
    return client.post("/admin/login/?next=/admin/", {"username": "editor", "password": password})


def test_repeated_failed_sign_ins_lock_the_name_out_with_a_clear_message(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200  # the login form again, with its error
    response = sign_in(client, "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # Locked out even with the right password, until the cool-off ends.
    assert sign_in(client, "the-right-password").status_code == 429


def test_a_successful_sign_in_resets_the_count(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, "the-right-password").status_code == 302
    client.logout()
    assert sign_in(client, "wrong").status_code == 200


def test_the_lockout_is_per_name_and_address(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    other = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "the-right-password"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302
