"""The convert stage: files -> readers -> TrialRecords -> FHIR resources, validated, one record at a time."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import RecordError
from .fhir.r4 import mapper as r4_mapper
from .fhir.r5 import mapper as r5_mapper
from .record import TrialRecord, filled_fields
from .sources import read_path
from .validate import R4, R5
from .validate import issues as validation_issues

# the mapper module of each FHIR version we write: its map_record and the record fields it carries (MAPPED)
MAPPERS = {R4: r4_mapper, R5: r5_mapper}


@dataclass
class Converted:
    record: TrialRecord
    resources: list[dict]
    # record fields with content the chosen version's mapping does not carry, beside what the reader dropped
    unmapped: list[str] = field(default_factory=list)


@cache
def _mapped(path: str, mapped: frozenset[str]) -> bool:
    """Whether a record field, or the part of the record it belongs to, is carried into FHIR."""
    parts = path.split(".")
    return any(".".join(parts[:n]) in mapped for n in range(1, len(parts) + 1))


def convert_record(record: TrialRecord, validate: bool = True, fhir_version: str = R4,
                   report: bool = True) -> Converted | RecordError:
    """One record's resources in FHIR ``fhir_version`` (4.0.1 or 5.0.0), or a RecordError saying why it could
    not be mapped or is invalid. ``report`` lists the record fields the mapping does not carry."""
    if fhir_version not in MAPPERS:
        raise ValueError(f"unsupported FHIR version {fhir_version!r}: use {R4} or {R5}")
    mapper = MAPPERS[fhir_version]
    where = {"file": record.source, "record": record.id}
    try:
        resources = mapper.map_record(record)
    except Exception as e:  # noqa: BLE001 - a mapping bug must fail this record only, and say where
        return RecordError(f"mapping failed: {type(e).__name__}: {e}", **where)
    if validate:
        problems = [p for r in resources for p in validation_issues(r, fhir_version)]
        if problems:
            return RecordError("invalid FHIR: " + "; ".join(problems), **where)
    if not report:
        return Converted(record, resources)
    return Converted(record, resources, [f for f in filled_fields(record) if not _mapped(f, mapper.MAPPED)])


def convert_paths(paths: Iterable[Path], fmt: str | None = None, validate: bool = True,
                  fhir_version: str = R4, report: bool = True) -> Iterator[Converted | RecordError]:
    """Every record of every file, converted; bad files and records come out as RecordErrors, in order.

    ``report`` finds what ``convert --report`` lists: the source fields each reader left (a second walk over
    every study) and the record fields the mapping does not carry. Without it, ``record.dropped`` holds only
    the fields read and left, and ``unmapped`` is empty."""
    for path in paths:
        for item in read_path(path, fmt, scan_dropped=report):
            yield item if isinstance(item, RecordError) else convert_record(item, validate, fhir_version, report)
