"""WSGI entry point of the trialfhir FHIR server: ``gunicorn server:app``; ``python server.py`` serves locally.

The database comes from $TRIALFHIR_DB (a PostgreSQL URL or an SQLite file; default ./trialfhir.sqlite);
HOST and PORT choose where ``python server.py`` listens (default 127.0.0.1:8080).
"""
from __future__ import annotations

import os
import sys

from adapter.server import create_app

app = create_app()

if __name__ == "__main__":
    from adapter.server.command import run

    sys.exit(run(app, os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8080"))))
