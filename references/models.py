"""The works the site's evidence pieces cite, and the studies those works report.

A ``Reference`` is one publication (paper, abstract, news piece, website, book).
A ``Study`` is one trial or study, described once with its design; each
``StudyReport`` links it to a reference that reports it, with the figures that
report gives, its outcome data and its risk of bias (``synthesis``).
"""

import datetime
import re
import uuid
from decimal import Decimal

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, FilteredRelation, Q, Value, When
from django.urls import reverse

from .identifiers import DOIField, PMIDField, RegistryIDField, doi_url, pmid_url, registry_name, registry_url
from .styles import format_reference

CITATION_KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_:.\-]*"

citation_key_validator = RegexValidator(
    rf"^{CITATION_KEY_PATTERN}$",
    "A citation key is letters and digits, optionally with - _ : or . inside, e.g. younger2009.",
    code="invalid_key",
)

# Characters RFC 3986 leaves out of addresses; Django's URL check lets some through in the path.
_NOT_IN_ADDRESSES = re.compile(r'[\s"<>\\^`{|}]')


def validate_web_address_characters(value):
    if found := sorted(set(_NOT_IN_ADDRESSES.findall(value))):
        shown = ", ".join("a space" if char.isspace() else char for char in found)
        raise ValidationError(
            f"A web address cannot contain {shown}: copy it again from the browser's address bar.",
            code="invalid_url_characters",
        )


RETRACTION_TYPES = {"retraction", "withdrawal", "removal"}


def notice_key(update):
    """What tells one notice of a reference from another: the notice's DOI and what it does."""
    return (update.get("doi") or "", update.get("type") or "")


def standing(updates):
    """The notices that stand: not set aside by an editor (a notice Crossref links to the wrong work)."""
    return [update for update in updates or [] if not update.get("set_aside")]


def retraction(updates):
    """(date, notice DOI) of the earliest standing retraction among a reference's ``updates``, or (None, "")."""
    retractions = sorted(
        (update.get("date") or "9999-12-31", update.get("doi") or "")
        for update in standing(updates)
        if update.get("type") in RETRACTION_TYPES
    )
    if not retractions:
        return None, ""
    date, notice = retractions[0]
    return (None if date == "9999-12-31" else datetime.date.fromisoformat(date)), notice


class ReferenceQuerySet(models.QuerySet):
    def years(self):
        """The distinct publication years on record, newest first (for the library's filter)."""
        return self.exclude(year=None).order_by("-year").values_list("year", flat=True).distinct()

    def citing_pieces(self):
        """The pieces that cite any of these works, as a queryset of ``articles.Article``.

        The articles app declares the relation (``Article.references``, whose reverse is
        ``Reference.articles``); the library reaches pieces only through it and imports nothing from
        articles, so the dependency between the two apps points one way.
        """
        piece = self.model._meta.get_field("articles").related_model
        return piece.objects.filter(pk__in=piece.objects.filter(references__in=self).values("pk"))


@reversion.register()
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
    url = models.URLField(
        "URL",
        max_length=500,
        blank=True,
        validators=[validate_web_address_characters],
        help_text="Where to read it, if not via the DOI.",
    )
    note = models.TextField(
        blank=True, help_text="Shown to readers under the citation, e.g. “Free registration required.”"
    )
    updates = models.JSONField(
        "notices",
        default=list,
        blank=True,
        editable=False,
        help_text="Retractions, corrections and expressions of concern Crossref records for the DOI "
        "(kept by the retraction check, ``references.living``).",
    )
    retracted_on = models.DateField(null=True, blank=True, editable=False)  # from ``updates``
    retraction_notice = models.CharField(max_length=255, blank=True, editable=False)  # the notice's DOI
    ama_html = models.TextField("AMA citation", editable=False, blank=True)
    vancouver_html = models.TextField("Vancouver citation", editable=False, blank=True)
    search_vector = SearchVectorField(editable=False, null=True)  # kept by articles.search, on PostgreSQL
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counts saves; guards against overwrites."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = [F("year").desc(nulls_last=True), "key"]
        indexes = [
            models.Index(fields=["year", "key"], name="reference_year_key"),
            models.Index(fields=["kind", "year"], name="reference_kind_year"),
            # The sitemap index's size and latest change of the library, from the index alone.
            models.Index(fields=["updated_at"], name="reference_updated_at"),
        ]

    def __str__(self):
        title = self.title if len(self.title) <= 80 else self.title[:79] + "…"
        return f"{self.key}: {title}"

    def save(self, *args, **kwargs):
        self.derive()
        self.revision += 1
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("references:detail", kwargs={"key": self.key})

    def derive(self):
        """Fill the fields worked out from the others: the year from a full date, the formatted citations.

        The one derivation: save() runs it, and so does anything that writes references in bulk.
        """
        self._fill_year_from_date()
        self.retracted_on, self.retraction_notice = retraction(self.updates)
        self.ama_html = format_reference(self, "ama")
        self.vancouver_html = format_reference(self, "vancouver")

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
    def retraction_notice_url(self):
        return doi_url(self.retraction_notice) if self.retraction_notice else ""

    @property
    def retraction_text(self):
        """ "Retracted on 2 January 2024; notice: https://doi.org/…", for exports ("" if not retracted)."""
        if not self.retraction_notice:
            return ""
        when = f" on {self.retracted_on:%-d %B %Y}" if self.retracted_on else ""
        return f"Retracted{when}; notice: {self.retraction_notice_url}"

    @property
    def notices(self):
        """Its standing retractions, corrections and expressions of concern, each with ``date`` as a date."""
        return [
            {**update, "date": datetime.date.fromisoformat(update["date"]) if update.get("date") else None}
            for update in standing(self.updates)
        ]

    @property
    def pmid_url(self):
        return pmid_url(self.pmid) if self.pmid else ""

    @property
    def link(self):
        """Where a reader goes to read the work: its own URL, else its DOI."""
        return self.url or self.doi_url


