"""Answer a FHIR search with its searchset Bundle: one function for the Flask route and the fast path alike."""
from __future__ import annotations

from adapter.server.bundles import searchset
from adapter.server.outcome import FhirError
from adapter.store.query import BadSearch, parse_search
from adapter.store.store import Store


def run_search(store: Store, resource_type: str, items: list[tuple[str, str]], strict: bool):
    """(the parsed query, its result) of a search of a served type; FhirError 400 for a bad search."""
    try:
        query = parse_search(store.registry, resource_type, items, strict=strict)
        return query, store.search(query)
    except BadSearch as exc:
        raise FhirError(400, str(exc)) from None


def search_bundle(store: Store, resource_type: str, items: list[tuple[str, str]], strict: bool,
                  base: str) -> bytes:
    """The searchset Bundle (UTF-8 JSON) of a search of a served type; FhirError 400 for a bad search."""
    query, result = run_search(store, resource_type, items, strict)
    # the self link shows the parameters the search used: the ignored ones are left out
    kept = [(k, v) for k, v in items if k not in query.ignored]
    return searchset(base, query, kept, result, store.registry.version)
