"""Resolve conditional URLs (``Type?identifier=x``) to the resources they select."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from adapter.server.context import get_store
from adapter.server.outcome import FhirError
from adapter.server.search import run_search


def matches(resource_type: str, query: str) -> list[str]:
    """Ids of (at most two of) the resources the search selects; unknown parameters are an error."""
    store = get_store()
    items = parse_qsl(query, keep_blank_values=True)
    if not items:
        raise FhirError(400, "a conditional interaction needs search parameters")
    _, result = run_search(store, resource_type, items + [("_count", "2")], strict=True)
    return [h.id for h in result.matches]


def match_one(resource_type: str, query: str, interaction: str) -> str | None:
    """The id of the one resource the search selects, None when none; 412 when several do."""
    found = matches(resource_type, query)
    if len(found) > 1:
        raise FhirError(412, f"{interaction} {resource_type}?{query} matches more than one resource")
    return found[0] if found else None


def split_request_url(url: str) -> tuple[str, str | None, str | None]:
    """(type, id, conditional query) of a Bundle entry's request URL: ``Type/id`` or ``Type?identifier=x``."""
    parts = urlsplit(url)
    rtype, _, res_id = parts.path.strip("/").partition("/")
    return rtype, res_id or None, parts.query or None
