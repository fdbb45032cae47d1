"""Studies into write requests: conditional or client-id PUTs, tagged with a content hash, grouped into Bundles
(written as JSON text straight from each resource's canonical encoding)."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..fastjson import dumps
from ..fhir.bundle import conditional_url
from ..fhir.ids import urn_uuid
from ..fhir.urls import BASE

# meta.tag carrying the hash of what we sent, so a later --changed-only run can tell the server copy is ours
HASH_SYSTEM = f"{BASE}/CodeSystem/content-hash"
IDS = ("conditional", "client")


@dataclass(frozen=True)
class Fingerprint:
    """A resource's content without id and meta as canonical JSON (keys sorted, compact), its hash and the
    ``Type/id`` references in it: one encoding serves the state file, the hash tag, the request body and the
    dependency order."""
    text: str
    hash: str
    refs: frozenset[str]


@dataclass
class Study:
    """One record's resources, the ResearchStudy (when there is one) first; ``key`` names it in reports."""
    key: str
    resources: list[dict]
    source: str = ""
    # per resource key, computed once (reading, hashing and preparing the writes all use it)
    prints: dict[str, Fingerprint] = field(default_factory=dict, repr=False)

    def fingerprint(self, resource: dict) -> Fingerprint:
        key = key_of(resource)
        if key not in self.prints:
            self.prints[key] = fingerprint(resource)
        return self.prints[key]


@dataclass
class Write:
    """One resource ready to PUT: our ``Type/id`` key, the request URL, how to search for it, and its body as
    JSON text in two parts: ``head`` (id and meta members) and ``content`` (the canonical text)."""
    key: str
    type: str
    url: str
    hash: str
    head: str
    content: str
    refs: frozenset[str] = field(default_factory=frozenset)
    search: tuple[str, str] = ("", "")

    def body(self, mapping: dict[str, str] | None = None) -> str:
        """The body to send, references that ``mapping`` names rewritten."""
        content = self.content
        if mapping and any(r in mapping for r in self.refs):
            content = _REFERENCE.sub(lambda m: f'"reference":{_quote(mapping[m[1]])}' if m[1] in mapping else m[0],
                                     content)
        return "{" + self.head + content[1:]

    @property
    def resource(self) -> dict:
        return json.loads(self.body())


# a "reference" member with a string value, in compact JSON text (a quote inside a string is always escaped, so
# this never matches inside one); group 1 is the value as written
_REFERENCE = re.compile(r'"reference":"((?:[^"\\]|\\.)*)"')


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _local(values: list[str]) -> frozenset[str]:
    """The relative ``Type/id`` ones among reference values as written in JSON."""
    found = set()
    for ref in values:
        if "\\" in ref:
            ref = json.loads(f'"{ref}"')
        if ref.count("/") == 1 and not ref.startswith(("urn:", "#")):
            found.add(ref)
    return frozenset(found)


def key_of(resource: dict) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def canonical(value) -> str:
    """The text the content hash is defined on: sorted keys, no spaces, not ASCII-escaped."""
    return dumps(value, sort_keys=True)


def fingerprint(resource: dict) -> Fingerprint:
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    text = canonical(body)
    return Fingerprint(text, hashlib.sha256(text.encode("utf-8")).hexdigest()[:32],
                       _local(_REFERENCE.findall(text)))


def content_hash(resource: dict) -> str:
    """sha256 of the resource without id and meta, in a canonical JSON form."""
    return fingerprint(resource).hash


def references(node) -> set[str]:
    """Every relative ``Type/id`` reference inside a resource."""
    return set(_local(reference_values(node)))


def reference_values(node) -> list[str]:
    """Every ``reference`` string inside a resource, as written in JSON."""
    return _REFERENCE.findall(dumps(node))


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


def prepare(resource: dict, ids: str, printed: Fingerprint | None = None) -> Write:
    """The write for one resource: a conditional update on its identifier (client-id PUT when it has none),
    its meta tagged with the content hash."""
    printed = printed or fingerprint(resource)
    meta = dict(resource.get("meta", {}))
    meta["tag"] = [t for t in meta.get("tag", []) if t.get("system") != HASH_SYSTEM]
    meta["tag"].append({"system": HASH_SYSTEM, "code": printed.hash})
    head = f'"meta":{json.dumps(meta, ensure_ascii=False, separators=(",", ":"))},'
    key = key_of(resource)
    ident = _identifier(resource) if ids == "conditional" else None
    if ident:
        url, search = conditional_url(resource), ("identifier", f"{ident['system']}|{ident['value']}")
    else:
        url, search = key, ("_id", resource["id"])
        head = f'"id":{_quote(resource["id"])},{head}'
    return Write(key, resource["resourceType"], url, printed.hash, head, printed.text, printed.refs, search)


def study_writes(studies: Iterable[Study], ids: str) -> list[Write]:
    """The writes for a batch of studies; a resource shared by several studies (a sponsor, a site) once."""
    seen: dict[str, Write] = {}
    for study in studies:
        for resource in study.resources:
            key = key_of(resource)
            if key not in seen:
                seen[key] = prepare(resource, ids, study.fingerprint(resource))
    return list(seen.values())


def study_hash(study: Study) -> str:
    """One hash for all of a study's content: what the state file remembers as pushed."""
    digest = hashlib.sha256()
    for resource in study.resources:
        digest.update(f"{key_of(resource)}\0{study.fingerprint(resource).hash}\n".encode())
    return digest.hexdigest()[:32]


def transaction_bundle(writes: list[Write], ids: str, base: str, known: dict[str, str]) -> str:
    """A transaction, as JSON text: references among its entries go through urn:uuid fullUrls (or stay
    ``Type/id`` with client ids), references to resources already on the server use the server's ids."""
    if ids == "client":
        full = {w.key: f"{base}/{w.key}" for w in writes}
        mapping = known
    else:
        full = {w.key: urn_uuid(*w.key.split("/", 1)) for w in writes}
        mapping = {**known, **full}
    return _bundle("transaction", (f'{{"fullUrl":{_quote(full[w.key])},"resource":{w.body(mapping)},'
                                   f'"request":{_put(w)}}}' for w in writes))


def batch_bundle(writes: list[Write], known: dict[str, str]) -> str:
    """A batch, as JSON text: entries stand alone, so references point only at what the server already holds."""
    return _bundle("batch", (f'{{"resource":{w.body(known)},"request":{_put(w)}}}' for w in writes))


def _put(write: Write) -> str:
    return f'{{"method":"PUT","url":{_quote(write.url)}}}'


def _bundle(kind: str, entries: Iterable[str]) -> str:
    return f'{{"resourceType":"Bundle","type":"{kind}","entry":[{",".join(entries)}]}}'


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
