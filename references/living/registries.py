"""The outside services the living-evidence jobs ask, each call with a timeout and a message an editor can
read when it fails (``ReferenceLookupError``). Their answers are data, never markup: nothing here is
marked safe, and the pages escape it like any other text.

- NCBI E-utilities: ``esearch`` for a saved search's PMIDs, then ``esummary`` for their records, at most
  ``NCBI_REQUESTS_PER_SECOND`` calls a second, each carrying the tool name, the contact address
  (``REFERENCE_LOOKUP_CONTACT``) and the API key (``NCBI_API_KEY``) as NCBI asks.
- ClinicalTrials.gov API v2: ``/api/v2/studies/{nctId}``.
- Crossref REST API: ``/works?filter=updates:{doi}`` lists the notices (retractions, corrections,
  expressions of concern) whose ``update-to`` names the DOI: Crossref puts the relation on the notice's
  record, pointing back at the original. Retraction Watch's data comes the same way, with
  ``"source": "retraction-watch"``.
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from ..csl import from_csl
from ..identifiers import normalise_doi
from ..lookup import ReferenceLookupError, csl_from_pubmed, get_json, ncbi_parameters


def _url(setting, path):
    """An address at one of the registries (``NCBI_EUTILS_URL``, ``CLINICALTRIALS_API_URL``, ``CROSSREF_API_URL``)."""
    return getattr(settings, setting).rstrip("/") + path


SUMMARY_BATCH = 100  # PMIDs per esummary call
UPDATES_BATCH = 20  # DOIs per Crossref call (its filters of one name are OR-ed)

_ncbi_lock = threading.Lock()
_ncbi_last = [0.0]


def _ncbi(url, **params):
    """One E-utilities call, no sooner than NCBI's rate allows after the last one from this process."""
    with _ncbi_lock:
        wait = _ncbi_last[0] + 1 / settings.NCBI_REQUESTS_PER_SECOND - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return get_json(url, "PubMed", **params, **ncbi_parameters())
        finally:
            _ncbi_last[0] = time.monotonic()


def search_pubmed(query, limit=None):
    """(how many records match, the PMIDs of the newest ``limit`` of them) for a PubMed query."""
    data = _ncbi(
        _url("NCBI_EUTILS_URL", "/esearch.fcgi"),
        db="pubmed",
        term=query,
        retmode="json",
        retmax=limit or settings.LITERATURE_SEARCH_MAX,
        sort="pub_date",
    )
    result = (data or {}).get("esearchresult")
    if not isinstance(result, dict):
        raise ReferenceLookupError("PubMed sent an answer to the search that could not be read.")
    if result.get("ERROR") or result.get("errorlist", {}).get("phrasesnotfound") == [query]:
        raise ReferenceLookupError(f"PubMed could not run the search: {result.get('ERROR') or 'nothing matched'}.")
    ids = result.get("idlist")
    try:
        count = int(result.get("count", 0))
        pmids = [str(int(pmid)) for pmid in ids or []]
    except (TypeError, ValueError):
        raise ReferenceLookupError("PubMed sent an answer to the search that could not be read.") from None
    return count, pmids


def pubmed_records(pmids):
    """{PMID: reference fields} for these PMIDs, from their document summaries; PMIDs PubMed has no
    readable record of are left out."""
    records = {}
    for start in range(0, len(pmids), SUMMARY_BATCH):
        chunk = pmids[start : start + SUMMARY_BATCH]
        data = _ncbi(_url("NCBI_EUTILS_URL", "/esummary.fcgi"), db="pubmed", id=",".join(chunk), retmode="json")
        result = (data or {}).get("result")
        if not isinstance(result, dict):
            raise ReferenceLookupError("PubMed sent record summaries that could not be read.")
        for pmid in chunk:
            summary = result.get(pmid)
            if isinstance(summary, dict) and not summary.get("error") and summary.get("title"):
                records[pmid] = from_csl(csl_from_pubmed(summary, pmid))
    return records


