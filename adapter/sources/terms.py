"""Translate registry wording ("Phase 1/Phase 2", "Active, not recruiting") to the v2 enums TrialRecord holds."""
from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _tables() -> dict[str, dict[str, str]]:
    raw = json.loads((MAPPINGS / "registry_terms.json").read_text(encoding="utf-8"))
    tables = {}
    for category, table in raw.items():
        if not isinstance(table, dict):
            continue
        lookup = {_key(k): v for k, v in table.items()}
        lookup.update({_key(v): v for v in table.values()})      # the enum itself is always accepted
        tables[category] = lookup
    return tables


# registry wording is drawn from short lists ("Recruiting", "Phase 2"), repeated in study after study
@lru_cache(maxsize=4096)
def to_enum(category: str, text: str | None) -> str | None:
    """The v2 enum for ``text`` in ``category``; None when the text is empty or not a known term."""
    if not text or not text.strip():
        return None
    return _tables()[category].get(_key(text))


def phases(text: str | None) -> list[str]:
    """Phases from "Phase 1/Phase 2", "PHASE1/PHASE2", "Phase 2 | Phase 3": one enum per phase."""
    if not text:
        return []
    whole = to_enum("phase", text)
    if whole:
        return [whole]
    out = []
    for part in re.split(r"\s*[/|,&]\s*|\s+and\s+", text.strip()):
        enum = to_enum("phase", part)
        if enum and enum not in out:
            out.append(enum)
    return out
