"""A reference as CSL-JSON, the data model every citation tool speaks, and back.

CSL-JSON is what citeproc formats, what the site exports for reference
managers, and (near enough) what Crossref answers with, so the BibTeX and RIS
converters and the DOI lookup all go through these two functions.
"""

import datetime
import re

from .identifiers import normalise_doi, normalise_pmid

# The CSL type each kind of reference is exported as, and the CSL (and Crossref)
# types read back as each kind on import.
CSL_TYPE_BY_KIND = {
    "journal": "article-journal",
    "abstract": "paper-conference",
    "news": "article-newspaper",
    "website": "webpage",
    "book": "book",
}
_KIND_BY_CSL_TYPE = {
    **{csl_type: kind for kind, csl_type in CSL_TYPE_BY_KIND.items()},
    "article": "journal",
    "journal-article": "journal",
    "review": "journal",
    "speech": "abstract",
    "proceedings-article": "abstract",
    "article-magazine": "news",
    "post": "website",
    "post-weblog": "website",
    "posted-content": "website",
    "chapter": "book",
    "book-chapter": "book",
    "monograph": "book",
    "report": "book",
    "thesis": "book",
}


def kind_for_csl_type(csl_type, *, has_url=False):
    """The site's kind for a CSL or Crossref type; an unknown type is a journal article, or a website if online."""
    if csl_type in _KIND_BY_CSL_TYPE:
        return _KIND_BY_CSL_TYPE[csl_type]
    return "website" if has_url else "journal"


def parse_authors(text):
    """CSL names from the site's author list, "Younger J, Noor N, Mackey S".

    A part that does not end in initials ("Stanford University School of
    Medicine") is an organisation and becomes a literal name.
    """
    names = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part or part.rstrip(".").lower() == "et al":
            continue
        family, _, given = part.rpartition(" ")
        if family and len(given) <= 4 and given.isalpha() and given.isupper():
            names.append({"family": family, "given": given})
        else:
            names.append({"literal": part})
    return names


def initials(given):
    """ "Jarred" -> "J", "J. A." -> "JA", "Jean-Paul" -> "JP"; initials already run together ("JA") stay as they are."""
    letters = []
    for piece in re.split(r"[\s.\-]+", given or ""):
        if not piece:
            continue
        letters.append(piece if piece.isupper() and len(piece) <= 3 else piece[0].upper())
    return "".join(letters)


def format_authors(names):
    """The site's author list from CSL names: family name and initials, comma-separated."""
    formatted = []
    for name in names:
        if name.get("literal"):
            formatted.append(name["literal"].strip())
            continue
        family = " ".join(filter(None, [name.get("non-dropping-particle"), name.get("family")])).strip()
        given = initials(name.get("given", ""))
        if family:
            formatted.append(f"{family} {given}".strip())
    return ", ".join(formatted)


def to_csl(reference):
    """One reference as a CSL-JSON item (works for historical models in migrations too)."""
    item = {
        "id": reference.key,
        "type": CSL_TYPE_BY_KIND.get(reference.kind, "article-journal"),
        "title": reference.title,
    }
    if reference.authors:
        item["author"] = parse_authors(reference.authors)
    if reference.container:
        item["publisher" if reference.kind == "book" else "container-title"] = reference.container
    if reference.date:
        item["issued"] = {"date-parts": [[reference.date.year, reference.date.month, reference.date.day]]}
    elif reference.year:
        item["issued"] = {"date-parts": [[reference.year]]}
    for csl_name, value in [
        ("volume", reference.volume),
        ("issue", reference.issue),
        ("page", reference.pages),
        ("DOI", reference.doi),
        ("PMID", reference.pmid),
        ("URL", reference.url),
        ("note", reference.note),
    ]:
        if value:
            item[csl_name] = value
    if getattr(reference, "retraction_notice", ""):
        item["status"] = "retracted"  # CSL's publication status
    return item


def _text(value):
    """A CSL string; Crossref sends some as one-element lists."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if value is None:
        return ""
    return re.sub(r"[ \t\r\n]+", " ", str(value)).strip()  # a no-break space is meant: it stays


def _issued(item):
    """(year, date) from a CSL date: date-parts, or Crossref's published-print/-online."""
    for name in ("issued", "published-print", "published-online", "published"):
        parts = (item.get(name) or {}).get("date-parts") or []
        if parts and parts[0] and parts[0][0] not in (None, ""):
            numbers = []
            for part in parts[0][:3]:  # a month or day given in words ("spring") is left out; the year stays
                try:
                    numbers.append(int(str(part).strip()))
                except ValueError:
                    break
            if not numbers:
                raise ValueError(f"its {name} date has no year: {parts[0]!r}")
            if len(numbers) == 3:
                try:
                    return numbers[0], datetime.date(*numbers)
                except ValueError:
                    pass
            return numbers[0], None
        raw = (item.get(name) or {}).get("raw") or (item.get(name) or {}).get("literal")
        if raw and (match := re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", str(raw))):
            return int(match.group(1)), None
    return None, None


def from_csl(item):
    """The reference fields in one CSL-JSON item (keys the Reference model knows; values not yet validated)."""
    url = _text(item.get("URL"))
    kind = kind_for_csl_type(_text(item.get("type")), has_url=bool(url))
    container = _text(item.get("container-title")) or _text(item.get("event-title") or item.get("event"))
    if kind == "book" or not container:
        container = container or _text(item.get("publisher"))
    year, date = _issued(item)
    return {
        "key": _text(item.get("id")),
        "kind": kind,
        "title": _text(item.get("title")),
        "authors": format_authors(item.get("author") or []),
        "container": container,
        "year": year,
        "date": date,
        "volume": _text(item.get("volume")),
        "issue": _text(item.get("issue")),
        "pages": _text(item.get("page")).replace("–", "-"),
        "doi": normalise_doi(_text(item.get("DOI"))) or None,
        "pmid": normalise_pmid(_text(item.get("PMID"))) or None,
        "url": url,
        "note": str(item.get("note") or "").strip(),
    }
