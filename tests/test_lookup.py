"""Adding a reference by DOI or PMID alone: the registries fill in the rest; failures keep what was typed.

The registries' answers are replayed from tests/files with respx, so the suite never touches the network.
They follow the formats of Crossref's /works API and NCBI's esummary JSON; this machine cannot reach
either service, so they were written out by hand from those formats rather than captured live.
"""

import json
from pathlib import Path

import httpx
import pytest
import respx

from references.lookup import CROSSREF_URL, PUBMED_URL, ReferenceLookupError, from_crossref, from_pubmed
from references.models import Reference

from .test_admin import reference_form

FILES = Path(__file__).parent / "files"


def recorded(name):
    return httpx.Response(200, json=json.loads((FILES / name).read_text()))


@pytest.fixture
def registries():
    with respx.mock(assert_all_called=False) as router:
        router.get(CROSSREF_URL.format(doi="10.1002/art.37734")).mock(recorded("crossref-10.1002-art.37734.json"))
        router.get(CROSSREF_URL.format(doi="10.1000/unknown")).mock(httpx.Response(404, text="Resource not found."))
        router.get(CROSSREF_URL.format(doi="10.1000/slow")).mock(side_effect=httpx.ConnectTimeout("timed out"))
        router.get(PUBMED_URL, params={"id": "19453963"}).mock(recorded("pubmed-19453963.json"))
        router.get(PUBMED_URL, params={"id": "99999999"}).mock(recorded("pubmed-unknown.json"))
        yield router


def test_crossref_fills_in_a_journal_article(registries):
    fields = from_crossref("https://doi.org/10.1002/ART.37734")
    assert fields["title"].startswith("Low-dose naltrexone for the treatment of fibromyalgia")
    assert fields["authors"] == "Younger J, Noor N, McCue R, Mackey S"
    assert (fields["container"], fields["volume"], fields["issue"], fields["pages"]) == (
        "Arthritis & Rheumatism",
        "65",
        "2",
        "529-538",
    )
    assert (fields["year"], fields["doi"], fields["kind"]) == (2013, "10.1002/art.37734", "journal")


def test_pubmed_fills_in_a_journal_article_with_its_doi(registries):
    fields = from_pubmed("19453963")
    assert fields["title"] == "Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study"
    assert (fields["authors"], fields["container"], fields["year"]) == ("Younger J, Mackey S", "Pain Med", 2009)
    assert fields["doi"] == "10.1111/j.1526-4637.2009.00613.x"
    assert fields["pmid"] == "19453963"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: from_crossref("10.1000/unknown"), "Crossref has no record of the DOI 10.1000/unknown."),
        (lambda: from_crossref("10.1000/slow"), "Crossref did not answer within 5 seconds."),
        (lambda: from_pubmed("99999999"), "PubMed has no record of the PMID 99999999."),
    ],
)
def test_lookup_failures_say_what_went_wrong(registries, call, message):
    with pytest.raises(ReferenceLookupError, match=message):
        call()


def blank_reference_form(**overrides):
    fields = dict.fromkeys(reference_form(), "")
    fields["kind"] = "journal"
    fields.update(overrides)
    return fields


def test_admin_fills_in_the_form_from_a_doi_for_the_editor_to_check(admin_client, registries, db):
    response = admin_client.post("/admin/references/reference/add/", blank_reference_form(doi="10.1002/art.37734"))
    html = response.content.decode()
    assert "The details were filled in from Crossref. Check them, then save." in html
    assert 'value="Younger J, Noor N, McCue R, Mackey S"' in html
    assert 'value="younger2013"' in html  # a key made from the first author and year
    assert not Reference.objects.exists()  # nothing saved until the editor has looked

    response = admin_client.post("/admin/references/reference/add/", response.context["adminform"].form.data)
    assert response.status_code == 302
    reference = Reference.objects.get()
    assert (reference.key, reference.year, reference.doi) == ("younger2013", 2013, "10.1002/art.37734")


def test_admin_fills_in_from_a_pubmed_link(admin_client, registries, db):
    url = "https://pubmed.ncbi.nlm.nih.gov/19453963/"
    html = admin_client.post("/admin/references/reference/add/", blank_reference_form(pmid=url)).content.decode()
    assert "filled in from PubMed" in html
    assert 'value="Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study"' in html


def test_a_failed_lookup_keeps_what_the_editor_typed(admin_client, registries, db):
    data = blank_reference_form(doi="10.1000/slow", note="My own note", key="mykey")
    html = admin_client.post("/admin/references/reference/add/", data).content.decode()
    assert "Crossref did not answer within 5 seconds. Fill in the details by hand, or try again later." in html
    assert "My own note" in html and 'value="mykey"' in html
    assert not Reference.objects.exists()


def test_a_reference_needs_a_title_or_an_identifier(admin_client, db):
    html = admin_client.post("/admin/references/reference/add/", blank_reference_form()).content.decode()
    assert "Give the title, or a DOI or PubMed ID to fill in the details from." in html


def test_a_blank_key_is_made_from_the_first_author_and_year(admin_client, db):
    response = admin_client.post("/admin/references/reference/add/", reference_form(key=""))
    assert response.status_code == 302
    assert Reference.objects.get().key == "younger2013"
