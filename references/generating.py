"""Deterministic, realistic study records in bulk, for the benchmarks and the scale tests.

Every value comes from a seeded random generator, so the same seed gives the same
table. Objects are written with ``bulk_create`` in a handful of queries; the
formatted citations (``ama_html``, ``vancouver_html``) are only filled in when
asked, as formatting is the slow part and the evidence pages do not print them.
"""

import random
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from .models import Condition, Reference, Study, StudyReport
from .styles import format_reference

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
SURNAMES = ["Younger", "Mackey", "Bolton", "Parkitny", "Metyas", "Smith", "Polo", "Kim", "Jonsson", "Ploesser"]


def generate_studies(count, seed=1, format_citations=False):
    """Create ``count`` studies, each with one or two reports (and their references); return the studies."""
    rng = random.Random(seed)
    with transaction.atomic():
        conditions = _conditions()
        first = Study.objects.count()
        studies, references, reports, links = [], [], [], []
        for n in range(first, first + count):
            design = rng.choice(Study.Design.values)
            grade = rng.choice([*Study.Grade.values[1:], ""])
            studies.append(
                Study(
                    title=f"{rng.choice(SURNAMES)} {design.replace('-', ' ')} of LDN, number {n + 1}",
                    slug=f"generated-study-{n + 1}",
                    design=design,
                    blinding=rng.choice(Study.Blinding.values),
                    population="Adults with the condition",
                    dose_mg=rng.choice(DOSES),
                    frequency=Study.Frequency.DAILY,
                    comparator=rng.choice(["Placebo", "Placebo", "Usual care", ""]),
                    duration_weeks=Decimal(rng.choice([4, 8, 10, 12, 16, 24])),
                    primary_outcome="Pain",
                    grade=grade,
                    grade_reason="Generated for testing." if grade else "",
                )
            )
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
                    reference.ama_html = format_reference(reference, "ama")
                    reference.vancouver_html = format_reference(reference, "vancouver")
                references.append(reference)
                effect = Decimal(rng.randint(-150, 500)) / 10 if rng.random() > 0.1 else None
                reports.append(
                    (
                        len(studies) - 1,
                        len(references) - 1,
                        StudyReport(
                            is_main=stage == 0,
                            participants=rng.randint(8, 400),
                            sex=rng.choice(StudyReport.Sex.values),
                            effect_pct=effect,
                            p_value=Decimal(rng.randint(1, 500)) / 1000 if effect is not None else None,
                            result="Generated.",
                        ),
                    )
                )
            links.extend((len(studies) - 1, condition) for condition in rng.sample(conditions, rng.choice([1, 1, 2])))
        Study.objects.bulk_create(studies, batch_size=500)
        Reference.objects.bulk_create(references, batch_size=500)
        for study_index, reference_index, report in reports:
            report.study, report.reference = studies[study_index], references[reference_index]
        StudyReport.objects.bulk_create([report for _, _, report in reports], batch_size=500)
        Study.conditions.through.objects.bulk_create(
            [Study.conditions.through(study=studies[i], condition=condition) for i, condition in links],
            batch_size=500,
        )
    return studies


def _conditions():
    existing = {condition.name: condition for condition in Condition.objects.filter(name__in=CONDITIONS)}
    missing = [Condition(name=name, slug=slugify(name)) for name in CONDITIONS if name not in existing]
    Condition.objects.bulk_create(missing)
    return list(Condition.objects.filter(name__in=CONDITIONS).order_by("name"))
