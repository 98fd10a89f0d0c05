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
4. With Varnish in front of the cached server (where varnishd is installed; ``--front``), the
   article page's requests/s through it, and how long an editor's edit, made by another process,
   takes to be served through Varnish (five edits; ``bench/editor.py`` makes them).
5. Churn (``--churn`` seconds, 30 by default): ``--churn-connections`` readers (16) across some 200
   pages (200 pieces, the lists, tag and author pages) while an editor saves one of those pieces every 5 seconds: the
   share of answers served from the cache, and p99 latency, first with per-key invalidation, then
   with a site-wide flush after each save, for comparison.
6. Prints, per page: requests/s, p50/p95/p99 latency, errors, the share of the
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
HITS_LUA = Path(__file__).with_name("wrk_hits.lua")
EDIT_EVERY_SECONDS = 5
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
    parser.add_argument("--front", choices=["auto", "off"], default="auto", help="Measure through Varnish.")
    parser.add_argument("--churn", type=int, default=30, help="Seconds of each churn run (0 skips them).")
    parser.add_argument("--churn-connections", type=int, default=16, help="Readers in the churn runs (default 16).")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian's package).")

    folder = Path(tempfile.mkdtemp(prefix="ldn-load-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    os.environ["CACHE_URL"] = "dummy://"  # in this process: count the queries of building each page
    os.environ.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), ALLOWED_HOSTS="127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "warning")
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
    if args.front == "auto" or args.churn:
        report["front"], report["churn"] = front_and_churn(args, paths, folder)
    print_report(report, paths, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def front_and_churn(args, paths, folder):
    """Varnish in front of the cached server, and the churn runs; (front figures, churn figures)."""
    from articles.models import Article
    from tests.serving import VARNISHD, Varnish

    front, churn = {}, {}
    varnish_port = free_port()
    purge = {"FRONT_CACHE_PURGE_URLS": f"http://127.0.0.1:{varnish_port}/"} if VARNISHD and args.front == "auto" else {}
    article = Article.objects.published().get(slug=paths["article page"].strip("/").split("/")[-1])
    pieces = list(Article.objects.published().order_by("pk").values_list("pk", "slug", "title"))
    pieces = pieces[:: max(1, len(pieces) // 200)][:200]
    with Server(args.port or free_port(), cache_url("on"), folder, purge) as server, Editor(server.env) as editor:
        varnish = Varnish(varnish_port, server.port, folder) if purge else None
        try:
            if varnish:
                print("front: Varnish in front of the cached server", file=sys.stderr)
                for _ in range(3):
                    varnish.get(paths["article page"])
                load = server.wrk([paths["article page"]], args.connections, args.duration, base=varnish.url)
                static = server.wrk([paths["static file"]], args.connections, args.duration, base=varnish.url)
                front = {"article page": load, "static file": static, "edit to visible ms": []}
                for n in range(5):
                    title = f"{article.title} (bench edit {n})"
                    started = time.monotonic()
                    editor.send(f"edit {article.pk} {title}")
                    while title not in varnish.get(paths["article page"]).text:
                        time.sleep(0.002)
                    front["edit to visible ms"].append(round((time.monotonic() - started) * 1000, 1))
                editor.send(f"edit {article.pk} {article.title}")
            if args.churn:
                churn = measure_churn(args, server, editor, pieces, paths)
        finally:
            if varnish:
                varnish.stop()
    return front, churn


def measure_churn(args, server, editor, pieces, paths):
    """Readers across the pieces' pages and the lists while an editor saves one piece every few seconds."""
    churn = {}
    churn_paths = [f"/articles/{slug}/" for _, slug, _ in pieces] + [
        path for name, path in paths.items() if name in ("home", "article list", "tag page", "author page")
    ]
    for mode in ("per key", "site-wide flush"):
        print(f"churn: {mode}", file=sys.stderr)
        server.wrk(churn_paths, args.churn_connections, WARM_UP_SECONDS)  # every page kept once
        server.settle()
        running = server.start_wrk(churn_paths, args.churn_connections, args.churn, script=HITS_LUA)
        edits = 0
        while running.poll() is None:
            time.sleep(EDIT_EVERY_SECONDS)
            if running.poll() is not None:
                break
            pk, _, title = pieces[edits % len(pieces)]
            editor.send(f"edit {pk} {title} (churn {edits})")
            if mode == "site-wide flush":
                editor.send("flush")
            edits += 1
        figures = server.read_wrk(running)
        figures["edits"], figures["pages"] = edits, len(churn_paths)
        churn[mode] = figures
    for pk, _, title in pieces:
        editor.send(f"edit {pk} {title}")
    return churn


class Editor:
    """bench/editor.py, another process of the site saving pieces when told to."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "editor.py")],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"
        return self

    def send(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        while not (line := self.process.stdout.readline()).startswith("done "):  # past any log line
            if not line:
                sys.exit("bench/editor.py stopped")
        return float(line.split()[1])

    def __exit__(self, *exc):
        self.process.stdin.close()
        self.process.wait(timeout=30)


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

    from articles.models import Article, Author, published_tags
    from articles.views import ArticleListView

    published = Article.objects.published()
    count = published.count()
    article = published.order_by("pk")[count // 2]
    tag = published_tags().first()
    author = Author.objects.with_published_articles().order_by("-published_count", "pk").first()
    return {
        "static file": static_path(),
        "home": "/",
        "article list": "/articles/",
        "article list, last page": f"/articles/?page={max(1, -(-count // ArticleListView.paginate_by))}",
        "tag page": reverse("articles:tag", kwargs={"slug": tag.slug}),
        "author page": author.get_absolute_url(),
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

    def __init__(self, port, cache, folder, extra_env=None):
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.cache = cache
        self.env = {**os.environ, "CACHE_URL": cache, "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "warning"}
        self.env.update(extra_env or {})
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

    def wrk(self, paths, connections, seconds, base=None):
        return self.read_wrk(self.start_wrk(paths, connections, seconds, base=base))

    def start_wrk(self, paths, connections, seconds, script=LUA, base=None):
        command = [
            "wrk",
            f"--threads={min(2, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            "--header=X-Forwarded-Proto: https",
            f"--script={script}",
            (base or self.base) + paths[0],
            "--",
            *paths,
        ]
        return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

    @staticmethod
    def read_wrk(running):
        output, _ = running.communicate()
        if running.returncode:
            sys.exit(f"wrk failed ({running.returncode})")
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
    if front := report.get("front"):
        page, static = front["article page"], front["static file"]
        print(
            f"\nThrough Varnish: article page {page['rps']:.0f} req/s, p99 {page['p99'] / 1000:.1f} ms "
            f"(static file {static['rps']:.0f} req/s); an edit by another process served through it after "
            + ", ".join(f"{ms:.0f}" for ms in front["edit to visible ms"])
            + " ms"
        )
    for mode, churn in report.get("churn", {}).items():
        print(
            f"Churn, {mode}: {args.churn_connections} readers across {churn['pages']} pages, an edit every "
            f"{EDIT_EVERY_SECONDS} s ({churn['edits']} edits): "
            f"{churn['hits'] / max(churn['answers'], 1):.1%} from the cache, {churn['rps']:.0f} req/s, "
            f"p50 {churn['p50'] / 1000:.1f} ms, p99 {churn['p99'] / 1000:.1f} ms, errors {churn['errors']}"
        )


if __name__ == "__main__":
    main()
