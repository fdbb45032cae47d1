"""ClinicalTrials.gov API v2: one study by NCT id, or every study of a search, page by page, rate-limited."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import RecordError
from ..push.client import FhirClient, RetryPolicy
from ..push.errors import MalformedResponse
from .ratelimit import TokenBucket

API_BASE = "https://clinicaltrials.gov/api/v2"
NCT_ID = re.compile(r"^NCT\d{8}$")


def nct_of(study: dict) -> str | None:
    return study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")


def last_update(study: dict) -> str | None:
    """The study's LastUpdatePostDate (YYYY-MM-DD)."""
    return study.get("protocolSection", {}).get("statusModule", {}).get("lastUpdatePostDateStruct", {}).get("date")


class RegistryClient:
    def __init__(self, api_base: str = API_BASE, *, rate: float = 3.0, attempts: int = 5, timeout: float = 60.0,
                 http: FhirClient | None = None):
        self.http = http or FhirClient(api_base, accept="application/json", timeout=(min(10.0, timeout), timeout),
                                       retry=RetryPolicy(attempts=attempts), throttle=TokenBucket(rate).take)

    def study(self, nct_id: str) -> dict | RecordError:
        """One study's v2 JSON, or a RecordError when the registry has no such study."""
        response = self.http.request("GET", f"studies/{nct_id}")
        if response.status_code == 404:
            return RecordError("no such study in the registry", record=nct_id)
        if response.status_code != 200:
            return RecordError(f"registry answered {response.status_code} {response.reason}", record=nct_id)
        try:
            return response.json()
        except ValueError:
            return RecordError("registry answer is not JSON", record=nct_id)

    def search(self, terms: str | None = None, *, advanced: str | None = None,
               page_size: int = 100) -> Iterator[dict]:
        """Every study a search finds, following nextPageToken."""
        params = {"pageSize": str(page_size), "format": "json"}
        if terms:
            params["query.term"] = terms
        if advanced:
            params["filter.advanced"] = advanced
        while True:
            page = self.http.get_json("studies", params=params)
            if not isinstance(page, dict) or not isinstance(page.get("studies", []), list):
                raise MalformedResponse("registry search answer has no studies list")
            yield from page.get("studies", [])
            token = page.get("nextPageToken")
            if not token:
                return
            params = {**params, "pageToken": token}


