"""How the evidence pages cope with 1,000 studies: time and SQL queries per page, and the CSV's size.

The condition page, its outcome downloads and API answer pool the generated outcome data: about 300
studies of fibromyalgia give pain as means or an effect, and about 200 give responders as counts.

    .venv/bin/python bench/evidence_pages.py [--studies 1000] [--repeat 20]

Builds a throwaway SQLite database in a temporary folder (or uses DATABASE_URL
when it is set: point it at an empty database), fills it with generated studies
and the demo content, then requests each page through Django's test client and
prints the median and worst time and the query count, with the page cache off
unless --cache is given. A measurement, not a test.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [
    "/studies/",
    "/studies/?sort=-effect",
    "/studies/?condition=fibromyalgia&dose=low&sort=-participants",
    "/studies/?page=10",
    "/conditions/",
    "/conditions/fibromyalgia/",
    "/conditions/fibromyalgia/outcomes.csv",
    "/api/conditions/fibromyalgia/outcomes/",
    "/studies/stanford-ldn-fibromyalgia-crossover-trial/",
    "/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
    "/studies/studies.csv",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cache", action="store_true", help="keep the page cache on (repeats are then cache hits)")
    args = parser.parse_args()
    if not args.cache:
        os.environ["CACHE_URL"] = "dummy://"  # measure building the pages, not reading them back

    folder = tempfile.mkdtemp(prefix="ldn-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ldnsite.generating.library import generate_studies

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    started = time.perf_counter()
    import pymare.estimators  # noqa: F401  (imported on a worker's first pooled page; timed here once)
    import statsmodels.stats.meta_analysis  # noqa: F401

    print(f"Loading statsmodels and PyMARE (once per worker process): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    generate_studies(args.studies, seed=1)
    print(f"Generated {args.studies} studies in {time.perf_counter() - started:.2f} s ({connection.vendor})\n")

    client = Client(HTTP_HOST="localhost")
    print(f"{'page':<62} {'median ms':>9} {'worst ms':>9} {'queries':>7} {'KB':>7}")
    for url in PAGES:
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{url:<62} {statistics.median(timings):>9.1f} {max(timings):>9.1f} "
            f"{len(queries):>7} {len(body) / 1024:>7.1f}"
        )


if __name__ == "__main__":
    main()
