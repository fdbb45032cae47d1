"""Split criteria text into sided, numbered criteria: headers, bullets, numbered lists, run-on paragraphs, sub-items."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import EXCLUSION, INCLUSION, Criterion

_HEADER = re.compile(
    r"^\W{0,3}(?:(?:key|main|major|general|specific|additional|other|study|patient|subject|participant)\s+)?"
    r"(?P<kind>inclusion|inclusions|exclusion|exclusions|non[\s\-]?inclusion)"
    r"(?:\s+(?:criteria|criterion|conditions?))?(?P<rest>[^:]{0,60}?)\s*(?::|-|\.)?\s*$", re.I)
_HEADER_VERB = re.compile(r"^.{0,60}\b(?:will\s+be|are|is|be)\s+(?P<not>not\s+)?(?P<kind>included|excluded|eligible|ineligible)"
                          r"\b[^:]{0,40}:\s*$", re.I)
_PREAMBLE = re.compile(r"^\W*(?:eligibility(?:\s+criteria)?|criteria|key\s+eligibility\s+criteria|"
                       r"eligibility\s+requirements?)\W*$", re.I)
# a header inside a run-on line: "... consent. Exclusion Criteria: - Allergic ..."
_INLINE_HEADER = re.compile(
    r"(?:(?<=\S)[ \t]+|^)((?:key\s+|main\s+)?(?:inclusion|exclusion|non[\s\-]?inclusion)\s+criteri(?:a|on)\s*:)[ \t]*",
    re.I | re.M)
_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*\u2022\u25cf\u25cb\u25e6\u25aa\u25a0\u00b7\u2023\u2043+>]|\d{1,3}[.)](?!\d)|"
    r"\(\d{1,3}\)|[a-zA-Z][.)](?=\s)|\([a-zA-Z]\)|(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)](?=\s)|\([ivx]{1,4}\)|"
    r"[\u2460-\u2473\u2776-\u277f])\s*")
# items inside one line: "; - next", "; 2. next", "(2)next", "; ?Next" (a lost symbol used as a bullet), "②next";
# an item starts right after the stop (the pattern starts with the stop so the regex engine can skip to one)
_INLINE_ITEM = re.compile(r"[;.:]\s*(?=-\s+\S|\d{1,2}\.\s*[A-Za-z]|\(\d{1,2}\)\s*\S|\?[A-Z]|[\u2460-\u2473])")
_CIRCLED = re.compile(r"[\u2460-\u2473]")
_BEFORE_CIRCLED = re.compile(r"(?<=\S)\s*(?=[\u2460-\u2473])")


@dataclass
class _Item:
    text: str
    indent: int
    kind: str          # bullet | number | letter | paren | circled | lost | plain
    side: str
    side_assumed: bool


def _marker_kind(marker: str) -> str:
    if not marker:
        return "plain"
    if "\u2460" <= marker[0] <= "\u2473" or "\u2776" <= marker[0] <= "\u277f":
        return "circled"
    if marker[0] in "0123456789":
        return "number"
    if marker.startswith("("):
        return "paren"
    if marker[0].isalpha():
        return "letter"
    return "bullet"


def _header_side(stripped: str) -> str | None:
    """The side a header line (stripped) opens, or None."""
    body = stripped.strip("*#_ ").strip()
    if not body or len(body) > 90:
        return None
    m = _HEADER.match(body) if _may_name_a_side(body) else None
    if m and (m.group("rest") is None or len(m.group("rest").split()) <= 6):
        kind = m.group("kind").lower()
        return INCLUSION if kind.startswith("incl") else EXCLUSION
    # the body ends with no space, so a match of _HEADER_VERB (":" then spaces, at the end) ends with the ":"
    m = _HEADER_VERB.match(body) if body.endswith(":") else None
    if m:
        kind = m.group("kind").lower()
        exclude = kind in ("excluded", "ineligible") or bool(m.group("not"))
        return EXCLUSION if exclude else INCLUSION
    return None


def _may_name_a_side(body: str) -> bool:
    """Whether _HEADER can match: every side it names holds "clusion". Under re.I "i" and "s" also match
    non-ASCII letters, so only ASCII text is ruled out by a plain look-up."""
    return not body.isascii() or "clusion" in body.lower()


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces, last = [], 0
    for m in _inline_headers(text):
        pieces += (text[last:m.start()], "\n", m.group(1), "\n")
        last = m.end()
    return ("".join(pieces) + text[last:] if pieces else text).split("\n")


# "İ" and "ı" are the only characters that lower() turns into more than one, or that re.I matches with a letter
# of "criteri" lower() does not turn them into
_FOLD_ODD = ("\u0130", "\u0131")
# where an inline header may start: the second alternative starts a line, the first a run of spaces after a
# non-space
_HEADER_START = re.compile(r"^|(?<=\S)[ \t]", re.M)
# the whitespace-separated words an inline header may have before "criteri" ("key non inclusion"), with the
# whitespace around them, read backwards
_WORDS_BACK = re.compile(r"(?:\s*\S*){3}\s*")


def _inline_headers(text: str) -> Iterator[re.Match]:
    """_INLINE_HEADER.finditer(text). The regex starts with a lookbehind, so a search tries it at every position;
    every header holds "criteri", so it is tried only where a header before one of those can start."""
    if any(c in text for c in _FOLD_ODD):
        yield from _INLINE_HEADER.finditer(text)
        return
    low, back = text.lower(), text[::-1]
    pos = 0
    while (hit := low.find("criteri", pos)) >= 0:
        first = max(pos, len(text) - _WORDS_BACK.match(back, len(text) - hit).end())
        found = None
        for start in _HEADER_START.finditer(text, first, hit + 1):
            if found := _INLINE_HEADER.match(text, start.start()):
                break
        if found:
            yield found
            pos = found.end()
        else:
            pos = hit + 1


def _inline_items(body: str) -> list[tuple[str, str]]:
    """(kind, text) pieces of a line that holds several items."""
    # most lines hold one item: one search tells, and circled numbers are not ASCII. An item starts after a stop
    # and at least one character: most lines have no stop before their last character, and are spared the search
    head = body[:-1]
    first = _INLINE_ITEM.search(body) if ";" in head or "." in head or ":" in head else None
    circled = not body.isascii() and _CIRCLED.search(body)
    if not (first or circled):
        return [("", body)]
    cuts = {m.start() + 1 for m in _INLINE_ITEM.finditer(body, first.start())} if first else set()
    if circled:
        cuts.update(m.start() for m in _BEFORE_CIRCLED.finditer(body) if m.start() > 0)
    cuts = sorted(cuts)
    if not cuts:
        return [("", body)]
    pieces, prev = [], 0
    for c in cuts + [len(body)]:
        piece = body[prev:c].strip()
        prev = c
        if piece:
            pieces.append(piece)
    out = []
    for piece in pieces:
        m = _BULLET.match(piece)
        if m and m.group("marker"):
            out.append((_marker_kind(m.group("marker")), piece[m.end():].strip()))
        elif piece.startswith("?") and len(piece) > 1 and piece[1].isupper():
            out.append(("lost", piece[1:].strip()))
        else:
            out.append(("", piece))
    return out


def _items(text: str) -> list[_Item]:
    side, assumed = INCLUSION, True
    items: list[_Item] = []
    for line in _lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        new_side = _header_side(stripped)
        if new_side:
            side, assumed = new_side, False
            continue
        if not items and _PREAMBLE.match(line):
            continue
        m = _BULLET.match(line)
        if m:
            indent, kind = len(m.group("indent").expandtabs(4)), _marker_kind(m.group("marker"))
            body = line[m.end():].strip()
        else:
            indent = len(line) - len(line.lstrip(" \t"))
            if items and _continues(items[-1], stripped, indent):
                items[-1].text += "\n" + stripped
                continue
            body, kind = stripped, ""
        pieces = _inline_items(body)
        first_kind, first_text = pieces[0]
        items.append(_Item(first_text, indent, kind or first_kind or "plain", side, assumed))
        for piece_kind, piece_text in pieces[1:]:
            items.append(_Item(piece_text, indent, piece_kind or "plain", side, assumed))
    return [i for i in items if i.text.strip()]


def _continues(prev: _Item, stripped: str, indent: int) -> bool:
    """A line without a marker goes on the criterion before it when indented under it or plainly unfinished."""
    if prev.kind != "plain" and indent > prev.indent:
        return True
    return stripped[:1].islower() and not prev.text.rstrip().endswith((".", ";", ":"))


_DEPTH = {"bullet": 0, "number": 0, "plain": 0, "letter": 1, "paren": 1, "circled": 1, "lost": 2}


def split(text: str) -> list[Criterion]:
    """Criteria in order with ids inc-N / exc-N and dotted ids for sub-items (exc-4.2)."""
    out: list[Criterion] = []
    counters = {INCLUSION: 0, EXCLUSION: 0}
    stack: list[tuple[int, int, str, list[int]]] = []     # (indent, depth, id, child counter)
    current_side = None
    top_kind = None
    for item in _items(text):
        if item.side != current_side:
            current_side, stack, top_kind = item.side, [], None
        if top_kind is None:
            top_kind = item.kind
        depth = 0 if item.kind == top_kind else _DEPTH.get(item.kind, 0)
        while stack and not _is_child(stack[-1], item, depth, top_kind):
            stack.pop()
        prefix = "inc" if item.side == INCLUSION else "exc"
        if stack:
            parent = stack[-1]
            parent[3][0] += 1
            cid = f"{parent[2]}.{parent[3][0]}"
            level = cid.count(".")
        else:
            counters[item.side] += 1
            cid, level, parent = f"{prefix}-{counters[item.side]}", 0, None
        out.append(Criterion(cid, item.side, item.text.strip(), level, parent[2] if parent else None,
                             item.side_assumed))
        stack.append((item.indent, depth, cid, [0]))
    return out


def _is_child(parent: tuple, item: _Item, depth: int, top_kind: str) -> bool:
    """Deeper marker kinds ("a." under "1.") nest whatever the indent; the same kind nests when indented."""
    p_indent, p_depth, _, _ = parent
    if depth != p_depth:
        return depth > p_depth
    return item.indent > p_indent and item.kind not in ("plain", top_kind)
