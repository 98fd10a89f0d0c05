from django.urls import path

from . import converters  # noqa: F401 (importing converters registers them)
from .views import evidence_table, library, studies

app_name = "references"

urlpatterns = [
    path("references/", library.ReferenceListView.as_view(), name="list"),
    path("references/export.<export_format:extension>", library.library_download, name="export"),
    path("references/<citation_key:key>/", library.ReferenceDetailView.as_view(), name="detail"),
    path(
        "references/<citation_key:key>/export.<export_format:extension>", library.reference_download, name="export_one"
    ),
    path("studies/", evidence_table.EvidenceTableView.as_view(), name="studies"),
    path("studies/studies.csv", evidence_table.studies_csv, name="studies_csv"),
    path("studies/<slug:slug>/", studies.StudyDetailView.as_view(), name="study"),
    path("conditions/", studies.ConditionListView.as_view(), name="conditions"),
    path("conditions/<slug:slug>/", studies.ConditionDetailView.as_view(), name="condition"),
    path(
        "conditions/<slug:slug>/outcomes.csv",
        studies.condition_outcomes_download,
        {"extension": "csv"},
        name="condition_outcomes_csv",
    ),
    path(
        "conditions/<slug:slug>/outcomes.json",
        studies.condition_outcomes_download,
        {"extension": "json"},
        name="condition_outcomes_json",
    ),
]
