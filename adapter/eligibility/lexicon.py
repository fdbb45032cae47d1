"""Load the concept lexicon and unit aliases from mappings/ and find concept mentions in criteria text."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from itertools import compress
from pathlib import Path
from typing import NamedTuple

from .model import Coding

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
MAX_TERM_TOKENS = 8

# words, "/" on its own (so "AST/ALT" reads as a list), and "+" kept on a word ("CD4+")
_TOKEN = re.compile(r"[^\W_]+(?:['\-.][^\W_]+)*\+?|/")


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str
    name: str
    codings: tuple[Coding, ...]
    by_unit: dict
    by_method: dict
    roman: bool = False
    pair: tuple[str, ...] = ()
    ratio_of: tuple[str, ...] = ()     # the two measures this one divides: pf_ratio = pao2 / fio2


class Mention(NamedTuple):
    """A term of a concept found in the text (a named tuple: many are made, and a tuple is made faster than a frozen
    dataclass)."""
    concept: Concept
    start: int
    end: int
    text: str
    # named only by a finding that implies the measurement ("thrombocytopenia"): counts only before a value
    value_only: bool = False


# the ASCII characters a token can hold, and "/" (a token of its own); the others only separate tokens
_TOKEN_CHARS = {c for c in range(128) if chr(c).isalnum() or chr(c) in "'-.+/"}
_ASCII_SEPARATORS = bytes.maketrans(bytes(range(128)), bytes(c if c in _TOKEN_CHARS else 32 for c in range(128)))


def tokenize(text: str) -> tuple[list[str], bool]:
    """_TOKEN.findall(text), and whether a token may hold a joiner ("'", "-", ".", "+"). A regex match costs far
    more than a split: ASCII text is cut into the runs of characters a token can hold, as no token crosses
    another character. A run of letters and digits is one token; only the other runs ("e.g.", "cd4+",
    "non-smoker") are left to the regex, and most texts have none once the joiners that end the text (which no
    token ends with) are dropped."""
    if not text.isascii():
        return _TOKEN.findall(text), True
    runs = text.encode("ascii").translate(_ASCII_SEPARATORS).replace(b"/", b" / ").decode("ascii").rstrip(" '-.")
    if not ("." in runs or "-" in runs or "'" in runs or "+" in runs):
        return runs.split(), False
    words: list[str] = []
    for run in runs.split():
        if run.isalnum() or run == "/":
            words.append(run)
        else:
            words += _TOKEN.findall(run)
    return words, True


class Tokens:
    """The words of a text. Where a word starts is worked out only up to the words asked about: a word is the
    first occurrence of itself after the word before it, as nothing between two words can start one."""

    __slots__ = ("text", "words", "joined", "_starts")

    def __init__(self, text: str):
        self.text = text
        self.words: list[str]
        self.joined: bool     # False: no word holds a joiner, every word is a whole run of letters and digits
        self.words, self.joined = tokenize(text)
        self._starts: list[int] = []

    def start(self, i: int) -> int:
        starts, words = self._starts, self.words
        if i >= len(starts):
            pos = starts[-1] + len(words[len(starts) - 1]) if starts else 0
            for w in words[len(starts):i + 1]:
                pos = self.text.find(w, pos)
                starts.append(pos)
                pos += len(w)
        return starts[i]

    def end(self, i: int) -> int:
        return self.start(i) + len(self.words[i])


def _variants(term: str) -> set[str]:
    term = term.lower()
    out = {term, term.replace("-", " "), term.replace("-", "")}
    return {v for v in out if v.strip()}


def _codings(raw: list[dict], systems: dict) -> tuple[Coding, ...]:
    return tuple(Coding(systems.get(c["system"], c["system"]), c["code"], c.get("display")) for c in raw)


@cache
def concepts() -> dict[str, Concept]:
    raw = json.loads((MAPPINGS / "eligibility_lexicon.json").read_text(encoding="utf-8"))
    systems = raw["systems"]
    out = {}
    for c in raw["concepts"]:
        out[c["id"]] = Concept(
            c["id"], c["kind"], c["name"], _codings(c["codings"], systems),
            {u: _codings(v, systems) for u, v in c.get("by_unit", {}).items()},
            {m: _codings(v, systems) for m, v in c.get("by_method", {}).items()},
            bool(c.get("roman")), tuple(c.get("pair", ())), tuple(c.get("ratio_of", ())))
    return out


@cache
def _ratios() -> dict[tuple[str, str], Concept]:
    return {c.ratio_of: c for c in concepts().values() if len(c.ratio_of) == 2}


# "X/Y", "X:Y", "X-to-Y" between two measure names; "ratio" after them ("BUN/creatinine ratio") or
# "ratio of X to Y" says a ratio even when the lexicon has no concept for it
_RATIO_JOIN = re.compile(r"\s*(?:/|:|-to-|\s+to\s+)\s*")
_RATIO_WORD = re.compile(r"\s*-?\s*ratios?\b")
_RATIO_BEFORE = re.compile(r"\bratio\s+(?:of\s+)?(?:the\s+)?$")


def _ratio(a: Mention, b: Mention, low: str) -> Mention | None:
    """One mention for a ratio of two measures written as "PaO2/FiO2", or None when the two are a list."""
    join = _RATIO_JOIN.fullmatch(low, a.end, b.start)
    if not join or a.concept.id == b.concept.id:
        return None
    end = b.end
    word = _RATIO_WORD.match(low, end)
    known = _ratios().get((a.concept.id, b.concept.id))
    if known is None:
        written = word or (_RATIO_BEFORE.search(low, max(0, a.start - 20), a.start) and "to" in join.group(0))
        if not written:
            return None
        known = Concept(f"{a.concept.id}/{b.concept.id}", a.concept.kind, f"{a.concept.name}/{b.concept.name} ratio",
                        (), {}, {})
    if word:
        end = word.end()
    return Mention(known, a.start, end, low[a.start:end])


def _merge_ratios(found: list[Mention], low: str) -> list[Mention]:
    out: list[Mention] = []
    for m in found:
        merged = _ratio(out[-1], m, low) if out else None
        if merged:
            out[-1] = merged
        else:
            out.append(m)
    return out


MEASURABLE = ("lab", "vital", "score", "measure")


@cache
def _index(measurable: bool) -> dict[tuple[str, ...], tuple[str, bool]]:
    """Term tokens -> (concept id, value_only), for measurable concepts or for the others."""
    raw = json.loads((MAPPINGS / "eligibility_lexicon.json").read_text(encoding="utf-8"))
    index: dict[tuple[str, ...], tuple[str, bool]] = {}
    for c in raw["concepts"]:
        if (c["kind"] in MEASURABLE) != measurable:
            continue
        for key, value_only in [(t, False) for t in c["terms"]] + [(t, True) for t in c.get("value_terms", [])]:
            for v in _variants(key):
                toks = tuple(m.group(0) for m in _TOKEN.finditer(v))
                if toks and len(toks) <= MAX_TERM_TOKENS:
                    index.setdefault(toks, (c["id"], value_only))
                    if not value_only and toks[-1][-1:].isalpha() and not toks[-1].endswith("s"):
                        index.setdefault(toks[:-1] + (toks[-1] + "s",), (c["id"], value_only))
    return index


@cache
def _first_words() -> dict[str, tuple[tuple[int, int, dict[tuple[str, ...], tuple[Concept, bool]]], ...]]:
    """First token of every term -> (0 for measurable concepts or 1, a number of tokens, the tokens after the first
    -> (concept, value_only)) for the terms starting with it: the measurable terms, then the others, each the
    longest first (most words start none)."""
    table = concepts()
    out: dict[str, dict[tuple[int, int], dict]] = {}
    for side, measurable in enumerate((True, False)):
        for toks, (cid, value_only) in _index(measurable).items():
            out.setdefault(toks[0], {}).setdefault((side, -len(toks)), {})[toks[1:]] = (table[cid], value_only)
    return {w: tuple((side, -minus_n, terms) for (side, minus_n), terms in sorted(groups.items()))
            for w, groups in out.items()}


def find_mentions(low: str, tokens: Tokens) -> tuple[list[Mention], list[Mention]]:
    """Every longest, non-overlapping term of measurable concepts, and of the other (clinical) ones, in lower-cased
    text. One scan of the words serves both: most words start no term of either."""
    firsts, words = _first_words(), tokens.words
    found: tuple[list[Mention], list[Mention]] = ([], [])
    after_last = [0, 0]
    for i in compress(range(len(words)), map(firsts.__contains__, words)):
        done = -1
        for side, n, terms in firsts[words[i]]:
            if side == done or i < after_last[side]:
                continue
            hit = terms.get(tuple(words[i + 1:i + n]) if n > 1 else ())
            if hit is None:
                continue
            start, end = tokens.start(i), tokens.end(i + n - 1)
            found[side].append(Mention(hit[0], start, end, low[start:end], hit[1]))
            after_last[side], done = i + n, side
    measurable, clinical = found
    return (_merge_ratios(measurable, low) if len(measurable) > 1 else measurable), clinical


def codings_for(concept: Concept, unit: str | None, low: str) -> tuple[Coding, ...]:
    """The concept's codes, or the ones that fit the unit ("umol/L" creatinine) or method ("CKD-EPI") written."""
    if unit and unit in concept.by_unit:
        return concept.by_unit[unit]
    for method, codings in concept.by_method.items():
        if method in low:
            return codings
    return concept.codings


