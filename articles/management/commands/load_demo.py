"""Load the site's first evidence pieces, their authors, references and tags.

Creates what is missing and leaves alone whatever already exists, so it is safe
to run at every start (``make run`` does) and never undoes an editor's change.
The facts come from the project's shared FACTS.md; the wording is our own. Article
bodies live beside this app in ``articles/demo/<slug>.md``.
"""

import datetime
import re
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from articles.models import Article, Author, Byline
from references.models import Reference

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

ARTICLES = [
    {
        "slug": "low-dose-naltrexone-for-fibromyalgia-pain",
        "title": "Low-Dose Naltrexone for Fibromyalgia Pain",
        "published_at": datetime.datetime(2012, 8, 10, 9, 0, tzinfo=datetime.UTC),
        "dek": (
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
        "title": "The 2013 crossover trial: low-dose naltrexone and daily fibromyalgia pain",
        "published_at": datetime.datetime(2013, 3, 1, 9, 0, tzinfo=datetime.UTC),
        "dek": (
            "In 31 women with fibromyalgia, 4.5 mg of naltrexone a day lowered daily pain more than placebo "
            "(28.8% against 18.0%) and lifted mood and life satisfaction, with no effect on fatigue or sleep."
        ),
        "authors": ["editorial-team"],
        "tags": ["fibromyalgia", "low-dose naltrexone (LDN)", "clinical trial", "chronic pain"],
    },
]


class Command(BaseCommand):
    help = "Create the demo evidence pieces, authors and references that are missing; change nothing that exists."

    @transaction.atomic
    def handle(self, *args, **options):
        created = []
        references = {spec["key"]: self._reference(spec, created) for spec in REFERENCES}
        authors = {spec["slug"]: self._author(spec, created) for spec in AUTHORS}
        for spec in ARTICLES:
            self._article(spec, authors, references, created)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {len(created)}: " + "; ".join(created)))
        else:
            self.stdout.write("Demo content already present; nothing changed.")

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
