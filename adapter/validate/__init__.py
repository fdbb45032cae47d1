"""Validation of the resources we emit: structure against FHIR's models, codes against required value sets."""
from __future__ import annotations

from .elements import element_issues
from .packages import R4, R5, DefinitionsUnavailable
from .structure import structure_issues
from .structure_r5 import structure_issues_r5
from .terminology import binding_issues

__all__ = ["R4", "R5", "DefinitionsUnavailable", "issues"]

def issues(resource: dict, fhir_version: str = R4, thorough: bool = False) -> list[str]:
    """Every problem found in one resource, as readable sentences; empty when it is valid FHIR of that version.

    R4 is checked against the official definitions in one pass (elements, cardinality, formats, required
    codes); ``thorough`` adds fhirclient's strict R4 models as a second, independent check. R5 is checked with
    fhir.resources' models and the R5 definitions' required bindings (its core package is fetched once with
    npm: DefinitionsUnavailable when it cannot be).
    """
    if fhir_version == R4:
        found = element_issues(resource)
        return found + structure_issues(resource) if thorough else found
    if fhir_version == R5:
        return structure_issues_r5(resource) + binding_issues(resource, fhir_version)
    raise ValueError(f"unsupported FHIR version {fhir_version!r}: use {R4} or {R5}")
