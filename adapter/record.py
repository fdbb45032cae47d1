"""TrialRecord: the one canonical, FHIR-free model of a clinical trial that every reader produces.

Coded fields hold ClinicalTrials.gov API v2 enum values (``RECRUITING``, ``PHASE2``, ``RANDOMIZED``...),
whatever the source format: readers translate their own wording through ``mappings/registry_terms.json``,
and the FHIR mappers translate these enums to FHIR codes.  Dates are ISO 8601 with the precision the source
gave (``2015``, ``2015-09``, ``2015-09-30``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache


@dataclass
class Identifier:
    value: str
    # nct | org | secondary
    kind: str = "secondary"
    # registry's identifier type: EUDRACT_NUMBER, NIH, FDA, REGISTRY, OTHER_GRANT, OTHER...
    type: str | None = None
    # the assigning organisation or registry ("UT MD Anderson Cancer Center", "NCI PDQ")
    assigner: str | None = None
    link: str | None = None


@dataclass
class Coded:
    """A concept as the registry gave it: text, with a code when the record carries one."""
    text: str
    code: str | None = None
    system: str | None = None
    # the code's own name in its system ("Prostatic Neoplasms" for the text "Prostate Cancer")
    display: str | None = None


@dataclass
class Organization:
    name: str
    # registry's agency class: NIH, FED, INDUSTRY, OTHER, OTHER_GOV, NETWORK, INDIV, UNKNOWN
    agency_class: str | None = None


@dataclass
class Person:
    name: str
    # PRINCIPAL_INVESTIGATOR, STUDY_DIRECTOR, STUDY_CHAIR, SUB_INVESTIGATOR, CONTACT, BACKUP, RESPONSIBLE_PARTY
    role: str | None = None
    affiliation: str | None = None
    title: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    # site recruitment status (v2 enum)
    status: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contacts: list[Person] = field(default_factory=list)


@dataclass
class Intervention:
    name: str
    # DRUG, DEVICE, BIOLOGICAL, PROCEDURE, RADIATION, BEHAVIORAL, GENETIC, DIETARY_SUPPLEMENT,
    # COMBINATION_PRODUCT, DIAGNOSTIC_TEST, OTHER
    type: str | None = None
    description: str | None = None
    arm_labels: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)
    # MeSH codes the registry derived for this intervention
    codes: list[Coded] = field(default_factory=list)


@dataclass
class Arm:
    label: str
    # EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, NO_INTERVENTION, OTHER
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    # primary | secondary | other
    kind: str
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass
class Reference:
    citation: str | None = None
    pmid: str | None = None
    doi: str | None = None
    # BACKGROUND, RESULT, DERIVED; LINK for see-also links
    type: str | None = None
    url: str | None = None
    label: str | None = None


@dataclass
class Design:
    # INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS
    study_type: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    masking: str | None = None
    masking_description: str | None = None
    who_masked: list[str] = field(default_factory=list)
    primary_purpose: str | None = None


@dataclass
class Age:
    value: float
    # UCUM: a, mo, wk, d, h, min
    unit: str = "a"


@dataclass
class Eligibility:
    criteria: str | None = None
    # ALL, FEMALE, MALE
    sex: str | None = None
    gender_based: bool | None = None
    gender_description: str | None = None
    minimum_age: Age | None = None
    maximum_age: Age | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = field(default_factory=list)
    study_population: str | None = None
    sampling_method: str | None = None


@dataclass
class DateValue:
    value: str
    # ACTUAL | ESTIMATED | ANTICIPATED
    type: str | None = None


@dataclass
class TrialRecord:
    # the study's own id: the NCT id, or one derived from other identifiers (see id_derived)
    id: str
    identifiers: list[Identifier] = field(default_factory=list)
    id_derived: bool = False
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    # v2 overall status enum, and the registry's own wording kept as it was
    overall_status: str | None = None
    registry_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    phases: list[str] = field(default_factory=list)
    design: Design = field(default_factory=Design)
    conditions: list[Coded] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    brief_summary: str | None = None
    detailed_description: str | None = None
    start_date: DateValue | None = None
    primary_completion_date: DateValue | None = None
    completion_date: DateValue | None = None
    first_submitted: str | None = None
    last_updated: str | None = None
    verified_date: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    eligibility: Eligibility = field(default_factory=Eligibility)
    sponsor: Organization | None = None
    collaborators: list[Organization] = field(default_factory=list)
    responsible_party: Person | None = None
    officials: list[Person] = field(default_factory=list)
    central_contacts: list[Person] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    # where the record came from: file path, record position in the file, reader format
    source: str | None = None
    source_index: int | None = None
    source_format: str | None = None
    # source fields with content that no reader rule took (paths in the source's own terms)
    dropped: list[str] = field(default_factory=list)
    # notes about how the record was read (derived id, guessed values...)
    warnings: list[str] = field(default_factory=list)
    # who answers for the registration: SPONSOR, PRINCIPAL_INVESTIGATOR, SPONSOR_INVESTIGATOR (v2 enum)
    responsible_party_type: str | None = None

    @property
    def nct_id(self) -> str | None:
        return next((i.value for i in self.identifiers if i.kind == "nct"), None)

    @property
    def title(self) -> str | None:
        return self.brief_title or self.official_title


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def filled_fields(obj, prefix: str = "") -> list[str]:
    """Dotted paths of every field of a record (or part of one) that holds content."""
    out: list[str] = []
    for name in _field_names(type(obj)):
        value = getattr(obj, name)
        path = prefix + name
        if is_dataclass(value):
            out.extend(filled_fields(value, path + "."))
        elif isinstance(value, list):
            if value:
                out.append(path)
        elif value not in (None, "", False):
            out.append(path)
    return out
