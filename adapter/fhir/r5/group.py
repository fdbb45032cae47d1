"""The R5 eligibility Group: the R4 Group's characteristics unchanged, ``membership`` in place of ``actual``."""
from __future__ import annotations

from ...record import TrialRecord
from ..r4.group import group as r4_group


def group(record: TrialRecord) -> dict:
    # R5 Group.characteristic keeps R4's code, value[x] and exclude; its only addition is an absolute
    # ``period``, so relative time windows stay in our relative-time-window extension
    out: dict = {}
    for key, value in r4_group(record).items():
        if key == "actual":
            out["membership"] = "enumerated" if value else "definitional"
        else:
            out[key] = value
    return out
