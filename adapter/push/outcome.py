"""What the server said about each resource: from transaction/batch-response entries, single answers and
OperationOutcomes, into created / updated / unchanged / failed with the server's diagnostics."""
from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

import requests

from .errors import MalformedResponse


@dataclass
class EntryResult:
    key: str
    outcome: str
    status: int | None = None
    # the server's own "Type/id" for the resource, when it said
    location: str | None = None
    reason: str = ""


def status_code(status: str | int | None) -> int | None:
    """200 from "200 OK", "200" or 200."""
    match = re.match(r"\s*(\d{3})", str(status or ""))
    return int(match.group(1)) if match else None


def server_reference(location: str | None) -> str | None:
    """``Type/id`` from a Location: absolute or relative, with or without ``/_history/n``."""
    if not location:
        return None
    path = location.split("?", 1)[0].split("/_history/", 1)[0].rstrip("/")
    parts = path.split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def diagnostics(outcome) -> str:
    """An OperationOutcome's issues as one line: ``severity code: diagnostics [expression]``."""
    if not isinstance(outcome, dict) or outcome.get("resourceType") != "OperationOutcome":
        return ""
    lines = []
    for issue in outcome.get("issue", []):
        text = issue.get("diagnostics") or issue.get("details", {}).get("text") or ""
        where = issue.get("expression") or issue.get("location") or []
        lines.append(f"{issue.get('severity', '?')} {issue.get('code', '?')}: {text}"
                     + (f" [{', '.join(where)}]" if where else ""))
    return "; ".join(lines)


def _reason_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def http_reason(response: requests.Response) -> str:
    """``412 Precondition Failed: error processing: HAPI-0988: ...`` from a failed answer."""
    head = f"{response.status_code} {response.reason or _reason_phrase(response.status_code)}".strip()
    try:
        said = diagnostics(response.json())
    except ValueError:
        said = ""
    said = said or " ".join(response.text.split())[:300]
    return f"{head}: {said}" if said else head


def _unchanged(outcome) -> bool:
    # HAPI marks a no-op update with a storage response code ending in _NO_CHANGE (e.g. SUCCESSFUL_UPDATE_NO_CHANGE)
    if not isinstance(outcome, dict):
        return False
    for issue in outcome.get("issue", []):
        codes = [c.get("code", "") for c in issue.get("details", {}).get("coding", [])]
        if any(c.endswith("_NO_CHANGE") for c in codes) or "no changes" in (issue.get("diagnostics") or "").lower():
            return True
    return False


def classify(key: str, status: int | None, location: str | None, outcome=None, body=None) -> EntryResult:
    """One resource's result from its status, Location and (optional) OperationOutcome or returned resource."""
    where = server_reference(location)
    if where is None and isinstance(body, dict) and body.get("id") and body.get("resourceType"):
        where = f"{body['resourceType']}/{body['id']}"
    if status == 201:
        return EntryResult(key, "created", status, where)
    if status is not None and 200 <= status < 300:
        return EntryResult(key, "unchanged" if _unchanged(outcome) else "updated", status, where)
    phrase = f"{status} {_reason_phrase(status)}".strip() if status else "no status"
    said = diagnostics(outcome if outcome is not None else body)
    return EntryResult(key, "failed", status, None, f"{phrase}: {said}" if said else phrase)


def bundle_results(keys: list[str], answer, expected: str) -> list[EntryResult]:
    """Results of a transaction- or batch-response Bundle, entry i answering request i."""
    if not isinstance(answer, dict) or answer.get("resourceType") != "Bundle":
        raise MalformedResponse(f"expected a {expected} Bundle, got "
                                f"{answer.get('resourceType') if isinstance(answer, dict) else type(answer).__name__}")
    entries = answer.get("entry", [])
    if answer.get("type") != expected or len(entries) != len(keys):
        raise MalformedResponse(f"expected a {expected} Bundle of {len(keys)} entries, got a "
                                f"{answer.get('type')} Bundle of {len(entries)}")
    results = []
    for key, entry in zip(keys, entries):
        response = entry.get("response") or {}
        results.append(classify(key, status_code(response.get("status")), response.get("location"),
                                response.get("outcome"), entry.get("resource")))
    return results


def response_result(key: str, response: requests.Response) -> EntryResult:
    """A single PUT's result, from the HTTP status, Location header and body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 300:
        return EntryResult(key, "failed", response.status_code, None, http_reason(response))
    outcome = body if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome" else None
    return classify(key, response.status_code, response.headers.get("Location") or response.headers.get(
        "Content-Location"), outcome, body)
