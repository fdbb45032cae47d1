"""The plain-read fast path answers exactly as the Flask route does, and leaves everything else to Flask."""
from __future__ import annotations

import pytest
import requests
from werkzeug.test import Client

from adapter.server import create_app
from adapter.store.command import load, open_store

_TRANSPORT = {"Date", "Server", "Connection", "Keep-Alive"}


def _answer(response: requests.Response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in _TRANSPORT}
    return response.status_code, headers, response.content


@pytest.mark.parametrize("headers", [{}, {"Accept-Encoding": "gzip", "Origin": "https://app.example"},
                                     {"Accept": "application/json", "Accept-Encoding": "identity"}])
def test_fast_read_matches_the_flask_route(fhir_base, headers):
    url = f"{fhir_base}/ResearchStudy/NCT10000000"
    # any query parameter takes the Flask route; _pretty=false changes nothing else
    assert _answer(requests.get(url, headers=headers)) == _answer(
        requests.get(url, params={"_pretty": "false"}, headers=headers))


@pytest.fixture
def app(tmp_path, trial):
    store = open_store(str(tmp_path / "fast.sqlite"))
    load(store, trial())
    built = create_app({"STORE": store})
    yield built
    store.engine.dispose()


def test_fast_path_serves_plain_reads_and_passes_the_rest(app):
    fast = app.wsgi_app
    inner, routed = fast.wsgi_app, []

    def flask(environ, start_response):
        routed.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return inner(environ, start_response)

    fast.wsgi_app = flask
    client = Client(app)
    assert client.get("/ResearchStudy/NCT02059759").status_code == 200
    assert routed == []
    etag = client.get("/Group/NCT02059759-eligibility").headers["ETag"]
    for path, headers, status in [("/ResearchStudy/NCT99999999", {}, 404), ("/Patient/1", {}, 404),
                                  ("/ResearchStudy/NCT02059759?_summary=true", {}, 200),
                                  ("/Group/NCT02059759-eligibility", {"If-None-Match": etag}, 304),
                                  ("/ResearchStudy/NCT02059759", {"Accept": "application/fhir+xml"}, 406)]:
        assert client.get(path, headers=headers).status_code == status
    assert len(routed) == 5


def test_reads_need_a_token_when_configured(tmp_path, serve_app, trial):
    store = open_store(str(tmp_path / "closed.sqlite"))
    load(store, trial())
    base = serve_app(create_app({"STORE": store, "AUTH_READS": True, "AUTH_OPEN_LOCALHOST": False,
                                 "AUTH_TOKENS": ["s3cret"]}))
    for path in ("/ResearchStudy/NCT02059759", "/ResearchStudy?status=active", "/ResearchStudy/_history",
                 "/_history"):
        assert requests.get(base + path).status_code == 401
        assert requests.get(base + path, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert requests.get(base + "/metadata").status_code == 200
    store.engine.dispose()
