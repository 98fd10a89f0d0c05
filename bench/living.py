"""The living-evidence checks and the editors' desk at scale: how long the weekly retraction check takes
for a library of thousands of references with DOIs, how many calls it makes, and what the desk costs
with hundreds of reviewed pieces.

    .venv/bin/python bench/living.py [--articles 500] [--references 5000] [--retracted 50]

Builds a throwaway SQLite database in a temporary folder (or uses DATABASE_URL when it is set: point it
at an empty database) with generated content (``generate_content``), and serves Crossref's answers from a
loopback HTTP server: for each call it answers with a retraction notice for each requested DOI in a set
of --retracted DOIs, as Crossref's /works?filter=updates:… does. Then it runs the check twice (the
second finds nothing new) and renders the desk for an editor. A measurement, not a test.
"""

import argparse
import datetime
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Crossref(BaseHTTPRequestHandler):
    retracted = set()
    calls = 0

    def do_GET(self):
        type(self).calls += 1
        wanted = [part.removeprefix("updates:") for part in parse_qs(urlsplit(self.path).query)["filter"][0].split(",")]
        items = [
            {
                "DOI": f"10.5555/notice.{doi.rsplit('/', 1)[-1]}",
                "update-to": [
                    {
                        "DOI": doi,
                        "type": "retraction",
                        "label": "Retraction",
                        "updated": {"date-parts": [[2026, 11, 2]]},
                    }
                ],
            }
            for doi in wanted
            if doi in self.retracted
        ]
        body = json.dumps({"status": "ok", "message": {"items": items}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--references", type=int, default=5000)
    parser.add_argument("--retracted", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Crossref)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="ldn-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ["CACHE_URL"] = "dummy://"
    os.environ.setdefault("LOG_LEVEL", "warning")  # not a line per Crossref call
    os.environ["CROSSREF_API_URL"] = f"http://127.0.0.1:{server.server_port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.models import Article
    from references.living import checks
    from references.models import Reference

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command(
        "generate_content", articles=args.articles, references=args.references, stdout=io.StringIO(), verbosity=0
    )
    print(f"Generated {args.articles} pieces and {args.references} references in {time.perf_counter() - started:.1f} s")
    # Every piece reviewed a year ago, so each one's new evidence is worked out on the desk.
    Article.objects.update(last_reviewed=timezone.localdate() - datetime.timedelta(days=200))
    dois = list(Reference.objects.exclude(doi=None).values_list("doi", flat=True))
    Crossref.retracted = set(dois[:: max(1, len(dois) // max(1, args.retracted))][: args.retracted])
    print(f"{len(dois)} references with a DOI; Crossref has a retraction notice for {len(Crossref.retracted)}\n")

    for run in ("first", "second"):
        Crossref.calls = 0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            found = checks.check_updates()
            took = time.perf_counter() - started
        print(
            f"Retraction check, {run} run: {took:.2f} s, {Crossref.calls} Crossref calls, "
            f"{len(queries)} SQL queries, {found} new notices"
        )

    editor = get_user_model().objects.create_superuser("bench", "bench@example.org", "a-long-bench-password")
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)
    client.get("/admin/")
    timings = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/admin/")
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(
        f"\nThe desk (/admin/) for an editor, {args.articles} reviewed pieces: "
        f"median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms, {len(queries)} SQL queries"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
