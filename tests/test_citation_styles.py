"""Formatted citations: AMA and Vancouver, stored on save, with identifiers as links."""

import datetime

import pytest

from articles.management.commands.load_demo import REFERENCES as DEMO_REFERENCES
from references.csl import format_authors, from_csl, initials, parse_authors, to_csl
from references.models import Reference
from references.styles import format_reference

YOUNGER_2009 = next(spec for spec in DEMO_REFERENCES if spec["key"] == "younger2009")


def test_ama_formats_a_journal_article_with_doi_and_pmid_links():
    html = format_reference(Reference(**YOUNGER_2009), "ama")
    assert html.startswith(
        "Younger J, Mackey S. Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study. "
        "<i>Pain Medicine</i>. 2009;10(4):663-672. doi:"
    )
    assert '<a href="https://doi.org/10.1111/j.1526-4637.2009.00613.x"' in html
    assert 'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/19453963/"' in html


def test_vancouver_abbreviates_page_ranges_and_names_pubmed():
    html = format_reference(Reference(**YOUNGER_2009), "vancouver")
    assert "Pain Medicine. 2009;10(4):663–72." in html
    assert "PubMed PMID: <a" in html


def test_a_work_without_authors_starts_with_its_title_once():
    news = Reference(key="medscape2012", kind="news", title="Confirmation: LDN Eases Pain", container="Medscape")
    html = format_reference(news, "ama")
    assert html.startswith("Confirmation: LDN Eases Pain. <i>Medscape</i>.")
    assert html.count("Confirmation") == 1


def test_markup_in_reference_fields_is_escaped():
    reference = Reference(key="x", title='<script>alert(1)</script> & "quotes"', authors="<b>Evil</b> E")
    html = format_reference(reference, "ama")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html


def test_a_title_ending_in_an_exclamation_mark_takes_no_full_stop():
    book = Reference(key="b", kind="book", title="From Fatigued to Fantastic!", authors="Teitelbaum J", year=2007)
    assert "Fantastic!</i> " in format_reference(book, "ama")


@pytest.mark.django_db
def test_saving_a_reference_stores_both_styles_and_editing_refreshes_them():
    reference = Reference.objects.create(**YOUNGER_2009)
    assert "Pain Medicine" in reference.ama_html and "Pain Medicine" in reference.vancouver_html
    reference.container = "Pain Med"
    reference.save()
    reference.refresh_from_db()
    assert "<i>Pain Med</i>" in reference.ama_html


def test_author_lists_parse_into_people_and_organisations():
    assert parse_authors("Younger J, Noor N, Stanford University School of Medicine, et al.") == [
        {"family": "Younger", "given": "J"},
        {"family": "Noor", "given": "N"},
        {"literal": "Stanford University School of Medicine"},
    ]


@pytest.mark.parametrize(
    ("given", "expected"), [("Jarred", "J"), ("J. A.", "JA"), ("Jean-Paul", "JP"), ("JA", "JA"), ("", "")]
)
def test_given_names_become_initials(given, expected):
    assert initials(given) == expected


def test_author_lists_survive_a_trip_through_csl_names():
    text = "Younger J, van der Berg AB, Ünal Ç, LDN Research Trust"
    assert format_authors(parse_authors(text)) == text


def test_csl_round_trip_keeps_every_field():
    fields = {**YOUNGER_2009, "date": datetime.date(2009, 5, 14), "url": "https://example.org/a", "note": "Free."}
    item = to_csl(Reference(**fields))
    assert from_csl(item) == fields


def test_crossref_style_lists_and_types_are_read():
    fields = from_csl(
        {
            "type": "journal-article",
            "title": ["Low-dose naltrexone for the treatment of fibromyalgia"],
            "container-title": ["Arthritis & Rheumatism"],
            "author": [{"given": "Jarred", "family": "Younger"}],
            "published-print": {"date-parts": [[2013, 2]]},
            "DOI": "10.1002/ART.37734",
            "page": "529-538",
        }
    )
    assert fields["kind"] == "journal"
    assert fields["title"] == "Low-dose naltrexone for the treatment of fibromyalgia"
    assert fields["container"] == "Arthritis & Rheumatism"
    assert (fields["year"], fields["date"]) == (2013, None)
    assert fields["authors"] == "Younger J"
    assert fields["doi"] == "10.1002/art.37734"
