from django.urls import path, register_converter

from . import views
from .models import CITATION_KEY_PATTERN


class CitationKeyConverter:
    """Matches exactly what a citation key may be, so nothing else reaches the database."""

    regex = CITATION_KEY_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CitationKeyConverter, "citation_key")

app_name = "references"

urlpatterns = [
    path("", views.ReferenceListView.as_view(), name="list"),
    path("<citation_key:key>/", views.ReferenceDetailView.as_view(), name="detail"),
]
