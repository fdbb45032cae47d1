"""Parse FHIR search parameters (name[:modifier]=value,value...) into a SearchQuery for one resource type."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapter.store.searchparams import SearchParam, SearchParamRegistry

DEFAULT_COUNT = 20
MAX_COUNT = 500

MODIFIERS = {
    "token": {None, "missing", "not", "text"},
    "string": {None, "missing", "exact", "contains"},
    "date": {None, "missing"},
    "number": {None, "missing"},
    "reference": {None, "missing"},
    "uri": {None, "missing"},
}
# parameters about the result rather than the match; the server shapes the answer with some of them
RESULT_PARAMS = {"_count", "_sort", "_include", "_revinclude", "_total", "_summary", "_elements", "_format",
                 "_cursor", "_pretty", "_contained", "_containedType"}
SUMMARY_VALUES = {"true", "false", "text", "data", "count"}
TOTAL_VALUES = {"none", "estimate", "accurate"}
_SPLIT = re.compile(r"(?<!\\),")


class BadSearch(ValueError):
    """A search parameter is unknown, malformed, or uses a modifier its type does not have (HTTP 400)."""


@dataclass
class Clause:
    """One occurrence of a parameter: its values are alternatives (OR); clauses together must all hold (AND)."""
    param: SearchParam
    modifier: str | None
    values: list[str]


@dataclass
class Include:
    source_type: str
    param: SearchParam | None  # None for ``*``: every reference parameter
    target_type: str | None
    reverse: bool
    # :iterate (R4; :recurse in earlier versions) applies the include to included resources too
    iterate: bool = False


@dataclass
class SearchQuery:
    resource_type: str
    clauses: list[Clause] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (param code, descending)
    count: int = DEFAULT_COUNT
    cursor: str | None = None
    total: str = "none"
    summary: str | None = None
    elements: list[str] | None = None
    # parameters that were not understood and were dropped (lenient handling)
    ignored: list[str] = field(default_factory=list)


def split_values(raw: str) -> list[str]:
    """Comma-separated alternatives, honouring ``\\,`` as a literal comma."""
    return [v.replace("\\,", ",") for v in _SPLIT.split(raw)]


def _include(registry: SearchParamRegistry, raw: str, reverse: bool, base_type: str, iterate: bool) -> Include:
    parts = raw.split(":")
    if len(parts) not in (2, 3) or not registry.params(parts[0]):
        raise BadSearch(f"bad {'_revinclude' if reverse else '_include'} value {raw!r}: use Type:param[:Target]")
    source, code = parts[0], parts[1]
    if not reverse and not iterate and source != base_type:
        raise BadSearch(f"_include source {source!r} is not the searched type {base_type}")
    param = None if code == "*" else registry.get(source, code)
    if code != "*" and (param is None or param.type != "reference"):
        raise BadSearch(f"{source}:{code} is not a reference search parameter")
    return Include(source, param, parts[2] if len(parts) == 3 else None, reverse, iterate)


def _sort(registry: SearchParamRegistry, resource_type: str, raw: str) -> list[tuple[str, bool]]:
    out = []
    for item in raw.split(","):
        desc = item.startswith("-")
        code = item[1:] if desc else item
        param = registry.get(resource_type, code)
        if param is None or param.type not in ("string", "token", "date", "number", "uri"):
            raise BadSearch(f"cannot sort {resource_type} by {code!r}")
        out.append((code, desc))
    return out


def _count(raw: str) -> int:
    if not raw.isdigit():
        raise BadSearch(f"_count must be a non-negative integer, not {raw!r}")
    return min(int(raw), MAX_COUNT)


def parse_search(registry: SearchParamRegistry, resource_type: str, items: list[tuple[str, str]],
                 strict: bool = False) -> SearchQuery:
    """Build the query from (name, value) pairs; unknown parameters fail when ``strict``, else are ignored."""
    query = SearchQuery(resource_type)
    for name, raw in items:
        code, _, modifier = name.partition(":")
        if code in RESULT_PARAMS:
            _result_param(registry, query, code, modifier, raw)
            continue
        param = registry.get(resource_type, code)
        if param is None or "." in code:
            if strict:
                raise BadSearch(f"unknown search parameter {name!r} for {resource_type}")
            query.ignored.append(name)
            continue
        modifier = modifier or None
        if param.type == "reference" and modifier and modifier[:1].isupper():
            if param.target and modifier not in param.target:
                raise BadSearch(f"{name}: {modifier} is not a target of {code}")
        elif modifier not in MODIFIERS[param.type]:
            raise BadSearch(f"modifier :{modifier} is not supported on {param.type} parameter {code}")
        if modifier == "missing" and raw not in ("true", "false"):
            raise BadSearch(f"{name} must be true or false")
        values = [v for v in split_values(raw) if v != ""]
        if not values:
            raise BadSearch(f"{name} has no value")
        query.clauses.append(Clause(param, modifier, values))
    return query


def _result_param(registry: SearchParamRegistry, query: SearchQuery, code: str, modifier: str, raw: str):
    if code == "_count":
        query.count = _count(raw)
    elif code == "_sort":
        query.sort = _sort(registry, query.resource_type, raw)
    elif code in ("_include", "_revinclude"):
        if modifier not in ("", "iterate", "recurse"):
            raise BadSearch(f"{code}:{modifier} is not supported")
        query.includes.append(_include(registry, raw, code == "_revinclude", query.resource_type,
                                       modifier in ("iterate", "recurse")))
    elif code == "_total":
        if raw not in TOTAL_VALUES:
            raise BadSearch(f"_total must be one of {sorted(TOTAL_VALUES)}")
        query.total = raw
    elif code == "_summary":
        if raw not in SUMMARY_VALUES:
            raise BadSearch(f"_summary must be one of {sorted(SUMMARY_VALUES)}")
        query.summary = raw
    elif code == "_elements":
        query.elements = [e.strip() for e in raw.split(",") if e.strip()]
    elif code == "_cursor":
        query.cursor = raw
