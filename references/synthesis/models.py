"""Outcomes, and what each study report measured on them.

An ``Outcome`` is one of a short list editors keep (pain, fatigue, sleep, adverse events…), with the
direction that is good for patients. An ``OutcomeResult`` is one report's data on one outcome, in one
of three kinds: counts per arm (dichotomous), means with SDs per arm (continuous), or an effect the
report gives with its 95% CI. What the report says in words is kept too, so that a result the
figures do not allow to analyse is still on record, and shown as such.
"""

from django.core.exceptions import ValidationError
from django.db import models


class Outcome(models.Model):
    """What is measured: "Pain", "Fatigue", "Adverse events"…; the same list for every condition."""

    class Direction(models.TextChoices):
        LOWER = "lower", "Lower is better (a pain score, adverse events, dropouts)"
        HIGHER = "higher", "Higher is better (responders, quality of life)"

    name = models.CharField(
        max_length=100, unique=True, error_messages={"unique": "This outcome is already on the list."}
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        error_messages={"unique": "Another outcome already uses this slug; choose a different one."},
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="What is measured, for readers, e.g. “Average daily pain, 0 to 10”."
    )
    better = models.CharField(
        "which way is better",
        max_length=8,
        choices=Direction.choices,
        default=Direction.LOWER,
        help_text="Decides which side of the forest plot favours naltrexone.",
    )
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Outcomes are shown in this order (smallest first), then by name."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


def _decimal(**options):
    return models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True, **options)


def _count(verbose_name):
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


