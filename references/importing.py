"""Importing references from BibTeX, RIS, CSL-JSON or PubMed format: plan first, then apply.

``plan_import`` reads a file's entries and decides, entry by entry, whether it creates a reference,
updates one already in the library (matched by DOI, then PubMed ID, then citation key; a PubMed
record by its PMID first) or changes nothing. Every entry is validated as the admin form would; one
that cannot be imported as it stands is planned as invalid with its reasons, and unless the caller
asks for a partial import, any such entry raises ``ReferenceFileError`` listing them all.
``apply_import`` saves a plan (in one transaction, or in batches for a background import), keeping a
version of each reference it saves (django-reversion), so each can be compared and restored on its own.
"""

import contextlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import reversion
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from .formats import FORMATS, ReferenceFileError, detect_format, web_of_science_hint
from .models import CITATION_KEY_PATTERN, Reference

# Fields an import may set; the citation key of an existing reference is never
# changed (article texts cite it).
IMPORTED_FIELDS = ["kind", "title", "authors", "container", "year", "date", "volume", "issue", "pages"]
IMPORTED_FIELDS += ["doi", "pmid", "url", "note"]


@dataclass
class PlannedImport:
    """What importing one entry will do; an invalid entry says why in ``problems``."""

    CREATE, UPDATE, SKIP, INVALID = "create", "update", "skip", "invalid"

    entry: object
    action: str
    reference: Reference | None
    matched_by: str = ""
    changes: list = field(default_factory=list)  # (field label, old value, new value)
    reason: str = ""
    problems: list = field(default_factory=list)
    possibly_same_as: Reference | None = None  # a reference with the same title and year, for the editor to judge

    @property
    def saves(self):
        return self.action in (self.CREATE, self.UPDATE)


MAX_ENTRIES = 10_000  # a 1 MB file of the shortest real entries holds fewer


def read_text(data):
    """Decode an uploaded file: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReferenceFileError(
            [f"the file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 and try again"]
        ) from None


def file_format(text, filename="", format_name=None):
    """The format named (bib, ris, nbib, json), or the one the file's name and content show."""
    found = FORMATS.get(format_name) if format_name else detect_format(filename, text)
    if found is None:
        raise ReferenceFileError(
            [
                "the file is not BibTeX (.bib), RIS (.ris), CSL-JSON (.json) "
                "or PubMed format (.nbib, or .txt from PubMed)" + web_of_science_hint(text)
            ]
        )
    return found


def parse(text, filename="", format_name=None):
    """Entries in ``text``, in the format named (bib, ris, nbib, json) or detected from the name and content."""
    found = file_format(text, filename, format_name)
    if not text.strip():
        raise ReferenceFileError(["the file is empty"])
    try:
        entries = found.parse(text)
    except RecursionError:
        raise ReferenceFileError(
            ["the file is nested too deeply to be read (braces or brackets within each other)"]
        ) from None
    if len(entries) > MAX_ENTRIES:
        raise ReferenceFileError(
            [f"the file holds {len(entries):,} entries; the limit is {MAX_ENTRIES:,}: split it and import each part"]
        )
    return entries


def normalised_title(title):
    """A title as two records of the same work are likely to share it: case, spacing and punctuation aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", (title or "").casefold()).split())


def _chunks(values, size=500):
    values = list(values)
    return (values[n : n + size] for n in range(0, len(values), size))


class LibraryIndex:
    """What the library holds that a file's entries can match, read in a few queries for the whole file
    (not several per entry: a 5,000-entry file took 19 s to plan that way)."""

    def __init__(self, entries):
        wanted = {"doi": set(), "pmid": set(), "key": set()}
        for entry in entries:
            for name in wanted:
                if entry.fields.get(name):
                    wanted[name].add(entry.fields[name])
        found = {}
        for name, values in wanted.items():
            for chunk in _chunks(values):
                found.update((ref.pk, ref) for ref in Reference.objects.filter(**{f"{name}__in": chunk}))
        self.by = {name: {} for name in wanted}
        for reference in found.values():
            for name in wanted:
                if getattr(reference, name):
                    self.by[name][getattr(reference, name)] = reference
        self.keys = set(Reference.objects.values_list("key", flat=True))
        years = {entry.fields.get("year") for entry in entries if entry.fields.get("title")}
        self.by_title = {}  # (normalised title, year) -> [pk, …]
        for chunk in _chunks(years - {None}):
            for pk, title, year in Reference.objects.filter(year__in=chunk).values_list("pk", "title", "year"):
                self.by_title.setdefault((normalised_title(title), year), []).append(pk)
        if None in years:
            for pk, title in Reference.objects.filter(year=None).values_list("pk", "title"):
                self.by_title.setdefault((normalised_title(title), None), []).append(pk)
        self._loaded = dict(found)

    def reference(self, pk):
        if pk not in self._loaded:
            self._loaded[pk] = Reference.objects.get(pk=pk)
        return self._loaded[pk]

    def same_title(self, fields):
        """Library references with the entry's title (normalised) and year."""
        pks = self.by_title.get((normalised_title(fields.get("title")), fields.get("year")), [])
        return [self.reference(pk) for pk in pks]

    def match(self, fields, identifiers=("doi", "pmid")):
        """The library's reference for these fields: same DOI, else same PMID (the other way round for a
        PubMed record), else same key; for an entry with none of the three (a PubMed-format file has no
        keys), the one reference with the same title and year."""
        labels = {"doi": "DOI", "pmid": "PubMed ID"}
        for name, label in ((name, labels[name]) for name in identifiers):
            if fields.get(name) and (reference := self.by[name].get(fields[name])):
                return reference, label
        reference = self.by["key"].get(fields.get("key"))
        # The same key on a work with other identifiers is another work that happens to share a key.
        if reference and not any(fields.get(name) and getattr(reference, name) for name in ("doi", "pmid")):
            return reference, "citation key"
        if not any(fields.get(name) for name in ("key", "doi", "pmid")) and fields.get("title"):
            same = self.same_title(fields)
            if len(same) == 1:
                return same[0], "title and year"
        return None, ""


