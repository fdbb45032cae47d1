"""Collect the parties a record names (sponsor, collaborators, people, sites) as resources, with references."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...record import Person, TrialRecord
from ..codes import coding
from .parties import location, organization, organization_named, practitioner, practitioner_role


def reference(resource: dict, display: str | None = None) -> dict:
    ref = {"reference": f"{resource['resourceType']}/{resource['id']}"}
    if display:
        ref["display"] = display
    return ref


@dataclass
class PersonParty:
    person: Person
    practitioner: dict
    # the PractitionerRole holding the person's role and affiliation, when the record gives either
    role: dict | None = None


@dataclass
class Parties:
    """Resources keyed ``Type/id`` (each once, in the order first named) and the references to them."""
    resources: dict[str, dict] = field(default_factory=dict)
    sponsor: dict | None = None
    collaborators: list[dict] = field(default_factory=list)
    people: list[PersonParty] = field(default_factory=list)
    lead_investigator: dict | None = None
    sites: list[dict] = field(default_factory=list)

    def add(self, resource: dict | None) -> dict | None:
        if resource is not None:
            self.resources.setdefault(f"{resource['resourceType']}/{resource['id']}", resource)
        return resource


def _lead_investigator(record: TrialRecord) -> Person | None:
    pis = [p for p in record.officials if p.role == "PRINCIPAL_INVESTIGATOR"]
    return (pis or record.officials or [None])[0]


def _site_status(value):
    return coding("fhir_r4.json", "site_status", value)


def named_parties(record: TrialRecord) -> Parties:
    """The officials and the responsible party (when not also an official) are the record's people."""
    out = Parties()
    if record.sponsor:
        out.sponsor = reference(out.add(organization(record.sponsor)), record.sponsor.name)
    for org in record.collaborators:
        out.collaborators.append(reference(out.add(organization(org)), org.name))
    people = list(record.officials)
    if record.responsible_party and record.responsible_party.name not in {p.name for p in people}:
        people.append(record.responsible_party)
    lead = _lead_investigator(record)
    for person in people:
        pract = out.add(practitioner(person))
        if person.affiliation:
            out.add(organization_named(person.affiliation))
        role = out.add(practitioner_role(person, pract["id"]))
        party = PersonParty(person, reference(pract, person.name), reference(role, person.name) if role else None)
        out.people.append(party)
        if person is lead:
            out.lead_investigator = party.practitioner
    out.sites = [reference(out.add(location(site, _site_status)), site.facility) for site in record.sites]
    return out
