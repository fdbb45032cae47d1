"""Negation of a concept mention: "no history of", "without", "non-X", "X-free", "X is not required", and its scope."""
from __future__ import annotations

import re

from . import rx

_CUE = re.compile(rx.words(
    ["no", "not", "without", "never", "absence", "absent", "lack", "lacking", "denies", "denied", "neither", "none",
     "except", "excluding", r"other\s+than", "unless", r"ruled\s+out", r"free\s+(?:of|from)",
     r"negative\s+(?:(?:test|result|screen)s?\s+)?(?:for|to|on|of)"], r"\b") + r"|n't\b")
# "with or without X", "with/without X": both are allowed, nothing is negated
_EITHER = re.compile(r"\bwith\s*(?:or|/)\s*without\b")
_STOP = re.compile(r";|\.|:|\(|\)|" + rx.words(
    "but who whom whose which that with while if when where because although".split(), r"\b"))
# words that start a predicate rather than continue a noun phrase: "without contraception or pregnant"
_PREDICATE = (r"pregnant|lactating|breast[\s-]?feeding|nursing|hospitali[sz]ed|intubated|allergic|hypersensitive|"
              r"intolerant|unable|unwilling|willing|able|eligible|positive|receiving|taking|using|undergoing|"
              r"requiring|planning|scheduled|participating|enrolled|treated|diagnosed|currently")
# a finite verb after "and"/"or" starts a new clause whatever came before: "not pregnant and has diabetes"
_VERB = (r"is|are|was|were|has|have|had|does|did|do|can|cannot|could|will|would|may|might|must|should|shall|"
         r"receives|received|requires|takes|took|undergoes|underwent|uses|plans")
_CONJ = ["or", "and", "and/or"]


def _conjunction_before(words: str) -> re.Pattern:
    """A comma or a conjunction ("or", "and") and the spaces after it, where one of the words follows."""
    ahead = r"\s*(?=(?:" + words + r")\b)"
    return re.compile("," + ahead + "|" + rx.words(_CONJ, r"\b" + ahead))


_NEW_CLAUSE = _conjunction_before(_VERB)
_NEW_PREDICATE = _conjunction_before(_PREDICATE)
_PREDICATE_WORD = re.compile(rx.words(_PREDICATE.split("|"), r"\b"))
# "non-X" negates X only: "non-smoker", but not the concept after "non-standard treatment"
_NON = re.compile(r"\bnon[\s-]?$")
# "a negative pregnancy test", "and negative HBsAg"; but "HER2 negative breast cancer" names a subtype
_NEGATIVE = re.compile(r"(?:^|[,(]|\b(?:a|an|and|or|be|is|are|was|were|been|have|has|had|documented|confirmed)\b)"
                       r"\s*negative\b(?![\w-])(?!\s+(?:(?:test|result|screen)s?\s+)?(?:for|to|on|of)\b)")
# after the mention, in its own clause: "seizure-free", "HIV negative", "ventilation was not required"
_AFTER = re.compile(r"(?:\s*-\s*|\s+)(?:free|negative)\b"
                    r"|(?:(?!\b(?:who|whom|which|that|if|when|but)\b)[^;.:()]){0,50}?(?<!not )(?<!cannot )"
                    r"\b(?:is|are|was|were|be|been)\s+(?:not\s+(?:required|needed|allowed|permitted|present|planned|"
                    r"indicated|detected)|absent|ruled\s+out)\b")
_WINDOW = 60
# each match of _AFTER holds one of these words: most mentions have none after them and are spared the match
_AFTER_WORDS = ("free", "negative", "not", "absent", "ruled")


def _scope(text: str, start: int) -> str:
    """The words before ``start`` (where a mention begins) that a negation cue there can still reach."""
    cut = 0
    for m in _STOP.finditer(text, 0, start):
        cut = m.end()
    # what the two loops below act on ends by ``start`` with a comma or a conjunction: most scopes have none
    if not _may_join(text[cut:start]):
        return text[cut:start]
    for m in _NEW_CLAUSE.finditer(text, cut):
        if m.end() <= start:
            cut = max(cut, m.end())
    for m in _NEW_PREDICATE.finditer(text, cut):
        if m.end() > start:
            break
        cues = list(_CUE.finditer(text, cut, m.start()))
        # unlike coordination: a cue over a noun phrase does not reach a predicate joined after it
        if cues and not _PREDICATE_WORD.search(text, cues[-1].end(), m.start()):
            cut = m.end()
    return text[cut:start]


def _may_join(words: str) -> bool:
    """Whether a match of _NEW_CLAUSE or _NEW_PREDICATE can lie in ``words``."""
    return "," in words or "or" in words or "and" in words


def negated(low: str, start: int, end: int) -> bool:
    """Whether the mention at ``start``..``end`` is negated: an odd number of cues that reach it."""
    origin = max(0, start - _WINDOW)
    near = low[origin:end]
    # each pattern below needs its word: most mentions have none near them and are spared the scan
    if "without" in near:
        near = _EITHER.sub(lambda m: " " * len(m.group(0)), near)
    before = near[:start - origin]
    count = _negated_after(low, end)
    # the scope is a tail of the words before the mention, and a cue in it is one in them (a scope starts after a
    # character that is no word's): most mentions have no cue before them, and need no scope
    if _CUE.search(before) or "negative" in before or "non" in before:
        left = _scope(near, start - origin)
        count += len(_CUE.findall(left))
        if "negative" in left:
            count += len(_NEGATIVE.findall(left))
        if "non" in left:
            count += bool(_NON.search(left))
    return count % 2 == 1


def _negated_after(low: str, end: int) -> bool:
    """Whether the words right after a mention ending at ``end`` negate it: _AFTER.match(low, end, end + _WINDOW)."""
    after = low[end:end + _WINDOW]
    return any(map(after.__contains__, _AFTER_WORDS)) and bool(_AFTER.match(low, end, end + _WINDOW))
