"""What to push, as one Study per trial: registry files go through the convert pipeline; FHIR Bundles and NDJSON
we produced are taken as they are."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import FormatError, RecordError
from ..fastjson import loads
from ..fhir.ids import urn_uuid
from .batches import Study, key_of, reference_values, rewritten

_FHIR_START = re.compile(rb'^\s*\{\s*"resourceType"\s*:')
# study-specific resources travel with their study; anything else (sponsors, sites, people) may be shared
_OWNED = frozenset({"ResearchStudy", "Group", "PlanDefinition"})


def is_fhir(path: Path) -> bool:
    """A FHIR JSON resource, Bundle or NDJSON file: its first key is resourceType, as every FHIR writer puts it."""
    with open(path, "rb") as fh:
        return bool(_FHIR_START.match(fh.read(4096)))


def _docs(path: Path) -> Iterator[dict]:
    """Every resource of a file: a streamed Bundle of ours (an entry a line) and NDJSON are read line by line,
    anything else whole; Bundle entries come out as the entries themselves."""
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
        if first.rstrip().endswith('"entry":['):
            for line in fh:
                line = line.strip().rstrip(",")
                if line and line != "]}":
                    yield loads(line)
            return
        try:
            doc = loads(first)
        except json.JSONDecodeError:
            doc = None
        if doc is not None:
            yield from _entries(doc)
            for line in fh:
                if line.strip():
                    yield from _entries(loads(line))
            return
        yield from _entries(loads(first + fh.read()))


def _entries(doc: dict) -> Iterator[dict]:
    if doc.get("resourceType") == "Bundle":
        yield from doc.get("entry", [])
    else:
        yield {"resource": doc}


def recover_id(resource: dict, full_url: str | None) -> str:
    """The id a transaction entry dropped: the identifier value whose urn:uuid is the entry's fullUrl (our
    ids are the values of our identifiers), else one derived from the fullUrl."""
    for ident in resource.get("identifier", []):
        value = ident.get("value")
        if value and full_url == urn_uuid(resource["resourceType"], value):
            return value
    seed = full_url or json.dumps(resource, sort_keys=True)
    return f"x-{hashlib.sha1(seed.encode()).hexdigest()[:20]}"


class FhirFiles:
    """Studies out of FHIR files, in order: a study starts at each ResearchStudy and takes the resources that
    follow it; shared resources it references from earlier in the input are added to it, so each study can be
    written on its own. Only shared resources are remembered, so memory stays flat over a long input."""

    def __init__(self):
        self.shared: dict[str, dict] = {}
        self.shared_urns: dict[str, str] = {}
        self.used: set[str] = set()
        self.waiting: list[Study] = []

    def read(self, path: Path) -> Iterator[Study | RecordError]:
        current: list[tuple[str | None, dict]] = []
        try:
            for entry in _docs(path):
                resource = entry.get("resource")
                if not isinstance(resource, dict) or "resourceType" not in resource:
                    raise ValueError("a Bundle entry without a resource")
                full = entry.get("fullUrl")
                if not resource.get("id"):
                    resource["id"] = recover_id(resource, full)
                if resource["resourceType"] == "ResearchStudy" and current:
                    yield from self._study(current, path)
                    current = []
                current.append((full, resource))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
            yield FormatError(f"not a FHIR Bundle or NDJSON we can push: {type(e).__name__}: {e}", file=str(path))
            current = []
        if current:
            yield from self._study(current, path)

    def _study(self, items: list[tuple[str | None, dict]], path: Path) -> Iterator[Study]:
        orphans = items[0][1]["resourceType"] != "ResearchStudy"
        urns = dict(self.shared_urns)
        urns.update((full, key_of(r)) for full, r in items if full)
        if urns:
            items = [(full, rewritten(r, urns) if any(v in urns for v in reference_values(r)) else r)
                     for full, r in items]
        resources = [r for _, r in items]
        for full, r in items:
            if orphans or r["resourceType"] not in _OWNED:
                self.shared[key_of(r)] = r
                if full:
                    self.shared_urns[full] = key_of(r)
        study = Study(key_of(resources[0]), resources, str(path))
        if orphans:
            # resources outside any study (an NDJSON file per type): kept for the studies that use them
            self.waiting.append(study)
            return
        self._complete(study)
        yield study

    def _complete(self, study: Study):
        have = {key_of(r) for r in study.resources}
        todo = [ref for r in study.resources for ref in study.fingerprint(r).refs]
        while todo:
            ref = todo.pop()
            if ref not in have and ref in self.shared:
                have.add(ref)
                study.resources.append(self.shared[ref])
                todo.extend(study.fingerprint(self.shared[ref]).refs)
        self.used.update(k for k in have if k in self.shared)

    def leftovers(self) -> Iterator[Study]:
        """Resources no study took: pushed on their own at the end, so nothing in the input is skipped."""
        for study in self.waiting:
            for r in study.resources:
                if key_of(r) not in self.used:
                    yield Study(key_of(r), [r], study.source)


def studies(paths: Iterable[Path], fmt: str | None = None, validate: bool = True,
            fhir_version: str = "4.0.1") -> Iterator[Study | RecordError]:
    """Every study of every input, in order; what cannot be read or converted comes out as a RecordError."""
    fhir = FhirFiles()
    for path in paths:
        if fmt is None and is_fhir(path):
            yield from fhir.read(path)
            continue
        from ..pipeline import convert_paths
        for item in convert_paths([path], fmt, validate, fhir_version, report=False):
            if isinstance(item, RecordError):
                yield item
            else:
                yield Study(key_of(item.resources[0]), item.resources, f"{item.record.source}")
    yield from fhir.leftovers()
