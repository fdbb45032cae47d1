"""Check that a resource is valid FHIR R4 before it is stored (422 with the reasons when it is not)."""
from __future__ import annotations

from adapter.server.outcome import FhirError
from adapter.validate import issues


def validate(resource: dict) -> None:
    """The same checks `trialfhir validate` makes: R4 structure and required-binding codes."""
    problems = issues(resource, thorough=True)
    if problems:
        raise FhirError(422, f"invalid {resource.get('resourceType')}: " + "; ".join(problems[:10]))
