"""Our own conformance resources (profiles, extensions, CodeSystem, SearchParameters), published by the server."""
from __future__ import annotations

import json
from pathlib import Path

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def conformance_resources() -> list[dict]:
    """The R4 StructureDefinitions, our CodeSystem and our SearchParameters from profiles/."""
    files = sorted((PROFILES / "r4").glob("*.json")) + sorted(PROFILES.glob("CodeSystem-*.json")) + \
        sorted(PROFILES.glob("SearchParameter-*.json"))
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def publish(store) -> None:
    """Upsert them into the store; unchanged ones get no new version, so every start-up may do it."""
    store.upsert_many(conformance_resources())
