"""Tidy a legacy XML ``<textblock>``: dedent it, unwrap its hard-wrapped lines, keep paragraphs and list items."""
from __future__ import annotations

import re

# a list item starts with a bullet or an enumerator followed by space: "-  Age", "1. Age", "a) Age", "iv. Age"
_ITEM = re.compile(r"(?:[-*•·]|\d{1,3}[.)]|\(\d{1,3}\)|[a-zA-Z][.)]|\([a-zA-Z]\)|[ivxIVX]{1,5}[.)])\s")


def tidy_textblock(text: str | None) -> str | None:
    """The text with one line per paragraph or list item, blank lines between paragraphs, nested items indented
    two spaces per level; None for blank text."""
    if text is None:
        return None
    out: list[str] = []
    # the lines of the paragraph or item being unwrapped, joined once it ends
    current: list[str] = []
    item_indents: list[int] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words = raw.split()
        if not words:
            if current:
                out.append(" ".join(current))
                current = []
            if out and out[-1]:
                out.append("")
            continue
        line = " ".join(words)
        is_item = _ITEM.match(line) is not None
        if current and not is_item and not current[-1].endswith(":"):
            current.append(line)
            continue
        if current:
            out.append(" ".join(current))
        indent = len(raw) - len(raw.lstrip())
        if is_item:
            while item_indents and item_indents[-1] > indent:
                item_indents.pop()
            if not item_indents or item_indents[-1] < indent:
                item_indents.append(indent)
            line = "  " * (len(item_indents) - 1) + line
        else:
            item_indents = [i for i in item_indents if i < indent]
        current = [line]
    if current:
        out.append(" ".join(current))
    return "\n".join(out).strip() or None
