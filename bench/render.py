"""How long each public page takes to build with the page cache off: the cost every cache miss pays.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_bench .venv/bin/python bench/render.py
    … --repeat 50 --profile "article page"     # and where the time goes, by function

Measures a database ``generate_content`` filled (``make bench`` leaves one; or run
``manage.py generate_content --articles 10000 --references 50000 --seed 1``), in-process through
Django's WSGI handler with the production settings and CACHE_URL=dummy://: median and 90th
percentile milliseconds over ``--repeat`` requests after ``--warm`` unmeasured ones, and the SQL
queries, for each page of ``bench/load.py``. A measurement, not a test.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--pages", help='Only these pages, by name, comma-separated (e.g. "article page,home").')
    parser.add_argument("--profile", help="Profile this page and print the functions that take the most time.")
    parser.add_argument("--sort", default="cumulative", help="The profile's order: cumulative or tottime.")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a database generate_content filled (see the docstring).")
    os.environ.update(DJANGO_SETTINGS_MODULE="ldnsite.settings", CACHE_URL="dummy://", DEBUG="0")
    os.environ.update(SECRET_KEY=secrets.token_urlsafe(40), ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="warning")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from load import pages

    call_command("collectstatic", "--noinput", verbosity=0)  # production's hashed names, as load.py does
    paths = {name: path for name, path in pages().items() if name != "static file"}
    if args.pages:
        paths = {name: path for name, path in paths.items() if name in {n.strip() for n in args.pages.split(",")}}
    # As the production server sees a request: its WSGI handler, HTTPS as the proxy reports it.
    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
    print(f"{'page':<26} {'median ms':>9} {'p90 ms':>7} {'queries':>7}")
    for name, path in paths.items():
        for _ in range(args.warm):
            client.get(path)
        queries = []
        with connection.execute_wrapper(_counted(queries)):
            client.get(path)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"{path} answered {response.status_code}")
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"{name:<26} {statistics.median(times):9.1f} {p90:7.1f} {len(queries):7d}")
    if args.profile:
        path = pages()[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeat):
            client.get(path)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(40)
        print(out.getvalue())


def _counted(queries):
    """A database execute wrapper that notes each query (Django's own query log is reset by each request)."""

    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


if __name__ == "__main__":
    main()
