"""Organization, Location and Practitioner resources for the sponsors, sites and people a record names."""
from __future__ import annotations

from ...record import Organization, Person, Site
from ..codes import ctgov_display, table
from ..ids import minted_id, minted_identifier

ROLE_TEXT = table("fhir_r4.json", "contact_role")["map"]


def telecom(person: Person) -> list[dict]:
    out = []
    if person.phone:
        out.append({"system": "phone", "value": person.phone, "use": "work"})
    if person.email:
        out.append({"system": "email", "value": person.email, "use": "work"})
    return out


def human_name(name: str) -> dict:
    """HumanName from a registry name such as "Raul Juntas-Morales, MD": text always, suffix split off."""
    out: dict = {"text": name}
    main, _, suffix = name.partition(",")
    parts = main.split()
    if len(parts) >= 2:
        out["family"] = parts[-1]
        out["given"] = parts[:-1]
    if suffix.strip():
        out["suffix"] = [s.strip() for s in suffix.split(",") if s.strip()]
    return out


def organization(org: Organization) -> dict:
    rid = minted_id("org", org.name)
    res = {"resourceType": "Organization", "id": rid, "identifier": [minted_identifier(rid)],
           "active": True, "name": org.name}
    if org.agency_class:
        res["type"] = [{"text": ctgov_display("agency_class", org.agency_class)}]
    return res


def organization_named(name: str) -> dict:
    return organization(Organization(name=name))


def location(site: Site, status_coding) -> dict:
    rid = minted_id("loc", site.facility, site.city, site.state, site.country)
    res: dict = {"resourceType": "Location", "id": rid, "identifier": [minted_identifier(rid)]}
    status = status_coding(site.status)
    if status:
        res["status"] = status["code"]
    res["name"] = site.facility or ", ".join(p for p in (site.city, site.state, site.country) if p) or "Study site"
    address = {k: v for k, v in (("city", site.city), ("state", site.state), ("postalCode", site.postal_code),
                                 ("country", site.country)) if v}
    if address:
        address["text"] = ", ".join(p for p in (site.city, site.state, site.postal_code, site.country) if p)
        res["address"] = address
    if site.latitude is not None and site.longitude is not None:
        res["position"] = {"latitude": site.latitude, "longitude": site.longitude}
    phones = [t for c in site.contacts for t in telecom(c)]
    if phones:
        res["telecom"] = phones
    return res


def practitioner(person: Person) -> dict:
    rid = minted_id("pract", person.name, person.affiliation)
    res = {"resourceType": "Practitioner", "id": rid, "identifier": [minted_identifier(rid)], "active": True,
           "name": [human_name(person.name)]}
    contact = telecom(person)
    if contact:
        res["telecom"] = contact
    if person.title:
        res["qualification"] = [{"code": {"text": person.title}}]
    return res


def practitioner_role(person: Person, practitioner_id: str) -> dict | None:
    """The person's role and affiliation, which Practitioner itself cannot hold; None when neither is known."""
    if not (person.role or person.affiliation):
        return None
    rid = minted_id("role", person.name, person.affiliation, person.role)
    res: dict = {"resourceType": "PractitionerRole", "id": rid, "identifier": [minted_identifier(rid)],
                 "active": True, "practitioner": {"reference": f"Practitioner/{practitioner_id}",
                                                  "display": person.name}}
    if person.affiliation:
        res["organization"] = {"reference": f"Organization/{minted_id('org', person.affiliation)}",
                               "display": person.affiliation}
    if person.role:
        res["code"] = [{"text": ROLE_TEXT.get(person.role, person.role)}]
    return res