def unused_key(fields, also_taken=()):
    """The entry's own key if it is valid and free, else one made from the first author and year."""
    return _new_key(fields, set(also_taken) | _keys_in_library(fields))


def _new_key(fields, taken):
    key = fields.get("key") or ""
    if re.fullmatch(CITATION_KEY_PATTERN, key) and len(key) <= 64 and key not in taken:
        return key
    first_author = re.split(r"[ ,]", fields.get("authors") or "")[0]
    stem = slugify(first_author or (fields.get("title") or "ref").split(" ")[0]).replace("-", "")[:40] or "ref"
    stem += str(fields.get("year") or "")
    candidates = itertools.chain(
        [stem], (stem + suffix for suffix in "bcdefghijklmnopqrstuvwxyz"), (f"{stem}-{n}" for n in itertools.count(2))
    )
    return next(candidate for candidate in candidates if candidate not in taken)


def _display(value):
    return "" if value is None else str(value)


# What an entry lacks, said as what to do about it, where the form's own message ("This field cannot
# be blank.") would not tell an editor looking at a file.
_PLAIN_WORDS = {
    ("title", "blank"): (
        "it has no title: add one to the entry in the file, or leave the entry out and add the work "
        "from the reference form by its DOI or PubMed ID, which fills in the rest"
    ),
}


def _in_plain_words(error, reference):
    for name, errors in error.error_dict.items():
        if name == "url":  # two validators say the same thing of one bad address: say it once
            yield (
                f"the web address {reference.url!r} is not one a browser can open (it must start with "
                "http:// or https:// and have no spaces, quotes or angle brackets): correct it in the file or remove it"
            )
            continue
        label = "" if name == "__all__" else f"{name}: "
        for each in errors:
            plain = _PLAIN_WORDS.get((name, each.code))
            yield plain or f"{label}{' '.join(each.messages)}"


def _invalid(entry, problems, reference=None, matched_by=""):
    return PlannedImport(entry, PlannedImport.INVALID, reference, matched_by, problems=list(problems))


