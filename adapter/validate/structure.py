"""Structural validation with SMART's fhirclient strict R4 (4.0.1) models: types, cardinality, unknown elements."""
from __future__ import annotations

import re
from importlib import import_module

from fhirclient.models.fhirabstractbase import FHIRValidationError


_OBJECT = re.compile(r" (?:in data )?for <fhirclient[^>]*>| on <fhirclient[^>]*>")


def _model(resource_type: str):
    module = import_module(f"fhirclient.models.{resource_type.lower()}")
    return getattr(module, resource_type, None)


def structure_issues(resource: dict) -> list[str]:
    rtype = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(rtype, str):
        return ["not a FHIR resource: no resourceType"]
    try:
        model = _model(rtype)
    except ModuleNotFoundError:
        model = None
    if model is None:
        return [f"unknown resource type {rtype!r}"]
    try:
        model(resource, strict=True)
    except FHIRValidationError as e:
        return [_describe(e, rtype)]
    return []


def _describe(error: FHIRValidationError, rtype: str) -> str:
    # fhirclient nests one error per element path; the leaves say what is wrong
    text = _OBJECT.sub("", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() != "{root}:"]
    return f"{rtype}: " + "; ".join(lines)
