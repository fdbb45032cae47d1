"""Read a registry detail page: titled sections (each with a one-line site blurb) holding v2 enum values."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ..errors import RecordError
from ..record import Arm, Coded, DateValue, Identifier, Intervention, Organization, Person, Reference, Site, TrialRecord
from . import terms
from .citations import doi_in
from .page_text import (NCT_ID, Page, PageFieldError, Section, add_identifier, criteria_text, find_pmid,
                        head_lines, is_date_like, is_json_or_xml, own_id, page_date, phase_line)
from .values import parse_age, parse_bool, parse_count, unescape_markdown

FORMATS = ("registry-detail-page",)

_KNOWN = {name.casefold(): name for name in (
    "Study Results", "Basic Information", "Brief Summary", "Related Clinical Trials", "Detailed Description",
    "Conditions", "Keywords", "Study Design", "Study Groups", "Interventions", "Other Intervention Names",
    "Eligibility Criteria", "Sponsors", "Collaborators", "Responsible Party", "Principal Investigators",
    "Locations", "Countries", "References", "Other Identifiers", "More Related Trials")}
# the site writes one sentence under every section title ("Get a concise snapshot of the trial, ...")
_BLURB = re.compile(r"(?:Get|Review|Explore|Dive|See|Understand|Learn|Discover|Check|Meet|Identify|Find|View"
                    r"|Browse|Read|Additional)\b.{10,}\.")
_TITLE_WORD = re.compile(r"[A-Z][\w'&/()-]*|and|of|or|the|for|in|&")
_LABEL = re.compile(r"(NCT ID|Last Updated):\s*(.*)", re.IGNORECASE)
_ENUM = re.compile(r"[A-Z][A-Z0-9_]*")
_PARTICIPANTS = re.compile(r"(\d[\d,]*)\s+participants?", re.IGNORECASE)
_INTERVENTION_LINE = re.compile(r"Interventions?:\s*(.+)")
_ROLE = re.compile(r"Role:\s*(.*)")
_IDENTIFIER_FIELD = re.compile(r"Identifier (Type|Source|Domain|Link):\s*(.*)")
_URL = re.compile(r"https?://\S+")
_PMID_LINE = re.compile(r"PMID:?\s*\d+")


def sniff(head: bytes, name: str) -> bool:
    if is_json_or_xml(head):
        return False
    lines = head_lines(head)
    blurbs = any(line.startswith("Get a concise snapshot of the trial") for line in lines)
    return "Basic Information" in lines and (blurbs or {"Study Groups", "Eligibility Criteria"} & lines != set())


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    page = Page(data)
    sections = page.sections(lambda n: _header_of(page, n))
    record = TrialRecord(id="")
    named = _by_name(sections)
    _identifiers(page, named, record)
    try:
        own_id(record)
    except ValueError:
        yield RecordError("page has neither an NCT ID line nor other identifiers to derive an id from",
                          file=file, field="NCT ID")
        return
    try:
        for name, handle in _HANDLERS:
            for section in named.get(name, []):
                handle(page, section, record)
    except PageFieldError as e:
        yield RecordError(f"{e.problem}: {e.value!r}", file=file, record=record.id, field=e.field)
        return
    if record.title is None:
        record.warnings.append("page has no title line: title left empty")
    record.dropped.extend(page.leftovers(sections))
    yield record


def _header_of(page: Page, n: int) -> str | None:
    """The section a line opens: a known title, or any short title-cased line followed by a site blurb."""
    text = page.lines[n]
    following = page.lines[n + 1] if n + 1 < len(page.lines) else ""
    name = _KNOWN.get(text.casefold())
    if name is None and (len(text.split()) > 6 or not all(_TITLE_WORD.fullmatch(w) for w in text.split())
                         or not _BLURB.fullmatch(following)):
        return None
    if _BLURB.fullmatch(following):
        page.take(n + 1)
    return name or text


def _by_name(sections: list[Section]) -> dict[str, list[Section]]:
    named: dict[str, list[Section]] = {}
    for section in sections:
        named.setdefault(section.name, []).append(section)
    return named


def _enum_line(category: str, text: str) -> str | None:
    """The v2 enum when the line is written as one ("DRUG", "OTHER"), so that a name such as "Other" is not."""
    return terms.to_enum(category, text) if _ENUM.fullmatch(text) else None


def _text(page: Page, section: Section) -> str | None:
    lines = page.fresh(section)
    page.take(*(n for n, _ in lines))
    return "\n".join(unescape_markdown(text) for _, text in lines) or None


def _identifiers(page: Page, named: dict[str, list[Section]], record: TrialRecord) -> None:
    for section in named.get("", []):
        for n, text in page.fresh(section):
            m = _LABEL.fullmatch(text)
            if m and m.group(1).casefold() == "nct id" and NCT_ID.fullmatch(m.group(2).strip()):
                add_identifier(record, m.group(2), "nct")
                page.take(n)
    for section in named.get("Other Identifiers", []):
        _other_identifiers(page, section, record)


def _other_identifiers(page: Page, section: Section, record: TrialRecord) -> None:
    """Blocks of: value, "Identifier Type: EUDRACT_NUMBER", "Identifier Source: secondary_id"."""
    current: Identifier | None = None
    for n, text in page.fresh(section):
        m = _IDENTIFIER_FIELD.fullmatch(text)
        if m is None:
            current = Identifier(value=text)
            record.identifiers.append(current)
        elif current is not None:
            key, value = m.group(1), m.group(2).strip()
            value = None if value in ("", "-") else value
            if key == "Type" and value:
                current.type = terms.to_enum("secondary_id_type", value) or value
            elif key == "Source" and value:
                current.kind = "org" if value.casefold() == "org_study_id" else "secondary"
            elif key == "Domain":
                current.assigner = value
            elif key == "Link":
                current.link = value
        else:
            continue
        page.take(n)


def _head(page: Page, section: Section, record: TrialRecord) -> None:
    """The title line and the "Last Updated:" line above the first section."""
    for n, text in page.fresh(section):
        m = _LABEL.fullmatch(text)
        if m and m.group(1).casefold() == "last updated":
            record.last_updated = page_date("Last Updated", m.group(2)) if m.group(2).strip() else None
            page.take(n)
        elif m is None and record.brief_title is None:
            record.brief_title = text
            page.take(n)


def _basic(page: Page, section: Section, record: TrialRecord) -> None:
    """Status, phases, "36 participants", study type and the timeline dates, told apart by their values."""
    dates: list[tuple[int, str]] = []
    for n, text in page.fresh(section):
        if status := terms.to_enum("overall_status", text):
            record.overall_status, record.registry_status = status, text
        elif phases := phase_line(text):
            record.phases = phases
        elif m := _PARTICIPANTS.fullmatch(text):
            record.enrollment = parse_count(m.group(1))
        elif study_type := terms.to_enum("study_type", text):
            record.design.study_type = study_type
        elif is_date_like(text):
            dates.append((n, text))
            continue
        else:
            continue
        page.take(n)
    # the block shows the timeline in order, unlabelled: start, [primary completion,] completion
    labels = {1: ["Start date"], 2: ["Start date", "Completion date"],
              3: ["Start date", "Primary completion date", "Completion date"]}.get(len(dates), [])
    for (n, text), label in zip(dates, labels):
        setattr(record, label.lower().replace(" ", "_"), DateValue(page_date(label, text)))
        page.take(n)


_DESIGN_SLOTS = {
    "INTERVENTIONAL": ("allocation", "intervention_model", "primary_purpose", "masking", "who_masked"),
    "OBSERVATIONAL": ("observational_model", "time_perspective"),
}
_ALL_SLOTS = ("allocation", "intervention_model", "primary_purpose", "masking", "who_masked",
              "observational_model", "time_perspective")


def _design(page: Page, section: Section, record: TrialRecord) -> None:
    """Design enums placed by the table each value belongs to; free text after a model or masking describes it."""
    design = record.design
    slots = _DESIGN_SLOTS.get(design.study_type or "", _ALL_SLOTS)
    last = None
    for n, text in page.fresh(section):
        candidates = [s for s in slots if _enum_line(s, text) and (s == "who_masked" or getattr(design, s) is None)]
        if candidates:
            slot = candidates[0]
            if len(candidates) > 1:
                record.warnings.append(f"Study Design value {text!r} fits {', '.join(candidates)}: read as {slot}")
            value = _enum_line(slot, text)
            if slot == "who_masked":
                design.who_masked.append(value)
            else:
                setattr(design, slot, value)
            last = slot
        elif last in ("intervention_model", "masking") and getattr(design, f"{last}_description") is None:
            setattr(design, f"{last}_description", unescape_markdown(text))
            last = None
        else:
            continue
        page.take(n)


def _interventions(page: Page, section: Section, record: TrialRecord) -> None:
    """Names, each with the description lines below it; a type written as an enum ("DRUG") applies to the next name.

    A name is a line the arms name ("Intervention: X"), or a line that does not read as prose.
    """
    named_in_groups = {_intervention_name(m.group(1)) for m in map(_INTERVENTION_LINE.fullmatch, page.lines) if m}
    current: Intervention | None = None
    kind = None
    for n, text in page.fresh(section):
        page.take(n)
        if found := _enum_line("intervention_type", text):
            kind = found
        elif (current is None or text in named_in_groups
              or (not _prose(text) and (not named_in_groups or current.description is not None))):
            current = Intervention(name=text, type=kind)
            record.interventions.append(current)
            kind = None
        elif current.description is None:
            current.description = unescape_markdown(text)
        else:
            current.description += "\n" + unescape_markdown(text)


def _prose(text: str) -> bool:
    return text.endswith((".", ")")) or len(text.split()) >= 6


def _intervention_name(text: str) -> str:
    """"Drug: Placebo" -> "Placebo"; "Placebo" stays."""
    prefix, sep, rest = text.partition(":")
    return rest.strip() if sep and terms.to_enum("intervention_type", prefix) else text.strip()


def _groups(page: Page, section: Section, record: TrialRecord) -> None:
    """Arms: label, description, "Intervention: X" lines, each followed by the page's copy of X's name and text."""
    interventions = {i.name: i for i in record.interventions}
    lines = page.fresh(section)
    bare = not any(_INTERVENTION_LINE.fullmatch(text) for _, text in lines)
    arm: Arm | None = None
    i = 0
    while i < len(lines):
        n, text = lines[i]
        page.take(n)
        if m := _INTERVENTION_LINE.fullmatch(text):
            name = _intervention_name(m.group(1))
            if arm is not None:
                _link(record, arm, name)
            i += 1 + _copy_length(lines, i + 1, interventions.get(name), page)
            continue
        if bare and arm and arm.description and text in interventions and _is_copy(lines, i, interventions):
            _link(record, arm, text)
            i += _copy_length(lines, i, interventions[text], page)
            continue
        if arm is not None and (arm_type := _enum_line("arm_type", text)):
            arm.type = arm_type
        elif arm is None or arm.description is not None or arm.intervention_names:
            arm = Arm(label=text)
            record.arms.append(arm)
        else:
            arm.description = unescape_markdown(text)
        i += 1


def _link(record: TrialRecord, arm: Arm, name: str) -> None:
    if name not in arm.intervention_names:
        arm.intervention_names.append(name)
    for intervention in record.interventions:
        if intervention.name == name and arm.label not in intervention.arm_labels:
            intervention.arm_labels.append(arm.label)


def _copy_length(lines: list[tuple[int, str]], j: int, intervention: Intervention | None, page: Page) -> int:
    """How many lines from j repeat an intervention's name and description (0, 1 or 2); marks them used."""
    count = 0
    if intervention and j < len(lines) and lines[j][1] == intervention.name:
        count = 1
        if (intervention.description and j + 1 < len(lines)
                and unescape_markdown(lines[j + 1][1]) == intervention.description):
            count = 2
    page.take(*(n for n, _ in lines[j:j + count]))
    return count


