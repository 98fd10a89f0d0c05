"""The models' own rules: validation with messages an editor can act on, normal forms, what is public."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, Author, published_tags
from references.models import Reference


def errors_of(instance):
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.message_dict


# References


def test_reference_stores_a_pasted_doi_link_as_the_bare_doi(db):
    reference = Reference(key="younger2013", title="LDN trial", doi="https://doi.org/10.1002/ART.37734")
    reference.full_clean()
    reference.save()
    reference.refresh_from_db()
    assert reference.doi == "10.1002/art.37734"
    assert reference.doi_url == "https://doi.org/10.1002/art.37734"


def test_reference_saved_without_validation_still_stores_normal_forms(db):
    reference = Reference.objects.create(key="k", title="T", doi="doi:10.1002/art.37734", pmid="PMID: 19453963")
    reference.refresh_from_db()
    assert (reference.doi, reference.pmid) == ("10.1002/art.37734", "19453963")


def test_blank_doi_and_pmid_are_stored_as_null_so_many_references_can_lack_them(db):
    Reference.objects.create(key="a", title="A", doi="", pmid="")
    second = Reference(key="b", title="B", doi="", pmid="")
    second.full_clean()
    second.save()
    assert Reference.objects.filter(doi=None, pmid=None).count() == 2


def test_duplicate_doi_is_refused_with_a_message_naming_the_doi_field(make_reference):
    make_reference(doi="10.1002/art.37734")
    errors = errors_of(Reference(key="copy", title="Copy", doi="https://doi.org/10.1002/art.37734"))
    assert errors["doi"] == ["Another reference already has this DOI."]


def test_duplicate_pmid_is_refused(make_reference):
    make_reference(pmid="19453963")
    errors = errors_of(Reference(key="copy", title="Copy", pmid="19453963"))
    assert errors["pmid"] == ["Another reference already has this PubMed ID."]


def test_malformed_pmid_is_refused_with_an_example(db):
    errors = errors_of(Reference(key="x", title="X", pmid="PMC12345"))
    assert "19453963" in errors["pmid"][0]


def test_malformed_doi_is_refused(db):
    assert "doi" in errors_of(Reference(key="x", title="X", doi="not-a-doi"))


def test_citation_key_must_be_unique_and_well_formed(make_reference):
    make_reference(key="younger2009")
    assert errors_of(Reference(key="younger2009", title="X"))["key"] == [
        "Another reference already uses this citation key; choose a different one."
    ]
    assert "key" in errors_of(Reference(key="has space", title="X"))


def test_year_is_taken_from_the_date_when_missing(db):
    reference = Reference(key="aapm2012", title="Abstract 251", date=datetime.date(2012, 2, 24))
    reference.full_clean()
    assert reference.year == 2012


def test_year_that_contradicts_the_date_is_refused(db):
    errors = errors_of(Reference(key="x", title="X", year=2013, date=datetime.date(2012, 2, 24)))
    assert "does not match the date" in errors["year"][0]


def test_references_without_a_year_sort_last(make_reference):
    make_reference(key="undated", year=None)
    make_reference(key="old", year=2009)
    make_reference(key="new", year=2013)
    assert [r.key for r in Reference.objects.all()] == ["new", "old", "undated"]


def test_reference_years_lists_each_year_once_newest_first(make_reference):
    for year in (2009, 2013, 2013, None):
        make_reference(year=year)
    assert list(Reference.objects.years()) == [2013, 2009]


# Articles and authors


def test_published_includes_only_published_pieces_whose_time_has_come(make_article):
    now = timezone.now()
    live = make_article(published_at=now - datetime.timedelta(minutes=1))
    make_article(status=Article.Status.DRAFT)
    make_article(status=Article.Status.IN_REVIEW)
    make_article(published_at=now + datetime.timedelta(hours=1))
    assert list(Article.objects.published()) == [live]


def test_publishing_without_a_date_publishes_now(db):
    before = timezone.now()
    article = Article.objects.create(title="T", slug="t", summary="D", status=Article.Status.PUBLISHED)
    assert before <= article.published_at <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_a_draft_keeps_an_empty_publication_date(db):
    article = Article.objects.create(title="T", slug="t", summary="D")
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_body_is_rendered_and_sanitised_on_save(db):
    article = Article.objects.create(
        title="T", slug="t", summary="D", body="# Results\n\n**Less** pain <script>x()</script>"
    )
    assert article.body_html.startswith('<h2 id="section-results">Results</h2>')
    assert "<strong>Less</strong>" in article.body_html
    assert "<script>" not in article.body_html


def test_body_html_follows_every_edit(db):
    article = Article.objects.create(title="T", slug="t", summary="D", body="first")
    article.body = "second"
    article.save()
    article.refresh_from_db()
    assert "second" in article.body_html and "first" not in article.body_html


def test_slug_clash_is_refused_with_a_clear_message(make_article):
    make_article(slug="ldn-pain")
    errors = errors_of(Article(title="Other", slug="ldn-pain", summary="D"))
    assert errors["slug"] == ["Another article already uses this slug; choose a different one."]


def test_articles_list_newest_first_with_drafts_last(make_article):
    now = timezone.now()
    older = make_article(published_at=now - datetime.timedelta(days=9))
    newer = make_article(published_at=now - datetime.timedelta(days=1))
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    assert list(Article.objects.all()) == [newer, older, draft]


def test_credited_authors_follow_byline_order(make_article, make_author):
    first, second = make_author(name="Zed"), make_author(name="Abe")
    article = make_article(authors=[first, second])
    assert Article.objects.with_cards().get(pk=article.pk).credited_authors == [first, second]


def test_author_display_name_carries_credentials(db):
    assert Author(name="Jacob Teitelbaum", credentials="MD").display_name == "Jacob Teitelbaum, MD"
    assert Author(name="Editorial team").display_name == "Editorial team"


def test_author_bio_is_rendered_on_save(db):
    author = Author.objects.create(name="A", slug="a", bio="Wrote *From Fatigued to Fantastic!*")
    assert "<em>From Fatigued to Fantastic!</em>" in author.bio_html


def test_authors_with_published_articles_excludes_draft_only_authors_and_counts(make_article, make_author):
    busy, idle = make_author(), make_author()
    make_article(authors=[busy])
    make_article(authors=[busy])
    make_article(authors=[busy, idle], status=Article.Status.DRAFT)
    authors = list(Author.objects.with_published_articles())
    assert authors == [busy]
    assert authors[0].published_count == 2


def test_published_tags_count_only_published_pieces_and_hide_draft_only_tags(make_article):
    make_article(tags=["fibromyalgia", "microglia"])
    make_article(tags=["fibromyalgia"])
    make_article(tags=["secret plans"], status=Article.Status.DRAFT)
    counts = {tag.name: tag.published_count for tag in published_tags()}
    assert counts == {"fibromyalgia": 2, "microglia": 1}


def test_tags_are_case_insensitive(make_article):
    make_article(tags=["Fibromyalgia"])
    make_article(tags=["fibromyalgia"])
    assert [tag.published_count for tag in published_tags()] == [2]


def test_a_cited_reference_cannot_be_deleted_out_from_under_an_article(make_article, make_reference):
    from django.db.models import ProtectedError

    reference = make_reference()
    make_article(references=[reference])
    with pytest.raises(ProtectedError):
        reference.delete()
