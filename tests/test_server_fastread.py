"""The fast path answers plain reads and searches exactly as the Flask routes do, and leaves the rest to Flask."""
from __future__ import annotations

import gzip
import json

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


def _watch_flask(app) -> tuple:
    """(the Flask app's own WSGI callable, the list of requests the fast path hands over to it)."""
    fast = app.wsgi_app
    inner, routed = fast.wsgi_app, []

    def flask(environ, start_response):
        routed.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return inner(environ, start_response)

    fast.wsgi_app = flask
    return inner, routed


def test_fast_path_serves_plain_reads_and_passes_the_rest(app):
    _, routed = _watch_flask(app)
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


SEARCHES = ["/ResearchStudy", "/ResearchStudy?status=active", "/ResearchStudy?status=active&_count=2",
            "/ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000003",
            "/ResearchStudy?title:contains=hip", "/ResearchStudy?title:contains=caf%C3%A9%20hip&_count=1",
            "/ResearchStudy?_sort=-date&_count=2&_total=accurate", "/ResearchStudy?_summary=count",
            "/ResearchStudy?status=completed&_include=ResearchStudy:enrollment&_count=1",
            "/Group?_revinclude=ResearchStudy:enrollment&_count=2&_include:iterate=ResearchStudy:protocol",
            "/ResearchStudy?_elements=title,status&_count=2", "/ResearchStudy?_summary=true&status=active",
            "/ResearchStudy?nonsense=1&status=active&_count=1", "/ResearchStudy?_pretty=true&_count=1",
            "/ResearchStudy?_format=json&_count=1", "/ResearchStudy?status=active&_cursor=forged",
            "/ResearchStudy?_count=x", "/ResearchStudy?_format=xml", "/Patient?name=x", "/ResearchStudy/"]
SEARCH_HEADERS = [{}, {"Accept-Encoding": "gzip", "Origin": "https://app.example"},
                  {"Accept": "application/json"}, {"Prefer": "handling=strict"}]


@pytest.fixture
def five(tmp_path, trial):
    store = open_store(str(tmp_path / "five.sqlite"))
    for n, word in enumerate(["hip", "knee", "café hip", "hip", "knee"]):
        load(store, trial(f"NCT0000000{n}", status="active" if n % 2 else "completed",
                          title=f"Study of a {word} treatment", start=f"201{n}-01"))
    yield store
    store.engine.dispose()


def _same(response) -> tuple:
    """What must be equal: status, headers but the body length, the body without the Bundle's id and time."""
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    data = json.loads(body)
    if data["resourceType"] == "Bundle":
        del data["id"], data["meta"]["lastUpdated"]
    headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
    return response.status_code, headers, data, body.startswith(b"{\n")


@pytest.mark.parametrize("config", [{}, {"BASE_URL": "https://fhir.example/r4"}])
def test_fast_searches_match_the_flask_route(five, config):
    app = create_app({"STORE": five, **config})
    inner, routed = _watch_flask(app)
    client, plain = Client(app), Client(inner)
    answered = 0
    for path in SEARCHES:
        for headers in SEARCH_HEADERS:
            for base in ("http://localhost/", "http://proxy.example:8080/fhir"):
                url, pages = path, 0
                while url and pages < 4:
                    routed.clear()
                    got = client.get(url, headers=headers, base_url=base)
                    assert _same(got) == _same(plain.get(url, headers=headers, base_url=base)), url
                    answered += not routed
                    # a 200 search is the fast path's to answer; errors go to Flask
                    assert not routed or got.status_code != 200 or path.endswith("/"), url
                    links = {link["relation"]: link["url"] for link in _same(got)[2].get("link", [])}
                    url = links.get("next", "").removeprefix(base.rstrip("/")) if not config else None
                    pages += 1
    assert answered > len(SEARCHES) * len(SEARCH_HEADERS)
