"""Read ClinicalTrials.gov API v2 JSON (one study, a ``{"studies": [...]}`` page, an array, or NDJSON)."""
from __future__ import annotations

import codecs
import json
from collections.abc import Iterator

import orjson

from ..errors import FormatError, RecordError
from ..fastjson import loads
from ..record import (Age, Arm, Coded, DateValue, Design, Eligibility, Identifier, Intervention, Organization,
                      Outcome, Person, Reference, Site, TrialRecord)
from .citations import doi_in
from .ids import identify
from .mesh import MeshTerm, pair_conditions, pair_interventions
from .terms import MAPPINGS
from .tracking import SourceNode, Tracker
from .values import clean, parse_age, parse_date, unescape_markdown

FORMATS = ("ctgov-json",)

_MESH = json.loads((MAPPINGS / "code_systems.json").read_text(encoding="utf-8"))["mesh"]
_OUTCOME_KINDS = (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes"))


def sniff(head: bytes, name: str) -> bool:
    """JSON (an object, array or NDJSON) whose first bytes show a v2 ``protocolSection``."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start in (b"{", b"[") and b'"protocolSection"' in head


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    """Every study in ``data`` as a TrialRecord, or a RecordError for a study that cannot be read."""
    position = 0
    for label, study in _studies(data, file):
        if isinstance(study, RecordError):
            yield study
        else:
            yield _checked(study, file, label, position, scan_dropped)
        position += 1


def _studies(data: bytes, file: str):
    """(label, study object) for each study, or (label, RecordError) where the file or the JSON is broken."""
    try:
        # orjson parses the bytes themselves: handed the decoded text, it would first encode it back to UTF-8
        doc = orjson.loads(data.removeprefix(codecs.BOM_UTF8))
    except orjson.JSONDecodeError:
        # not UTF-8, not one JSON value (NDJSON, broken) or JSON only the json module reads: decided on the text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            yield None, FormatError(f"not UTF-8 JSON: undecodable byte at offset {e.start}", file=file)
            return
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            yield from _ndjson_studies(text, file, e)
            return
    if isinstance(doc, dict) and "protocolSection" not in doc and isinstance(doc.get("studies"), list):
        doc = doc["studies"]
    for index, study in enumerate(doc if isinstance(doc, list) else [doc], start=1):
        yield f"#{index}", study


def _ndjson_studies(text: str, file: str, error: json.JSONDecodeError):
    lines = _ndjson_lines(text)
    if lines is None:
        yield None, FormatError(f"malformed JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                                file=file)
        return
    for number, line in lines:
        try:
            yield f"line {number}", loads(line)
        except json.JSONDecodeError as e:
            yield None, RecordError(f"malformed JSON on line {number}: {e.msg} at column {e.colno}",
                                    file=file, record=f"line {number}")


def _ndjson_lines(text: str) -> list[tuple[int, str]] | None:
    """Numbered non-blank lines when ``text`` looks like NDJSON (its first line is a whole JSON object)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) < 2:
        return None
    try:
        first = json.loads(lines[0][1])
    except json.JSONDecodeError:
        return None
    return lines if isinstance(first, dict) else None


def _checked(study, file: str, label: str, position: int, scan_dropped: bool) -> TrialRecord | RecordError:
    nct = _peek_nct(study)
    try:
        if not isinstance(study, dict) or not isinstance(study.get("protocolSection"), dict):
            raise RecordError("not a ClinicalTrials.gov v2 study: no protocolSection object", field="protocolSection")
        tracker = Tracker(scan_dropped)
        record = _record(_Node(study, None, "", tracker))
        record.dropped = tracker.json_dropped(study)
        record.warnings += tracker.notes
    except RecordError as e:
        return RecordError(e.message, file=file, record=nct or label, field=e.field)
    record.source_index = position
    return record


def _peek_nct(study) -> str | None:
    try:
        nct = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct.strip() or None if isinstance(nct, str) else None


