"""Structural validation with fhir.resources' R5 (5.0.0) pydantic models: types, cardinality, unknown elements."""
from __future__ import annotations

from fhir.resources import get_fhir_model_class
from pydantic import ValidationError


def structure_issues_r5(resource: dict) -> list[str]:
    rtype = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(rtype, str):
        return ["not a FHIR resource: no resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError):
        return [f"unknown resource type {rtype!r}"]
    try:
        model.model_validate(resource)
    except ValidationError as e:
        return [f"{rtype}: " + "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                                         for err in e.errors())]
    return []
