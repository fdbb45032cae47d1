"""Validation of the resources we emit: structure against FHIR's models, codes against required value sets."""
from __future__ import annotations

from .packages import R4, R5, DefinitionsUnavailable
from .structure import structure_issues
from .structure_r5 import structure_issues_r5
from .terminology import binding_issues

__all__ = ["R4", "R5", "DefinitionsUnavailable", "issues"]

_STRUCTURE = {R4: structure_issues, R5: structure_issues_r5}


def issues(resource: dict, fhir_version: str = R4) -> list[str]:
    """Every problem found in one resource, as readable sentences; empty when it is valid FHIR of that version
    (R5's code checks need its core package: fetched once with npm, DefinitionsUnavailable when it cannot be)."""
    if fhir_version not in _STRUCTURE:
        raise ValueError(f"unsupported FHIR version {fhir_version!r}: use {R4} or {R5}")
    found = _STRUCTURE[fhir_version](resource)
    return found + binding_issues(resource, fhir_version)
