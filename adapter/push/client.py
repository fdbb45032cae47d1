"""HTTP to one FHIR server: a requests Session with timeouts, bounded retries (backoff, jitter, Retry-After), auth."""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests

from .. import __version__
from .errors import AuthFailed, MalformedResponse, RequestFailed, ServerUnavailable

FHIR_JSON = "application/fhir+json"
# overload and gateway answers: the request did not happen (or happened idempotently), so it is safe to resend
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is resent."""
    attempts: int = 5
    backoff: float = 0.5
    max_delay: float = 120.0

    def delay(self, attempt: int, response: requests.Response | None, rng: random.Random) -> float:
        """Wait before attempt ``attempt + 1``: the server's Retry-After if it gave one, else exponential with
        jitter (half fixed, half random, so concurrent clients spread out but never hammer at once)."""
        asked = retry_after(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            return min(asked, self.max_delay)
        ceiling = min(self.max_delay, self.backoff * 2 ** attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class FhirClient:
    """One server's base URL and the session, auth, timeouts and retry policy used to talk to it (a FHIR server;
    the registry API client reuses it with JSON and a ``throttle`` called before every attempt)."""

    def __init__(self, base_url: str, *, auth=None, timeout: float | tuple[float, float] = (10.0, 120.0),
                 retry: RetryPolicy = RetryPolicy(), session: requests.Session | None = None,
                 sleep=time.sleep, rng: random.Random | None = None, accept: str = FHIR_JSON, throttle=None):
        self.base = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.retry = retry
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": accept, "User-Agent": f"trialfhir/{__version__}"})
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.throttle = throttle

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base}/{path.lstrip('/')}" if path else self.base

    def request(self, method: str, path: str, *, body: dict | str | None = None, params=None,
                headers: dict | None = None) -> requests.Response:
        """The server's answer to one request, after retrying transient failures; ``body`` is JSON, as a dict
        or already encoded.

        Returns any answer that is not transient (2xx, 4xx, 500) for the caller to judge; raises
        ServerUnavailable when attempts run out and AuthFailed on 401/403.
        """
        url = self.url(path)
        data = None
        headers = dict(headers or {})
        if body is not None:
            text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            data = text.encode("utf-8")
            headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
            # we read statuses and locations, not the stored resources: spare the server sending them back
            headers.setdefault("Prefer", "return=minimal")
        refreshed = False
        attempt = 0
        while True:
            response = None
            if self.throttle:
                self.throttle()
            try:
                response = self.session.request(method, url, data=data, params=params, headers=headers,
                                                auth=self.auth, timeout=self.timeout)
            except _TRANSPORT_ERRORS as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if response.status_code == 401 and not refreshed and hasattr(self.auth, "invalidate"):
                    # an expired access token: fetch a new one once, without spending an attempt
                    self.auth.invalidate()
                    refreshed = True
                    continue
                if response.status_code in (401, 403):
                    raise AuthFailed(f"{method} {url}: {response.status_code} {response.reason}: "
                                     f"{_snippet(response)}")
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"{response.status_code} {response.reason}"
            attempt += 1
            if attempt >= self.retry.attempts:
                raise ServerUnavailable(f"{method} {url}: {problem} (gave up after {attempt} attempts)")
            self.sleep(self.retry.delay(attempt - 1, response, self.rng))

    def get_json(self, path: str, params=None) -> dict:
        """A GET expected to answer 200 with JSON (metadata, searches)."""
        response = self.request("GET", path, params=params)
        if response.status_code != 200:
            raise RequestFailed(f"GET {self.url(path)}: {response.status_code} {response.reason}: "
                                f"{_snippet(response)}")
        try:
            return response.json()
        except ValueError as e:
            raise MalformedResponse(f"GET {self.url(path)}: answer is not JSON: {e}") from None


def _snippet(response: requests.Response, limit: int = 300) -> str:
    text = " ".join(response.text.split())
    return text[:limit] + ("…" if len(text) > limit else "")
