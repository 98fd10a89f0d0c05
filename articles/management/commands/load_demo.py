"""Load the site's first evidence pieces, their authors, references, tags, conditions and studies.

Creates what is missing and leaves alone whatever already exists, so it is safe
to run at every start (``make run`` does) and never undoes an editor's change.
The facts come from the project's shared FACTS.md; the wording is our own. Article
bodies live beside this app in ``articles/demo/<slug>.md``.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from articles.models import Article, Author, Byline, Series
from articles.newsletter.models import MailingList
from references.models import (
    Certainty,
    Condition,
    Outcome,
    OutcomeResult,
    Reference,
    RiskOfBias,
    SavedSearch,
    Study,
    StudyReport,
)

# The article bodies are Markdown files, one line a paragraph, as an editor would type them.
BODIES = Path(__file__).resolve().parents[2] / "demo"

REFERENCES = [
    {
        "key": "aapm2012",
        "kind": Reference.Kind.CONFERENCE_ABSTRACT,
        "title": (
            "Abstract 251: low-dose naltrexone in women with fibromyalgia (Stanford University School of Medicine)"
        ),
        "authors": "",
        "container": "American Academy of Pain Medicine 28th Annual Meeting",
        "date": datetime.date(2012, 2, 24),
        "note": "Presented on 24 February 2012 by a Stanford University School of Medicine team; "
        "rated among the six top studies of the meeting. The title here describes the abstract.",
    },
    {
        "key": "younger2009",
        "kind": Reference.Kind.JOURNAL_ARTICLE,
        "title": "Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study",
        "authors": "Younger J, Mackey S",
        "container": "Pain Medicine",
        "year": 2009,
        "volume": "10",
        "issue": "4",
        "pages": "663-672",
        "doi": "10.1111/j.1526-4637.2009.00613.x",
        "pmid": "19453963",
    },
    {
        "key": "medscape2012",
        "kind": Reference.Kind.NEWS_ARTICLE,
        "title": "Confirmation: Low-Dose Naltrexone Eases Fibromyalgia Pain",
        "container": "Medscape",
        "year": 2012,
        "note": "Free registration required.",
    },
    {
        "key": "ldnwebsite",
        "kind": Reference.Kind.WEBSITE,
        "title": "Low Dose Naltrexone",
        "container": "lowdosenaltrexone.org",
        "url": "https://www.lowdosenaltrexone.org/",
        "note": "An information site on LDN; worth reading before starting treatment.",
    },
    {
        "key": "younger2013",
        "kind": Reference.Kind.JOURNAL_ARTICLE,
        "title": "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized, "
        "double-blind, placebo-controlled, counterbalanced, crossover trial assessing daily pain levels",
        "authors": "Younger J, Noor N, McCue R, Mackey S",
        "container": "Arthritis & Rheumatism",
        "year": 2013,
        "volume": "65",
        "issue": "2",
        "pages": "529-538",
        "doi": "10.1002/art.37734",
        "note": "Trial registration: ClinicalTrials.gov NCT00568555.",
    },
]

# The start of the controlled list of conditions; editors add to it in the admin.
CONDITIONS = [
    {
        "slug": "fibromyalgia",
        "name": "Fibromyalgia",
        "description": "Long-lasting pain across the body, with tiredness and poor sleep, "
        "and no damage to joints or muscles to account for it.",
        "key_messages": "Low-dose naltrexone may reduce fibromyalgia pain slightly: one small placebo-controlled "
        "trial of 31 women found less pain on it, but the certainty of this evidence is low.\n"
        "The same trial found no benefit for fatigue or sleep.\n"
        "Side effects were few and mild in both Stanford studies.",
    },
    {
        "slug": "chronic-fatigue-syndrome",
        "name": "Chronic fatigue syndrome",
        "description": "Also known as ME/CFS: exhaustion that rest does not relieve and that gets worse after effort.",
    },
    {
        "slug": "multiple-sclerosis",
        "name": "Multiple sclerosis",
        "description": "An autoimmune disease in which the immune system attacks the nerves "
        "of the brain and spinal cord.",
    },
    {
        "slug": "crohns-disease",
        "name": "Crohn's disease",
        "description": "A long-term inflammation of the gut that comes and goes in flares.",
    },
]

# The outcomes the demo studies report on, most important first; "better" is the direction good for patients.
OUTCOMES = [
    {"slug": "pain", "name": "Pain", "position": 10, "description": "How much pain people report, day to day."},
    {
        "slug": "responders",
        "name": "Responders",
        "position": 20,
        "better": Outcome.Direction.HIGHER,
        "description": "People whose pain fell by at least the amount the study set as a response.",
    },
    {"slug": "symptoms", "name": "Overall symptoms", "position": 30, "description": "A score of several symptoms."},
    {"slug": "fatigue", "name": "Fatigue", "position": 40, "description": "How tired people feel."},
    {"slug": "sleep", "name": "Sleep", "position": 50, "description": "Trouble sleeping."},
    {
        "slug": "mood",
        "name": "Mood",
        "position": 60,
        "better": Outcome.Direction.HIGHER,
        "description": "How people rate their mood.",
    },
    {
        "slug": "life-satisfaction",
        "name": "Life satisfaction",
        "position": 70,
        "better": Outcome.Direction.HIGHER,
        "description": "How satisfied people say they are with their life.",
    },
    {"slug": "adverse-events", "name": "Side effects", "position": 80, "description": "Unwanted effects."},
]

# The editors' GRADE rating of the demo's evidence on pain: one small trial, without figures to pool.
CERTAINTIES = [
    {
        "condition": "fibromyalgia",
        "outcome": "pain",
        "evidence": Certainty.Evidence.RANDOMISED,
        "imprecision": 2,
        "imprecision_reason": "One crossover trial of 31 women, whose report gives no measure of spread.",
        "effect": Certainty.Effect.REDUCES_SLIGHTLY,
        "comment": "The 2012 abstract of the same trial reported a larger effect in 27 women.",
    },
]

# The two studies behind the demo pieces. The 2012 abstract and the 2013 paper report one trial
# at two stages, with different figures; both reports are kept so readers can see the difference.
STUDIES = [
    {
        "slug": "stanford-ldn-fibromyalgia-pilot-2009",
        "title": "Stanford pilot study of low-dose naltrexone in fibromyalgia",
        "conditions": ["fibromyalgia"],
        "design": Study.Design.PILOT,
        "blinding": Study.Blinding.SINGLE,
        "population": "Women with fibromyalgia who were not taking opioids",
        "dose_mg": Decimal("4.5"),
        "frequency": Study.Frequency.DAILY,
        "comparator": "Placebo",
        "duration_weeks": Decimal(8),
        "primary_outcome": "Fibromyalgia symptoms",
        "adverse_effects": "Insomnia and vivid dreams, both rare, mild and short-lived.",
        "reports": [
            {
                "reference": "younger2009",
                "participants": 10,
                "sex": StudyReport.Sex.WOMEN,
                "effect_pct": Decimal(30),
                # Not randomised: placebo always came first. Judged with ROBINS-I.
                "risk_of_bias": {
                    "tool": RiskOfBias.Tool.ROBINS_I,
                    "overall": RiskOfBias.RobinsJudgement.SERIOUS,
                    "overall_support": "Not randomised: placebo always came before the drug, and only the women "
                    "taking part were blinded.",
                },
                # Neither paper gives figures a meta-analysis can use (no SDs, no CIs): what they say is kept.
                "outcomes": {
                    "symptoms": "Symptoms were more than 30% lower on naltrexone than on placebo.",
                    "adverse-events": "Insomnia and vivid dreams, both rare, minor and short-lived.",
                },
                "result": "After 2 weeks of baseline, 2 on placebo and 8 on naltrexone (then 2 weeks' washout), "
                "symptoms were more than 30% lower than on placebo. Thresholds for pain from pressure and "
                "heat rose. The erythrocyte sedimentation rate at baseline explained over 80% of the "
                "differences in response between the women.",
            },
        ],
    },
    {
        "slug": "stanford-ldn-fibromyalgia-crossover-trial",
        "title": "Stanford crossover trial of low-dose naltrexone in fibromyalgia",
        "conditions": ["fibromyalgia"],
        "design": Study.Design.CROSSOVER,
        "blinding": Study.Blinding.DOUBLE,
        "population": "Women with fibromyalgia",
        "dose_mg": Decimal("4.5"),
        "frequency": Study.Frequency.DAILY,
        "comparator": "Placebo",
        "duration_weeks": Decimal(12),
        "primary_outcome": "Daily pain",
        "adverse_effects": "Tolerated as well as placebo; no serious side effects.",
        "registry_id": "NCT00568555",
        "reports": [
            {
                "reference": "aapm2012",
                "participants": 27,
                "sex": StudyReport.Sex.WOMEN,
                "effect_pct": Decimal("48.5"),
                "result": "First results, presented at the 2012 meeting: after 12 weeks of naltrexone, then "
                "4 weeks of placebo, pain was 48.5% lower on naltrexone than on placebo.",
            },
            {
                "reference": "younger2013",
                "is_main": True,
                "participants": 31,
                "sex": StudyReport.Sex.WOMEN,
                "intervention_change_pct": Decimal("28.8"),
                "comparator_change_pct": Decimal("18.0"),
                "p_value": Decimal("0.016"),
                "outcomes": {
                    "pain": "Pain fell 28.8% from baseline on naltrexone and 18.0% on placebo (P = 0.016).",
                    "responders": "32% of the women responded on naltrexone, 11% on placebo (P = 0.05).",
                    "fatigue": "No better on naltrexone than on placebo.",
                    "sleep": "No better on naltrexone than on placebo.",
                    "mood": "Better on naltrexone than on placebo (P = 0.039).",
                    "life-satisfaction": "Better on naltrexone than on placebo (P = 0.045).",
                    "adverse-events": "Tolerated as well as placebo; no serious side effects.",
                },
                "result": "Pain fell 28.8% from baseline on naltrexone and 18.0% on placebo. Life satisfaction "
                "(P = 0.045) and mood (P = 0.039) improved; fatigue and sleep did not. 32% of the women "
                "responded on naltrexone against 11% on placebo (P = 0.05).",
            },
        ],
    },
]

AUTHORS = [
    {
        "slug": "jacob-teitelbaum",
        "name": "Jacob Teitelbaum",
        "credentials": "MD",
        "affiliation": "Integrative medicine; chronic fatigue syndrome and fibromyalgia (CFS/FMS)",
        "bio": (
            "Jacob Teitelbaum is a physician in integrative medicine whose work centres on chronic fatigue "
            "syndrome and fibromyalgia. He was lead author of eight research studies on treating them, and "
            "his books include *From Fatigued to Fantastic!* and *The Fatigue and Fibromyalgia Solution*."
        ),
    },
    {
        "slug": "editorial-team",
        "name": "LDN Evidence editorial team",
        "credentials": "",
        "affiliation": "LDN Evidence",
        "bio": (
            "The editors who select, summarise and check the studies on this site. Our summaries report what "
            "each paper measured and found, and point to the paper itself."
        ),
    },
]

SERIES = [
    {
        "slug": "ldn-and-fibromyalgia-pain",
        "title": "LDN and fibromyalgia pain",
        "description": (
            "Read in order: the 2012 conference report on low-dose naltrexone for fibromyalgia pain, then the "
            "crossover trial the same Stanford group published in 2013."
        ),
    },
]

ARTICLES = [
    {
        "slug": "low-dose-naltrexone-for-fibromyalgia-pain",
        "series": "ldn-and-fibromyalgia-pain",
        "series_part": 1,
        "title": "Low-Dose Naltrexone for Fibromyalgia Pain",
        "published_at": datetime.datetime(2012, 8, 10, 9, 0, tzinfo=datetime.UTC),
        "summary": (
            "A Stanford team told the 2012 meeting of the American Academy of Pain Medicine that a nightly "
            "4.5 mg dose of naltrexone cut fibromyalgia pain by almost half against placebo, in line with the "
            "group's 2009 pilot study."
        ),
        "authors": ["jacob-teitelbaum"],
        "tags": [
            "fibromyalgia",
            "low-dose naltrexone (LDN)",
            "chronic fatigue syndrome",
            "CFS/FMS",
            "chronic pain",
            "microglia",
            "pilot study",
            "clinical trial",
        ],
    },
    {
        "slug": "ldn-fibromyalgia-randomised-trial-2013",
        "series": "ldn-and-fibromyalgia-pain",
        "series_part": 2,
        "title": "The 2013 crossover trial: low-dose naltrexone and daily fibromyalgia pain",
        "published_at": datetime.datetime(2013, 3, 1, 9, 0, tzinfo=datetime.UTC),
        "summary": (
            "In 31 women with fibromyalgia, 4.5 mg of naltrexone a day lowered daily pain more than placebo "
            "(28.8% against 18.0%) and lifted mood and life satisfaction, with no effect on fatigue or sleep."
        ),
        "authors": ["editorial-team"],
        "tags": ["fibromyalgia", "low-dose naltrexone (LDN)", "clinical trial", "chronic pain"],
    },
]


# The literature search the site runs for editors (references.living), new records to the triage queue.
SAVED_SEARCHES = [
    {"name": "Low-dose naltrexone and fibromyalgia", "query": "naltrexone[tiab] AND low dose AND fibromyalgia"},
]


class Command(BaseCommand):
    help = "Create the demo evidence pieces, authors and references that are missing; change nothing that exists."

    @transaction.atomic
    def handle(self, *args, **options):
        created = []
        references = {spec["key"]: self._reference(spec, created) for spec in REFERENCES}
        authors = {spec["slug"]: self._author(spec, created) for spec in AUTHORS}
        series = {spec["slug"]: self._series(spec, created) for spec in SERIES}
        for spec in ARTICLES:
            self._article({**spec, "series": series[spec["series"]]}, authors, references, created)
        conditions = {spec["slug"]: self._condition(spec, created) for spec in CONDITIONS}
        outcomes = {spec["slug"]: self._outcome(spec, created) for spec in OUTCOMES}
        for spec in STUDIES:
            self._study(spec, conditions, references, created)
            self._outcome_results(spec, references, outcomes, created)
        for spec in CERTAINTIES:
            self._certainty(spec, conditions, outcomes, created)
        for spec in SAVED_SEARCHES:
            if not SavedSearch.objects.filter(query=spec["query"]).exists():
                self._create(SavedSearch(**spec), f"saved search “{spec['name']}”", created)
        MailingList.main()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {len(created)}: " + "; ".join(created)))
        else:
            self.stdout.write("Demo content already present; nothing changed.")

    def _series(self, spec, created):
        found = Series.objects.filter(slug=spec["slug"]).first()
        return found or self._create(Series(**spec), f"series “{spec['title']}”", created)

    def _reference(self, spec, created):
        # An editor may have added the same work under another key: match its identifiers too.
        identifiers = Q(key=spec["key"])
        if spec.get("doi"):
            identifiers |= Q(doi=spec["doi"])
        if spec.get("pmid"):
            identifiers |= Q(pmid=spec["pmid"])
        reference = Reference.objects.filter(identifiers).first()
        return reference or self._create(Reference(**spec), f"reference {spec['key']}", created)

    def _author(self, spec, created):
        author = Author.objects.filter(slug=spec["slug"]).first()
        return author or self._create(Author(**spec), f"author {spec['name']}", created)

    def _condition(self, spec, created):
        condition = Condition.objects.filter(Q(slug=spec["slug"]) | Q(name__iexact=spec["name"])).first()
        return condition or self._create(Condition(**spec), f"condition {spec['name']}", created)

    def _outcome(self, spec, created):
        outcome = Outcome.objects.filter(Q(slug=spec["slug"]) | Q(name__iexact=spec["name"])).first()
        return outcome or self._create(Outcome(**spec), f"outcome {spec['name']}", created)

    def _certainty(self, spec, conditions, outcomes, created):
        condition, outcome = conditions[spec["condition"]], outcomes[spec["outcome"]]
        if not Certainty.objects.filter(condition=condition, outcome=outcome).exists():
            fields = {k: v for k, v in spec.items() if k not in {"condition", "outcome"}}
            rating = Certainty(condition=condition, outcome=outcome, **fields)
            self._create(rating, f"certainty of {outcome.name.lower()} in {condition.name}", created)

    def _outcome_results(self, spec, references, outcomes, created):
        """What each report says on each outcome, for the reports whose data on it are missing."""
        for report_spec in spec["reports"]:
            report = StudyReport.objects.filter(
                study__slug=spec["slug"], reference=references[report_spec["reference"]]
            ).first()
            judged = report_spec.get("risk_of_bias")
            if report and judged and not RiskOfBias.objects.filter(report=report).exists():
                self._create(RiskOfBias(report=report, **judged), f"risk of bias of {report}", created)
            for slug, reported in report_spec.get("outcomes", {}).items():
                if report and not report.outcome_results.filter(outcome=outcomes[slug]).exists():
                    result = OutcomeResult(report=report, outcome=outcomes[slug], reported=reported)
                    self._create(result, f"{outcomes[slug].name.lower()} in {report}", created)

    def _study(self, spec, conditions, references, created):
        fields = {k: v for k, v in spec.items() if k not in {"conditions", "reports"}}
        same = Q(slug=spec["slug"]) | (Q(registry_id=spec["registry_id"]) if spec.get("registry_id") else Q())
        if Study.objects.filter(same).exists():
            return
        study = self._create(Study(**fields), f"study “{spec['title']}”", created)
        study.conditions.set(conditions[slug] for slug in spec["conditions"])
        for report in spec["reports"]:
            report = {k: v for k, v in report.items() if k not in {"outcomes", "risk_of_bias"}}
            report = {"is_main": len(spec["reports"]) == 1, **report, "reference": references[report["reference"]]}
            report = StudyReport(study=study, **report)
            report.full_clean()
            report.save()

    @staticmethod
    def _create(instance, label, created):
        """Save a new object after the same validation an editor's form would apply."""
        instance.full_clean()
        instance.save()
        created.append(label)
        return instance

    def _article(self, spec, authors, references, created):
        if Article.objects.filter(slug=spec["slug"]).exists():
            return
        fields = {k: v for k, v in spec.items() if k not in {"authors", "tags"}}
        body = (BODIES / f"{spec['slug']}.md").read_text(encoding="utf-8")
        # The text cites the demo keys; cite the reference an editor already had instead, if one was reused.
        for key, reference in references.items():
            body = re.sub(rf"@{re.escape(key)}(?=[\s,;\]])", f"@{reference.key}", body)
        article = self._create(
            Article(status=Article.Status.PUBLISHED, body=body, **fields), f"article “{spec['title']}”", created
        )
        Byline.objects.bulk_create(
            Byline(article=article, author=authors[slug], position=n) for n, slug in enumerate(spec["authors"], 1)
        )
        article.tags.set(spec["tags"])