def _is_copy(lines: list[tuple[int, str]], i: int, interventions: dict[str, Intervention]) -> bool:
    """Without "Intervention:" lines, a bare intervention name is its copy when what follows is not an arm text."""
    if i + 1 >= len(lines):
        return True
    following = lines[i + 1][1]
    return following in interventions or unescape_markdown(following) == interventions[lines[i][1]].description


def _eligibility(page: Page, section: Section, record: TrialRecord) -> None:
    """Criteria lines, then unlabelled trailing lines: minimum age, maximum age, sex, healthy volunteers."""
    lines = page.fresh(section)
    tail: list[tuple[int, str]] = []
    while lines and _is_attribute(lines[-1][1]):
        tail.insert(0, lines.pop())
    record.eligibility.criteria = criteria_text(unescape_markdown(text) for _, text in lines)
    page.take(*(n for n, _ in lines + tail))
    ages = []
    for _, text in tail:
        if sex := terms.to_enum("sex", text):
            record.eligibility.sex = sex
        elif (healthy := parse_bool(text)) is not None:
            record.eligibility.healthy_volunteers = healthy
        else:
            ages.append(text)
    if len(ages) == 1:
        record.warnings.append(f"one unlabelled age limit {ages[0]!r}: read as the minimum age")
    if ages:
        record.eligibility.minimum_age = parse_age(ages[0])
    if len(ages) > 1:
        record.eligibility.maximum_age = parse_age(ages[1])


