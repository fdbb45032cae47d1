"""Search paths of the store on SQLite and PostgreSQL: driven paging, substring index and its LIKE fallback,
:text, :iterate, _since."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from adapter.store.command import load, open_store
from adapter.store.query import BadSearch, parse_search


def search(store, resource_type, items):
    return store.search(parse_search(store.registry, resource_type, items, strict=True))


def ids(store, resource_type, items):
    return [h.id for h in search(store, resource_type, items).matches]


def pages(store, resource_type, items):
    """Ids page by page, following next cursors."""
    query = parse_search(store.registry, resource_type, items, strict=True)
    out = []
    while True:
        result = store.search(query)
        out.append([h.id for h in result.matches])
        if not result.next_cursor:
            return out
        query.cursor = result.next_cursor


@pytest.fixture
def seven(store, trial):
    """Seven studies (with their Groups), statuses alternating active/completed, titles naming a word."""
    words = ["breast", "hip", "asthma", "breast", "hip", "asthma", "breast"]
    for n, word in enumerate(words):
        load(store, trial(f"NCT0000000{n}", status="active" if n % 2 == 0 else "completed",
                          title=f"Study of a {word} treatment")[:2])
    return store


def test_driven_search_pages_in_pk_order_and_survives_writes(seven, trial):
    assert pages(seven, "ResearchStudy", [("status", "active"), ("_count", "2")]) == [
        ["NCT00000000", "NCT00000002"], ["NCT00000004", "NCT00000006"]]
    query = parse_search(seven.registry, "ResearchStudy", [("title:contains", "breast"), ("_count", "2")])
    first = seven.search(query)
    assert [h.id for h in first.matches] == ["NCT00000000", "NCT00000003"]
    # a study written between pages comes after the cursor: nothing is repeated or skipped
    load(seven, [dict(trial("NCT00000000")[0], title="Study of a breast treatment, second version")])
    load(seven, trial("NCT00000009", title="Another breast study")[:1])
    query.cursor = first.next_cursor
    second = seven.search(query)
    assert [h.id for h in second.matches] == ["NCT00000006", "NCT00000009"]
    query.cursor = second.previous_cursor
    assert [h.id for h in seven.search(query).matches] == ["NCT00000000", "NCT00000003"]
    # the driving clause combined with others, and repeated index rows of one resource counted once
    assert ids(seven, "ResearchStudy", [("status", "active"), ("title:contains", "hip")]) == ["NCT00000004"]
    assert ids(seven, "ResearchStudy", [("identifier", "NCT00000001"), ("_id", "NCT00000001")]) == ["NCT00000001"]
    assert ids(seven, "ResearchStudy", [("condition", "D001943"), ("_count", "3")]) == [
        "NCT00000000", "NCT00000001", "NCT00000002"]


def test_contains_matches_substrings_of_any_length(seven, trial):
    assert ids(seven, "ResearchStudy", [("title:contains", "sthm")]) == ["NCT00000002", "NCT00000005"]
    # shorter than a trigram, spanning words, accents and case, several values, characters FTS and LIKE treat
    assert ids(seven, "ResearchStudy", [("title:contains", "hi")]) == ["NCT00000001", "NCT00000004"]
    assert ids(seven, "ResearchStudy", [("title:contains", "A HIP TREAT")]) == ["NCT00000001", "NCT00000004"]
    assert ids(seven, "ResearchStudy", [("title:contains", "ÁSTHMA,hip")]) == [
        "NCT00000001", "NCT00000002", "NCT00000004", "NCT00000005"]
    for odd in ('"hip', "hip%", "h_p", "hip OR breast", "*"):
        assert ids(seven, "ResearchStudy", [("title:contains", odd)]) == []
    assert ids(seven, "ResearchStudy", [("title:contains", "hip"), ("_sort", "-title"), ("_count", "1")]) == [
        "NCT00000001"]
    # an update replaces the old text; a deletion removes it
    load(seven, [dict(trial("NCT00000001")[0], title="Knee surgery")])
    seven.delete("ResearchStudy", "NCT00000004")
    assert ids(seven, "ResearchStudy", [("title:contains", "hip")]) == []
    assert ids(seven, "ResearchStudy", [("title:contains", "knee")]) == ["NCT00000001"]
    total = search(seven, "ResearchStudy", [("title:contains", "treatment"), ("_total", "accurate")]).total
    assert total == 5


def test_token_text_modifier_searches_display_text(seven, trial):
    load(seven, [dict(trial("NCT00000002")[0],
                      condition=[{"coding": [{"system": "urn:oid:2.16.840.1.113883.6.177", "code": "D001249",
                                              "display": "Asthma"}]}])])
    assert ids(seven, "ResearchStudy", [("condition:text", "asth")]) == ["NCT00000002"]
    assert ids(seven, "ResearchStudy", [("condition:text", "BREAST neo"), ("_count", "2")]) == [
        "NCT00000000", "NCT00000001"]
    assert ids(seven, "ResearchStudy", [("category:text", "interventional"), ("status", "completed")]) == [
        "NCT00000001", "NCT00000003", "NCT00000005"]
    assert ids(seven, "ResearchStudy", [("condition:text", "neoplasms")]) == []


def test_include_iterate_follows_included_resources(store, trial):
    load(store, trial("NCT00000001"))
    items = [("_id", "NCT00000001-eligibility"), ("_revinclude", "ResearchStudy:enrollment")]
    with pytest.raises(BadSearch):
        search(store, "Group", items + [("_include", "ResearchStudy:protocol")])
    result = search(store, "Group", items + [("_include:iterate", "ResearchStudy:protocol")])
    assert [f"{h.type}/{h.id}" for h in result.included] == ["ResearchStudy/NCT00000001",
                                                             "PlanDefinition/NCT00000001-protocol"]
    once = search(store, "ResearchStudy", [("_id", "NCT00000001"), ("_include", "ResearchStudy:enrollment"),
                                           ("_revinclude:iterate", "ResearchStudy:enrollment")])
    assert [h.type for h in once.matches + once.included] == ["ResearchStudy", "Group"]


def test_history_since_compares_instants_not_text(store, trial):
    load(store, trial()[:1])
    stored = store.history("ResearchStudy", "NCT02059759")[0]
    written = datetime.fromisoformat(stored.last_updated.replace("Z", "+00:00"))
    plus_two = timezone(timedelta(hours=2))
    before = (written - timedelta(seconds=1)).astimezone(plus_two).isoformat(timespec="seconds")
    after = (written + timedelta(seconds=1)).astimezone(plus_two).isoformat(timespec="seconds")
    assert [v.version for v in store.history("ResearchStudy", since=before)] == [1]
    assert store.history("ResearchStudy", since=after) == []
    assert list(store.iter_current("ResearchStudy", since=after)) == []
    assert len(list(store.iter_current("ResearchStudy", since=before))) == 1
    assert [v.version for v in store.history(since=str(written.year))] == [1]


def test_batch_upsert_repeats_and_references_in_any_order(store, trial):
    study, group = trial("NCT00000001", min_age=30, max_age=40)[:2]
    results = store.upsert_many([study, dict(study, title="Second"), group, dict(study, title="Second")])
    assert [(r.outcome, r.stored.version) for r in results] == [("created", 1), ("updated", 2), ("created", 1),
                                                                ("unchanged", 2)]
    # the study came before the Group it resolves, in the same batch
    assert ids(store, "ResearchStudy", [("eligible-age", "35")]) == ["NCT00000001"]
    store.upsert_many([dict(group, characteristic=group["characteristic"][1:])])
    assert ids(store, "ResearchStudy", [("eligible-age", "35")]) == []


def test_database_of_an_earlier_schema_is_brought_up_to_date(db_url, trial):
    first = open_store(db_url)
    load(first, trial("NCT00000001", title="Study of a hip treatment"))
    with first.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_idx_token_code")
        conn.exec_driver_sql("CREATE INDEX ix_idx_token_lookup ON idx_token (param, code, system, pk)")
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE idx_string_fts")
        else:
            conn.exec_driver_sql("DROP INDEX ix_idx_string_trgm")
    first.engine.dispose()
    again = open_store(db_url)
    indexes = {i["name"] for i in inspect(again.engine).get_indexes("idx_token")}
    assert "ix_idx_token_code" in indexes and "ix_idx_token_lookup" not in indexes
    if again.dialect == "postgresql":
        assert "ix_idx_string_trgm" in {i["name"] for i in inspect(again.engine).get_indexes("idx_string")}
    assert again.fts_enabled
    assert ids(again, "ResearchStudy", [("title:contains", "hip treat")]) == ["NCT00000001"]
    again.engine.dispose()


def test_contains_without_pg_trgm_scans_with_like(pg_url, trial, caplog):
    """A PostgreSQL role that may not create the pg_trgm extension still gets every substring match."""
    import psycopg

    role = "r_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        # tables, yes; extensions (CREATE on the database, for a trusted one like pg_trgm), no
        conn.execute(f"GRANT ALL ON SCHEMA public TO {role}")
    try:
        with caplog.at_level(logging.WARNING, logger="adapter.store.fulltext"):
            store = open_store(pg_url.replace("://postgres@", f"://{role}@"))
        assert not store.fts_enabled and "pg_trgm is unavailable" in caplog.text
        for n, word in enumerate(["breast", "hip", "asthma", "Café hip"]):
            load(store, trial(f"NCT0000000{n}", title=f"Study of a {word} treatment")[:1])
        assert ids(store, "ResearchStudy", [("title:contains", "sthm")]) == ["NCT00000002"]
        assert ids(store, "ResearchStudy", [("title:contains", "HI")]) == ["NCT00000001", "NCT00000003"]
        assert ids(store, "ResearchStudy", [("title:contains", "cafe hip,breast")]) == [
            "NCT00000000", "NCT00000003"]
        for odd in ("hip%", "h_p", "*"):
            assert ids(store, "ResearchStudy", [("title:contains", odd)]) == []
        assert search(store, "ResearchStudy", [("title:contains", "treat"), ("_total", "accurate")]).total == 4
        store.engine.dispose()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