@dataclass
class TrialStatus:
    nct_id: str
    title: str
    overall_status: str
    enrolment: int | None
    enrolment_type: str
    completion_date: str
    results_posted: str
    last_update_posted: str


def _date(value):
    """A registry date as given ("2013-06" or "2013-06-30"), or "" for anything that is not one."""
    value = value if isinstance(value, str) else ""
    parts = value.split("-")
    ok = 1 < len(parts) <= 3 and all(part.isdigit() for part in parts) and len(parts[0]) == 4
    return value if ok else ""


def trial_status(nct_id):
    """What ClinicalTrials.gov says of a trial now; ReferenceLookupError if it cannot say."""
    data = get_json(_url("CLINICALTRIALS_API_URL", f"/studies/{nct_id}"), "ClinicalTrials.gov", format="json")
    if data is None:
        raise ReferenceLookupError(f"ClinicalTrials.gov has no record of {nct_id}.")
    protocol = data.get("protocolSection") if isinstance(data, dict) else None
    if not isinstance(protocol, dict):
        raise ReferenceLookupError(f"ClinicalTrials.gov sent a record of {nct_id} that could not be read.")

    def part(*path):
        value = protocol
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        return value

    if part("identificationModule", "nctId") not in (None, nct_id):
        raise ReferenceLookupError(f"ClinicalTrials.gov answered for another trial than {nct_id}.")
    enrolment = part("designModule", "enrollmentInfo", "count")
    results = _date(part("statusModule", "resultsFirstPostDateStruct", "date"))
    return TrialStatus(
        nct_id=nct_id,
        title=str(part("identificationModule", "briefTitle") or "")[:500],
        overall_status=str(part("statusModule", "overallStatus") or "")[:40],
        enrolment=enrolment if isinstance(enrolment, int) and enrolment >= 0 else None,
        enrolment_type=str(part("designModule", "enrollmentInfo", "type") or "")[:16],
        completion_date=_date(part("statusModule", "completionDateStruct", "date")),
        # A record with results but no date of their posting still has results.
        results_posted=results or ("yes" if data.get("hasResults") is True else ""),
        last_update_posted=_date(part("statusModule", "lastUpdatePostDateStruct", "date")),
    )


def _crossref_date(value):
    parts = (value or {}).get("date-parts") if isinstance(value, dict) else None
    try:
        year, month, day = ([*parts[0], 1, 1])[:3]
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    except (TypeError, ValueError, IndexError):
        return ""


def crossref_updates(dois):
    """{DOI: [update, …]} for these DOIs: each notice Crossref has that updates one of them, as
    {"type", "label", "date", "doi" (the notice's), "source"}. DOIs with no notice are left out."""
    wanted = {normalise_doi(doi).lower(): doi for doi in dois}
    found = {}
    names = [doi for doi in wanted if "," not in doi]  # a comma would split Crossref's filter
    for start in range(0, len(names), UPDATES_BATCH):
        chunk = names[start : start + UPDATES_BATCH]
        data = get_json(
            _url("CROSSREF_API_URL", "/works"),
            "Crossref",
            filter=",".join(f"updates:{doi}" for doi in chunk),
            rows=1000,
            select="DOI,update-to,title",
        )
        items = ((data or {}).get("message") or {}).get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ReferenceLookupError("Crossref sent a list of notices that could not be read.")
        for item in items:
            notice = str((item or {}).get("DOI") or "").lower()
            for update in (item or {}).get("update-to") or []:
                if not isinstance(update, dict):
                    continue
                target = str(update.get("DOI") or "").lower()
                if target not in wanted or not notice or notice == target:
                    continue
                entry = {
                    "type": str(update.get("type") or "").lower()[:40],
                    "label": str(update.get("label") or update.get("type") or "")[:100],
                    "date": _crossref_date(update.get("updated")),
                    "doi": notice[:255],
                    "source": str(update.get("source") or "publisher")[:40],
                }
                if entry["type"] and entry not in found.setdefault(wanted[target], []):
                    found[wanted[target]].append(entry)
    for updates in found.values():
        updates.sort(key=lambda update: (update["date"], update["doi"], update["type"]))
    return found
