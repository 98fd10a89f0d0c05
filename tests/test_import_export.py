"""Export for reference managers, and import from them: every format round-trips, bad files import nothing."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from articles.models import Article
from references.formats import FORMATS, ReferenceFileError
from references.importing import apply_import, parse, plan_import, read_text
from references.models import ImportJob, Reference, Study

FILES = Path(__file__).parent / "files"
FIELDS = ["key", "kind", "title", "authors", "container", "year", "date", "volume", "issue", "pages"]
FIELDS += ["doi", "pmid", "url", "note", "ama_html", "vancouver_html"]


def library_snapshot():
    return sorted(Reference.objects.values_list(*FIELDS))


def write(references, extension):
    return "".join(FORMATS[extension].write(references))


def import_text(text, filename=""):
    return apply_import(plan_import(parse(text, filename)))


def body(response):
    return b"".join(response.streaming_content).decode()


LOSSLESS = sorted(extension for extension, fmt in FORMATS.items() if fmt.lossless)


@pytest.mark.parametrize("extension", LOSSLESS)
def test_an_exported_library_imports_back_as_the_same_references(demo, extension):
    before = library_snapshot()
    text = write(Reference.objects.all(), extension)
    Article.objects.all().delete()
    Study.objects.all().delete()
    Reference.objects.all().delete()
    counts = import_text(text, f"library.{extension}")
    assert counts == {"create": 5}
    assert library_snapshot() == before


@pytest.mark.parametrize("extension", sorted(FORMATS))
def test_importing_an_export_into_the_same_library_changes_nothing(demo, extension):
    before = library_snapshot()
    assert import_text(write(Reference.objects.all(), extension), f"x.{extension}") == {"skip": 5}
    assert library_snapshot() == before


@pytest.mark.parametrize(
    ("url", "content_type", "filename"),
    [
        ("/references/younger2009/export.bib", "application/x-bibtex", "younger2009.bib"),
        ("/references/younger2009/export.ris", "application/x-research-info-systems", "younger2009.ris"),
        ("/references/younger2009/export.json", "application/vnd.citationstyles.csl+json", "younger2009.json"),
        (
            "/articles/ldn-fibromyalgia-randomised-trial-2013/references.ris",
            "application/x-research-info-systems",
            "ldn-fibromyalgia-randomised-trial-2013-references.ris",
        ),
        ("/references/export.bib", "application/x-bibtex", "ldn-references.bib"),
        ("/references/export.json?kind=journal&year=2009", "application/vnd.citationstyles.csl+json", None),
    ],
)
def test_downloads_have_the_right_type_and_file_name(client, demo, url, content_type, filename):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    expected = filename or "ldn-references-journal-2009.json"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_an_articles_download_lists_its_references_in_their_numbered_order(client, demo):
    text = body(client.get("/articles/ldn-fibromyalgia-randomised-trial-2013/references.bib"))
    assert [entry.label for entry in parse(text, "a.bib")] == ["younger2013", "aapm2012", "younger2009"]


def test_the_library_download_holds_exactly_what_the_filters_show(client, demo):
    text = body(client.get("/references/export.ris?kind=journal"))
    assert sorted(entry.fields["doi"] for entry in parse(text, "a.ris")) == [
        "10.1002/art.37734",
        "10.1111/j.1526-4637.2009.00613.x",
    ]


def test_a_drafts_references_cannot_be_downloaded(client, make_article):
    make_article(slug="secret", status=Article.Status.DRAFT)
    assert client.get("/articles/secret/references.bib").status_code == 404


@pytest.mark.parametrize(
    "url", ["/references/export.bib?kind=nonsense", "/references/export.bib?year=abc", "/references/export.xml"]
)
def test_bad_download_requests_are_client_errors(client, demo, url):
    assert client.get(url, follow=True).status_code in (400, 404)


@pytest.mark.parametrize(
    "url", ["/references/", "/references/younger2009/", "/articles/low-dose-naltrexone-for-fibromyalgia-pain/"]
)
def test_pages_link_to_every_download_format(client, demo, url):
    html = client.get(url).content.decode()
    for label in ("BibTeX", "RIS", "CSL-JSON"):
        assert f"download>{label}</a>" in html


def test_real_world_files_import_with_their_names_dates_and_identifiers(db):
    for name in ("zotero-export.bib", "endnote-export.ris", "zotero-export.json"):
        import_text(read_text((FILES / name).read_bytes()), name)
    paper = Reference.objects.get(doi="10.1111/j.1526-4637.2009.00613.x")  # in the .bib and the .ris: one reference
    assert (paper.authors, paper.pages, paper.pmid) == ("Younger J, Mackey S", "663-672", "19453963")
    abstract = Reference.objects.get(key="aapm_2012")
    assert (abstract.kind, abstract.authors, str(abstract.date)) == (
        "abstract",
        "Stanford University School of Medicine",
        "2012-02-24",
    )
    review = Reference.objects.get(key="muller_2021")
    assert review.authors == "Müller J, Çelik A"
    assert review.title == "LDN in Crohn's disease: a review"
    assert review.url == "https://example.org/ldn-crohns_review?id=1&lang=de"
    assert Reference.objects.get(title="Confirmation: Low-Dose Naltrexone Eases Fibromyalgia Pain").kind == "news"
    # A Zotero item id is not a usable key: the importer makes one from the first author and year.
    assert Reference.objects.filter(key="ldnwebsite").exists()
    assert Reference.objects.get(doi="10.1002/art.37734").key == "younger_low-dose_2013"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("broken.bib", "entry 'broken2011' (line 3): could not be read as BibTeX"),
        ("broken.ris", "line 8: a new record starts before the record from line 5 ends"),
        ("broken.json", "line 3: not valid JSON"),
        ("partly-invalid.json", "entry 'notitle' (line 3): it has no title: add one to the entry in the file"),
        ("partly-invalid.json", "entry 'ancient' (line 4): year: Ensure this value is greater than or equal to 1800."),
        ("partly-invalid.json", "entry 'baddoi' (line 5): doi: “not-a-doi” is not a DOI."),
    ],
)
def test_a_malformed_file_names_the_entry_and_line_and_imports_nothing(db, name, problem):
    with pytest.raises(CommandError) as error:
        call_command("import_references", str(FILES / name), stdout=io.StringIO())
    assert problem in str(error.value)
    assert not Reference.objects.exists()


def test_matching_prefers_doi_then_pmid_then_key(demo):
    ris = (
        "TY  - JOUR\nID  - other-key\nTI  - Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study\n"
        "AN  - 19453963\nVL  - 11\nER  - \n\n"
        "TY  - NEWS\nID  - medscape2012\nTI  - Confirmation: Low-Dose Naltrexone Eases Fibromyalgia Pain\n"
        "N1  - Now free to read.\nER  - \n"
    )
    plans = plan_import(parse(ris, "x.ris"))
    assert [(p.action, p.reference.key, p.matched_by) for p in plans] == [
        ("update", "younger2009", "PubMed ID"),
        ("update", "medscape2012", "citation key"),
    ]
    assert plans[0].changes == [("volume", "10", "11")]


def test_a_key_taken_by_another_work_gets_a_new_key(demo):
    bib = "@article{younger2009, title={A different paper}, author={Younger, Jarred}, year={2009}, doi={10.1000/other}}"
    plans = plan_import(parse(bib, "x.bib"))
    assert (plans[0].action, plans[0].reference.key) == ("create", "younger2009b")


def test_a_work_repeated_in_one_file_is_imported_once(db):
    item = '{"id": "%s", "type": "book", "title": "Same", "DOI": "10.1000/same"}'
    plans = plan_import(parse("[" + item % "a" + ", " + item % "b" + "]", "x.json"))
    assert [p.action for p in plans] == ["create", "skip"]
    assert "same work as entry 'a' (line 1)" in plans[1].reason


def test_a_file_that_is_not_utf8_is_refused_with_a_message():
    with pytest.raises(ReferenceFileError, match="not UTF-8"):
        read_text("TI  - Caf\xe9".encode("latin-1"))


def test_the_command_dry_run_changes_nothing(db):
    out = io.StringIO()
    call_command("import_references", str(FILES / "zotero-export.bib"), "--dry-run", stdout=out)
    assert "Would have: 4 created, 0 updated, 0 unchanged." in out.getvalue()
    assert not Reference.objects.exists()


# The admin's upload page -----------------------------------------------------


def upload(name, content=None):
    data = content if content is not None else (FILES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_changelist_links_to_the_import_page(admin_client, db):
    assert "/admin/references/reference/import/" in admin_client.get("/admin/references/reference/").content.decode()


def test_admin_import_previews_then_saves_on_confirmation(admin_client, demo):
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("zotero-export.bib")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 created, 1 updated, 1 unchanged" in html
    assert "Matched by DOI." in html
    assert not Reference.objects.filter(key="muller_2021").exists()  # nothing saved at the preview

    payload = response.context["confirm"]["payload"].value()
    response = admin_client.post("/admin/references/reference/import/", {"payload": payload}, follow=True)
    assert "Imported zotero-export.bib: 2 created, 1 updated, 1 unchanged." in response.content.decode()
    assert Reference.objects.filter(key="muller_2021").exists()
    assert Reference.objects.get(key="younger2009").url == "https://doi.org/10.1111/j.1526-4637.2009.00613.x"


def test_admin_import_lists_invalid_entries_and_imports_the_others_only_when_asked(admin_client, db):
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("partly-invalid.json")})
    html = response.content.decode()
    assert "3 entries cannot be imported as they stand" in html
    assert "Entry &#x27;notitle&#x27; (line 3): it has no title: add one to the entry in the file" in html
    assert "Entry &#x27;baddoi&#x27; (line 5)" in html and "Entry &#x27;ancient&#x27; (line 4)" in html
    assert "Import the others and leave 3 out: 1 created, 0 updated, 0 unchanged, 3 left out" in html
    assert not Reference.objects.exists()  # nothing saved at the preview

    confirm = {name: field.value() for name, field in ((f.name, f) for f in response.context["confirm"])}
    download = admin_client.post("/admin/references/reference/import/left-out/", confirm)
    assert download["Content-Disposition"] == 'attachment; filename="partly-invalid-left-out.json"'
    left_out = json.loads(download.content)
    assert [item["id"] for item in left_out] == ["notitle", "ancient", "baddoi"]

    response = admin_client.post("/admin/references/reference/import/", confirm, follow=True)
    html = response.content.decode()
    assert "Imported partly-invalid.json: 1 created, 0 updated, 0 unchanged, 3 left out." in html
    assert "3 entries were left out" in html
    assert list(Reference.objects.values_list("key", flat=True)) == ["fine2010"]
    job = ImportJob.objects.get()
    again = admin_client.get(f"/admin/references/reference/import/{job.pk}/left-out/")
    assert [item["id"] for item in json.loads(again.content)] == ["notitle", "ancient", "baddoi"]


def test_admin_import_of_a_file_with_nothing_valid_shows_every_problem_and_saves_nothing(admin_client, db):
    bad = b'[{"id": "notitle", "type": "article-journal"}, '
    bad += b'{"id": "ancient", "title": "Old", "issued": {"date-parts": [[1066]]}}]'
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("bad.json", bad)})
    html = response.content.decode()
    assert "Nothing was imported." in html
    assert "entry &#x27;notitle&#x27; (line 1)" in html and "entry &#x27;ancient&#x27; (line 1)" in html
    assert not Reference.objects.exists()


def test_the_command_imports_nothing_from_a_partly_invalid_file_unless_told_to_skip_invalid_entries(db):
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_references", str(FILES / "partly-invalid.json"), stdout=io.StringIO())
    assert not Reference.objects.exists()
    out, err = io.StringIO(), io.StringIO()
    call_command("import_references", str(FILES / "partly-invalid.json"), "--skip-invalid", stdout=out, stderr=err)
    assert list(Reference.objects.values_list("key", flat=True)) == ["fine2010"]
    assert "1 created, 0 updated, 0 unchanged, 3 left out" in out.getvalue()
    assert "left out  entry 'notitle' (line 3): it has no title: add one to the entry in the file" in err.getvalue()


def test_admin_import_refuses_an_oversized_file(admin_client, db):
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("big.bib", b"%" * 1_100_000)})
    assert "the limit is 1 MB" in response.content.decode()


def test_admin_import_refuses_an_altered_preview(admin_client, db):
    response = admin_client.post("/admin/references/reference/import/", {"payload": "forged"})
    assert "has expired or was altered" in response.content.decode()
    assert not Reference.objects.exists()


def test_admin_import_refuses_a_file_of_another_kind(admin_client, db):
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("notes.txt", b"hello")})
    assert "not BibTeX (.bib), RIS (.ris), CSL-JSON (.json) or PubMed format" in response.content.decode()


def test_admin_import_needs_permission_to_add_and_change_references(client, django_user_model, db):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/references/reference/import/").status_code == 403


# PubMed's own format (MEDLINE), as PubMed's "Save" and "Send to citation manager" write it

MEDLINE_FILE = FILES / "medline" / "biopython-pubmed_result2.txt"  # see tests/files/medline/SOURCES.md


def test_a_pubmed_file_written_by_ncbi_is_read_whole(db):
    """Four records from NCBI's E-utilities (Biopython's fixture): wrapped titles, four-letter tags,
    shortened page ranges, DOIs among other article identifiers, dates with and without a day."""
    entries = parse(MEDLINE_FILE.read_text(), "pubmed_result2.txt")  # a .txt: known by its content
    assert [entry.fields["pmid"] for entry in entries] == ["16403221", "16377612", "14871861", "14630660"]
    diagram = entries[1].fields
    assert diagram["title"] == "GenomeDiagram: a python package for the visualization of large-scale genomic data"
    assert diagram["authors"] == "Pritchard L, White JA, Birch PR, Toth IK"
    assert (diagram["container"], diagram["volume"], diagram["issue"], diagram["pages"]) == (
        "Bioinformatics",
        "22",
        "5",
        "616-617",
    )
    assert (diagram["year"], str(diagram["date"]), diagram["doi"]) == (
        2006,
        "2006-03-01",
        "10.1093/bioinformatics/btk021",
    )
    assert entries[0].fields["date"] is None and entries[0].fields["year"] == 2006  # "DP  - 2006"
    assert entries[2].fields["authors"].startswith("de Hoon MJ")
    assert not entries[3].fields["doi"]  # no [doi] among its identifiers
    assert import_text(MEDLINE_FILE.read_text(), "pubmed_result2.txt") == {"create": 4}
    assert Reference.objects.get(pmid="16403221").key == "casbon2006"


def test_a_pubmed_export_of_the_library_imports_back_into_an_empty_one(demo):
    carried = ["kind", "title", "authors", "container", "year", "volume", "issue", "pages", "doi", "pmid"]
    journals = Reference.objects.filter(kind=Reference.Kind.JOURNAL_ARTICLE)
    before = sorted(journals.values_list(*carried))
    text = write(journals, "nbib")
    assert text.startswith("PMID- ") or text.startswith("TI  - ")
    Article.objects.all().delete()
    Study.objects.all().delete()
    Reference.objects.all().delete()
    assert import_text(text, "library.nbib") == {"create": len(before)}
    assert sorted(Reference.objects.values_list(*carried)) == before


def test_a_broken_pubmed_file_names_its_bad_lines(db):
    text = "PMID- 123\nTI  - A title\nthis line is not a field\n"
    with pytest.raises(ReferenceFileError) as error:
        plan_import(parse(text, "broken.nbib"))
    assert error.value.problems == [
        "entry 'PMID 123' (line 1): line 3 is not a PubMed (MEDLINE) line: they read “TAG - value”"
    ]


def test_a_pubmed_file_can_be_downloaded(client, demo):
    response = client.get("/references/younger2009/export.nbib")
    assert response.status_code == 200
    text = body(response)
    assert "PMID- 19453963" in text and "LID - 10.1111/j.1526-4637.2009.00613.x [doi]" in text
    assert all(line[4:6] == "- " or line.startswith("      ") for line in text.splitlines() if line)


def test_a_pubmed_file_imports_through_the_admin_with_a_preview(admin_client, db):
    data = MEDLINE_FILE.read_bytes()
    response = admin_client.post(
        "/admin/references/reference/import/", {"file": SimpleUploadedFile("pubmed-export.txt", data)}
    )
    assert response.status_code == 200 and "4 created" in response.content.decode()
    assert not Reference.objects.exists()
    payload = response.context["confirm"]["payload"].value()
    response = admin_client.post("/admin/references/reference/import/", {"payload": payload}, follow=True)
    assert "Imported pubmed-export.txt: 4 created" in response.content.decode()
    assert Reference.objects.get(pmid="14630660").title == "PDB file parser and structure class implemented in Python"


# Files that used to crash the importer or lose data (issue 20)


def test_a_link_in_a_bibtex_field_keeps_its_text_and_address(db):
    (entry,) = parse(r"@misc{a, title = {See \href{https://x.org/page}{this page}}, author = {Doe, Jane}}", "a.bib")
    assert entry.fields["title"] == "See this page <https://x.org/page>"


def test_a_biblatex_date_gives_the_year(db):
    entries = parse("@article{a, title = {T}, date = {2006}}\n@article{b, title = {U}, date = {2006-05}}", "a.bib")
    assert [(entry.fields["year"], entry.fields["date"]) for entry in entries] == [(2006, None), (2006, None)]


@pytest.mark.parametrize(
    ("name", "text"),
    [("deep.bib", "@article{c, title = {" + "{" * 20000 + "x" + "}" * 20000 + "}}"), ("deep.json", "[" * 100000)],
)
def test_a_file_nested_beyond_reason_is_a_clear_error(db, name, text):
    with pytest.raises(ReferenceFileError) as error:
        parse(text, name)
    assert error.value.problems == ["the file is nested too deeply to be read (braces or brackets within each other)"]


def test_ten_thousand_works_by_one_first_author_in_one_year_each_get_a_key(db):
    from references.importing import unused_key

    taken = {"doe2020", *(f"doe2020{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")}
    taken |= {f"doe2020-{n}" for n in range(2, 10_000)}
    assert unused_key({"authors": "Doe J", "year": 2020}, taken) == "doe2020-10000"


def test_a_deeply_nested_file_is_a_form_error_in_the_admin(admin_client, db):
    response = admin_client.post(
        "/admin/references/reference/import/", {"file": upload("deep.json", b"[" * 100_000 + b"]" * 100_000)}
    )
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()


def test_ris_first_authors_are_kept_when_other_authors_follow(db):
    text = "TY  - JOUR\nA1  - Younger, Jarred\nAU  - Mackey, Sean\nTI  - Pilot\nPY  - 2009\nER  - \n"
    (entry,) = parse(text, "a.ris")
    assert entry.fields["authors"] == "Younger J, Mackey S"


def test_ris_as_endnote_and_databases_write_it_is_read(db):
    """One space before the dash (EndNote), a record number or a header before each record (databases)."""
    text = (
        "Record #1 of 2\nProvider: Example Database\n\n1.\nTY - JOUR\nTI - First title\nPY - 2010\nER - \n\n"
        "Record #2 of 2\n2.\nTY  - JOUR\nTI  - Second title\nPY  - 2011\nER  - \n"
    )
    assert [entry.fields["title"] for entry in parse(text, "export.ris")] == ["First title", "Second title"]


def test_ris_date_wins_over_the_deprecated_y1(db):
    text = "TY  - JOUR\nTI  - Dated\nY1  - 2012\nDA  - 2013/02/01\nER  - \n"
    (entry,) = parse(text, "a.ris")
    assert (entry.fields["year"], str(entry.fields["date"])) == (2013, "2013-02-01")
    assert import_text(text, "a.ris") == {"create": 1}


def test_bibtex_values_wrapped_over_lines_are_read_as_one_line(db):
    text = "@article{a,\n  title = {Towards the automatic\n                  capturing of the font outlines},\n"
    text += "  year = 2001}"
    (entry,) = parse(text, "a.bib")
    assert entry.fields["title"] == "Towards the automatic capturing of the font outlines"


def test_a_caret_survives_a_bibtex_round_trip(make_reference):
    reference = make_reference(key="einstein1905", title="Why $e=mc^2$: a^b notation")
    (entry,) = parse(write([reference], "bib"), "a.bib")
    assert entry.fields["title"] == "Why $e=mc^2$: a^b notation"


def test_a_field_given_twice_in_a_bibtex_entry_keeps_the_first_as_bibtex_does(db):
    (entry,) = parse("@article{a, title = {One}, title = {Two}, year = 2000}", "a.bib")
    assert (entry.fields["title"], entry.fields["year"]) == ("One", 2000)


def test_a_note_over_several_lines_goes_out_as_ris_notes_and_comes_back(make_reference):
    reference = make_reference(key="noted2020", note="First line.\nSecond line.")
    text = write([reference], "ris")
    assert all(line == "" or line[2:6] == "  - " for line in text.splitlines()), text
    (entry,) = parse(text, "a.ris")
    assert entry.fields["note"] == "First line.\nSecond line."


def test_a_csl_date_with_a_word_for_a_month_keeps_its_year(db):
    item = {"id": "ITEM-2", "type": "article-journal", "title": "T", "issued": {"date-parts": [["2001", "spring"]]}}
    (entry,) = parse(json.dumps([item]), "a.json")
    assert (entry.fields["year"], entry.fields["date"]) == (2001, None)


def test_a_csl_date_with_no_year_says_so_in_words(db):
    item = {"id": "ITEM-3", "type": "article-journal", "title": "T", "issued": {"date-parts": [["soon"]]}}
    with pytest.raises(ReferenceFileError) as error:
        plan_import(parse(json.dumps([item]), "a.json"))
    assert error.value.problems == [
        "entry 'ITEM-3' (line 1): could not be read (its issued date has no year: ['soon'])"
    ]


def test_a_web_address_with_quotes_or_angle_brackets_is_refused(db):
    text = 'TY  - ELEC\nTI  - A page\nUR  - https://example.org/"><script>alert(1)</script>\nER  - \n'
    with pytest.raises(ReferenceFileError) as error:
        plan_import(parse(text, "a.ris"))
    assert (
        "the web address 'https://example.org/\"><script>alert(1)</script>' is not one a browser can open"
        in (error.value.problems[0])
    )


def test_a_file_read_in_the_wrong_format_says_so_once(db):
    text = "\n".join(f"PT J\nAU Doe, J\nTI Title {n}\nER\n" for n in range(200))  # Web of Science, read as RIS
    with pytest.raises(ReferenceFileError) as error:
        parse(text, "savedrecs.txt", "ris")
    assert error.value.problems[0].startswith("no RIS records found (each starts with a “TY  - ” line)")
    assert "this looks like a Web of Science “Plain text” export" in error.value.problems[0]
    assert len(error.value.problems) == 1


def test_a_file_with_hundreds_of_bad_lines_lists_the_first_twenty(db):
    text = "PMID- 1\n" + "\n".join(f"not a field {n}" for n in range(500))
    with pytest.raises(ReferenceFileError) as error:
        plan_import(parse(text, "export.nbib"))
    assert len(error.value.problems) == 21
    assert error.value.problems[-1] == "and 480 more problems like these"


def test_biblatex_sets_are_groupings_not_works_and_crossref_fills_in_what_an_entry_lacks(db):
    text = """
