"""Negation of a concept mention: "no history of", "absence of", "without", "negative for", and double negation."""
from __future__ import annotations

import re

_CUE = re.compile(r"\b(?:no|not|non|without|never|absence|absent|free|negative|lack|lacking|denies|denied|neither|"
                  r"none|except|excluding|other\s+than|unless|ruled\s+out)\b|n't\b")
_STOP = re.compile(r"[;.:()]|\b(?:but|who|which|that|with|while|and\s+has|if|when|because)\b")
_WINDOW = 60


def negated(low: str, start: int) -> bool:
    """Whether the mention at ``start`` is negated: an odd number of cues in the words just before it."""
    left = low[max(0, start - _WINDOW):start]
    stops = list(_STOP.finditer(left))
    if stops:
        left = left[stops[-1].end():]
    return len(_CUE.findall(left)) % 2 == 1
