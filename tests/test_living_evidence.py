"""Living evidence: saved PubMed searches, trial registry checks and Crossref's retraction notices reach
the editors' triage queue by themselves; retracted references are flagged wherever they are cited and
left out of pooled results; pieces carry a next review date, a public change log, and say when new
evidence has reached their subject. Registries answer from recorded responses (tests/files/registries/,
written from each one's documented format)."""

import datetime
import json
import re
from pathlib import Path

import httpx
import pytest
import respx
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from articles.models import Article, ChangeNote, review_due_after
from articles.review import flagged, flagged_kinds, new_evidence
from ldnsite.background import schedule
from ldnsite.background.models import Schedule
from references.living import checks
from references.living.models import Finding, SavedSearch, TrialRecord
from references.living.triage import TriageError, accept, dismiss
from references.lookup import ReferenceLookupError
from references.models import Reference

from .test_outcomes import add_result, pain, responders, trials  # noqa: F401  (fixtures)

RECORDED = Path(__file__).parent / "files" / "registries"
EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CTGOV = "https://clinicaltrials.gov/api/v2"
CROSSREF = "https://api.crossref.org"
TODAY = timezone.localdate()


def recorded(name):
    return json.loads((RECORDED / name).read_text())


@pytest.fixture(autouse=True)
def quick_ncbi(settings):
    settings.NCBI_REQUESTS_PER_SECOND = 1000
    settings.REFERENCE_LOOKUP_CONTACT = "editors@example.org"


@pytest.fixture
def search(db):
    return SavedSearch.objects.create(
        name="LDN and fibromyalgia", query="naltrexone[tiab] AND low dose AND fibromyalgia"
    )


@pytest.fixture
def pubmed():
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{EUTILS}/esearch.fcgi").respond(json=recorded("esearch.json"))
        mock.get(f"{EUTILS}/esummary.fcgi").respond(json=recorded("esummary.json"))
        yield mock


# Saved searches and the triage queue


def test_a_saved_search_puts_each_new_record_in_the_queue_once(search, pubmed, make_reference, settings):
    settings.NCBI_API_KEY = "test-key"
    make_reference(key="younger2009", pmid="19453963")  # already in the library: not a finding
    assert checks.run_search(search) == 1
    finding = Finding.objects.get()
    assert finding.kind == Finding.Kind.NEW_STUDY and finding.status == Finding.Status.NEW
    assert finding.pmid == "39000001" and finding.doi == "10.5555/ldn.test.2026"
    assert finding.title.startswith("A test record: low-dose naltrexone")
    assert finding.detail == "Doe J, Roe R. Test J Pain Res. 2026"
    search.refresh_from_db()
    assert (search.last_count, search.last_new, search.last_error) == (2, 1, "")
    # NCBI's asks: the tool, a contact address and the API key on every call.
    for call in pubmed.calls:
        params = call.request.url.params
        assert (params["tool"], params["email"], params["api_key"]) == (
            "ldn-evidence",
            "editors@example.org",
            "test-key",
        )
    assert pubmed.calls[0].request.url.params["term"] == search.query
    # A second run finds nothing new, and asks PubMed only for the search.
    calls = len(pubmed.calls)
    assert checks.run_search(search) == 0
    assert Finding.objects.count() == 1
    assert len(pubmed.calls) == calls + 1


def test_a_dismissed_record_never_comes_back(search, pubmed, people):
    checks.run_search(search)
    finding = Finding.objects.get()
    editor = people["editor"][0]
    with pytest.raises(TriageError, match="Say why"):
        dismiss(finding, editor, "  ")
    dismiss(finding, editor, "A trial in rodents")
    finding.refresh_from_db()
    assert (finding.status, finding.reason, finding.decided_by) == (
        Finding.Status.DISMISSED,
        "A trial in rodents",
        editor,
    )
    assert checks.run_search(search) == 0
    assert Finding.objects.get().status == Finding.Status.DISMISSED


