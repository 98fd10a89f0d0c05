"""Scholarly identifiers (DOI, PubMed ID): read what editors paste, validate, link.

Editors copy identifiers from wherever they find them: a doi.org link, "doi:10…",
"PMID: 19453963", a PubMed URL. These functions reduce each form to the bare
identifier that is stored, compared for uniqueness and turned back into a link.
"""

import re
from urllib.parse import quote, unquote

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute

_DOI_PREFIX = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|info:doi/)",
    re.IGNORECASE,
)
# Crossref's advice is a "10.", a registrant code of four to nine digits, a slash
# and a suffix; old Wiley DOIs carry <, > and ; in the suffix, so any visible
# character is accepted there.
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")

_PMID_PREFIX = re.compile(
    r"^(?:https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)|pmid:?\s*)",
    re.IGNORECASE,
)
_PMID = re.compile(r"^[1-9]\d{0,8}$")


def normalise_doi(value):
    """Return the bare, lower-case DOI in ``value`` (DOIs are case-insensitive)."""
    if value is None:
        return None
    doi = value.strip()
    if _DOI_PREFIX.match(doi):
        doi = unquote(_DOI_PREFIX.sub("", doi)).strip()
    return doi.lower() or None


def validate_doi(value):
    if not _DOI.match(value):
        raise ValidationError(
            "“%(value)s” is not a DOI. A DOI starts with “10.”, then a number, a slash and the item's own part, "
            "e.g. 10.1002/art.37734; a https://doi.org/… link is accepted too.",
            code="invalid_doi",
            params={"value": value},
        )


def doi_url(doi):
    return "https://doi.org/" + quote(doi, safe="/")


def normalise_pmid(value):
    """Return the bare PubMed ID in ``value``: digits only."""
    if value is None:
        return None
    pmid = _PMID_PREFIX.sub("", value.strip()).strip().rstrip("/")
    return pmid or None


def validate_pmid(value):
    if not _PMID.match(value):
        raise ValidationError(
            "“%(value)s” is not a PubMed ID. A PMID is a number of up to nine digits, e.g. 19453963; "
            "a pubmed.ncbi.nlm.nih.gov link is accepted too.",
            code="invalid_pmid",
            params={"value": value},
        )


def pmid_url(pmid):
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


class _NormalisingAttribute(DeferredAttribute):
    """Stores every value assigned to the field in its normal form, however it arrives."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = self.field.normalise(value)


class _NormalisedCharField(models.CharField):
    """A CharField whose value is always in normal form: on the instance, in lookups, in the database.

    Blank becomes NULL, so the field can be unique when set, and a pasted link
    finds the same row as the bare identifier.
    """

    descriptor_class = _NormalisingAttribute
    normalise = staticmethod(lambda value: value)

    def to_python(self, value):
        return self.normalise(super().to_python(value))

    def formfield(self, **kwargs):
        # Room for a pasted link: the column holds the bare identifier, the form what editors paste.
        return super().formfield(**{"max_length": 500, **kwargs})


class DOIField(_NormalisedCharField):
    normalise = staticmethod(normalise_doi)
    default_validators = [validate_doi]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)


class PMIDField(_NormalisedCharField):
    normalise = staticmethod(normalise_pmid)
    default_validators = [validate_pmid]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)