class OutcomeResult(models.Model):
    """One study report's data on one outcome."""

    class Measure(models.TextChoices):
        RR = "RR", "Risk ratio"
        OR = "OR", "Odds ratio"
        RD = "RD", "Risk difference"
        MD = "MD", "Mean difference"
        SMD = "SMD", "Standardised mean difference (Hedges’ g)"

    RATIOS = {Measure.RR, Measure.OR}
    FOR_COUNTS = {Measure.RR, Measure.OR, Measure.RD}
    FOR_MEANS = {Measure.MD, Measure.SMD}

    class Kind(models.TextChoices):
        COUNTS = "counts", "Events and totals per arm"
        MEANS = "means", "Means, SDs and numbers per arm"
        EFFECT = "effect", "An effect with its 95% CI"
        WORDS = "words", "Reported in words only"

    COUNT_FIELDS = ("events_int", "total_int", "events_ctl", "total_ctl")
    MEAN_FIELDS = ("mean_int", "sd_int", "n_int", "mean_ctl", "sd_ctl", "n_ctl")
    EFFECT_FIELDS = ("effect", "ci_low", "ci_high")

    report = models.ForeignKey("references.StudyReport", on_delete=models.CASCADE, related_name="outcome_results")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="results")
    measure = models.CharField(
        max_length=4,
        choices=Measure.choices,
        blank=True,
        help_text="How the effect is expressed. Counts: RR, OR or RD. Means: MD, or SMD when studies use "
        "different scales.",
    )
    paired = models.BooleanField(
        "crossover or paired",
        default=False,
        help_text="Both arms are the same people (a crossover trial). Prefer the paired effect with its CI "
        "when the report gives one.",
    )
    timepoint = models.CharField(max_length=100, blank=True, help_text="When it was measured, e.g. “12 weeks”.")
    scale = models.CharField(
        max_length=100, blank=True, help_text="For means: the scale and its range, e.g. “0–10 numeric rating scale”."
    )
    change_scores = models.BooleanField(
        "change from baseline", default=False, help_text="The means are changes from baseline, not final values."
    )
    events_int = _count("events on naltrexone")
    total_int = _count("people on naltrexone")
    events_ctl = _count("events on the comparator")
    total_ctl = _count("people on the comparator")
    mean_int = _decimal(verbose_name="mean on naltrexone")
    sd_int = _decimal(verbose_name="SD on naltrexone")
    n_int = _count("number on naltrexone")
    mean_ctl = _decimal(verbose_name="mean on the comparator")
    sd_ctl = _decimal(verbose_name="SD on the comparator")
    n_ctl = _count("number on the comparator")
    effect = _decimal(verbose_name="reported effect")
    ci_low = _decimal(verbose_name="95% CI from")
    ci_high = _decimal(verbose_name="95% CI to")
    reported = models.TextField(
        "as reported",
        blank=True,
        help_text="What the report says, in its own figures, e.g. “pain fell 28.8% on naltrexone and 18.0% on "
        "placebo (P = 0.016)”. Required when the figures above are not given.",
    )

    class Meta:
        ordering = ["outcome", "report"]
        verbose_name = "outcome data"
        verbose_name_plural = "outcome data"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "outcome"],
                name="outcome_result_one_per_report",
                violation_error_message="This report already has data on this outcome: change that row instead.",
            )
        ]

    def __str__(self):
        return f"{self.outcome}: {self.report}"

    @property
    def kind(self):
        """Which of the three kinds of data is complete, or WORDS when none is."""
        if self._complete(self.COUNT_FIELDS):
            return self.Kind.COUNTS
        if self._complete(self.MEAN_FIELDS):
            return self.Kind.MEANS
        if self._complete(self.EFFECT_FIELDS):
            return self.Kind.EFFECT
        return self.Kind.WORDS

    @property
    def figures(self):
        """The data as entered, for a study's page: “12/30 vs 5/30”, “−2.1 (SD 1.8, n = 30) vs …”,
        “MD −1.1 (95% CI −1.9 to −0.3)”; "" for a result in words."""

        def n(value):
            return f"{value.normalize():f}".replace("-", "−") if hasattr(value, "normalize") else str(value)

        kind = self.kind
        if kind == self.Kind.COUNTS:
            return f"{self.events_int}/{self.total_int} on naltrexone vs {self.events_ctl}/{self.total_ctl}"
        if kind == self.Kind.MEANS:
            return (
                f"{n(self.mean_int)} (SD {n(self.sd_int)}, n = {self.n_int}) on naltrexone vs "
                f"{n(self.mean_ctl)} (SD {n(self.sd_ctl)}, n = {self.n_ctl})"
            )
        if kind == self.Kind.EFFECT:
            return f"{self.measure} {n(self.effect)} (95% CI {n(self.ci_low)} to {n(self.ci_high)})"
        return ""

    def get_kind_display(self):
        return self.Kind(self.kind).label

    def _complete(self, names):
        return all(getattr(self, name) is not None for name in names)

    def _given(self, names):
        return [name for name in names if getattr(self, name) is not None]

    def clean(self):
        errors = {}
        given = {
            kind: self._given(names)
            for kind, names in (
                (self.Kind.COUNTS, self.COUNT_FIELDS),
                (self.Kind.MEANS, self.MEAN_FIELDS),
                (self.Kind.EFFECT, self.EFFECT_FIELDS),
            )
        }
        started = [kind for kind, names in given.items() if names]
        if len(started) > 1:
            raise ValidationError(
                "Enter one kind of data: counts per arm, or means and SDs per arm, or an effect with its 95% CI; "
                f"this row has {' and '.join(str(self.Kind(kind).label).lower() for kind in started)}."
            )
        if started:
            kind = started[0]
            names = {self.Kind.COUNTS: self.COUNT_FIELDS, self.Kind.MEANS: self.MEAN_FIELDS}.get(
                kind, self.EFFECT_FIELDS
            )
            for name in names:
                if getattr(self, name) is None:
                    errors[name] = f"Give this too: {str(self.Kind(kind).label).lower()} need all of them."
        elif not self.reported.strip():
            errors["reported"] = (
                "Enter the figures (counts, means with SDs, or an effect with its CI), or say in words what the "
                "report found."
            )
        if errors:
            raise ValidationError(errors)
        if not started:
            return
        kind = started[0]
        if not self.measure:
            raise ValidationError({"measure": "Choose how the effect is expressed, e.g. RR for counts, MD for means."})
        if kind == self.Kind.COUNTS:
            self._check_counts(errors)
        elif kind == self.Kind.MEANS:
            self._check_means(errors)
        else:
            self._check_effect(errors)
        if errors:
            raise ValidationError(errors)

    def _check_counts(self, errors):
        if self.measure not in self.FOR_COUNTS:
            errors["measure"] = "Counts give a risk ratio (RR), an odds ratio (OR) or a risk difference (RD)."
        for arm, events, total in (
            ("naltrexone", "events_int", "total_int"),
            ("the comparator", "events_ctl", "total_ctl"),
        ):
            if getattr(self, total) == 0:
                errors[total] = f"The number of people on {arm} is above 0."
            elif getattr(self, events) > getattr(self, total):
                errors[events] = (
                    f"{getattr(self, events)} events on {arm} is more than the {getattr(self, total)} people in "
                    "that arm: each person counts once."
                )

    def _check_means(self, errors):
        if self.measure not in self.FOR_MEANS:
            errors["measure"] = "Means give a mean difference (MD) or a standardised mean difference (SMD)."
        for name in ("sd_int", "sd_ctl"):
            if getattr(self, name) <= 0:
                errors[name] = (
                    "A standard deviation is above 0. If the report gives a standard error or a CI instead, "
                    "convert it (SD = SE × √n), or enter the effect with its CI."
                )
        for name in ("n_int", "n_ctl"):
            if getattr(self, name) < 2:
                errors[name] = "A mean and an SD need at least 2 people in the arm."

    def _check_effect(self, errors):
        low, estimate, high = self.ci_low, self.effect, self.ci_high
        if self.measure in self.RATIOS and min(low, estimate, high) <= 0:
            errors["effect"] = (
                f"A {self.get_measure_display().lower()} and its CI are above 0 (1 means no difference); "
                "if the report gives its logarithm, enter the ratio itself."
            )
        elif low > high:
            errors["ci_low"] = f"The CI runs from the lower figure to the higher: {high} to {low}, not {low} to {high}."
        elif not low <= estimate <= high:
            errors["effect"] = (
                f"The 95% CI ({low} to {high}) does not contain the effect ({estimate}): check the figures against "
                "the report."
            )
        elif low == high:
            errors["ci_high"] = "A 95% CI has two different ends."

    @property
    def participants(self):
        """People in the analysis of this outcome, where the data say (a crossover counts each person once)."""
        if self.kind == self.Kind.COUNTS:
            arms = (self.total_int, self.total_ctl)
        elif self.kind == self.Kind.MEANS:
            arms = (self.n_int, self.n_ctl)
        else:
            return self.report.participants
        return max(arms) if self.paired else sum(arms)


