"""Searches of one shape share their compiled SQL: each binds its own values and gets its own answer."""
from __future__ import annotations

import json

import pytest

from adapter.store.command import load, open_store
from adapter.store.compiled import Statements
from adapter.store.query import BadSearch, parse_search
from adapter.store.search import encode_cursor, page_statement, shape_of

WORDS = ["breast", "hip", "asthma", "breast", "hip", "asthma", "breast", "knee"]
# pairs and runs of searches of one shape with other values, and of shapes close to each other
SEARCHES = [
    ("ResearchStudy", [("status", "active")]),
    ("ResearchStudy", [("status", "completed")]),
    ("ResearchStudy", [("status", "active,completed")]),
    ("ResearchStudy", [("status:not", "active")]),
    ("ResearchStudy", [("status:not", "completed")]),
    ("ResearchStudy", [("identifier", "http://clinicaltrials.gov|NCT00000001")]),
    ("ResearchStudy", [("identifier", "https://clinicaltrials.gov/|NCT00000002")]),
    ("ResearchStudy", [("identifier", "http://example.org/org-study-id|ORG-0003")]),
    ("ResearchStudy", [("identifier", "NCT00000004")]),
    ("ResearchStudy", [("identifier", "|NCT00000004")]),
    ("ResearchStudy", [("identifier", "http://clinicaltrials.gov|")]),
    ("ResearchStudy", [("title", "study of a hip")]),
    ("ResearchStudy", [("title", "Study of a BREAST")]),
    ("ResearchStudy", [("title:exact", "Study of a knee treatment")]),
    ("ResearchStudy", [("title:exact", "Study of a hip treatment")]),
    ("ResearchStudy", [("title:contains", "breast")]),
    ("ResearchStudy", [("title:contains", "sthm")]),
    ("ResearchStudy", [("title:contains", "hi")]),
    ("ResearchStudy", [("title:contains", "kn")]),
    ("ResearchStudy", [("title:contains", "knee,hip")]),
    ("ResearchStudy", [("title:contains", "asthma,breast")]),
    ("ResearchStudy", [("status", "active"), ("title:contains", "hip")]),
    ("ResearchStudy", [("status", "completed"), ("title:contains", "breast")]),
    ("ResearchStudy", [("date", "ge2013")]),
    ("ResearchStudy", [("date", "ge2016")]),
    ("ResearchStudy", [("date", "lt2014-06")]),
    ("ResearchStudy", [("date", "lt2016-01-01")]),
    ("ResearchStudy", [("keyword:missing", "true")]),
    ("ResearchStudy", [("keyword:missing", "false")]),
    ("ResearchStudy", [("eligible-age", "20")]),
    ("ResearchStudy", [("eligible-age", "70")]),
    ("ResearchStudy", [("protocol", "PlanDefinition/NCT00000002-protocol")]),
    ("ResearchStudy", [("protocol", "NCT00000003-protocol")]),
    ("ResearchStudy", [("status", "active"), ("_sort", "-title"), ("_count", "2")]),
    ("ResearchStudy", [("status", "completed"), ("_sort", "-title"), ("_count", "2")]),
    ("ResearchStudy", [("_sort", "date,title"), ("_count", "3")]),
    ("ResearchStudy", [("status", "active"), ("_count", "2"), ("_total", "accurate")]),
    ("ResearchStudy", [("status", "completed"), ("_count", "3"), ("_total", "accurate")]),
    ("ResearchStudy", [("title:contains", "hip"), ("_count", "1")]),
    ("ResearchStudy", [("title:contains", "breast"), ("_count", "1")]),
    ("ResearchStudy", [("status", "active"), ("_include", "ResearchStudy:enrollment"), ("_count", "3")]),
    ("ResearchStudy", [("status", "completed"), ("_include", "ResearchStudy:enrollment"), ("_count", "3")]),
    ("Group", [("_id", "NCT00000001-eligibility"), ("_revinclude", "ResearchStudy:enrollment")]),
    ("Group", [("_id", "NCT00000002-eligibility"), ("_revinclude", "ResearchStudy:enrollment")]),
    ("ResearchStudy", [("_summary", "count"), ("status", "active")]),
    ("ResearchStudy", [("_summary", "count"), ("status", "completed")]),
]


