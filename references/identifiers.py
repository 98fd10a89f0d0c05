"""Scholarly identifiers (DOI, PubMed ID, trial registry ID): read what editors paste, validate, link.

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


# The registries of the WHO's trial search portal that studies of LDN turn up in, with the
# shape of their IDs. ClinicalTrials.gov and ISRCTN have pages of their own; the others are
# linked through the WHO portal, which lists every one of them.
_REGISTRIES = [
    ("ClinicalTrials.gov", re.compile(r"^NCT\d{8}$"), "https://clinicaltrials.gov/study/{}"),
    ("ISRCTN", re.compile(r"^ISRCTN\d{8}$"), "https://www.isrctn.com/{}"),
    ("EU Clinical Trials Register", re.compile(r"^EudraCT \d{4}-\d{6}-\d{2}$"), None),
    ("EU Clinical Trials Information System", re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$"), None),
    ("ANZCTR", re.compile(r"^ACTRN\d{14}$"), None),
    ("German Clinical Trials Register", re.compile(r"^DRKS\d{8}$"), None),
    ("Chinese Clinical Trial Registry", re.compile(r"^ChiCTR(?:-[A-Z]{2,4}-)?\d{8,10}$"), None),
    ("Clinical Trials Registry – India", re.compile(r"^CTRI/\d{4}/\d{2,3}/\d{6}$"), None),
    ("Japan Registry of Clinical Trials", re.compile(r"^(?:jRCT\d{10}|UMIN\d{9})$"), None),
    ("Iranian Registry of Clinical Trials", re.compile(r"^IRCT\d{8,14}N\d{1,3}$"), None),
]
# IDs are matched in capitals; these registries write their prefix in mixed case.
_MIXED_CASE_PREFIXES = {"EUDRACT": "EudraCT", "CHICTR": "ChiCTR", "JRCT": "jRCT"}
_WHO_SEARCH = "https://trialsearch.who.int/Trial2.aspx?TrialID={}"
_REGISTRY_LINK = re.compile(r"^https?://(?:www\.)?(?:clinicaltrials\.gov/(?:ct2/show|study)/|isrctn\.com/)", re.I)


def normalise_registry_id(value):
    """Return the registry ID in ``value`` in its usual capitals, from a bare ID or a registry link."""
    if value is None:
        return None
    registry_id = _REGISTRY_LINK.sub("", value.strip()).split("?")[0].strip().rstrip("/")
    registry_id = re.sub(r"\s+", " ", registry_id).upper()
    for upper, written in _MIXED_CASE_PREFIXES.items():
        if registry_id.startswith(upper):
            registry_id = written + registry_id[len(upper) :]
    return registry_id or None


def validate_registry_id(value):
    if not any(pattern.match(value) for _, pattern, _ in _REGISTRIES):
        raise ValidationError(
            "“%(value)s” is not a trial registry ID we know. Give it as the registry writes it, e.g. "
            "NCT00568555 (ClinicalTrials.gov), ISRCTN12345678, ACTRN12610000123456, DRKS00012345 "
            "or EudraCT 2012-001234-56.",
            code="invalid_registry_id",
            params={"value": value},
        )


def registry_name(registry_id):
    return next((name for name, pattern, _ in _REGISTRIES if pattern.match(registry_id)), "")


def registry_url(registry_id):
    """The trial's page at its registry, or its record in the WHO's search portal."""
    own = next((url for _, pattern, url in _REGISTRIES if pattern.match(registry_id)), None)
    return (own or _WHO_SEARCH).format(quote(registry_id, safe="/"))


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


class RegistryIDField(_NormalisedCharField):
    normalise = staticmethod(normalise_registry_id)
    default_validators = [validate_registry_id]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
