"""Named errors and the exit codes the command line returns for them."""
from __future__ import annotations

EXIT_OK = 0
# some records (or files) failed; the others were written
EXIT_RECORD_FAILED = 1
# the command was called wrongly: unknown option, missing file, unknown format name
EXIT_USAGE = 2


class TrialFhirError(Exception):
    """Base of every error this package raises on purpose."""


class UsageError(TrialFhirError):
    """The command line asked for something that cannot be done (exit 2)."""


class RecordError(TrialFhirError):
    """One record (or a whole file) could not be read or mapped.

    Carries where it happened: the file, the record within it (id or position) and the source field.
    """

    def __init__(self, message: str, *, file: str | None = None, record: str | None = None,
                 field: str | None = None):
        self.message = message
        self.file = file
        self.record = record
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [p for p in (self.file, f"record {self.record}" if self.record else None,
                             f"field {self.field}" if self.field else None) if p]
        return f"{': '.join(where)}: {self.message}" if where else self.message


class FormatError(RecordError):
    """A file is not in the format it claims (or any format we read): malformed, truncated, binary, empty."""
