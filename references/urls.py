from django.urls import path

from . import converters, views  # noqa: F401 (importing converters registers them)

app_name = "references"

urlpatterns = [
    path("", views.ReferenceListView.as_view(), name="list"),
    path("export.<export_format:extension>", views.library_download, name="export"),
    path("<citation_key:key>/", views.ReferenceDetailView.as_view(), name="detail"),
    path("<citation_key:key>/export.<export_format:extension>", views.reference_download, name="export_one"),
]