class ConditionQuerySet(models.QuerySet):
    def with_study_counts(self):
        """Each condition with ``study_count``, the number of studies of it."""
        return self.annotate(study_count=models.Count("studies"))


class Condition(models.Model):
    """An illness studies are about, from a list editors keep: fibromyalgia, multiple sclerosis, …"""

    name = models.CharField(
        max_length=100,
        unique=True,
        error_messages={"unique": "This condition is already on the list."},
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The condition's address on the site, e.g. /conditions/fibromyalgia/.",
        error_messages={"unique": "Another condition already uses this slug; choose a different one."},
    )
    description = models.TextField(
        blank=True, help_text="One or two plain sentences for readers: what the condition is."
    )
    key_messages = models.TextField(
        blank=True,
        help_text="What the evidence says, in plain words, one short message per line; they head the condition's "
        "page, and the home page shows the first. E.g. “Two small trials suggest naltrexone may reduce pain slightly.”",
    )

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("references:condition", kwargs={"slug": self.slug})

    @property
    def key_message_list(self):
        return [line.strip() for line in self.key_messages.splitlines() if line.strip()]


_percentage = [
    MinValueValidator(Decimal(-100), "A percentage runs from −100 to 100."),
    MaxValueValidator(Decimal(100), "A percentage runs from −100 to 100."),
]


# How the evidence table orders risk of bias: RoB 2's judgements and ROBINS-I's, lowest first.
RISK_RANKS = {"low": 1, "some": 2, "moderate": 2, "high": 3, "serious": 3, "critical": 4}


class StudyQuerySet(models.QuerySet):
    def with_figures(self):
        """Each study with its main report's figures as columns, in one join, for tables, charts and glances.

        Adds ``participants``, ``sex``, ``effect_pct`` (with ``intervention_change_pct`` and
        ``comparator_change_pct``, which say whether it is a difference in percentage points),
        ``p_value``, ``p_relation`` and ``year``.
        """
        return self.annotate(
            main_report=FilteredRelation("reports", condition=Q(reports__is_main=True)),
        ).annotate(
            participants=F("main_report__participants"),
            sex=F("main_report__sex"),
            effect_pct=F("main_report__effect_pct"),
            intervention_change_pct=F("main_report__intervention_change_pct"),
            comparator_change_pct=F("main_report__comparator_change_pct"),
            p_value=F("main_report__p_value"),
            p_relation=F("main_report__p_relation"),
            year=F("main_report__reference__year"),
            risk_of_bias=F("main_report__risk_of_bias__overall"),
        )

    def for_table(self):
        """What a row of the evidence table prints and sorts by: the figures, the conditions (one more
        query), and ``risk_rank`` (1 for a low risk of bias … 4 for critical; none when not assessed)."""
        ranks = [When(risk_of_bias=judgement, then=Value(rank)) for judgement, rank in RISK_RANKS.items()]
        return self.with_figures().annotate(risk_rank=Case(*ranks, default=Value(None))).prefetch_related("conditions")

    def at_a_glance(self, article):
        """The article's "evidence at a glance": the studies its references report, oldest first.

        Each study gets ``reference_numbers``, the numbers of the article's references that report
        it, as the reader sees them in its list (which ``with_page`` has fetched already).
        """
        numbers = {citation.reference_id: n for n, citation in enumerate(article.citations.all(), 1)}
        reporting = {}
        for study_id, reference_id in StudyReport.objects.filter(reference__in=numbers).values_list(
            "study_id", "reference_id"
        ):
            reporting.setdefault(study_id, []).append(numbers[reference_id])
        if not reporting:
            return []
        studies = list(self.filter(pk__in=reporting).with_figures().order_by(F("year").asc(nulls_last=True), "title"))
        for study in studies:
            study.reference_numbers = sorted(reporting[study.pk])
        return studies


