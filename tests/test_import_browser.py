"""An editor imports reference files in Chromium: a file with entries that cannot be imported (left
out, downloaded to fix), and a file large enough to go to the worker, whose progress the page follows."""

import json
from pathlib import Path

import pytest

from references.models import ImportJob, Reference

from .browsing import shoot, sign_in_as_editor
from .mail import start_worker
from .test_import_background import NoSMTP, bibtex
from .test_newsletter_delivery import environment as worker_environment
from .test_newsletter_delivery import stop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILES = Path(__file__).parent / "files"


def test_an_editor_imports_the_valid_entries_of_a_file_and_downloads_the_others_to_fix(browser, site, tmp_path):
    from playwright.sync_api import expect

    library = Reference.objects.count()  # the demo's
    page = sign_in_as_editor(browser, site + "/admin/references/reference/import/")
    page.set_input_files("#id_file", str(FILES / "partly-invalid.json"))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="3 entries cannot be imported as they stand")).to_be_visible()
    shoot(page, "desktop", "import-left-out")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the 3 entries left out").click()
    assert download.value.suggested_filename == "partly-invalid-left-out.json"
    download.value.save_as(tmp_path / "left-out.json")
    left_out = json.loads((tmp_path / "left-out.json").read_text())
    assert [item["id"] for item in left_out] == ["notitle", "ancient", "baddoi"]
    assert Reference.objects.count() == library  # nothing saved yet

    page.get_by_role("button", name="Import the others and leave 3 out").click()
    page.wait_for_load_state("load")
    expect(
        page.get_by_text("Imported partly-invalid.json: 1 created, 0 updated, 0 unchanged, 3 left out.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="3 entries were left out")).to_be_visible()
    shoot(page, "desktop", "import-done")
    assert Reference.objects.count() == library + 1 and Reference.objects.filter(key="fine2010").exists()
    assert page.problems == []


def test_the_progress_page_follows_a_background_import_to_its_end(browser, site, settings, tmp_path):
    from playwright.sync_api import expect

    settings.REFERENCE_IMPORT_INLINE = 20
    big = tmp_path / "library.bib"
    big.write_text(bibtex(250))
    page = sign_in_as_editor(browser, site + "/admin/references/reference/import/")
    page.set_input_files("#id_file", str(big))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("the import runs in the background")).to_be_visible()
    page.get_by_role("button", name="Import: 250 created, 0 updated, 0 unchanged").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("status")).to_have_text("Waiting for a worker")
    shoot(page, "desktop", "import-waiting")
    worker = start_worker(worker_environment(NoSMTP()))
    try:
        # No reload by hand: the page asks every two seconds and shows the result once the import ends.
        expect(page.get_by_text("Imported library.bib: 250 created, 0 updated, 0 unchanged.")).to_be_visible(
            timeout=120_000
        )
    finally:
        stop(worker)
    shoot(page, "desktop", "import-finished")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Reference.objects.filter(key__startswith="work").count() == 250
    assert page.problems == []
