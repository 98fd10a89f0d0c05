"""python manage.py import_outcomes FILE.csv [--dry-run]: outcome data from a CSV file, all or nothing.

The columns are those of the admin's "Import outcome data" page (see references.synthesis.importing).
Every row is checked first; one invalid row and nothing is saved, with each problem on stderr by line.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from references.synthesis.forms import decode
from references.synthesis.importing import OutcomeFileError, apply, plan, problems_of, read


class Command(BaseCommand):
    help = (
        "Import outcome data (one row per study report and outcome) from a CSV file; "
        "nothing is saved unless every row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what it would do; save nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            text = decode(file.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            planned = plan(read(text))
        except OutcomeFileError as error:
            raise CommandError(f"{file}: " + "; ".join(error.problems)) from None
        if problems := problems_of(planned):
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nothing was imported: {len(problems)} problem{'s' if len(problems) > 1 else ''} in {file}."
            )
        updates = sum(1 for row in planned if row.action == row.UPDATE)
        new_studies = len({row.study.title for row in planned if row.new_study})
        studies = f"{new_studies} new stud{'y' if new_studies == 1 else 'ies'}"
        what = f"{len(planned) - updates} to add, {updates} to update, {studies}"
        if dry_run:
            self.stdout.write(f"{file}: {what}. Nothing was saved (--dry-run).")
            return
        counts = apply(planned)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file}: {counts['created']} added, {counts['updated']} updated, {counts['studies']} new "
                f"stud{'y' if counts['studies'] == 1 else 'ies'}."
            )
        )
