"""Generated references and study records in bulk, for the benchmarks and the scale tests.

Every value comes from a seeded random generator, so the same seed gives the same
library. Rows are written with ``bulk_create``, after each object's own ``derive()``
has filled what saving would fill (the formatted citations; a report's effect), so
nothing here restates a derivation. Formatting citations is the slow part:
``derive_references`` can spread it over several processes.

Generated records are easy to tell apart: citation keys end in ``-g<number>``,
study slugs start with ``generated-study-``, DOIs use the 10.5555 test prefix and
web addresses the example.org domain.
"""

import multiprocessing
import random
from decimal import Decimal

from django.db import connections, transaction
from django.utils.text import slugify

from references.models import Condition, Outcome, OutcomeResult, Reference, RiskOfBias, Study, StudyReport

CONDITIONS = [
    "Fibromyalgia",
    "Chronic fatigue syndrome",
    "Multiple sclerosis",
    "Crohn's disease",
    "Complex regional pain syndrome",
    "Long COVID",
    "Diabetic neuropathy",
    "Ulcerative colitis",
]
DOSES = [Decimal("0.5"), Decimal("1.5"), Decimal(3), Decimal("3.5"), Decimal("4.5"), Decimal("4.5"), Decimal(50)]
SURNAMES = [
    "Younger",
    "Mackey",
    "Bolton",
    "Parkitny",
    "Metyas",
    "Smith",
    "Polo",
    "Kim",
    "Jonsson",
    "Ploesser",
    "Okafor",
    "Nakamura",
    "García",
    "Lindqvist",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Chen",
    "Murphy",
    "Novak",
    "Petersen",
    "Silva",
    "Walker",
    "Ahmed",
    "O'Brien",
    "Schmidt",
    "Tanaka",
    "Moreau",
    "Ivanova",
]
JOURNALS = [
    ("Pain Medicine", 0.4),
    ("Arthritis & Rheumatology", 0.1),
    ("Clinical Rheumatology", 0.15),
    ("Journal of Pain Research", 0.2),
    ("The Clinical Journal of Pain", 0.1),
    ("Multiple Sclerosis Journal", 0.05),
    ("Inflammatory Bowel Diseases", 0.05),
    ("Frontiers in Neurology", 0.1),
    ("BMJ Open", 0.1),
    ("Journal of Clinical Medicine", 0.1),
    ("Rheumatology International", 0.05),
    ("Brain, Behavior, and Immunity", 0.05),
]
MEETINGS = [
    "American Academy of Pain Medicine Annual Meeting",
    "American College of Rheumatology Convergence",
    "European Congress of Rheumatology (EULAR)",
    "World Congress on Pain",
    "ECTRIMS Congress",
]
OUTLETS = ["Medscape", "Reuters Health", "The Guardian", "Healio Rheumatology", "STAT", "New Scientist"]
SITES = ["LDN Research Trust", "Fibromyalgia Action UK", "National Fibromyalgia Association", "ME Association"]
PUBLISHERS = ["Oxford University Press", "Springer", "Elsevier", "CRC Press"]
TITLE_STARTS = [
    "Low-dose naltrexone for",
    "Effects of low-dose naltrexone on",
    "Naltrexone at low doses in",
    "Glial modulation and",
    "Opioid antagonists at low dose for",
    "Inflammatory markers in",
    "Sleep and fatigue in",
    "Pain sensitivity in",
    "Long-term outcomes of low-dose naltrexone in",
    "Off-label prescribing of naltrexone for",
]
TITLE_ENDS = [
    "a randomized, placebo-controlled crossover trial",
    "a pilot study",
    "an open-label trial",
    "a retrospective cohort study",
    "a systematic review",
    "a case series",
    "results from a registry",
    "a survey of prescribers",
    "a double-blind trial",
    "a narrative review",
]
KINDS = [
    (Reference.Kind.JOURNAL_ARTICLE, 74),
    (Reference.Kind.CONFERENCE_ABSTRACT, 10),
    (Reference.Kind.NEWS_ARTICLE, 8),
    (Reference.Kind.WEBSITE, 4),
    (Reference.Kind.BOOK, 4),
]
# The first number a generated PubMed ID takes (real PMIDs are far below it; it fits the column's nine digits).
PMID_BASE = 900_000_000


