"""Criterion and Fact: what the eligibility engine reads out of criteria text, free of any FHIR shape."""
from __future__ import annotations

from dataclasses import dataclass, field

INCLUSION = "inclusion"
EXCLUSION = "exclusion"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str | None = None


@dataclass(frozen=True)
class Duration:
    """A time window relative to enrolment ("within the last 6 weeks"): value and UCUM unit."""
    value: float
    unit: str
    text: str = ""


@dataclass
class Fact:
    """One computable statement read from a criterion.

    kind: age | lab | vital | score | measure | sex | finding | condition | procedure | drug.
    comparator: "<", "<=", ">", ">=" for one bound; "range" when low/high hold the bounds; None when the text
    names the concept without a value; "unknown" when a number is there but its comparator was lost
    ("=18 years" where the source dropped ">").
    """
    kind: str
    concept: str
    text: str = ""
    codings: tuple[Coding, ...] = ()
    comparator: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None          # UCUM code
    unit_text: str | None = None     # the unit as the criterion wrote it
    value_code: Coding | None = None
    time_window: Duration | None = None
    negated: bool = False
    confidence: float = 0.5


@dataclass
class Criterion:
    id: str
    side: str
    text: str
    level: int = 0
    parent: str | None = None
    # no section header was seen before this criterion: inclusion was assumed
    side_assumed: bool = False
    facts: list[Fact] = field(default_factory=list)
