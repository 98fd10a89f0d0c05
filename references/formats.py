"""BibTeX, RIS, CSL-JSON and PubMed's own format: writing references for reference managers, and reading theirs.

Each format goes through CSL-style names and the site's own fields, using the
kept parsers (bibtexparser, rispy, pylatexenc, json); PubMed's MEDLINE format, for which no kept
parser fits (Biopython's would bring all of Biopython), is read and written here. Readers return
``ParsedEntry`` objects that remember the line each entry starts on, so the
importer can say exactly where a problem is; a file that cannot be read at
all raises ``ReferenceFileError`` listing every problem found.
"""

import datetime
import json
import re
import textwrap
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, Field
from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from .csl import format_authors, from_csl, parse_authors, to_csl
from .identifiers import normalise_doi, normalise_pmid


class ReferenceFileError(Exception):
    """A file, or some of its entries, could not be read; ``problems`` says where and why."""

    SHOWN = 20  # a file read in the wrong format can have a problem on every line; the first few say enough

    def __init__(self, problems):
        problems = list(problems)
        if len(problems) > self.SHOWN:
            problems = [*problems[: self.SHOWN], f"and {len(problems) - self.SHOWN} more problems like these"]
        self.problems = problems
        super().__init__("; ".join(self.problems))


@dataclass
class ParsedEntry:
    """One entry read from a file: where it starts, what to call it, and the reference fields found.

    ``source`` is the entry's text as the file has it (to hand back an entry that was not imported, for
    fixing); ``problems`` say why an entry that was found could not be read (the others in the file
    still can be); ``passed_over`` says why an entry that is not a work (a biblatex set) is left out."""

    line: int
    label: str
    fields: dict = field(default_factory=dict)
    source: str = ""
    problems: list = field(default_factory=list)
    passed_over: str = ""
    # Which identifier finds the work in the library first: a PubMed record's own PMID is surer than
    # the DOI it lists; elsewhere the DOI is the work's own.
    identifiers: tuple = ("doi", "pmid")

    @property
    def where(self):
        return f"entry {self.label!r} (line {self.line})" if self.label else f"the entry on line {self.line}"


def clean_pages(pages):
    """ "663--672" -> "663-672"; MEDLINE's shortened "663-72" -> "663-672"."""
    pages = re.sub(r"\s*(?:--|–|—)\s*", "-", pages or "").strip()
    start, dash, end = pages.partition("-")
    if dash and start.isdigit() and end.isdigit() and len(end) < len(start):
        pages = f"{start}-{start[: len(start) - len(end)]}{end}"
    return pages


def _date_or_none(text):
    try:
        return datetime.date.fromisoformat(text.strip().replace("/", "-")[:10])
    except ValueError:
        return None


def _year_or_none(text):
    match = re.search(r"\b(\d{4})\b", text or "")
    return int(match.group(1)) if match else None


# BibTeX ---------------------------------------------------------------------

