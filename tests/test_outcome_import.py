"""Outcome data from CSV: the admin's upload, preview and confirm, and ``manage.py import_outcomes``.

tests/files/outcomes/bcg.csv is metafor's BCG data set (tests/files/metafor/README.md) in the import's
columns: imported as new studies, it must give metafor's pooled result on the condition page.
"""

import html
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from references.models import Outcome, OutcomeResult, Reference, Study

BCG = Path(__file__).parent / "files" / "outcomes" / "bcg.csv"
URL = "/admin/references/outcome/import/"


@pytest.fixture
def setting(db, make_condition, make_study, make_reference):
    Outcome.objects.create(name="Pain", slug="pain")
    Outcome.objects.create(name="Tuberculosis cases", slug="tb")
    condition = make_condition(name="Fibromyalgia", slug="fibromyalgia")
    make_condition(name="Tuberculosis", slug="tuberculosis")
    first = make_study(conditions=[condition], slug="first-trial", registry_id="NCT00568555")
    second = make_study(
        conditions=[condition], slug="second-trial", reports=[{"reference": make_reference(key="abs2")}]
    )
    return condition, first, second


def upload(client, text, name="outcomes.csv"):
    data = text if isinstance(text, bytes) else text.encode()
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm(client, preview):
    payload = re.search(r'name="payload" value="([^"]+)"', preview.content.decode()).group(1)
    return client.post(URL, {"payload": payload})


GOOD = """study,outcome,measure,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl,effect,ci_low,ci_high,reference,timepoint
first-trial,Pain,MD,-2.1,1.8,30,-1.2,1.9,30,,,,,12 weeks
NCT00568555,responders?,RR,,,,,,,,,,,
"""


def test_an_editor_previews_then_imports_and_the_condition_page_pools_it(admin_client, setting):
    condition, first, second = setting
    text = (
        "study,outcome,measure,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl,effect,ci_low,ci_high,reference,timepoint\n"
        "first-trial,Pain,MD,-2.1,1.8,30,-1.2,1.9,30,,,,,12 weeks\n"
        "second-trial,pain,MD,,,,,,,-0.5,-1.4,0.4,abs2,\n"
    )
    preview = upload(admin_client, text)
    page = preview.content.decode()
    assert "Nothing has been saved yet. This file has 2 rows" in page
    assert OutcomeResult.objects.count() == 0
    done = confirm(admin_client, preview)
    assert done.status_code == 302
    assert OutcomeResult.objects.count() == 2
    assert OutcomeResult.objects.get(report__study=second).report.reference.key == "abs2"
    page = admin_client.get(condition.get_absolute_url()).content.decode()
    assert "Pooled over 2 studies" in page
    # The same file again changes the same two rows: updates, not duplicates.
    again = upload(admin_client, text.replace("-2.1", "-2.3"))
    assert again.content.decode().count(">Update<") == 2
    confirm(admin_client, again)
    assert OutcomeResult.objects.count() == 2
    assert OutcomeResult.objects.get(report__study=first).mean_int == Decimal("-2.3")


def test_every_bad_row_is_named_by_its_line_and_nothing_is_saved(admin_client, setting):
    text = (
        "study,outcome,measure,events_int,total_int,events_ctl,total_ctl,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl\n"
        "first-trial,Pain,RR,12,10,1,10,,,,,,\n"
        "first-trial,Fatigue,RR,1,10,1,10,,,,,,\n"
        "no-such-trial,Pain,MD,,,,,1,0,10,2,1,10\n"
        "second-trial,Pain,MD,,,,,1,one,10,2,1,10\n"
        "second-trial,Pain,MD,,,,,1,0,10,2,1,10\n"
    )
    page = upload(admin_client, text).content.decode()
    assert "Nothing was imported: every row must be valid" in page
    assert "Line 2: events_int: 12 events on naltrexone is more than the 10 people in that arm" in page
    assert "Line 3: outcome: no outcome is called “Fatigue”. Add it under Outcomes first" in page
    assert (
        "Line 4: study: no study has the slug or registry ID “no-such-trial”. To add it as a new study, give its"
        in page
    )
    assert "Line 5: sd_int: “one” is not a number." in page
    assert "Line 6: sd_int: A standard deviation is above 0" in page
    assert OutcomeResult.objects.count() == 0


