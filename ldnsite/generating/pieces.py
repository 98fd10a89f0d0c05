"""A whole site's worth of deterministic content: pieces, authors, tags, references and studies.

``generate_content`` (and the management command of that name) fills a database
with what a grown site holds, so that pages, search and the benchmark can be
measured at scale. The same seed gives the same content, dates included (they
count back from a fixed day, not from today). Pieces vary in length, cite 5 to 15
works each (some works far more often than others, as in a real library), carry
3 to 8 tags and one to four authors, and most are published.

Everything is written with ``bulk_create`` in batches. What saving would work out
is worked out by the same code saving runs: each object's ``derive()``, the
reference list's ``number_citations()``, the search text's ``search_index.search_text()``
and ``search_index.set_vectors()``. Generated pieces and authors have slugs starting
``generated-``.
"""

import datetime
import itertools
import multiprocessing
import random
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, Author, Byline, Citation, TaggedArticle, number_citations
from articles.search import index as search_index
from ldnsite import page_cache
from references.models import Reference, Study

from . import library

PREFIX = "generated-"
# Dates count back from here, so that a seed gives the same content whenever it runs.
ANCHOR = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC)
BATCH = 1000
STUDY_SHARE = 0.1  # of the journal papers, which get a study record

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Chiara",
    "David",
    "Elif",
    "Farah",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lena",
    "Marcus",
    "Nadia",
    "Owen",
    "Priya",
    "Rosa",
    "Samuel",
    "Tomasz",
    "Yara",
]
CREDENTIALS = ["MD", "MD, PhD", "PhD", "PharmD", "RN", "MPH", "", ""]
AFFILIATIONS = [
    "Department of Anesthesiology, Perioperative and Pain Medicine",
    "Rheumatology clinic, university hospital",
    "School of Pharmacy",
    "Independent health journalist",
    "Neuroimmunology research group",
    "Family medicine practice",
]
TOPICS = [
    "fibromyalgia",
    "low-dose naltrexone (LDN)",
    "chronic pain",
    "clinical trial",
    "dosing",
    "side effects",
    "sleep",
    "fatigue",
    "mood",
    "inflammation",
    "microglia",
    "central sensitisation",
    "opioid receptors",
    "chronic fatigue syndrome",
    "multiple sclerosis",
    "Crohn's disease",
    "ulcerative colitis",
    "long COVID",
    "complex regional pain syndrome",
    "diabetic neuropathy",
    "placebo",
    "crossover design",
    "pilot study",
    "systematic review",
    "compounding pharmacy",
    "off-label prescribing",
    "patient experience",
    "women's health",
    "pain scores",
    "quality of life",
    "cytokines",
    "erythrocyte sedimentation rate",
    "heat pain threshold",
    "mechanical pain",
    "responder analysis",
    "adherence",
    "cost",
    "insurance",
    "vivid dreams",
    "insomnia",
    "headache",
    "nausea",
    "research funding",
    "trial registration",
    "evidence grading",
    "guidelines",
    "rheumatology",
    "neurology",
    "primary care",
    "pharmacology",
    "immune system",
    "glial cells",
    "endorphins",
    "tolerance",
    "tapering",
    "drug interactions",
    "opioid use",
    "pregnancy",
    "older adults",
    "news coverage",
]
HEADINGS = [
    "What the study did",
    "Who took part",
    "What changed",
    "How large was the effect",
    "Side effects",
    "What it does not show",
    "How LDN may work",
    "Dose and timing",
    "What other studies found",
    "Questions still open",
    "What this means for patients",
    "What clinicians ask",
    "Cost and access",
    "How the evidence was graded",
]
SUBJECTS = [
    "The trial",
    "This small study",
    "The research team",
    "The open-label extension",
    "A later analysis",
    "The crossover design",
    "The registry data",
    "The placebo phase",
    "The follow-up survey",
    "The review",
]
VERBS = [
    "reported",
    "measured",
    "found",
    "compared",
    "tracked",
    "followed",
    "described",
    "estimated",
    "did not find",
    "could not rule out",
]
OBJECTS = [
    "daily pain scores over twelve weeks",
    "a drop in self-reported fatigue",
    "changes in sleep quality",
    "fewer tender points at the final visit",
    "a modest rise in life satisfaction",
    "side effects no more common than on placebo",
    "vivid dreams in a minority of participants",
    "lower inflammatory markers in those who responded",
    "a higher share of responders on the active drug",
    "no clear change in mood",
    "a wide spread of results between participants",
    "adherence above ninety percent",
]
CAVEATS = [
    "The sample was small, so chance may explain part of it.",
    "Participants could sometimes guess which phase they were in.",
    "Most participants were women, which limits how far the result travels.",
    "The dose was the one most clinics use, 4.5 mg at night.",
    "Longer trials are needed before the finding can be relied on.",
    "Independent replication has not yet been published.",
    "Results were self-reported, as pain always is.",
    "Funding came from a university, not from a manufacturer.",
]
TITLE_PATTERNS = [
    "What {n} participants tell us about LDN and {topic}",
    "Low-dose naltrexone and {topic}: the evidence so far",
    "LDN for {topic}: reading the {design}",
    "Does low-dose naltrexone help with {topic}?",
    "{Topic} on low-dose naltrexone: what trials report",
    "A closer look at LDN, {topic} and {other}",
    "Why {topic} matters in the LDN trials",
]
DESIGNS = ["crossover trial", "pilot study", "open-label study", "registry data", "systematic review", "case series"]
STATUSES = [
    (Article.Status.PUBLISHED, 92),
    (Article.Status.DRAFT, 4),
    (Article.Status.IN_REVIEW, 2),
    (Article.Status.ARCHIVED, 2),
]