def _is_attribute(text: str) -> bool:
    if terms.to_enum("sex", text) or parse_bool(text) is not None:
        return True
    try:
        parse_age(text)
    except ValueError:
        return False
    return True


def _organizations(page: Page, section: Section) -> list[Organization]:
    """Name lines, each optionally followed by its agency class enum."""
    orgs: list[Organization] = []
    for n, text in page.fresh(section):
        page.take(n)
        agency = _enum_line("agency_class", text)
        if agency and orgs and orgs[-1].agency_class is None:
            orgs[-1].agency_class = agency
        else:
            orgs.append(Organization(name=text))
    return orgs


def _sponsors(page: Page, section: Section, record: TrialRecord) -> None:
    orgs = _organizations(page, section)
    if orgs:
        record.sponsor = orgs[0]
        record.collaborators.extend(orgs[1:])


def _collaborators(page: Page, section: Section, record: TrialRecord) -> None:
    record.collaborators.extend(_organizations(page, section))


def _responsible_party(page: Page, section: Section, record: TrialRecord) -> None:
    """Name, title, affiliation; a type enum (PRINCIPAL_INVESTIGATOR) wherever it stands."""
    texts = []
    for n, text in page.fresh(section):
        page.take(n)
        if party_type := _enum_line("responsible_party_type", text):
            record.responsible_party_type = party_type
        else:
            texts.append(text)
    if texts:
        record.responsible_party = Person(name=texts[0], role="RESPONSIBLE_PARTY",
                                          title=texts[1] if len(texts) > 1 else None,
                                          affiliation=texts[2] if len(texts) > 2 else None)
        page_rest = texts[3:]
        if page_rest:
            record.dropped.append(f"Responsible Party: {'; '.join(page_rest)}")


