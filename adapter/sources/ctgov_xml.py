"""Read the legacy ClinicalTrials.gov ``<clinical_study>`` XML (AllPublicXML, public.xsd): one study or a wrapper of many."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator

from lxml import etree

from ..errors import FormatError, RecordError
from ..record import (Age, Arm, DateValue, Design, Eligibility, Identifier, Intervention, Organization, Outcome,
                      Person, Reference, Site, TrialRecord)
from .citations import doi_in
from .ids import identify
from .mesh import MeshTerm, pair_conditions, pair_interventions
from .terms import MAPPINGS, phases, to_enum
from .textblock import tidy_textblock
from .tracking import SourceNode, Tracker
from .values import parse_age, parse_bool, parse_count, parse_date

FORMATS = ("ctgov-xml",)

_MESH = json.loads((MAPPINGS / "code_systems.json").read_text(encoding="utf-8"))["mesh"]
_STUDY = "clinical_study"
_OUTCOME_KINDS = (("primary", "primary_outcome"), ("secondary", "secondary_outcome"), ("other", "other_outcome"))
_REFERENCE_KINDS = (("reference", "BACKGROUND"), ("results_reference", "RESULT"))


def sniff(head: bytes, name: str) -> bool:
    """XML whose first bytes hold a ``<clinical_study`` element."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start == b"<" and b"<" + _STUDY.encode() in head


_local = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: making one costs about a quarter of parsing a study, and lxml's parsers may not be
    shared between threads (push reads ahead in a background thread)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                                 remove_comments=True, remove_pis=True)
    return parser


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    """Every ``<clinical_study>`` in ``data`` as a TrialRecord, or a RecordError for one that cannot be read."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        line, column = e.position
        yield FormatError(f"malformed XML: {e.msg} at line {line}, column {column}", file=file)
        return
    studies = [root] if root.tag == _STUDY else list(root.iter(_STUDY))
    if not studies:
        yield FormatError(f"no <{_STUDY}> element (root is <{root.tag}>)", file=file)
        return
    for position, study in enumerate(studies):
        yield _checked(study, file, position, scan_dropped)


def _checked(study, file: str, position: int, scan_dropped: bool) -> TrialRecord | RecordError:
    tracker = Tracker(scan_dropped)
    try:
        record = _record(_Node(study, None, "", tracker))
        record.dropped = tracker.xml_dropped(study)
        record.warnings += tracker.notes
    except RecordError as e:
        nct = " ".join((study.findtext("id_info/nct_id") or "").split())
        return RecordError(e.message, file=file, record=nct or f"#{position + 1}", field=e.field)
    record.source_index = position
    return record


class _Node(SourceNode):
    """One element of a study, handing out its children's text by tag and noting each path read (when the tracker
    keeps them)."""

    __slots__ = ("kids",)
    SEPARATOR = "/"

    def __init__(self, el, parent: _Node | None, tag: str, tracker: Tracker):
        super().__init__(parent, tag, tracker)
        # one pass over the children, then dictionary look-ups: much cheaper than lxml's find() per field
        kids: dict[str, list] = {}
        if el is not None:
            for child in el:
                kids.setdefault(child.tag, []).append(child)
        self.kids = kids

    def _mark(self, path: str) -> None:
        """Note the child path ``path`` as read, if the tracker keeps paths."""
        if self.tracker.read is not None:
            self.tracker.read.add(self.at(path))

    def text(self, tag: str) -> str | None:
        found = self.kids.get(tag)
        if found is None:
            return None
        self._mark(tag)
        return _text(found[0])

    def texts(self, tag: str) -> list[str]:
        found = self.kids.get(tag)
        if found is None:
            return []
        self._mark(tag)
        return [t for t in map(_text, found) if t]

    def block(self, tag: str) -> str | None:
        found = self.kids.get(tag)
        child = found[0].find("textblock") if found else None
        if child is None:
            return None
        self._mark(f"{tag}/textblock")
        return tidy_textblock(child.text)

    def attr(self, tag: str, name: str) -> str | None:
        found = self.kids.get(tag)
        value = found[0].get(name) if found else None
        if value is None:
            return None
        self._mark(f"{tag}/@{name}")
        return value.strip() or None

    def node(self, tag: str) -> _Node:
        found = self.kids.get(tag)
        return _Node(found[0] if found else None, self, tag, self.tracker)

    def nodes(self, tag: str) -> list[_Node]:
        return [_Node(child, self, tag, self.tracker) for child in self.kids.get(tag, ())]

    def coded(self, tag: str, category: str) -> str | None:
        """The v2 enum for the child's wording; wording with no enum is listed as dropped."""
        text = self.text(tag)
        enum = to_enum(category, text)
        if text and enum is None:
            self.tracker.leave(self.at(tag), f"no {category} code for {text!r}")
        return enum

    def date(self, tag: str) -> str | None:
        text = self.text(tag)
        if text is None:
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise RecordError(f"not a date: {text!r}", field=self.at(tag)) from None

    def dated(self, tag: str) -> DateValue | None:
        value = self.date(tag)
        return DateValue(value, self.coded_attr(tag, "type", "date_type")) if value else None

    def coded_attr(self, tag: str, name: str, category: str) -> str | None:
        text = self.attr(tag, name)
        enum = to_enum(category, text)
        if text and enum is None:
            self.tracker.leave(f"{self.at(tag)}/@{name}", f"no {category} code for {text!r}")
        return enum

    def age(self, tag: str) -> Age | None:
        text = self.text(tag)
        try:
            return parse_age(text)
        except ValueError:
            raise RecordError(f"not an age: {text!r}", field=self.at(tag)) from None


