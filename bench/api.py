"""How long the read API takes to answer, rendered every time (the page cache off), on the demo content.

    .venv/bin/python bench/api.py [--repeat 300]

Loads the demo into a temporary SQLite database and times each kind of API address in-process,
through Django's test client with the production settings: median milliseconds over ``--repeat``
requests. Run it from another checkout's folder to compare two versions side by side. A
measurement, not a test.
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
ADDRESSES = [
    "/api/articles/",
    "/api/articles/low-dose-naltrexone-for-fibromyalgia-pain/",
    "/api/references/?page_size=50",
    "/api/references/younger2013/",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ldnsite.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{database}",
        CACHE_URL="dummy://",
        LOG_LEVEL="error",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    client = Client()
    for address in ADDRESSES:
        if (status := client.get(address, secure=True).status_code) != 200:
            sys.exit(f"{address} answered {status}")
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(address, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{address:<58} {statistics.median(timings):6.2f} ms")


if __name__ == "__main__":
    main()