class _Node(SourceNode):
    """One JSON object of a study, handing out its values by key and noting each path read (when the tracker
    keeps them)."""

    __slots__ = ("data",)

    def __init__(self, data: dict, parent: _Node | None, key: str, tracker: Tracker):
        super().__init__(parent, key, tracker)
        self.data = data

    def value(self, key: str, kinds: type | tuple = str):
        value = self.data.get(key)
        if value is None:
            return None
        read = self.tracker.read
        if read is not None:
            read.add(self.at(key))
        # JSON gives exact str, bool, int, float and list: a value of the very class asked for needs no other test
        if value.__class__ is not kinds and (not isinstance(value, kinds) or value.__class__ is bool
                                             and kinds is not bool):
            raise RecordError(f"unexpected {type(value).__name__} value {value!r}", field=self.at(key))
        return value

    def code(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        # most values are plain strings that, unless paths are being noted, need nothing but a strip
        if value.__class__ is not str or self.tracker.read is not None:
            value = self.value(key)
        return value.strip() or None

    def text(self, key: str) -> str | None:
        value = self.code(key)
        # the same as unescaping first: an escape's backslash is never next to white space that strip() took
        return unescape_markdown(value) if value and "\\" in value else value

    def flag(self, key: str) -> bool | None:
        return self.value(key, bool)

    def texts(self, key: str, markdown: bool = True) -> list[str]:
        values = self.value(key, list) or []
        out = []
        for value in values:
            if not isinstance(value, str):
                raise RecordError(f"unexpected {type(value).__name__} in list", field=self.at(key) + "[]")
            value = clean(unescape_markdown(value) if markdown else value)
            if value:
                out.append(value)
        return out

    def node(self, key: str) -> _Node:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise RecordError(f"expected an object, got {type(value).__name__}", field=self.at(key))
        if value and self.parent is None and self.tracker.read is not None:
            # a top-level section the reader looked into is reported field by field, not as a whole
            self.tracker.read.add(key)
        return _Node(value or {}, self, key, self.tracker)

    def nodes(self, key: str) -> list[_Node]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise RecordError("expected a list of objects", field=self.at(key))
        item = key + "[]"
        return [_Node(v, self, item, self.tracker) for v in value]

    def date(self, key: str) -> str | None:
        text = self.code(key)
        if text is None:
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise RecordError(f"not a date: {text!r}", field=self.at(key)) from None

    def date_struct(self, key: str) -> DateValue | None:
        struct = self.node(key)
        value = struct.date("date")
        return DateValue(value, struct.code("type")) if value else None

    def age(self, key: str) -> Age | None:
        text = self.code(key)
        try:
            return parse_age(text)
        except ValueError:
            raise RecordError(f"not an age: {text!r}", field=self.at(key)) from None

    def count(self, key: str) -> int | None:
        value = self.value(key, (int, float))
        if value is None:
            return None
        if value < 0 or value != int(value):
            raise RecordError(f"not a count: {value!r}", field=self.at(key))
        return int(value)


def _record(study: _Node) -> TrialRecord:
    protocol = study.node("protocolSection")
    derived = study.node("derivedSection")
    identifiers = _identifiers(protocol.node("identificationModule"))
    try:
        record_id, derived_id, warning = identify(identifiers)
    except ValueError:
        raise RecordError("no identifier: no nctId, orgStudyIdInfo.id or secondaryIdInfos id",
                          field="protocolSection.identificationModule.nctId") from None
    ident = protocol.node("identificationModule")
    record = TrialRecord(id=record_id, identifiers=identifiers, id_derived=derived_id,
                         brief_title=ident.text("briefTitle"), official_title=ident.text("officialTitle"),
                         acronym=ident.text("acronym"))
    if warning:
        record.warnings.append(warning)
    _status(protocol.node("statusModule"), record)
    _sponsors(protocol.node("sponsorCollaboratorsModule"), record)
    description = protocol.node("descriptionModule")
    record.brief_summary = description.text("briefSummary")
    record.detailed_description = description.text("detailedDescription")
    conditions = protocol.node("conditionsModule")
    record.keywords = conditions.texts("keywords")
    record.conditions = _conditions(conditions, derived.node("conditionBrowseModule"))
    _design(protocol.node("designModule"), record)
    _arms_interventions(protocol.node("armsInterventionsModule"), derived.node("interventionBrowseModule"), record)
    outcomes = protocol.node("outcomesModule")
    record.outcomes = [Outcome(kind, o.text("measure") or "", o.text("description"), o.text("timeFrame"))
                       for kind, key in _OUTCOME_KINDS for o in outcomes.nodes(key)]
    record.eligibility = _eligibility(protocol.node("eligibilityModule"))
    _contacts_locations(protocol.node("contactsLocationsModule"), record)
    record.references = _references(protocol.node("referencesModule"))
    return record


def _identifiers(ident: _Node) -> list[Identifier]:
    out = []
    nct = ident.code("nctId")
    if nct:
        out.append(Identifier(nct, "nct"))
    org = ident.node("orgStudyIdInfo")
    org_id = org.code("id")
    if org_id:
        out.append(Identifier(org_id, "org", org.code("type"), ident.node("organization").text("fullName"),
                              org.code("link")))
    for secondary in ident.nodes("secondaryIdInfos"):
        value = secondary.code("id")
        if value:
            out.append(Identifier(value, "secondary", secondary.code("type"), secondary.text("domain"),
                                  secondary.code("link")))
    out.extend(Identifier(alias, "secondary", "NCT_ALIAS", "ClinicalTrials.gov")
               for alias in ident.texts("nctIdAliases", markdown=False))
    return out


def _status(status: _Node, record: TrialRecord) -> None:
    record.overall_status = record.registry_status = status.code("overallStatus")
    record.last_known_status = status.code("lastKnownStatus")
    record.why_stopped = status.text("whyStopped")
    record.verified_date = status.date("statusVerifiedDate")
    record.start_date = status.date_struct("startDateStruct")
    record.primary_completion_date = status.date_struct("primaryCompletionDateStruct")
    record.completion_date = status.date_struct("completionDateStruct")
    record.first_submitted = status.date("studyFirstSubmitDate")
    last_update = status.date_struct("lastUpdatePostDateStruct")
    record.last_updated = last_update.value if last_update else None


def _organization(node: _Node, name_key: str = "name") -> Organization | None:
    name = node.text(name_key)
    return Organization(name, node.code("class")) if name else None


def _sponsors(sponsors: _Node, record: TrialRecord) -> None:
    record.sponsor = _organization(sponsors.node("leadSponsor"))
    record.collaborators = [o for o in map(_organization, sponsors.nodes("collaborators")) if o]
    party = sponsors.node("responsibleParty")
    record.responsible_party_type = party.code("type")
    name = party.text("investigatorFullName") or party.text("oldNameTitle")
    if name:
        record.responsible_party = Person(
            name, "RESPONSIBLE_PARTY", party.text("investigatorAffiliation") or party.text("oldOrganization"),
            party.text("investigatorTitle"))


def _mesh_terms(browse: _Node) -> list[MeshTerm]:
    # browseLeaves say which text each term was found in ("asFound"); they pair terms with texts but are
    # not themselves mapped, so they are looked at without being marked as read
    found = {}
    for leaf in browse.data.get("browseLeaves") or []:
        if isinstance(leaf, dict) and isinstance(leaf.get("name"), str) and isinstance(leaf.get("asFound"), str):
            found.setdefault(leaf["name"].casefold(), leaf["asFound"])
    out = []
    for mesh in browse.nodes("meshes"):
        term, code = mesh.text("term"), mesh.code("id")
        if term:
            out.append(MeshTerm(term, code, found.get(term.casefold())))
    return out


def _conditions(conditions: _Node, browse: _Node) -> list[Coded]:
    return pair_conditions(conditions.texts("conditions"), _mesh_terms(browse), _MESH)


def _design(module: _Node, record: TrialRecord) -> None:
    info = module.node("designInfo")
    masking = info.node("maskingInfo")
    record.phases = module.texts("phases", markdown=False)
    record.design = Design(
        study_type=module.code("studyType"), allocation=info.code("allocation"),
        intervention_model=info.code("interventionModel"),
        intervention_model_description=info.text("interventionModelDescription"),
        observational_model=info.code("observationalModel"), time_perspective=info.code("timePerspective"),
        masking=masking.code("masking"), masking_description=masking.text("maskingDescription"),
        who_masked=masking.texts("whoMasked", markdown=False), primary_purpose=info.code("primaryPurpose"))
    enrollment = module.node("enrollmentInfo")
    record.enrollment = enrollment.count("count")
    record.enrollment_type = enrollment.code("type")


def _arms_interventions(module: _Node, browse: _Node, record: TrialRecord) -> None:
    record.arms = [Arm(arm.text("label") or "", arm.code("type"), arm.text("description"),
                       arm.texts("interventionNames")) for arm in module.nodes("armGroups")]
    interventions = [Intervention(node.text("name") or "", node.code("type"), node.text("description"),
                                  node.texts("armGroupLabels"), node.texts("otherNames"))
                     for node in module.nodes("interventions")]
    codes, unmatched = pair_interventions([[i.name, *i.other_names] for i in interventions],
                                          _mesh_terms(browse), _MESH)
    for intervention, coded in zip(interventions, codes):
        intervention.codes = coded
    if unmatched:
        browse.tracker.leave(browse.at("meshes[]"), "MeSH terms matching no intervention: "
                             + ", ".join(m.term for m in unmatched))
    record.interventions = interventions


def _eligibility(module: _Node) -> Eligibility:
    return Eligibility(
        criteria=module.text("eligibilityCriteria"), sex=module.code("sex"), gender_based=module.flag("genderBased"),
        gender_description=module.text("genderDescription"), minimum_age=module.age("minimumAge"),
        maximum_age=module.age("maximumAge"), healthy_volunteers=module.flag("healthyVolunteers"),
        std_ages=module.texts("stdAges", markdown=False), study_population=module.text("studyPopulation"),
        sampling_method=module.code("samplingMethod"))


def _person(node: _Node, role: str | None = None) -> Person:
    phone, extension = node.code("phone"), node.code("phoneExt")
    if extension:
        phone = f"{phone} ext. {extension}" if phone else f"ext. {extension}"
    return Person(node.text("name") or "", node.code("role") or role, node.text("affiliation"), None, phone,
                  node.code("email"))


def _contacts_locations(module: _Node, record: TrialRecord) -> None:
    record.central_contacts = [_person(c, "CONTACT") for c in module.nodes("centralContacts")]
    record.officials = [_person(o) for o in module.nodes("overallOfficials")]
    sites = []
    for location in module.nodes("locations"):
        geo = location.node("geoPoint")
        sites.append(Site(location.text("facility"), location.text("city"), location.text("state"),
                          location.code("zip"), location.text("country"), location.code("status"),
                          geo.value("lat", (int, float)), geo.value("lon", (int, float)),
                          [_person(c) for c in location.nodes("contacts")]))
    record.sites = sites


def _references(module: _Node) -> list[Reference]:
    out = []
    for ref in module.nodes("references"):
        citation = ref.text("citation")
        out.append(Reference(citation, ref.code("pmid"), doi_in(citation), ref.code("type")))
    out.extend(Reference(type="LINK", url=link.code("url"), label=link.text("label"))
               for link in module.nodes("seeAlsoLinks"))
    return out
