"""Path converters for reference URLs, shared by the articles app (an article's bibliography download)."""

from django.urls import register_converter

from .formats import FORMATS
from .models import CITATION_KEY_PATTERN


class CitationKeyConverter:
    """Matches exactly what a citation key may be, so nothing else reaches the database."""

    regex = CITATION_KEY_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class ExportFormatConverter(CitationKeyConverter):
    """The file extensions references can be downloaded as: bib, ris, json."""

    regex = "|".join(FORMATS)


register_converter(CitationKeyConverter, "citation_key")
register_converter(ExportFormatConverter, "export_format")
