"""HTTP plumbing of FHIR answers: format negotiation, JSON responses, caching headers, CORS and gzip."""
from __future__ import annotations

import gzip
import json
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from flask import Response, request

from adapter.server.outcome import FhirError

FHIR_JSON = "application/fhir+json"
_JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir", "text/json"}
_ACCEPTABLE = _JSON_FORMATS | {"*/*", "application/*", "text/*"}
GZIP_MIN_BYTES = 1024
CORS_EXPOSE = "ETag, Location, Content-Location, Last-Modified, X-Progress"


VARY = ("Accept", "Accept-Encoding", "Origin")


def response_type() -> str:
    """The media type to answer with; 406 when the client accepts no JSON flavour we produce."""
    return negotiate(request.args.get("_format"), request.headers.get("Accept"))


def negotiate(fmt: str | None, accept: str | None) -> str:
    """The media type for a ``_format`` parameter and an Accept header; 406 when no JSON flavour is wanted."""
    if fmt is not None:
        if fmt.strip().lower().split(";")[0] not in _JSON_FORMATS:
            raise FhirError(406, f"_format {fmt!r} is not supported; this server speaks {FHIR_JSON}")
        return FHIR_JSON
    if not accept:
        return FHIR_JSON
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if not any(t in _ACCEPTABLE for t in types):
        raise FhirError(406, f"cannot produce any of {accept!r}; this server speaks {FHIR_JSON}")
    if "application/json" in types and FHIR_JSON not in types:
        return "application/json"
    return FHIR_JSON


def fhir_response(body: dict | str | bytes | None, status: int = 200, headers: dict | None = None,
                  media_type: str | None = None) -> Response:
    """A JSON answer; ``body`` may already be JSON text or UTF-8 (stored resources are served as stored)."""
    text = "" if body is None else body_text(body, request.args.get("_pretty") == "true")
    mimetype = (media_type or _safe_response_type()) + "; charset=utf-8"
    return Response(text, status=status, headers=headers or {}, content_type=mimetype)


def body_text(body: dict | str | bytes, pretty: bool) -> str | bytes:
    """JSON of a body (JSON text or UTF-8 is kept as it is, unless ``_pretty=true`` asks for it indented)."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False) if isinstance(body, dict) else body
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) if pretty else text


def _safe_response_type() -> str:
    try:
        return response_type()
    except FhirError:
        return FHIR_JSON


def instant_to_http(instant: str) -> str:
    return format_datetime(datetime.fromisoformat(instant.replace("Z", "+00:00")), usegmt=True)


def version_headers(version: int, last_updated: str) -> dict:
    return {"ETag": f'W/"{version}"', "Last-Modified": instant_to_http(last_updated)}


def not_modified(version: int, last_updated: str) -> bool:
    """Whether the client's cached copy (If-None-Match / If-Modified-Since) is still current."""
    tags = request.headers.get("If-None-Match")
    if tags:
        wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return f'"{version}"' in wanted or "*" in wanted
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            stamp = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        modified = datetime.fromisoformat(last_updated.replace("Z", "+00:00")).replace(microsecond=0)
        return stamp.tzinfo is not None and modified <= stamp
    return False


def preflight() -> Response | None:
    """Answer a CORS preflight request."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    return Response(status=204, headers={
        "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers",
                                                            "Authorization, Content-Type, Prefer, If-Match"),
        "Access-Control-Max-Age": "86400"})


def cors_headers(origin: str | None) -> dict:
    return {"Access-Control-Allow-Origin": origin or "*", "Access-Control-Expose-Headers": CORS_EXPOSE}


def compressed(data: bytes, accept_encoding: str) -> bytes | None:
    """The gzip of a body when the client takes gzip and the body is worth compressing, else None."""
    if "gzip" in accept_encoding and len(data) >= GZIP_MIN_BYTES:
        return gzip.compress(data, compresslevel=5)
    return None


def finish(response: Response) -> Response:
    """CORS headers on every answer; gzip when the client takes it and the body is worth compressing."""
    response.headers.update(cors_headers(request.headers.get("Origin")))
    response.vary.update(VARY)
    if (not response.direct_passthrough and response.status_code == 200
            and "Content-Encoding" not in response.headers):
        data = compressed(response.get_data(), request.headers.get("Accept-Encoding", ""))
        if data is not None:
            response.set_data(data)
            response.headers["Content-Encoding"] = "gzip"
    return response
