"""Per-app objects a request handler needs: the store, the base URL, the client's handling preference."""
from __future__ import annotations

from flask import current_app, request

from adapter.store.store import Store

STORE_KEY = "trialfhir.store"


def get_store() -> Store:
    return current_app.extensions[STORE_KEY]


def base_url() -> str:
    """The FHIR base URL links are built on: configured (behind a proxy) or the one the client used."""
    return current_app.config.get("BASE_URL") or request.url_root.rstrip("/")


def strict_handling() -> bool:
    return prefers_strict(request.headers.get("Prefer", ""))


def prefers_strict(prefer: str) -> bool:
    """Whether a Prefer header asks for strict handling of unknown search parameters."""
    return "handling=strict" in prefer.replace(" ", "").lower()


def prefer_return() -> str:
    """The Prefer: return= choice of a write: representation (default), minimal or OperationOutcome."""
    for part in request.headers.get("Prefer", "").split(";"):
        for item in part.split(","):
            key, _, value = item.strip().partition("=")
            if key == "return" and value in ("minimal", "representation", "OperationOutcome"):
                return value
    return "representation"
