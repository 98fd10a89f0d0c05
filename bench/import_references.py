"""How long a 5,000-entry reference file takes to preview and to import.

    .venv/bin/python bench/import_references.py [--entries 5000] [--format bib] [--database postgres://…/empty_db]

Writes a plain BibTeX (or RIS, PubMed, CSL-JSON) file of ``--entries`` journal articles, each with
a DOI and PMID of its own, to ``bench/import-5000.bib`` (kept, so the figures can be reproduced with
the same file), migrates a temporary SQLite database (or the empty database given), and times the
three steps an editor's upload goes through: reading the file, planning the import (the preview),
and saving the plan. Then it times the same file again, now matching every entry to the library
(a re-import that changes nothing), and last the import as an editor's confirmation runs it: queued
for a real ``manage.py worker`` process, into an empty library. A measurement, not a test.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SURNAMES = [
    "Younger",
    "Mackey",
    "Parkitny",
    "Chopra",
    "Cant",
    "Toljan",
    "Vrooman",
    "Patten",
    "Ploesser",
    "Bruun",
    "Smith",
    "Jones",
    "Lee",
]
WORDS = [
    "low",
    "dose",
    "naltrexone",
    "fibromyalgia",
    "pain",
    "fatigue",
    "sleep",
    "trial",
    "randomised",
    "placebo",
    "controlled",
    "pilot",
    "study",
    "microglia",
    "opioid",
    "antagonist",
    "chronic",
    "inflammation",
    "crossover",
    "women",
    "symptoms",
    "outcome",
]


def bibtex_file(count, seed=5000):
    """``count`` plain BibTeX articles: one or two authors, a short title, a journal, year, DOI and PMID."""
    rng = random.Random(seed)
    entries = []
    for n in range(count):
        authors = " and ".join(
            f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJKLMNPRSTW')}." for _ in range(rng.randint(1, 2))
        )
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 7))).capitalize()
        year = rng.randint(1990, 2026)
        entries.append(
            f"@article{{bench{n},\n"
            f"  author = {{{authors}}},\n"
            f"  title = {{{title}}},\n"
            f"  journal = {{J Bench}},\n"
            f"  year = {{{year}}},\n"
            f"  doi = {{10.5555/bench.{n}}},\n"
            f"  pmid = {{{30_000_000 + n}}}\n"
            "}\n"
        )
    return "\n".join(entries)


def timed(label, function):
    start = time.perf_counter()
    result = function()
    print(f"  {label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--format", default="bib", help="bib, ris, nbib or json: the file is written in this format")
    parser.add_argument("--database", help="an empty database's URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    database = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ldnsite.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database,
        CACHE_URL="dummy://",
        LOG_LEVEL="error",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from references.formats import FORMATS
    from references.importing import apply_import, parse, plan_import

    call_command("migrate", verbosity=0)
    text = bibtex_file(args.entries)
    if args.format != "bib":
        # The same works in another format: read the BibTeX and write them out again.
        from references.models import Reference

        works = [Reference(**{k: v for k, v in e.fields.items() if v is not None}) for e in parse(text, "x.bib")]
        text = "".join(FORMATS[args.format].write(works))
    path = ROOT / "bench" / f"import-{args.entries}.{args.format}"
    path.write_text(text, encoding="utf-8")
    print(f"{path.name}: {args.entries} entries, {len(text.encode()) / 1024:.0f} KB, on {database.split(':')[0]}")
    for round_name in ("into an empty library", "again, every entry already there"):
        print(round_name)
        entries = timed("read the file", lambda: parse(text, path.name))
        plans = timed("plan it (the preview)", lambda entries=entries: plan_import(entries))
        timed("save it (the import)", lambda plans=plans: apply_import(plans, "bench"))
    through_the_worker(text, path.name, database)


def through_the_worker(text, filename, database):
    """What an editor's confirmed import of this file costs: an ImportJob, run by ``manage.py worker``
    in its own process, into an empty library, from the moment it is queued until it has ended."""
    from django.contrib.auth import get_user_model

    from references.models import ImportJob, Reference
    from references.tasks import import_file

    Reference.objects.all().delete()
    editor = get_user_model().objects.create_superuser("bench-editor", "bench@example.org", "x")
    job = ImportJob.objects.create(user=editor, filename=filename, format="bib", text=text)
    print("through the worker (manage.py worker, in batches of 100), into an empty library")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)  # the worker's start, which an editor does not wait for
        start = time.perf_counter()
        import_file.enqueue(str(job.pk))
        while not (job := ImportJob.objects.get(pk=job.pk)).finished:
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
    print(f"  {'queued to ended (' + job.get_status_display() + ')':<34} {elapsed:7.2f} s")
    print(f"  {'references a second':<34} {job.saved / elapsed:7.1f}")


if __name__ == "__main__":
    main()