def _text(element) -> str | None:
    return " ".join((element.text or "").split()) or None


def _record(study: _Node) -> TrialRecord:
    sponsors = study.node("sponsors")
    lead = _organization(sponsors.node("lead_sponsor"))
    identifiers = _identifiers(study.node("id_info"), lead)
    try:
        record_id, derived_id, warning = identify(identifiers)
    except ValueError:
        raise RecordError("no identifier: no nct_id, org_study_id or secondary_id", field="id_info/nct_id") from None
    record = TrialRecord(id=record_id, identifiers=identifiers, id_derived=derived_id,
                         brief_title=study.text("brief_title"), official_title=study.text("official_title"),
                         acronym=study.text("acronym"), sponsor=lead)
    if warning:
        record.warnings.append(warning)
    record.collaborators = [o for o in map(_organization, sponsors.nodes("collaborator")) if o]
    record.brief_summary = study.block("brief_summary")
    record.detailed_description = study.block("detailed_description")
    _status(study, record)
    record.phases = _phases(study)
    record.design = _design(study)
    record.enrollment, record.enrollment_type = _enrollment(study)
    record.conditions = pair_conditions(study.texts("condition"), _mesh_terms(study.node("condition_browse")), _MESH)
    record.keywords = study.texts("keyword")
    record.arms = [Arm(arm.text("arm_group_label") or "", arm.coded("arm_group_type", "arm_type"),
                       arm.text("description")) for arm in study.nodes("arm_group")]
    record.interventions = _interventions(study, record.arms)
    record.outcomes = [Outcome(kind, o.text("measure") or "", o.text("description"), o.text("time_frame"))
                       for kind, tag in _OUTCOME_KINDS for o in study.nodes(tag)]
    record.eligibility = _eligibility(study.node("eligibility"))
    record.officials = [_person(o, "overall_official") for o in study.nodes("overall_official")]
    record.central_contacts = ([_person(c, "CONTACT") for c in study.nodes("overall_contact")]
                               + [_person(c, "BACKUP") for c in study.nodes("overall_contact_backup")])
    record.sites = _sites(study)
    record.references = [Reference(ref.text("citation"), ref.text("PMID"), doi_in(ref.text("citation")), kind)
                         for tag, kind in _REFERENCE_KINDS for ref in study.nodes(tag)]
    record.references += [Reference(type="LINK", url=link.text("url"), label=link.text("description"))
                          for link in study.nodes("link")]
    _responsible_party(study.node("responsible_party"), record)
    return record


def _organization(node: _Node) -> Organization | None:
    name = node.text("agency")
    return Organization(name, node.coded("agency_class", "agency_class")) if name else None


def _identifiers(ids: _Node, lead: Organization | None) -> list[Identifier]:
    out = [Identifier(v, "nct") for v in ids.texts("nct_id")[:1]]
    # the org study id is the lead sponsor's own number for the study
    out += [Identifier(v, "org", assigner=lead.name if lead else None) for v in ids.texts("org_study_id")]
    out += [Identifier(v, "secondary") for v in ids.texts("secondary_id")]
    out += [Identifier(v, "secondary", "NCT_ALIAS", "ClinicalTrials.gov") for v in ids.texts("nct_alias")]
    return out


def _status(study: _Node, record: TrialRecord) -> None:
    record.registry_status = study.text("overall_status")
    record.overall_status = study.coded("overall_status", "overall_status")
    record.last_known_status = study.coded("last_known_status", "overall_status")
    record.why_stopped = study.text("why_stopped")
    record.start_date = study.dated("start_date")
    record.primary_completion_date = study.dated("primary_completion_date")
    record.completion_date = study.dated("completion_date")
    record.verified_date = study.date("verification_date")
    record.first_submitted = study.date("study_first_submitted") or study.date("firstreceived_date")
    record.last_updated = study.date("last_update_posted") or study.date("lastchanged_date")


def _design(study: _Node) -> Design:
    info = study.node("study_design_info")
    masking, who_masked = _masking(info)
    return Design(
        study_type=study.coded("study_type", "study_type"), allocation=info.coded("allocation", "allocation"),
        intervention_model=info.coded("intervention_model", "intervention_model"),
        intervention_model_description=info.text("intervention_model_description"),
        observational_model=info.coded("observational_model", "observational_model"),
        time_perspective=info.coded("time_perspective", "time_perspective"), masking=masking,
        masking_description=info.text("masking_description"), who_masked=who_masked,
        primary_purpose=info.coded("primary_purpose", "primary_purpose"))