def test_accepting_a_record_adds_it_to_the_library_once(search, pubmed, people):
    checks.run_search(search)
    editor = people["editor"][0]
    reference, said = accept(Finding.objects.get(), editor)
    assert reference.pmid == "39000001" and reference.doi == "10.5555/ldn.test.2026"
    assert (reference.authors, reference.container, reference.year, reference.pages) == (
        "Doe J, Roe R",
        "Test J Pain Res",
        2026,
        "101-109",
    )
    assert reference.key == "doe2026" and "[@doe2026]" in said
    assert Finding.objects.get().reference == reference
    with pytest.raises(TriageError, match="already accepted"):
        accept(Finding.objects.get(), editor)


@pytest.mark.parametrize(
    ("existing", "matched_by"),
    [
        ({"pmid": "39000001"}, "PubMed ID"),
        ({"doi": "10.5555/ldn.test.2026"}, "DOI"),
        (
            {
                "title": "A test record: low-dose naltrexone for fibromyalgia pain, a randomised trial in silico",
                "year": 2026,
            },
            "title and year",
        ),
    ],
)
def test_accepting_a_record_the_library_got_meanwhile_links_the_one_it_has(
    search, pubmed, people, make_reference, existing, matched_by
):
    checks.run_search(search)
    kept = make_reference(key="already", **existing)  # added by hand while the record waited in the queue
    reference, said = accept(Finding.objects.get(), people["editor"][0])
    assert reference == kept and f"({matched_by})" in said
    assert Reference.objects.count() == 1


def test_a_search_passes_over_a_record_whose_doi_the_library_has(search, pubmed, make_reference):
    make_reference(key="already", doi="10.5555/LDN.TEST.2026")
    assert checks.run_search(search) == 0
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.ReadTimeout("too slow"), "PubMed did not answer within"),
        (httpx.Response(200, text="<html>Service unavailable</html>"), "could not be read"),
        (httpx.Response(200, json={"esearchresult": {"count": "x", "idlist": ["1"]}}), "could not be read"),
        (httpx.Response(200, json={"esearchresult": {"ERROR": "Invalid query"}}), "Invalid query"),
        (httpx.Response(503), "HTTP 503"),
    ],
)
def test_a_failing_search_says_why_on_the_search_and_changes_nothing(search, answer, message):
    with respx.mock() as mock:
        route = mock.get(f"{EUTILS}/esearch.fcgi")
        route.side_effect = answer if isinstance(answer, Exception) else None
        if not isinstance(answer, Exception):
            route.return_value = answer
        with pytest.raises(checks.ChecksFailed, match=re.escape(message)):
            checks.run_searches()
    search.refresh_from_db()
    assert message in search.last_error and search.last_run_at is not None
    assert not Finding.objects.exists()


# Trial registries


@pytest.fixture
def trial(make_study, make_condition):
    return make_study(
        title="Stanford crossover trial", registry_id="NCT00568555", conditions=[make_condition(name="Fibromyalgia")]
    )


def ctgov(mock, name):
    mock.get(f"{CTGOV}/studies/NCT00568555").respond(json=recorded(name))


def test_a_trial_posting_results_reaches_the_queue_once_and_its_page(trial, client):
    with respx.mock() as mock:
        ctgov(mock, "ctgov-NCT00568555-before.json")
        assert checks.check_trials() == 0  # the first check records where the trial stands
    record = TrialRecord.objects.get()
    assert (record.overall_status, record.enrolment, record.results_posted) == ("ACTIVE_NOT_RECRUITING", 31, "")
    assert not Finding.objects.exists()
    with respx.mock() as mock:
        ctgov(mock, "ctgov-NCT00568555-after.json")
        assert checks.check_trials() == 2
        assert checks.check_trials() == 0  # nothing new the second time
    details = sorted(Finding.objects.values_list("detail", flat=True))
    assert details == ["Registry status now completed", "Results posted on ClinicalTrials.gov on 2026-11-20"]
    assert {finding.study for finding in Finding.objects.all()} == {trial}
    html = client.get(trial.get_absolute_url()).content.decode()
    assert "Completed, 31 participants, completion 2011-12-15;" in html
    assert "results posted on the registry on 2026-11-20" in html


