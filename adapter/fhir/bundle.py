"""Bundles of our resources: transaction (conditional update, urn:uuid references), collection, or NDJSON lines."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator

from .ids import urn_uuid


def _key(resource: dict) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def conditional_url(resource: dict) -> str:
    """``Type?identifier=system|value`` on the resource's first identifier with a system (HAPI's rule: the
    body carries that same identifier)."""
    ident = next(i for i in resource.get("identifier", []) if i.get("system") and i.get("value"))
    return f"{resource['resourceType']}?identifier={ident['system']}|{ident['value']}"


def _swap_references(node, urns: dict[str, str]):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str) and value in urns:
                node[key] = urns[value]
            else:
                _swap_references(value, urns)
    elif isinstance(node, list):
        for item in node:
            _swap_references(item, urns)


def entries(kind: str, resources: list[dict], seen: set[str] | None = None) -> Iterator[dict]:
    """Bundle entries for one record's resources, references rewritten to the entries' urn:uuid fullUrls.

    A transaction entry is a conditional update without the id; ``seen`` skips parties (a sponsor, a site)
    that an earlier record in the same Bundle already carries.
    """
    urns = {_key(r): urn_uuid(r["resourceType"], r["id"]) for r in resources}
    for resource in resources:
        key = _key(resource)
        if seen is not None:
            if key in seen:
                continue
            seen.add(key)
        body = copy.deepcopy(resource)
        _swap_references(body, urns)
        entry = {"fullUrl": urns[key], "resource": body}
        if kind == "transaction":
            del body["id"]
            entry["request"] = {"method": "PUT", "url": conditional_url(resource)}
        yield entry


def bundle(kind: str, records: Iterable[list[dict]]) -> dict:
    """A whole Bundle in memory (for one record or a few); files are streamed by the sinks instead."""
    seen: set[str] = set()
    return {"resourceType": "Bundle", "type": kind,
            "entry": [e for resources in records for e in entries(kind, resources, seen)]}
