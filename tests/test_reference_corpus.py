"""The importer against reference files written by other tools (tests/files/real, sources in its README).

Each file's outcome is asserted: how many works it creates and how many entries are left out with a
reason, or why it is refused as a whole. Everything a file imports then goes out through every export
format and comes back the same (the PubMed format carries no key, link or note, and ends every title
with a full stop, so those are compared without)."""

from collections import Counter
from pathlib import Path

import pytest

from references.formats import FORMATS, ReferenceFileError
from references.importing import PlannedImport, apply_import, parse, plan_import, read_text
from references.models import Reference

REAL = Path(__file__).parent / "files" / "real"

# file -> (works created, entries left out) or the start of the reason the whole file is refused
EXPECTED = {
    "biblatex/95-customlists.bib": (0, 4),  # no titles: biblatex's example of sorting lists
    "biblatex/97-annotations.bib": (1, 0),
    "biblatex/biblatex-examples.bib": (90, 0),  # and 2 sets passed over
    "bibtexparser/bibtex.bib": (1, 0),
    "jabref/EndnoteXmlImporterTestArticle2.bib": (0, 2),  # links are EndNote's "<Go to ISI>://…"
    "jabref/LNCS-minimal.bib": (1, 0),
    "jabref/MODSImporterTestAllFields.bib": (0, 1),  # two links in one url field
    "jabref/MarcXmlParserTestBook.bib": (1, 0),
    "jabref/MedlineImporterTestBookArticleSet.bib": (1, 0),  # and one keyless entry without a title
    "jabref/MedlineImporterTestPubmedBook.bib": (1, 0),
    "jabref/MedlinePlainImporterStringOutOfBounds.txt": (1, 1),
    "jabref/MedlinePlainImporterTestCompleteEntry.txt": (1, 0),
    "jabref/MedlinePlainImporterTestDOI.txt": (0, 1),
    "jabref/MedlinePlainImporterTestInproceeding.txt": (0, 1),
    "jabref/MedlinePlainImporterTestMultiAbstract.txt": (0, 1),
    "jabref/MedlinePlainImporterTestMultiTitle.txt": "the file is not BibTeX (.bib), RIS (.ris), CSL-JSON",
    "jabref/MedlinePlainImporterTestMultipleEntries.txt": (2, 6),
    "jabref/MsBibImporterTest4.bib": (1, 0),
    "jabref/NbibImporterTest.nbib": (1, 0),
    "jabref/OvidImporterTestBib6.bib": (1, 0),
    "jabref/RepecNepImporterTest1.bib": (1, 0),
    "jabref/RisImporterCorrupted.ris": "line 2: a field outside a record",
    "jabref/RisImporterTest1.bib": (1, 0),
    "jabref/RisImporterTest1.ris": "line 3: a new record starts before the record from line 2 ends",
    "jabref/RisImporterTest3.ris": (1, 0),
    "jabref/RisImporterTest4a.ris": (1, 0),
    "jabref/RisImporterTest4b.ris": (1, 0),
    "jabref/RisImporterTest4c.ris": (1, 0),
    "jabref/RisImporterTest5a.ris": (1, 0),
    "jabref/RisImporterTest5b.ris": (1, 0),
    "jabref/RisImporterTest6.ris": (1, 0),
    "jabref/RisImporterTest7.ris": (1, 0),
    "jabref/RisImporterTest8_date.ris": (1, 0),
    "jabref/RisImporterTest9.ris": (1, 0),
    "jabref/RisImporterTestDOI.ris": (1, 0),
    "jabref/RisImporterTestDate1.1.ris": (1, 0),
    "jabref/RisImporterTestDate1.2.ris": (1, 0),
    "jabref/RisImporterTestDoiAndJournalTitle.ris": (0, 1),
    "jabref/RisImporterTestScience.ris": (1, 0),  # a link with no scheme, "//www.sciencedirect.com/…"
    "jabref/RisImporterTestScopus.bib": (1, 0),
    "jabref/RisImporterTestScopus.ris": (1, 0),
    "jabref/RisImporterTestWithEmptyER.ris": (1, 0),
    "jabref/encoding-utf-8-with-header.bib": (1, 0),
    "rispy/example_basic.ris": (1, 0),
    "rispy/example_bom.ris": (0, 1),  # a DOI and nothing else
    "rispy/example_custom_list_tags.ris": (0, 1),
    "rispy/example_empty_tag.ris": (1, 0),
    "rispy/example_extraneous_data.ris": (0, 2),  # "http://example_url.com" is no host name
    "rispy/example_full.ris": (0, 2),
    "rispy/example_full_without_whitespace.ris": (0, 2),
    "rispy/example_full_write.ris": (0, 2),
    "rispy/example_multi_unknown_tags.ris": (1, 0),
    "rispy/example_multiline.ris": (0, 3),
    "rispy/example_single_unknown_tag.ris": (1, 0),
    "rispy/example_starting_newlines.ris": (1, 0),
    "rispy/example_urls.ris": (4, 0),
    "rispy/example_utf_chars.ris": (0, 1),
    "rispy/example_wos.ris": "no RIS records found (each starts with a “TY  - ” line); this looks like a Web of",
}

