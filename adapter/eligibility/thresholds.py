"""Lab, vital, score and other measured thresholds: "platelets < 50,000/mm3", "AST/ALT > 5 x ULN", "BMI 18.5-25"."""
from __future__ import annotations

import re

from . import age, lexicon, windows
from .context import Context
from .lexicon import Mention
from .model import Fact
from .values import Value

# words that join the names of one list of concepts: "AST, ALT", "AST and/or ALT", "SGOT/SGPT"
_LIST_GAP = re.compile(r"^(?:\s*(?:,|/|and/or|and|or|&)\s*)+$")
# what may stand between a concept's name and its value: "platelet count of", "Hb:", "BMI is"
_NAME_GAP = 70
_INHERIT_GAP = re.compile(r"^[\s(),]*(?:\w{1,3}\)\s*)?(?:,|;|or|and|but|and/or)?\s*(?:\w+\s+)?$")
_TIME_KINDS = ("measure",)
# words that make a bare number a score: "Beighton score >= 4", "Injury Severity Score > 16"
_SCALE = re.compile(r"\b(?:score|scores|scale|index|questionnaire|inventory|rating|test|assessment|classification)\b")


def _concepts_before(ctx: Context, v: Value, floor: int) -> list[Mention]:
    start = v.op_start if v.op_start >= 0 else v.start
    cands = [m for m in ctx.measurable if floor <= m.start and m.end <= start and start - m.end <= _NAME_GAP]
    if not cands:
        return []
    chosen = [cands[-1]]
    for m in reversed(cands[:-1]):
        if _LIST_GAP.match(ctx.low[m.end:chosen[-1].start]) and m.concept.id != chosen[-1].concept.id:
            chosen.append(m)
        else:
            break
    return list(reversed(chosen))


_FORWARD_GAP = re.compile(r"^\s*(?:of\s+|'s\s+)?$")


def _concept_after(ctx: Context, v: Value) -> list[Mention]:
    """A name right after the value, or sharing words with its unit: "≥ 90 mmHg diastolic", "< 27 weeks gestation"."""
    for m in ctx.measurable:
        if m.start > v.start:
            if m.start < v.end:
                return [m]
            return [m] if m.start - v.end <= 12 and _FORWARD_GAP.match(ctx.low[v.end:m.start]) else []
    return []


_SPAN_BEFORE = re.compile(r"\b(?:on|using|with|in)\s+(?:a|an|the)\s*(?:\(\s*)?$")
_SPAN_AFTER = re.compile(r"\s*(?:-?\s*points?\s+)?(?:[a-z\-]+\s+){0,3}?(?:scale|vas|nrs)\b")


def _scale_span(low: str, v: Value) -> bool:
    """The span of a scale, not a threshold on it: "on a 0-10 VAS scale", "using a 1-5 point scale"."""
    return (v.op == "range" and v.low in (0, 1) and bool(_SPAN_BEFORE.search(low, 0, v.start))
            and bool(_SPAN_AFTER.match(low, v.end)))


def _measures_time(ctx: Context, v: Value) -> bool:
    """A duration that is itself the measure ("life expectancy of less than 3 months from ...") is not a window."""
    floor = ctx.clause_start(v.start)
    named = _concepts_before(ctx, v, floor) or _concept_after(ctx, v)
    return v.op is not None and any(m.concept.kind in _TIME_KINDS for m in named)


def _fits(concept: lexicon.Concept, v: Value) -> bool:
    """Whether a value can measure the concept: durations only for durations, ULN multiples only for labs."""
    if v.unit_kind == "time":
        return concept.kind in _TIME_KINDS
    if v.unit_kind == "uln":
        return concept.kind == "lab"
    if concept.kind == "score":
        return v.unit in (None, "{score}", "%")
    return True


def shown_name(concept: lexicon.Concept, written: str) -> str:
    """The concept's name, with the criterion's own wording after it when that differs ("Platelets (PLT)")."""
    return concept.name if concept.name.lower() in written else f"{concept.name} ({written})"


def _fact(ctx: Context, m: Mention, v: Value, value: float | None = None, concept=None, conf=0.9) -> Fact:
    concept = concept or m.concept
    shown = shown_name(concept, m.text)
    if v.unit is None and concept.kind in ("lab", "vital"):
        conf -= 0.1
    if m.value_only:
        conf -= 0.05
    op = v.op
    return Fact(concept.kind, shown, ctx.criterion.text, lexicon.codings_for(concept, v.unit, ctx.low), op,
                value if value is not None else v.value, v.low, v.high, v.unit, v.unit_text,
                confidence=0.2 if op == "unknown" else round(conf, 2))


