"""The site under load: gunicorn with production settings on loopback, driven by wrk (`make bench`).

    make bench                                         # SQLite, in a temporary folder
    make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/ldn_bench   # an empty PostgreSQL database

What it does, in one run:

1. Fills the database with `generate_content` to 10 pieces and 50 references,
   and counts the SQL queries each measured page runs; then grows it to 10,000
   pieces and 50,000 references (``--articles``, ``--references``) and counts
   them again. The counts come from Django's test client with the cache off.
2. Starts gunicorn (gunicorn.conf.py, DEBUG off, HTTPS as a proxy reports it
   with X-Forwarded-Proto) twice: with the page cache on (Redis at
   127.0.0.1:6379 when it answers, else the in-process cache) and off
   (CACHE_URL=dummy://).
3. On each server, after 5 s of load across every page to warm its workers,
   wrk drives every page for ``--duration`` seconds with
   ``--connections`` keep-alive connections, then with a single connection (the
   latency one reader sees); a static file served by whitenoise is the ceiling
   every page is compared with. Then ``--soak-connections`` connections cycle
   through all the pages for ``--soak`` seconds.
4. Prints, per page: requests/s, p50/p95/p99 latency, errors, the share of the
   static file's requests/s, the queries at both sizes, and the workers' memory.

A measurement, not a test: nothing here fails on a slow figure. ``--skip-generate``
measures a database this script filled before (it must hold the generated
content already).
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LUA = Path(__file__).with_name("wrk_report.lua")
WARM_UP_SECONDS = 5
SMALL = (10, 50)  # pieces and references for the first query count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--references", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page (default 10).")
    parser.add_argument("--connections", type=int, default=64, help="Connections for the load (default 64).")
    parser.add_argument("--soak", type=int, default=60, help="Seconds of the mixed soak (default 60; 0 skips it).")
    parser.add_argument("--soak-connections", type=int, default=200)
    parser.add_argument("--port", type=int, default=0, help="Loopback port for gunicorn (default: a free one).")
    parser.add_argument("--skip-generate", action="store_true", help="Measure the content already in the database.")
    parser.add_argument("--cache", choices=["on", "off", "both"], default="both", help="Which servers to load.")
    parser.add_argument("--pages", help='Only these pages, by name, comma-separated (e.g. "static file,article page").')
    parser.add_argument("--json", type=Path, help="Also write every figure to this file.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian's package).")

    folder = Path(tempfile.mkdtemp(prefix="ldn-load-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    os.environ["CACHE_URL"] = "dummy://"  # in this process: count the queries of building each page
    os.environ.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), ALLOWED_HOSTS="127.0.0.1,localhost")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    report = {"machine": machine(), "database": connection.vendor, "pages": {}}
    if not args.skip_generate:
        generate(*SMALL, force=False)
        report["queries_small"] = count_queries(pages())
    started = time.perf_counter()
    if not args.skip_generate:
        generate(args.articles - SMALL[0], args.references - SMALL[1], force=True)
    report["generate_seconds"] = round(time.perf_counter() - started)
    paths = pages()
    if args.pages:
        wanted = {name.strip() for name in args.pages.split(",")} | {"static file"}
        if unknown := wanted - set(paths):
            sys.exit(f"No page called {', '.join(sorted(unknown))}; the pages are: {', '.join(paths)}.")
        paths = {name: path for name, path in paths.items() if name in wanted}
    report["queries_large"] = count_queries(paths)
    report["scale"] = scale()
    connection.close()

    for cache in ("on", "off") if args.cache == "both" else (args.cache,):
        with Server(args.port or free_port(), cache_url(cache), folder) as server:
            for path in paths.values():
                server.check(path)
            # Every worker opens its database connection, compiles its templates and (cache on) fills
            # the cache before anything is measured: otherwise the first page measured pays for it.
            server.wrk(list(paths.values()), args.connections, WARM_UP_SECONDS)
            server.settle()
            figures = {}
            for name, path in paths.items():
                print(f"cache {cache}: {name} ({path})", file=sys.stderr)
                load = server.wrk([path], args.connections, args.duration)
                server.settle()  # the one reader must not wait behind the load's queue
                figures[name] = {"load": load, "single": server.wrk([path], 1, max(3, args.duration // 2))}
            server.settle()
            if args.soak:
                print(f"cache {cache}: soak, {args.soak_connections} connections", file=sys.stderr)
                figures["soak"] = {"load": server.wrk(list(paths.values()), args.soak_connections, args.soak)}
            figures["memory"] = server.memory()
            report["pages"][cache] = figures
    print_report(report, paths, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def generate(articles, references, force):
    from django.core.management import CommandError, call_command

    options = ["--articles", str(articles), "--references", str(references), "--seed", "1"]
    try:
        call_command("generate_content", *options, *(["--force"] if force else []))
    except CommandError as error:
        sys.exit(f"{error}\n(--skip-generate measures what the database holds.)")


def pages():
    """The measured pages, found in the database: a deep list page is the last one."""
    from django.urls import reverse

    from articles.models import Article, published_tags
    from articles.views import ArticleListView

    published = Article.objects.published()
    count = published.count()
    article = published.order_by("pk")[count // 2]
    tag = published_tags().first()
    return {
        "static file": static_path(),
        "home": "/",
        "article list": "/articles/",
        "article list, last page": f"/articles/?page={max(1, -(-count // ArticleListView.paginate_by))}",
        "tag page": reverse("articles:tag", kwargs={"slug": tag.slug}),
        "article page": article.get_absolute_url(),
        "reference library": "/references/",
        "evidence table": "/studies/",
        # Two thirds of the generated pieces mention both words; about one in eight mentions this one.
        "search": "/search/?q=naltrexone+pain",
        "search, one word": "/search/?q=microglia",
        "feed": "/feeds/articles.rss",
        "sitemap": "/sitemap.xml",
    }


def static_path():
    from django.templatetags.static import static

    return static("favicon.svg")


def count_queries(paths):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, counts = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"}), {}
    for name, path in paths.items():
        if name == "static file":
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}, not 200")
        counts[name] = len(queries)
    return counts


def scale():
    from articles.models import Article, Citation
    from references.models import Reference, Study

    return {
        "articles": Article.objects.count(),
        "published": Article.objects.published().count(),
        "references": Reference.objects.count(),
        "studies": Study.objects.count(),
        "citations": Citation.objects.count(),
    }


def cache_url(cache):
    if cache == "off":
        return "dummy://"
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/15"
    except OSError:
        return "locmem://"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on loopback with the site's production settings, for the length of a ``with`` block."""

    def __init__(self, port, cache, folder):
        self.base = f"http://127.0.0.1:{port}"
        self.cache = cache
        self.env = {**os.environ, "CACHE_URL": cache, "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "warning"}
        self.log = folder / f"gunicorn-{port}.log"

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        sys.exit(f"gunicorn did not start; see {self.log}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)

    def check(self, path):
        request = urllib.request.Request(self.base + path, headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                sys.exit(f"{path} answered {response.status}, not 200")

    def settle(self, limit=120):
        """Wait until requests queued by a load have been answered (the health check answers at once)."""
        deadline, quick = time.monotonic() + limit, 0
        while time.monotonic() < deadline and quick < 3:
            started = time.monotonic()
            urllib.request.urlopen(self.base + "/healthz", timeout=limit)
            quick = quick + 1 if time.monotonic() - started < 0.05 else 0
            time.sleep(0.2)

    def wrk(self, paths, connections, seconds):
        command = [
            "wrk",
            f"--threads={min(2, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            "--header=X-Forwarded-Proto: https",
            f"--script={LUA}",
            self.base + paths[0],
            "--",
            *paths,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
        figures["errors"] = sum(figures[kind] for kind in ("connect", "read", "write", "status", "timeout"))
        return figures

    def memory(self):
        """Resident and proportional memory of each worker, in MB (PSS shares the pages they have in common)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        workers = []
        for pid in children:
            rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
            workers.append({key: int(rollup[key].split()[0]) / 1024 for key in ("Rss", "Pss")})
        return {
            "workers": len(workers),
            "rss_max_mb": max(worker["Rss"] for worker in workers),
            "pss_total_mb": sum(worker["Pss"] for worker in workers),
        }


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "wrk": wrk_version.strip(),
    }


def print_report(report, paths, args):
    machine, scale = report["machine"], report["scale"]
    print(f"\n{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; Python {machine['python']}")
    print(
        f"{report['database']}: {scale['articles']:,} pieces ({scale['published']:,} published), "
        f"{scale['references']:,} references, {scale['studies']:,} studies, {scale['citations']:,} citations"
    )
    print(f"wrk: {args.connections} connections, {args.duration} s a page; one reader for the single-client latency")
    small, large = report.get("queries_small", {}), report["queries_large"]
    for cache, figures in report["pages"].items():
        ceiling = figures["static file"]["load"]["rps"]
        print(f"\nCache {cache}:")
        print(
            f"{'page':<24} {'req/s':>7} {'static':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"
            f"   {'1 reader: p50':>13} {'p95':>6} {'p99':>6}   {'queries':>9}"
        )
        for name in paths:
            load, single = figures[name]["load"], figures[name]["single"]
            queries = f"{small.get(name, '-')}/{large.get(name, '-')}" if name != "static file" else ""
            print(
                f"{name:<24} {load['rps']:>7.0f} {load['rps'] / ceiling:>7.0%} {load['p50'] / 1000:>7.1f} "
                f"{load['p95'] / 1000:>7.1f} {load['p99'] / 1000:>7.1f} {load['errors']:>6}   "
                f"{single['p50'] / 1000:>13.1f} {single['p95'] / 1000:>6.1f} {single['p99'] / 1000:>6.1f}   "
                f"{queries:>9}"
            )
        if "soak" in figures:
            soak = figures["soak"]["load"]
            print(
                f"Soak: {args.soak_connections} connections for {args.soak} s across every page: "
                f"{soak['requests']:,} requests, {soak['rps']:.0f} req/s, p99 {soak['p99'] / 1000:.0f} ms, "
                f"errors {soak['errors']} (connect {soak['connect']}, read {soak['read']}, write {soak['write']}, "
                f"status {soak['status']}, timeout {soak['timeout']})"
            )
        memory = figures["memory"]
        print(
            f"Memory after the load: {memory['workers']} workers, largest {memory['rss_max_mb']:.0f} MB resident, "
            f"{memory['pss_total_mb']:.0f} MB in all (PSS)"
        )
    print("\nQueries: at 10 pieces / at the full size, cache off.")


if __name__ == "__main__":
    main()
