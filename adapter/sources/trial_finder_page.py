"""Read a patient-facing trial-finder page (title, fact lines, Overview, Eligibility bullets, Study details)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import RecordError
from ..record import Coded, Organization, TrialRecord
from . import terms
from .page_text import (NCT_ID, Page, PageFieldError, Section, add_identifier, age_range, criteria_text,
                        head_lines, is_date_like, is_json_or_xml, own_id, page_date, phase_line)

FORMATS = ("trial-finder-page",)

_HEADERS = {"overview": "Overview", "eligibility": "Eligibility", "study details": "Study details"}
# site furniture that is not part of the trial
_BOILERPLATE = {"image", "powered by ai"}
# the first line of the site's contact form / FAQ / notes widget: the trial's own text ends before it
_TAIL = re.compile(r"step 1 get in touch|we have submitted the contact information|send a message$|faqs$"
                   r"|learn more about clinical trials$|add a private note$", re.IGNORECASE)
_BULLET = re.compile(r"^[•·▪◦]\s*")


def sniff(head: bytes, name: str) -> bool:
    if is_json_or_xml(head):
        return False
    lines = {line.casefold() for line in head_lines(head)}
    return ({"eligibility", "study details"} <= lines and any(line.startswith("inclusion criteria") for line in lines)
            and "•" in head.decode("utf-8", errors="replace"))


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    page = Page(data)
    end = next((n for n, line in enumerate(page.lines) if _TAIL.match(line)), len(page.lines))
    sections = page.sections(lambda n: _HEADERS.get(page.lines[n].casefold()), end)
    by_name = {s.name: s for s in sections}
    record = TrialRecord(id="")
    details = by_name.get("Study details")
    nct = _nct_line(page, details) if details else None
    if nct is None:
        yield RecordError("page names no NCT id (truncated, or not a trial page)", file=file, field="NCT ID")
        return
    add_identifier(record, page.lines[nct], "nct")
    own_id(record)
    try:
        _head(page, by_name[""], record)
        if "Overview" in by_name:
            record.brief_summary = _text(page, by_name["Overview"])
        if "Eligibility" in by_name:
            record.eligibility.criteria = _criteria(page, by_name["Eligibility"])
        _details(page, details, nct, record)
    except PageFieldError as e:
        yield RecordError(f"{e.problem}: {e.value!r}", file=file, record=record.id, field=e.field)
        return
    record.dropped.extend(page.leftovers(sections))
    yield record


def _nct_line(page: Page, details: Section) -> int | None:
    """The study's own NCT id: a line holding only an NCT id under Study details."""
    return next((n for n, text in page.content(details) if NCT_ID.fullmatch(text)), None)


def _head(page: Page, head: Section, record: TrialRecord) -> None:
    """Title (the site repeats it) and the unlabelled fact lines: status, ages, sex, phase."""
    for n, text in page.content(head):
        if text.casefold() in _BOILERPLATE:
            page.take(n)
        elif record.brief_title is None:
            record.brief_title = text
            page.take(n)
        elif text == record.brief_title:
            page.take(n)
        elif status := terms.to_enum("overall_status", text):
            record.overall_status, record.registry_status = status, text
            page.take(n)
        elif sex := terms.to_enum("sex", text):
            record.eligibility.sex = sex
            page.take(n)
        elif phases := phase_line(text):
            record.phases = phases
            page.take(n)
        elif _ages(text, record):
            page.take(n)


def _ages(text: str, record: TrialRecord) -> bool:
    if not re.search(r"\d|any age|all ages", text, re.IGNORECASE):
        return False
    try:
        record.eligibility.minimum_age, record.eligibility.maximum_age = age_range(text)
    except ValueError:
        return False
    return True


def _blocks(page: Page, section: Section) -> list[list[str]]:
    """The section's lines grouped into paragraphs and bullet lists ("•" becomes a markdown "* ")."""
    blocks: list[list[str]] = [[]]
    for n in section.numbers:
        text = page.lines[n]
        if not text:
            if blocks[-1]:
                blocks.append([])
            continue
        if text.casefold() in _BOILERPLATE:
            page.take(n)
            continue
        page.take(n)
        bullet = _BULLET.match(text)
        item = f"* {text[bullet.end():]}" if bullet else text
        if blocks[-1] and blocks[-1][-1].startswith("* ") != item.startswith("* "):
            blocks.append([])
        blocks[-1].append(item)
    return [b for b in blocks if b]


def _text(page: Page, section: Section) -> str | None:
    blocks = _blocks(page, section)
    return "\n\n".join("\n".join(b) for b in blocks) or None


def _criteria(page: Page, section: Section) -> str | None:
    return criteria_text(line for block in _blocks(page, section) for line in block)


def _details(page: Page, details: Section, nct: int, record: TrialRecord) -> None:
    """Conditions above the NCT id line; the sponsor and the page date below it."""
    page.take(nct)
    for n, text in page.content(details):
        if n < nct:
            record.conditions.append(Coded(text=text))
            page.take(n)
        elif n > nct and is_date_like(text) and record.last_updated is None:
            record.last_updated = page_date("Study details date", text)
            record.warnings.append(f"the page's unlabelled date {text!r} was read as the last update date")
            page.take(n)
        elif n > nct and record.sponsor is None and not is_date_like(text):
            record.sponsor = Organization(name=text)
            page.take(n)
