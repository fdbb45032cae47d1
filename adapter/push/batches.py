"""Studies into write requests: conditional or client-id PUTs, tagged with a content hash, grouped into Bundles."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..fhir.bundle import conditional_url
from ..fhir.ids import urn_uuid
from ..fhir.urls import BASE

# meta.tag carrying the hash of what we sent, so a later --changed-only run can tell the server copy is ours
HASH_SYSTEM = f"{BASE}/CodeSystem/content-hash"
IDS = ("conditional", "client")


@dataclass
class Study:
    """One record's resources, the ResearchStudy (when there is one) first; ``key`` names it in reports."""
    key: str
    resources: list[dict]
    source: str = ""
    # content hash per resource key, computed once (study_hash fills it, prepare reuses it)
    digests: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Write:
    """One resource ready to PUT: our ``Type/id`` key, the body, the request URL and how to search for it."""
    key: str
    resource: dict
    url: str
    hash: str
    refs: frozenset[str] = field(default_factory=frozenset)
    search: tuple[str, str] = ("", "")

    @property
    def type(self) -> str:
        return self.resource["resourceType"]


def key_of(resource: dict) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def content_hash(resource: dict) -> str:
    """sha256 of the resource without id and meta, in a canonical JSON form."""
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def references(node) -> set[str]:
    """Every relative ``Type/id`` reference inside a resource."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("reference")
            if isinstance(ref, str) and ref.count("/") == 1 and not ref.startswith(("urn:", "#")):
                found.add(ref)
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def rewritten(node, mapping: dict[str, str]):
    """A copy of a resource with each ``reference`` that ``mapping`` names replaced (cheaper than a deepcopy)."""
    if isinstance(node, dict):
        return {k: (mapping.get(v, v) if k == "reference" and isinstance(v, str) else
                    rewritten(v, mapping) if isinstance(v, (dict, list)) else v) for k, v in node.items()}
    if isinstance(node, list):
        return [rewritten(v, mapping) if isinstance(v, (dict, list)) else v for v in node]
    return node


def _identifier(resource: dict) -> dict | None:
    return next((i for i in resource.get("identifier", []) if i.get("system") and i.get("value")), None)


def prepare(resource: dict, ids: str, digest: str | None = None) -> Write:
    """The write for one resource: a conditional update on its identifier (client-id PUT when it has none).

    The body shares its content with ``resource`` (only meta is new): bodies are never changed in place."""
    digest = digest or content_hash(resource)
    body = dict(resource)
    meta = dict(body.get("meta", {}))
    meta["tag"] = [t for t in meta.get("tag", []) if t.get("system") != HASH_SYSTEM]
    meta["tag"].append({"system": HASH_SYSTEM, "code": digest})
    body["meta"] = meta
    key = key_of(resource)
    ident = _identifier(resource) if ids == "conditional" else None
    if ident:
        del body["id"]
        url, search = conditional_url(resource), ("identifier", f"{ident['system']}|{ident['value']}")
    else:
        url, search = key, ("_id", resource["id"])
    return Write(key, body, url, digest, frozenset(references(resource)), search)


def study_writes(studies: Iterable[Study], ids: str) -> list[Write]:
    """The writes for a batch of studies; a resource shared by several studies (a sponsor, a site) once."""
    seen: dict[str, Write] = {}
    for study in studies:
        for resource in study.resources:
            key = key_of(resource)
            if key not in seen:
                seen[key] = prepare(resource, ids, study.digests.get(key))
    return list(seen.values())


def study_hash(study: Study) -> str:
    """One hash for all of a study's content: what the state file remembers as pushed."""
    digest = hashlib.sha256()
    for resource in study.resources:
        key = key_of(resource)
        if key not in study.digests:
            study.digests[key] = content_hash(resource)
        digest.update(key.encode() + b"\0" + study.digests[key].encode() + b"\n")
    return digest.hexdigest()[:32]


def body_for(write: Write, mapping: dict[str, str]) -> dict:
    """The body to send, references that ``mapping`` names rewritten (a copy only when something changes)."""
    if not write.refs or not any(r in mapping for r in write.refs):
        return write.resource
    return rewritten(write.resource, mapping)


def transaction_bundle(writes: list[Write], ids: str, base: str, known: dict[str, str]) -> dict:
    """A transaction: references among its entries go through urn:uuid fullUrls (or stay ``Type/id`` with
    client ids), references to resources already on the server use the server's ids."""
    if ids == "client":
        full = {w.key: f"{base}/{w.key}" for w in writes}
        mapping = dict(known)
    else:
        full = {w.key: urn_uuid(*w.key.split("/", 1)) for w in writes}
        mapping = {**known, **full}
    entries = [{"fullUrl": full[w.key], "resource": body_for(w, mapping), "request": {"method": "PUT", "url": w.url}}
               for w in writes]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def batch_bundle(writes: list[Write], known: dict[str, str]) -> dict:
    """A batch: entries stand alone, so references point only at what the server already holds."""
    entries = [{"resource": body_for(w, known), "request": {"method": "PUT", "url": w.url}} for w in writes]
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


def waves(writes: list[Write]) -> list[list[Write]]:
    """Writes in dependency order: each wave references only earlier waves (or resources outside the batch)."""
    by_key = {w.key: w for w in writes}
    depth: dict[str, int] = {}

    def level(key: str, path: frozenset[str]) -> int:
        if key not in depth:
            inside = [r for r in by_key[key].refs if r in by_key and r not in path]
            depth[key] = 1 + max((level(r, path | {key}) for r in inside), default=-1)
        return depth[key]

    for key in by_key:
        level(key, frozenset())
    out: list[list[Write]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for w in writes:
        out[depth[w.key]].append(w)
    return out


def take(items: Iterator, n: int) -> list:
    return list(islice(items, n))
