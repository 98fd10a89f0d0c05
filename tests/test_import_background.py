"""A large reference file is imported by the site's worker (``manage.py worker``, in its own process, on
the test database) while the admin shows its progress; a worker that dies part-way is replaced and
the import finishes with every entry imported once."""

import signal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from references.models import ImportJob, Reference

from .mail import start_worker
from .test_newsletter_delivery import environment as worker_environment
from .test_newsletter_delivery import stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class NoSMTP:
    def environment(self):
        return {}


def bibtex(count):
    return "\n".join(
        f"@article{{work{n},\n  author = {{Doe, Jane and Roe, R.}},\n  title = {{Work number {n} on naltrexone}},\n"
        f"  journal = {{J Pain}},\n  year = {{{2000 + n % 25}}},\n  doi = {{10.5555/work.{n}}}\n}}\n"
        for n in range(count)
    )


def upload_and_confirm(client, text, name="library.bib"):
    response = client.post("/admin/references/reference/import/", {"file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    assert "the import runs in the background" in html
    confirm = {field.name: field.value() for field in response.context["confirm"]}
    response = client.post("/admin/references/reference/import/", confirm)
    assert response.status_code == 302
    return response["Location"]


@override_settings(REFERENCE_IMPORT_INLINE=50)
def test_a_large_file_is_imported_by_a_worker_while_the_admin_shows_its_progress(admin_client):
    job_page = upload_and_confirm(admin_client, bibtex(300))
    job = ImportJob.objects.get()
    assert job_page == f"/admin/references/reference/import/{job.pk}/"
    waiting = admin_client.get(job_page)
    assert "Waiting for a worker" in waiting.content.decode()
    assert '<progress id="import-progress" value="0" max="300"' in waiting.content.decode()
    assert not Reference.objects.exists()  # nothing is saved in the request

    worker = start_worker(worker_environment(NoSMTP()))
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished, timeout=120, what="the import")
    finally:
        stop(worker)
    assert admin_client.get(job_page + "?format=json").json() == {
        "status": "done",
        "label": "Imported",
        "saved": 300,
        "to_save": 300,
    }
    assert "Imported library.bib: 300 created, 0 updated, 0 unchanged." in admin_client.get(job_page).content.decode()
    assert Reference.objects.count() == 300
    assert ImportJob.objects.get().text == ""  # the file is not kept once imported
    # Each reference has its own version and its own line in the admin's history, under the editor's name.
    history = admin_client.get(f"/admin/references/reference/{Reference.objects.get(key='work7').pk}/history/")
    assert "Imported from library.bib" in history.content.decode()
    assert LogEntry.objects.filter(action_flag=ADDITION, user__username="admin").count() == 300


@override_settings(REFERENCE_IMPORT_INLINE=50)
def test_a_worker_killed_part_way_through_an_import_is_replaced_and_every_entry_is_imported_once(admin_client):
    job_page = upload_and_confirm(admin_client, bibtex(600))
    job = ImportJob.objects.get()
    env = worker_environment(NoSMTP())
    first = start_worker(env)
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).saved >= 100, timeout=120, what="the first hundred")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    part_way = Reference.objects.count()
    assert 100 <= part_way < 600, "the worker was killed part-way"
    second = start_worker(env)
    try:
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished, timeout=180, what="the import to finish")
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.attempts == 2
    assert Reference.objects.count() == 600
    assert set(Reference.objects.values_list("key", flat=True)) == {f"work{n}" for n in range(600)}
    assert job.counts == {"create": 600 - part_way, "skip": part_way}
    assert "unchanged" in admin_client.get(job_page).content.decode()


def test_the_import_pages_need_permission_to_import(client, django_user_model, admin_user):
    job = ImportJob.objects.create(user=admin_user, filename="a.bib", format="bib", text="@article{a, title={A}}")
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    for url in (job.get_absolute_url(), job.get_absolute_url() + "left-out/"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/references/reference/import/left-out/", {"payload": "x"}).status_code == 403


def test_an_import_is_shown_to_the_account_that_started_it_and_to_editors_only(client, django_user_model, admin_user):
    from django.contrib.auth.models import Permission

    job = ImportJob.objects.create(user=admin_user, filename="a.bib", format="bib", status=ImportJob.Status.DONE)
    importer = django_user_model.objects.create_user("author", password="pw", is_staff=True)
    importer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_reference", "change_reference", "view_reference"])
    )
    client.force_login(importer)
    assert client.get("/admin/references/reference/import/").status_code == 200  # may import files
    assert client.get(job.get_absolute_url()).status_code == 403  # but not see another account's import
    own = ImportJob.objects.create(user=importer, filename="b.bib", format="bib", status=ImportJob.Status.DONE)
    assert client.get(own.get_absolute_url()).status_code == 200
