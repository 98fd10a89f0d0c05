"""Fill the database with generated content at scale, for measuring: pieces, references, studies and the rest.

    python manage.py generate_content --articles 10000 --references 50000 --seed 1

The same seed gives the same content. The command refuses a database that already
holds pieces, authors, references or studies, so that it never mixes test data
into a real site; ``--force`` adds the generated content beside what is there.
See ``ldnsite.generating`` for what is generated.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections
from django.db.migrations.executor import MigrationExecutor
from tqdm import tqdm

from articles.models import Article, Author
from ldnsite.generating import generate_content
from references.models import Reference, Study


class Command(BaseCommand):
    help = "Fill an empty database with deterministic generated content (pieces, references, studies) for measuring."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000, help="How many pieces (default 10,000).")
        parser.add_argument("--references", type=int, default=50_000, help="How many references (default 50,000).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same content (default 1).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes for formatting citations and rendering text (default: one per CPU).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Add the content even though the database already holds some."
        )

    def handle(self, *args, articles, references, seed, jobs, force, **options):
        if articles < 0 or references < 0 or jobs < 1:
            raise CommandError("--articles and --references cannot be negative, and --jobs must be at least 1.")
        if articles and references < 5:
            raise CommandError("Each piece cites at least 5 works: give --references 5 or more.")
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database's tables are not all there yet: run `python manage.py migrate` first.")
        held = {
            "pieces": Article.objects.count(),
            "authors": Author.objects.count(),
            "references": Reference.objects.count(),
            "studies": Study.objects.count(),
        }
        if any(held.values()) and not force:
            listed = ", ".join(f"{count:,} {name}" for name, count in held.items() if count)
            raise CommandError(
                f"This database already holds content ({listed}); generated content is for an empty one. "
                "Point DATABASE_URL at an empty database, or give --force to add the content beside it."
            )
        show = options["verbosity"] > 0

        def progress(label, total):
            for previous in bars:
                previous.close()  # its phase is over
            bar = tqdm(total=total, desc=f"{label:<10}", unit=" rows", file=self.stderr, disable=not show or None)
            bars.append(bar)
            return bar.update

        bars = []
        started = time.perf_counter()
        try:
            made = generate_content(articles, references, seed=seed, jobs=jobs, progress=progress)
        except IntegrityError as error:
            raise CommandError(
                f"A generated slug or key clashes with one already in the database ({error}). "
                "Generated content numbers on from the rows already there; use an empty database."
            ) from error
        finally:
            for bar in bars:
                bar.close()
        if show:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated {made.articles:,} pieces ({made.published:,} published), {made.references:,} "
                    f"references, {made.studies:,} studies, {made.authors:,} authors, {made.tags:,} tags and "
                    f"{made.citations:,} citations in {time.perf_counter() - started:.0f} s."
                )
            )