def plan_import(entries, *, partial=False, refuse_update=None):
    """Decide what each entry does.

    An entry that cannot be imported as it stands (unreadable, invalid, or an update that
    ``refuse_update(reference)`` refuses with a reason) is planned as INVALID with its problems; unless
    ``partial``, any such entry raises ReferenceFileError naming every one of them."""
    plans = []
    seen = {}  # identifiers met earlier in the same file -> that entry's plan
    library = LibraryIndex(entries)
    taken_keys = set(library.keys)
    unique_messages = {name: Reference._meta.get_field(name).error_messages["unique"] for name in ("doi", "pmid")}
    for entry in entries:
        if entry.passed_over:
            plans.append(PlannedImport(entry, PlannedImport.SKIP, None, reason=entry.passed_over))
            continue
        if entry.problems:
            plans.append(_invalid(entry, entry.problems))
            continue
        fields = {name: value for name, value in entry.fields.items() if value not in (None, "")}
        if fields.get("url", "").startswith("//"):  # ScienceDirect's exports give links without a scheme
            fields["url"] = "https:" + fields["url"]
        identity = [(name, fields[name]) for name in ("doi", "pmid") if fields.get(name)]
        earlier = next((seen[ident] for ident in identity if ident in seen), None)
        if earlier is not None:
            reason = f"same work as {earlier.entry.where}"
            plans.append(PlannedImport(entry, PlannedImport.SKIP, earlier.reference, reason=reason))
            continue
        reference, matched_by = library.match(fields, entry.identifiers)
        problems = []
        if reference is None:
            reference = Reference(**{name: value for name, value in fields.items() if name != "key"})
            reference.key = _new_key(fields, taken_keys)
            plan = PlannedImport(entry, PlannedImport.CREATE, reference)
            plan.possibly_same_as = next(iter(library.same_title(fields)), None)
        else:
            changes = []
            for name in IMPORTED_FIELDS:
                if name in fields and _display(getattr(reference, name)) != _display(fields[name]):
                    old = getattr(reference, name)
                    setattr(reference, name, fields[name])
                    # Read back: the DOI and PMID fields normalise what they are given.
                    if _display(old) != _display(getattr(reference, name)):
                        changes.append((Reference._meta.get_field(name).verbose_name, old, getattr(reference, name)))
            action = PlannedImport.UPDATE if changes else PlannedImport.SKIP
            plan = PlannedImport(entry, action, reference, matched_by, changes, "" if changes else "already up to date")
            if action == PlannedImport.UPDATE:
                # A new DOI or PMID that another reference of the library already has.
                for name, message in unique_messages.items():
                    other = library.by[name].get(getattr(reference, name))
                    if other is not None and other.pk != reference.pk:
                        problems.append(f"{name}: {message} ({other.key})")
                if refuse_update is not None and (refusal := refuse_update(reference)):
                    problems.append(f"{reference.key}: {refusal}")
        if plan.saves:
            try:
                # Uniqueness was checked above, for the whole file at once.
                reference.full_clean(validate_unique=False)
            except ValidationError as error:
                problems.extend(_in_plain_words(error, reference))
        if problems:
            plans.append(_invalid(entry, problems, reference, matched_by))
            continue
        taken_keys.add(reference.key)
        for ident in identity:
            seen[ident] = plan
        plans.append(plan)
    if not partial:
        require_valid(plans)
    return plans


def problems_of(plans):
    """Every problem of the invalid entries, each naming its entry and line."""
    return [
        f"{plan.entry.where}: {problem}"
        for plan in plans
        if plan.action == PlannedImport.INVALID
        for problem in plan.problems
    ]


def require_valid(plans):
    if problems := problems_of(plans):
        raise ReferenceFileError(problems)


def _keys_in_library(fields):
    """Keys already used that an entry's own or generated key could collide with."""
    stems = {fields.get("key") or ""}
    first_author = re.split(r"[ ,]", fields.get("authors") or "")[0]
    stems.add(slugify(first_author).replace("-", "")[:40])
    query = Reference.objects.none()
    for stem in filter(None, stems):
        query |= Reference.objects.filter(key__startswith=stem)
    return set(query.values_list("key", flat=True))


def apply_import(plans, comment="Imported from a file", user=None, *, batch_size=None, progress=None):
    """Save every planned creation and update; return how many entries took each action.

    All in one transaction, or, with ``batch_size``, in transactions of that many references, calling
    ``progress(saved, to_save)`` after each (a background import, which a stop part-way leaves with
    what it saved: importing the file again matches those and goes on with the rest).

    Each reference gets a version of its own, not one revision for the whole file: restoring
    one reference's version must not take the others back with it. The admin's history of each
    records who imported it, from which file."""
    to_save = [plan for plan in plans if plan.saves]
    batches = list(_chunks(to_save, batch_size)) if batch_size else [to_save]
    saved = 0
    try:
        with contextlib.nullcontext() if batch_size else transaction.atomic():
            for batch in batches:
                with transaction.atomic():
                    for plan in batch:
                        with reversion.create_revision():
                            reversion.set_user(user)
                            reversion.set_comment(comment)
                            plan.reference.save()
                    if user is not None:
                        _log(batch, user, comment)
                saved += len(batch)
                if progress is not None:
                    progress(saved, len(to_save))
    except IntegrityError:
        kept = f"the first {saved} were saved, the rest were not" if saved else "nothing was saved"
        raise ReferenceFileError(
            [
                "the library changed while this file was being imported (another reference took one of its "
                f"DOIs, PubMed IDs or citation keys): {kept}. Import the file again to see where it stands."
            ]
        ) from None
    return Counter(plan.action for plan in plans)


def _log(plans, user, comment):
    """The admin's record of each change (its "History" and "Recent actions")."""
    for action, flag, message in (
        (PlannedImport.CREATE, ADDITION, [{"added": {}}]),
        (PlannedImport.UPDATE, CHANGE, comment),
    ):
        references = [plan.reference for plan in plans if plan.action == action]
        if references:
            LogEntry.objects.log_actions(user.pk, references, flag, message)


def summary(counts):
    words = {PlannedImport.CREATE: "created", PlannedImport.UPDATE: "updated", PlannedImport.SKIP: "unchanged"}
    if counts.get(PlannedImport.INVALID):
        words[PlannedImport.INVALID] = "left out"
    return ", ".join(f"{counts.get(action, 0)} {word}" for action, word in words.items())
