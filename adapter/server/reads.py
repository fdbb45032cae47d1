"""Read-side REST interactions: metadata, read, vread, history and search (GET and POST _search)."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from adapter.server.auth import authorize
from adapter.server.bundles import history_bundle
from adapter.server.capability import capability_statement
from adapter.server.context import base_url, get_store, strict_handling
from adapter.server.http import fhir_response, not_modified, response_type, version_headers
from adapter.server.outcome import FhirError
from adapter.server.search import search_bundle
from adapter.server.shaping import shape
from adapter.store.query import MAX_COUNT
from adapter.store.store import Gone, NotFound
from adapter.store.values import BadValue, date_range

reads = Blueprint("reads", __name__)
HISTORY_PARAMS = {"_count", "_since", "_cursor", "_format", "_pretty"}


def known_type(resource_type: str) -> str:
    """The type, once it is one served here and the request may read it (AUTH_READS)."""
    if resource_type not in get_store().registry.by_type:
        raise FhirError(404, f"resource type {resource_type!r} is not served here")
    authorize("read", resource_type)
    return resource_type


@reads.get("/metadata")
def metadata() -> Response:
    response_type()
    store = get_store()
    return fhir_response(capability_statement(base_url(), store.registry,
                                              current_app.config.get("SMART_TOKEN_ENDPOINT")))


@reads.get("/<resource_type>/<res_id>")
def read(resource_type: str, res_id: str) -> Response:
    media = response_type()
    try:
        stored = get_store().read(known_type(resource_type), res_id)
    except NotFound as exc:
        raise FhirError(404, str(exc)) from None
    except Gone as exc:
        raise FhirError(410, str(exc), headers={"ETag": f'W/"{exc.version}"'}) from None
    headers = version_headers(stored.version, stored.last_updated)
    if not_modified(stored.version, stored.last_updated):
        return Response(status=304, headers=headers)
    summary, elements = request.args.get("_summary"), request.args.get("_elements")
    body = stored.content
    if summary or elements:
        body = shape(stored.json(), summary, elements.split(",") if elements else None,
                     get_store().registry.version)
    return fhir_response(body, headers=headers, media_type=media)


@reads.get("/<resource_type>/<res_id>/_history/<version>")
def vread(resource_type: str, res_id: str, version: str) -> Response:
    media = response_type()
    if not version.isdigit():
        raise FhirError(404, f"{resource_type}/{res_id} has no version {version!r}")
    try:
        stored = get_store().vread(known_type(resource_type), res_id, int(version))
    except NotFound as exc:
        raise FhirError(404, str(exc)) from None
    except Gone as exc:
        raise FhirError(410, str(exc)) from None
    headers = version_headers(stored.version, stored.last_updated)
    if not_modified(stored.version, stored.last_updated):
        return Response(status=304, headers=headers)
    return fhir_response(stored.content, headers=headers, media_type=media)


def _history_cursor(raw: str | None) -> tuple | None:
    if raw is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not (isinstance(values, list) and len(values) == 4 and isinstance(values[3], int)):
            raise ValueError
        return tuple(values)
    except (ValueError, TypeError):
        raise FhirError(400, "_cursor is not a history cursor this server issued") from None


def _history(resource_type: str | None, res_id: str | None) -> Response:
    media = response_type()
    unknown = [k for k in request.args if k not in HISTORY_PARAMS]
    if unknown and strict_handling():
        raise FhirError(400, f"unknown history parameters {unknown}")
    count = request.args.get("_count", "20")
    if not count.isdigit() or int(count) == 0:
        raise FhirError(400, "_count must be a positive integer")
    count = min(int(count), MAX_COUNT)
    since = request.args.get("_since")
    if since is not None:
        try:
            date_range(since)
        except BadValue as exc:
            raise FhirError(400, f"_since: {exc}") from None
    versions = get_store().history(resource_type, res_id, since, count + 1,
                                   _history_cursor(request.args.get("_cursor")))
    if res_id and not versions and not request.args.get("_cursor"):
        raise FhirError(404, f"{resource_type}/{res_id} is not known")
    path = "/".join(p for p in (resource_type, res_id) if p)
    self_url = f"{base_url()}/{path}/_history".replace("//_history", "/_history")
    next_url = None
    if len(versions) > count:
        versions = versions[:count]
        last = versions[-1]
        token = base64.urlsafe_b64encode(json.dumps(
            [last.last_updated, last.type, last.id, last.version]).encode()).decode().rstrip("=")
        next_url = f"{self_url}?" + urlencode([("_count", count), ("_cursor", token)]
                                              + ([("_since", since)] if since else []))
    return fhir_response(history_bundle(base_url(), versions, self_url, next_url), media_type=media)


@reads.get("/_history")
def system_history() -> Response:
    authorize("read", None)
    return _history(None, None)


@reads.get("/<resource_type>/_history")
def type_history(resource_type: str) -> Response:
    return _history(known_type(resource_type), None)


@reads.get("/<resource_type>/<res_id>/_history")
def instance_history(resource_type: str, res_id: str) -> Response:
    return _history(known_type(resource_type), res_id)


def run_search(resource_type: str, items: list[tuple[str, str]]) -> Response:
    media = response_type()
    body = search_bundle(get_store(), known_type(resource_type), items, strict_handling(), base_url())
    return fhir_response(body, media_type=media)


@reads.get("/<resource_type>")
def search(resource_type: str) -> Response:
    return run_search(resource_type, list(request.args.items(multi=True)))


@reads.post("/<resource_type>/_search")
def search_post(resource_type: str) -> Response:
    content_type = request.mimetype
    if content_type and content_type != "application/x-www-form-urlencoded":
        raise FhirError(415, "POST _search takes application/x-www-form-urlencoded parameters")
    return run_search(resource_type, list(request.args.items(multi=True)) + list(request.form.items(multi=True)))
