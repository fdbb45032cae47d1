"""A WSGI fast path for the server's hottest requests, plain reads and searches, in front of the Flask app.

Flask's request and response machinery costs more than a read or a search page itself (a measured 1,900
against 950 reads a second on two cores). ``GET /<Type>/<id>`` without query parameters or conditional
headers, of a resource that exists, and ``GET /<Type>?...`` searches that succeed are answered here with the
same body and headers the Flask routes give (the same functions make them); anything else, errors included,
goes to Flask, which answers it as it always did.
"""
from __future__ import annotations

import re

from flask import Flask

from adapter.server.context import prefers_strict
from adapter.server.http import VARY, body_text, compressed, cors_headers, negotiate, version_headers
from adapter.server.outcome import FhirError
from adapter.server.search import search_bundle
from adapter.store.store import Store, StoreError

_READ = re.compile(r"^/([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})$")
_SEARCH = re.compile(r"^/([A-Z][A-Za-z]{1,63})$")
# headers that ask for something only the Flask route does (a 304, a token check)
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# what the request's URL root (the base of links) is made of
_ROOT = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
_ROOTS_KEPT = 64


class FastPath:
    """Wraps the Flask app's WSGI callable. Reads and searches are answered here only when they are public
    (no AUTH_READS) and Flask would not check the host (no TRUSTED_HOSTS or SERVER_NAME)."""

    def __init__(self, app: Flask, store: Store):
        self.wsgi_app = app.wsgi_app
        self.store = store
        self.config = app.config
        self.request_class = app.request_class
        self._roots: dict[tuple, str] = {}

    def __call__(self, environ, start_response):
        answer = self._answer(environ) if environ.get("REQUEST_METHOD") == "GET" and self._open() else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _open(self) -> bool:
        config = self.config
        return not (config.get("AUTH_READS") or config.get("TRUSTED_HOSTS") or config.get("SERVER_NAME"))

    def _answer(self, environ):
        path, served = environ.get("PATH_INFO", ""), self.store.registry.by_type
        match = _SEARCH.match(path)
        if match is not None:
            return self._search(environ, match.group(1)) if match.group(1) in served else None
        if environ.get("QUERY_STRING") or any(h in environ for h in _CONDITIONAL):
            return None
        match = _READ.match(path)
        if match is None or match.group(1) not in served:
            return None
        return self._read(environ, match.group(1), match.group(2))

    def _read(self, environ, resource_type: str, res_id: str):
        try:
            media = negotiate(None, environ.get("HTTP_ACCEPT"))
            stored = self.store.read(resource_type, res_id)
        except (FhirError, StoreError):
            return None
        return _ok(environ, media, stored.content.encode(), version_headers(stored.version, stored.last_updated))

    def _search(self, environ, resource_type: str):
        request = self.request_class(environ)
        try:
            args = request.args
            media = negotiate(args.get("_format"), environ.get("HTTP_ACCEPT"))
            strict = prefers_strict(environ.get("HTTP_PREFER", ""))
            base = self.config.get("BASE_URL") or self._root(environ, request)
            text = search_bundle(self.store, resource_type, list(args.items(multi=True)), strict, base)
            body = body_text(text, args.get("_pretty") == "true")
            body = body if isinstance(body, bytes) else body.encode()
        except Exception:  # noqa: BLE001 - Flask answers whatever this cannot, errors with an OperationOutcome
            return None
        return _ok(environ, media, body, {})

    def _root(self, environ, request) -> str:
        """The URL root Flask gives the request, remembered by what it is made of (werkzeug takes a while)."""
        key = tuple(environ.get(k) for k in _ROOT)
        root = self._roots.get(key)
        if root is None:
            if len(self._roots) >= _ROOTS_KEPT:
                self._roots.clear()
            root = self._roots[key] = request.url_root.rstrip("/")
        return root


def _ok(environ, media: str, body: bytes, headers: dict):
    """A 200 answer with the headers the Flask app puts on one (CORS, Vary, gzip when taken)."""
    headers = {"Content-Type": f"{media}; charset=utf-8", **headers, **cors_headers(environ.get("HTTP_ORIGIN")),
               "Vary": ", ".join(VARY)}
    gzipped = compressed(body, environ.get("HTTP_ACCEPT_ENCODING", ""))
    if gzipped is not None:
        body, headers["Content-Encoding"] = gzipped, "gzip"
    headers["Content-Length"] = str(len(body))
    return "200 OK", list(headers.items()), body
