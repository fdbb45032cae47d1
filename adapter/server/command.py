"""What the command line calls to run the FHIR server."""
from __future__ import annotations

from flask import Flask
from werkzeug.serving import run_simple

from adapter.errors import EXIT_OK
from adapter.server import create_app
from adapter.store.command import open_store


def run(app: Flask, host: str, port: int) -> int:
    """Serve until interrupted with werkzeug's threaded server (production: ``gunicorn server:app``)."""
    run_simple(host, port, app, threaded=True)
    return EXIT_OK


def serve(db_url: str | None, host: str = "127.0.0.1", port: int = 8080, fhir_version: str = "4.0.1") -> int:
    """Serve the store at ``db_url`` (None: the embedded default, $TRIALFHIR_DB or ./trialfhir.sqlite) as a
    FHIR server of ``fhir_version`` (4.0.1 or 5.0.0)."""
    return run(create_app({"STORE": open_store(db_url, fhir_version)}), host, port)
