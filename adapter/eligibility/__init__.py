"""Eligibility engine: criteria text in, sided criteria with computable facts out (no reader, no FHIR)."""
from __future__ import annotations

from . import concepts, demographics, scores, thresholds
from .context import Context
from .model import EXCLUSION, INCLUSION, Coding, Criterion, Duration, Fact
from .split import split
from .text import for_matching

__all__ = ["parse_criteria", "Criterion", "Fact", "Coding", "Duration", "INCLUSION", "EXCLUSION"]


def read_facts(criterion: Criterion) -> list[Fact]:
    """Every fact of one criterion: scores first (they claim their numbers), then values, then concepts."""
    ctx = Context(criterion, for_matching(criterion.text))
    return scores.read(ctx) + thresholds.read(ctx) + demographics.read(ctx) + concepts.read(ctx)


def parse_criteria(text: str) -> list[Criterion]:
    """Split criteria text and read the facts of each criterion."""
    criteria = split(text)
    for c in criteria:
        c.facts = read_facts(c)
    return criteria
