"""Named errors of the push stage: what went wrong between us and the FHIR server."""
from __future__ import annotations

from ..errors import TrialFhirError, UsageError


class ServerUnavailable(TrialFhirError):
    """The server could not be reached, or kept answering 429/5xx, after every allowed attempt."""


class AuthFailed(TrialFhirError):
    """The server refused our credentials (401/403), or the token endpoint did not issue a token."""


class ServerMismatch(UsageError):
    """The server cannot take what we would send: another FHIR version, or a missing interaction."""


class RequestFailed(TrialFhirError):
    """The server answered a request we cannot do without (metadata, a search) with an error status."""


class MalformedResponse(TrialFhirError):
    """The server answered success with a body that is not what FHIR says it must be."""
