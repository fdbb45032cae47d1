"""Write interactions for loading over HTTP: update, create, delete, conditional update, transaction/batch."""
from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, request

from adapter.server.auth import authorize
from adapter.server.conditional import match_one
from adapter.server.context import base_url, get_store, prefer_return
from adapter.server.http import fhir_response, version_headers
from adapter.server.outcome import FhirError, operation_outcome
from adapter.server.transaction import run_bundle
from adapter.server.validation import validate
from adapter.store.store import InvalidResource, VersionConflict, WriteResult

writes = Blueprint("writes", __name__)
_JSON_TYPES = {"application/fhir+json", "application/json", "application/json+fhir"}


def _body() -> dict:
    """The request's JSON resource (415 for another media type, 400 when it is not a resource)."""
    if request.mimetype not in _JSON_TYPES:
        raise FhirError(415, f"send {sorted(_JSON_TYPES)[1]} (got {request.mimetype or 'no content type'})")
    try:
        body = json.loads(request.get_data(as_text=True))
    except ValueError as exc:
        raise FhirError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict) or "resourceType" not in body:
        raise FhirError(400, "the body is not a FHIR resource")
    return body


def _if_match() -> int | None:
    tag = request.headers.get("If-Match")
    if tag is None:
        return None
    digits = tag.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise FhirError(400, f"If-Match {tag!r} is not a version ETag")
    return int(digits)


def _store_write(resource: dict, if_match: int | None = None) -> WriteResult:
    validate(resource)
    try:
        return get_store().upsert(resource, if_match)
    except VersionConflict as exc:
        raise FhirError(412, str(exc)) from None
    except InvalidResource as exc:
        raise FhirError(400, str(exc)) from None


def _written(result: WriteResult) -> Response:
    stored = result.stored
    status = 201 if result.outcome == "created" else 200
    headers = version_headers(stored.version, stored.last_updated)
    headers["Location"] = f"{base_url()}/{stored.type}/{stored.id}/_history/{stored.version}"
    choice = prefer_return()
    if choice == "minimal":
        return fhir_response(None, status, headers)
    if choice == "OperationOutcome":
        return fhir_response(operation_outcome(f"{stored.type}/{stored.id} {result.outcome}", "informational",
                                               "information"), status, headers)
    return fhir_response(stored.content, status, headers)


def _authorized_body(resource_type: str) -> dict:
    """The request's resource, once the caller may write this type, the type is served and the body is one."""
    authorize("write", resource_type)
    body = _body()
    if resource_type not in get_store().registry.by_type:
        raise FhirError(404, f"resource type {resource_type!r} is not served here")
    if body["resourceType"] != resource_type:
        raise FhirError(400, f"the body is a {body['resourceType']}, not a {resource_type}")
    return body


@writes.put("/<resource_type>/<res_id>")
def update(resource_type: str, res_id: str) -> Response:
    body = _authorized_body(resource_type)
    if body.get("id") != res_id:
        raise FhirError(400, f"the body's id {body.get('id')!r} is not the id in the URL {res_id!r}")
    return _written(_store_write(body, _if_match()))


@writes.put("/<resource_type>")
def conditional_update(resource_type: str) -> Response:
    body = _authorized_body(resource_type)
    found = match_one(resource_type, request.query_string.decode(), "conditional update")
    if found:
        if body.get("id") not in (None, found):
            raise FhirError(400, f"the body's id {body['id']!r} is not the matched resource {found!r}")
        body = {**body, "id": found}
    elif not body.get("id"):
        body = {**body, "id": uuid.uuid4().hex}
    return _written(_store_write(body, _if_match()))


@writes.post("/<resource_type>")
def create(resource_type: str) -> Response:
    body = _authorized_body(resource_type)
    condition = request.headers.get("If-None-Exist")
    if condition:
        found = match_one(resource_type, condition.lstrip("?"), "If-None-Exist")
        if found:
            stored = get_store().read(resource_type, found)
            return fhir_response(stored.content, 200, version_headers(stored.version, stored.last_updated))
    return _written(_store_write({**body, "id": uuid.uuid4().hex}))


@writes.delete("/<resource_type>/<res_id>")
def delete(resource_type: str, res_id: str) -> Response:
    authorize("write", resource_type)
    store = get_store()
    if resource_type not in store.registry.by_type:
        raise FhirError(404, f"resource type {resource_type!r} is not served here")
    result = store.delete(resource_type, res_id)
    if result is None and not store.history(resource_type, res_id, count=1):
        raise FhirError(404, f"{resource_type}/{res_id} is not known")
    headers = {"ETag": f'W/"{result.stored.version}"'} if result else {}
    return Response(status=204, headers=headers)


@writes.post("/")
def transaction() -> Response:
    body = _body()
    if body["resourceType"] != "Bundle" or body.get("type") not in ("transaction", "batch"):
        raise FhirError(400, "POST to the base takes a transaction or batch Bundle")
    return fhir_response(run_bundle(body))
