from django.urls import path

from . import converters, views  # noqa: F401 (importing converters registers them)

app_name = "references"

urlpatterns = [
    path("references/", views.ReferenceListView.as_view(), name="list"),
    path("references/export.<export_format:extension>", views.library_download, name="export"),
    path("references/<citation_key:key>/", views.ReferenceDetailView.as_view(), name="detail"),
    path("references/<citation_key:key>/export.<export_format:extension>", views.reference_download, name="export_one"),
    path("studies/", views.EvidenceTableView.as_view(), name="studies"),
    path("studies/studies.csv", views.studies_csv, name="studies_csv"),
    path("studies/<slug:slug>/", views.StudyDetailView.as_view(), name="study"),
    path("conditions/", views.ConditionListView.as_view(), name="conditions"),
    path("conditions/<slug:slug>/", views.ConditionDetailView.as_view(), name="condition"),
]
