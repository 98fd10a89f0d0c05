"""Lists of references as files to save (BibTeX, RIS, CSL-JSON), and the links that offer them.

Used by the library's pages and by a piece's page for its own reference list.
"""

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from .formats import FORMATS


def download(references, extension, name):
    """The references as a file to save, in the format for ``extension``, written as it is sent."""
    file_format = FORMATS[extension]
    response = StreamingHttpResponse(
        file_format.write(references), content_type=f"{file_format.content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{file_format.extension}")
    return response


def download_links(viewname, query="", **kwargs):
    """A link per export format, for the "Download" line under a list of references."""
    suffix = f"?{query}" if query else ""
    return [
        {"label": fmt.label, "url": reverse(viewname, kwargs={**kwargs, "extension": extension}) + suffix}
        for extension, fmt in FORMATS.items()
    ]
