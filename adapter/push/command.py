"""The push command: inputs -> studies -> batches written into a FHIR server, resumable, with a final report."""
from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import EXIT_OK, EXIT_RECORD_FAILED, RecordError, TrialFhirError, UsageError
from . import changes
from .ahead import ahead
from .batches import IDS, Study, key_of, study_hash, study_writes, take
from .capabilities import MODES, fetch_capabilities
from .client import FhirClient, RetryPolicy
from .errors import AuthFailed, MalformedResponse, RequestFailed, ServerUnavailable
from .inputs import studies as read_studies
from .outcome import EntryResult
from .report import Report
from .state import PushState
from .writer import Writer

# the resource types we write, checked against the server's CapabilityStatement
TYPES = ("ResearchStudy", "Group", "PlanDefinition", "Organization", "Location", "Practitioner", "PractitionerRole")
# HAPI refuses client-assigned ids that are all digits (they would clash with its own)
_SAFE_ID = re.compile(r"^(?!\d+$)[A-Za-z0-9\-.]{1,64}$")


def _unsafe_id(study: Study) -> str | None:
    return next((key_of(r) for r in study.resources if not _SAFE_ID.match(str(r.get("id", "")))), None)


def _hashed(items: Iterable[Study | RecordError]) -> Iterator[tuple[Study | RecordError, str]]:
    for item in items:
        yield item, ("" if isinstance(item, RecordError) else study_hash(item))


def _pending(items: Iterable[tuple[Study | RecordError, str]], state: PushState, report: Report, ids: str,
             bar) -> Iterator[tuple[Study, str]]:
    """Studies still to push, with their content hash; errors and studies already pushed are counted."""
    for item, digest in items:
        if isinstance(item, RecordError):
            report.record_error(item)
            print(f"error: {item}", file=sys.stderr)
            bar.update(1)
            continue
        if state.landed(item.key, digest):
            report.resumed()
            bar.update(1)
            continue
        bad = _unsafe_id(item) if ids == "client" else None
        if bad:
            report.study(item, {bad: EntryResult(bad, "failed", reason="id not usable as a client-assigned id "
                                                 "(letters, digits, '-' and '.', at most 64, not all digits)")})
            bar.update(1)
            continue
        yield item, digest


def push(inputs: list[Path], to: str, *, batch: int = 20, ids: str = "conditional", mode: str | None = None,
         dry_run: bool = False, changed_only: bool = False, state_file: Path | None = None, fmt: str | None = None,
         validate: bool = True, fhir_version: str = "4.0.1", auth=None, timeout: float = 120.0, attempts: int = 5,
         progress: bool | None = None, client: FhirClient | None = None) -> int:
    """Push every study of ``inputs`` to the FHIR server at ``to``; prints the report; returns the exit code.

    ``mode`` forces transaction / batch / single requests (default: the best the server's metadata offers);
    ``progress`` None shows the bar on a terminal only.
    """
    if batch < 1:
        raise UsageError("--batch must be at least 1")
    if ids not in IDS or (mode and mode not in MODES):
        raise UsageError(f"--ids is one of {', '.join(IDS)}; --mode one of {', '.join(MODES)}")
    client = client or FhirClient(to, auth=auth, timeout=(min(10.0, timeout), timeout),
                                  retry=RetryPolicy(attempts=attempts))
    state = PushState(state_file, client.base)
    report = Report(dry_run=dry_run)
    try:
        caps = fetch_capabilities(client)
        caps.check(".".join(fhir_version.split(".")[:2]), ids, TYPES)
    except (ServerUnavailable, AuthFailed, RequestFailed, MalformedResponse) as e:
        print(f"push: cannot use {client.base}: {e}", file=sys.stderr)
        return EXIT_RECORD_FAILED
    writer = Writer(client, mode or caps.best_mode(), ids, dry_run,
                    isolate="batch" if "batch" in caps.interactions else "single")

    from tqdm import tqdm
    bar = tqdm(desc="push", unit=" studies", file=sys.stderr, disable=None if progress is None else not progress,
               leave=False)
    # the next batch is read, converted and hashed while the server works on this one
    studies = ahead(lambda: _hashed(read_studies(inputs, fmt, validate, fhir_version)), depth=batch)
    pending = _pending(studies, state, report, ids, bar)
    try:
        while chunk := take(pending, batch):
            landed = _push_batch(client, writer, [s for s, _ in chunk], changed_only, report)
            for study, digest in chunk:
                if study.key in landed:
                    state.mark(study.key, digest)
            if not dry_run:
                state.save()
            bar.update(len(chunk))
    except (ServerUnavailable, AuthFailed, RequestFailed) as e:
        report.stopped = f"{e} (rerun with the same --state to resume)" if state_file else str(e)
    except TrialFhirError as e:
        report.stopped = str(e)
    finally:
        studies.close()
        bar.close()
    report.notes.extend(writer.notes)
    for line in report.lines():
        print(line, file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_RECORD_FAILED


def _push_batch(client: FhirClient, writer: Writer, batch: list[Study], changed_only: bool,
                report: Report) -> set[str]:
    """Write one batch and count it; returns the keys of the studies that landed whole."""
    writes = study_writes(batch, writer.ids)
    unchanged, known = changes.existing(client, writes) if changed_only else (set(), {})
    results = writer.write(batch, [w for w in writes if w.key not in unchanged], known)
    results += [EntryResult(k, "unchanged") for k in unchanged]
    report.count(results)
    by_key = {r.key: r for r in results}
    return {study.key for study in batch if report.study(study, by_key)}
