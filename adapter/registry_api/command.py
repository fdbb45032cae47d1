"""The fetch and sync commands: registry studies to v2 JSON files, and what changed since last time into FHIR."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..errors import EXIT_OK, EXIT_RECORD_FAILED, RecordError, TrialFhirError, UsageError
from ..push.state import read_json, write_json_atomic
from .client import API_BASE, NCT_ID, RegistryClient, last_update, nct_of


def _write(study: dict, out_dir: Path) -> Path:
    path = out_dir / f"{nct_of(study)}.json"
    write_json_atomic(path, study)
    return path


def _download(client: RegistryClient, out_dir: Path, nct_ids=(), query: str | None = None,
              advanced: str | None = None) -> tuple[list[Path], list[str], int]:
    """(files written, LastUpdatePostDates seen, failures)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, dates, failed = [], [], 0
    found = (client.study(n) for n in nct_ids) if nct_ids else client.search(query, advanced=advanced)
    for study in found:
        if isinstance(study, RecordError) or not nct_of(study):
            failed += 1
            print(f"error: {study if isinstance(study, RecordError) else 'a study without an NCT id'}",
                  file=sys.stderr)
            continue
        written.append(_write(study, out_dir))
        if last_update(study):
            dates.append(last_update(study))
    return written, dates, failed


def fetch(nct_ids: list[str], query: str | None, out_dir: Path, *, api_base: str = API_BASE,
          rate: float = 3.0, client: RegistryClient | None = None) -> int:
    """Write ``out_dir/<NCT id>.json`` (API v2 JSON) for each id, or for every study the query finds."""
    if bool(nct_ids) == bool(query):
        raise UsageError("give NCT ids or --query, not both")
    bad = [n for n in nct_ids if not NCT_ID.match(n)]
    if bad:
        raise UsageError(f"{', '.join(bad)}: not an NCT id (NCT and eight digits)")
    client = client or RegistryClient(api_base, rate=rate)
    try:
        written, _, failed = _download(client, out_dir, nct_ids, query)
    except TrialFhirError as e:
        print(f"fetch: stopped: {e}", file=sys.stderr)
        return EXIT_RECORD_FAILED
    print(f"fetch: wrote {len(written)} studies to {out_dir}, {failed} failed", file=sys.stderr)
    return EXIT_RECORD_FAILED if failed else EXIT_OK


def sync(query: str, to: str, state_file: Path, *, out_dir: Path | None = None, api_base: str = API_BASE,
         rate: float = 3.0, client: RegistryClient | None = None, **push_options) -> int:
    """Fetch the studies of ``query`` updated since the last sync and push them (changed resources only).

    The state file keeps the newest LastUpdatePostDate seen; it moves on only when everything landed, and the
    range is inclusive, so a study updated later that same day is fetched again next time.
    """
    from ..push.command import push

    state = read_json(state_file) or {"query": query, "last_update": None}
    if state.get("query") != query:
        raise UsageError(f"{state_file}: this state file syncs the query {state.get('query')!r}, not {query!r}")
    since = state.get("last_update")
    advanced = f"AREA[LastUpdatePostDate]RANGE[{since},MAX]" if since else None
    client = client or RegistryClient(api_base, rate=rate)
    with tempfile.TemporaryDirectory() as tmp:
        target = out_dir or Path(tmp)
        try:
            written, dates, failed = _download(client, target, query=query, advanced=advanced)
        except TrialFhirError as e:
            print(f"sync: stopped: {e}", file=sys.stderr)
            return EXIT_RECORD_FAILED
        print(f"sync: {len(written)} studies updated since {since or 'ever'}", file=sys.stderr)
        code = push(written, to, **{"changed_only": True, **push_options}) if written else EXIT_OK
    if code == EXIT_OK and not failed:
        newest = max([since or "", *dates]) or None
        write_json_atomic(state_file, {"query": query, "last_update": newest})
        return EXIT_OK
    return EXIT_RECORD_FAILED
