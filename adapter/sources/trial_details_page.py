"""Read a "Clinical Trial Details" page: labelled administrative lines, run-on eligibility, space-joined tables."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import RecordError
from ..record import Coded, DateValue, Intervention, Organization, Outcome, Person, Site, TrialRecord
from . import terms
from .page_text import (NCT_ID, Page, PageFieldError, Section, add_identifier, age_range, criteria_text,
                        head_lines, is_json_or_xml, own_id, page_date, phase_line, short, split_known)
from .values import parse_bool, parse_count

FORMATS = ("trial-details-page",)

_HEADERS = (
    (re.compile(r"administrative data", re.I), "Administrative data"),
    (re.compile(r"study information", re.I), "Study information"),
    (re.compile(r"clinical trial summary", re.I), "Clinical Trial Summary"),
    (re.compile(r"description:?", re.I), "Description"),
    (re.compile(r"recruitment information\s*/\s*eligibility", re.I), "Recruitment information / eligibility"),
    (re.compile(r"study design", re.I), "Study Design"),
    (re.compile(r"related conditions.*", re.I), "Related Conditions & MeSH terms"),
    (re.compile(r"interventions?", re.I), "Intervention"),
    (re.compile(r"locations", re.I), "Locations"),
    (re.compile(r"sponsors(?:\s*\((\d+)\))?", re.I), "Sponsors"),
    (re.compile(r"countr(?:y|ies) where clinical trial is conducted", re.I), "Countries"),
    (re.compile(r"outcomes?", re.I), "Outcome"),
    (re.compile(r"see also", re.I), "See also"),
)
_STATUS_HEADER = re.compile(r"Clinical Trial Details\s*[—–-]+\s*Status:\s*(.*)")
_LABELS = sorted((
    "NCT number", "Other study ID #", "Secondary ID", "Status", "Phase", "First received", "Last updated",
    "Start date", "Est. start date", "Completion date", "Est. completion date", "Primary completion date",
    "Est. primary completion date", "Verified date", "Source", "Contact", "Phone", "Email", "Is FDA regulated",
    "Health authority", "Study type", "Enrollment", "Accepts healthy volunteers", "Gender", "Age group",
    "Eligibility"), key=len, reverse=True)
_DATES = {"start date": "start_date", "completion date": "completion_date",
          "primary completion date": "primary_completion_date"}
_PLAIN_DATES = {"First received": "first_submitted", "Last updated": "last_updated",
                "Verified date": "verified_date"}
_DESIGN_LABELS = {"allocation": "allocation", "intervention model": "intervention_model", "masking": "masking",
                  "primary purpose": "primary_purpose", "observational model": "observational_model",
                  "time perspective": "time_perspective"}
_DESIGN_PAIR = re.compile(r"(" + "|".join(_DESIGN_LABELS) + r"):\s*(.*?)(?=,?\s*(?:" + "|".join(_DESIGN_LABELS)
                          + r"):|$)", re.IGNORECASE)
_TYPE_LINE = re.compile(r"([A-Za-z][A-Za-z /-]*):")
_CRITERIA_HEADING = re.compile(r"((?:Key )?(?:Inclusion|Exclusion) [Cc]riteria\s*:)")
_DASH_ITEM = re.compile(r"(?<=[;.:!?])\s+-\s+")
_ENROLLMENT_TYPE = re.compile(r"\((actual|anticipated|estimated)\)", re.I)


def sniff(head: bytes, name: str) -> bool:
    if is_json_or_xml(head):
        return False
    lines = head_lines(head)
    return "Administrative data" in lines and any(_STATUS_HEADER.match(line) or line == "Clinical Trial Details"
                                                  for line in lines)


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    page = Page(data)
    sections = page.sections(lambda n: _header_of(page.lines[n]))
    named = {}
    for section in sections:
        named.setdefault(section.name, section)
    record = TrialRecord(id="")
    fields = _fields(page, sections)
    for label in ("NCT number", "Other study ID #", "Secondary ID"):
        for _, value in fields.get(label, []):
            if label != "NCT number" or NCT_ID.fullmatch(value):
                add_identifier(record, value, {"NCT number": "nct", "Other study ID #": "org"}.get(label,
                                                                                                    "secondary"))
    try:
        own_id(record)
    except ValueError:
        yield RecordError("page has no NCT number and no other study id to derive an id from", file=file,
                          field="NCT number")
        return
    try:
        _head(page, named[""], record)
        _apply_fields(fields, record)
    except PageFieldError as e:
        yield RecordError(f"{e.problem}: {e.value!r}", file=file, record=record.id, field=e.field)
        return
    _texts(page, named, record)
    for name, handle in (("Study Design", _design), ("Related Conditions & MeSH terms", _conditions),
                         ("Intervention", _interventions), ("Sponsors", _sponsors), ("Locations", _locations),
                         ("Outcome", _outcomes), ("See also", _skip)):
        if name in named:
            handle(page, named, record)
    if record.title is None:
        record.warnings.append("page has no title line: title left empty")
    record.dropped.extend(page.leftovers(sections))
    yield record


def _header_of(text: str) -> str | None:
    return next((name for pattern, name in _HEADERS if pattern.fullmatch(text)), None)


def _fields(page: Page, sections: list[Section]) -> dict[str, list[tuple[int, str]]]:
    """Every "Label value" line of the labelled sections, by label; lines below "Eligibility" continue it."""
    out: dict[str, list[tuple[int, str]]] = {}
    for section in sections:
        if section.name not in ("Administrative data", "Study information", "Recruitment information / eligibility"):
            continue
        label = None
        for n, text in page.content(section):
            found = next((lb for lb in _LABELS if text == lb or text.startswith(lb + " ")), None)
            if found:
                label = found
                out.setdefault(found, []).append((n, text[len(found):].strip()))
                page.take(n)
            elif label == "Eligibility":
                first, value = out["Eligibility"][-1]
                out["Eligibility"][-1] = (first, f"{value}\n{text}")
                page.take(n)
    return out


def _one(fields: dict[str, list[tuple[int, str]]], label: str, record: TrialRecord) -> str | None:
    """A label's value (the page may repeat a label); a warning when the repeats disagree."""
    values = list(dict.fromkeys(v for _, v in fields.get(label, []) if v))
    if len(values) > 1:
        record.warnings.append(f"{label}: the page gives {values!r}; kept the first")
    return values[0] if values else None