def test_a_registry_that_cannot_answer_is_recorded_and_retried(trial):
    with respx.mock() as mock:
        mock.get(f"{CTGOV}/studies/NCT00568555").respond(404)
        with pytest.raises(checks.ChecksFailed, match="has no record of NCT00568555"):
            checks.check_trials()
    assert "has no record" in TrialRecord.objects.get().error
    with respx.mock() as mock:
        mock.get(f"{CTGOV}/studies/NCT00568555").respond(json={"protocolSection": "not a record"})
        with pytest.raises(checks.ChecksFailed, match="could not be read"):
            checks.check_trials()
    # A check that failed is no baseline: the first answer is recorded, not reported as a change.
    with respx.mock() as mock:
        ctgov(mock, "ctgov-NCT00568555-after.json")
        assert checks.check_trials() == 0
    record = TrialRecord.objects.get()
    assert (record.error, record.failed_at, record.results_posted) == ("", None, "2026-11-20")
    assert not Finding.objects.exists()


def test_a_registered_trial_without_a_report_is_listed_on_its_condition_page(client, make_condition):
    from references.models import Study

    condition = make_condition(name="Fibromyalgia", slug="fibromyalgia")
    unpublished = Study.objects.create(
        title="An unpublished trial", slug="unpublished", design="rct", registry_id="NCT01234567"
    )
    unpublished.conditions.set([condition])
    html = client.get(condition.get_absolute_url()).content.decode()
    assert "Registered trials without a published report" in html
    assert "An unpublished trial" in html and "registered, no results yet" in html


# Retractions


@pytest.fixture
def cited(make_reference, make_article):
    reference = make_reference(key="cited2020", doi="10.5555/cited.test.2020", year=2020)
    piece = make_article(title="A piece citing it", references=[reference])
    return reference, piece


def crossref(mock):
    return mock.get(f"{CROSSREF}/works").respond(json=recorded("crossref-updates.json"))


def test_a_retraction_is_recorded_once_and_flagged_wherever_the_work_is_cited(cited, client):
    reference, piece = cited
    with respx.mock() as mock:
        route = crossref(mock)
        assert checks.check_updates() == 2
        assert route.calls[0].request.url.params["filter"] == "updates:10.5555/cited.test.2020"
        assert checks.check_updates() == 0  # a second run changes nothing
    reference.refresh_from_db()
    assert reference.retracted_on == datetime.date(2026, 11, 2)
    assert reference.retraction_notice == "10.5555/notice.retraction.2026"
    assert [u["type"] for u in reference.updates] == ["expression_of_concern", "retraction"]
    kinds = dict(Finding.objects.values_list("kind", "detail"))
    assert kinds == {
        Finding.Kind.RETRACTION: "Retraction on 2026-11-02 (notice: doi.org/10.5555/notice.retraction.2026)",
        Finding.Kind.CORRECTION: "Expression of concern on 2025-06-01 (notice: doi.org/10.5555/notice.concern.2025, "
        "from Retraction Watch)",
    }
    flag = 'Retracted on <time datetime="2026-11-02">2 November 2026</time> — <a href="https://doi.org/10.5555/notice.retraction.2026"'
    for url in (piece.get_absolute_url(), reference.get_absolute_url(), "/references/"):
        assert flag in client.get(url).content.decode(), url
    page = client.get(reference.get_absolute_url()).content.decode()
    assert "Expression of concern" in page and "recorded by Retraction Watch" in page
    assert "· <strong>Retracted</strong>" in client.get("/search/", {"q": "naltrexone"}).content.decode()

    # In exports, and in the API.
    def export(extension):
        response = client.get(f"/references/{reference.key}/export.{extension}")
        return b"".join(response.streaming_content).decode()

    assert "Retracted on 2 November 2026; notice: https://doi.org/10.5555/notice.retraction.2026" in export("ris")
    assert "pubstate = {retracted}" in export("bib")
    assert json.loads(export("json"))[0]["status"] == "retracted"
    answer = client.get(f"/api/references/{reference.key}/").json()
    assert (answer["retracted_on"], answer["retraction_notice"]) == ("2026-11-02", "10.5555/notice.retraction.2026")