FIELDS = ["key", "kind", "title", "authors", "container", "year", "date", "volume", "issue", "pages"]
FIELDS += ["doi", "pmid", "url", "note"]
PUBMED_FIELDS = ["kind", "title", "authors", "container", "year", "volume", "issue", "pages", "doi", "pmid"]


def test_the_corpus_is_every_file_in_the_folder_and_over_forty():
    files = {str(path.relative_to(REAL)) for path in REAL.rglob("*") if path.is_file() and path.suffix != ".md"}
    assert files == set(EXPECTED)
    assert len(files) >= 40


def plans_for(name):
    path = REAL / name
    return plan_import(parse(read_text(path.read_bytes()), path.name), partial=True)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_file_written_by_another_tool_imports_what_it_holds_and_says_why_it_leaves_anything_out(db, name):
    expected = EXPECTED[name]
    if isinstance(expected, str):
        with pytest.raises(ReferenceFileError) as error:
            plans_for(name)
        assert error.value.problems[0].startswith(expected), error.value.problems
        return
    plans = plans_for(name)
    counts = Counter(plan.action for plan in plans)
    assert (counts[PlannedImport.CREATE], counts[PlannedImport.INVALID]) == expected
    for plan in plans:
        if plan.action == PlannedImport.INVALID:
            # Every reason names its entry and line, in words, and the entry can be handed back as it was.
            assert plan.problems and all(problem[0].islower() or problem[0] == "<" for problem in plan.problems)
            assert f"line {plan.entry.line}" in plan.entry.where and plan.entry.source.strip()
    apply_import(plans)
    assert Reference.objects.count() == expected[0]


def _compared(values, lossless):
    if lossless:
        return sorted(values)
    # PubMed ends every title with a full stop; a title's own is not told apart from it.
    return sorted((kind, title.rstrip("."), *rest) for kind, title, *rest in values)


@pytest.mark.parametrize(
    "name", sorted(name for name, expected in EXPECTED.items() if not isinstance(expected, str) and expected[0])
)
def test_what_a_file_imports_goes_out_in_every_format_and_comes_back_the_same(db, name):
    apply_import(plans_for(name))
    for extension, file_format in FORMATS.items():
        fields = FIELDS if file_format.lossless else PUBMED_FIELDS
        before = _compared(Reference.objects.values_list(*fields), file_format.lossless)
        text = "".join(file_format.write(Reference.objects.all()))
        Reference.objects.all().delete()
        apply_import(plan_import(parse(text, f"export.{extension}")))
        assert _compared(Reference.objects.values_list(*fields), file_format.lossless) == before, extension
        if not file_format.lossless:  # bring back what the PubMed format does not carry
            Reference.objects.all().delete()
            apply_import(plans_for(name))