def _investigators(page: Page, section: Section, record: TrialRecord) -> None:
    """People as name, "Role: STUDY_DIRECTOR", affiliation (name and affiliation pairs when no roles are shown)."""
    lines = page.fresh(section)
    with_roles = any(_ROLE.fullmatch(text) for _, text in lines)
    person: Person | None = None
    expect_affiliation = False
    for n, text in lines:
        page.take(n)
        if (m := _ROLE.fullmatch(text)) and person is not None:
            role = m.group(1).strip()
            person.role = terms.to_enum("official_role", role) or role or None
            expect_affiliation = True
        elif person is not None and person.affiliation is None and (expect_affiliation or not with_roles):
            person.affiliation = text
            expect_affiliation = False
        else:
            person = Person(name=text)
            record.officials.append(person)
            expect_affiliation = False


def _locations(page: Page, section: Section, record: TrialRecord) -> None:
    """Sites as facility, "City, State, Country" and an optional recruitment status enum."""
    site: Site | None = None
    for n, text in page.fresh(section):
        page.take(n)
        status = _enum_line("overall_status", text)
        if status and site is not None:
            site.status = status
        elif site is not None and site.country is None and site.city is None and "," in text:
            _address(site, text)
        else:
            site = Site(facility=text)
            record.sites.append(site)


