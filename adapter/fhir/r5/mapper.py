"""Map one TrialRecord to its FHIR R5 resources: ResearchStudy, Group, PlanDefinition and the parties."""
from __future__ import annotations

from ...record import TrialRecord
from ..profiles import claim_profiles
from ..r4.mapper import MAPPED as R4_MAPPED
from ..r4.named_parties import PersonParty, named_parties, reference
from ..r4.parties import practitioner
from .group import group
from .parties import r5_party
from .plan_definition import plan_definition
from .research_study import research_study

# R5 carries what R4 does, plus enrolment type (target or actual number), the record's last update (date)
# and the responsible party's type (its role)
MAPPED = R4_MAPPED | {"enrollment_type", "last_updated", "responsible_party_type"}


def map_record(record: TrialRecord) -> list[dict]:
    """All R5 resources for a record, the ResearchStudy first; references are relative (Type/id)."""
    elig = group(record)
    protocol = plan_definition(record)
    parties = named_parties(record)
    # R5 has no ResearchStudy.contact: central contacts become Practitioners named as associated parties
    contacts = [PersonParty(p, reference(parties.add(practitioner(p)), p.name)) for p in record.central_contacts]
    refs = {"eligibility": reference(elig), "protocol": reference(protocol)}
    study = research_study(record, refs, parties, contacts, protocol)
    return claim_profiles([study, elig, protocol, *(r5_party(r) for r in parties.resources.values())])
