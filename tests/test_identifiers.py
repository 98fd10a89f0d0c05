"""DOIs and PubMed IDs: what editors paste is stored in one normal form, and nonsense is refused."""

import pytest
from django.core.exceptions import ValidationError

from references.identifiers import doi_url, normalise_doi, normalise_pmid, pmid_url, validate_doi, validate_pmid


@pytest.mark.parametrize(
    "pasted",
    [
        "10.1002/art.37734",
        "10.1002/ART.37734",
        "  10.1002/art.37734 ",
        "https://doi.org/10.1002/art.37734",
        "http://dx.doi.org/10.1002/art.37734",
        "doi:10.1002/art.37734",
        "DOI: 10.1002/art.37734",
        "https://doi.org/10.1002%2Fart.37734",
    ],
)
def test_doi_is_stored_bare_and_lower_case_however_it_is_pasted(pasted):
    assert normalise_doi(pasted) == "10.1002/art.37734"


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_doi_is_none_so_it_never_clashes(blank):
    assert normalise_doi(blank) is None


@pytest.mark.parametrize(
    "bad", ["art.37734", "10.12/short-registrant", "11.1002/art.37734", "10.1002/", "10.1002/has space"]
)
def test_malformed_doi_is_refused_with_an_example(bad):
    with pytest.raises(ValidationError) as error:
        validate_doi(bad)
    assert "10.1002/art.37734" in error.value.messages[0]


def test_doi_link_resolves_through_doi_org():
    assert doi_url("10.1111/j.1526-4637.2009.00613.x") == "https://doi.org/10.1111/j.1526-4637.2009.00613.x"


@pytest.mark.parametrize(
    "pasted",
    [
        "19453963",
        "PMID: 19453963",
        "pmid19453963",
        "https://pubmed.ncbi.nlm.nih.gov/19453963/",
        "https://www.ncbi.nlm.nih.gov/pubmed/19453963",
    ],
)
def test_pmid_is_stored_as_the_bare_number(pasted):
    assert normalise_pmid(pasted) == "19453963"


@pytest.mark.parametrize("bad", ["PMC123456", "0123", "1945-3963", "1234567890", "abc"])
def test_malformed_pmid_is_refused(bad):
    with pytest.raises(ValidationError):
        validate_pmid(normalise_pmid(bad))


def test_pmid_link_goes_to_pubmed():
    assert pmid_url("19453963") == "https://pubmed.ncbi.nlm.nih.gov/19453963/"