def _phases(study: _Node) -> list[str]:
    """"Phase 1/Phase 2" -> [PHASE1, PHASE2]; "N/A" is one term, not two."""
    text = study.text("phase")
    whole = to_enum("phase", text)
    found = [whole] if whole else phases(text)
    if text and not found:
        study.tracker.leave("phase", f"no phase code for {text!r}")
    return found


def _masking(info: _Node) -> tuple[str | None, list[str]]:
    """"Double (Participant, Investigator)" -> DOUBLE and who was masked; "None (Open Label)" -> NONE."""
    text = info.text("masking")
    if not text:
        return None, []
    whole = to_enum("masking", text)
    level, _, who = text.partition("(")
    enum = whole or to_enum("masking", level)
    roles = [] if whole else [to_enum("who_masked", w) for w in who.rstrip(")").split(",") if w.strip()]
    if enum is None or None in roles:
        info.tracker.leave(info.at("masking"), f"masking {text!r} not fully understood")
    return enum, [r for r in roles if r]


def _enrollment(study: _Node) -> tuple[int | None, str | None]:
    text = study.text("enrollment")
    if text is None:
        return None, None
    try:
        count = parse_count(text)
    except ValueError:
        raise RecordError(f"not a count: {text!r}", field="enrollment") from None
    return count, study.coded_attr("enrollment", "type", "date_type")


def _mesh_terms(browse: _Node) -> list[MeshTerm]:
    return [MeshTerm(term) for term in browse.texts("mesh_term")]


def _interventions(study: _Node, arms: list[Arm]) -> list[Intervention]:
    out = []
    for node in study.nodes("intervention"):
        wording = node.text("intervention_type")
        out.append(Intervention(node.text("intervention_name") or "", node.coded("intervention_type",
                                                                                 "intervention_type"),
                                node.text("description"), node.texts("arm_group_label"), node.texts("other_name")))
        # the XML lists an arm's interventions only on the intervention; v2 keeps them on the arm too
        for arm in arms:
            if arm.label in out[-1].arm_labels:
                arm.intervention_names.append(f"{wording}: {out[-1].name}" if wording else out[-1].name)
    browse = study.node("intervention_browse")
    codes, unmatched = pair_interventions([[i.name, *i.other_names] for i in out], _mesh_terms(browse), None)
    for intervention, coded in zip(out, codes):
        intervention.codes = coded
    if unmatched:
        study.tracker.leave(browse.at("mesh_term"), "MeSH terms matching no intervention: "
                            + ", ".join(m.term for m in unmatched))
    return out


def _eligibility(node: _Node) -> Eligibility:
    return Eligibility(
        criteria=node.block("criteria"), sex=node.coded("gender", "sex"),
        gender_based=parse_bool(node.text("gender_based")), gender_description=node.text("gender_description"),
        minimum_age=node.age("minimum_age"), maximum_age=node.age("maximum_age"),
        healthy_volunteers=parse_bool(node.text("healthy_volunteers")), study_population=node.block("study_pop"),
        sampling_method=node.coded("sampling_method", "sampling_method"))


def _name(node: _Node) -> str:
    parts = [node.text(t) for t in ("first_name", "middle_name", "last_name")]
    name = " ".join(p for p in parts if p)
    degrees = node.text("degrees")
    return f"{name}, {degrees}" if name and degrees else name or degrees or ""


def _person(node: _Node, role: str) -> Person:
    """An official (role from its <role>), contact or investigator; ``role`` names a fixed role or the tag."""
    if role in ("overall_official", "investigator"):
        role = node.coded("role", "official_role")
    phone, extension = node.text("phone"), node.text("phone_ext")
    if extension:
        phone = f"{phone} ext. {extension}" if phone else f"ext. {extension}"
    return Person(_name(node), role, node.text("affiliation"), None, phone, node.text("email"))


def _sites(study: _Node) -> list[Site]:
    sites = []
    for location in study.nodes("location"):
        facility = location.node("facility")
        address = facility.node("address")
        contacts = ([_person(c, "CONTACT") for c in location.nodes("contact")]
                    + [_person(c, "BACKUP") for c in location.nodes("contact_backup")]
                    + [_person(i, "investigator") for i in location.nodes("investigator")])
        sites.append(Site(facility.text("name"), address.text("city"), address.text("state"), address.text("zip"),
                          address.text("country"), location.coded("status", "overall_status"), contacts=contacts))
    # location_countries repeats the sites' countries; a country with no listed site becomes a country-only site
    known = {s.country for s in sites}
    sites += [Site(country=c) for c in study.node("location_countries").texts("country") if c not in known]
    return sites


def _responsible_party(party: _Node, record: TrialRecord) -> None:
    record.responsible_party_type = party.coded("responsible_party_type", "responsible_party_type")
    name = party.text("investigator_full_name") or party.text("name_title")
    if name:
        record.responsible_party = Person(
            name, "RESPONSIBLE_PARTY", party.text("investigator_affiliation") or party.text("organization"),
            party.text("investigator_title"))
