"""python manage.py import_references FILE: add or update references from BibTeX, RIS, CSL-JSON or PubMed format."""

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from references.formats import FORMATS, ReferenceFileError
from references.importing import apply_import, parse, plan_import, read_text, summary


class Command(BaseCommand):
    help = (
        "Import references from a BibTeX (.bib), RIS (.ris), CSL-JSON (.json) or PubMed (.nbib) file. "
        "Existing references are matched by DOI, then PubMed ID, then citation key (or, with none of them, "
        "title and year) and updated; the others are created. If any entry is invalid, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--format", choices=sorted(FORMATS), help="the file's format, if its name does not say")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, and change nothing")

    def handle(self, *args, file, format=None, dry_run=False, **options):
        path = Path(file)
        try:
            text = read_text(path.read_bytes())
            plans = plan_import(parse(text, path.name, format))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ReferenceFileError as error:
            raise CommandError(
                f"Nothing imported from {file}:\n" + "\n".join(f"  - {problem}" for problem in error.problems)
            ) from None
        for plan in plans:
            detail = "; ".join(f"{label}: {old or '–'} → {new or '–'}" for label, old, new in plan.changes)
            detail = detail or plan.reason or (f"matched by {plan.matched_by}" if plan.matched_by else "")
            line = f"{plan.action:>6}  {plan.reference.key}  (line {plan.entry.line})"
            self.stdout.write(f"{line}  {detail}" if detail else line)
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would have: {summary(Counter(p.action for p in plans))}.")
            return
        counts = apply_import(plans, f"Imported from {file} (import_references)")
        self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary(counts)}."))