def _generic(ctx: Context, v: Value, floor: int) -> Fact | None:
    """A threshold on a measure the lexicon does not know: kept uncoded, named by the words before it."""
    if v.op in (None, "unknown") or v.second is not None or v.unit in _DOSE_UNITS:
        return None
    short_time = v.unit in ("h", "min", "s") and not windows.is_window(ctx.low, v)
    if v.unit_kind not in ("measure", "uln", "score") and not short_time and not (
            v.unit_kind is None and _SCALE.search(ctx.low[max(floor, v.start - 60):v.start])):
        return None
    name = generic_name(ctx, v, floor)
    if not name:
        return None
    return Fact("measure", name, ctx.criterion.text, (), v.op, v.value, v.low, v.high, v.unit, v.unit_text,
                confidence=0.5)


def read(ctx: Context) -> list[Fact]:
    facts: list[Fact] = []
    prev: tuple[Value, list[Mention]] | None = None
    for v in ctx.values:
        if v.start in ctx.consumed or v.op is None:
            continue
        if windows.is_window(ctx.low, v) and not _measures_time(ctx, v) or _scale_span(ctx.low, v):
            continue
        got = age.read(ctx, v)
        if got:
            facts += got
            prev = (v, [])
            continue
        floor = ctx.clause_start(v.start)
        if prev is not None:
            # a name written after the previous value ("≥ 140 mmHg systolic") was that value's, not this one's
            floor = max([floor, prev[0].end] + [m.end for m in prev[1] if m.start > prev[0].start])
        named = _concepts_before(ctx, v, floor)
        gap_end = v.op_start if v.op_start >= 0 else v.start
        if not named:
            named = _concept_after(ctx, v)
        if not named and prev is not None and prev[1] and _INHERIT_GAP.match(ctx.low[prev[0].end:gap_end]):
            named = prev[1]
        named = [m for m in named if _fits(m.concept, v)]
        if not named:
            fact = _generic(ctx, v, floor)
            if fact:
                facts.append(fact)
                ctx.consumed.add(v.start)
            prev = (v, [])
            continue
        ctx.consumed.add(v.start)
        for m in named:
            pair = m.concept.pair
            if pair and v.second is not None:
                table = lexicon.concepts()
                facts.append(_fact(ctx, m, v, concept=table[pair[0]]))
                facts.append(_fact(ctx, m, v, value=v.second, concept=table[pair[1]]))
            elif v.second is None:
                facts.append(_fact(ctx, m, v))
        prev = (v, named)
    return facts


_STOP = frozenset("""with of a an the and or is are be been must have has had who were was at in on for to by any than
men women male female males females adults adult children between there here provide""".split()) | frozenset("""
that which this these those patients patient subjects subject participants participant individuals person persons
level levels value values result results their his her its as if when while should will would can may not no
defined define as from more less greater higher lower above below over under at least most equal up known
screening baseline visit study during time mean average serum plasma blood total""".split())
# words that cannot end the name of a measure: "presence of > 50% stenosis", "showing < 15% rise", "but > 4 cm"
_NOT_HEAD = frozenset("""presence absence but unless despite showing having require requires required requiring reach
experienced including included encompass varies vary last lasting spends might anticipate expected positioned
presenting exhibiting able small large low high brief patent apart equivalent within per times approximately about
nearly almost respectively""".split())
# names too vague to stand for a measure on their own
_VAGUE = frozenset("score scores scale index stage grade class dose doses iv total number change loss".split())
# dose units: a threshold on a dose is about treatment, not about the patient
_DOSE_UNITS = frozenset(("mg", "g", "ug", "mg/kg", "mg/kg/d", "mg/d", "mg/m2", "[IU]"))
_WORD = re.compile(r"[a-z][a-z0-9\-']*[a-z0-9]|[a-z]")


def generic_name(ctx: Context, v: Value, floor: int) -> str | None:
    """The words naming an unknown measure right before its comparator: "Cotinine < 100 ng/ml" -> "cotinine"."""
    start = v.op_start if v.op_start >= 0 else v.start
    left = ctx.low[max(floor, start - 50):start]
    left = re.split(r"[;:,\[]|\.\s", left)[-1]
    words = _WORD.findall(left)
    content = []
    for w in reversed(words):
        if w in _STOP:
            if content:
                break
            continue
        content.append(w)
        if len(content) == 3:
            break
    name = " ".join(reversed(content))
    if len(name) < 3 or all(w in _VAGUE for w in content) or content[0] in _NOT_HEAD or content[0].endswith("ly"):
        return None
    return name
