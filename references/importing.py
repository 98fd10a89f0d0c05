"""Importing references from BibTeX, RIS or CSL-JSON: plan first, then apply all or nothing.

``plan_import`` reads a file and decides, entry by entry, whether it creates a
reference, updates one already in the library (matched by DOI, then PubMed ID,
then citation key) or changes nothing. Every entry is validated as the admin
form would; if any entry is invalid, ``ReferenceFileError`` lists them all and
nothing is imported. ``apply_import`` saves a plan in one transaction, keeping a version of
each reference it saves (django-reversion), so each can be compared and restored on its own.
"""

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from .formats import FORMATS, ReferenceFileError, detect_format
from .models import CITATION_KEY_PATTERN, Reference

# Fields an import may set; the citation key of an existing reference is never
# changed (article texts cite it).
IMPORTED_FIELDS = ["kind", "title", "authors", "container", "year", "date", "volume", "issue", "pages"]
IMPORTED_FIELDS += ["doi", "pmid", "url", "note"]


@dataclass
class PlannedImport:
    """What importing one entry will do."""

    CREATE, UPDATE, SKIP = "create", "update", "skip"

    entry: object
    action: str
    reference: Reference
    matched_by: str = ""
    changes: list = field(default_factory=list)  # (field label, old value, new value)
    reason: str = ""


def read_text(data):
    """Decode an uploaded file: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReferenceFileError(
            [f"the file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 and try again"]
        ) from None


def parse(text, filename="", format_name=None):
    """Entries in ``text``, in the format named (bib, ris, nbib, json) or detected from the name and content."""
    file_format = FORMATS.get(format_name) if format_name else detect_format(filename, text)
    if file_format is None:
        raise ReferenceFileError(
            [
                "the file is not BibTeX (.bib), RIS (.ris), CSL-JSON (.json) "
                "or PubMed format (.nbib, or .txt from PubMed)"
            ]
        )
    if not text.strip():
        raise ReferenceFileError(["the file is empty"])
    try:
        return file_format.parse(text)
    except RecursionError:
        raise ReferenceFileError(
            ["the file is nested too deeply to be read (braces or brackets within each other)"]
        ) from None


def _match(fields):
    """The library's reference for these fields: same DOI, else same PMID, else same key; for an entry
    with none of the three (a PubMed-format file has no keys), the one reference with the same title
    and year."""
    for name, label in (("doi", "DOI"), ("pmid", "PubMed ID")):
        if fields.get(name) and (reference := Reference.objects.filter(**{name: fields[name]}).first()):
            return reference, label
    reference = Reference.objects.filter(key=fields["key"]).first() if fields.get("key") else None
    # The same key on a work with other identifiers is another work that happens to share a key.
    if reference and not any(fields.get(name) and getattr(reference, name) for name in ("doi", "pmid")):
        return reference, "citation key"
    if not any(fields.get(name) for name in ("key", "doi", "pmid")) and fields.get("title"):
        same = list(Reference.objects.filter(title__iexact=fields["title"], year=fields.get("year"))[:2])
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


def plan_import(entries):
    """Decide what each entry does; raise ReferenceFileError naming every entry that is not valid."""
    plans, problems = [], []
    seen = {}  # identifiers met earlier in the same file -> that entry
    taken_keys = set()
    for entry in entries:
        fields = {name: value for name, value in entry.fields.items() if value not in (None, "")}
        identity = [(name, fields[name]) for name in ("doi", "pmid") if fields.get(name)]
        earlier = next((seen[ident] for ident in identity if ident in seen), None)
        if earlier is not None:
            reason = f"same work as {earlier.entry.where}"
            plans.append(PlannedImport(entry, PlannedImport.SKIP, earlier.reference, reason=reason))
            continue
        reference, matched_by = _match(fields)
        if reference is None:
            reference = Reference(**{name: value for name, value in fields.items() if name != "key"})
            reference.key = unused_key(fields, taken_keys)
            plan = PlannedImport(entry, PlannedImport.CREATE, reference)
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
        if plan.action != PlannedImport.SKIP:
            try:
                reference.full_clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    label = "" if name == "__all__" else f"{name}: "
                    problems.extend(f"{entry.where}: {label}{message}" for message in messages)
                continue
        taken_keys.add(reference.key)
        for ident in identity:
            seen[ident] = plan
        plans.append(plan)
    if problems:
        raise ReferenceFileError(problems)
    return plans


def _keys_in_library(fields):
    """Keys already used that an entry's own or generated key could collide with."""
    stems = {fields.get("key") or ""}
    first_author = re.split(r"[ ,]", fields.get("authors") or "")[0]
    stems.add(slugify(first_author).replace("-", "")[:40])
    query = Reference.objects.none()
    for stem in filter(None, stems):
        query |= Reference.objects.filter(key__startswith=stem)
    return set(query.values_list("key", flat=True))


@transaction.atomic
def apply_import(plans, comment="Imported from a file", user=None):
    """Save every planned creation and update in one transaction; return how many of each action.

    Each reference gets a version of its own, not one revision for the whole file: restoring
    one reference's version must not take the others back with it."""
    for plan in plans:
        if plan.action != PlannedImport.SKIP:
            with reversion.create_revision():
                reversion.set_user(user)
                reversion.set_comment(comment)
                plan.reference.save()
    return Counter(plan.action for plan in plans)


def summary(counts):
    words = {PlannedImport.CREATE: "created", PlannedImport.UPDATE: "updated", PlannedImport.SKIP: "unchanged"}
    return ", ".join(f"{counts.get(action, 0)} {word}" for action, word in words.items())
