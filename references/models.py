"""The works the site's evidence pieces cite: papers, abstracts, news, websites, books."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.urls import reverse

from .identifiers import DOIField, PMIDField, doi_url, pmid_url
from .styles import format_reference

CITATION_KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_:.\-]*"

citation_key_validator = RegexValidator(
    rf"^{CITATION_KEY_PATTERN}$",
    "A citation key is letters and digits, optionally with - _ : or . inside, e.g. younger2009.",
    code="invalid_key",
)


class ReferenceQuerySet(models.QuerySet):
    def years(self):
        """The distinct publication years on record, newest first (for the library's filter)."""
        return self.exclude(year=None).order_by("-year").values_list("year", flat=True).distinct()


class Reference(models.Model):
    """One cited work, described once and cited by any number of articles.

    Editors add a reference with its citation key, then attach it to articles;
    the public sees it in the reference library and in each citing article's
    numbered reference list.
    """

    class Kind(models.TextChoices):
        JOURNAL_ARTICLE = "journal", "Journal article"
        CONFERENCE_ABSTRACT = "abstract", "Conference abstract"
        NEWS_ARTICLE = "news", "News article"
        WEBSITE = "website", "Website"
        BOOK = "book", "Book"

    key = models.CharField(
        "citation key",
        max_length=64,
        unique=True,
        validators=[citation_key_validator],
        help_text="A short, unique name to cite this work by, e.g. younger2009.",
        error_messages={"unique": "Another reference already uses this citation key; choose a different one."},
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.JOURNAL_ARTICLE)
    title = models.CharField(max_length=500)
    authors = models.CharField(
        max_length=1000,
        blank=True,
        help_text="As the work lists them, surname and initials, e.g. “Younger J, Noor N, McCue R, Mackey S”.",
    )
    container = models.CharField(
        "published in",
        max_length=300,
        blank=True,
        help_text="The journal, meeting, news outlet, website or publisher.",
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
        help_text="Year of publication. Filled in from the date when only the date is given.",
    )
    date = models.DateField(
        null=True, blank=True, help_text="The full date, where it matters (a meeting's presentation day, a news story)."
    )
    volume = models.CharField(max_length=32, blank=True)
    issue = models.CharField(max_length=32, blank=True)
    pages = models.CharField(max_length=32, blank=True, help_text="e.g. 663-672")
    doi = DOIField(
        "DOI",
        unique=True,
        null=True,
        blank=True,
        help_text="The bare DOI or a doi.org link, e.g. 10.1002/art.37734; stored as the bare DOI.",
        error_messages={"unique": "Another reference already has this DOI."},
    )
    pmid = PMIDField(
        "PubMed ID",
        unique=True,
        null=True,
        blank=True,
        help_text="The PMID or a PubMed link, e.g. 19453963; stored as the number.",
        error_messages={"unique": "Another reference already has this PubMed ID."},
    )
    url = models.URLField("URL", max_length=500, blank=True, help_text="Where to read it, if not via the DOI.")
    note = models.TextField(
        blank=True, help_text="Shown to readers under the citation, e.g. “Free registration required.”"
    )
    ama_html = models.TextField("AMA citation", editable=False, blank=True)
    vancouver_html = models.TextField("Vancouver citation", editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = [F("year").desc(nulls_last=True), "key"]
        indexes = [
            models.Index(fields=["year", "key"], name="reference_year_key"),
            models.Index(fields=["kind", "year"], name="reference_kind_year"),
        ]

    def __str__(self):
        title = self.title if len(self.title) <= 80 else self.title[:79] + "…"
        return f"{self.key}: {title}"

    def save(self, *args, **kwargs):
        self._fill_year_from_date()
        self.ama_html = format_reference(self, "ama")
        self.vancouver_html = format_reference(self, "vancouver")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("references:detail", kwargs={"key": self.key})

    def clean(self):
        self._check_key_change()
        self._fill_year_from_date()
        if self.date and self.year != self.date.year:
            raise ValidationError(
                {"year": f"The year ({self.year}) does not match the date ({self.date:%d %B %Y}). Correct one of them."}
            )

    def _check_key_change(self):
        """Refuse to rename a key that article texts cite: their [@key] would stop resolving."""
        if self.pk is None:
            return
        old_key = Reference.objects.filter(pk=self.pk).values_list("key", flat=True).first()
        if old_key in (None, self.key):
            return
        citing = self.citations.filter(times_cited__gt=0).order_by("article__title")
        if count := citing.count():
            titles = "; ".join(citing.values_list("article__title", flat=True)[:3]) + ("; …" if count > 3 else "")
            articles = "1 article cites" if count == 1 else f"{count} articles cite"
            raise ValidationError(
                {
                    "key": f"{articles} this reference in the text as [@{old_key}] ({titles}). "
                    "Change those citations first, or keep the key."
                }
            )

    def _fill_year_from_date(self):
        # On clean, so the form shows the year; on save, for code that saves without a form.
        if self.date and self.year is None:
            self.year = self.date.year

    @property
    def doi_url(self):
        return doi_url(self.doi) if self.doi else ""

    @property
    def pmid_url(self):
        return pmid_url(self.pmid) if self.pmid else ""

    @property
    def link(self):
        """Where a reader goes to read the work: its own URL, else its DOI."""
        return self.url or self.doi_url
