"""Pieces of push on their own: the Bundle size a server takes (learnt), write bodies as JSON text, the content
hash (stable across versions: state files and hash tags depend on it), and reading ahead in a thread."""
from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time

import pytest

from adapter.fastjson import dumps
from adapter.push.ahead import ahead
from adapter.push.batches import (HASH_SYSTEM, Study, batch_bundle, canonical, content_hash, prepare, references,
                                  study_hash, study_writes, transaction_bundle)
from adapter.push.limits import SizeLimit

# ---- SizeLimit


def test_size_limit_is_unlimited_until_a_refusal():
    limit = SizeLimit()
    limit.took(500)
    assert limit.target() == math.inf and not limit.too_big(10_000)


def test_size_limit_probes_between_what_fits_and_what_was_refused_then_settles():
    limit = SizeLimit()
    limit.refused_whole(280)
    limit.took(35)
    limit.refused_whole(70)
    assert limit.target() == 52
    limit.refused_whole(52)
    assert limit.target() == 43
    limit.took(43)
    assert limit.target() == 47
    limit.took(47)
    limit.took(49)
    # the gap (3) is within an eighth of what fits: stop probing
    assert limit.target() == 49 and limit.too_big(52) and not limit.too_big(51)


def test_size_limit_ignores_a_refusal_of_what_already_fitted():
    limit = SizeLimit()
    limit.took(40)
    limit.refused_whole(14)
    assert limit.target() == math.inf


def test_size_limit_forgets_a_refusal_when_that_size_is_taken_later():
    limit = SizeLimit()
    limit.refused_whole(14)
    assert limit.target() == 7
    limit.took(20)
    assert limit.target() == math.inf


# ---- writes as JSON text


def test_content_hash_is_the_sha256_of_the_canonical_content(trial):
    resource = trial("NCT00000001")[0]
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert content_hash(resource) == hashlib.sha256(canonical.encode()).hexdigest()[:32]
    study = Study("ResearchStudy/NCT00000001", trial("NCT00000001"))
    expected = hashlib.sha256()
    for r in study.resources:
        expected.update(f"{r['resourceType']}/{r['id']}".encode() + b"\0" + content_hash(r).encode() + b"\n")
    assert study_hash(study) == expected.hexdigest()[:32]


@pytest.mark.parametrize("ids", ["client", "conditional"])
def test_write_body_is_the_resource_with_the_hash_tag(trial, ids):
    resource = trial("NCT00000001")[0]
    resource["meta"] = {"profile": ["http://example.org/p"], "tag": [{"system": HASH_SYSTEM, "code": "old"}]}
    write = prepare(resource, ids)
    body = json.loads(write.body())
    expected = {k: v for k, v in resource.items() if k != "meta" and (ids == "client" or k != "id")}
    assert {k: v for k, v in body.items() if k != "meta"} == expected
    assert body["meta"] == {"profile": ["http://example.org/p"],
                            "tag": [{"system": HASH_SYSTEM, "code": content_hash(resource)}]}
    assert write.url == ("ResearchStudy/NCT00000001" if ids == "client"
                         else "ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000001")


def test_write_body_rewrites_only_the_references_it_is_given():
    resource = {"resourceType": "Group", "id": "g", "identifier": [{"system": "s", "value": "g"}],
                "characteristic": [{"valueReference": {"reference": "Organization/o", "display": 'a "b"'}},
                                   {"valueReference": {"reference": "Location/l"}}],
                "note": [{"text": '"reference":"Organization/o"'}]}
    write = prepare(resource, "client")
    assert write.refs == {"Organization/o", "Location/l"} == references(resource)
    body = json.loads(write.body({"Organization/o": "Organization/123", "Practitioner/p": "x"}))
    assert [c["valueReference"]["reference"] for c in body["characteristic"]] == ["Organization/123", "Location/l"]
    # a look-alike inside a string is text, not a reference
    assert body["note"] == resource["note"] and body["characteristic"][0]["valueReference"]["display"] == 'a "b"'


def test_bundles_are_json_with_urn_references_among_entries(trial):
    writes = study_writes([Study("ResearchStudy/NCT00000001", trial("NCT00000001"))], "conditional")
    bundle = json.loads(transaction_bundle(writes, "conditional", "http://x/fhir", {}))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    urns = {e["fullUrl"] for e in bundle["entry"]}
    assert all(u.startswith("urn:uuid:") for u in urns)
    study = bundle["entry"][0]["resource"]
    # every reference of the study points at an entry of the same Bundle
    assert not references(study) and set(re.findall(r'"reference": "([^"]*)"', json.dumps(study))) <= urns
    batch = json.loads(batch_bundle(writes, {"Organization/NCT00000001-sponsor": "Organization/9"}))
    assert batch["type"] == "batch" and all(e["request"]["method"] == "PUT" for e in batch["entry"])
    assert "Organization/9" in json.dumps(batch)


# ---- reading ahead


def test_ahead_keeps_order_and_raises_where_the_error_was():
    def items():
        yield from range(5)
        raise ValueError("bad input")
    seen = []
    with pytest.raises(ValueError, match="bad input"):
        for i in ahead(items, depth=2):
            seen.append(i)
    assert seen == [0, 1, 2, 3, 4]


def test_ahead_stays_within_its_depth_and_stops_when_closed():
    made = []

    def items():
        for i in range(1000):
            made.append(i)
            yield i
    it = ahead(items, depth=3)
    assert next(it) == 0
    time.sleep(0.3)
    # one handed out, three queued, one waiting to be queued
    assert len(made) <= 5
    it.close()
    time.sleep(0.3)
    assert len(made) <= 6 and not [t for t in threading.enumerate() if t.name == "push-ahead"]


def test_ahead_with_no_depth_runs_in_the_caller():
    assert list(ahead(lambda: iter("abc"), depth=0)) == ["a", "b", "c"]


@pytest.mark.parametrize("value", [
    {"b": 1, "a": [0.5, 40.71427, 100000.0, 1e16, 2**53], "é": "naïve \u2028 😀", "c": "\x00\x1f\x7f\"\\"},
    {"valueQuantity": {"value": 0.00001}},        # orjson writes 0.00001, json 1e-05
    {"valueQuantity": {"value": 1e-7}},           # orjson writes 1e-7, json 1e-07
    {"a": [2.5e-300, 1e-100, -3e-12]},
    {"value": float("nan")},                        # orjson writes null, json NaN
    {"big": 2**70},                                 # beyond orjson's integers
    {"lone": "\ud800"},                            # a lone surrogate orjson refuses
])
def test_canonical_text_is_json_dumps(value):
    assert canonical(value) == json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