def test_crossref_failing_is_an_error_not_a_change(cited):
    with respx.mock() as mock:
        mock.get(f"{CROSSREF}/works").mock(side_effect=httpx.ConnectError("no route"))
        with pytest.raises(ReferenceLookupError, match="could not be reached"):
            checks.check_updates()
        mock.get(f"{CROSSREF}/works").respond(json={"message": {"items": "nothing"}})
        with pytest.raises(ReferenceLookupError, match="could not be read"):
            checks.check_updates()
    assert Reference.objects.get(key="cited2020").updates == []


def test_pooled_results_leave_out_a_retracted_report_and_say_so(trials):  # noqa: F811
    from references.synthesis.stats import for_condition

    condition, studies = trials
    reference = studies[0].reports.get().reference
    reference.updates = [
        {"type": "retraction", "label": "Retraction", "date": "2026-11-02", "doi": "10.5555/n", "source": "publisher"}
    ]
    reference.save()
    for summary in for_condition(condition):
        for synthesis in summary.syntheses:
            assert len(synthesis.effects) == 3 and len(synthesis.included) == 2
            left = [effect for effect in synthesis.effects if effect.left_out]
            assert [effect.study for effect in left] == [studies[0]]
            assert left[0].left_out == "Left out: the report was retracted on 2 November 2026."


# Review governance


def test_next_review_due_is_a_year_on_staggered_and_moves_with_a_new_review(make_article, make_author):
    reviewer = make_author()
    reviewed = TODAY - datetime.timedelta(days=10)
    pieces = [make_article(medical_reviewer=reviewer, last_reviewed=reviewed) for _ in range(100)]
    due = [piece.next_review_due for piece in pieces]
    assert all(abs((day - reviewed).days - 365) <= 14 for day in due)
    assert len(set(due)) >= 25  # a hundred pieces reviewed the same day fall due on many days
    piece = Article.objects.get(pk=pieces[0].pk)
    piece.next_review_due = TODAY + datetime.timedelta(days=30)  # an editor wants an early look
    piece.save()
    assert Article.objects.get(pk=piece.pk).next_review_due == TODAY + datetime.timedelta(days=30)
    piece = Article.objects.get(pk=piece.pk)
    piece.last_reviewed = TODAY  # a new review sets the next date again
    piece.save()
    assert Article.objects.get(pk=piece.pk).next_review_due == review_due_after(TODAY, piece.slug)


def test_a_piece_with_new_evidence_since_its_review_says_so_calmly(
    make_article, make_author, make_study, make_condition, client, admin_client
):
    condition = make_condition(name="Fibromyalgia")
    old = make_study(conditions=[condition])
    reference = old.reports.get().reference
    reviewed = TODAY - datetime.timedelta(days=30)
    piece = make_article(references=[reference], medical_reviewer=make_author(), last_reviewed=reviewed)
    old.__class__.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    assert new_evidence(piece) == []
    assert not flagged(Article.objects.filter(pk=piece.pk)).get().new_evidence
    newer = make_study(conditions=[condition], title="A newer trial")
    found = new_evidence(piece)
    assert [item.text for item in found] == ["New study: A newer trial"]
    flags = flagged(Article.objects.filter(pk=piece.pk)).get()
    assert flags.new_evidence and flagged_kinds(flags) == ["a new study"]
    html = client.get(piece.get_absolute_url()).content.decode()
    assert "New research on this topic has appeared since this piece was last reviewed" in html
    assert newer.title not in html  # readers get the calm sentence; the piece's admin page gets the details
    change = admin_client.get(f"/admin/articles/article/{piece.pk}/change/").content.decode()
    assert f"New study: A newer trial ({TODAY:%-d %b %Y})" in change


def test_the_public_change_log_drives_date_modified(make_article, client):
    piece = make_article(last_reviewed=TODAY - datetime.timedelta(days=3), medical_reviewer=None)
    ChangeNote.objects.create(
        article=piece, date=TODAY - datetime.timedelta(days=2), note="Added the 2013 trial; conclusion unchanged."
    )
    html = client.get(piece.get_absolute_url()).content.decode()
    assert "What has changed" in html and "Added the 2013 trial; conclusion unchanged." in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["dateModified"] == (TODAY - datetime.timedelta(days=2)).isoformat()
    with pytest.raises(ValidationError):
        ChangeNote(article=piece, date=TODAY + datetime.timedelta(days=1), note="Tomorrow").full_clean()


