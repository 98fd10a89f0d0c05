"""The newsletter's public pages: subscribe, confirm, manage, leave, and the archive of sent issues.

None of them is kept by the page cache: the forms carry a CSRF token, and the signed links are
one reader's own. The archive is small and cheap to render.
"""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from . import tokens
from .forms import PreferencesForm, SubscribeForm
from .models import Issue, MailingList, Subscriber
from .tasks import send_confirmation

CONSENT = "Subscribed on the site's form and confirmed by the link e-mailed to the address."


def _client(group, request):
    return get_client_ip_address(request) or "unknown"


def _over_limit(request, group, key, rate):
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def _archive_context(request):
    return {"issues": Issue.objects.sent().only("subject", "slug", "sent_at")}


@never_cache
@require_http_methods(["GET", "POST"])
def newsletter(request):
    """The newsletter's page: what it is, the subscribe form, and every issue sent so far."""
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if _over_limit(request, "newsletter.subscribe", _client, settings.NEWSLETTER_SUBSCRIBE_RATE):
            return render(request, "newsletter/too_many.html", status=429)
        if form.is_valid():
            email = form.cleaned_data["email"]
            address_limited = _over_limit(
                request, "newsletter.address", lambda group, request: email.lower(), settings.NEWSLETTER_ADDRESS_RATE
            )
            if not form.is_bot and not address_limited:
                lists = [mailing_list.pk for mailing_list in form.cleaned_data["lists"]]
                transaction.on_commit(lambda: send_confirmation.enqueue(email, lists))
            return redirect("newsletter:check_inbox")
        form.data = form.data.copy()
        form.data["started"] = tokens.form_started()
    else:
        form = SubscribeForm()
    return render(request, "newsletter/newsletter.html", {"form": form, **_archive_context(request)})


@never_cache
@csrf_exempt  # changes nothing: it only fills in the form on the newsletter page
@require_POST
def start(request):
    """The footer's short form: the newsletter page's form, with the address filled in."""
    form = SubscribeForm(initial={"email": request.POST.get("email", "")[:254]})
    return render(request, "newsletter/newsletter.html", {"form": form, "started": True, **_archive_context(request)})


@require_GET
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html", {"days": settings.NEWSLETTER_CONFIRM_DAYS})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The double opt-in's second half. A GET only asks (mail scanners follow links); the button confirms."""
    confirmation = tokens.read_confirmation(token)
    if confirmation is None:
        return render(request, "newsletter/link_expired.html", status=404)
    email, list_ids = confirmation
    if request.method == "GET":
        return render(request, "newsletter/confirm.html", {"email": email})
    mailing_lists = list(MailingList.objects.filter(pk__in=list_ids))
    if not mailing_lists:  # the lists it named have since been removed
        return render(request, "newsletter/link_expired.html", status=404)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().with_address(email).first()
        if subscriber is None:
            subscriber = Subscriber.objects.create(email=email, confirmed_at=timezone.now(), consent=CONSENT)
        subscriber.lists.add(*mailing_lists)
    return redirect("newsletter:preferences", token=tokens.manage(email))


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    email = tokens.read_manage(token)
    if email is None:
        raise Http404("Not a link this site made.")
    subscriber = Subscriber.objects.with_address(email).first()
    if subscriber is None:
        return render(request, "newsletter/not_subscribed.html", {"email": email})
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["lists"]
            if not chosen:
                subscriber.delete()
                return render(request, "newsletter/unsubscribed.html", {"email": email})
            hidden = subscriber.lists.filter(offered=False)
            subscriber.lists.set([*chosen, *hidden])
            return render(
                request, "newsletter/preferences.html", {"form": form, "subscriber": subscriber, "saved": True}
            )
    else:
        form = PreferencesForm(initial={"lists": subscriber.lists.all()})
    return render(request, "newsletter/preferences.html", {"form": form, "subscriber": subscriber, "token": token})


@never_cache
@csrf_exempt  # RFC 8058: the mail client posts here with no cookie; the signed link is the authority
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One click: a mail client's POST (``List-Unsubscribe=One-Click``) or the page's button. A GET
    only asks, so that a link checker following the link unsubscribes nobody."""
    email = tokens.read_manage(token)
    if email is None:
        raise Http404("Not a link this site made.")
    if request.method == "GET":
        return render(request, "newsletter/unsubscribe.html", {"email": email, "token": token})
    Subscriber.objects.with_address(email).delete()
    return render(request, "newsletter/unsubscribed.html", {"email": email})


def issue(request, slug):
    """A sent issue's page in the archive: its introduction and the pieces it carried."""
    sent = get_object_or_404(Issue.objects.sent().select_related("mailing_list"), slug=slug)
    return render(request, "newsletter/issue.html", {"issue": sent, "pieces": sent.ordered_pieces()})


def privacy(request):
    return render(request, "newsletter/privacy.html", {"days": settings.NEWSLETTER_CONFIRM_DAYS})
