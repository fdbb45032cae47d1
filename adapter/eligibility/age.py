"""Age limits: "18-70 years old", "≥ 18 years", "aged 18 to 65", "18 years and older", months and weeks for children."""
from __future__ import annotations

import re

from .context import Context
from .model import Coding, Fact
from .values import Value

AGE = (Coding("http://snomed.info/sct", "424144002", "Current chronological age"),)
# "age", "aged", "age group", but not "gestational age" or "bone age". The "a" is matched first, so a search skips
# to one; the checks of the words before it then include that "a".
_NOT_AN_AGE = ("gestational", "gestation", "bone", "mental", "childbearing", "child-bearing", "child bearing",
               "reproductive", "corrected", "postnatal", "post-menstrual", "postmenstrual", "menstrual", "skeletal",
               "of")
_CUE = re.compile("a" + "".join(f"(?<!{w} a)" for w in _NOT_AN_AGE) + r"(?<!\wa)(?:ge[sd]?|ged|ge\s+group)\b")
_OF_AGE = re.compile(r"^\s*(?:-\s*)?(?:\)\s*)?(?:of\s+age\b|y/?o\b)")
_THING_GAP = re.compile(r"\s*(?:(?:is|are|was|were|be|been|that|which|not)\s+)*")
_OLD = re.compile(r"^\s*(?:-\s*)?(?:\)\s*)?old\b")
_OLDER = re.compile(r"\b(?:older|younger)\b|\bold\b")
# words after a bare duration that make it the length of something else: "< 6 weeks postpartum"
_NOT_AGE = re.compile(r"^\s*(?:postpartum|post-partum|duration|must|have|has|had|since|after|ago|post|prior|before|"
                      r"following|from|history|of\s+(?!age\b))")
_SUBJECT = re.compile(
    r"^[\W\d]*(?:(?:male|female|males|females|men|women|boys|girls|healthy|adult|adults|patients?|subjects?|"
    r"participants?|volunteers?|individuals?|persons?|people|children|child|adolescents?|infants?|neonates?|"
    r"newborns?|pediatric|paediatric|and|or|&|who|are|is|be|must|between|from|either|sex|gender|both|"
    r"outpatients?|inpatients?|aged?|ages|with|man|woman|the|a|any|all|of)\b[\W]*)*$")
_LIMITS = {"a": 125, "mo": 300, "wk": 200, "d": 400, "h": 200}


def _cue_before(ctx: Context, v: Value, clause: str) -> int:
    """End of the last age cue in the clause up to the value (-1 when none)."""
    last = -1
    for m in _CUE.finditer(clause):
        last = m.end()
    return last


def read(ctx: Context, v: Value) -> list[Fact]:
    """The age fact(s) a value states, or [] when the value is not an age."""
    if v.unit_kind not in ("time", None) or v.op is None or v.unit == "min":
        return []
    start = v.op_start if v.op_start >= 0 else v.start
    cstart = ctx.clause_start(start)
    cue = _cue_before(ctx, v, ctx.low[cstart:v.start])
    nearer = [m for m in ctx.measurable if m.end <= start and m.start >= cstart and m.end >= cstart + cue]
    if nearer and cue >= 0:
        return []
    # whether the words say it is an age: a cue before it does; without one, only the words around it can
    said = cue >= 0
    if not said:
        rest = ctx.low[v.end:v.end + 40]
        person = not nearer and bool(_SUBJECT.match(ctx.low[cstart:start]))
        # "older than" and "old" say age, but not of a thing named just before: "ulcers older than 1 year"
        said = bool(_OF_AGE.match(rest)) or bool(_OLD.match(rest) or _OLDER.search(ctx.low[start:v.end])) and (
            person or not any(cstart <= m.start <= m.end <= start and _THING_GAP.fullmatch(ctx.low, m.end, start)
                              for m in ctx.clinical))
        # a bare duration after a subject is an age only when nothing follows it: not "< 6 weeks postpartum"
        if not said and not (person and v.unit_kind == "time" and not _NOT_AGE.match(rest)):
            return []
        if (v.unit_kind is None or v.unit == "h") and not said:
            return []
    if v.unit == "wk" and ("pregnan" in ctx.low or "gestation" in ctx.low):
        return []
    unit = v.unit or "a"
    if any(b is not None and not (0 <= b <= _LIMITS.get(unit, 125)) for b in v.bounds):
        return []
    ctx.consumed.add(v.start)
    text = ctx.criterion.text
    conf = 0.95 if said else 0.8
    if v.op == "unknown":
        return [Fact("age", "Age", text, AGE, "unknown", v.value, unit=unit, unit_text=v.unit_text or "years",
                     confidence=0.2)]
    if v.op == "range" and v.high_unit and v.high_unit != unit:
        return [Fact("age", "Age", text, AGE, ">=", v.low, unit=unit, unit_text=v.unit_text, confidence=conf),
                Fact("age", "Age", text, AGE, "<=", v.high, unit=v.high_unit, unit_text=v.high_unit_text,
                     confidence=conf)]
    return [Fact("age", "Age", text, AGE, v.op, v.value, v.low, v.high, unit, v.unit_text or "years",
                 confidence=conf)]