# The schedule


@pytest.mark.django_db
@override_settings(TASK_SCHEDULE={"references.living.tasks.check_retractions": datetime.timedelta(hours=24)})
def test_a_scheduled_task_is_enqueued_once_per_interval():
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    assert schedule.enqueue_due(now) == ["references.living.tasks.check_retractions"]
    assert schedule.enqueue_due(now) == []  # another worker looking at the same moment enqueues nothing
    assert schedule.enqueue_due(now + datetime.timedelta(hours=23)) == []
    assert schedule.enqueue_due(now + datetime.timedelta(hours=24)) == ["references.living.tasks.check_retractions"]
    assert DBTaskResult.objects.filter(task_path="references.living.tasks.check_retractions").count() == 2
    assert Schedule.objects.get().next_run_at == now + datetime.timedelta(hours=48)


# The editors' desk, and its doors


def test_the_desk_shows_an_editor_what_needs_them_and_one_click_adds_a_record(
    search, pubmed, people, cited, make_author
):
    checks.run_search(search)
    with respx.mock() as mock:
        crossref(mock)
        checks.check_updates()
    reference, piece = cited
    Article.objects.filter(pk=piece.pk).update(
        # Reviewed before the recorded retraction (2 November 2026), and due since.
        last_reviewed=datetime.date(2025, 10, 1),
        next_review_due=TODAY - datetime.timedelta(days=35),
    )
    SavedSearch.objects.create(name="Broken", query="x", last_error="PubMed did not answer within 5 seconds.")
    editor = people["editor"][1]
    html = editor.get("/admin/").content.decode()
    assert "What needs you now" in html
    assert "Triage queue</a>: 3 to look at" in html
    assert "A test record: low-dose naltrexone" in html and "Add to library" in html
    assert "Retracted references still cited" in html and "cited2020" in html
    assert f'<a href="/admin/articles/article/{piece.pk}/change/">A piece citing it</a>)' in html
    assert "Due for review within 30 days: 1" in html and "A piece citing it" in html
    assert "New evidence since review" in html and "a cited work retracted" in html
    listed = editor.get("/admin/articles/article/", {"new_evidence": "yes"}).context["cl"].result_list
    assert [article.title for article in listed] == ["A piece citing it"]
    assert "Saved search" in html and "PubMed did not answer within 5 seconds." in html
    finding = Finding.objects.get(kind=Finding.Kind.NEW_STUDY)
    response = editor.post(f"/admin/references/finding/{finding.pk}/accept/")
    reference = Reference.objects.get(pmid="39000001")
    assert response.status_code == 302 and response["Location"] == f"/admin/references/reference/{reference.pk}/change/"
    page = editor.get(response["Location"]).content.decode()
    assert "Added to the library as [@doe2026]" in page
    assert editor.get("/admin/").content.decode().count("Add to library") == 0
    # Deciding again is refused with the reason, at the same door.
    again = editor.post(f"/admin/references/finding/{finding.pk}/accept/")
    assert again.status_code == 403 and "a decision stands" in again.content.decode()
    assert editor.get(f"/admin/references/finding/{finding.pk}/accept/").status_code == 405


def test_every_door_of_the_queue_asks_the_rule(search, pubmed, people):
    checks.run_search(search)
    finding = Finding.objects.get()
    for role in ("reviewer", "author"):
        client = people[role][1]
        assert "Triage queue" in client.get("/admin/").content.decode()
        assert "Add to library" not in client.get("/admin/").content.decode()
        assert client.post(f"/admin/references/finding/{finding.pk}/accept/").status_code == 403
        assert client.post(f"/admin/references/finding/{finding.pk}/dismiss/", {"reason": "no"}).status_code == 403
    staff = people["staff"][1]
    assert "Triage queue" not in staff.get("/admin/").content.decode()
    assert staff.get(f"/admin/references/finding/{finding.pk}/change/").status_code == 403
    assert staff.post(f"/admin/references/finding/{finding.pk}/accept/").status_code == 403
    assert Finding.objects.get().status == Finding.Status.NEW
    editor = people["editor"][1]
    assert "Reason to dismiss" in editor.get(f"/admin/references/finding/{finding.pk}/change/").content.decode()
    refused = editor.post(f"/admin/references/finding/{finding.pk}/dismiss/", {"reason": ""}, follow=True)
    assert "Say why it is dismissed" in refused.content.decode()
    done = editor.post(f"/admin/references/finding/{finding.pk}/dismiss/", {"reason": "A review, not a trial"})
    assert done.status_code == 302 and Finding.objects.get().reason == "A review, not a trial"
    assert editor.get("/admin/references/finding/add/").status_code == 403
    assert editor.post(f"/admin/references/finding/{finding.pk}/delete/", {"post": "yes"}).status_code == 403