@pytest.mark.parametrize(
    "text,message",
    [
        ("outcome,measure\nPain,MD\n", "study is missing"),
        ("study,outcome,dose\nx,Pain,4.5\n", "Unknown column: dose"),
        ("study,outcome\n", "a header but no rows of data"),
        ("study,outcome\nfirst-trial,Pain,extra\n", "Line 2 has more values than the header has columns"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(admin_client, setting, text, message):
    page = upload(admin_client, text).content.decode()
    assert message in page and OutcomeResult.objects.count() == 0


def test_the_same_report_and_outcome_twice_is_refused(admin_client, setting):
    text = "study,outcome,measure,effect,ci_low,ci_high\nfirst-trial,Pain,MD,-1,-2,0\nNCT00568555,Pain,MD,-1,-2,0\n"
    page = html.unescape(upload(admin_client, text).content.decode())
    assert "Line 3: this report's pain is already given on line 2." in page


def test_excel_on_windows_semicolons_and_decimal_commas_are_read(admin_client, setting):
    text = (
        "study;outcome;measure;effect;ci_low;ci_high;reported\r\n"
        "first-trial;Pain;MD;-1,5;-2,5;-0,5;Moins de douleur à 12 semaines\r\n"
    )
    preview = upload(admin_client, text.encode("cp1252"))
    confirm(admin_client, preview)
    result = OutcomeResult.objects.get()
    assert (result.effect, result.ci_low, result.ci_high) == (Decimal("-1.5"), Decimal("-2.5"), Decimal("-0.5"))
    assert result.reported == "Moins de douleur à 12 semaines"


def test_metafors_bcg_trials_imported_as_new_studies_pool_to_metafors_estimate(admin_client, setting):
    preview = upload(admin_client, BCG.read_bytes(), "bcg.csv")
    assert "adds 13 new studies" in preview.content.decode()
    confirm(admin_client, preview)
    assert Study.objects.filter(title__startswith="BCG trial").count() == 13
    stein = Study.objects.get(title="BCG trial: Stein & Aronson 1953")
    assert stein.design == Study.Design.RANDOMISED and [c.slug for c in stein.conditions.all()] == ["tuberculosis"]
    assert Reference.objects.get(study_reports__study=stein).year == 1953
    page = admin_client.get("/conditions/tuberculosis/").content.decode()
    # metafor, REML: log RR −0.7145 (95% CI −1.0669 to −0.3622): a risk ratio of 0.49 (0.34 to 0.70).
    assert "risk ratio 0.49 (0.34 to 0.70)</strong>, random effects (REML)" in page
    assert "Pooled over 13 studies" in page


def test_only_editors_import_outcome_data(client, setting, django_user_model, editorial_groups):
    author = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    author.groups.add(Group.objects.get(name="Authors"))
    client.force_login(author)
    assert client.get(URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert OutcomeResult.objects.count() == 0


def test_the_command_checks_then_imports_and_a_dry_run_saves_nothing(setting, tmp_path):
    path = tmp_path / "bcg.csv"
    path.write_bytes(BCG.read_bytes())
    out = io.StringIO()
    call_command("import_outcomes", str(path), "--dry-run", stdout=out)
    assert "13 to add, 0 to update, 13 new studies. Nothing was saved (--dry-run)." in out.getvalue()
    assert not Study.objects.filter(title__startswith="BCG").exists()
    call_command("import_outcomes", str(path), stdout=out)
    assert OutcomeResult.objects.count() == 13
    bad = tmp_path / "bad.csv"
    bad.write_text("study,outcome,measure,effect,ci_low,ci_high\nfirst-trial,Pain,RR,2,3,4\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem in"):
        call_command("import_outcomes", str(bad), stderr=err)
    assert "Line 2: effect: The 95% CI (3 to 4) does not contain the effect (2)" in err.getvalue()
