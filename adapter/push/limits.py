"""The largest Bundle a server takes, learnt while pushing: servers cap transactions without saying so in their
CapabilityStatement (Medplum: 50 updates, 8 entries when any is conditional; proxies: body sizes)."""
from __future__ import annotations

import math


class SizeLimit:
    """``fits``: the most entries the server has taken in one Bundle; ``refused``: the fewest it has refused while
    the same entries then landed in smaller Bundles (so the size was the problem, not the content)."""

    def __init__(self):
        self.fits = 0
        self.refused = math.inf

    def target(self) -> float:
        """How many entries to put in the next Bundle: unlimited until a refusal, then halfway between what fits
        and what was refused while that gap is wide (each probe costs at most one refused request), then ``fits``."""
        if self.refused == math.inf:
            return math.inf
        gap = self.refused - self.fits
        return self.fits + gap // 2 if gap > max(1, self.fits // 8) else self.fits

    def too_big(self, entries: int) -> bool:
        return entries >= self.refused

    def took(self, entries: int) -> None:
        self.fits = max(self.fits, entries)
        if entries >= self.refused:
            # the server took what it once refused (its limit changed, or that refusal was not about size)
            self.refused = math.inf

    def refused_whole(self, entries: int) -> None:
        """A Bundle of ``entries`` was refused and its entries then landed in smaller ones."""
        if entries > self.fits:
            self.refused = min(self.refused, entries)