@dataclass
class Generated:
    articles: int = 0
    published: int = 0
    references: int = 0
    studies: int = 0
    authors: int = 0
    tags: int = 0
    citations: int = 0


def generate_content(articles, references, seed=1, jobs=1, progress=None):
    """Write ``articles`` pieces citing ``references`` works, with their authors, tags and studies.

    ``jobs`` processes format the citations and render the pieces' text when
    there are many (the connections are closed first, so call this outside a
    transaction). ``progress(label, total)`` returns a callable advanced by
    the number of rows written, e.g. a tqdm bar's ``update``. Generated slugs
    and keys are numbered on from the number of rows already there, so an empty
    database always gets the same ones, and a second run adds to the first.
    """
    progress = progress or (lambda label, total: lambda done: None)
    rng = random.Random(seed)
    made = Generated()
    first_reference, first_article = Reference.objects.count() + 1, Article.objects.count() + 1

    advance = progress("references", references)
    works = []
    for start in range(0, references, BATCH * 5):
        numbers = range(first_reference + start, first_reference + min(references, start + BATCH * 5))
        batch = library.derive_references(library.build_references(rng, numbers), jobs)
        # Each row is written once, with its vector: indexing after the insert would write
        # every row a second time, leaving the table twice its size on disk.
        search_index.set_vectors(batch)
        with transaction.atomic():
            Reference.objects.bulk_create(batch, batch_size=BATCH)
            made.studies += library.attach_studies(rng, batch, STUDY_SHARE, first_number=Study.objects.count() + 1)
        works.extend(batch)
        advance(len(batch))
    made.references = len(works)

    with transaction.atomic():
        authors = _authors(rng, max(6, articles // 40), Author.objects.count() + 1)
        tags = _tags()
    made.authors, made.tags = len(authors), len(tags)
    reviewers = [author for author in authors if author.credentials.startswith("MD")] or authors

    # Popular works are cited far more often than the rest: weights fall with a power of the rank.
    cited_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(works))))
    author_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(authors))))
    tag_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(tags))))

    advance = progress("articles", articles)
    for start in range(0, articles, BATCH):
        drafts = [
            _draft(rng, first_article + n, works, cited_weights, authors, author_weights, tags, tag_weights)
            for n in range(start, min(articles, start + BATCH))
        ]
        for draft, (article, rendered) in zip(drafts, _derive_all([d.article for d in drafts], jobs), strict=True):
            draft.article, draft.rendered = article, rendered
        search_index.set_vectors([draft.article for draft in drafts])
        with transaction.atomic():
            made.citations += _write_articles(rng, drafts, reviewers)
        made.articles += len(drafts)
        made.published += sum(d.article.status == Article.Status.PUBLISHED for d in drafts)
        advance(len(drafts))

    _analyze()
    page_cache.purge_everything()  # written in bulk, past the models' saves
    return made


def _analyze():
    """Refresh the planner's statistics after a bulk load, as autovacuum would later, so queries plan well at once."""
    with connections["default"].cursor() as cursor:
        if connections["default"].vendor == "postgresql" and connections["default"].get_autocommit():
            cursor.execute("VACUUM ANALYZE")  # also marks pages all-visible, for index-only scans
        else:
            cursor.execute("ANALYZE")


@dataclass
class _Draft:
    article: Article
    references: dict
    authors: list
    tags: list
    rendered: object = None  # the body as Article.derive() rendered it


def _draft(rng, number, works, cited_weights, authors, author_weights, tags, tag_weights):
    """An unsaved piece with its text (citing 5 to 15 works), its authors and its tags."""
    cited = {reference.key: reference for reference in _pick(rng, works, cited_weights, rng.randint(5, 15))}
    credited = _pick(rng, authors, author_weights, rng.choice([1, 1, 2, 2, 3, 4]))
    tagged = _pick(rng, tags, tag_weights, rng.randint(3, 8))
    topic, other = rng.sample(tagged, 2)
    title = rng.choice(TITLE_PATTERNS).format(
        n=rng.randint(12, 400),
        topic=topic.name,
        Topic=topic.name[0].upper() + topic.name[1:],
        other=other.name,
        design=rng.choice(DESIGNS),
    )[:200]
    status = rng.choices(*zip(*STATUSES, strict=True))[0]
    published_at = ANCHOR - datetime.timedelta(minutes=rng.randint(0, 10 * 365 * 24 * 60))
    article = Article(
        title=title,
        slug=f"{PREFIX}{number}-{slugify(title)}"[:200].rstrip("-"),
        summary=f"{_sentence(rng)} {_sentence(rng)}",
        body=_body(rng, list(cited)),
        status=status,
        published_at=published_at if status in (Article.Status.PUBLISHED, Article.Status.ARCHIVED) else None,
        search_text=search_index.search_text([tag.name for tag in tagged] + [author.name for author in credited]),
        revision=1,
    )
    return _Draft(article=article, references=cited, authors=credited, tags=tagged)


