"""What every fact reader of one criterion shares: its matching text, concept mentions, values and windows."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from . import lexicon, values, windows
from .model import Criterion

@dataclass
class Context:
    criterion: Criterion
    low: str
    consumed: set[int] = field(default_factory=set)    # starts of values a reader has used

    @cached_property
    def tokens(self) -> tuple[list[str], list[tuple[int, int]]]:
        return lexicon.tokens(self.low)

    @cached_property
    def measurable(self) -> list[lexicon.Mention]:
        return lexicon.find_mentions(self.low, *self.tokens, measurable=True)

    @cached_property
    def clinical(self) -> list[lexicon.Mention]:
        return lexicon.find_mentions(self.low, *self.tokens, measurable=False)

    @cached_property
    def values(self) -> list[values.Value]:
        return values.find(self.low)

    @cached_property
    def windows(self):
        return windows.windows(self.low)

    def clause_start(self, pos: int) -> int:
        """Start of the clause holding ``pos``: after the last ";" or sentence end before it."""
        best = 0
        for m in re.finditer(r";|\.\s|\n", self.low[:pos]):
            best = m.end()
        return best

    def window_for(self, pos: int):
        """The time window written in the same clause as ``pos``, if any."""
        start = self.clause_start(pos)
        end_m = re.search(r";|\.\s|\n", self.low[pos:])
        end = pos + end_m.start() if end_m else len(self.low)
        for p, w in self.windows:
            if start <= p < end:
                return w
        return None
