"""python manage.py import_references FILE: add or update references from BibTeX, RIS, CSL-JSON or PubMed format."""

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from references.formats import FORMATS, ReferenceFileError
from references.importing import PlannedImport, apply_import, parse, plan_import, read_text, summary


class Command(BaseCommand):
    help = (
        "Import references from a BibTeX (.bib), RIS (.ris), CSL-JSON (.json) or PubMed (.nbib) file. "
        "Existing references are matched by DOI, then PubMed ID (PMID first for PubMed records), "
        "then citation key (or, with none of them, "
        "title and year) and updated; the others are created. If any entry is invalid, nothing is imported, "
        "unless --skip-invalid is given: then the valid entries are imported and the others listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--format", choices=sorted(FORMATS), help="the file's format, if its name does not say")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, and change nothing")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid entries and list the others, instead of importing nothing",
        )

    def handle(self, *args, file, format=None, dry_run=False, skip_invalid=False, **options):
        path = Path(file)
        try:
            text = read_text(path.read_bytes())
            plans = plan_import(parse(text, path.name, format), partial=skip_invalid)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ReferenceFileError as error:
            raise CommandError(
                f"Nothing imported from {file}:\n" + "\n".join(f"  - {problem}" for problem in error.problems)
            ) from None
        for plan in plans:
            if plan.action == PlannedImport.INVALID:
                self.stderr.write(f"left out  {plan.entry.where}: {'; '.join(plan.problems)}")
                continue
            detail = "; ".join(f"{label}: {old or '–'} → {new or '–'}" for label, old, new in plan.changes)
            detail = detail or plan.reason or (f"matched by {plan.matched_by}" if plan.matched_by else "")
            name = plan.reference.key if plan.reference else plan.entry.label
            line = f"{plan.action:>6}  {name}  (line {plan.entry.line})"
            self.stdout.write(f"{line}  {detail}" if detail else line)
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would have: {summary(Counter(p.action for p in plans))}.")
            return
        try:
            counts = apply_import(plans, f"Imported from {file} (import_references)")
        except ReferenceFileError as error:
            raise CommandError(f"Import of {file} stopped: {'; '.join(error.problems)}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary(counts)}."))
