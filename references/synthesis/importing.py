"""Outcome data from a CSV file: one row per study report and outcome, previewed, then saved all or nothing.

Columns (a header row names them; their order is free):

- ``study``: an existing study's slug or registry ID (NCT…); or a new study's title, with ``year``,
  ``design`` and ``condition``, which creates the study. A new study's report is ``reference`` (a
  citation key) when given; otherwise a library entry with the study's title and year is made, for an
  editor to complete.
- ``outcome``: the name or slug of an outcome on the list (Outcomes, in the admin).
- ``measure``: RR, OR, RD, MD or SMD.
- the data, one kind per row: ``events_int,total_int,events_ctl,total_ctl``; or
  ``mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl``; or ``effect,ci_low,ci_high``.
- optional: ``reference`` (which report of an existing study: its main report otherwise),
  ``timepoint``, ``paired`` (yes/no), ``change_scores`` (yes/no), ``scale``, ``reported`` (in words).

A row for a report and outcome that already has data updates it. Nothing is saved unless every row
is valid; the preview and the errors name each row by its line in the file.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from ..identifiers import normalise_registry_id, registry_name
from ..models import Condition, Reference, Study, StudyReport
from .models import Outcome, OutcomeResult

MAX_ROWS = 5000
REQUIRED = ("study", "outcome")
NUMBERS = OutcomeResult.COUNT_FIELDS + OutcomeResult.MEAN_FIELDS + OutcomeResult.EFFECT_FIELDS
TEXTS = ("timepoint", "scale", "reported")
FLAGS = ("paired", "change_scores")
NEW_STUDY = ("year", "design", "condition")
KNOWN = {"study", "outcome", "measure", "reference", *NUMBERS, *TEXTS, *FLAGS, *NEW_STUDY}
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


class OutcomeFileError(Exception):
    """The file as a whole cannot be read; ``problems`` says why, in plain words."""

    def __init__(self, problems):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(self.problems))


@dataclass
class PlannedRow:
    CREATE, UPDATE = "create", "update"

    line: int
    action: str = CREATE
    study: Study | None = None
    new_study: bool = False
    new_reference: bool = False
    report: StudyReport | None = None
    result: OutcomeResult | None = None
    problems: list = field(default_factory=list)


def read(text):
    """The rows of a CSV file as (line, {column: value}); OutcomeFileError if it is not such a file."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise OutcomeFileError(f"This is not a CSV file that can be read: {error}.") from None
    if missing := [name for name in REQUIRED if name not in header]:
        raise OutcomeFileError(
            f"The first line must name the columns; {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "missing. The columns are described above the upload field."
        )
    if unknown := [name for name in header if name and name not in KNOWN]:
        raise OutcomeFileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. Rename or remove "
            f"{'them' if len(unknown) > 1 else 'it'}; the columns are described above the upload field."
        )
    reader.fieldnames = header
    rows = []
    try:
        for values in reader:
            if len(rows) >= MAX_ROWS:
                raise OutcomeFileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
            if None in values:
                raise OutcomeFileError(f"Line {reader.line_num} has more values than the header has columns.")
            values = {name: (value or "").strip() for name, value in values.items()}
            if dialect.delimiter != ",":  # a semicolon file, as Excel writes one where 0,5 is a half
                values.update({name: values[name].replace(",", ".") for name in NUMBERS if name in values})
            if any(values.values()):
                rows.append((reader.line_num, values))
    except csv.Error as error:
        raise OutcomeFileError(f"Line {reader.line_num} cannot be read: {error}.") from None
    if not rows:
        raise OutcomeFileError("The file has a header but no rows of data.")
    return rows


def plan(rows):
    """A PlannedRow per row, with its problems; nothing is saved."""
    outcomes = {}
    for outcome in Outcome.objects.all():
        outcomes[outcome.slug.lower()] = outcomes[outcome.name.lower()] = outcome
    conditions = {}
    for condition in Condition.objects.all():
        conditions[condition.slug.lower()] = conditions[condition.name.lower()] = condition
    planned, seen, new_studies = [], {}, {}
    for line, values in rows:
        row = PlannedRow(line=line)
        planned.append(row)
        outcome = outcomes.get(values["outcome"].lower())
        if outcome is None:
            names = ", ".join(sorted({o.name for o in outcomes.values()})) or "none yet"
            row.problems.append(
                f"outcome: no outcome is called “{values['outcome']}”. Add it under Outcomes first; "
                f"the list has {names}."
            )
        _find_report(row, values, conditions, new_studies)
        result = _result(row, values, outcome)
        if row.problems:
            continue
        key = (row.study.pk if not row.new_study else row.study.title.lower(), row.report.reference.key, outcome.pk)
        if key in seen:
            row.problems.append(f"this report's {outcome.name.lower()} is already given on line {seen[key]}.")
            continue
        seen[key] = line
        row.result = result
    return planned


