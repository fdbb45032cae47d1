"""The store on SQLite and PostgreSQL: versioning, idempotent upsert, index from SearchParameters, search."""
from __future__ import annotations

import json

import pytest

from adapter.store.command import load
from adapter.store.query import BadSearch, parse_search
from adapter.store.store import Gone, NotFound, VersionConflict


def ids(store, resource_type, items):
    result = store.search(parse_search(store.registry, resource_type, items, strict=True))
    return [h.id for h in result.matches]


@pytest.fixture
def loaded(store, trial):
    load(store, trial("NCT02059759", status="active", phase="phase-2", min_age=18, max_age=75,
                      title="Neratinib in Metastatic Breast Cancer", start="2014-02", end="2019-12-31"))
    load(store, trial("NCT00000410", status="completed", phase="phase-3", min_age=65, max_age=None,
                      title="Élderly Hip Fracture Rehabilitation", start="1998", end="2001-06",
                      condition="Hip Fractures", keyword="rehabilitation"))
    load(store, trial("NCT04000000", status="withdrawn", phase="phase-1", min_age=None, max_age=17,
                      title="Pediatric Asthma Inhaler", start="2020-01-15", end=None, keyword="asthma"))
    return store


def test_load_is_idempotent_and_versions_changes(store, trial):
    resources = trial()
    assert load(store, resources).created == 6
    again = load(store, resources)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert store.read("ResearchStudy", "NCT02059759").version == 1

    changed = dict(resources[0], title="A new title")
    assert load(store, [changed]).updated == 1
    current = store.read("ResearchStudy", "NCT02059759")
    assert current.version == 2 and current.json()["meta"]["versionId"] == "2"
    assert store.vread("ResearchStudy", "NCT02059759", 1).json()["title"] != "A new title"
    assert [v.version for v in store.history("ResearchStudy", "NCT02059759")] == [2, 1]


def test_delete_leaves_history_and_gone(store, trial):
    load(store, trial())
    assert store.delete("ResearchStudy", "NCT02059759").stored.version == 2
    with pytest.raises(Gone):
        store.read("ResearchStudy", "NCT02059759")
    with pytest.raises(NotFound):
        store.read("ResearchStudy", "NCT99999999")
    assert store.delete("ResearchStudy", "NCT02059759") is None
    assert [v.deleted for v in store.history("ResearchStudy", "NCT02059759")] == [True, False]
    assert ids(store, "ResearchStudy", [("status", "active")]) == []
    # a deleted resource written again comes back as a new version
    assert load(store, trial()[:1]).created == 1
    assert store.read("ResearchStudy", "NCT02059759").version == 3


def test_if_match_conflict(store, trial):
    load(store, trial())
    with pytest.raises(VersionConflict):
        store.upsert(dict(trial()[0], title="x"), if_match=7)
    assert store.upsert(dict(trial()[0], title="x"), if_match=1).stored.version == 2


def test_parameters_come_from_official_definitions(store):
    status = store.registry.get("ResearchStudy", "status")
    assert status.url == "http://hl7.org/fhir/SearchParameter/ResearchStudy-status"
    assert status.expression == "ResearchStudy.status"
    age = store.registry.get("ResearchStudy", "eligible-age")
    assert age.url == "http://trialfhir.org/fhir/SearchParameter/researchstudy-eligible-age"
    assert age.follows_references


def test_token_search(loaded):
    assert ids(loaded, "ResearchStudy", [("status", "active")]) == ["NCT02059759"]
    assert ids(loaded, "ResearchStudy", [("status", "active,completed")]) == ["NCT02059759", "NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("identifier", "http://clinicaltrials.gov|NCT00000410")]) == ["NCT00000410"]
    # the NCT system is matched with https and a trailing slash too
    assert ids(loaded, "ResearchStudy", [("identifier", "https://clinicaltrials.gov/|NCT00000410")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("identifier", "http://other|NCT00000410")]) == []
    assert ids(loaded, "ResearchStudy", [("identifier", "NCT04000000")]) == ["NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("status:not", "active")]) == ["NCT00000410", "NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("phase", "http://terminology.hl7.org/CodeSystem/research-study-phase|"
                                                   "phase-3")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("condition", "D001943")]) == ["NCT02059759", "NCT00000410",
                                                                        "NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("keyword", "asthma")]) == ["NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("_id", "NCT00000410,NCT04000000")]) == ["NCT00000410", "NCT04000000"]


