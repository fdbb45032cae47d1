"""The Flask app factory of the FHIR server: ``create_app(config)`` with the store passed in config."""
from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from adapter.server.context import STORE_KEY
from adapter.server.fast import FastPath
from adapter.server.http import fhir_response, finish, preflight
from adapter.server.outcome import FhirError, outcome_for

log = logging.getLogger(__name__)


def _error(status: int, diagnostics: str, headers: dict | None = None) -> Response:
    return fhir_response(outcome_for(status, diagnostics), status, headers)


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Config keys: STORE (a Store) or DATABASE (URL or SQLite path; default embedded),
    BASE_URL, EXPORT_DIR, and the AUTH_* / SMART_* keys described in adapter.server.auth."""
    from adapter.server.exports import exports
    from adapter.server.reads import reads
    from adapter.server.smart import smart
    from adapter.server.writes import writes
    from adapter.store.command import open_store

    app = Flask(__name__)
    app.config.update(config or {})
    store = app.extensions[STORE_KEY] = app.config.get("STORE") or open_store(
        app.config.get("DATABASE"), app.config.get("FHIR_VERSION", "4.0.1"))
    app.url_map.strict_slashes = False

    app.before_request(preflight)
    app.after_request(finish)
    # the bulk export and SMART routes are more specific than /<type>/<id> and must be matched first
    app.register_blueprint(exports)
    app.register_blueprint(smart)
    app.register_blueprint(reads)
    app.register_blueprint(writes)

    if app.config.get("PUBLISH_CONFORMANCE", True):
        from adapter.server.conformance import publish
        publish(store)

    app.wsgi_app = FastPath(app, store)

    @app.errorhandler(FhirError)
    def fhir_error(exc: FhirError):
        return _error(exc.status, exc.diagnostics, exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return _error(exc.code or 500, exc.description or exc.name, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error")
        return _error(500, f"internal error: {type(exc).__name__}")

    return app
