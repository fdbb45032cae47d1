"""--changed-only: which resources the server already holds with the content we would send (by our hash tag)."""
from __future__ import annotations

from collections import defaultdict

from .batches import HASH_SYSTEM, Write
from .client import FhirClient

# keep each search URL well under the 8 KB many servers and proxies accept
_MAX_QUERY = 1800


def _escape(value: str) -> str:
    # FHIR search: a comma separates OR values, so one inside a value is escaped
    return value.replace("\\", "\\\\").replace(",", "\\,")


def _chunks(values: list[str]) -> list[list[str]]:
    out, size = [[]], 0
    for v in values:
        if out[-1] and size + len(v) > _MAX_QUERY:
            out.append([])
            size = 0
        out[-1].append(v)
        size += len(v) + 1
    return out


def _matches(write: Write, resource: dict) -> bool:
    param, value = write.search
    if param == "_id":
        return resource.get("id") == value
    return any(f"{i.get('system')}|{i.get('value')}" == value for i in resource.get("identifier", []))


def existing(client: FhirClient, writes: list[Write]) -> tuple[set[str], dict[str, str]]:
    """(keys whose server copy carries our hash for the same content, our key -> server ``Type/id`` for every
    resource found exactly once). Searches by identifier (or _id), a few requests per type and batch."""
    groups: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        groups[(w.type, w.search[0])].append(w)
    found: dict[str, list[dict]] = defaultdict(list)
    for (rtype, param), group in groups.items():
        for chunk in _chunks([w.search[1] for w in group]):
            url, params = rtype, {param: ",".join(_escape(v) for v in chunk), "_count": str(2 * len(chunk) + 10)}
            while url:
                page = client.get_json(url, params=params)
                for entry in page.get("entry", []):
                    resource = entry.get("resource") or {}
                    for w in group:
                        if _matches(w, resource):
                            found[w.key].append(resource)
                url, params = next((link["url"] for link in page.get("link", []) if link.get("relation") == "next"),
                                   None), None
    unchanged, known = set(), {}
    for w in writes:
        hits = found.get(w.key, [])
        if len(hits) != 1:
            # absent, or several copies (the write will meet the server's 412 and report it)
            continue
        known[w.key] = f"{hits[0]['resourceType']}/{hits[0]['id']}"
        hashes = [t.get("code") for t in hits[0].get("meta", {}).get("tag", []) if t.get("system") == HASH_SYSTEM]
        # HAPI keeps every tag a resource ever had: with more than one hash of ours on it, which one describes
        # the content it holds now cannot be told, so it is sent again
        if hashes == [w.hash]:
            unchanged.add(w.key)
    return unchanged, known