def test_string_search(loaded):
    assert ids(loaded, "ResearchStudy", [("title", "elderly")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("title", "hip")]) == []
    assert ids(loaded, "ResearchStudy", [("title:contains", "HIP")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("title:exact", "Élderly Hip Fracture Rehabilitation")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("title:exact", "élderly hip fracture rehabilitation")]) == []
    assert ids(loaded, "Practitioner", [("name", "muller")])[:1] == ["NCT02059759-pi"]
    assert ids(loaded, "Location", [("address-city", "zurich")]) == ["NCT02059759-site-1", "NCT00000410-site-1",
                                                                   "NCT04000000-site-1"]


def test_date_number_and_reference_search(loaded):
    assert ids(loaded, "ResearchStudy", [("date", "ge2015")]) == ["NCT02059759", "NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("date", "lt2000")]) == ["NCT00000410"]
    # repeated parameters must all hold
    assert ids(loaded, "ResearchStudy", [("date", "ge2014"), ("date", "le2019")]) == ["NCT02059759"]
    assert ids(loaded, "ResearchStudy", [("date", "sa2019-06")]) == ["NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("eligible-age", "70")]) == ["NCT02059759", "NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("eligible-age", "90")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("eligible-age", "10")]) == ["NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("sponsor", "Organization/NCT00000410-sponsor")]) == ["NCT00000410"]
    assert ids(loaded, "ResearchStudy", [("protocol", "NCT04000000-protocol")]) == ["NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("partof:missing", "true"), ("site:missing", "false")]) == [
        "NCT02059759", "NCT00000410", "NCT04000000"]
    assert ids(loaded, "ResearchStudy", [("_lastUpdated", "gt2000")]) == ["NCT02059759", "NCT00000410",
                                                                         "NCT04000000"]


def test_eligible_age_follows_group_changes(loaded, trial):
    group = trial("NCT04000000", min_age=40, max_age=50)[1]
    load(loaded, [group])
    assert ids(loaded, "ResearchStudy", [("eligible-age", "10")]) == []
    assert ids(loaded, "ResearchStudy", [("eligible-age", "45")]) == ["NCT02059759", "NCT04000000"]


def test_include_and_revinclude(loaded):
    query = parse_search(loaded.registry, "ResearchStudy", [
        ("_id", "NCT02059759"), ("_include", "ResearchStudy:enrollment"), ("_include", "ResearchStudy:protocol")])
    result = loaded.search(query)
    assert sorted(f"{h.type}/{h.id}" for h in result.included) == [
        "Group/NCT02059759-eligibility", "PlanDefinition/NCT02059759-protocol"]
    query = parse_search(loaded.registry, "Group", [("_id", "NCT00000410-eligibility"),
                                                    ("_revinclude", "ResearchStudy:enrollment")])
    assert [h.id for h in loaded.search(query).included] == ["NCT00000410"]


def test_sort_and_cursor_paging_survive_writes(store, trial):
    for n in range(7):
        load(store, trial(f"NCT0000000{n}", title=f"Title {chr(ord('g') - n)}")[:1])
    query = parse_search(store.registry, "ResearchStudy", [("_sort", "title"), ("_count", "3")])
    first = store.search(query)
    assert [h.id for h in first.matches] == ["NCT00000006", "NCT00000005", "NCT00000004"]
    # a study that sorts before the cursor appears while paging: the next page neither repeats nor skips
    load(store, trial("NCT00000099", title="Title 0")[:1])
    query.cursor = first.next_cursor
    second = store.search(query)
    assert [h.id for h in second.matches] == ["NCT00000003", "NCT00000002", "NCT00000001"]
    query.cursor = second.previous_cursor
    back = store.search(query)
    assert [h.id for h in back.matches] == ["NCT00000006", "NCT00000005", "NCT00000004"]
    query.cursor = back.previous_cursor
    assert [h.id for h in store.search(query).matches] == ["NCT00000099"]
    assert [h.id for h in store.search(parse_search(store.registry, "ResearchStudy", [
        ("_sort", "-title"), ("_count", "2")])).matches] == ["NCT00000000", "NCT00000001"]


def test_total_and_bad_values(loaded):
    query = parse_search(loaded.registry, "ResearchStudy", [("_total", "accurate"), ("_count", "1")])
    assert loaded.search(query).total == 3
    for bad in ([("date", "yesterday")], [("eligible-age", "old")], [("status:contains", "x")],
                [("_count", "-1")], [("_sort", "nope")], [("_include", "Nope:x")], [("nope", "1")]):
        with pytest.raises(BadSearch):
            ids(loaded, "ResearchStudy", bad)


def test_stored_json_carries_meta(loaded):
    body = json.loads(loaded.read("Group", "NCT02059759-eligibility").content)
    assert body["meta"]["versionId"] == "1" and body["meta"]["lastUpdated"].endswith("Z")