def _head(page: Page, head: Section, record: TrialRecord) -> None:
    """The status header and, when the page shows one, a title line; the site logo is furniture."""
    for n, text in page.content(head):
        if m := _STATUS_HEADER.fullmatch(text):
            record.registry_status = m.group(1).strip() or None
            record.overall_status = terms.to_enum("overall_status", m.group(1))
        elif text.casefold().endswith("logo"):
            pass
        elif record.brief_title is None:
            record.brief_title = text
        else:
            continue
        page.take(n)


def _apply_fields(fields: dict[str, list[tuple[int, str]]], record: TrialRecord) -> None:
    get = lambda label: _one(fields, label, record)  # noqa: E731
    if status := get("Status"):
        record.registry_status = status
        record.overall_status = terms.to_enum("overall_status", status)
    if phase := get("Phase"):
        record.phases = phase_line(phase)
        if not record.phases:
            record.dropped.append(f"Phase: {phase}")
    for label, attr in _PLAIN_DATES.items():
        if value := get(label):
            setattr(record, attr, page_date(label, value))
    for label in sorted({lb for lb in fields if lb.removeprefix("Est. ").casefold() in _DATES}):
        if value := get(label):
            estimated = label.startswith("Est.")
            # the site writes "Est." before a date that is not yet real; an unmarked date has happened
            setattr(record, _DATES[label.removeprefix("Est. ").casefold()],
                    DateValue(page_date(label, value), "ESTIMATED" if estimated else "ACTUAL"))
    if source := get("Source"):
        record.sponsor = Organization(name=source)
    _contacts(fields, record)
    _mapped(get, "Study type", "study_type", lambda v: setattr(record.design, "study_type", v), record)
    _mapped(get, "Gender", "sex", lambda v: setattr(record.eligibility, "sex", v), record)
    _enrollment(get("Enrollment"), record)
    if (healthy := get("Accepts healthy volunteers")) is not None:
        record.eligibility.healthy_volunteers = parse_bool(healthy)
        if record.eligibility.healthy_volunteers is None:
            record.dropped.append(f"Accepts healthy volunteers: {healthy}")
    if ages := get("Age group"):
        try:
            record.eligibility.minimum_age, record.eligibility.maximum_age = age_range(ages)
        except ValueError:
            record.dropped.append(f"Age group: {ages}")
    if criteria := get("Eligibility"):
        record.eligibility.criteria = _criteria(criteria)
    for label in ("Is FDA regulated", "Health authority"):
        if value := get(label):
            record.dropped.append(f"{label}: {value}")


