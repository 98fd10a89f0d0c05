"""How search copes at scale: 10,000 published pieces and 50,000 references, by default.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_bench .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --articles 2000 --references 10000     # SQLite, in a temp folder

The database must be empty (the script creates its tables and refuses one that
already holds articles). Content is written in bulk from a seeded vocabulary,
indexed the way saving indexes it, then each query runs as the search page runs
it (count, one page of rows, the objects and snippets), and the script prints
the median and 95th-percentile times. A measurement, not a test.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = [
    "naltrexone",
    "fibromyalgia",
    "pain",
    "placebo",
    "trial",
    "dose",
    "microglia",
    "inflammation",
    "fatigue",
    "sleep",
    "mood",
    "women",
    "crossover",
    "pilot",
    "randomised",
    "blind",
    "cytokine",
    "opioid",
    "receptor",
    "immune",
    "glia",
    "spinal",
    "cord",
    "symptom",
    "score",
    "baseline",
    "week",
    "month",
    "response",
    "responder",
    "threshold",
    "heat",
    "pressure",
    "sedimentation",
    "rate",
    "arthritis",
    "rheumatism",
    "medicine",
    "clinic",
    "patient",
    "study",
    "review",
    "evidence",
    "outcome",
    "effect",
    "side",
    "dream",
    "insomnia",
]
QUERIES = ["naltrexone", "microglia inflammation", '"pilot study"', "sedimentation", "zzzunmatched", "10.5555/bench.77"]


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--references", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='ldn-bench-')}/bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article
    from articles.search import index, results
    from articles.search import query as search_query
    from references.models import Reference

    call_command("migrate", verbosity=0)
    if Article.objects.exists():
        sys.exit("This database already holds articles; point DATABASE_URL at an empty one.")
    rng = random.Random(1)
    started = time.perf_counter()
    now = timezone.now()
    Article.objects.bulk_create(
        (
            Article(
                title=sentence(rng, 6),
                slug=f"bench-{n}",
                summary=sentence(rng, 25),
                body="\n\n".join(sentence(rng, 40) for _ in range(rng.randint(3, 12))),
                body_html="",
                search_text=" ".join(rng.sample(WORDS, 5)),
                status=Article.Status.PUBLISHED,
                published_at=now - datetime.timedelta(hours=n),
            )
            for n in range(args.articles)
        ),
        batch_size=2000,
    )
    Reference.objects.bulk_create(
        (
            Reference(
                key=f"bench{n}",
                title=sentence(rng, 10),
                authors="Doe J, Roe R",
                container=sentence(rng, 3),
                year=1990 + n % 35,
                doi=f"10.5555/bench.{n}",
                ama_html=f"Doe J, Roe R. Bench reference {n}.",
            )
            for n in range(args.references)
        ),
        batch_size=2000,
    )
    filled = time.perf_counter() - started
    started = time.perf_counter()
    if index.full_text():
        index.refresh_vectors(Article.objects.all())
        index.refresh_vectors(Reference.objects.all())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    indexed = time.perf_counter() - started
    print(f"{connection.vendor}: {args.articles} articles, {args.references} references")
    print(f"written in {filled:.1f} s, indexed in {indexed:.1f} s\n")
    print(f"{'query':<26} {'results':>8} {'median ms':>10} {'p95 ms':>8}")
    for query in QUERIES:
        timings = []
        for _ in range(args.repeat):
            begin = time.perf_counter()
            rows = search_query.ranked(query)
            count = rows.count()
            results.hits(list(rows[:20]), query)
            timings.append((time.perf_counter() - begin) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"{query:<26} {count:>8} {statistics.median(timings):>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
