"""Send a batch of studies in the server's best mode: one transaction (bisected when it fails), batch Bundles or
single PUTs in dependency waves; returns each resource's result."""
from __future__ import annotations

from urllib.parse import parse_qsl

from .batches import Study, Write, batch_bundle, key_of, transaction_bundle, waves
from .client import FhirClient
from .errors import MalformedResponse
from .limits import SizeLimit
from .outcome import EntryResult, bundle_results, http_reason, response_result

# the server does not do this kind of request at all: fall back to the next mode instead of bisecting
_UNSUPPORTED = (405, 501)
_FALLBACK = {"transaction": "batch", "batch": "single"}
# the whole request was refused as unacceptable: when its entries then land in smaller ones, it was too big
_TOO_BIG = (400, 413, 422)


class Writer:
    """Writes batches into one server; learns the largest Bundle the server takes when it has to split one
    (Medplum, for one, caps the updates in a transaction) and packs later batches to fit."""

    def __init__(self, client: FhirClient, mode: str, ids: str, dry_run: bool = False, isolate: str = "batch"):
        self.client, self.mode, self.ids, self.dry_run = client, mode, ids, dry_run
        # how a study whose transaction fails on its own is resent, resource by resource
        self.isolate = isolate
        self.limits = {"transaction": SizeLimit(), "batch": SizeLimit()}
        self.notes: list[str] = []

    def write(self, studies: list[Study], writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        """``writes`` are the studies' resources still to send; ``known`` maps our keys of resources already on
        the server to the server's own ``Type/id``."""
        if not writes:
            return []
        if self.dry_run:
            return [EntryResult(w.key, "planned") for w in writes]
        if self.mode == "transaction":
            try:
                return self._transaction(studies, writes, known)
            except _Unsupported as e:
                self._fall_back("transaction", e)
        return self._waves(writes, known, self.mode)

    def _fall_back(self, mode: str, e: "_Unsupported"):
        self.notes.append(f"the server refused a {mode} ({e}); sending {_FALLBACK[mode]} requests instead")
        if self.mode == mode:
            self.mode = _FALLBACK[mode]
        if self.isolate == mode:
            self.isolate = _FALLBACK[mode]

    # ---- transactions: all or nothing per request, so a failure is narrowed down by bisecting the studies

    def _transaction(self, studies: list[Study], writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        if not writes:
            return []
        limit = self.limits["transaction"]
        if len(writes) > limit.target():
            if len(studies) > 1:
                return self._in_turn(_packed(studies, writes, limit.target()), writes, known)
            if limit.too_big(len(writes)):
                return self._isolated(writes, known)
        bundle = transaction_bundle(writes, self.ids, self.client.base, known)
        response = self.client.request("POST", "", body=bundle)
        keys = [w.key for w in writes]
        if response.status_code < 300:
            limit.took(len(writes))
            try:
                return bundle_results(keys, response.json(), "transaction-response")
            except (ValueError, MalformedResponse) as e:
                return [EntryResult(k, "failed", response.status_code, None,
                                    f"unreadable answer to the transaction: {e}") for k in keys]
        if response.status_code in _UNSUPPORTED:
            raise _Unsupported(http_reason(response))
        if len(studies) > 1:
            mid = len(studies) // 2
            results = self._in_turn([studies[:mid], studies[mid:]], writes, known)
        else:
            results = self._isolated(writes, known)
        if response.status_code in _TOO_BIG and not any(r.outcome == "failed" for r in results):
            # every entry landed once split: the server limits the size of a transaction
            limit.refused_whole(len(writes))
        return results

    def _isolated(self, writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        """One study the server will not take as a transaction (a bad resource, or more entries than it allows
        in one): resent resource by resource, so what is fine lands and what is not gets its own diagnostics."""
        return self._waves(writes, known, self.isolate)

    def _in_turn(self, parts: list[list[Study]], writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        """Transactions of each part of the studies in turn; a party several parts share goes with the first
        that has it (again with the next if it failed there), later parts refer to it by its server id."""
        done: dict[str, EntryResult] = {}
        for part in parts:
            later = dict(known, **{k: r.location for k, r in done.items()
                                   if r.location and r.location != k and r.outcome != "failed"})
            todo = [w for w in _share(part, writes) if w.key not in done or done[w.key].outcome == "failed"]
            for r in self._transaction(part, todo, later):
                done[r.key] = r
        return list(done.values())

    # ---- batch and single requests: entries stand alone, so send what others reference first

    def _waves(self, writes: list[Write], known: dict[str, str], mode: str) -> list[EntryResult]:
        known = dict(known)
        failed: set[str] = set()
        results: list[EntryResult] = []
        for wave in waves(writes):
            ready = []
            for w in wave:
                blocker = next((r for r in sorted(w.refs) if r in failed), None)
                if blocker:
                    failed.add(w.key)
                    results.append(EntryResult(w.key, "failed", None, None,
                                               f"not sent: it references {blocker}, which failed"))
                else:
                    ready.append(w)
            for r in self._send_wave(ready, known, mode):
                if r.outcome == "failed":
                    failed.add(r.key)
                elif r.location:
                    known[r.key] = r.location
                results.append(r)
        return results

    def _send_wave(self, writes: list[Write], known: dict[str, str], mode: str) -> list[EntryResult]:
        if mode == "batch":
            try:
                return self._batch(writes, known)
            except _Unsupported as e:
                self._fall_back("batch", e)
        return [self._single(w, known) for w in writes]

    def _batch(self, writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        if not writes:
            return []
        limit = self.limits["batch"]
        if len(writes) > limit.target():
            mid = len(writes) // 2
            return self._batch(writes[:mid], known) + self._batch(writes[mid:], known)
        response = self.client.request("POST", "", body=batch_bundle(writes, known))
        keys = [w.key for w in writes]
        if response.status_code < 300:
            limit.took(len(writes))
            try:
                return bundle_results(keys, response.json(), "batch-response")
            except (ValueError, MalformedResponse) as e:
                return [EntryResult(k, "failed", response.status_code, None, f"unreadable answer to the batch: {e}")
                        for k in keys]
        if response.status_code in _UNSUPPORTED:
            raise _Unsupported(http_reason(response))
        if len(writes) > 1:
            mid = len(writes) // 2
            results = self._batch(writes[:mid], known) + self._batch(writes[mid:], known)
            if response.status_code in _TOO_BIG and not any(r.outcome == "failed" for r in results):
                limit.refused_whole(len(writes))
            return results
        return [EntryResult(keys[0], "failed", response.status_code, None, http_reason(response))]

    def _single(self, write: Write, known: dict[str, str]) -> EntryResult:
        path, _, query = write.url.partition("?")
        response = self.client.request("PUT", path, params=parse_qsl(query) or None, body=write.body(known))
        return response_result(write.key, response)


class _Unsupported(Exception):
    """The server answered 405/501 to a kind of request."""


def _share(studies: list[Study], writes: list[Write]) -> list[Write]:
    keys = {key_of(r) for s in studies for r in s.resources}
    return [w for w in writes if w.key in keys]


def _packed(studies: list[Study], writes: list[Write], target: float) -> list[list[Study]]:
    """Studies in order, in parts of at most ``target`` writes each where a study fits (a party shared by
    several studies counts with the first); always at least two parts."""
    wanted = {w.key for w in writes}
    parts: list[list[Study]] = []
    size = 0
    for study in studies:
        mine = {k for k in (key_of(r) for r in study.resources) if k in wanted}
        wanted -= mine
        if parts and size + len(mine) <= target:
            parts[-1].append(study)
            size += len(mine)
        else:
            parts.append([study])
            size = len(mine)
    if len(parts) < 2:
        mid = len(studies) // 2
        parts = [studies[:mid], studies[mid:]]
    return parts