def generate_studies(count, seed=1, format_citations=False):
    """Create ``count`` studies, each with one or two reports (and their references); return the studies."""
    rng = random.Random(seed)
    with transaction.atomic():
        conditions = ensure_conditions()
        first = Study.objects.count()
        studies, references, reports, links = [], [], [], []
        for n in range(first, first + count):
            study, chosen = _study(rng, n + 1, conditions)
            studies.append(study)
            links.extend((study, condition) for condition in chosen)
            year = rng.randint(1995, 2025)
            for stage in range(rng.choice([1, 1, 1, 2])):
                reference = Reference(
                    key=f"gen{n + 1}{'ab'[stage]}",
                    kind=Reference.Kind.JOURNAL_ARTICLE if stage == 0 else Reference.Kind.CONFERENCE_ABSTRACT,
                    title=f"Low-dose naltrexone in a generated trial, report {n + 1}{'ab'[stage]}",
                    authors=f"{rng.choice(SURNAMES)} A, {rng.choice(SURNAMES)} B",
                    container="Journal of Generated Results",
                    year=year - stage,
                )
                if format_citations:
                    reference.derive()
                references.append(reference)
                reports.append((study, reference, _report(rng, is_main=stage == 0)))
        Reference.objects.bulk_create(references, batch_size=500)
        _write_studies(studies, reports, links)
    return studies


def build_references(rng, numbers):
    """Unsaved references numbered ``numbers``: mostly journal papers, with abstracts, news, web pages and books."""
    kinds, weights = zip(*KINDS, strict=True)
    journals, journal_weights = zip(*JOURNALS, strict=True)
    references = []
    for n in numbers:
        kind = rng.choices(kinds, weights)[0]
        surnames = rng.sample(SURNAMES, rng.choice([1, 2, 2, 3, 4, 6, 8]))
        year = 2026 - int(rng.triangular(0, 40, 3))
        reference = Reference(
            key=f"{slugify(surnames[0]).replace('-', '')}{year}-g{n}",
            kind=kind,
            title=f"{rng.choice(TITLE_STARTS)} {rng.choice(CONDITIONS).lower()}: {rng.choice(TITLE_ENDS)}",
            authors=", ".join(f"{surname} {rng.choice('ABCDEFGHJKLMNPRSTW')}" for surname in surnames),
            year=year,
            revision=1,
        )
        if kind == Reference.Kind.JOURNAL_ARTICLE:
            first_page = rng.randint(1, 1800)
            reference.container = rng.choices(journals, journal_weights)[0]
            reference.volume = str(max(1, year - 1980 + rng.randint(0, 20)))
            reference.issue = str(rng.randint(1, 12))
            reference.pages = f"{first_page}-{first_page + rng.randint(4, 20)}"
            if rng.random() < 0.85:
                reference.doi = f"10.5555/ldn.{n}"
            if rng.random() < 0.6:
                reference.pmid = str(PMID_BASE + n)
        elif kind == Reference.Kind.CONFERENCE_ABSTRACT:
            reference.container = rng.choice(MEETINGS)
        elif kind == Reference.Kind.NEWS_ARTICLE:
            reference.container = rng.choice(OUTLETS)
            reference.authors = reference.authors if rng.random() < 0.6 else ""
            reference.url = f"https://news.example.org/{year}/ldn-{n}"
        elif kind == Reference.Kind.WEBSITE:
            reference.container = rng.choice(SITES)
            reference.authors = ""
            reference.url = f"https://www.example.org/ldn/{n}"
        else:
            reference.container = rng.choice(PUBLISHERS)
        if rng.random() < 0.05:
            reference.note = "Free registration required."
        references.append(reference)
    return references


def _derived(reference):
    reference.derive()
    return reference


def derive_references(references, jobs=1):
    """Run each unsaved reference's ``derive()``, in ``jobs`` processes when there are many; return them.

    Worker processes are forked: the database connections are closed first, so
    call this outside a transaction.
    """
    if jobs > 1 and len(references) >= 1000:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_derived, references, chunksize=250)
    return [_derived(reference) for reference in references]


def attach_studies(rng, references, share, first_number):
    """Write a study for about ``share`` of the saved journal papers given, some also reported in an abstract.

    Returns how many studies were written.
    """
    conditions = ensure_conditions()
    abstracts = [reference for reference in references if reference.kind == Reference.Kind.CONFERENCE_ABSTRACT]
    studies, reports, links = [], [], []
    for reference in references:
        if reference.kind != Reference.Kind.JOURNAL_ARTICLE or rng.random() >= share:
            continue
        study, chosen = _study(rng, first_number + len(studies), conditions)
        studies.append(study)
        links.extend((study, condition) for condition in chosen)
        reports.append((study, reference, _report(rng, is_main=True)))
        if abstracts and rng.random() < 0.25:
            reports.append((study, abstracts.pop(), _report(rng, is_main=False)))
    _write_studies(studies, reports, links)
    return len(studies)


def ensure_conditions():
    existing = {condition.name: condition for condition in Condition.objects.filter(name__in=CONDITIONS)}
    missing = [Condition(name=name, slug=slugify(name)) for name in CONDITIONS if name not in existing]
    Condition.objects.bulk_create(missing)
    return list(Condition.objects.filter(name__in=CONDITIONS).order_by("name"))


