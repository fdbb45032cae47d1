"""The convert stage: files -> readers -> TrialRecords -> FHIR resources, validated, one record at a time."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RecordError
from .fhir.r4.mapper import MAPPED, map_record
from .record import TrialRecord, filled_fields
from .sources import read_path
from .validate import issues as validation_issues


@dataclass
class Converted:
    record: TrialRecord
    resources: list[dict]
    # record fields with content the R4 mapping does not carry, beside what the reader dropped
    unmapped: list[str] = field(default_factory=list)


def _mapped(path: str) -> bool:
    """Whether a record field, or the part of the record it belongs to, is carried into FHIR."""
    parts = path.split(".")
    return any(".".join(parts[:n]) in MAPPED for n in range(1, len(parts) + 1))


def convert_record(record: TrialRecord, validate: bool = True) -> Converted | RecordError:
    """One record's resources, or a RecordError saying why it could not be mapped or is invalid."""
    where = {"file": record.source, "record": record.id}
    try:
        resources = map_record(record)
    except Exception as e:  # noqa: BLE001 - a mapping bug must fail this record only, and say where
        return RecordError(f"mapping failed: {type(e).__name__}: {e}", **where)
    if validate:
        problems = [p for r in resources for p in validation_issues(r)]
        if problems:
            return RecordError("invalid FHIR: " + "; ".join(problems), **where)
    unmapped = [f for f in filled_fields(record) if not _mapped(f)]
    return Converted(record, resources, unmapped)


def convert_paths(paths: Iterable[Path], fmt: str | None = None,
                  validate: bool = True) -> Iterator[Converted | RecordError]:
    """Every record of every file, converted; bad files and records come out as RecordErrors, in order."""
    for path in paths:
        for item in read_path(path, fmt):
            yield item if isinstance(item, RecordError) else convert_record(item, validate)
