"""The living-evidence checks run by themselves, on the schedule, in the site's real worker process
(``manage.py worker``, on the test database), against the registries' recorded answers served on
loopback: a new PubMed record, a trial posting results and a retraction of a cited paper each reach the
triage queue, and running every check again changes nothing."""

import datetime
import time

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ldnsite.background.models import Schedule
from references.living.models import Finding, SavedSearch, TrialRecord
from references.models import Reference

from .mail import start_worker
from .registries import RecordedRegistries
from .test_newsletter_delivery import environment, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    "references.living.tasks.run_saved_searches",
    "references.living.tasks.check_trial_registries",
    "references.living.tasks.check_retractions",
]


class NoSMTP:
    def environment(self):
        return {}


def finished(count):
    """Whether each check has ended ``count`` times, every time successfully."""
    results = DBTaskResult.objects.filter(task_path__in=CHECKS)
    done = results.filter(status=TaskResultStatus.SUCCESSFUL).count()
    failed = list(results.filter(status=TaskResultStatus.FAILED).values_list("task_path", "traceback"))
    assert not failed, failed
    return done >= count * len(CHECKS)


def test_the_checks_run_on_schedule_in_two_workers_and_a_second_run_changes_nothing(
    make_study, make_reference, make_article
):
    SavedSearch.objects.create(name="LDN and fibromyalgia", query="naltrexone[tiab] AND low dose AND fibromyalgia")
    make_reference(key="younger2009", pmid="19453963")
    study = make_study(title="Stanford crossover trial", registry_id="NCT00568555")
    cited = make_reference(key="cited2020", doi="10.5555/cited.test.2020")
    make_article(title="A piece citing it", references=[cited])
    with RecordedRegistries() as registries:
        env = environment(
            NoSMTP(),
            TEST_TASK_SCHEDULE="1",
            LITERATURE_SEARCH_HOURS="24",
            TRIAL_REGISTRY_CHECK_HOURS="168",
            RETRACTION_CHECK_HOURS="168",
            REVIEW_DIGEST_HOURS="0",
            **registries.environment(),
        )
        # Two workers, as on two machines: each check is still enqueued once per interval.
        workers = [start_worker(env), start_worker(env)]
        try:
            wait_for(lambda: finished(1), timeout=120, what="the first run of each check")
            assert Finding.objects.filter(kind=Finding.Kind.NEW_STUDY, pmid="39000001").exists()
            assert Finding.objects.filter(kind=Finding.Kind.RETRACTION, reference=cited).exists()
            assert TrialRecord.objects.get(study=study).overall_status == "ACTIVE_NOT_RECRUITING"
            assert Reference.objects.get(pk=cited.pk).retracted_on == datetime.date(2026, 11, 2)
            assert set(Schedule.objects.values_list("task_path", flat=True)) == set(CHECKS)
            before = sorted(Finding.objects.values_list("key", flat=True))

            # A week later: the trial has posted results; every check runs again.
            registries.trial = "ctgov-NCT00568555-after.json"
            Schedule.objects.update(next_run_at=timezone.now())
            wait_for(lambda: finished(2), timeout=120, what="the second run of each check")
            time.sleep(2)  # a few more heartbeats of both workers: nothing more is due
        finally:
            for worker in workers:
                stop(worker)
    for path in CHECKS:
        assert DBTaskResult.objects.filter(task_path=path).count() == 2, path
    new = sorted(set(Finding.objects.values_list("key", flat=True)) - set(before))
    assert new == ["trial:NCT00568555:results:2026-11-20", "trial:NCT00568555:status:COMPLETED"]
    assert Finding.objects.filter(kind=Finding.Kind.NEW_STUDY).count() == 1  # nothing new from the search
    assert len(Reference.objects.get(pk=cited.pk).updates) == 2  # the notices, once each
    assert "/eutils/esearch.fcgi" in registries.requests and "/crossref/works" in registries.requests