def _mapped(get, label: str, category: str, assign, record: TrialRecord) -> None:
    if value := get(label):
        enum = terms.to_enum(category, value)
        if enum:
            assign(enum)
        else:
            record.dropped.append(f"{label}: {value}")


def _enrollment(value: str | None, record: TrialRecord) -> None:
    if not value:
        return
    kind = _ENROLLMENT_TYPE.search(value)
    try:
        record.enrollment = parse_count(_ENROLLMENT_TYPE.sub("", value))
    except ValueError:
        record.dropped.append(f"Enrollment: {value}")
        return
    if kind:
        record.enrollment_type = terms.to_enum("date_type", kind.group(1).capitalize())


def _contacts(fields: dict[str, list[tuple[int, str]]], record: TrialRecord) -> None:
    """Each "Contact" line starts a central contact; the Phone and Email lines below it are that person's."""
    rows = sorted((n, label, value) for label in ("Contact", "Phone", "Email") for n, value in fields.get(label, []))
    for _, label, value in rows:
        if not value:
            continue
        if label == "Contact":
            record.central_contacts.append(Person(name=value, role="CONTACT"))
        elif record.central_contacts:
            setattr(record.central_contacts[-1], label.lower(), value)
        else:
            record.dropped.append(f"{label}: {value}")


def _criteria(text: str) -> str | None:
    """The run-on criteria paragraph broken into lines at its headings and its "- " / "1. " item markers.

    Characters inside an item are kept exactly (encoding damage such as "=18" included).
    """
    parts = _CRITERIA_HEADING.split(" ".join(text.split("\n")))
    lines = _items(parts[0])
    for i in range(1, len(parts), 2):
        lines.append(parts[i].strip())
        lines.extend(_items(parts[i + 1]))
    return criteria_text(lines)


def _items(body: str) -> list[str]:
    body = body.strip()
    if not body:
        return []
    if body.startswith("- "):
        return ["- " + item.strip() for item in _DASH_ITEM.split(body[2:])]
    starts = _numbered(body)
    if starts:
        return [body[a:b].strip() for a, b in zip(starts, starts[1:] + [len(body)])]
    return [body]


def _numbered(body: str) -> list[int]:
    """Where "1. ", "2. ", ... items start (body must open with "1. "), counting up so that "4.0 mg" or "(2)" never
    starts one; an item marker follows the end of the item before it (";", ".", ":" ...)."""
    if not body.startswith("1. "):
        return []
    starts, k = [0], 2
    while True:
        at = starts[-1] + 1
        found = next((at + m.start() for m in re.finditer(rf"(?<=\s){k}\.\s", body[at:])
                      if body[:at + m.start()].rstrip()[-1:] in tuple(";.:!?)")), None)
        if found is None:
            return starts
        starts.append(found)
        k += 1


