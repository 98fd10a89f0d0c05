"""Evidence pieces, the people who write them, and what they cite.

The public rule "what readers may see" lives in ``ArticleQuerySet.published``;
every view, feed and sitemap asks it rather than filtering on status by hand.
"""

import datetime
import zlib

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Prefetch
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from references.models import Reference

from .images import make_renditions, srcset, validate_image_upload
from .rendering import render_article_body, render_markdown


class CitationKeyError(ValidationError):
    """An article's text cites keys that no reference in the library has."""

    def __init__(self, keys):
        self.keys = list(keys)
        listed = ", ".join(f"[@{key}]" for key in self.keys)
        noun = "reference key" if len(self.keys) == 1 else "reference keys"
        super().__init__(
            f"The text cites {noun} not in the reference library: {listed}. "
            "Check the spelling, or add the reference to the library first.",
            code="unknown_citation_key",
        )


def unknown_keys(keys):
    """The keys in ``keys`` that no reference has, in the order given."""
    known = set(Reference.objects.filter(key__in=keys).values_list("key", flat=True))
    return [key for key in keys if key not in known]


class AuthorQuerySet(models.QuerySet):
    def with_published_articles(self):
        """Authors credited on at least one published piece, with how many (``published_count``)."""
        return self.filter(articles__in=Article.objects.published()).annotate(published_count=Count("articles"))


@reversion.register()
class Author(models.Model):
    """A person credited on evidence pieces, with the credentials readers weigh."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The author's address on the site, e.g. /authors/jacob-teitelbaum/.",
        error_messages={"unique": "Another author already uses this slug; choose a different one."},
    )
    credentials = models.CharField(max_length=100, blank=True, help_text="Degrees or titles after the name, e.g. MD.")
    affiliation = models.CharField(max_length=300, blank=True)
    website = models.URLField(max_length=500, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account of this person, if they sign in: a reviewer's approval names this author.",
    )
    bio = models.TextField(blank=True, help_text="Markdown. A few sentences on who they are and their work.")
    bio_html = models.TextField(editable=False, blank=True)
    photo = models.ImageField(
        upload_to="authors/",
        blank=True,
        validators=[validate_image_upload],
        help_text="A portrait: JPEG, PNG or WebP, up to 5 MB.",
    )
    photo_alt = models.CharField("photo description", max_length=300, blank=True, help_text="e.g. “Jane Doe, smiling”.")
    photo_renditions = models.JSONField(default=list, editable=False, blank=True)
    digest_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When their last review digest was e-mailed."
    )
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counts saves; guards against overwrites."
    )

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.derive()
        self.revision += 1
        uploaded = bool(self.photo) and not self.photo._committed
        super().save(*args, **kwargs)
        if uploaded or (not self.photo and self.photo_renditions):
            self.photo_renditions = make_renditions(self.photo)
            Author.objects.filter(pk=self.pk).update(photo_renditions=self.photo_renditions)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    def derive(self):
        """Render the biography: run by save(), and by anything that writes authors in bulk."""
        self.bio_html = render_markdown(self.bio)

    def clean(self):
        if self.photo and not self.photo_alt.strip():
            raise ValidationError({"photo_alt": "Describe the photo for readers who cannot see it."})

    @property
    def photo_srcset(self):
        return srcset(self.photo_renditions)

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


def published_tags():
    """Tags on at least one published piece, with how many (``published_count``), most used first."""
    return (
        Tag.objects.filter(articles_taggedarticle_items__content_object__in=Article.objects.published())
        .annotate(published_count=Count("articles_taggedarticle_items"))
        .order_by("-published_count", "name")
    )


class ArticleQuerySet(models.QuerySet):
    # What a list of cards never prints: the text, its search fields and the reviewer's notes.
    NOT_ON_CARDS = ("body", "body_html", "sections", "search_text", "search_vector", "review_note")

    def published(self, at=None):
        """Pieces the public may see (at the moment ``at``, by default now): published, and not
        scheduled for later; newest first.

        The order is the one the ``article_public_order`` index keeps (published pieces always
        have a date, so the model's "undated last" rule has nothing to do here).
        """
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now()).order_by(
            "-published_at", "-id"
        )

    def published_or_scheduled(self):
        """Pieces readers see now, or will see when their time comes without another edit."""
        return self.filter(status=Article.Status.PUBLISHED)

    def tagged(self, tag):
        return self.filter(tagged_items__tag=tag)

    def with_cards(self):
        """What a list of article cards prints: the card's fields, authors in order and tags (two queries)."""
        return self.defer(*self.NOT_ON_CARDS).with_credits()

    def with_snippets(self):
        """What a search result prints: the title, linked, and a snippet cut from the summary and the text."""
        return self.only("title", "slug", "summary", "body_html")

    def with_credits(self):
        """Every field, with the authors in order and the tags fetched for all the rows at once."""
        return self.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            "tags",
        )

    def with_page(self):
        """What the article page prints: the text, its credits, the reviewer, and the ordered reference list."""
        return (
            self.defer("search_text", "search_vector")
            .with_credits()
            .select_related("medical_reviewer", "series")
            .prefetch_related(
                "change_notes",
                # Not the search vector nor the Vancouver citation: the page prints neither.
                Prefetch(
                    "citations",
                    queryset=Citation.objects.select_related("reference").defer(
                        "reference__search_vector", "reference__vancouver_html"
                    ),
                ),
            )
        )

    def review_overdue(self):
        """Pieces with no medical review on record, or whose next review is due."""
        return self.filter(models.Q(last_reviewed__isnull=True) | models.Q(next_review_due__lte=timezone.localdate()))

    def review_due_within(self, days):
        """Reviewed pieces whose next review falls due within ``days`` days, or has."""
        return self.filter(next_review_due__lte=timezone.localdate() + datetime.timedelta(days=days))


