"""Send a batch of studies in the server's best mode: one transaction (bisected when it fails), batch Bundles or
single PUTs in dependency waves; returns each resource's result."""
from __future__ import annotations

import math
from urllib.parse import parse_qsl

from .batches import Study, Write, batch_bundle, body_for, key_of, transaction_bundle, waves
from .client import FhirClient
from .errors import MalformedResponse
from .outcome import EntryResult, bundle_results, http_reason, response_result

# the server does not do this kind of request at all: fall back to the next mode instead of bisecting
_UNSUPPORTED = (405, 501)
_FALLBACK = {"transaction": "batch", "batch": "single"}


class Writer:
    """Writes batches into one server; remembers the largest transaction the server has taken when it had to
    split one (Medplum, for one, caps the updates in a transaction)."""

    def __init__(self, client: FhirClient, mode: str, ids: str, dry_run: bool = False, isolate: str = "batch"):
        self.client, self.mode, self.ids, self.dry_run = client, mode, ids, dry_run
        # how a study whose transaction fails on its own is resent, resource by resource
        self.isolate = isolate
        self.max_entries: int = math.inf
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
        if len(writes) > self.max_entries:
            return self._halves(studies, writes, known) if len(studies) > 1 else self._isolated(writes, known)
        bundle = transaction_bundle(writes, self.ids, self.client.base, known)
        response = self.client.request("POST", "", body=bundle)
        keys = [w.key for w in writes]
        if response.status_code < 300:
            try:
                return bundle_results(keys, response.json(), "transaction-response")
            except (ValueError, MalformedResponse) as e:
                return [EntryResult(k, "failed", response.status_code, None,
                                    f"unreadable answer to the transaction: {e}") for k in keys]
        if response.status_code in _UNSUPPORTED:
            raise _Unsupported(http_reason(response))
        if len(studies) > 1:
            results = self._halves(studies, writes, known)
            if not any(r.outcome == "failed" for r in results):
                # every study landed once split: the server limits the size of a transaction
                half = max(len(self._share(studies[:len(studies) // 2], writes)),
                           len(self._share(studies[len(studies) // 2:], writes)))
                self.max_entries = min(self.max_entries, half)
            return results
        return self._isolated(writes, known)

    def _isolated(self, writes: list[Write], known: dict[str, str]) -> list[EntryResult]:
        """One study the server will not take as a transaction (a bad resource, or more entries than it allows
        in one): resent resource by resource, so what is fine lands and what is not gets its own diagnostics."""
        return self._waves(writes, known, self.isolate)

    @staticmethod
    def _share(studies: list[Study], writes: list[Write]) -> list[Write]:
        keys = {key_of(r) for s in studies for r in s.resources}
        return [w for w in writes if w.key in keys]

    def _halves(self, studies, writes, known) -> list[EntryResult]:
        mid = len(studies) // 2
        first, second = studies[:mid], studies[mid:]
        done = {r.key: r for r in self._transaction(first, self._share(first, writes), known)}
        # a party both halves share went with the first half: the second refers to it by its server id
        later = dict(known, **{k: r.location for k, r in done.items() if r.location and r.outcome != "failed"})
        rest = [w for w in self._share(second, writes) if w.key not in done or done[w.key].outcome == "failed"]
        for r in self._transaction(second, rest, later) if rest else []:
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
        if len(writes) > self.max_entries:
            mid = len(writes) // 2
            return self._batch(writes[:mid], known) + self._batch(writes[mid:], known)
        response = self.client.request("POST", "", body=batch_bundle(writes, known))
        keys = [w.key for w in writes]
        if response.status_code < 300:
            try:
                return bundle_results(keys, response.json(), "batch-response")
            except (ValueError, MalformedResponse) as e:
                return [EntryResult(k, "failed", response.status_code, None, f"unreadable answer to the batch: {e}")
                        for k in keys]
        if response.status_code in _UNSUPPORTED:
            raise _Unsupported(http_reason(response))
        if len(writes) > 1:
            mid = len(writes) // 2
            return self._batch(writes[:mid], known) + self._batch(writes[mid:], known)
        return [EntryResult(keys[0], "failed", response.status_code, None, http_reason(response))]

    def _single(self, write: Write, known: dict[str, str]) -> EntryResult:
        path, _, query = write.url.partition("?")
        response = self.client.request("PUT", path, params=parse_qsl(query) or None, body=body_for(write, known))
        return response_result(write.key, response)


class _Unsupported(Exception):
    """The server answered 405/501 to a kind of request."""