def _texts(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """Summary and description: paragraphs kept apart by a blank line."""
    for name, attr in (("Clinical Trial Summary", "brief_summary"), ("Description", "detailed_description")):
        if name in named:
            lines = page.fresh(named[name])
            page.take(*(n for n, _ in lines))
            setattr(record, attr, "\n\n".join(text for _, text in lines) or None)


def _design(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """"Allocation: Randomized, Masking: Double (Participant, Investigator)" lines, when the page shows any.

    A line is used only when every labelled value in it is a known term.
    """
    for n, text in page.fresh(named["Study Design"]):
        found = [(_DESIGN_LABELS[label.casefold()], _design_term(_DESIGN_LABELS[label.casefold()], value.strip(" ,;")))
                 for label, value in _DESIGN_PAIR.findall(text)]
        if not found or not all(term for _, term in found):
            continue
        for attr, (enum, who_masked) in found:
            setattr(record.design, attr, enum)
            record.design.who_masked.extend(w for w in who_masked if w not in record.design.who_masked)
        page.take(n)


def _design_term(attr: str, value: str) -> tuple[str, list[str]] | None:
    """(enum, who is masked) for one design value; "Double (Participant, Investigator)" names who; None if unknown."""
    if enum := terms.to_enum(attr, value):
        return enum, []
    main, paren, masked = value.partition("(")
    if attr != "masking" or not paren:
        return None
    enum = terms.to_enum(attr, main)
    who = [terms.to_enum("who_masked", w) for w in masked.rstrip(")").split(",")]
    return (enum, who) if enum and all(who) else None


def _conditions(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    for n, text in page.fresh(named["Related Conditions & MeSH terms"]):
        record.conditions.append(Coded(text=text))
        page.take(n)


def _interventions(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """Blocks of "Drug:" (the type), the name, then description lines."""
    current: Intervention | None = None
    for n, text in page.fresh(named["Intervention"]):
        m = _TYPE_LINE.fullmatch(text)
        kind = terms.to_enum("intervention_type", m.group(1)) if m else None
        if kind:
            current = Intervention(name="", type=kind)
        elif current is not None and not current.name:
            current.name = text
            record.interventions.append(current)
        elif current is not None:
            current.description = f"{current.description}\n{text}" if current.description else text
        else:
            continue
        page.take(n)


def _countries(page: Page, named: dict[str, Section]) -> list[str]:
    """Country names from "China, United States, "; adjacent pairs too, for names such as "Korea, Republic of"."""
    if "Countries" not in named:
        return []
    lines = page.fresh(named["Countries"])
    page.take(*(n for n, _ in lines))
    parts = [p.strip() for _, text in lines for p in text.split(",") if p.strip()]
    return parts + [f"{a}, {b}" for a, b in zip(parts, parts[1:])]


def _table_rows(page: Page, section: Section, header: str) -> list[tuple[int, str]]:
    """A section's table rows, its column-header row (starting with ``header``) set aside."""
    rows = page.fresh(section)
    if rows and rows[0][1].startswith(header):
        page.take(rows[0][0])
        rows = rows[1:]
    return rows


def _sponsors(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """"Lead Sponsor Collaborator" rows: names run together, told apart by names seen elsewhere on the page."""
    section = named["Sponsors"]
    count_match = re.search(r"\((\d+)\)", page.lines[section.header])
    count = int(count_match.group(1)) if count_match else None
    rows = _table_rows(page, section, "Lead Sponsor")
    if not rows:
        return
    page.take(*(n for n, _ in rows))
    source = record.sponsor.name if record.sponsor else None
    text = rows[0][1]
    facilities = [" ".join(words[:i]) for _, row in _location_rows(page, named)
                  for words in [row.split()] for i in range(2, len(words) + 1)]
    names = (split_known(text, [source] if source else [], count)
             or split_known(text, ([source] if source else []) + facilities, count))
    if names is None:
        record.warnings.append(f"Sponsors row {text!r} could not be split into lead sponsor and collaborators:"
                               " kept the lead sponsor only")
        record.dropped.append(f"Sponsors: {text}")
        names = [source] if source and text.startswith(source) else []
    if names:
        record.sponsor = Organization(name=names[0])
    record.collaborators.extend(Organization(name=name) for name in names[1:])
    record.collaborators.extend(Organization(name=row) for _, row in rows[1:])


def _location_rows(page: Page, named: dict[str, Section]) -> list[tuple[int, str]]:
    return _table_rows(page, named["Locations"], "Country") if "Locations" in named else []


def _locations(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """"Country Name City State" rows, split by the page's country list and organisation names."""
    countries = _countries(page, named)
    known = [o.name for o in [record.sponsor, *record.collaborators] if o]
    for n, row in _location_rows(page, named):
        record.sites.append(_site(row, countries, known, record))
        page.take(n)


def _outcomes(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    """"Type Measure Description Time frame" rows."""
    for n, row in _table_rows(page, named["Outcome"], "Type"):
        outcome = _outcome(row, record)
        if outcome is not None:
            record.outcomes.append(outcome)
            page.take(n)


def _skip(page: Page, named: dict[str, Section], record: TrialRecord) -> None:
    page.take(*named["See also"].numbers)


def _site(row: str, countries: list[str], known: list[str], record: TrialRecord) -> Site:
    """One location row: the country from the page's country list, the facility from names seen elsewhere."""
    country = next((c for c in sorted(countries, key=len, reverse=True) if row == c or row.startswith(c + " ")), None)
    rest = row[len(country):].strip() if country else row
    facility = next((k for k in sorted(known, key=len, reverse=True) if rest == k or rest.startswith(k + " ")), None)
    words = rest.split()
    if facility:
        place = rest[len(facility):].split()
    elif half := _doubled_tail(words):
        # "... Beijing Beijing": city and state written alike end the row
        facility, place = " ".join(words[:-2 * half]) or None, words[-2 * half:]
    else:
        record.warnings.append(f"Locations row {row!r}: facility, city and state could not be told apart;"
                               " kept as the facility")
        return Site(facility=rest or None, country=country)
    site = Site(facility=facility, country=country)
    if half := _doubled_tail(place):
        if len(place) == 2 * half:
            site.city = site.state = " ".join(place[:half])
            return site
    if len(place) > 1:
        record.warnings.append(f"Locations row {row!r}: city and state could not be told apart; kept as the city")
    site.city = " ".join(place) or None
    if country is None:
        record.warnings.append(f"Locations row {row!r}: country not found in the page's country list")
    return site


def _doubled_tail(words: list[str]) -> int:
    """Length of the longest word run that ends the list twice in a row ("Beijing Beijing" -> 1); 0 if none."""
    for half in range(len(words) // 2, 0, -1):
        if words[-2 * half:-half] == words[-half:]:
            return half
    return 0


_OUTCOME_KIND = re.compile(r"(Primary|Secondary|Other)\s+(.+)", re.IGNORECASE)
_TIME_UNIT = re.compile(r"(?:\d+(?:\.\d+)?-?)?(?:weeks?|wks?|days?|months?|mos?|years?|yrs?|hours?|hrs?|h"
                        r"|minutes?|mins?)", re.IGNORECASE)
_TIME_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TIME_JOIN = {"and", "to", "or", "through", "until", "up", "at", "from", "after", "post", "-", "–", "&"}
_TIME_LEAD = {"up", "at", "from", "after", "post"}
_DESCRIPTION_START = re.compile(r"[A-Z][a-z]{2,}\W*")


def _outcome(row: str, record: TrialRecord) -> Outcome | None:
    """An outcome row: kind word, then measure, description and time frame run together.

    The time frame is the run of time words ending the row; the description starts at the one place where a
    capitalised word follows a lower-case one.  Where that is not clear the rest is kept whole as the measure.
    """
    m = _OUTCOME_KIND.fullmatch(row)
    if m is None:
        return None
    text = m.group(2).strip()
    words = text.split()
    if words[-1] in ("Yes", "No"):
        record.dropped.append(f"Outcome safety issue: {words[-1]} ({short(text, 60)})")
        words = words[:-1]
    cut = _time_frame_start(words)
    time_frame = " ".join(words[cut:]) or None
    words = words[:cut]
    starts = [i for i in range(1, len(words))
              if words[i - 1][:1].islower() and _DESCRIPTION_START.fullmatch(words[i])]
    if len(starts) == 1:
        measure, description = " ".join(words[:starts[0]]), " ".join(words[starts[0]:])
    else:
        measure, description = " ".join(words), None
        if len(words) > 10:
            record.warnings.append(f"Outcome row {short(text, 60)!r}: measure and description could not be told"
                                   " apart; kept whole as the measure")
    if time_frame is None:
        record.warnings.append(f"Outcome row {short(text, 60)!r}: no time frame found")
    return Outcome(kind=m.group(1).casefold(), measure=measure, description=description, time_frame=time_frame)


def _time_frame_start(words: list[str]) -> int:
    """Index of the first word of the time-frame run ending ``words`` (len(words) when there is none)."""
    start = len(words)
    while start > 1 and _is_time_word(words, start - 1):
        start -= 1
    while start < len(words) and words[start].casefold().strip(",;") in _TIME_JOIN - _TIME_LEAD:
        start += 1
    run = words[start:]
    pieces = [p for w in run for p in re.split(r"[,;]", w) if p]
    if not (any(_TIME_UNIT.fullmatch(p) or p.casefold() == "baseline" for p in pieces)
            and any(_TIME_NUMBER.search(p) for p in pieces)) or start == 0:
        return len(words)
    half = len(run) // 2
    # the site repeats a time frame that the description already ends with: keep one copy as the time frame
    if len(run) % 2 == 0 and run[:half] == run[half:]:
        return start + half
    return start


def _is_time_word(words: list[str], i: int) -> bool:
    word = words[i]
    pieces = [p for p in re.split(r"[,;]", word) if p]
    if not pieces:
        return False
    if word.casefold().rstrip(",;") == "baseline":
        following = words[i + 1].casefold() if i + 1 < len(words) else ""
        # "Baseline, week 12" / "baseline to week 12" are time frames; "compare with baseline 2 weeks" is not
        return word.endswith(",") or following in _TIME_JOIN
    return all(_TIME_UNIT.fullmatch(p) or _TIME_NUMBER.fullmatch(p) or p.casefold() in _TIME_JOIN
               for p in pieces)
