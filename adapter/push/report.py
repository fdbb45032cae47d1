"""The end-of-run report of a push: resources created / updated / unchanged / failed, and why each failure."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..errors import RecordError
from .batches import Study, key_of
from .outcome import EntryResult

# failures listed one by one; the rest are counted
_LIST_AT_MOST = 200


@dataclass
class Report:
    dry_run: bool = False
    resources: Counter = field(default_factory=Counter)
    studies: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed_total: int = 0
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed_total and self.stopped is None

    def _fail(self, line: str):
        self.failed_total += 1
        if len(self.failures) < _LIST_AT_MOST:
            self.failures.append(line)

    def record_error(self, error: RecordError):
        self.studies["unreadable"] += 1
        self._fail(f"not converted: {error}")

    def resumed(self):
        self.studies["already pushed (state file)"] += 1

    def study(self, study: Study, results: dict[str, EntryResult]) -> bool:
        """Count one study's results; True when all its resources landed."""
        mine = [results[k] for k in dict.fromkeys(key_of(r) for r in study.resources) if k in results]
        failed = [r for r in mine if r.outcome == "failed"]
        self.studies["failed" if failed else ("planned" if self.dry_run else "pushed")] += 1
        for r in failed:
            self._fail(f"failed: {study.key}{f' ({study.source})' if study.source else ''}: {r.key}: {r.reason}")
        return not failed

    def count(self, results: list[EntryResult]):
        self.resources.update(r.outcome for r in results)

    def lines(self) -> list[str]:
        kinds = ("planned", "unchanged") if self.dry_run else ("created", "updated", "unchanged", "failed")
        res = ", ".join(f"{self.resources[k]} {k}" for k in kinds)
        out = [*self.notes, *self.failures]
        if self.failed_total > len(self.failures):
            out.append(f"... and {self.failed_total - len(self.failures)} more failures")
        if self.stopped:
            out.append(f"stopped: {self.stopped}")
        studies = ", ".join(f"{n} {k}" for k, n in self.studies.items())
        out.append(f"push{' (dry run)' if self.dry_run else ''}: studies: {studies or 'none'}; "
                   f"resources: {res}")
        return out
