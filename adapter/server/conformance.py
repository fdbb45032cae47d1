"""Our own conformance resources (profiles, extensions, CodeSystem, SearchParameters), published by the server."""
from __future__ import annotations

import json
from pathlib import Path

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def conformance_resources(fhir_version: str = "4.0.1") -> list[dict]:
    """Our StructureDefinitions for that FHIR version and our CodeSystem; for R4 also our SearchParameters
    (they extend R4's, whose element paths they use)."""
    r4 = fhir_version.startswith("4.")
    files = sorted((PROFILES / ("r4" if r4 else "r5")).glob("*.json")) + sorted(PROFILES.glob("CodeSystem-*.json"))
    if r4:
        files += sorted(PROFILES.glob("SearchParameter-*.json"))
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def publish(store) -> None:
    """Upsert them into the store; unchanged ones get no new version, so every start-up may do it."""
    store.upsert_many(conformance_resources(store.registry.version))