@cache
def units() -> list[tuple[str, str, str]]:
    """(alias, UCUM code, kind) longest alias first; kind is time, uln, score or measure."""
    raw = json.loads((MAPPINGS / "units.json").read_text(encoding="utf-8"))
    out = []
    for code, spec in raw["units"].items():
        for alias in spec["aliases"] + [code.lower()]:
            out.append((alias.lower(), code, spec.get("kind", "measure")))
    # longest first so "mg/dl" wins over "mg"; then by name, so the order is the same in every process
    return sorted(set(out), key=lambda a: (-len(a[0]), a))


def _unit_alternative(alias: str) -> str:
    return r"\s*/\s*".join(r"\s*".join(re.escape(w) for w in part.split()) for part in alias.split("/"))


# a unit ends where a word ends: "mg/dl" but not the "m" of "months"
_UNIT_END = r")(?![a-z0-9])"


@cache
def unit_pattern() -> re.Pattern:
    return re.compile(r"(?:" + "|".join(_unit_alternative(alias) for alias, _, _ in units()) + _UNIT_END)


@cache
def _unit_patterns() -> tuple[dict[str, re.Pattern], dict[str, re.Pattern], re.Pattern]:
    """unit_pattern() cut by the first two characters an alias starts with, by the first character of the aliases
    whose first word is one character ("g/dl"), and the rest ("/mm3" may start with a space). An alias whose first
    word is w matches only where w is written, and one with no first word only where a "/" or a space is: a match
    at one position tries only the aliases that can start there, in the order unit_pattern() has them, so the same
    alias wins."""
    alts = [((alias.split("/")[0].split() or [""])[0], _unit_alternative(alias)) for alias, _, _ in units()]

    def pattern(fits) -> re.Pattern:
        return re.compile(r"(?:" + "|".join(a for first, a in alts if fits(first)) + _UNIT_END)

    by_two = {pair: pattern(lambda first, pair=pair: first[:2] == pair or first == pair[0])
              for pair in {first[:2] for first, _ in alts if len(first) > 1}}
    by_one = {c: pattern(lambda first, c=c: first == c) for c in {first for first, _ in alts if len(first) == 1}}
    return by_two, by_one, pattern(lambda first: not first)


def unit_match(low: str, pos: int) -> re.Match | None:
    """unit_pattern().match(low, pos)."""
    by_two, by_one, other = _unit_patterns()
    return (by_two.get(low[pos:pos + 2]) or by_one.get(low[pos:pos + 1], other)).match(low, pos)


@cache
def unit_lookup() -> dict[str, tuple[str, str]]:
    return {re.sub(r"\s+", "", alias): (code, kind) for alias, code, kind in units()}
