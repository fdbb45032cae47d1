"""Deterministic, HAPI-safe resource ids and identifier systems for every resource we emit."""
from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

from .urls import BASE

# identifiers we mint for resources the registry names but does not identify (sponsors, sites, people)
ID_SYSTEM = f"{BASE}/id"
_NAMESPACE = uuid.UUID("6f1c8e9a-3b7d-5e21-9c4a-0d2f7b8e1a53")


# the same sponsors, sites and people recur in study after study
@lru_cache(maxsize=4096)
def minted_id(kind: str, *parts: str | None) -> str:
    """A stable id for a resource identified only by its content (e.g. an organisation's name)."""
    key = "|".join(" ".join((p or "").split()).casefold() for p in parts)
    return f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:20]}"


def minted_identifier(resource_id: str) -> dict:
    return {"system": ID_SYSTEM, "value": resource_id}


def urn_uuid(resource_type: str, resource_id: str) -> str:
    """The stable urn:uuid a transaction Bundle uses for a resource."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{resource_type}/{resource_id}')}"
