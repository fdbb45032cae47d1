"""Trim resources for _summary and _elements, using the summary flags of the official StructureDefinitions."""
from __future__ import annotations

from functools import lru_cache

from adapter.validate.definitions import structure_definition

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
_ALWAYS = {"resourceType", "id", "meta"}


@lru_cache(maxsize=64)
def element_flags(resource_type: str, version: str) -> tuple[frozenset, frozenset]:
    """(summary elements, mandatory elements): top-level names as they appear in JSON (value[x] expanded)."""
    definition = structure_definition(resource_type, version) if resource_type else None
    if definition is None:
        return frozenset(), frozenset()
    summary, mandatory = set(), set()
    for element in definition["snapshot"]["element"]:
        path = element["path"].split(".")
        if len(path) != 2:
            continue
        names = [path[1]]
        if path[1].endswith("[x]"):
            stem = path[1][:-3]
            names = [stem + t["code"][0].upper() + t["code"][1:] for t in element.get("type", [])]
        if element.get("isSummary"):
            summary.update(names)
        if element.get("min", 0) > 0:
            mandatory.update(names)
    return frozenset(summary), frozenset(mandatory)


def _subsetted(resource: dict, keep) -> dict:
    out = {k: v for k, v in resource.items() if k in _ALWAYS or keep(k)}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    out["meta"] = meta
    return out


def shape(resource: dict, summary: str | None, elements: list[str] | None, version: str) -> dict:
    """The resource (of FHIR ``version``) as _summary (true/text/data) and _elements ask; unchanged when
    neither is given."""
    if summary in (None, "false", "count") and not elements:
        return resource
    summary_names, mandatory = element_flags(resource.get("resourceType", ""), version)
    if summary == "true":
        return _subsetted(resource, lambda k: k in summary_names)
    if summary == "text":
        return _subsetted(resource, lambda k: k == "text" or k in mandatory)
    if summary == "data":
        return _subsetted(resource, lambda k: k != "text")
    wanted = {e.split(".")[0] for e in elements or ()}
    return _subsetted(resource, lambda k: k in wanted or k in mandatory)