def _find_report(row, values, conditions, new_studies):
    name = values["study"]
    if not name:
        row.problems.append("study: give the study's slug, its registry ID, or a new study's title.")
        return
    registry = normalise_registry_id(name)
    by_registry = Q(registry_id=registry) if registry_name(registry) else Q(pk__in=[])
    study = Study.objects.filter(Q(slug=name.lower()) | by_registry).first()
    key = values.get("reference", "")
    if study is not None:
        row.study = study
        reports = study.reports.select_related("reference")
        report = reports.filter(reference__key=key).first() if key else reports.filter(is_main=True).first()
        if report is None:
            row.problems.append(
                f"reference: {study.title} has no report {key!r}; give the citation key of one of its reports."
                if key
                else f"study: {study.title} has no main report; tick one on its page first."
            )
        row.report = report
        return
    _new_study(row, values, conditions, new_studies)


def _new_study(row, values, conditions, new_studies):
    name = values["study"]
    missing = [column for column in NEW_STUDY if not values.get(column)]
    if missing:
        row.problems.append(
            f"study: no study has the slug or registry ID “{name}”. To add it as a new study, give its "
            f"{', '.join(missing)} too."
        )
        return
    designs = {value.lower(): value for value in Study.Design.values} | {
        str(label).lower(): value for value, label in Study.Design.choices
    }
    design = designs.get(values["design"].lower())
    condition = conditions.get(values["condition"].lower())
    try:
        year = int(values["year"])
    except ValueError:
        year = None
    if design is None:
        row.problems.append(f"design: “{values['design']}” is not one of {', '.join(Study.Design.values)}.")
    if condition is None:
        row.problems.append(
            f"condition: no condition is called “{values['condition']}”; add it under Conditions first."
        )
    if year is None or not 1900 <= year <= 2100:
        row.problems.append(f"year: “{values['year']}” is not a year, e.g. 2013.")
    if row.problems:
        return
    known = new_studies.get(name.lower())
    if known:  # the same new study on an earlier row: the same study and report
        row.study, row.report, row.new_study = known.study, known.report, True
        return
    slug = slugify(name)[:200] or "study"
    if Study.objects.filter(slug=slug).exists():
        row.problems.append(f"study: the slug “{slug}” is taken by another study; use that study's slug instead.")
        return
    study = Study(title=name[:200], slug=slug, design=design)
    study.new_condition = condition
    key = values.get("reference", "")
    reference = Reference.objects.filter(key=key).first() if key else None
    if key and reference is None:
        row.problems.append(f"reference: no reference has the citation key “{key}”.")
        return
    row.new_reference = reference is None
    if reference is None:
        reference = Reference(key=f"{slug[:58]}-{year}", title=name[:500], year=year)
        if Reference.objects.filter(key=reference.key).exists():
            row.problems.append(
                f"reference: give the citation key of the paper that reports this study (“{reference.key}” is taken)."
            )
            return
    row.study, row.new_study = study, True
    row.report = StudyReport(study=study, reference=reference, is_main=True)
    new_studies[name.lower()] = row


def _result(row, values, outcome):
    """The OutcomeResult the row describes (an existing one updated, or a new one), checked as the admin checks it."""
    existing = None
    if row.report is not None and row.report.pk and outcome is not None:
        existing = OutcomeResult.objects.filter(report=row.report, outcome=outcome).first()
    result = existing or OutcomeResult(outcome=outcome)
    row.action = PlannedRow.UPDATE if existing else PlannedRow.CREATE
    result.measure = values.get("measure", "").upper()
    for name in NUMBERS:
        raw = values.get(name, "").replace("\u2212", "-")
        if not raw:
            setattr(result, name, None)
            continue
        try:
            number = Decimal(raw)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            row.problems.append(f"{name}: “{values[name]}” is not a number.")
            continue
        if name in OutcomeResult.COUNT_FIELDS + ("n_int", "n_ctl"):
            if number != number.to_integral_value() or number < 0:
                row.problems.append(f"{name}: “{values[name]}” is not a whole number of people.")
                continue
            number = int(number)
        setattr(result, name, number)
    for name in TEXTS:
        setattr(result, name, values.get(name, ""))
    for name in FLAGS:
        flag = values.get(name, "").lower()
        if flag not in YES | NO:
            row.problems.append(f"{name}: “{values[name]}” is not yes or no.")
        setattr(result, name, flag in YES)
    if row.problems:
        return result
    try:
        result.full_clean(exclude=["report", "outcome"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                row.problems.append(message if name == "__all__" else f"{name}: {message}")
    return result


def problems_of(planned):
    return [f"Line {row.line}: {problem}" for row in planned for problem in row.problems]


@transaction.atomic
def apply(planned):
    """Save every row (each must be valid): new studies with their report, then the results. Returns counts."""
    if problems := problems_of(planned):
        raise OutcomeFileError(problems)
    counts = {"studies": 0, "created": 0, "updated": 0}
    for row in planned:
        if row.new_study and row.study.pk is None:
            reference = row.report.reference
            if reference.pk is None:
                reference.full_clean()
                reference.save()
            row.study.full_clean()
            row.study.save()
            row.study.conditions.set([row.study.new_condition])
            row.report.study, row.report.reference = row.study, reference
            row.report.save()
            counts["studies"] += 1
        row.result.report = row.report
        counts["updated" if row.result.pk else "created"] += 1
        row.result.save()
    return counts
