"""Readers: one module per input format, each turning a file into TrialRecords (and RecordErrors).

Every reader module has ``FORMAT`` (its name for ``--from``), ``sniff(head: bytes, name: str) -> bool``
and ``read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]``.  A reader
never raises for a bad record: it yields a RecordError naming file, record and field, and goes on with the next
record.  ``scan_dropped=False`` spares the registry readers noting every path they read and their second walk over
each study for the fields they did not read (``TrialRecord.dropped`` then lists only what was read and left); the
page and canonical readers find their leftovers while reading, so they list them either way.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import import_module
from pathlib import Path

from ..errors import FormatError, RecordError, UsageError
from ..record import TrialRecord

# sniffing order matters: specific before general
_READERS = ("ctgov_json", "ctgov_xml", "canonical", "trial_finder_page", "registry_detail_page",
            "trial_details_page")
_SNIFF_BYTES = 64 * 1024


@cache
def readers() -> tuple:
    return tuple(import_module(f"{__name__}.{name}") for name in _READERS)


def formats() -> list[str]:
    return [fmt for reader in readers() for fmt in reader.FORMATS]


def reader_for(fmt: str):
    for reader in readers():
        if fmt in reader.FORMATS:
            return reader
    raise UsageError(f"unknown input format {fmt!r}; known: {', '.join(formats())}")


def detect(head: bytes, name: str):
    """The reader module for a file, from its first bytes and name; None when no reader claims it."""
    return next((reader for reader in readers() if reader.sniff(head, name)), None)


def read_path(path: Path, fmt: str | None = None,
              scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    """Every record of one file, as TrialRecords or RecordErrors, never raising for bad content."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        yield RecordError(f"cannot read file: {e.strerror or e}", file=file)
        return
    if not data.strip():
        yield FormatError("empty file", file=file)
        return
    reader = reader_for(fmt) if fmt else detect(data[:_SNIFF_BYTES], path.name)
    if reader is None:
        yield FormatError("unknown format: not ClinicalTrials.gov JSON or XML, a TrialRecord JSON/CSV file "
                          "or a known registry page layout (use --from to force one)", file=file)
        return
    fmt_name = fmt or reader.FORMATS[0]
    for index, item in enumerate(reader.read(data, file, scan_dropped)):
        if isinstance(item, TrialRecord):
            item.source = file
            item.source_format = item.source_format or fmt_name
            if item.source_index is None:
                item.source_index = index
        yield item
