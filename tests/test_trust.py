"""Every door into unpublished work asks the editorial rule about the object as it stands.

First the findings of the trust review, one test each; then each role against each door of the
admin and the public preview, checking both the answer and that nothing changed where it was refused.
"""

import datetime
import logging

import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Author
from references.models import Reference

from .test_admin import article_form, reference_form

DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED = (
    Article.Status.DRAFT,
    Article.Status.IN_REVIEW,
    Article.Status.PUBLISHED,
    Article.Status.ARCHIVED,
)
ROLES = ["author", "other_author", "reviewer", "editor", "staff"]


def saved(obj, user=None, tags=None, **changes):
    """Save ``obj`` with ``changes`` and keep a version of it, as an admin save does; return the version."""
    with reversion.create_revision():
        reversion.set_user(user)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
        if tags is not None:
            obj.tags.set(tags)
    return Version.objects.get_for_object(obj).first()


def revision_url(obj, version):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/history/{version.pk}/"


def compare_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/history/compare/"


def recover_url(version):
    return f"/admin/articles/article/recover/{version.pk}/"


def restore_form(article, **fields):
    """The revision form as a browser posts it, for a piece with no inline rows."""
    data = article_form(title=article.title, slug=article.slug, body=article.body, tags="")
    data.update(fields)
    return data


def public(article):
    return Client().get(f"/articles/{article.slug}/")


@pytest.fixture
def withdrawn(people, make_article):
    """Otto's piece, published with a wrong dose and then withdrawn by the editor; and that published version."""
    otto, ed = people["other_author"][0], people["editor"][0]
    article = make_article(
        title="LDN dosing", slug="ldn-dosing", authors=[], created_by=otto, status=DRAFT, published_at=None
    )
    published = saved(article, ed, status=PUBLISHED, body="Take 50 mg at bedtime.")
    saved(article, ed, status=ARCHIVED, body="Withdrawn: the dose was wrong.")
    return article, published


# The findings, one by one


def test_an_author_cannot_restore_someone_elses_withdrawn_piece_from_its_history(people, withdrawn):
    article, published = withdrawn
    versions = Version.objects.count()
    response = people["author"][1].post(
        revision_url(article, published), restore_form(article, status="published", body="Take 50 mg at bedtime.")
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.body) == (ARCHIVED, "Withdrawn: the dose was wrong.")
    assert Version.objects.count() == versions
    assert public(article).status_code == 404


@pytest.mark.parametrize("owner", ["author", "other_author"])
def test_an_author_cannot_recover_a_deleted_published_piece(people, make_article, owner):
    article = make_article(title="Gone", slug="gone", authors=[], created_by=people[owner][0])
    saved(article, people["editor"][0])
    article.delete()
    version = Version.objects.get_deleted(Article).get()
    response = people["author"][1].post(recover_url(version), restore_form(article, status="published"))
    assert response.status_code == 403
    assert not Article.objects.filter(slug="gone").exists()
    assert public(article).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "author"])
def test_restoring_an_earlier_draft_does_not_unpublish_a_piece(people, make_article, role):
    amy, ed = people["author"][0], people["editor"][0]
    article = make_article(title="Live", slug="live", authors=[], created_by=amy, status=DRAFT, published_at=None)
    draft = saved(article, amy, body="An early draft.")
    saved(article, ed, status=PUBLISHED, body="The reviewed text.")
    data = restore_form(article, status="draft", body="An early draft.", review_note="Back to the draft, please.")
    response = people[role][1].post(revision_url(article, draft), data)
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.body) == (PUBLISHED, "The reviewed text.")
    assert public(article).status_code == 200


@pytest.fixture
def reviewed_draft(people, make_article):
    """Amy's piece in review, with two versions and the reviewer's note on the second."""
    amy, rita = people["author"][0], people["reviewer"][0]
    article = make_article(title="Amy's draft", slug="amys-draft", authors=[], created_by=amy, status=DRAFT)
    first = saved(article, amy, body="First draft: take 4.5 mg.", published_at=None)
    second = saved(article, rita, status=IN_REVIEW, review_note="The dose needs its source.")
    return article, first, second


@pytest.mark.parametrize("role", ["staff", "other_author"])
def test_the_comparison_of_a_draft_is_refused_to_who_may_not_see_it(people, reviewed_draft, role):
    article, first, second = reviewed_draft
    response = people[role][1].get(compare_url(article), {"version_id1": first.pk, "version_id2": second.pk})
    assert response.status_code == 403
    assert b"needs its source" not in response.content and b"4.5 mg" not in response.content


