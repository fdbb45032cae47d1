"""The marshmallow schema of canonical TrialRecord JSON: what a local registry file may hold, checked on load.

Field names are TrialRecord's own. Coded fields take ClinicalTrials.gov v2 enums ("RECRUITING") or the
registry's wording ("Recruiting"); dates take ISO 8601 at any precision or "December 31, 2022"; ages take
"18 Years" or {"value": 18, "unit": "a"}.  Unknown keys are not errors: they are reported as dropped.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from .. import record as r
from . import terms
from .ids import identify
from .values import parse_age, parse_date


class Term(fields.String):
    """A coded value: the v2 enum, or wording the registry terms table knows."""

    def __init__(self, category: str, **kwargs):
        self.category = category
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        enum = terms.to_enum(self.category, text)
        if enum is None:
            raise ValidationError(f"unknown {self.category.replace('_', ' ')} {text!r}")
        return enum


class Phases(fields.Field):
    """A list of phases, or one text such as "Phase 1/Phase 2"."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if not isinstance(item, str):
                raise ValidationError("phases must be text")
            found = terms.phases(item)
            if not found:
                raise ValidationError(f"unknown phase {item!r}")
            out.extend(p for p in found if p not in out)
        return out


class IsoDate(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_date(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as e:
            raise ValidationError(str(e)) from None


class AgeField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            try:
                return r.Age(float(value["value"]), value.get("unit", "a"))
            except (KeyError, TypeError, ValueError):
                raise ValidationError("an age needs a numeric value and a UCUM unit") from None
        try:
            return parse_age(str(value))
        except ValueError as e:
            raise ValidationError(str(e)) from None


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE

    model = None

    @post_load
    def make(self, data, **kwargs):
        return self.model(**data)


class IdentifierSchema(_Base):
    model = r.Identifier
    value = fields.String(required=True, validate=validate.Length(min=1))
    kind = fields.String(load_default="secondary", validate=validate.OneOf(["nct", "org", "secondary"]))
    type = fields.String(allow_none=True)
    assigner = fields.String(allow_none=True)
    link = fields.String(allow_none=True)


class CodedSchema(_Base):
    model = r.Coded
    text = fields.String(required=True)
    code = fields.String(allow_none=True)
    system = fields.String(allow_none=True)
    display = fields.String(allow_none=True)


class OrganizationSchema(_Base):
    model = r.Organization
    name = fields.String(required=True)
    agency_class = Term("agency_class", allow_none=True)


class PersonSchema(_Base):
    model = r.Person
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    affiliation = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.Email(allow_none=True)


class SiteSchema(_Base):
    model = r.Site
    facility = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    status = Term("overall_status", allow_none=True)
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    contacts = fields.List(fields.Nested(PersonSchema), load_default=list)


class InterventionSchema(_Base):
    model = r.Intervention
    name = fields.String(required=True)
    type = Term("intervention_type", allow_none=True)
    description = fields.String(allow_none=True)
    arm_labels = fields.List(fields.String(), load_default=list)
    other_names = fields.List(fields.String(), load_default=list)
    codes = fields.List(fields.Nested(CodedSchema), load_default=list)


class ArmSchema(_Base):
    model = r.Arm
    label = fields.String(required=True)
    type = Term("arm_type", allow_none=True)
    description = fields.String(allow_none=True)
    intervention_names = fields.List(fields.String(), load_default=list)


class OutcomeSchema(_Base):
    model = r.Outcome
    kind = fields.String(load_default="primary", validate=validate.OneOf(["primary", "secondary", "other"]))
    measure = fields.String(required=True)
    description = fields.String(allow_none=True)
    time_frame = fields.String(allow_none=True)


class ReferenceSchema(_Base):
    model = r.Reference
    citation = fields.String(allow_none=True)
    pmid = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{1,9}$"))
    doi = fields.String(allow_none=True, validate=validate.Regexp(r"^10\.\S+/\S+$"))
    type = fields.String(allow_none=True)
    url = fields.Url(allow_none=True)
    label = fields.String(allow_none=True)


class DesignSchema(_Base):
    model = r.Design
    study_type = Term("study_type", allow_none=True)
    allocation = Term("allocation", allow_none=True)
    intervention_model = Term("intervention_model", allow_none=True)
    intervention_model_description = fields.String(allow_none=True)
    observational_model = Term("observational_model", allow_none=True)
    time_perspective = Term("time_perspective", allow_none=True)
    masking = Term("masking", allow_none=True)
    masking_description = fields.String(allow_none=True)
    who_masked = fields.List(Term("who_masked"), load_default=list)
    primary_purpose = Term("primary_purpose", allow_none=True)


class EligibilitySchema(_Base):
    model = r.Eligibility
    criteria = fields.String(allow_none=True)
    sex = Term("sex", allow_none=True)
    gender_based = fields.Boolean(allow_none=True)
    gender_description = fields.String(allow_none=True)
    minimum_age = AgeField(allow_none=True)
    maximum_age = AgeField(allow_none=True)
    healthy_volunteers = fields.Boolean(allow_none=True)
    std_ages = fields.List(fields.String(), load_default=list)
    study_population = fields.String(allow_none=True)
    sampling_method = fields.String(allow_none=True)


class DateValueSchema(_Base):
    model = r.DateValue
    value = IsoDate(required=True)
    type = Term("date_type", allow_none=True)


class DateOrStruct(fields.Field):
    """A date as text ("2020-01") or as {"value": ..., "type": "ACTUAL"}."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"value": value}
        return DateValueSchema().load(value)


class TrialRecordSchema(_Base):
    """A whole trial. ``id`` or at least one identifier is required."""
    model = r.TrialRecord
    id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9\-.]{1,64}$", error="id must be 1-64 of A-Z a-z 0-9 - ."))
    nct_id = fields.String(validate=validate.Regexp(r"^NCT\d{8}$", error="not an NCT id"), load_only=True)
    identifiers = fields.List(fields.Nested(IdentifierSchema), load_default=list)
    brief_title = fields.String(allow_none=True)
    official_title = fields.String(allow_none=True)
    acronym = fields.String(allow_none=True)
    overall_status = Term("overall_status", allow_none=True)
    registry_status = fields.String(allow_none=True)
    last_known_status = Term("overall_status", allow_none=True)
    why_stopped = fields.String(allow_none=True)
    phases = Phases(load_default=list)
    design = fields.Nested(DesignSchema, load_default=r.Design)
    conditions = fields.List(fields.Nested(CodedSchema), load_default=list)
    keywords = fields.List(fields.String(), load_default=list)
    brief_summary = fields.String(allow_none=True)
    detailed_description = fields.String(allow_none=True)
    start_date = DateOrStruct(allow_none=True)
    primary_completion_date = DateOrStruct(allow_none=True)
    completion_date = DateOrStruct(allow_none=True)
    first_submitted = IsoDate(allow_none=True)
    last_updated = IsoDate(allow_none=True)
    verified_date = IsoDate(allow_none=True)
    enrollment = fields.Integer(allow_none=True, strict=False, validate=validate.Range(min=0))
    enrollment_type = fields.String(allow_none=True)
    arms = fields.List(fields.Nested(ArmSchema), load_default=list)
    interventions = fields.List(fields.Nested(InterventionSchema), load_default=list)
    outcomes = fields.List(fields.Nested(OutcomeSchema), load_default=list)
    eligibility = fields.Nested(EligibilitySchema, load_default=r.Eligibility)
    sponsor = fields.Nested(OrganizationSchema, allow_none=True)
    collaborators = fields.List(fields.Nested(OrganizationSchema), load_default=list)
    responsible_party = fields.Nested(PersonSchema, allow_none=True)
    officials = fields.List(fields.Nested(PersonSchema), load_default=list)
    central_contacts = fields.List(fields.Nested(PersonSchema), load_default=list)
    sites = fields.List(fields.Nested(SiteSchema), load_default=list)
    references = fields.List(fields.Nested(ReferenceSchema), load_default=list)

    @post_load
    def make(self, data, **kwargs):
        nct = data.pop("nct_id", None)
        if nct and not any(i.kind == "nct" for i in data["identifiers"]):
            data["identifiers"].insert(0, r.Identifier(nct, kind="nct"))
        warnings = []
        if "id" not in data:
            try:
                data["id"], data["id_derived"], warning = identify(data["identifiers"])
            except ValueError:
                raise ValidationError("a trial needs an id, an nct_id or identifiers", field_name="id") from None
            warnings = [warning] if warning else []
        return r.TrialRecord(**data, warnings=warnings)
