"""Shared tools of the scraped-page readers: page lines and sections, own ids, dates, age ranges, leftovers."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..record import Age, Identifier, TrialRecord
from . import terms
from .ids import identify
from .values import parse_age, parse_date

NCT_ID = re.compile(r"\bNCT\d{8}\b")
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}(?:-\d{1,2})?|[A-Za-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]+\.? \d{4}"
                        r"|[A-Za-z]+\.?,? \d{4}")
_SHORT = 90


class PageFieldError(ValueError):
    """A labelled value on a page that cannot be read (the reader turns it into a RecordError)."""

    def __init__(self, field: str, value: str, problem: str):
        self.field, self.value, self.problem = field, value, problem
        super().__init__(f"{field}: {problem}: {value!r}")


@dataclass
class Section:
    name: str
    # line numbers of the section's lines after its header, blank lines included
    numbers: list[int] = field(default_factory=list)
    header: int | None = None


class Page:
    """A page's lines (stripped) and which of them a reader has used, so that nothing is dropped unseen."""

    def __init__(self, data: bytes):
        text = data.decode("utf-8-sig", errors="replace")
        self.lines = [line.strip() for line in text.splitlines()]
        self.used: set[int] = set()

    def take(self, *numbers: int) -> None:
        self.used.update(numbers)

    def content(self, section: Section) -> list[tuple[int, str]]:
        """The section's non-blank lines, as (line number, text)."""
        return [(n, self.lines[n]) for n in section.numbers if self.lines[n]]

    def sections(self, header_of: Callable[[int], str | None], end: int | None = None) -> list[Section]:
        """Cut lines [0, end) into sections; ``header_of(n)`` names the section line n opens, or None.

        Lines before the first header form a section named "" (the page's head).
        """
        out = [Section("")]
        for n in range(len(self.lines) if end is None else end):
            name = header_of(n)
            if name is None:
                out[-1].numbers.append(n)
            else:
                self.take(n)
                out.append(Section(name, header=n))
        return out

    def fresh(self, section: Section) -> list[tuple[int, str]]:
        """The section's non-blank lines that no rule has used yet."""
        return [(n, text) for n, text in self.content(section) if n not in self.used]

    def leftovers(self, sections: Iterable[Section]) -> list[str]:
        """One readable label per section that still has lines no rule used: "Section: first line (+N more)"."""
        labels = []
        for section in sections:
            left = [text for _, text in self.fresh(section)]
            if left:
                label = f"{section.name}: {short(left[0])}" if section.name else short(left[0])
                labels.append(label + (f" (+{len(left) - 1} more lines)" if len(left) > 1 else ""))
        return labels


def is_json_or_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b"<")


def head_lines(head: bytes) -> set[str]:
    """The distinct stripped lines of a file's first bytes, for sniffing."""
    return {line.strip() for line in head.decode("utf-8", errors="replace").splitlines()}


def short(text: str, limit: int = _SHORT) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def is_date_like(text: str) -> bool:
    return bool(_DATE_LIKE.fullmatch(text.strip()))


def page_date(label: str, text: str) -> str:
    """ISO date of a labelled page value; PageFieldError naming the label when it is not a date."""
    try:
        return parse_date(text)
    except ValueError:
        raise PageFieldError(label, text, "not a date") from None


def phase_line(text: str) -> list[str]:
    """Phase enums when the whole text is phases ("Phase 3", "N/A", "PHASE1/PHASE2", "Phase 1/2"), else []."""
    whole = terms.to_enum("phase", text)
    if whole:
        return [whole]
    parts = [p for p in re.split(r"\s*[/|,&]\s*|\s+and\s+|(?<=\d)\s+(?=phase)", text.strip(), flags=re.IGNORECASE)
             if p]
    # "Phase 1/2": a bare number continues the phase before it
    parts = [f"Phase {p}" if p.isdigit() and i else p for i, p in enumerate(parts)]
    enums = [terms.to_enum("phase", p) for p in parts]
    return list(dict.fromkeys(enums)) if enums and all(enums) else []


