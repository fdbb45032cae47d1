"""FhirError and the OperationOutcome every error answer carries."""
from __future__ import annotations

# HTTP status -> OperationOutcome issue code
_ISSUE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
          406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 415: "not-supported",
          422: "processing", 500: "exception"}


class FhirError(Exception):
    """An error the server answers with an OperationOutcome and the given HTTP status."""

    def __init__(self, status: int, diagnostics: str, code: str | None = None, headers: dict | None = None):
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.code = code or _ISSUE.get(status, "processing")
        self.headers = headers or {}


def operation_outcome(diagnostics: str, code: str = "processing", severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}


def outcome_for(status: int, diagnostics: str) -> dict:
    return operation_outcome(diagnostics, _ISSUE.get(status, "processing"))