def _pick(rng, population, cum_weights, count):
    """``count`` different items (or all there are), the heavier weighted more likely."""
    chosen = {}
    while len(chosen) < min(count, len(population)):
        item = population[rng.choices(range(len(population)), cum_weights=cum_weights)[0]]
        chosen[item.pk] = item
    return list(chosen.values())


def _sentence(rng):
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."


def _body(rng, keys):
    """Markdown in sections, every key cited at least once, some more often, some in groups or with a page."""
    paragraphs = []
    for _ in range(rng.randint(4, 24)):
        sentences = [_sentence(rng) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.5:
            sentences.append(rng.choice(CAVEATS))
        paragraphs.append(sentences)
    places = [(p, s) for p, sentences in enumerate(paragraphs) for s in range(len(sentences))]
    citations = {}
    for key in keys + rng.choices(keys, k=rng.randint(0, len(keys))):
        place = rng.choice(places)
        locator = f", p. {rng.randint(1, 900)}" if rng.random() < 0.1 else ""
        citations.setdefault(place, []).append(f"@{key}{locator}")
    # Number the citations in reading order, as an editor would write them.
    for (p, s), items in citations.items():
        paragraphs[p][s] = paragraphs[p][s][:-1] + f" [{'; '.join(dict.fromkeys(items))}]."
    lines = []
    headings = rng.sample(HEADINGS, min(len(HEADINGS), len(paragraphs) // 3 + 1))
    for index, sentences in enumerate(paragraphs):
        if index % 3 == 0 and headings:
            lines.append(f"## {headings.pop()}")
        lines.append(" ".join(sentences))
    return "\n\n".join(lines)


def _derived(article):
    return article, article.derive()


def _derive_all(articles, jobs):
    """Each unsaved piece with what its ``derive()`` returned, in ``jobs`` processes when there are many."""
    if jobs > 1 and len(articles) >= 200:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_derived, articles, chunksize=50)
    return [_derived(article) for article in articles]


def _authors(rng, count, first_number):
    """``count`` authors, a few of them clinicians who review pieces."""
    authors = []
    for n in range(count):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(library.SURNAMES)}"
        bio = f"{name} writes about pain research. {_sentence(rng)}"  # drawn before the rest, as it always was
        author = Author(
            name=name,
            slug=f"{PREFIX}{first_number + n}-{slugify(name)}",
            credentials=rng.choice(CREDENTIALS),
            affiliation=rng.choice(AFFILIATIONS),
            bio=bio,
            revision=1,
        )
        author.derive()
        authors.append(author)
    return Author.objects.bulk_create(authors)


def _tags():
    """The topic tags, created where missing, most used first."""
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TOPICS)}
    Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in TOPICS if name not in existing])
    by_name = {tag.name: tag for tag in Tag.objects.filter(name__in=TOPICS)}
    return [by_name[name] for name in TOPICS]


def _write_articles(rng, drafts, reviewers):
    """Save a batch of pieces with their bylines, tags and numbered reference lists; return the citations written."""
    for draft in drafts:
        if draft.article.status == Article.Status.PUBLISHED and rng.random() < 0.7:
            draft.article.medical_reviewer = rng.choice(reviewers)
            reviewed = draft.article.published_at + datetime.timedelta(days=rng.randint(0, 700))
            draft.article.last_reviewed = min(reviewed, ANCHOR).date()
    Article.objects.bulk_create([draft.article for draft in drafts], batch_size=BATCH)
    bylines, tagged, citations = [], [], []
    for draft in drafts:
        bylines += [Byline(article=draft.article, author=a, position=i) for i, a in enumerate(draft.authors)]
        tagged += [TaggedArticle(content_object=draft.article, tag=tag) for tag in draft.tags]
        reference_ids = {key: reference.pk for key, reference in draft.references.items()}
        citations += [
            Citation(article=draft.article, reference_id=reference_id, position=position, times_cited=times_cited)
            for reference_id, position, times_cited in number_citations(draft.rendered, reference_ids)
        ]
    Byline.objects.bulk_create(bylines, batch_size=BATCH)
    TaggedArticle.objects.bulk_create(tagged, batch_size=BATCH)
    Citation.objects.bulk_create(citations, batch_size=BATCH)
    return len(citations)
