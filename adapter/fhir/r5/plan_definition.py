"""The R5 protocol PlanDefinition: the R4 one with each action's ``code`` a single concept, as R5 has it."""
from __future__ import annotations

from ...record import TrialRecord
from ..r4.plan_definition import plan_definition as r4_plan_definition


def _action(action: dict) -> dict:
    out = dict(action)
    if "code" in out:
        # R4 actions carry one code each (arm type, intervention type, outcome kind); R5 allows one
        [out["code"]] = out["code"]
    if "action" in out:
        out["action"] = [_action(a) for a in out["action"]]
    return out


def plan_definition(record: TrialRecord) -> dict:
    res = r4_plan_definition(record)
    if "action" in res:
        res["action"] = [_action(a) for a in res["action"]]
    return res