@reversion.register()
class TaggedArticle(TaggedItemBase):
    """The tag-to-article link, with a real foreign key (faster joins than taggit's generic one)."""

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")


def number_citations(rendered, reference_ids, listed=()):
    """The numbered reference list, as (reference id, position, times cited) rows.

    The works the body cites come first, in order of first citation; the works already listed
    (``listed``, reference ids in their order) that the body does not cite follow, cited 0 times.
    ``reference_ids`` maps each cited key to its reference's id.
    """
    cited_ids = [reference_ids[key] for key in rendered.cited_keys]
    rows = [
        (pk, position, rendered.times_cited[key])
        for position, (key, pk) in enumerate(zip(rendered.cited_keys, cited_ids, strict=True), 1)
    ]
    uncited = [pk for pk in listed if pk not in cited_ids]
    return rows + [(pk, position, 0) for position, pk in enumerate(uncited, len(rows) + 1)]


class Series(models.Model):
    """A run of pieces meant to be read in order ("What's new in the SHINE protocol"): each piece says
    which part it is and links to the parts before and after; the last public one names the next
    scheduled part, by its title and date only."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The series' address on the site, e.g. /series/pain-in-fibromyalgia/.",
        error_messages={"unique": "Another series already uses this slug; choose a different one."},
    )
    description = models.TextField(blank=True, max_length=600, help_text="A short paragraph on what the series covers.")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:series", kwargs={"slug": self.slug})

    def parts(self):
        """Its public pieces, in reading order."""
        return self.pieces.published().order_by(*SERIES_ORDER)

    def coming_next(self):
        """The first part scheduled after the public ones (title and date only are shown), or None."""
        return (
            self.pieces.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
            .order_by(*SERIES_ORDER)
            .only("title", "published_at", "series_part")
            .first()
        )


SERIES_ORDER = ("series_part", "published_at", "pk")


@reversion.register(follow=["bylines", "citations", "tagged_items", "change_notes"])
class Article(models.Model):
    """An evidence piece: an article on what the research shows, with its sources.

    Editors write the body in Markdown, credit authors in order, attach the
    references it rests on in the order they are numbered, and tag it. It is
    public once its status is "published" and its publication time has come.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The piece's address on the site, e.g. /articles/ldn-for-fibromyalgia-pain/. Keep it once published.",
        error_messages={"unique": "Another article already uses this slug; choose a different one."},
    )
    summary = models.TextField(
        max_length=600,
        help_text="One short paragraph, shown under the title and in lists: what the piece tells the reader.",
    )
    body = models.TextField(
        blank=True,
        help_text=(
            "Markdown. Start sections with ## headings. Cite a reference by its key: [@younger2009], "
            "[@younger2009; @younger2013], or with a page, [@younger2009, p. 665]. "
            "Cited references join the reference list by themselves, numbered in order of first citation."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    # The body's top-level headings, [{"id", "title"}, …], for the page's table of contents.
    sections = models.JSONField(default=list, editable=False, blank=True)
    lead_image = models.ImageField(
        upload_to="articles/%Y/",
        blank=True,
        validators=[validate_image_upload],
        help_text="Shown above the text: JPEG, PNG or WebP, up to 5 MB; at least 1,600 pixels wide looks best.",
    )
    lead_image_alt = models.CharField(
        "lead image description",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with an image.",
    )
    lead_image_renditions = models.JSONField(default=list, editable=False, blank=True)
    # Kept by articles.search: the tags' and authors' names, and (on PostgreSQL) the weighted vector,
    # stored in the row, not out of it (migration 0011: re-apply it if the column is ever recreated).
    search_text = models.TextField(editable=False, blank=True)
    search_vector = SearchVectorField(editable=False, null=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text=(
            "Readers see the piece once its status is “Published” and this time has come. "
            "Leave blank to publish now; a future time schedules it."
        ),
    )
    review_note = models.TextField(
        blank=True,
        help_text="The medical reviewer's comments when sending a piece back to its author.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    medical_reviewer = models.ForeignKey(
        Author,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text="The clinician who checked the piece, shown to readers with their credentials.",
    )
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        help_text="When the medical review was done.",
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the piece is next due for a medical review. Set from a new review date (a year later, "
        "give or take two weeks so that pieces reviewed together fall due on different days); change it "
        "after saving the review date if this piece needs an earlier look. Past it, readers are told the "
        "review is due.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counts saves; guards against overwrites."
    )
    series = models.ForeignKey(
        Series,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pieces",
        help_text="If the piece is one part of a series.",
    )
    series_part = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Its place in the series: 1 for the first part, 2 for the next…"
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles", blank=True)
    references = models.ManyToManyField(Reference, through="Citation", related_name="articles", blank=True)
    tags = TaggableManager(through=TaggedArticle, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-id"]
        permissions = [
            ("publish_article", "Can publish, unpublish, schedule and archive pieces"),
            ("review_article", "Can approve pieces in review or send them back"),
        ]
        indexes = [
            # The public lists: published pieces, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="article_public_order"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, sync_citations=True, **kwargs):
        """Save, render the body, and bring the reference list in step with what the body cites.

        The admin passes ``sync_citations=False`` and syncs once its inline rows
        are saved, so that the editor's own additions are kept. A body citing an
        unknown key raises ``CitationKeyError`` and nothing is saved.
        """
        rendered = self.derive()
        self.revision += 1
        uploaded = bool(self.lead_image) and not self.lead_image._committed
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if uploaded or (not self.lead_image and self.lead_image_renditions):
                self.lead_image_renditions = make_renditions(self.lead_image)
                Article.objects.filter(pk=self.pk).update(lead_image_renditions=self.lead_image_renditions)
            if sync_citations:
                self.sync_citations(rendered)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # What a save compares with, to tell a new review date (Django's documented hook for this).
        article._loaded_review = (
            article.__dict__.get("last_reviewed", models.DEFERRED),
            article.__dict__.get("next_review_due", models.DEFERRED),
        )
        return article

    def derive(self):
        """Fill the fields worked out from the others and return the rendered body (for its citations).

        A published piece without a date is dated now; the body is rendered to HTML. The one
        derivation: save() runs it, and so does anything that writes pieces in bulk.
        """
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        loaded_reviewed, loaded_due = getattr(self, "_loaded_review", (None, None))
        new_review = self.last_reviewed != loaded_reviewed and self.next_review_due == loaded_due
        if self.last_reviewed and (self.next_review_due is None or new_review):
            self.next_review_due = review_due_after(self.last_reviewed, self.slug)
        rendered = render_article_body(self.body)
        self.body_html, self.sections = rendered.html, rendered.sections
        return rendered

    def clean(self):
        if missing := unknown_keys(render_article_body(self.body).cited_keys):
            raise ValidationError({"body": CitationKeyError(missing)})
        if self.last_reviewed and self.last_reviewed > timezone.localdate():
            raise ValidationError({"last_reviewed": "A review date cannot be in the future."})
        if self.last_reviewed and not self.medical_reviewer_id:
            raise ValidationError({"medical_reviewer": "Name the reviewer whose review this date records."})
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError({"lead_image_alt": "Describe the image for readers who cannot see it."})
        if self.series_part and not self.series_id:
            raise ValidationError({"series": "Choose the series this is a part of, or clear the part number."})

    def series_neighbours(self):
        """(part number, previous public part, next public part, the scheduled part after the last public
        one) for a piece in a series; None for one that is not."""
        if self.series_id is None:
            return None
        parts = list(self.series.parts().only("title", "slug", "series_part", "published_at"))
        ids = [part.pk for part in parts]
        if self.pk not in ids:  # a preview of a part not yet public
            return {
                "number": None,
                "previous": parts[-1] if parts else None,
                "next": None,
                "coming": None,
                "count": len(parts),
            }
        at = ids.index(self.pk)
        following = parts[at + 1] if at + 1 < len(parts) else None
        return {
            "number": at + 1,
            "count": len(parts),
            "previous": parts[at - 1] if at else None,
            "next": following,
            "coming": None if following else self.series.coming_next(),
        }

    @property
    def lead_image_srcset(self):
        return srcset(self.lead_image_renditions)

    @property
    def review_overdue(self):
        """No medical review on record, or its next one is due."""
        return self.last_reviewed is None or (
            self.next_review_due is not None and self.next_review_due <= timezone.localdate()
        )

    def public_changes(self):
        """The change log readers see, newest first (uses the prefetch of ``for_page`` when present)."""
        return list(self.change_notes.all())

    @property
    def date_modified(self):
        """When the piece last changed for readers: its newest change-log line, else its publication."""
        changes = self.public_changes()
        if changes:
            return changes[0].date
        return self.published_at.date() if self.published_at else None

    def sync_citations(self, rendered=None):
        """Number the reference list: cited works in order of first citation, then the others as they were.

        Returns the keys of references the text cites that were not in the list before.
        """
        rendered = rendered or render_article_body(self.body)
        references = dict(Reference.objects.filter(key__in=rendered.cited_keys).values_list("key", "pk"))
        if missing := [key for key in rendered.cited_keys if key not in references]:
            raise CitationKeyError(missing)
        current = list(self.citations.order_by("position", "id").values_list("reference_id", "position", "times_cited"))
        wanted = number_citations(rendered, references, [reference_id for reference_id, _, _ in current])
        if wanted != current:
            self.citations.all().delete()
            Citation.objects.bulk_create(
                Citation(article=self, reference_id=reference_id, position=position, times_cited=times_cited)
                for reference_id, position, times_cited in wanted
            )
        listed_before = {reference_id for reference_id, _, _ in current}
        return [key for key in rendered.cited_keys if references[key] not in listed_before]

    @property
    def credited_authors(self):
        """The authors in byline order (uses the prefetch from ``with_cards`` when present)."""
        return [byline.author for byline in self.bylines.all()]


@reversion.register()
class Byline(models.Model):
    """An author's credit on an article, in the order the byline lists them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"],
                name="byline_unique_author",
                violation_error_message="This author is already credited on the article.",
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.author}"


def review_due_after(reviewed, slug):
    """A review's next due date: ``REVIEW_INTERVAL_DAYS`` later, moved by up to two weeks either way by the
    piece's slug, so that pieces reviewed the same week fall due on different days (the same piece always
    on the same one)."""
    stagger = zlib.crc32((slug or "").encode()) % 29 - 14
    return reviewed + datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS + stagger)


@reversion.register()
class ChangeNote(models.Model):
    """One line of a piece's public change log: what changed and why, in the editors' words. The private
    revision history keeps every save; this keeps what readers should know."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="change_notes")
    date = models.DateField(default=timezone.localdate)
    note = models.CharField(
        max_length=300, help_text="One line for readers, e.g. “Added the 2023 trial; conclusion unchanged.”"
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "change-log line"
        verbose_name_plural = "public change log"

    def __str__(self):
        return f"{self.date}: {self.note}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "A change cannot be dated in the future."})


@reversion.register()
class Citation(models.Model):
    """A reference an article rests on; its position gives the number readers see."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="citations")
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text="Works the text cites are numbered by first citation; the others follow in this order.",
    )
    times_cited = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="How often the text cites the work; 0 if it is only listed."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reference"],
                name="citation_unique_reference",
                violation_error_message="This reference is already in the article's list.",
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.reference.key}"

    @property
    def backlinks(self):
        """(label, anchor) for each place the text cites this work: one arrow, or a, b, c… for several."""
        anchors = [f"cite-{self.position}-{n}" for n in range(1, self.times_cited + 1)]
        if len(anchors) == 1:
            return [("↑", anchors[0])]
        return [(chr(ord("a") + i) if i < 26 else str(i + 1), anchor) for i, anchor in enumerate(anchors)]