def test_the_histories_of_authors_and_references_need_a_role(people, make_author, make_reference):
    ed, staff = people["editor"][0], people["staff"][1]
    author, reference = make_author(name="Jo Bloggs", slug="jo"), make_reference(key="jo2020")
    for obj, field in ((author, "bio"), (reference, "note")):
        first = saved(obj, ed, **{field: "First words."})
        second = saved(obj, ed, **{field: "Second words."})
        response = staff.get(compare_url(obj), {"version_id1": first.pk, "version_id2": second.pk})
        assert response.status_code == 403, obj
        assert b"Second words" not in response.content


@pytest.mark.parametrize(
    ("role", "status", "seen"),
    [
        ("staff", DRAFT, False),
        ("other_author", DRAFT, False),
        ("other_author", IN_REVIEW, False),
        ("author", DRAFT, True),
        ("author", IN_REVIEW, True),
        ("reviewer", IN_REVIEW, True),
        ("reviewer", DRAFT, False),
        ("editor", DRAFT, True),
        ("editor", ARCHIVED, True),
    ],
)
def test_previews_follow_the_role(people, make_article, role, status, seen):
    article = make_article(
        title="Unpublished", slug="unpublished", created_by=people["author"][0], status=status, published_at=None
    )
    response = people[role][1].get("/articles/unpublished/")
    if seen:
        assert response.status_code == 200 and "Readers cannot see this piece yet" in response.content.decode()
    else:
        assert response.status_code == 404
        assert response.content == public(article).content  # the same 404 page the public gets


def test_the_recover_list_shows_authors_only_what_they_may_recover(people, make_article):
    for owner, title in (("other_author", "Otto's deleted piece"), ("author", "Amy's deleted published piece")):
        article = make_article(title=title, slug=title.split()[0].lower(), created_by=people[owner][0])
        saved(article, people["editor"][0])
        article.delete()
    amy_list = people["author"][1].get("/admin/articles/article/recover/")
    assert amy_list.status_code == 200
    assert "deleted piece" not in amy_list.content.decode()
    editor_list = people["editor"][1].get("/admin/articles/article/recover/").content.decode()
    assert "Otto&#x27;s deleted piece" in editor_list and "Amy&#x27;s deleted published piece" in editor_list


@pytest.fixture
def cited(make_article, make_reference):
    """A reference a published piece cites."""
    reference = make_reference(key="younger2013", title="Low-dose naltrexone for the treatment of fibromyalgia")
    make_article(title="Cites it", slug="cites-it", body="Pain fell.[@younger2013]")
    return reference


def test_an_author_cannot_change_a_reference_that_a_published_piece_cites(people, cited):
    url = f"/admin/references/reference/{cited.pk}/change/"
    amy = people["author"][1]
    page = amy.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="title"' not in html  # read-only for her …
    assert "cited by a published piece (Cites it)" in html and "only editors can change it" in html  # … and why
    data = reference_form(key="younger2013", title="LDN CURES fibromyalgia", opened_revision=str(cited.revision))
    assert amy.post(url, data).status_code == 403
    cited.refresh_from_db()
    assert cited.title == "Low-dose naltrexone for the treatment of fibromyalgia"
    assert "CURES" not in Client().get("/articles/cites-it/").content.decode()


def test_a_scheduled_piece_protects_what_it_cites_too(people, make_article, make_reference):
    reference = make_reference(key="soon2026")
    make_article(slug="soon", references=[reference], published_at=timezone.now() + datetime.timedelta(days=2))
    data = reference_form(key="soon2026", title="Changed", opened_revision=str(reference.revision))
    assert people["author"][1].post(f"/admin/references/reference/{reference.pk}/change/", data).status_code == 403


def test_an_author_edits_a_reference_no_published_piece_uses_yet(people, make_article, make_reference):
    reference = make_reference(key="draftonly2020", title="Old title")
    make_article(slug="a-draft", references=[reference], status=DRAFT, published_at=None)
    url = f"/admin/references/reference/{reference.pk}/change/"
    data = reference_form(key="draftonly2020", title="Corrected title", opened_revision=str(reference.revision))
    assert people["author"][1].post(url, data).status_code == 302
    reference.refresh_from_db()
    assert reference.title == "Corrected title"


def test_an_editor_changes_a_cited_reference(people, cited):
    data = reference_form(key="younger2013", title="Corrected title", opened_revision=str(cited.revision))
    assert people["editor"][1].post(f"/admin/references/reference/{cited.pk}/change/", data).status_code == 302
    cited.refresh_from_db()
    assert cited.title == "Corrected title"


