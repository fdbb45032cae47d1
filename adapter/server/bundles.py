"""Build searchset and history Bundles, with self/next/previous links that carry a paging cursor."""
from __future__ import annotations

import json
import uuid
from json.encoder import encode_basestring_ascii
from urllib.parse import urlencode

from adapter.server.shaping import shape
from adapter.store.query import SearchQuery
from adapter.store.store import SearchResult, Stored
from adapter.store.values import now_instant


def _link_items(items: list[tuple[str, str]], cursor: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in items if k != "_cursor"]
    return kept + [("_cursor", cursor)] if cursor else kept


def page_url(base: str, resource_type: str, items: list[tuple[str, str]], cursor: str | None) -> str:
    query = urlencode(_link_items(items, cursor))
    return f"{base}/{resource_type}" + (f"?{query}" if query else "")


def _entry(base: str, rtype: str, res_id: str, content: bytes, mode: bytes, query: SearchQuery,
           version: str) -> bytes:
    if query.summary or query.elements:
        content = json.dumps(shape(json.loads(content), query.summary, query.elements, version),
                             separators=(",", ":"), ensure_ascii=False).encode()
    # what json.dumps makes of a str, without its encoder machinery (a page has hundreds of entries)
    full_url = encode_basestring_ascii(f"{base}/{rtype}/{res_id}").encode()
    return b'{"fullUrl":' + full_url + b',"resource":' + content + b',"search":{"mode":"' + mode + b'"}}'


def searchset(base: str, query: SearchQuery, items: list[tuple[str, str]], result: SearchResult,
              version: str) -> bytes:
    """The searchset Bundle as UTF-8 JSON (resources of FHIR ``version``); stored resources are spliced in
    as they are stored."""
    links = [{"relation": "self", "url": page_url(base, query.resource_type, items, query.cursor)}]
    if result.next_cursor:
        links.append({"relation": "next", "url": page_url(base, query.resource_type, items, result.next_cursor)})
    if result.previous_cursor:
        links.append({"relation": "previous",
                      "url": page_url(base, query.resource_type, items, result.previous_cursor)})
    head = {"resourceType": "Bundle", "id": uuid.uuid4().hex, "meta": {"lastUpdated": now_instant()},
            "type": "searchset"}
    if result.total is not None:
        head["total"] = result.total
    head["link"] = links
    entries = [_entry(base, h.type, h.id, h.content, b"match", query, version) for h in result.matches]
    entries += [_entry(base, h.type, h.id, h.content, b"include", query, version) for h in result.included]
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode()
    # FHIR JSON has no empty arrays: no matches, no entry element
    return text[:-1] + b',"entry":[' + b",".join(entries) + b"]}" if entries else text


def history_bundle(base: str, versions: list[Stored], self_url: str, next_url: str | None) -> dict:
    entries = []
    for v in versions:
        url = f"{v.type}/{v.id}"
        entry = {"fullUrl": f"{base}/{url}",
                 "request": {"method": v.method, "url": v.type if v.method == "POST" else url},
                 "response": {"status": "410 Gone" if v.deleted else ("201 Created" if v.method == "POST"
                                                                       else "200 OK"),
                              "etag": f'W/"{v.version}"', "lastModified": v.last_updated}}
        if not v.deleted:
            entry["resource"] = v.json()
        entries.append(entry)
    links = [{"relation": "self", "url": self_url}] + ([{"relation": "next", "url": next_url}] if next_url else [])
    bundle = {"resourceType": "Bundle", "id": uuid.uuid4().hex, "type": "history", "link": links}
    if entries:
        bundle["entry"] = entries
    return bundle
