"""Fuzzed search query strings never make the server answer 500."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.server import create_app
from adapter.store.command import load, open_store

NAMES = ["status", "identifier", "title", "title:exact", "title:contains", "date", "eligible-age", "sponsor",
         "keyword:missing", "status:not", "_id", "_lastUpdated", "_count", "_sort", "_include", "_revinclude",
         "_summary", "_elements", "_total", "_cursor", "_format", "site:Location", "protocol", "phase", "x",
         "focus:text", "partof:missing", ""]
VALUES = st.one_of(
    st.sampled_from(["active", "ge2015", "lt2020-01-01T00:00:00Z", "eb-1", "30", "NaN", "inf", "1e309",
                     "http://clinicaltrials.gov|NCT02059759", "|x", "x|", "|", "true", "false", "-title",
                     "ResearchStudy:enrollment", "Group:member:Patient", "*", ",", "\\,", "count", "0",
                     "99999999999999999999", "eyJ2IjpbXSwicGsiOjEsImQiOiJuZXh0In0"]),
    st.text(max_size=30))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite"))
    from conftest import sample_trial

    load(store, sample_trial() + sample_trial("NCT00000410", status="completed", max_age=None))
    yield create_app({"STORE": store}).test_client()
    store.engine.dispose()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=4),
       st.sampled_from(["ResearchStudy", "Group", "PlanDefinition", "Location", "Nope"]))
def test_search_never_500(client, params, resource_type):
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in params)
    response = client.get(f"/{resource_type}?{query}")
    assert response.status_code in (200, 400, 404, 406), response.get_data(as_text=True)
    assert response.json["resourceType"] in ("Bundle", "OperationOutcome")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_raw_paths_and_queries_never_500(client, raw):
    response = client.get("/ResearchStudy?" + raw)
    assert response.status_code < 500, response.get_data(as_text=True)
    # "//x" would be read by the test client itself as a host name, never reaching the server
    response = client.get("/" + quote(raw.lstrip("/"), safe="/?&=:$"))
    assert response.status_code < 500, response.get_data(as_text=True)
