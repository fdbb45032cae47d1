"""Process transaction and batch Bundles: a transaction commits all its entries or none."""
from __future__ import annotations

import uuid

from adapter.server.auth import authorize
from adapter.server.conditional import match_one, split_request_url
from adapter.server.context import get_store
from adapter.server.outcome import FhirError, outcome_for
from adapter.server.validation import validate
from adapter.store.store import InvalidResource, VersionConflict, WriteResult

_STATUS = {"created": "201 Created", "updated": "200 OK", "unchanged": "200 OK", "deleted": "204 No Content"}


def _rewrite_references(node, mapping: dict[str, str]):
    """Replace references to entries' fullUrls (``urn:uuid:...``) with the ids the server assigned."""
    if isinstance(node, dict):
        return {k: (mapping.get(v, v) if k == "reference" and isinstance(v, str) else
                    _rewrite_references(v, mapping)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_references(v, mapping) for v in node]
    return node


def _plan_entry(entry: dict, mapping: dict[str, str]) -> tuple:
    """The store operation of one entry: ("put", resource, if_match), ("delete", type, id) or ("skip", ...)."""
    req = entry.get("request") or {}
    method = str(req.get("method", "")).upper()
    rtype, res_id, condition = split_request_url(str(req.get("url", "")))
    if rtype not in get_store().registry.by_type:
        raise FhirError(404, f"entry request url {req.get('url')!r}: resource type not served here")
    authorize("write", rtype)
    if method == "DELETE":
        if condition:
            found = match_one(rtype, condition, "conditional delete")
            return ("delete", rtype, found) if found else ("skip", None)
        return "delete", rtype, res_id
    resource = entry.get("resource")
    if method not in ("PUT", "POST") or not isinstance(resource, dict):
        raise FhirError(400, f"entry needs request.method PUT, POST or DELETE and a resource (got {method!r})")
    if resource.get("resourceType") != rtype:
        raise FhirError(400, f"entry resource is a {resource.get('resourceType')}, its url names {rtype}")
    if_match = _version(req.get("ifMatch"))
    if method == "POST":
        if req.get("ifNoneExist"):
            found = match_one(rtype, req["ifNoneExist"].lstrip("?"), "ifNoneExist")
            if found:
                return "skip", f"{rtype}/{found}"
        res_id = uuid.uuid4().hex
    elif condition:
        res_id = match_one(rtype, condition, "conditional update") or resource.get("id") or uuid.uuid4().hex
    if entry.get("fullUrl"):
        mapping[entry["fullUrl"]] = f"{rtype}/{res_id}"
    return "put", {**resource, "id": res_id}, if_match


def _version(etag) -> int | None:
    if not etag:
        return None
    digits = str(etag).removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise FhirError(400, f"ifMatch {etag!r} is not a version ETag")
    return int(digits)


def _response(result: WriteResult | None, skipped: str | None = None) -> dict:
    if result is None:
        return {"response": {"status": "200 OK" if skipped else "204 No Content",
                             **({"location": skipped} if skipped else {})}}
    stored = result.stored
    response = {"status": _STATUS[result.outcome], "etag": f'W/"{stored.version}"',
                "lastModified": stored.last_updated}
    if result.outcome != "deleted":
        response["location"] = f"{stored.type}/{stored.id}/_history/{stored.version}"
    return {"response": response}


def _finalise(operation: tuple, mapping: dict[str, str]) -> tuple:
    if operation[0] != "put":
        return operation
    resource = _rewrite_references(operation[1], mapping)
    validate(resource)
    return "put", resource, operation[2]


def _transaction(entries: list[dict]) -> dict:
    mapping: dict[str, str] = {}
    planned = [_plan_entry(e, mapping) for e in entries]
    operations = [_finalise(op, mapping) for op in planned]
    writes = [op for op in operations if op[0] != "skip"]
    try:
        results = iter(get_store().apply(writes))
    except VersionConflict as exc:
        raise FhirError(412, str(exc)) from None
    except InvalidResource as exc:
        raise FhirError(400, str(exc)) from None
    out = [_response(None, op[1]) if op[0] == "skip" else _response(next(results)) for op in operations]
    return {"resourceType": "Bundle", "id": uuid.uuid4().hex, "type": "transaction-response", "entry": out}


def _batch(entries: list[dict]) -> dict:
    out = []
    for entry in entries:
        mapping: dict[str, str] = {}
        try:
            operation = _finalise(_plan_entry(entry, mapping), mapping)
            if operation[0] == "skip":
                out.append(_response(None, operation[1]))
                continue
            out.append(_response(get_store().apply([operation])[0]))
        except FhirError as exc:
            out.append({"response": {"status": str(exc.status), "outcome": outcome_for(exc.status, exc.diagnostics)}})
        except (VersionConflict, InvalidResource) as exc:
            status = 412 if isinstance(exc, VersionConflict) else 400
            out.append({"response": {"status": str(status), "outcome": outcome_for(status, str(exc))}})
    return {"resourceType": "Bundle", "id": uuid.uuid4().hex, "type": "batch-response", "entry": out}


def run_bundle(bundle: dict) -> dict:
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FhirError(400, "Bundle.entry must be a list of entries")
    return _transaction(entries) if bundle["type"] == "transaction" else _batch(entries)