def test_each_reviewer_gets_one_digest_of_what_is_due_and_what_is_new(people, make_article, make_study, make_condition):
    from articles.models import Author
    from articles.review import send_review_digests

    from .mail import Mailbox, SMTPServer, html_part, text_part

    rita = Author.objects.get(slug="rita")
    due = make_article(title="Due soon", medical_reviewer=rita, last_reviewed=TODAY - datetime.timedelta(days=360))
    Article.objects.filter(pk=due.pk).update(next_review_due=TODAY + datetime.timedelta(days=5))
    condition = make_condition(name="Fibromyalgia")
    old = make_study(conditions=[condition])
    old.__class__.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=90))
    make_article(
        title="Has news",
        medical_reviewer=rita,
        last_reviewed=TODAY - datetime.timedelta(days=60),
        references=[old.reports.get().reference],
    )
    make_study(conditions=[condition], title="A newer trial")
    make_article(title="Someone else's", medical_reviewer=None, last_reviewed=None)
    mailbox = Mailbox()
    with SMTPServer(mailbox) as smtp, override_settings(**smtp.settings()):
        assert send_review_digests.call() == "1 digests sent"
        assert send_review_digests.call() == "0 digests sent"  # once per period, however often it runs
    (message,) = mailbox.to("rita@example.org")
    assert message["Subject"] == "Reviews: 1 due, 1 with new evidence"
    text, html = text_part(message), html_part(message)
    assert "Due soon" in text and f"due on {(TODAY + datetime.timedelta(days=5)):%-d %B %Y}" in text
    assert "Has news" in html and "New study: A newer trial" in html
    assert "Someone else's" not in text


def test_nothing_a_registry_sends_is_trusted_as_markup(cited, trial, client, people):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    notices = recorded("crossref-updates.json")
    notices["message"]["items"][0]["update-to"][0]["label"] = hostile
    record = recorded("ctgov-NCT00568555-after.json")
    record["protocolSection"]["statusModule"]["overallStatus"] = hostile
    with respx.mock() as mock:
        mock.get(f"{CROSSREF}/works").respond(json=notices)
        mock.get(f"{CTGOV}/studies/NCT00568555").respond(json=record)
        checks.check_updates()
        checks.check_trials()
    reference, _ = cited
    pages = [
        client.get(reference.get_absolute_url()).content.decode(),
        client.get(trial.get_absolute_url()).content.decode(),
        people["editor"][1].get("/admin/").content.decode(),
        people["editor"][1].get(f"/admin/references/reference/{reference.pk}/change/").content.decode(),
        people["editor"][1].get(f"/admin/references/study/{trial.pk}/change/").content.decode(),
    ]
    for html in pages:
        assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


