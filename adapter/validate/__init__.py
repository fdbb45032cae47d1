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

    Both versions are checked in one pass against their official definitions (elements, cardinality, formats,
    codes in required bindings). ``thorough`` adds independent second opinions: the models of fhirclient (R4)
    or fhir.resources (R5), and a separate walk of the required bindings. The R5 definitions are fetched once
    with npm: DefinitionsUnavailable when they cannot be.
    """
    if fhir_version not in (R4, R5):
        raise ValueError(f"unsupported FHIR version {fhir_version!r}: use {R4} or {R5}")
    found = element_issues(resource, fhir_version)
    if thorough:
        models = structure_issues(resource) if fhir_version == R4 else structure_issues_r5(resource)
        found = list(dict.fromkeys(found + models + binding_issues(resource, fhir_version)))
    return found
