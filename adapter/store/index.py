"""Extract the search index rows of a resource, one kind of row per search parameter type."""
from __future__ import annotations

from dataclasses import dataclass, field

from adapter.store.fhirpath import Resolver
from adapter.store.searchparams import SearchParam
from adapter.store.values import (HIGHEST, LOWEST, BadValue, age_years, date_range, fold, period_range,
                                  split_reference)

# the parts of HumanName and Address that string search matches
_STRING_PARTS = ("text", "family", "given", "prefix", "suffix", "line", "city", "district", "state",
                 "postalCode", "country")
# the display texts of a token (CodeableConcept.text, Coding.display) are string rows under "<code>:text"
TEXT_SUFFIX = ":text"
# long strings (descriptions) are cut: the index serves search, not storage, and a btree key has a size limit
MAX_STRING = 500


@dataclass
class IndexRows:
    """Rows for each index table, as tuples without the resource key."""
    token: list[tuple] = field(default_factory=list)      # (param, system, code)
    string: list[tuple] = field(default_factory=list)     # (param, folded, exact)
    range: list[tuple] = field(default_factory=list)      # (param, low, high)
    reference: list[tuple] = field(default_factory=list)  # (param, target_type, target_id, url)
    uri: list[tuple] = field(default_factory=list)        # (param, value)


def _tokens(value) -> list[tuple]:
    if isinstance(value, bool):
        return [(None, "true" if value else "false")]
    if isinstance(value, (str, int, float)):
        return [(None, str(value))]
    if not isinstance(value, dict):
        return []
    if "coding" in value:
        return [(c.get("system"), c["code"]) for c in value["coding"] if isinstance(c, dict) and c.get("code")]
    if value.get("code") is not None:
        return [(value.get("system"), str(value["code"]))]
    if value.get("value") is not None:
        return [(value.get("system"), str(value["value"]))]
    return []


def text_param(code: str) -> str:
    """The string-index parameter holding the display text of token parameter ``code`` (for ``:text``)."""
    return code + TEXT_SUFFIX


def _token_texts(value) -> list[str]:
    if not isinstance(value, dict):
        return []
    codings = value.get("coding") if isinstance(value.get("coding"), list) else [value]
    texts = [value.get("text")] + [c.get("display") for c in codings if isinstance(c, dict)]
    return [t for t in texts if isinstance(t, str) and t]


def _string_rows(code: str, texts: list[str]) -> list[tuple]:
    return [(code, fold(s)[:MAX_STRING], s[:MAX_STRING]) for s in texts]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    out = []
    for part in _STRING_PARTS:
        item = value.get(part)
        out.extend(item if isinstance(item, list) else [item] if item else [])
    return [s for s in out if isinstance(s, str)]


def _date(value) -> list[tuple[float, float]]:
    if isinstance(value, str):
        return [date_range(value)]
    if isinstance(value, dict) and ("start" in value or "end" in value):
        return [period_range(value)]
    return []


def _number(value) -> list[tuple[float, float]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(float(value), float(value))]
    if isinstance(value, dict) and ("low" in value or "high" in value):
        return [(age_years(value.get("low"), LOWEST), age_years(value.get("high"), HIGHEST))]
    if isinstance(value, dict) and isinstance(value.get("value"), (int, float)):
        return [(float(value["value"]),) * 2]
    return []


def _references(value) -> list[tuple]:
    url = value.get("reference") if isinstance(value, dict) else value
    if not isinstance(url, str):
        return []
    rtype, rid = split_reference(url)
    return [(rtype, rid, url)]


def index_resource(resource: dict, params: dict[str, SearchParam], resolve: Resolver | None) -> IndexRows:
    """Evaluate every parameter of the resource's type; values that do not parse are left out."""
    rows = IndexRows()
    for code, param in params.items():
        for value in param.extract(resource, resolve):
            try:
                if param.type == "token":
                    rows.token.extend((code, s, c) for s, c in _tokens(value))
                    rows.string.extend(_string_rows(text_param(code), _token_texts(value)))
                elif param.type == "string":
                    rows.string.extend(_string_rows(code, _strings(value)))
                elif param.type == "date":
                    rows.range.extend((code, lo, hi) for lo, hi in _date(value))
                elif param.type == "number":
                    rows.range.extend((code, lo, hi) for lo, hi in _number(value))
                elif param.type == "reference":
                    rows.reference.extend((code, *ref) for ref in _references(value))
                elif param.type == "uri" and isinstance(value, str):
                    rows.uri.append((code, value))
            except (BadValue, TypeError, ValueError, KeyError):
                continue
    return rows
