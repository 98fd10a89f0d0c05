"""Where editors manage the lists, the subscribers and the issues, and send them.

Every door of an issue asks about the issue as it stands: previews need the right to view it;
a test, a send, a schedule and its cancelling need ``newsletter.send_issue`` and a state that allows
it, read under a row lock, so that two editors pressing "send" at once send once.
"""

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone

from references.widgets import NamedAutocompleteMixin

from . import emails
from .models import Delivery, Issue, IssuePiece, MailingList, Subscriber
from .tasks import deliver_issue, send_test

SEND = "newsletter.send_issue"


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "offered", "position", "subscriber_count"]
    list_editable = ["offered", "position"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscriber_count=Count("subscribers"))

    @admin.display(description="subscribers", ordering="subscriber_count")
    def subscriber_count(self, obj):
        return obj.subscriber_count


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Subscribers join, change their lists and leave only through their own signed links: what they
    agreed to is theirs to change. Editors can see, export what is kept about an address, and erase it."""

    list_display = ["email", "confirmed_at", "list_names"]
    list_filter = ["lists"]
    search_fields = ["email"]
    date_hierarchy = "confirmed_at"
    fields = ["email", "lists", "confirmed_at", "consent"]
    readonly_fields = fields
    actions = ["export_data"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lists")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="lists")
    def list_names(self, obj):
        return ", ".join(mailing_list.name for mailing_list in obj.lists.all())

    @admin.action(description="Export what is kept about the selected subscribers (JSON)", permissions=["view"])
    def export_data(self, request, queryset):
        data = [
            {
                "email": subscriber.email,
                "lists": [mailing_list.name for mailing_list in subscriber.lists.all()],
                "confirmed_at": subscriber.confirmed_at.isoformat(),
                "consent": subscriber.consent,
                "deliveries": [
                    {
                        "issue": delivery.issue.subject,
                        "state": delivery.state,
                        "at": delivery.changed_at.isoformat(),
                        "error": delivery.error,
                    }
                    for delivery in subscriber.deliveries.select_related("issue").order_by("changed_at")
                ],
            }
            for subscriber in queryset
        ]
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="subscribers.json"'
        return response


class IssuePieceInline(NamedAutocompleteMixin, admin.TabularInline):
    model = IssuePiece
    extra = 0
    autocomplete_fields = ["article"]
    autocomplete_placeholders = {"article": "Find a published piece by title"}
    verbose_name_plural = "pieces (in the order the e-mail gives them)"

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.editable)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.editable)


class ScheduleForm(forms.Form):
    send_at = forms.SplitDateTimeField(label="Send at", widget=admin.widgets.AdminSplitDateTime)

    def clean_send_at(self):
        send_at = self.cleaned_data["send_at"]
        if send_at <= timezone.now():
            raise forms.ValidationError("Choose a time in the future, or use “Send now”.")
        return send_at


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["subject", "mailing_list", "status", "when", "recipients", "delivered"]
    list_filter = ["status", "mailing_list"]
    search_fields = ["subject", "intro"]
    prepopulated_fields = {"slug": ["subject"]}
    fields = ["subject", "slug", "mailing_list", "intro"]
    inlines = [IssuePieceInline]
    change_form_template = "admin/newsletter/issue/change_form.html"

    @admin.display(description="when", ordering="send_at")
    def when(self, obj):
        return obj.sent_at or obj.send_at or "—"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Issue.Status.DRAFT)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        door = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", door(self.preview), name="newsletter_issue_preview"),
            path("<int:pk>/preview.txt", door(self.preview_text), name="newsletter_issue_preview_text"),
            path("<int:pk>/test/", door(self.send_test), name="newsletter_issue_test"),
            path("<int:pk>/send/", door(self.send), name="newsletter_issue_send"),
            path("<int:pk>/schedule/", door(self.schedule), name="newsletter_issue_schedule"),
            path("<int:pk>/unschedule/", door(self.unschedule), name="newsletter_issue_unschedule"),
            *super().get_urls(),
        ]

    # The doors. Each reads the issue as it stands and asks the rule about it.

    def _viewable(self, request, pk):
        issue = get_object_or_404(Issue, pk=pk)
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied("You may not see this newsletter issue.")
        return issue

    def _sendable(self, request, pk, allowed=(Issue.Status.DRAFT, Issue.Status.SCHEDULED)):
        """The issue, locked for this transaction, if this user may send it and its state allows."""
        if request.method != "POST":
            raise PermissionDenied("Use the buttons on the issue's page.")
        if not request.user.has_perm(SEND):
            raise PermissionDenied("Only editors send newsletter issues.")
        issue = get_object_or_404(Issue.objects.select_for_update(), pk=pk)
        if issue.status not in allowed:
            raise PermissionDenied(f"This issue is {issue.get_status_display().lower()}: that can no longer be done.")
        return issue

    def _back(self, issue):
        return redirect(reverse("admin:newsletter_issue_change", args=[issue.pk]))

    def preview(self, request, pk):
        issue = self._viewable(request, pk)
        rendered = emails.render_issue(issue)
        response = HttpResponse(rendered.html)
        # The preview is the e-mail itself, whose inline styles the site's policy would block.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
        )
        return response

    def preview_text(self, request, pk):
        issue = self._viewable(request, pk)
        return HttpResponse(emails.render_issue(issue).text, content_type="text/plain; charset=utf-8")

    @transaction.atomic
    def send_test(self, request, pk):
        issue = self._sendable(request, pk, allowed=tuple(Issue.Status))
        if not request.user.email:
            messages.error(request, "Your account has no e-mail address to send the test to: add one first.")
            return self._back(issue)
        send_test.enqueue(issue.pk, request.user.email)
        messages.success(request, f"A test of this issue is on its way to {request.user.email}.")
        return self._back(issue)

    @transaction.atomic
    def send(self, request, pk):
        issue = self._sendable(request, pk)
        if problems := issue.problems():
            messages.error(request, "Not sent: " + " ".join(problems))
            return self._back(issue)
        issue.status, issue.send_at, issue.problem = Issue.Status.SCHEDULED, timezone.now(), ""
        issue.save(update_fields=["status", "send_at", "problem", "updated_at"])
        deliver_issue.enqueue(issue.pk)
        messages.success(request, f"“{issue}” is being sent to the confirmed subscribers of {issue.mailing_list}.")
        return self._back(issue)

    @transaction.atomic
    def schedule(self, request, pk):
        issue = self._sendable(request, pk)
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return self._back(issue)
        if problems := issue.problems():
            messages.warning(request, "Scheduled, but fix this before it goes: " + " ".join(problems))
        issue.status, issue.send_at, issue.problem = Issue.Status.SCHEDULED, form.cleaned_data["send_at"], ""
        issue.save(update_fields=["status", "send_at", "problem", "updated_at"])
        deliver_issue.using(run_after=issue.send_at).enqueue(issue.pk)
        messages.success(request, f"“{issue}” will be sent on {timezone.localtime(issue.send_at):%d %B %Y at %H:%M}.")
        return self._back(issue)

    @transaction.atomic
    def unschedule(self, request, pk):
        issue = self._sendable(request, pk, allowed=(Issue.Status.SCHEDULED,))
        issue.status, issue.send_at = Issue.Status.DRAFT, None
        issue.save(update_fields=["status", "send_at", "updated_at"])
        messages.success(request, f"“{issue}” is a draft again; it will not be sent.")
        return self._back(issue)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = Issue.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        extra_context = extra_context or {}
        if issue is not None:
            counts = dict(issue.deliveries.values_list("state").annotate(n=Count("pk")))
            extra_context.update(
                issue_obj=issue,
                may_send=request.user.has_perm(SEND),
                schedule_form=ScheduleForm(
                    initial={"send_at": issue.send_at or timezone.now() + datetime.timedelta(days=1)}
                ),
                delivery_counts=[
                    (label, counts.get(value, 0)) for value, label in Delivery.State.choices if counts.get(value)
                ],
                troubles=issue.deliveries.filter(state__in=[Delivery.State.REFUSED, Delivery.State.INTERRUPTED])
                .select_related("subscriber")
                .order_by("changed_at")[:50],
            )
        return super().change_view(request, object_id, form_url, extra_context)