class RiskOfBias(models.Model):
    """The risk-of-bias judgement of one study report: RoB 2's five domains for a randomised trial, or
    ROBINS-I's overall judgement for a non-randomised study, each with a line saying why."""

    class Tool(models.TextChoices):
        ROB2 = "rob2", "RoB 2 (randomised trials)"
        ROBINS_I = "robins-i", "ROBINS-I (non-randomised studies)"

    class Judgement(models.TextChoices):
        LOW = "low", "Low"
        SOME = "some", "Some concerns"
        HIGH = "high", "High"

    class RobinsJudgement(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        SERIOUS = "serious", "Serious"
        CRITICAL = "critical", "Critical"

    DOMAINS = [
        ("randomisation", "Randomisation process"),
        ("deviations", "Deviations from intended interventions"),
        ("missing", "Missing outcome data"),
        ("measurement", "Measurement of the outcome"),
        ("selection", "Selection of the reported result"),
    ]

    _JUDGED = {"max_length": 4, "choices": Judgement.choices, "blank": True}

    report = models.OneToOneField("references.StudyReport", on_delete=models.CASCADE, related_name="risk_of_bias")
    tool = models.CharField(max_length=8, choices=Tool.choices, default=Tool.ROB2)
    randomisation = models.CharField("D1: randomisation process", **_JUDGED)
    randomisation_support = models.CharField("why", max_length=300, blank=True)
    deviations = models.CharField("D2: deviations from intended interventions", **_JUDGED)
    deviations_support = models.CharField("why", max_length=300, blank=True)
    missing = models.CharField("D3: missing outcome data", **_JUDGED)
    missing_support = models.CharField("why", max_length=300, blank=True)
    measurement = models.CharField("D4: measurement of the outcome", **_JUDGED)
    measurement_support = models.CharField("why", max_length=300, blank=True)
    selection = models.CharField("D5: selection of the reported result", **_JUDGED)
    selection_support = models.CharField("why", max_length=300, blank=True)
    overall = models.CharField(
        max_length=8,
        choices=Judgement.choices + [c for c in RobinsJudgement.choices if c[0] != "low"],
        help_text="RoB 2: low, some concerns or high. ROBINS-I: low, moderate, serious or critical.",
    )
    overall_support = models.CharField(
        "why", max_length=300, help_text="One line, e.g. “Open-label, and pain is self-reported”."
    )

    class Meta:
        verbose_name = "risk of bias"
        verbose_name_plural = "risk of bias"

    def __str__(self):
        return str(self.report)

    @property
    def domains(self):
        """[(name, judgement, label, support)] for RoB 2's five domains."""
        return [
            (
                label,
                getattr(self, name),
                self.Judgement(getattr(self, name)).label if getattr(self, name) else "",
                getattr(self, f"{name}_support"),
            )
            for name, label in self.DOMAINS
        ]

    @property
    def overall_label(self):
        labels = dict(self.Judgement.choices) | dict(self.RobinsJudgement.choices)
        return labels.get(self.overall, "")

    def clean(self):
        errors = {}
        if not self.overall_support.strip():
            errors["overall_support"] = "Say in one line why the study gets this judgement."
        if self.tool == self.Tool.ROBINS_I:
            if self.overall not in self.RobinsJudgement.values:
                errors["overall"] = "ROBINS-I judges low, moderate, serious or critical."
            if any(getattr(self, name) for name, _ in self.DOMAINS):
                errors["tool"] = "The five domains are RoB 2's; for ROBINS-I give the overall judgement only."
            if errors:
                raise ValidationError(errors)
            return
        for name, label in self.DOMAINS:
            if not getattr(self, name):
                errors[name] = f"Judge “{label.lower()}”: low, some concerns or high."
            elif not getattr(self, f"{name}_support").strip():
                errors[f"{name}_support"] = "Say in one line why."
        if self.overall not in self.Judgement.values:
            errors["overall"] = "RoB 2 judges low, some concerns or high."
        if errors:
            raise ValidationError(errors)
        judged = {getattr(self, name) for name, _ in self.DOMAINS}
        if self.Judgement.HIGH in judged and self.overall != self.Judgement.HIGH:
            errors["overall"] = "A domain at high risk makes the overall risk high (RoB 2's rule)."
        elif judged == {self.Judgement.LOW} and self.overall != self.Judgement.LOW:
            errors["overall"] = "Every domain is at low risk, so the overall risk is low (RoB 2's rule)."
        elif self.Judgement.SOME in judged and self.overall == self.Judgement.LOW:
            errors["overall"] = (
                "A domain with some concerns makes the overall judgement “some concerns”, or “high” when several "
                "domains together lower confidence substantially (RoB 2's rule)."
            )
        if errors:
            raise ValidationError(errors)


class Certainty(models.Model):
    """How sure we are of the evidence on one outcome in one condition, by GRADE.

    Randomised evidence starts high and observational evidence low; the editor rates it down a level or
    two for each of GRADE's five concerns, with a reason each, and may rate observational evidence up.
    The site suggests some of the ratings from the data (synthesis.grading); the editor decides."""

    class Evidence(models.TextChoices):
        RANDOMISED = "randomised", "Randomised trials (start high)"
        OBSERVATIONAL = "observational", "Observational studies (start low)"

    class Level(models.IntegerChoices):
        VERY_LOW = 1, "Very low"
        LOW = 2, "Low"
        MODERATE = 3, "Moderate"
        HIGH = 4, "High"

    class Effect(models.TextChoices):
        REDUCES = "reduces", "reduces it"
        REDUCES_SLIGHTLY = "reduces-slightly", "reduces it slightly"
        NO_DIFFERENCE = "no-difference", "makes little to no difference"
        INCREASES_SLIGHTLY = "increases-slightly", "increases it slightly"
        INCREASES = "increases", "increases it"

    DOWN = [(0, "Not serious"), (1, "Serious (−1)"), (2, "Very serious (−2)")]
    UP = [(0, "None"), (1, "+1"), (2, "+2")]
    CONCERNS = [
        ("risk_of_bias", "risk of bias"),
        ("inconsistency", "inconsistency"),
        ("indirectness", "indirectness"),
        ("imprecision", "imprecision"),
        ("publication_bias", "publication bias"),
    ]

    condition = models.ForeignKey("references.Condition", on_delete=models.CASCADE, related_name="certainties")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="certainties")
    evidence = models.CharField(max_length=16, choices=Evidence.choices, default=Evidence.RANDOMISED)
    risk_of_bias = models.PositiveSmallIntegerField(choices=DOWN, default=0)
    risk_of_bias_reason = models.CharField(max_length=300, blank=True)
    inconsistency = models.PositiveSmallIntegerField(choices=DOWN, default=0)
    inconsistency_reason = models.CharField(max_length=300, blank=True)
    indirectness = models.PositiveSmallIntegerField(choices=DOWN, default=0)
    indirectness_reason = models.CharField(max_length=300, blank=True)
    imprecision = models.PositiveSmallIntegerField(choices=DOWN, default=0)
    imprecision_reason = models.CharField(max_length=300, blank=True)
    publication_bias = models.PositiveSmallIntegerField(choices=DOWN, default=0)
    publication_bias_reason = models.CharField(max_length=300, blank=True)
    upgrade = models.PositiveSmallIntegerField(
        "rated up", choices=UP, default=0, help_text="Observational evidence only: a large effect, a dose–response."
    )
    upgrade_reason = models.CharField(max_length=300, blank=True)
    effect = models.CharField(
        "what naltrexone does to the outcome",
        max_length=20,
        choices=Effect.choices,
        blank=True,  # only for ratings carried over from single studies' grades, until an editor rates them
        help_text="Judged against the smallest difference that matters to patients; with the certainty it makes "
        "the plain-language statement (“Naltrexone may reduce pain slightly”).",
    )
    comment = models.CharField(max_length=300, blank=True, help_text="Anything else readers should know, in one line.")
    carried_over = models.TextField(
        "grades of single studies",
        blank=True,
        help_text="What editors wrote when each study had its own grade, one line per study, kept for whoever "
        "rates this outcome. Not shown to readers.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["condition", "outcome"]
        verbose_name = "certainty of evidence"
        verbose_name_plural = "certainty of evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "outcome"],
                name="certainty_one_per_condition_outcome",
                violation_error_message="This outcome in this condition is already rated: change that rating.",
            )
        ]

    def __str__(self):
        return f"{self.outcome} in {self.condition}: {self.get_level_display().lower()}"

    @property
    def level(self):
        start = 4 if self.evidence == self.Evidence.RANDOMISED else 2
        down = sum(getattr(self, name) for name, _ in self.CONCERNS)
        return min(4, max(1, start - down + self.upgrade))

    def get_level_display(self):
        return self.Level(self.level).label

    @property
    def reasons(self):
        """[(concern, what was done, reason)] for each concern rated down, and any rating up:
        ("imprecision", "rated down two levels", "One trial of 31 women")."""
        levels = {1: "one level", 2: "two levels"}
        found = [
            (label, f"rated down {levels[getattr(self, name)]}", getattr(self, f"{name}_reason").rstrip(". "))
            for name, label in self.CONCERNS
            if getattr(self, name)
        ]
        if self.upgrade:
            found.append(("", f"rated up {levels[self.upgrade]}", self.upgrade_reason.rstrip(". ")))
        return found

    @property
    def statement(self):
        """GRADE's standard wording for the finding at this certainty (Santesso et al., J Clin Epidemiol 2020)."""
        outcome = self.outcome.name.lower()
        if not self.rated:
            return ""
        if self.level == self.Level.VERY_LOW:
            return f"The evidence is very uncertain about the effect of naltrexone on {outcome}."
        hedge = {self.Level.HIGH: "", self.Level.MODERATE: "probably ", self.Level.LOW: "may "}[self.level]
        modal = self.level == self.Level.LOW  # "may" takes the plain verb; "probably" does not
        verbs = {
            self.Effect.REDUCES: ("reduces", "reduce", ""),
            self.Effect.REDUCES_SLIGHTLY: ("reduces", "reduce", " slightly"),
            self.Effect.INCREASES: ("increases", "increase", ""),
            self.Effect.INCREASES_SLIGHTLY: ("increases", "increase", " slightly"),
        }
        if self.effect == self.Effect.NO_DIFFERENCE:
            verb = "result" if modal else "results"
            return f"Naltrexone {hedge}{verb} in little to no difference in {outcome}."
        third, plain, slightly = verbs[self.effect]
        return f"Naltrexone {hedge}{plain if modal else third} {outcome}{slightly}."

    @property
    def rated(self):
        """Whether an editor has rated this outcome (a rating carried over from study grades is not, yet)."""
        return bool(self.effect)

    def clean(self):
        errors = {}
        if not self.effect:
            errors["effect"] = "Say what naltrexone does to the outcome: with the certainty, it makes the statement."
        for name, label in self.CONCERNS:
            if getattr(self, name) and not getattr(self, f"{name}_reason").strip():
                errors[f"{name}_reason"] = f"Say in one line why the evidence is rated down for {label}."
        if self.upgrade and self.evidence == self.Evidence.RANDOMISED:
            errors["upgrade"] = "Only observational evidence is rated up; randomised evidence starts high."
        elif self.upgrade and not self.upgrade_reason.strip():
            errors["upgrade_reason"] = "Say in one line why the evidence is rated up."
        if errors:
            raise ValidationError(errors)