def test_an_author_cannot_change_a_cited_reference_by_importing_a_file(people, cited):
    upload = SimpleUploadedFile(
        "mine.bib", b"@article{younger2013, title={LDN CURES fibromyalgia}, author={Younger, J}, year={2013}}"
    )
    response = people["author"][1].post("/admin/references/reference/import/", {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported" in html and "younger2013" in html and "only editors can change it" in html
    assert 'name="payload"' not in html  # no way on to the confirmation
    cited.refresh_from_db()
    assert cited.title == "Low-dose naltrexone for the treatment of fibromyalgia"


def test_comparing_versions_shows_tag_changes_and_logs_no_error(people, make_article, caplog):
    ed, client = people["editor"]
    article = make_article(title="Tagged", slug="tagged", authors=[], status=DRAFT, published_at=None)
    first = saved(article, ed, tags=["sleep"])
    second = saved(article, ed, tags=["sleep", "mood disorders"])
    with caplog.at_level(logging.INFO):
        response = client.get(compare_url(article), {"version_id1": first.pk, "version_id2": second.pk})
    assert response.status_code == 200
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert "mood disorders" in response.content.decode()


# History that tells the truth


def test_an_editors_restore_is_recorded_with_who_did_it(people, withdrawn):
    article, published = withdrawn
    ed, client = people["editor"]
    response = client.post(
        revision_url(article, published), restore_form(article, status="published", body="Take 50 mg at bedtime.")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == PUBLISHED
    newest = Version.objects.get_for_object(article).first()
    assert newest.revision.user == ed and newest.revision.comment.startswith("Reverted to previous version")
    assert LogEntry.objects.filter(user=ed, object_id=str(article.pk)).exists()


def test_an_editors_recovery_is_recorded_with_who_did_it(people, make_article):
    ed, client = people["editor"]
    article = make_article(title="Back again", slug="back-again", authors=[])
    saved(article, ed)
    article.delete()
    version = Version.objects.get_deleted(Article).get()
    assert client.post(recover_url(version), restore_form(article, status="published")).status_code == 302
    recovered = Article.objects.get(slug="back-again")
    assert Version.objects.get_for_object(recovered).first().revision.user == ed
    assert LogEntry.objects.filter(user=ed, object_id=str(recovered.pk)).exists()


def test_an_authors_restore_keeps_the_fields_only_editors_set(people, make_article):
    amy, client = people["author"]
    ed, profile = people["editor"][0], Author.objects.get(slug="rita")
    article = make_article(title="Hers", slug="hers", authors=[], created_by=amy, status=DRAFT, published_at=None)
    reviewed = saved(article, ed, medical_reviewer=profile, last_reviewed=timezone.localdate(), body="Reviewed text.")
    saved(article, ed, medical_reviewer=None, last_reviewed=None, body="Rewritten since.")
    response = client.post(
        revision_url(article, reviewed), restore_form(article, status="draft", body="Reviewed text.")
    )
    assert response.status_code == 302  # her own draft: she may bring the old text back …
    article.refresh_from_db()
    assert article.body == "Reviewed text."
    assert (article.medical_reviewer, article.last_reviewed) == (None, None)  # … but not an old review


def test_save_as_new_is_no_way_round_a_restore(people, make_article):
    amy, client = people["author"]
    article = make_article(title="Hers", slug="hers", authors=[], created_by=amy, status=DRAFT, published_at=None)
    published = saved(article, people["editor"][0], status=PUBLISHED)
    saved(article, people["editor"][0], status=DRAFT)
    data = restore_form(article, status="draft", slug="hers-copy", _saveasnew="Save as new")
    assert client.post(revision_url(article, published), data).status_code in (400, 403)
    article.refresh_from_db()
    assert article.status == DRAFT
    assert not Article.objects.filter(slug="hers-copy").exists()


def test_a_revision_url_takes_only_this_objects_versions(people, make_article, make_reference):
    ed, client = people["editor"]
    article = make_article(title="Piece", slug="piece", authors=[])
    reference = make_reference(key="other2020")
    other = saved(reference, ed, title="Someone else's history")
    url = f"/admin/articles/article/{article.pk}/history/{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, restore_form(article, status="published")).status_code == 404
    assert client.post(recover_url(other), restore_form(article, status="published")).status_code == 404


def test_a_restore_that_would_change_other_records_is_refused(people, make_reference):
    ed, client = people["editor"]
    one, two = make_reference(key="one2020"), make_reference(key="two2020")
    with reversion.create_revision():  # as the importer once kept a whole file in one revision
        reversion.set_user(ed)
        one.save()
        two.save()
    together = Version.objects.get_for_object(one).first()
    saved(two, ed, title="Edited since")
    response = client.post(revision_url(one, together), reference_form(key="one2020", title=one.title))
    assert response.status_code == 403
    assert "together with" in response.content.decode()
    two.refresh_from_db()
    assert two.title == "Edited since"


def test_each_imported_reference_gets_its_own_version(admin_client):
    upload = SimpleUploadedFile(
        "two.bib", b"@article{a2020, title={A}, author={A, A}, year={2020}}\n@article{b2020, title={B}, year={2020}}"
    )
    preview = admin_client.post("/admin/references/reference/import/", {"file": upload})
    payload = preview.content.decode().split('name="payload" value="')[1].split('"')[0]
    assert admin_client.post("/admin/references/reference/import/", {"payload": payload}).status_code == 302
    revisions = {
        Version.objects.get_for_object(Reference.objects.get(key=key)).get().revision_id for key in ("a2020", "b2020")
    }
    assert len(revisions) == 2


# Each role against each door


@pytest.fixture
def doors(people, make_article, reviewed_draft):
    """Amy's piece in review (with its versions), and a published piece of hers that an editor deleted."""
    article, first, second = reviewed_draft
    deleted = make_article(
        title="Deleted and live", slug="deleted-and-live", authors=[], created_by=people["author"][0]
    )
    saved(deleted, people["editor"][0])
    deleted.delete()
    return article, first, Version.objects.get_deleted(Article).get()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", ["change/", "history/"])
def test_opening_a_piece_and_its_history(people, doors, role, door):
    article = doors[0]
    response = people[role][1].get(f"/admin/articles/article/{article.pk}/{door}")
    expected = {"author": 200, "other_author": 403, "reviewer": 200, "editor": 200, "staff": 403}[role]
    assert response.status_code == expected
    if expected == 403:
        assert b"needs its source" not in response.content and b"Amy&#x27;s draft" not in response.content


@pytest.mark.parametrize("role", ROLES)
def test_comparing_two_versions(people, doors, role):
    article, first, _ = doors
    second = Version.objects.get_for_object(article).first()
    response = people[role][1].get(compare_url(article), {"version_id1": first.pk, "version_id2": second.pk})
    expected = {"author": 200, "other_author": 403, "reviewer": 200, "editor": 200, "staff": 403}[role]
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_restore(people, doors, role):
    article, first, _ = doors
    data = restore_form(article, status="draft", body="First draft: take 4.5 mg.", review_note="Start again.")
    response = people[role][1].post(revision_url(article, first), data)
    # Amy cannot change her piece while it is in review; the reviewer may send it back; the editor may do anything.
    expected = {"author": 403, "other_author": 403, "reviewer": 302, "editor": 302, "staff": 403}[role]
    assert response.status_code == expected
    article.refresh_from_db()
    assert article.status == (DRAFT if expected == 302 else IN_REVIEW)


@pytest.mark.parametrize("role", ROLES)
def test_the_recover_list(people, doors, role):
    response = people[role][1].get("/admin/articles/article/recover/")
    expected = {"author": 200, "other_author": 200, "reviewer": 403, "editor": 200, "staff": 403}[role]
    assert response.status_code == expected
    assert ("Deleted and live" in response.content.decode()) is (role == "editor")


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_recovery(people, doors, role):
    gone = Article(title="Deleted and live", slug="deleted-and-live", body="Pain fell.")
    response = people[role][1].post(recover_url(doors[2]), restore_form(gone, status="published"))
    expected = {"author": 403, "other_author": 403, "reviewer": 403, "editor": 302, "staff": 403}[role]
    assert response.status_code == expected
    assert Article.objects.filter(slug="deleted-and-live").exists() is (expected == 302)


@pytest.mark.parametrize("role", ROLES)
def test_previewing_at_the_public_address(people, doors, role):
    response = people[role][1].get("/articles/amys-draft/")
    expected = {"author": 200, "other_author": 404, "reviewer": 200, "editor": 200, "staff": 404}[role]
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_bulk_publish_action(people, doors, role):
    article = doors[0]
    response = people[role][1].post(
        "/admin/articles/article/", {"action": "publish_selected", "_selected_action": [article.pk]}
    )
    assert response.status_code in ((403,) if role == "staff" else (200, 302))
    article.refresh_from_db()
    assert (article.status == PUBLISHED) is (role == "editor")


@pytest.mark.parametrize("role", ROLES)
def test_importing_references(people, doors, role):
    client = people[role][1]
    upload = SimpleUploadedFile("new.bib", b"@article{fresh2026, title={A new trial}, author={Doe, J}, year={2026}}")
    preview = client.post("/admin/references/reference/import/", {"file": upload})
    may_import = role in ("author", "other_author", "editor")
    assert preview.status_code == (200 if may_import else 403)
    if may_import:
        payload = preview.content.decode().split('name="payload" value="')[1].split('"')[0]
        assert client.post("/admin/references/reference/import/", {"payload": payload}).status_code == 302
    assert Reference.objects.filter(key="fresh2026").exists() is may_import


@pytest.mark.parametrize("role", ROLES)
def test_autocomplete(people, doors, role):
    response = people[role][1].get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "medical_reviewer", "term": "Rita"},
    )
    assert response.status_code == (403 if role == "staff" else 200)


def test_the_list_filter_and_the_per_piece_rule_agree(people, make_article):
    """``visible_to`` (lists, previews) and ``view_refusal`` (each door) state one rule twice; they must agree."""
    from articles import workflow

    rita = people["reviewer"][0]
    pieces = [
        make_article(
            slug=f"p-{status}-{owner}-{reviewed}",
            created_by=people[owner][0],
            status=status,
            medical_reviewer=rita.author_profile if reviewed else None,
            published_at=None,
        )
        for status in Article.Status.values
        for owner in ("author", "other_author", "reviewer")
        for reviewed in (False, True)
    ]
    for role in ROLES:
        user = people[role][0]
        listed = set(Article.objects.filter(workflow.visible_to(user)).values_list("pk", flat=True))
        for article in pieces:
            assert (article.pk in listed) is not workflow.view_refusal(user, article), (role, article.slug)
    assert listed == set()  # the last role: staff with none sees nothing


@pytest.mark.parametrize("role", ROLES)
def test_view_on_site_names_a_piece_only_to_who_may_see_it(people, doors, role):
    from django.contrib.contenttypes.models import ContentType

    article = doors[0]
    kind = ContentType.objects.get_for_model(Article)
    response = people[role][1].get(f"/admin/r/{kind.pk}/{article.pk}/")
    expected = {"author": 302, "other_author": 403, "reviewer": 302, "editor": 302, "staff": 403}[role]
    assert response.status_code == expected
    if expected == 403:
        assert b"amys-draft" not in response.content and "Location" not in response


@pytest.fixture
def shared(people, make_article, make_author, make_study):
    """One of each kind of material a published piece shows, and a staff author given the right to change
    each kind directly (as an admin might), to show that the right alone does not let her change what readers see."""
    from django.contrib.auth.models import Permission

    author = make_author(name="Jacob Teitelbaum", slug="jacob-teitelbaum")
    study = make_study(title="Stanford crossover trial")
    make_article(slug="shown", authors=[author], tags=["microglia"])
    amy = people["author"][0]
    for codename in ("change_author", "change_tag", "change_study", "change_condition", "view_study"):
        amy.user_permissions.add(Permission.objects.get(codename=codename))
    from taggit.models import Tag

    return {
        "author": (author, {"name": "Jacob T.", "slug": author.slug, "credentials": "MD"}),
        "tag": (Tag.objects.get(name="microglia"), {"name": "microglia cure", "slug": "microglia"}),
        "condition": (study.conditions.get(), {"name": "Renamed", "slug": study.conditions.get().slug}),
    }


@pytest.mark.parametrize("kind", ["author", "tag", "condition"])
@pytest.mark.parametrize("role", ["author", "editor"])
def test_only_editors_change_material_readers_see(people, shared, kind, role):
    obj, data = shared[kind]
    url = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"
    if kind == "author":
        data |= {"opened_revision": str(obj.revision), "affiliation": "", "website": "", "bio": ""}
    response = people[role][1].post(url, data)
    obj.refresh_from_db()
    if role == "editor":
        assert response.status_code == 302
        assert obj.name == data["name"]
    else:
        assert response.status_code == 403 and "only editors can change it" in response.content.decode()
        assert obj.name != data["name"]


def test_only_editors_merge_tags(people, shared):
    tag = shared["tag"][0]
    client = people["author"][1]
    session = client.session
    session["selected_tag_ids"] = str(tag.pk)
    session.save()
    response = client.post("/admin/taggit/tag/merge-tags/", {"new_tag_name": "merged"})
    assert response.status_code == 403
    tag.refresh_from_db()
    assert tag.name == "microglia"