def find_pmid(text: str) -> str | None:
    m = _PMID.search(text)
    return m.group(1) if m else None


_OLDER = re.compile(r"(?P<min>.+?)\s+(?:and|or)\s+(?:older|over|above)", re.IGNORECASE)
_YOUNGER = re.compile(r"(?:(?:up\s+to|under|below)\s+(?P<max1>.+))|(?:(?P<max2>.+?)\s+(?:and|or)\s+(?:younger|under))",
                      re.IGNORECASE)
_RANGE = re.compile(r"(?P<min>.+?)\s*(?:\bto\b|–|-)\s*(?P<max>.+)", re.IGNORECASE)
_ANY_AGE = {"any age", "all ages", "n/a", "not applicable"}


def age_range(text: str) -> tuple[Age | None, Age | None]:
    """(minimum, maximum) from "18 Years to 70 Years", "18 to 65 years", "18 years and older", "Up to 17 years".

    Raises ValueError when the text is not an age range.
    """
    t = " ".join(text.split())
    if t.casefold() in _ANY_AGE:
        return None, None
    if m := _OLDER.fullmatch(t):
        return parse_age(m.group("min")), None
    if m := _YOUNGER.fullmatch(t):
        return None, parse_age(m.group("max1") or m.group("max2"))
    if m := _RANGE.fullmatch(t):
        low, high = m.group("min"), m.group("max")
        unit = re.search(r"[A-Za-z]+$", high)
        if unit and re.fullmatch(r"\d+(?:\.\d+)?", low):
            low = f"{low} {unit.group(0)}"
        return parse_age(low), parse_age(high)
    raise ValueError(f"not an age range: {text!r}")


_CRITERIA_HEADING = re.compile(r"(?:key\s+)?(?:inclusion|exclusion)\s+criteria\s*:?", re.IGNORECASE)


def criteria_text(lines: Iterable[str]) -> str | None:
    """Criteria lines as one text: each "Inclusion/Exclusion Criteria" heading ends with ":" and, but for the
    first line, follows a blank line; every other line is kept as it is."""
    out: list[str] = []
    for line in lines:
        if _CRITERIA_HEADING.fullmatch(line):
            if out:
                out.append("")
            out.append(line.rstrip(": ") + ":")
        else:
            out.append(line)
    return "\n".join(out) or None


def own_id(record: TrialRecord) -> None:
    """Set a record's id from its identifiers: the NCT id, or a derived one (flagged and warned about).

    Raises ValueError when the record has no identifier at all.
    """
    record.id, record.id_derived, warning = identify(record.identifiers)
    if warning:
        record.warnings.append(warning)


def add_identifier(record: TrialRecord, value: str | None, kind: str, type_: str | None = None) -> None:
    value = (value or "").strip()
    if value and all(i.value != value for i in record.identifiers):
        record.identifiers.append(Identifier(value=value, kind=kind, type=type_))


def split_known(text: str, known: Iterable[str], count: int | None) -> list[str] | None:
    """Split a run of names written without separators using names seen elsewhere on the page.

    Known names are peeled off the front and the back; one leftover is accepted as a name only when the
    page's own count of names says exactly one is missing.  None when the text cannot be split reliably.
    """
    names = sorted({k.strip() for k in known if k and k.strip()}, key=len, reverse=True)
    head, tail, rest = [], [], " ".join(text.split())
    progress = True
    while rest and progress:
        progress = False
        for name in names:
            if rest == name or rest.startswith(name + " "):
                head.append(name)
                rest, progress = rest[len(name):].strip(), True
                break
            if rest.endswith(" " + name):
                tail.insert(0, name)
                rest, progress = rest[:-len(name)].strip(), True
                break
    found = head + tail
    if rest:
        if count is None or len(found) + 1 != count:
            return None
        found = head + [rest] + tail
    elif count is not None and len(found) != count:
        return None
    return found
