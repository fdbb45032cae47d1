"""What the command line calls to open the store and load resources into it."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Iterable

from adapter.store.engine import make_engine
from adapter.store.searchparams import load_registry
from adapter.store.store import Store

# resources per transaction: a killed load loses at most one batch, and a rerun skips what is stored
BATCH = 200


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def open_store(db_url: str | None, fhir_version: str = "4.0.1") -> Store:
    """The store at a URL or SQLite file path; None opens the embedded default ($TRIALFHIR_DB or ./trialfhir.sqlite).
    ``fhir_version`` chooses the official search parameters its indexes follow."""
    return Store(make_engine(db_url), load_registry(version=fhir_version))


def load(store: Store, resources: Iterable[dict]) -> LoadSummary:
    """Upsert every resource, in transactional batches; unchanged resources get no new version."""
    summary = LoadSummary()
    iterator = iter(resources)
    while batch := list(islice(iterator, BATCH)):
        for result in store.upsert_many(batch):
            setattr(summary, result.outcome, getattr(summary, result.outcome) + 1)
    return summary
