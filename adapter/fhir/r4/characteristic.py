"""R4 Group.characteristic JSON for parsed eligibility criteria: one per fact, or one text-only per criterion."""
from __future__ import annotations

from ...eligibility.model import EXCLUSION, Criterion, Fact
from ..urls import EXT_CRITERION_ID, EXT_CRITERION_TEXT, EXT_PARSE_CONFIDENCE, EXT_TIME_WINDOW

UCUM = "http://unitsofmeasure.org"
_UNIT_SHOWN = {"{ULN}": "x ULN", "a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours"}
# a side assumed for want of a section header is less sure than one a header gave
_ASSUMED_SIDE = 0.8


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _quantity(value: float, fact: Fact, unit: str | None = None, unit_text: str | None = None) -> dict:
    unit = unit if unit is not None else fact.unit
    unit_text = unit_text if unit_text is not None else fact.unit_text
    q = {"value": _num(value)}
    if unit:
        q.update(unit=_UNIT_SHOWN.get(unit, unit_text or unit), system=UCUM, code=unit)
    return q


def _code(fact: Fact) -> dict:
    code = {}
    if fact.codings:
        code["coding"] = [{k: v for k, v in (("system", c.system), ("code", c.code), ("display", c.display)) if v}
                          for c in fact.codings]
    code["text"] = fact.concept
    return code


def _value(fact: Fact) -> dict:
    op = fact.comparator
    if op == "range":
        return {"valueRange": {"low": _quantity(fact.low, fact), "high": _quantity(fact.high, fact)}}
    if op == "unknown":
        # the number is kept, but a Quantity without comparator would claim "equals": say it in words
        number = _num(fact.value) if fact.value is not None else f"{_num(fact.low)}-{_num(fact.high)}"
        shown = f"{number} {_UNIT_SHOWN.get(fact.unit, fact.unit_text or fact.unit or '')}".strip()
        return {"valueCodeableConcept": {"text": f"{shown} (comparator lost in the source text)"}}
    if op in ("<", "<=", ">", ">="):
        if fact.kind == "age" and op in (">=", "<="):
            return {"valueRange": {("low" if op == ">=" else "high"): _quantity(fact.value, fact)}}
        return {"valueQuantity": {**_quantity(fact.value, fact), "comparator": op}}
    if fact.value_code is not None:
        c = fact.value_code
        return {"valueCodeableConcept": {"coding": [{"system": c.system, "code": c.code, "display": c.display}],
                                         "text": c.display}}
    return {"valueBoolean": True}


def _extensions(criterion: Criterion, confidence: float, fact: Fact | None = None) -> list[dict]:
    if criterion.side_assumed:
        confidence *= _ASSUMED_SIDE
    ext = [{"url": EXT_CRITERION_TEXT, "valueString": criterion.text},
           {"url": EXT_CRITERION_ID, "valueString": criterion.id},
           {"url": EXT_PARSE_CONFIDENCE, "valueDecimal": round(confidence, 2)}]
    if fact is not None and fact.time_window is not None:
        w = fact.time_window
        ext.append({"url": EXT_TIME_WINDOW, "valueDuration": {"value": _num(w.value), "unit": _UNIT_SHOWN.get(w.unit, w.unit),
                                                                "system": UCUM, "code": w.unit}})
    return ext


def text_only(criterion: Criterion) -> dict:
    """A criterion with nothing computable: its text as the concept, true, excluded by side."""
    return {"id": criterion.id, "extension": _extensions(criterion, 0.0),
            "code": {"text": criterion.text}, "valueBoolean": True, "exclude": criterion.side == EXCLUSION}


def from_fact(criterion: Criterion, fact: Fact, index: int) -> dict:
    return {"id": f"{criterion.id}-f{index}", "extension": _extensions(criterion, fact.confidence, fact),
            "code": _code(fact), **_value(fact), "exclude": (criterion.side == EXCLUSION) != fact.negated}


def characteristics(criteria: list[Criterion]) -> list[dict]:
    """R4 Group.characteristic dicts, in criterion order; every criterion appears at least once."""
    out = []
    for c in criteria:
        if not c.facts:
            out.append(text_only(c))
        out += [from_fact(c, f, k) for k, f in enumerate(c.facts, 1)]
    return out
