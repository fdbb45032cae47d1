"""What every fact reader of one criterion shares: its matching text, concept mentions, values and windows."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from . import lexicon, values, windows
from .model import Criterion

_CLAUSE_END = re.compile(r";|\.\s|\n")


class cached_property:
    """functools.cached_property without the lock Python 3.11 takes on every first access (a Context lives in
    one thread, and is made for every criterion)."""

    def __init__(self, compute):
        self.compute, self.name = compute, compute.__name__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.compute(obj)
        return value


@dataclass
class Context:
    criterion: Criterion
    low: str
    consumed: set[int] = field(default_factory=set)    # starts of values a reader has used
    # what every criterion's readers use is made with the context: a cached property costs more the first time it
    # is read than the plain attribute
    tokens: lexicon.Tokens = field(init=False)
    measurable: list[lexicon.Mention] = field(init=False)
    clinical: list[lexicon.Mention] = field(init=False)
    values: list[values.Value] = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = lexicon.Tokens(self.low)
        self.measurable, self.clinical = lexicon.find_mentions(self.low, self.tokens)
        self.values = values.find(self.low, self.tokens)

    @cached_property
    def windows(self):
        return windows.windows(self.low)

    @cached_property
    def _clause_ends(self) -> list[int]:
        return [m.end() for m in _CLAUSE_END.finditer(self.low)]

    def clause_start(self, pos: int) -> int:
        """Start of the clause holding ``pos``: after the last ";" or sentence end before it."""
        ends = self._clause_ends
        i = bisect_right(ends, pos)
        return ends[i - 1] if i else 0

    def window_for(self, pos: int):
        """The time window written in the same clause as ``pos``, if any."""
        if not self.windows:
            return None
        start = self.clause_start(pos)
        end_m = _CLAUSE_END.search(self.low, pos)
        end = end_m.start() if end_m else len(self.low)
        for p, w in self.windows:
            if start <= p < end:
                return w
        return None