def _study(rng, number, conditions):
    """An unsaved study numbered ``number``, and the conditions it is about."""
    design = rng.choice(Study.Design.values)
    study = Study(
        title=f"{rng.choice(SURNAMES)} {design.replace('-', ' ')} of LDN, number {number}",
        slug=f"generated-study-{number}",
        design=design,
        blinding=rng.choice(Study.Blinding.values),
        population="Adults with the condition",
        dose_mg=rng.choice(DOSES),
        frequency=Study.Frequency.DAILY,
        comparator=rng.choice(["Placebo", "Placebo", "Usual care", ""]),
        duration_weeks=Decimal(rng.choice([4, 8, 10, 12, 16, 24])),
        primary_outcome="Pain",
    )
    return study, rng.sample(conditions, rng.choice([1, 1, 2]))


def _report(rng, is_main):
    effect = Decimal(rng.randint(-150, 500)) / 10 if rng.random() > 0.1 else None
    return StudyReport(
        is_main=is_main,
        participants=rng.randint(8, 400),
        sex=rng.choice(StudyReport.Sex.values),
        effect_pct=effect,
        p_value=Decimal(rng.randint(1, 500)) / 1000 if effect is not None else None,
        result="Generated.",
    )


def ensure_outcomes():
    """The outcomes generated data are on: pain (lower is better) and responders (higher is better)."""
    pain, _ = Outcome.objects.get_or_create(slug="pain", defaults={"name": "Pain", "position": 10})
    responders, _ = Outcome.objects.get_or_create(
        slug="responders", defaults={"name": "Responders", "position": 20, "better": Outcome.Direction.HIGHER}
    )
    return pain, responders


def _outcome_results(rng, report, pain, responders):
    """A main report's data on pain (means and SDs, or an effect with its CI, or words) and on responders."""
    on_drug = report.participants // 2
    on_comparator = report.participants - on_drug
    results = []
    shape = rng.random()
    if shape < 0.1:
        results.append(OutcomeResult(report=report, outcome=pain, reported="Pain was lower on naltrexone."))
    elif shape < 0.25:
        effect = Decimal(rng.randint(-200, 50)) / 100
        half = Decimal(rng.randint(20, 120)) / 100
        results.append(
            OutcomeResult(
                report=report, outcome=pain, measure="MD", effect=effect, ci_low=effect - half, ci_high=effect + half
            )
        )
    elif on_drug >= 2 and on_comparator >= 2:
        comparator = Decimal(rng.randint(-200, -20)) / 100
        results.append(
            OutcomeResult(
                report=report,
                outcome=pain,
                measure="MD",
                mean_int=comparator - Decimal(rng.randint(-50, 150)) / 100,
                sd_int=Decimal(rng.randint(120, 250)) / 100,
                n_int=on_drug,
                mean_ctl=comparator,
                sd_ctl=Decimal(rng.randint(120, 250)) / 100,
                n_ctl=on_comparator,
            )
        )
    if rng.random() < 0.6:
        results.append(
            OutcomeResult(
                report=report,
                outcome=responders,
                measure="RR",
                events_int=rng.randint(0, on_drug),
                total_int=on_drug,
                events_ctl=rng.randint(0, on_comparator),
                total_ctl=on_comparator,
            )
        )
    for result in results:
        result.clean()  # generated data pass the checks editors' data pass
    return results


def _write_studies(studies, reports, links):
    """Save studies, then their reports (study, reference, report) and condition links (study, condition),
    and the main reports' outcome data (from a generator of their own, seeded by the first study, so that
    adding them changed nothing else a seed gives)."""
    Study.objects.bulk_create(studies, batch_size=500)
    for study, reference, report in reports:
        report.study, report.reference = study, reference
        report.derive_effect()
    StudyReport.objects.bulk_create([report for _, _, report in reports], batch_size=500)
    Study.conditions.through.objects.bulk_create(
        [Study.conditions.through(study=study, condition=condition) for study, condition in links], batch_size=500
    )
    pain, responders = ensure_outcomes()
    rng = random.Random(f"outcomes of {studies[0].slug}" if studies else "")
    OutcomeResult.objects.bulk_create(
        [
            result
            for _, _, report in reports
            if report.is_main and report.participants
            for result in _outcome_results(rng, report, pain, responders)
        ],
        batch_size=500,
    )
    RiskOfBias.objects.bulk_create(
        [_risk_of_bias(rng, report) for _, _, report in reports if report.is_main and rng.random() < 0.6],
        batch_size=500,
    )


def _risk_of_bias(rng, report):
    """A main report's RoB 2 judgement: each domain drawn, the overall one following RoB 2's rule."""
    judged = {name: rng.choice(["low", "low", "some", "high"]) for name, _ in RiskOfBias.DOMAINS}
    values = set(judged.values())
    overall = "high" if "high" in values else "some" if "some" in values else "low"
    supports = {f"{name}_support": "Generated." for name in judged}
    judgement = RiskOfBias(report=report, overall=overall, overall_support="Generated.", **judged, **supports)
    judgement.clean()
    return judgement
