"""Check that a resource is valid FHIR R4 before it is stored (422 with the reasons when it is not)."""
from __future__ import annotations

from adapter.server.context import get_store
from adapter.server.outcome import FhirError
from adapter.validate import issues


def validate(resource: dict) -> None:
    """The same checks `trialfhir validate` makes, in the FHIR version the store serves."""
    problems = issues(resource, get_store().registry.version, thorough=True)
    if problems:
        raise FhirError(422, f"invalid {resource.get('resourceType')}: " + "; ".join(problems[:10]))
