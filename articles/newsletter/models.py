from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.rendering import render_markdown

# The list every reader can join, made by migration 0002 (and by load_demo, after a test's flush).
MAIN_LIST = {
    "slug": "newsletter",
    "name": "The LDN Evidence newsletter",
    "description": "every new evidence piece, whole, with its references",
}


class MailingList(models.Model):
    """What a reader can sign up for: the newsletter as a whole, or narrower updates."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True, help_text="One line readers see beside the box to tick.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first on the form.")
    offered = models.BooleanField(default=True, help_text="Shown on the subscribe form.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @classmethod
    def main(cls):
        return cls.objects.get_or_create(slug=MAIN_LIST["slug"], defaults=MAIN_LIST)[0]


class SubscriberQuerySet(models.QuerySet):
    def with_address(self, email):
        return self.filter(email__iexact=normalise_address(email))


def normalise_address(email):
    """The address as kept: no surrounding space, the domain in lower case (the part before @ is the
    recipient's to interpret, so it is left as typed)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


class Subscriber(models.Model):
    """A confirmed reader. An address is kept only once its owner has clicked the e-mailed link, and is
    deleted when they leave or when the mail server keeps refusing it."""

    email = models.EmailField(max_length=254)
    lists = models.ManyToManyField(MailingList, related_name="subscribers", blank=True)
    confirmed_at = models.DateTimeField(help_text="When the reader confirmed, by the link e-mailed to the address.")
    consent = models.CharField(max_length=300, help_text="How the reader agreed.")

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="newsletter_one_subscriber_per_address")]

    def __str__(self):
        return self.email


class IssueQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(status=Issue.Status.SENT)


class Issue(models.Model):
    """One e-mail to a list: an introduction and one or more published pieces, each whole with its references."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=200, help_text="The e-mail's subject line and the archive page's title.")
    slug = models.SlugField(max_length=200, unique=True, help_text="The archive page's address.")
    mailing_list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="issues", verbose_name="list")
    intro = models.TextField(blank=True, help_text="Markdown. A few lines before the pieces.")
    intro_html = models.TextField(editable=False, blank=True)
    pieces = models.ManyToManyField(Article, through="IssuePiece", related_name="newsletter_issues")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    send_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When a scheduled issue goes out.")
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When sending began.")
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    problem = models.CharField(
        max_length=1000, blank=True, editable=False, help_text="Why a scheduled send did not go."
    )
    recipients = models.PositiveIntegerField(default=0, editable=False, help_text="Confirmed subscribers when sent.")
    delivered = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        verbose_name = "newsletter issue"
        permissions = [("send_issue", "Can send newsletter issues")]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        self.intro_html = render_markdown(self.intro)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("newsletter:issue", kwargs={"slug": self.slug})

    @property
    def editable(self):
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)

    def ordered_pieces(self):
        """The issue's pieces in order, each with its credited authors read in the same few queries."""
        links = self.links.select_related("article").prefetch_related("article__bylines__author")
        return [link.article for link in links.order_by("position", "pk")]

    def problems(self):
        """Why this issue cannot go out now, in words an editor can act on (an empty list if it can)."""
        found = []
        pieces = self.ordered_pieces()
        if not pieces:
            found.append("Add at least one piece.")
        public = set(
            Article.objects.published().filter(pk__in=[piece.pk for piece in pieces]).values_list("pk", flat=True)
        )
        for piece in pieces:
            if piece.pk not in public:
                found.append(f"“{piece.title}” is not published: readers could not open it.")
        return found

    def clean(self):
        if self.pk and not self.editable:
            raise ValidationError("This issue has been sent and can no longer change.")


class IssuePiece(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="links")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+", verbose_name="piece")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "piece"
        constraints = [models.UniqueConstraint(fields=["issue", "article"], name="newsletter_piece_once_per_issue")]

    def __str__(self):
        return str(self.article)


class Delivery(models.Model):
    """One issue to one subscriber. Its state changes only forward, each change a compare-and-set, so
    that however many workers run and however often a send is retried, no address gets an issue twice."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being handed to the mail server"
        SENT = "sent", "Sent"
        REFUSED = "refused", "Refused by the mail server"
        INTERRUPTED = "interrupted", "Interrupted: may not have arrived"
        SKIPPED = "skipped", "Skipped: left the list before it went"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    changed_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=500, blank=True, help_text="What the mail server answered.")

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="newsletter_one_delivery_each")]
        indexes = [models.Index(fields=["issue", "state"])]

    def __str__(self):
        return f"{self.issue} → {self.subscriber}"