@pytest.fixture
def studies(store, trial):
    """Eight studies and their Groups: statuses alternate, titles name a word, start dates and ages differ."""
    for n, word in enumerate(WORDS):
        resources = trial(f"NCT0000000{n}", status="active" if n % 2 == 0 else "completed",
                          title=f"Study of a {word} treatment", start=f"{2010 + n}-0{1 + n}",
                          min_age=18 + 5 * n, max_age=None if n % 3 == 0 else 60, keyword="metastatic")
        if n % 4 == 3:
            del resources[0]["keyword"]
        load(store, resources[:3])
    return store


def _answer(store, resource_type, items) -> list:
    """Every page of the search, following next links: (matches, included, total) of each."""
    query = parse_search(store.registry, resource_type, items, strict=True)
    pages = []
    while True:
        result = store.search(query)
        pages.append(([h.id for h in result.matches], [h.id for h in result.included], result.total))
        if not result.next_cursor:
            return pages
        query.cursor = result.next_cursor


def _cold(store, resource_type, items) -> list:
    store.statements = Statements(store.engine.dialect)
    return _answer(store, resource_type, items)


def test_searches_of_one_shape_answer_as_if_compiled_alone(studies):
    cold = [_cold(studies, t, items) for t, items in SEARCHES]
    assert cold[0][0][0] == ["NCT00000000", "NCT00000002", "NCT00000004", "NCT00000006"]
    assert cold[1][0][0] == ["NCT00000001", "NCT00000003", "NCT00000005", "NCT00000007"]
    studies.statements = Statements(studies.engine.dialect)
    # one cache for all: in order, then backwards, so every shape is first compiled from other values
    assert [_answer(studies, t, items) for t, items in SEARCHES] == cold
    assert [_answer(studies, t, items) for t, items in reversed(SEARCHES)] == cold[::-1]
    studies.statements = Statements(studies.engine.dialect)
    assert [_answer(studies, t, items) for t, items in reversed(SEARCHES)] == cold[::-1]


def test_previous_pages_run_backwards_from_the_cursor(studies):
    query = parse_search(studies.registry, "ResearchStudy", [("_sort", "-title"), ("_count", "3")])
    first = studies.search(query)
    query.cursor = first.next_cursor
    second = studies.search(query)
    query.cursor = second.previous_cursor
    assert [h.id for h in studies.search(query).matches] == [h.id for h in first.matches]


@pytest.mark.parametrize("items, values, pk", [
    ([("_sort", "date")], ["2014"], 1), ([("_sort", "title")], [1.5], 1), ([("_sort", "date")], [None], 1),
    ([("_sort", "date")], [True], 1), ([("title:contains", "hip")], [], 2 ** 70),
    ([("title:contains", "hip")], [], -1)])
def test_forged_cursors_are_bad_searches(studies, items, values, pk):
    # a sort key value of another type, or a pk no row can have, would otherwise reach the database
    query = parse_search(studies.registry, "ResearchStudy", items)
    query.cursor = encode_cursor(values, pk, "next")
    with pytest.raises(BadSearch):
        studies.search(query)


def test_hits_carry_the_stored_json_as_utf8(studies, trial):
    load(studies, [dict(trial("NCT00000001")[0], title="Étude d’un traitement ≥ 18 ans")])
    query = parse_search(studies.registry, "ResearchStudy", [("_id", "NCT00000001,NCT00000002"),
                                                            ("_include", "ResearchStudy:enrollment")])
    result = studies.search(query)
    assert len(result.matches) == 2 and len(result.included) == 2
    for hit in result.matches + result.included:
        assert json.loads(hit.content.decode("utf-8")) == studies.read(hit.type, hit.id).json()


def test_sort_keys_are_looked_up_by_resource(tmp_path, trial):
    # the (param, value) index offers a min/max per parameter, which SQLite would then walk for every resource
    store = open_store(str(tmp_path / "sorted.sqlite"))
    load(store, trial("NCT00000001")[:1])
    query = parse_search(store.registry, "ResearchStudy", [("status", "active"), ("_sort", "-title,date")])
    shape, values = shape_of(query, store.registry, store.dialect, store.fts_enabled)
    compiled = store.statements.get(("page", shape), lambda: page_statement(shape))
    with store.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.sql,
                                                        tuple(compiled.args({**values, "limit": 21})))]
    assert not [step for step in plan if "_lookup" in step], plan
    store.engine.dispose()