def _address(site: Site, text: str) -> None:
    parts = [p.strip() or None for p in text.split(",")]
    site.city, site.country = parts[0], parts[-1]
    if len(parts) == 3:
        site.state = parts[1]
    elif len(parts) >= 4:
        site.state, site.postal_code = parts[1], parts[2]


def _references(page: Page, section: Section, record: TrialRecord) -> None:
    """Citations (DOI and PMID taken from their text), links, and type enums applying to the line above."""
    for n, text in page.fresh(section):
        page.take(n)
        last = record.references[-1] if record.references else None
        if last is not None and (ref_type := _enum_line("reference_type", text)):
            last.type = ref_type
        elif last is not None and _PMID_LINE.fullmatch(text) and last.pmid is None:
            last.pmid = find_pmid(text)
        elif _URL.fullmatch(text):
            record.references.append(Reference(url=text, type="LINK"))
        else:
            record.references.append(Reference(citation=text, doi=doi_in(text), pmid=find_pmid(text)))


def _conditions(page: Page, section: Section, record: TrialRecord) -> None:
    for n, text in page.fresh(section):
        record.conditions.append(Coded(text=text))
        page.take(n)


def _keywords(page: Page, section: Section, record: TrialRecord) -> None:
    for n, text in page.fresh(section):
        record.keywords.append(text)
        page.take(n)


def _other_names(page: Page, section: Section, record: TrialRecord) -> None:
    """"Name: other name" lines, or plain names when the study has a single intervention."""
    by_name = {i.name: i for i in record.interventions}
    for n, text in page.fresh(section):
        name, sep, other = text.partition(":")
        if sep and name.strip() in by_name and other.strip():
            by_name[name.strip()].other_names.append(other.strip())
        elif not sep and len(record.interventions) == 1:
            record.interventions[0].other_names.append(text)
        else:
            continue
        page.take(n)


def _skip(page: Page, section: Section, record: TrialRecord) -> None:
    page.take(*section.numbers)


def _summary(page: Page, section: Section, record: TrialRecord) -> None:
    record.brief_summary = _text(page, section)


def _description(page: Page, section: Section, record: TrialRecord) -> None:
    record.detailed_description = _text(page, section)


Handler = Callable[[Page, Section, TrialRecord], None]
# order matters: study type before design, interventions before the groups that repeat them
_HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("Related Clinical Trials", _skip), ("More Related Trials", _skip),
    ("", _head), ("Basic Information", _basic), ("Brief Summary", _summary),
    ("Detailed Description", _description), ("Conditions", _conditions), ("Keywords", _keywords),
    ("Study Design", _design), ("Interventions", _interventions), ("Study Groups", _groups),
    ("Other Intervention Names", _other_names), ("Eligibility Criteria", _eligibility),
    ("Sponsors", _sponsors), ("Collaborators", _collaborators), ("Responsible Party", _responsible_party),
    ("Principal Investigators", _investigators), ("Locations", _locations), ("References", _references),
)
