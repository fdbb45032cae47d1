"""Conditions, findings, procedures and drugs named in a criterion, with negation and time window."""
from __future__ import annotations

from . import lexicon, negation
from .context import Context
from .thresholds import shown_name
from .model import Fact


def read(ctx: Context) -> list[Fact]:
    facts, seen = [], set()
    for m in ctx.clinical:
        c = m.concept
        neg = negation.negated(ctx.low, m.start, m.end)
        key = (c.id, neg)
        if key in seen:
            continue
        seen.add(key)
        shown = shown_name(c, m.text)
        conf = 0.75 if c.codings else 0.6
        facts.append(Fact(c.kind, shown, ctx.criterion.text, lexicon.codings_for(c, None, ctx.low),
                          time_window=ctx.window_for(m.start), negated=neg, confidence=conf))
    return facts