_latex_encoder = UnicodeToLatexEncoder(
    # A plain " would come back as a closing curly quote.
    conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, {ord('"'): r"\textquotedbl"}), "defaults"],
    replacement_latex_protection="braces-all",
    unknown_char_policy="keep",
)
_latex_context = get_default_latex_context_db()
_latex_context.add_context_category(
    "quotes",
    # pylatexenc reads \textasciicircum as the modifier letter ˆ, which turned "e=mc^2" into "e=mcˆ2".
    macros=[MacroTextSpec("textquotedbl", simplify_repl='"'), MacroTextSpec("textasciicircum", simplify_repl="^")],
    prepend=True,
)
_latex_decoder = LatexNodes2Text(latex_context=_latex_context, math_mode="verbatim", strict_latex_spaces=True)
# What the parser must know of hyperref's macros for the text above to find their arguments.
_latex_parsing = latexwalker.get_default_latex_context_db()
_latex_parsing.add_context_category(
    "hyperref", macros=[macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{")], prepend=True
)


# What LaTeX reads as other than itself: macros, groups, math, a no-break space, comments, the
# characters that are special in text, and the ligatures for dashes and quotes.
_LATEX_MARKUP = re.compile(r"[\\{}$~%&#^_]|--|``|''|[!?]`")


def _latex_text(value):
    """A BibTeX value as plain text. Most values are plain already; they skip the LaTeX reader, which
    takes a millisecond a value (5,000 entries took 20 s to read)."""
    if not _LATEX_MARKUP.search(value):
        return value
    try:
        return _latex_decoder.latex_to_text(value, latex_context=_latex_parsing)
    except (AttributeError, IndexError, TypeError, ValueError):
        # pylatexenc trips on a macro cut short (a bare "\href" at a value's end; property tests found
        # it): keep the value as it stands, less the braces that only group.
        return value.replace("{", "").replace("}", "")


# Identifiers and links are written verbatim (as biber and Zotero expect), so they are never LaTeX-encoded.
_VERBATIM_BIBTEX_FIELDS = {"doi", "url", "pmid", "date", "year", "volume", "number", "pages"}

_BIBTEX_TYPE_BY_KIND = {
    "journal": "article",
    "abstract": "inproceedings",
    "news": "article",
    "website": "online",
    "book": "book",
}
_BIBTEX_CONTAINER_BY_KIND = {
    "journal": "journal",
    "abstract": "booktitle",
    "news": "journal",
    "website": "organization",
    "book": "publisher",
}
_KIND_BY_BIBTEX_TYPE = {
    "article": "journal",
    "inproceedings": "abstract",
    "conference": "abstract",
    "proceedings": "abstract",
    "online": "website",
    "electronic": "website",
    "www": "website",
    "webpage": "website",
    "book": "book",
    "inbook": "book",
    "incollection": "book",
    "booklet": "book",
    "manual": "book",
    "report": "book",
    "techreport": "book",
    "thesis": "book",
    "phdthesis": "book",
    "mastersthesis": "book",
}


def _bibtex_name(name):
    if name.get("literal"):
        return "{" + _latex_encoder.unicode_to_latex(name["literal"]) + "}"
    return _latex_encoder.unicode_to_latex(f"{name['family']}, {name['given']}")


def bibtex_entry(reference):
    """One reference as a BibTeX (biblatex-compatible) entry."""
    values = {
        "author": " and ".join(_bibtex_name(name) for name in parse_authors(reference.authors)),
        "title": reference.title,
        _BIBTEX_CONTAINER_BY_KIND[reference.kind]: reference.container,
        "entrysubtype": "newspaper" if reference.kind == "news" else "",
        "year": str(reference.year or ""),
        "date": reference.date.isoformat() if reference.date else "",
        "volume": reference.volume,
        "number": reference.issue,
        "pages": reference.pages.replace("-", "--"),
        "doi": reference.doi or "",
        "pmid": reference.pmid or "",
        "url": reference.url,
        # Each line of a note is a paragraph (a blank line between): a line break alone is a space in BibTeX.
        "note": "\n\n".join(
            _latex_encoder.unicode_to_latex(line) for line in reference.note.splitlines() if line.strip()
        ),
        "pubstate": "retracted" if reference.retraction_notice else "",
        "addendum": reference.retraction_text,
    }
    verbatim = _VERBATIM_BIBTEX_FIELDS | {"author", "note"}  # encoded one by one above
    fields = [
        Field(name, value if name in verbatim else _latex_encoder.unicode_to_latex(value))
        for name, value in values.items()
        if value
    ]
    library = bibtexparser.Library([Entry(_BIBTEX_TYPE_BY_KIND[reference.kind], reference.key, fields)])
    return bibtexparser.write_string(library).strip() + "\n"


def _bibtex_names(value):
    names = []
    for person in split_multiple_persons_names(value):
        parts = parse_single_name_into_parts(person, strict=False)
        family = _latex_text(" ".join(parts.von + parts.last)).strip()
        given = _latex_text(" ".join(parts.first)).strip()
        if _braced_whole(person.strip()) or not given:
            names.append({"literal": _latex_text(person).strip()})
        else:
            names.append({"family": family, "given": given})
    return names


def _braced_whole(text):
    """True for "{Stanford University School of Medicine}": a name BibTeX must not split."""
    if not text.startswith("{"):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return position == len(text) - 1
    return False


# biblatex entries that group or hold data for other entries: read for what they give, not imported.
_PASSED_OVER = {
    "set": "a biblatex set of other entries (imported one by one), not a work of its own",
    "xdata": "biblatex data that other entries share, not a work of its own",
}
# biblatex's default inheritance: a part's parent gives its title as the part's container title.
_PART_TYPES = {"inbook", "bookinbook", "suppbook", "incollection", "suppcollection", "inproceedings", "inreference"}


def _inherited(entry_type, raw, raws, depth=0):
    """An entry's fields with what it inherits through ``crossref`` and ``xdata`` (biblatex): every
    field it lacks, the parent's title becoming a part's book title (and its title, if it has none)."""
    parents = [raw.get("crossref", ""), *(key.strip() for key in raw.get("xdata", "").split(","))]
    for parent_key in filter(None, parents):
        if parent_key not in raws or depth > 5:
            continue
        parent_type, parent_raw = raws[parent_key]
        parent_raw = _inherited(parent_type, parent_raw, raws, depth + 1)
        given = dict(parent_raw)
        if entry_type in _PART_TYPES and "title" in given:
            # A part with no title of its own is known by its book's (rather than refused as untitled).
            raw.setdefault("booktitle", given["title"])
            if "title" in raw:
                given.pop("title")
        for name, value in given.items():
            if name not in ("crossref", "xdata", "ids", "entryset"):
                raw.setdefault(name, value)
    return raw


_PARAGRAPH = re.compile(r"\n\s*\n")  # a blank line: the one line break BibTeX keeps


def _one_line_a_paragraph(text):
    return "\n".join(_one_line(paragraph) for paragraph in _PARAGRAPH.split(text) if paragraph.strip())


def _one_line(text):
    """Runs of spaces and line breaks as one space; a no-break space (BibTeX's ~) stays what it is."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


_BIBTEX_CONTAINERS = ["journal", "journaltitle", "booktitle", "eventtitle", "organization", "publisher"]
_BIBTEX_TEXT_FIELDS = ["title", "entrysubtype", "howpublished", "note", "addendum", *_BIBTEX_CONTAINERS]


def parse_bibtex(text):
    library = bibtexparser.parse_string(text)
    entries = []
    duplicated = []  # an entry giving a field twice: BibTeX warns and uses the first, and so do we
    for block in library.failed_blocks:
        # A field given twice in one entry, or an entry with no key (JabRef writes them) after another.
        if isinstance(block, DuplicateFieldKeyBlock) or (
            isinstance(block, DuplicateBlockKeyBlock) and not block.key.strip()
        ):
            duplicated.append(block.ignore_error_block)
            continue
        key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)", block.raw or "")
        if isinstance(block, DuplicateBlockKeyBlock):
            problem = f"an earlier entry in the file has the same key, {block.key!r}: give each its own"
        else:
            problem = f"could not be read as BibTeX ({_first_line(block.error)})"
        entries.append(
            ParsedEntry(block.start_line + 1, key.group(1) if key else "", source=block.raw, problems=[problem])
        )
    if duplicated:
        # bibtexparser hands back such an entry as it found it, before its own reading (@string
        # abbreviations, the braces or quotes around each value): give it the same.
        recovered = bibtexparser.Library([*library.strings, *duplicated])
        for middleware in default_parse_stack():
            recovered = middleware.transform(recovered)
        duplicated = recovered.entries
    found = sorted([*library.entries, *duplicated], key=lambda entry: entry.start_line)
    own = {}  # each entry's fields, by the entry (keyless entries share the key "")
    for entry in found:
        raw = own[id(entry)] = {}
        for f in entry.fields:
            raw.setdefault(f.key.lower(), str(f.value).strip())
    raws = {entry.key: (entry.entry_type.lower(), own[id(entry)]) for entry in found if entry.key}
    for entry in found:
        entry_type = entry.entry_type.lower()
        if entry_type in _PASSED_OVER:
            entries.append(
                ParsedEntry(entry.start_line + 1, entry.key, source=entry.raw, passed_over=_PASSED_OVER[entry_type])
            )
            continue
        raw = _inherited(entry_type, own[id(entry)], raws)
        # A value wrapped over lines in the file is one line of text: BibTeX reads any run of spaces as one.
        # Only the fields read as text are decoded (an abstract can be longer than the rest together).
        # Only a note keeps line breaks (one per paragraph); any other value is one line of text.
        text_value = {
            name: _one_line_a_paragraph(text) if name in ("note", "addendum") else _one_line(text)
            for name in _BIBTEX_TEXT_FIELDS
            if raw.get(name) and (text := _latex_text(raw[name]))
        }
        kind = _KIND_BY_BIBTEX_TYPE.get(entry_type) or ("website" if raw.get("url") else "journal")
        if entry_type == "article" and text_value.get("entrysubtype") in {"newspaper", "magazine"}:
            kind = "news"
        container = next((text_value[name] for name in _BIBTEX_CONTAINERS if text_value.get(name)), "")
        fields = {
            "key": entry.key,
            "kind": kind,
            "title": text_value.get("title", ""),
            "authors": format_authors(_bibtex_names(raw["author"])) if raw.get("author") else "",
            "container": container or text_value.get("howpublished", ""),
            # biblatex gives the year in "date" (2006, 2006-05, 2006/2007) as often as in "year".
            "year": _year_or_none(raw.get("year", "")) or _year_or_none(raw.get("date", "")),
            "date": _date_or_none(raw.get("date", "")),
            "volume": raw.get("volume", ""),
            "issue": raw.get("number", "") or raw.get("issue", ""),
            "pages": clean_pages(raw.get("pages", "")),
            "doi": normalise_doi(raw.get("doi", "")),
            "pmid": normalise_pmid(raw.get("pmid", "")),
            "url": raw.get("url", ""),
            "note": text_value.get("note", "") or text_value.get("addendum", ""),
        }
        entries.append(ParsedEntry(entry.start_line + 1, entry.key, fields=fields, source=entry.raw))
    if not entries:
        raise ReferenceFileError(["no BibTeX entries found (each starts with @article{, @book{ and so on)"])
    return sorted(entries, key=lambda entry: entry.line)


def _first_line(error):
    message = (getattr(error, "abort_reason", "") or str(error or "")).strip()
    return message.splitlines()[0] if message else "syntax error"


# RIS ------------------------------------------------------------------------

_RIS_TYPE_BY_KIND = {"journal": "JOUR", "abstract": "CPAPER", "news": "NEWS", "website": "ELEC", "book": "BOOK"}
_KIND_BY_RIS_TYPE = {
    **{ris_type: kind for kind, ris_type in _RIS_TYPE_BY_KIND.items()},
    "JFULL": "journal",
    "EJOUR": "journal",
    "ABST": "abstract",
    "CONF": "abstract",
    "MGZN": "news",
    "WEB": "website",
    "BLOG": "website",
    "CHAP": "book",
    "EBOOK": "book",
    "RPRT": "book",
    "THES": "book",
}
_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")


def ris_entry(reference):
    """One reference as a RIS record."""
    start, _, end = reference.pages.partition("-")
    record = {
        "type_of_reference": _RIS_TYPE_BY_KIND[reference.kind],
        "id": reference.key,
        "authors": [
            name["literal"] if name.get("literal") else f"{name['family']}, {name['given']}"
            for name in parse_authors(reference.authors)
        ],
        "title": reference.title,
        ("publisher" if reference.kind == "book" else "secondary_title"): reference.container,
        "year": str(reference.year or ""),
        "date": reference.date.strftime("%Y/%m/%d/") if reference.date else "",
        "volume": reference.volume,
        "number": reference.issue,
        "start_page": start,
        "end_page": end,
        "doi": reference.doi or "",
        "accession_number": reference.pmid or "",  # where PubMed's own RIS puts the PMID
        "urls": [reference.url] if reference.url else [],
        # One N1 per line of the note: a line break inside a value would start an untagged line.
        "notes": [line for line in reference.note.splitlines() if line.strip()]
        + ([reference.retraction_text] if reference.retraction_notice else []),
    }
    return rispy.dumps([{name: value for name, value in record.items() if value}], skip_unknown_tags=True).split(
        "\n", 1
    )[1]  # rispy numbers records ("1."); the number is not part of RIS


# EndNote writes "TY - JOUR" with one space; RIS wants two. Lines are rewritten one for one, so the
# line numbers in problems stay those of the file.
_RIS_LOOSE_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,3}-(?: (.*)|\s*)$")


def _ris_normalised(text):
    def tidy(line):
        match = _RIS_LOOSE_TAG.match(line)
        return f"{match.group(1)}  - {match.group(2) or ''}" if match else line

    return "\n".join(tidy(line) for line in text.splitlines()) + "\n"


def _ris_structure(text):
    """(first, last) line of each record, and problems with the file's structure that rispy would skip.

    Free text between records (a record number, "Record #1 of 2", "Provider: …", as databases write
    them) is passed over, as rispy does; a field outside any record means a lost "TY" line."""
    starts, spans, problems, open_at = [], [], [], None
    for number, line in enumerate(text.splitlines(), 1):
        match = _RIS_TAG.match(line)
        tag = match.group(1) if match else None
        if tag == "TY":
            if open_at is not None:
                problems.append(f"line {number}: a new record starts before the record from line {open_at} ends (ER)")
            open_at = number
            starts.append(number)
        elif tag == "ER":
            if open_at is None:
                problems.append(f"line {number}: an end of record (ER) with no record open")
            else:
                spans.append((open_at, number))
            open_at = None
        elif tag and open_at is None:
            problems.append(f"line {number}: a field outside a record (records start with “TY  - ”)")
    if open_at is not None:
        problems.append(f"line {open_at}: the record that starts here has no end (ER  - )")
    if not starts and not problems:
        problems.append("no RIS records found (each starts with a “TY  - ” line)" + web_of_science_hint(text))
    return spans, problems


def parse_ris(text):
    text = _ris_normalised(text)
    spans, problems = _ris_structure(text)
    if problems:
        raise ReferenceFileError(problems)
    try:
        records = rispy.loads(text)
    except (KeyError, ValueError, IndexError, TypeError):
        # rispy stumbles on a line with no tag after a field left empty (property tests found it).
        raise ReferenceFileError(
            [
                "the file could not be read as RIS: a line without a tag follows a field with no value; "
                "give each field its value on its own line (“XX  - value”)"
            ]
        ) from None
    entries = []
    lines = text.splitlines()
    for (line, last), record in zip(spans, records, strict=False):
        url = (record.get("urls") or [""])[0]
        names = []
        # A1 (first authors) then AU: some tools write the first author apart from the others.
        first = record.get("first_authors") or []
        # A tool that writes A1 for the first author may repeat it in AU; two authors of the same name stay.
        listed = first + [name for name in record.get("authors") or [] if name not in first]
        for author in listed:
            family, comma, given = author.partition(",")
            names.extend([{"family": family.strip(), "given": given.strip()}] if comma else parse_authors(author))
        kind = _KIND_BY_RIS_TYPE.get(record.get("type_of_reference", ""), "website" if url else "journal")
        container_names = ["secondary_title", "journal_name", "alternate_title3", "alternate_title2", "publisher"]
        date = _date_or_none(record.get("date", ""))
        pages = "-".join(filter(None, [record.get("start_page", ""), record.get("end_page", "")]))
        accession = record.get("accession_number", "")
        fields = {
            "key": record.get("id", ""),
            "kind": kind,
            # rispy keeps a wrapped value's line breaks and indentation: it is one line of text.
            "title": _one_line(record.get("title") or record.get("primary_title", "")),
            "authors": format_authors(names),
            "container": _one_line(next((record[name] for name in container_names if record.get(name)), "")),
            # PY, else DA; Y1, which RIS deprecates, only when neither is given.
            "year": _year_or_none(record.get("year", ""))
            or (date and date.year)
            or _year_or_none(record.get("publication_year", "")),
            "date": date,
            "volume": record.get("volume", ""),
            "issue": record.get("number", ""),
            "pages": clean_pages(pages),
            "doi": normalise_doi(record.get("doi", "")),
            "pmid": accession if accession.isdigit() else None,
            "url": url,
            "note": "\n".join(record.get("notes") or []),
        }
        label = fields["key"] or fields["title"][:60]
        entries.append(ParsedEntry(line, label, fields, source="\n".join(lines[line - 1 : last]) + "\n"))
    return entries


# MEDLINE (PubMed format) -----------------------------------------------------
#
# What PubMed's "Save → PubMed format" and "Send to → Citation manager" give (.nbib, .txt): one
# record per work, records apart by a blank line, each line a tag padded to four characters, "- ",
# then the value; a value too long for one line goes on in lines indented by six spaces. Written
# from NLM's list of MEDLINE/PubMed data elements. A file says nothing of citation keys or notes.

_MEDLINE_TAG = re.compile(r"[A-Z][A-Z0-9]{0,3}")
_MEDLINE_MONTHS = {
    month: n
    for n, month in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_MEDLINE_TYPE_BY_KIND = {
    "journal": "Journal Article",
    "abstract": "Congress",
    "news": "News",
    "website": "Webcast",
    "book": "Book",
}


_MEDLINE_LINE = re.compile(r"([A-Z][A-Z0-9]{0,3}) *- ?(.*)")


def _medline_records(text):
    """[(line, [(tag, value), …], [line of the file, …], [problem, …]), …], and the problem with the
    file if it holds no records at all.

    PubMed writes "TAG - value" with the tag padded to four characters; other tools write "TAG-value"
    too, which reads the same. A line that is neither makes its record's problem, not the file's: the
    other records can still be imported."""
    records, current = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            current = None
            continue
        if line.startswith("      ") and current is not None and current[1]:
            current[2].append(line)
            tag, value = current[1][-1]
            current[1][-1] = (tag, f"{value} {line.strip()}".strip())
            continue
        match = _MEDLINE_LINE.fullmatch(line.rstrip())
        tag = match.group(1) if match else None
        if current is None or (tag == "PMID" and any(name == "PMID" for name, _ in current[1])):
            current = (number, [], [], [])
            records.append(current)
        current[2].append(line)
        if match:
            current[1].append((tag, match.group(2).strip()))
        else:
            current[3].append(f"line {number} is not a PubMed (MEDLINE) line: they read “TAG - value”")
    if not records:
        return [], ["no PubMed records found (each starts with a “PMID- ” line)"]
    return records, []


def _medline_date(text):
    """ "2006 Mar 1" -> (2006, date(2006, 3, 1)); "2013 Feb" or "2012 Jul-Aug" -> (year, None)."""
    parts = text.split()
    year = _year_or_none(parts[0]) if parts else None
    if year and len(parts) >= 3 and parts[1] in _MEDLINE_MONTHS and parts[2].isdigit():
        try:
            return year, datetime.date(year, _MEDLINE_MONTHS[parts[1]], int(parts[2]))
        except ValueError:
            pass
    return year, None


def _medline_kind(types):
    for kind, names in (
        ("abstract", ("Congress", "Meeting Abstract")),
        ("news", ("News", "Newspaper Article")),
        ("website", ("Webcast",)),
        ("book", ("Book",)),
    ):
        if any(name in names for name in types):
            return kind
    return "journal"


def parse_medline(text):
    records, problems = _medline_records(text)
    if problems:
        raise ReferenceFileError(problems)
    entries = []
    for line, tags, source, unread in records:
        if unread or not tags:
            pmid = next((value for tag, value in tags if tag == "PMID"), "")
            label = f"PMID {pmid}" if pmid else ""
            entries.append(ParsedEntry(line, label, source="\n".join(source) + "\n", problems=unread))
            continue
        values = {}
        for tag, value in tags:
            values.setdefault(tag, []).append(value)

        def first(*names, values=values):
            return next((values[name][0] for name in names if values.get(name)), "")

        # Persons (AU, or FAU where a record has no AU) and groups (CN), in the order the record lists them.
        person_tag = "AU" if values.get("AU") else "FAU"
        names = []
        for tag, value in tags:
            if tag == "CN":
                names.append({"literal": value})
            elif tag == person_tag == "AU":
                names.extend(parse_authors(value)[:1])
            elif tag == person_tag:
                family, _, given = value.partition(",")
                names.append({"family": family.strip(), "given": given.strip()})
        identifiers = values.get("LID", []) + values.get("AID", [])
        doi = next((value[: -len("[doi]")].strip() for value in identifiers if value.endswith("[doi]")), "")
        year, date = _medline_date(first("DP"))
        pmid = first("PMID")
        kind = "book" if values.get("BTI") else _medline_kind(values.get("PT", []))
        fields = {
            "key": "",
            "kind": kind,
            "title": first("TI", "BTI").rstrip("."),
            "authors": format_authors(names),
            "container": first("TA", "JT", "PB"),
            "year": year,
            "date": date,
            "volume": first("VI"),
            "issue": first("IP"),
            "pages": clean_pages(first("PG")),
            "doi": normalise_doi(doi),
            "pmid": normalise_pmid(pmid) if pmid.isdigit() else None,
            "url": "",
            "note": "",
        }
        label = f"PMID {pmid}" if pmid else fields["title"][:60]
        entries.append(ParsedEntry(line, label, fields, source="\n".join(source) + "\n", identifiers=("pmid", "doi")))
    return entries


def _medline_lines(tag, value, width=82):
    """One field, wrapped as PubMed wraps it: the tag on the first line, six spaces before the rest."""
    wrapped = textwrap.wrap(str(value), width=width - 6, break_long_words=False, break_on_hyphens=False) or [""]
    return [f"{tag:<4}- {wrapped[0]}", *(f"      {more}" for more in wrapped[1:])]


def medline_entry(reference):
    """One reference as a PubMed-format record (what the site knows of it: no key, no note)."""
    lines = []
    if reference.pmid:
        lines += _medline_lines("PMID", reference.pmid)
    lines += _medline_lines(
        "TI", reference.title if reference.title.endswith(("?", "!", ".")) else f"{reference.title}."
    )
    for name in parse_authors(reference.authors):
        lines += (
            _medline_lines("CN", name["literal"])
            if name.get("literal")
            else _medline_lines("AU", f"{name['family']} {name['given']}")
        )
    if reference.container:
        lines += _medline_lines("PB" if reference.kind == "book" else "TA", reference.container)
    if reference.year:
        date = reference.date
        when = f"{reference.year} {date:%b} {date.day}" if date and date.year == reference.year else str(reference.year)
        lines += _medline_lines("DP", when)
    for tag, value in (("VI", reference.volume), ("IP", reference.issue), ("PG", reference.pages)):
        if value:
            lines += _medline_lines(tag, value)
    if reference.doi:
        lines += _medline_lines("LID", f"{reference.doi} [doi]")
    lines += _medline_lines("PT", _MEDLINE_TYPE_BY_KIND.get(reference.kind, "Journal Article"))
    if reference.retraction_notice:
        lines += _medline_lines("PT", "Retracted Publication")  # MEDLINE's own publication type
    return "\n".join(lines) + "\n"


# CSL-JSON -------------------------------------------------------------------


def csl_json_entry(reference):
    return json.dumps(to_csl(reference), ensure_ascii=False, indent=2)


def parse_csl_json(text):
    """A CSL-JSON array (or a single item), keeping the line each item starts on."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise ReferenceFileError([f"line {error.lineno}: not valid JSON ({error.msg})"]) from None
    items = document if isinstance(document, list) else [document]
    # Re-read the top level item by item, only to learn where each one starts.
    lines, sources, line, counted = [], [], 1, 0
    position = offset + 1 if stripped.startswith("[") else offset
    for _ in items:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        line += text.count("\n", counted, position)  # from the previous item on, not from the top each time
        counted, start = position, position
        lines.append(line)
        _, position = decoder.raw_decode(text, position)
        sources.append(text[start:position])
    entries = []
    for line, item, source in zip(lines, items, sources, strict=True):
        if not isinstance(item, dict):
            problem = f"expected a CSL item ({{…}}), found {type(item).__name__}"
            entries.append(ParsedEntry(line, "", source=source, problems=[problem]))
            continue
        label = str(item.get("id", ""))
        try:
            fields = from_csl(item)
        except (TypeError, ValueError, AttributeError) as error:
            entries.append(ParsedEntry(line, label, source=source, problems=[f"could not be read ({error})"]))
            continue
        entries.append(ParsedEntry(line, fields["key"] or fields["title"][:60], fields, source=source))
    if not entries:
        raise ReferenceFileError(["no CSL-JSON items found (the file holds an empty list)"])
    return entries


# The registry the views, the importer and the command use -------------------


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extension: str
    content_type: str
    entry: object
    parse: object
    header: str = ""
    separator: str = "\n"
    footer: str = ""
    lossless: bool = True  # carries every field of a reference (a PubMed file has no key, link or note)

    def write(self, references):
        """The file's text in pieces, one reference at a time (for streaming a large library)."""
        yield self.header
        for n, reference in enumerate(references):
            yield (self.separator if n else "") + self.entry(reference)
        yield self.footer

    def file_of(self, sources):
        """A file in this format of entries as another file had them (``ParsedEntry.source``)."""
        ending = "\n" if self.separator == "\n" else ""
        return self.header + self.separator.join(source.rstrip() + ending for source in sources) + self.footer


FORMATS = {
    "bib": Format("bibtex", "BibTeX", "bib", "application/x-bibtex", bibtex_entry, parse_bibtex),
    "ris": Format("ris", "RIS", "ris", "application/x-research-info-systems", ris_entry, parse_ris),
    "nbib": Format(
        "medline",
        "PubMed (MEDLINE)",
        "nbib",
        "application/nbib",
        medline_entry,
        parse_medline,
        lossless=False,
    ),
    "json": Format(
        "csl-json",
        "CSL-JSON",
        "json",
        "application/vnd.citationstyles.csl+json",
        csl_json_entry,
        parse_csl_json,
        header="[\n",
        separator=",\n",
        footer="\n]\n",
    ),
}


# Tags that PubMed writes and RIS does not (RIS tags are two characters; "TI  - " is both).
_MEDLINE_ONLY_TAGS = re.compile(
    r"^(?:PMID|PMC|FAU|BTI|DCOM|LR|IS|PST|OWN|STAT|DEP|JID|MH|SO|TA|JT|DP|PT|LID|AID) *-", re.MULTILINE
)
# Web of Science's own "Plain text" export: two-letter tags followed by a space, no dash.
_WEB_OF_SCIENCE = re.compile(r"^(?:FN (?:Clarivate|Thomson)|PT [A-Z]\s*$)", re.MULTILINE)


def web_of_science_hint(text):
    """What to do with a Web of Science "Plain text" export, which is none of the formats read here."""
    if _WEB_OF_SCIENCE.search(text[:5000]):
        return (
            "; this looks like a Web of Science “Plain text” export: in Web of Science, choose "
            "Export → “RIS (other reference software)” or “BibTeX” instead"
        )
    return ""


def detect_format(filename, text):
    """The format of an uploaded file, by its extension, else by a look at its content."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    aliases = {"bibtex": "bib", "txt": None, "csl": "json", "csljson": "json", "medline": "nbib"}
    extension = aliases.get(extension, extension)
    if extension in FORMATS:
        return FORMATS[extension]
    head = text.lstrip()[:2000]
    if head.startswith(("[", "{")):
        return FORMATS["json"]
    if re.search(r"^TY  - ", head, re.MULTILINE):
        return FORMATS["ris"]
    if re.search(r"^PMID- ?\d", head, re.MULTILINE) or len(re.findall(_MEDLINE_ONLY_TAGS, head)) >= 2:
        return FORMATS["nbib"]
    if re.search(r"^\s*@\w+\s*[{(]", head, re.MULTILINE):
        return FORMATS["bib"]
    return None