@set{both, entryset = {part1, part2}}
@inproceedings{part1, author = {Doe, Jane}, title = {A talk on naltrexone}, crossref = {meeting}, pages = {1--5}}
@inproceedings{part2, author = {Roe, Rita}, crossref = {meeting2}}
@proceedings{meeting, title = {Proceedings of the Pain Meeting}, date = {2012}, publisher = {AAPM}}
@proceedings{meeting2, title = {Second Pain Meeting}, year = {2013}}
"""
    parsed = parse(text, "a.bib")
    assert parsed[0].passed_over.startswith("a biblatex set of other entries")
    entries = {entry.fields["key"]: entry.fields for entry in parsed[1:]}
    assert sorted(entries) == ["meeting", "meeting2", "part1", "part2"]
    assert entries["part1"]["container"] == "Proceedings of the Pain Meeting"
    assert entries["part1"]["year"] == 2012 and entries["part1"]["title"] == "A talk on naltrexone"
    assert entries["part2"]["title"] == "Second Pain Meeting" and entries["part2"]["year"] == 2013
    plans = plan_import(parsed)
    assert (plans[0].action, plans[0].entry.where) == ("skip", "entry 'both' (line 2)")
    assert plans[0].reason == "a biblatex set of other entries (imported one by one), not a work of its own"
    assert import_text(text, "a.bib") == {"create": 4, "skip": 1}


def test_a_pubmed_record_is_matched_by_its_pmid_before_the_doi_it_lists(make_reference):
    make_reference(key="bydoi", doi="10.1186/1471-2474-14-26", title="Entered with the DOI")
    by_pmid = make_reference(key="bypmid", pmid="23339396", title="Entered with the PMID")
    text = "PMID- 23339396\nTI  - Pain relief with LDN.\nDP  - 2013 Feb 19\nLID - 10.1186/1471-2474-14-26 [doi]\n"
    (plan,) = plan_import(parse(text, "pubmed.nbib"), partial=True)
    assert plan.reference.pk == by_pmid.pk and plan.matched_by == "PubMed ID"
    # The DOI it lists is another reference's: the editor is told, nothing is merged.
    assert plan.action == "invalid" and "Another reference already has this DOI. (bydoi)" in plan.problems[0]
    (plan,) = plan_import(parse(write([by_pmid], "bib").replace("bypmid", "other"), "a.bib"), partial=True)
    assert plan.reference.pk == by_pmid.pk  # elsewhere the DOI comes first, and this has none


def test_a_bibtex_no_break_space_stays_one_through_a_round_trip(db):
    text = "@article{nbsp2020, title = {Dose of 4.5~mg at night}, author = {Doe, Jane}, year = {2020}}"
    (entry,) = parse(text, "a.bib")
    assert entry.fields["title"] == "Dose of 4.5\u00a0mg at night"
    import_text(text, "a.bib")
    exported = write(Reference.objects.all(), "bib")
    assert "4.5{~}mg" in exported
    assert parse(exported, "b.bib")[0].fields["title"] == "Dose of 4.5\u00a0mg at night"


def test_the_preview_points_out_a_work_with_the_same_title_and_year_as_one_in_the_library(admin_client, make_reference):
    existing = make_reference(
        key="younger2009", title="Fibromyalgia symptoms are reduced by low-dose naltrexone", year=2009
    )
    text = b"@article{other2009, title = {Fibromyalgia Symptoms Are Reduced by Low-Dose Naltrexone.}, year = {2009}}"
    response = admin_client.post("/admin/references/reference/import/", {"file": upload("a.bib", text)})
    (plan,) = response.context["plans"]
    assert plan.action == "create" and plan.possibly_same_as == existing
    html = response.content.decode()
    assert "Possibly the same as" in html and f"/admin/references/reference/{existing.pk}/change/" in html


def test_a_file_of_more_entries_than_the_limit_is_a_clear_error(db):
    text = json.dumps([{"id": f"w{n}", "title": "A work"} for n in range(10_001)])
    with pytest.raises(ReferenceFileError) as error:
        parse(text, "many.json")
    assert error.value.problems == ["the file holds 10,001 entries; the limit is 10,000: split it and import each part"]
