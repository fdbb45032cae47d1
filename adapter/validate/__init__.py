"""Validation of the resources we emit: structure against FHIR's models, codes against required value sets."""
from __future__ import annotations

from .structure import structure_issues
from .terminology import binding_issues


def issues(resource: dict) -> list[str]:
    """Every problem found in one resource, as readable sentences; empty when it is valid R4."""
    found = structure_issues(resource)
    return found + binding_issues(resource)
