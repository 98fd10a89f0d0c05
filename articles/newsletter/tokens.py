"""The signed links of the newsletter's e-mails: no account, no password, and nothing stored to check
them against. Each kind of link has its own salt, so that one cannot stand in for another."""

import time

from django.conf import settings
from django.core import signing

CONFIRM = "newsletter.confirm"
MANAGE = "newsletter.manage"
FORM = "newsletter.form"


def confirmation(email, list_ids):
    return signing.dumps({"email": email, "lists": sorted(list_ids)}, salt=CONFIRM, compress=True)


def read_confirmation(token):
    """(address, list ids) of a confirmation link, or None if it is not one of ours or has expired."""
    try:
        value = signing.loads(token, salt=CONFIRM, max_age=settings.NEWSLETTER_CONFIRM_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("email"), str)
        or not isinstance(value.get("lists"), list)
    ):
        return None
    return value["email"], [pk for pk in value["lists"] if isinstance(pk, int)]


def manage(email):
    """The token of a subscriber's preferences and unsubscribe links (which do not expire: they are in
    every issue the reader keeps)."""
    return signing.dumps(email.lower(), salt=MANAGE, compress=True)


def read_manage(token):
    try:
        value = signing.loads(token, salt=MANAGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def form_started():
    """When the subscribe form was shown, signed: a person needs a few seconds to fill it in, a bot does not."""
    return signing.dumps(time.time(), salt=FORM)


def seconds_since_form(token):
    """Seconds since ``form_started`` made ``token``, or None if it is not one of ours."""
    try:
        shown = signing.loads(token, salt=FORM)
    except signing.BadSignature:
        return None
    return time.time() - shown if isinstance(shown, float) else None
