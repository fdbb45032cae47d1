"""Code tables from mappings/: look up the FHIR code and display for a TrialRecord value."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@cache
def table(file: str, name: str) -> dict:
    """Table ``name`` of a mappings file; one that ``extends`` another file's table of that name adds its own
    keys (a version's system URI, say) over that table's rows, so the rows are written once."""
    own = json.loads((MAPPINGS / file).read_text(encoding="utf-8"))[name]
    base = own.get("extends")
    if base is None:
        return own
    return {**table(base, name), **{k: v for k, v in own.items() if k != "extends"}}


@cache
def system_uri(short: str) -> str:
    return json.loads((MAPPINGS / "code_systems.json").read_text(encoding="utf-8"))[short]


def coding(file: str, name: str, value: str | None) -> dict | None:
    """A Coding for ``value`` through table ``name`` (system, code, display); None when it has no row."""
    if value is None:
        return None
    t = table(file, name)
    code = t["map"].get(value)
    if code is None:
        return None
    out = {"system": t["system"], "code": code}
    display = t.get("display", {}).get(code)
    if display:
        out["display"] = display
    return out


def ctgov_display(name: str, value: str | None) -> str | None:
    """Human wording for a v2 enum value (the value itself when the table has no row)."""
    if value is None:
        return None
    return table("ctgov_display.json", name).get(value, value.replace("_", " ").title())