class Study(models.Model):
    """One trial or study, however many publications report it.

    Editors describe its design once, then add a report for each reference
    that presents it (a conference abstract, then the journal paper), with the
    figures that report gives. The evidence table shows the main report's
    figures; the study's page shows every report side by side.
    """

    class Design(models.TextChoices):
        RANDOMISED = "rct", "Randomised controlled trial"
        CROSSOVER = "crossover", "Crossover trial"
        PILOT = "pilot", "Pilot study"
        OPEN_LABEL = "open-label", "Open-label study"
        OBSERVATIONAL = "observational", "Observational study"
        CASE_SERIES = "case-series", "Case series"
        REVIEW = "review", "Review"
        META_ANALYSIS = "meta-analysis", "Meta-analysis"

    class Blinding(models.TextChoices):
        NOT_REPORTED = "", "Not reported"
        OPEN = "open", "Not blinded"
        SINGLE = "single", "Single-blind"
        DOUBLE = "double", "Double-blind"
        TRIPLE = "triple", "Triple-blind"

    class Frequency(models.TextChoices):
        NOT_REPORTED = "", "Not reported"
        DAILY = "daily", "once a day"
        TWICE_DAILY = "twice-daily", "twice a day"
        WEEKLY = "weekly", "once a week"
        OTHER = "other", "other schedule"

    title = models.CharField(
        max_length=200,
        help_text="A name readers recognise it by, e.g. “Stanford crossover trial of LDN in fibromyalgia”.",
    )
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The study's address on the site, e.g. /studies/stanford-crossover-trial/.",
        error_messages={"unique": "Another study already uses this slug; choose a different one."},
    )
    conditions = models.ManyToManyField(Condition, related_name="studies", help_text="What the participants had.")
    design = models.CharField(max_length=16, choices=Design.choices)
    blinding = models.CharField(max_length=8, choices=Blinding.choices, blank=True)
    population = models.CharField(
        max_length=300, blank=True, help_text="Who took part, e.g. “women with fibromyalgia not taking opioids”."
    )
    intervention = models.CharField(max_length=200, default="Naltrexone, by mouth")
    dose_mg = models.DecimalField(
        "dose (mg)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.01"), "A dose is a positive number of milligrams, e.g. 4.5."),
            MaxValueValidator(Decimal(1000), "A dose of naltrexone is at most a few hundred milligrams."),
        ],
        help_text="Milligrams per dose, e.g. 4.5. For a dose that was stepped up, the highest.",
    )
    frequency = models.CharField(max_length=16, choices=Frequency.choices, blank=True)
    comparator = models.CharField(
        "compared with", max_length=200, blank=True, help_text="e.g. Placebo. Leave blank when there was none."
    )
    duration_weeks = models.DecimalField(
        "duration (weeks)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.1"), "A duration is a positive number of weeks, e.g. 12."),
            MaxValueValidator(Decimal(1000), "A duration is at most 1,000 weeks."),
        ],
        help_text="Weeks on the intervention, e.g. 12.",
    )
    primary_outcome = models.CharField(max_length=300, blank=True, help_text="What the study set out to measure.")
    adverse_effects = models.TextField(blank=True, help_text="Side effects reported, in plain words.")
    registry_id = RegistryIDField(
        "trial registry ID",
        unique=True,
        null=True,
        blank=True,
        help_text="e.g. NCT00568555, or a ClinicalTrials.gov link.",
        error_messages={
            "unique": "Another study already has this registry ID. It is the same trial: add this report to it."
        },
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudyQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "studies"
        indexes = [models.Index(fields=["design"], name="study_design")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("references:study", kwargs={"slug": self.slug})

    @property
    def registry_name(self):
        return registry_name(self.registry_id) if self.registry_id else ""

    @property
    def registry_url(self):
        return registry_url(self.registry_id) if self.registry_id else ""

    @property
    def dose_text(self):
        """“4.5 mg once a day”, as the table prints it."""
        if self.dose_mg is None:
            return ""
        dose = f"{self.dose_mg.normalize():f} mg"
        return f"{dose} {self.get_frequency_display()}" if self.frequency else dose


class StudyReport(models.Model):
    """A reference that reports a study, with the figures this report gives."""

    class Sex(models.TextChoices):
        NOT_REPORTED = "", "Not reported"
        WOMEN = "women", "Women"
        MEN = "men", "Men"
        MIXED = "mixed", "Women and men"

    class Relation(models.TextChoices):
        EQUAL = "=", "="
        BELOW = "<", "<"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="reports")
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="study_reports")
    is_main = models.BooleanField(
        "main report", default=False, help_text="The evidence table shows this report's figures."
    )
    participants = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The number of participants is a whole number above 0.")],
        help_text="As this report counts them.",
    )
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    result = models.TextField(blank=True, help_text="What this report found, in plain words.")
    intervention_change_pct = models.DecimalField(
        "improvement on the intervention (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_percentage,
        help_text="e.g. 28.8 for pain 28.8% lower than at baseline.",
    )
    comparator_change_pct = models.DecimalField(
        "improvement on the comparator (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_percentage,
        help_text="e.g. 18.0 on placebo.",
    )
    effect_pct = models.DecimalField(
        "effect against the comparator (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_percentage,
        help_text=(
            "How much better than the comparator, in percent; negative if worse. "
            "Left blank with both improvements given, it is their difference."
        ),
    )
    p_relation = models.CharField("p", max_length=1, choices=Relation.choices, default=Relation.EQUAL)
    p_value = models.DecimalField(
        "p-value",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.0001"), "A p-value is above 0 and at most 1, e.g. 0.016."),
            MaxValueValidator(Decimal(1), "A p-value is above 0 and at most 1, e.g. 0.016."),
        ],
        help_text="For the effect against the comparator, e.g. 0.016.",
    )

    class Meta:
        ordering = [F("reference__year").asc(nulls_last=True), "reference__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "reference"],
                name="study_report_unique_reference",
                violation_error_message="This reference is already listed as a report of the study.",
            ),
            models.UniqueConstraint(
                fields=["study"],
                condition=Q(is_main=True),
                name="study_report_one_main",
                violation_error_message="A study has one main report.",
            ),
        ]

    def __str__(self):
        return f"{self.study}: {self.reference.key}"

    def save(self, *args, **kwargs):
        self.derive_effect()
        super().save(*args, **kwargs)

    def derive_effect(self):
        """Left blank with both improvements given, the effect is their difference. Run by save(),
        so a report saved by an import, a script or the shell gets it too; and by clean(), so the
        admin's form shows it."""
        if self.effect_pct is None and None not in (self.intervention_change_pct, self.comparator_change_pct):
            self.effect_pct = self.intervention_change_pct - self.comparator_change_pct

    def clean(self):
        self.derive_effect()
        if self.p_relation == self.Relation.BELOW and self.p_value is None:
            raise ValidationError({"p_value": "Give the p-value that the result is below, e.g. 0.05."})

    @property
    def p_text(self):
        """“P = 0.016”, as journals print it."""
        return f"P {self.p_relation} {self.p_value.normalize():f}" if self.p_value is not None else ""


class ImportJob(models.Model):
    """A reference file an editor confirmed importing, and how far the import has got.

    Every confirmed import is one: a small file is imported during the request, a large one by a
    background worker (``references.tasks.import_file``) while the admin shows its progress. The file's
    text is kept until the import ends, for a retry to plan it again; what was left out is kept with
    its reasons and its text as the file had it, to download and fix."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, help_text="The key of references.formats.FORMATS the file is read as.")
    text = models.TextField(blank=True)
    partial = models.BooleanField(default=False, help_text="Leave out invalid entries instead of refusing the file.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    to_save = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    left_out = models.JSONField(default=list, blank=True)  # [{"where": …, "problems": […], "source": …}, …]
    problems = models.JSONField(default=list, blank=True)  # why a failed import was refused
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("admin:references_reference_import_job", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        return 100 if self.finished else int(100 * self.saved / self.to_save) if self.to_save else 0


from .living.models import Finding, SavedSearch, TrialRecord  # noqa: E402,F401  (their own module, this app)
from .synthesis.models import Certainty, Outcome, OutcomeResult, RiskOfBias  # noqa: E402,F401  (their own module, this app)
