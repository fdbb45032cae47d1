"""Write converted records as one streamed Bundle, a Bundle per record, or NDJSON; never half a file."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO

from ..fastjson import dumps
from ..fhir.bundle import entries

KINDS = ("transaction", "collection", "ndjson")


class _AtomicFile:
    """A file written beside its target and moved into place only when complete."""

    def __init__(self, target: Path):
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        self.fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8")

    def commit(self):
        self.fh.close()
        os.replace(self.tmp, self.target)

    def abort(self):
        self.fh.close()
        Path(self.tmp).unlink(missing_ok=True)


class BundleStream:
    """One Bundle for the whole run, entries streamed as records arrive (to a file or stdout)."""

    def __init__(self, kind: str, target: Path | None):
        self.kind, self.seen, self.count = kind, set(), 0
        self.file = _AtomicFile(target) if target else None
        self.fh = self.file.fh if self.file else sys.stdout
        self.fh.write(f'{{"resourceType":"Bundle","type":"{kind}","entry":[')

    def add(self, resources: list[dict]):
        for entry in entries(self.kind, resources, self.seen):
            self.fh.write(("," if self.count else "") + "\n" + dumps(entry))
            self.count += 1

    def close(self, ok: bool = True):
        self.fh.write("\n]}\n")
        if self.file:
            self.file.commit() if ok else self.file.abort()


class BundlePerRecord:
    """DIR/<study id>.json: a Bundle per record, each file written whole."""

    def __init__(self, kind: str, directory: Path):
        self.kind, self.directory = kind, directory
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, resources: list[dict]):
        f = _AtomicFile(self.directory / f"{resources[0]['id']}.json")
        json.dump({"resourceType": "Bundle", "type": self.kind, "entry": list(entries(self.kind, resources))},
                  f.fh, ensure_ascii=False, indent=1)
        f.fh.write("\n")
        f.commit()

    def close(self, ok: bool = True):
        pass


class NdjsonStream:
    """NDJSON, one resource a line: to one file (or stdout), or DIR/<ResourceType>.ndjson as Bulk Data does."""

    def __init__(self, target: Path | None, per_type: bool):
        self.seen: set[str] = set()
        self.per_type = per_type
        self.directory = target
        self.files: dict[str, _AtomicFile] = {}
        self.single = _AtomicFile(target) if target and not per_type else None

    def _fh(self, rtype: str) -> IO[str]:
        if not self.per_type:
            return self.single.fh if self.single else sys.stdout
        if rtype not in self.files:
            self.files[rtype] = _AtomicFile(self.directory / f"{rtype}.ndjson")
        return self.files[rtype].fh

    def add(self, resources: list[dict]):
        for r in resources:
            key = f"{r['resourceType']}/{r['id']}"
            if key not in self.seen:
                self.seen.add(key)
                self._fh(r["resourceType"]).write(dumps(r) + "\n")

    def close(self, ok: bool = True):
        for f in [*self.files.values(), *([self.single] if self.single else [])]:
            f.commit() if ok else f.abort()


def open_sink(kind: str, output: str | None):
    """The writer for ``--bundle kind`` and ``-o output`` (a directory when it exists or ends with '/')."""
    is_dir = output is not None and (Path(output).is_dir() or output.endswith(("/", os.sep)))
    output = Path(output) if output is not None else None
    if kind == "ndjson":
        return NdjsonStream(output, per_type=is_dir)
    if is_dir:
        return BundlePerRecord(kind, output)
    return BundleStream(kind, output)