def test_the_desk_lists_only_the_pieces_an_account_may_open_and_when_each_check_runs(people, make_article, settings):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    amy, otto = people["author"][0], people["other_author"][0]
    due = TODAY - datetime.timedelta(days=1)
    for owner, title in ((amy, "Draft by Amy"), (otto, "Draft by Otto")):
        piece = make_article(title=title, status=Article.Status.DRAFT, created_by=owner)
        Article.objects.filter(pk=piece.pk).update(
            last_reviewed=TODAY - datetime.timedelta(days=400), next_review_due=due
        )
    html = people["author"][1].get("/admin/").content.decode()
    assert "Draft by Amy" in html and "Draft by Otto" not in html
    html = people["editor"][1].get("/admin/").content.decode()
    assert "Draft by Amy" in html and "Draft by Otto" in html

    settings.TASK_SCHEDULE = {"references.living.tasks.check_retractions": datetime.timedelta(hours=168)}
    schedule.enqueue_due()
    result = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        traceback='Traceback (most recent call last):\n  File "checks.py", line 1, in check_updates\n'
        "references.lookup.ReferenceLookupError: Crossref did not answer within 5 seconds.\n",
    )
    admin = people["editor"][1]
    admin.force_login(type(amy).objects.create_superuser("root", "root@example.org", "pw"))
    html = admin.get("/admin/").content.decode()
    assert "Scheduled checks" in html and "Check retractions" in html and "168 h" in html
    assert "Background work that failed" in html
    assert "references.lookup.ReferenceLookupError: Crossref did not answer within 5 seconds." in html
    assert "Traceback" not in html
    # Once the check has run well again, its old failure is no longer news.
    DBTaskResult.objects.create(
        task_path=result.task_path,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now() + datetime.timedelta(seconds=1),
        return_value="0 new notices",
    )
    html = admin.get("/admin/").content.decode()
    assert "Background work that failed" not in html and "0 new notices" in html


def test_the_desk_costs_the_same_few_queries_however_much_is_waiting(people, make_article, make_study, make_condition):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    condition = make_condition(name="Fibromyalgia")

    def add(count, start):
        for n in range(start, start + count):
            study = make_study(conditions=[condition])
            TrialRecord.objects.create(
                study=study, nct_id=f"NCT{n:08d}", results_posted="2026-11-01", checked_at=timezone.now()
            )
            reference = study.reports.get().reference
            Reference.objects.filter(pk=reference.pk).update(retraction_notice=f"10.5555/n{n}")
            make_article(
                references=[reference], last_reviewed=TODAY - datetime.timedelta(days=400), medical_reviewer=None
            )
            Finding.objects.create(key=f"pubmed:{n}", kind=Finding.Kind.NEW_STUDY, title=f"Record {n}", pmid=str(n))
            Finding.objects.create(key=f"trial:{n}", kind=Finding.Kind.TRIAL, title=f"Trial {n}", study=study)

    editor = people["editor"][1]
    counts = []
    for count, start in ((2, 0), (20, 2)):
        add(count, start)
        editor.get("/admin/")
        with CaptureQueriesContext(connection) as queries:
            html = editor.get("/admin/").content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 30, counts
    assert html.count('class="desk__item"') == 10  # the newest ten; the queue's page has the rest
    assert "Triage queue</a>: 44 to look at" in html


def test_a_references_page_names_only_the_published_pieces_citing_it(people, make_reference, make_article):
    reference = make_reference(key="cited")
    make_article(title="Public piece", references=[reference])
    make_article(title="Secret draft", references=[reference], status=Article.Status.DRAFT)
    html = people["author"][1].get(f"/admin/references/reference/{reference.pk}/change/").content.decode()
    assert "Public piece" in html and "1 piece not published" in html and "Secret draft" not in html


def test_an_editor_sets_aside_a_notice_that_is_not_about_the_work(cited, people, client):
    reference, piece = cited
    with respx.mock() as mock:
        crossref(mock)
        checks.check_updates()
    finding = Finding.objects.get(kind=Finding.Kind.RETRACTION)
    editor = people["editor"][1]
    response = editor.post(
        f"/admin/references/finding/{finding.pk}/dismiss/", {"reason": "The notice retracts another paper."}
    )
    assert response.status_code == 302
    reference.refresh_from_db()
    assert (reference.retracted_on, reference.retraction_notice) == (None, "")
    assert [update.get("set_aside", "") for update in reference.updates] == ["", "The notice retracts another paper."]
    assert "Retracted" not in client.get(piece.get_absolute_url()).content.decode()
    admin_page = editor.get(f"/admin/references/reference/{reference.pk}/change/").content.decode()
    assert "set aside by an editor: The notice retracts another paper." in admin_page
    # The next check keeps it aside, and finds nothing new.
    with respx.mock() as mock:
        crossref(mock)
        assert checks.check_updates() == 0
    assert Reference.objects.get(pk=reference.pk).retracted_on is None
