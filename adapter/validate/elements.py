"""Validate a resource in one pass against the official StructureDefinitions: element names, JSON shapes,
cardinality, primitive formats (the spec's own regexes) and codes in required bindings.

Rules are compiled once per (type, path) from the snapshots, so checking costs a few dictionary lookups an
element. ``trialfhir convert`` validates every resource with this; ``trialfhir validate`` adds fhirclient's
strict models as a second, independent opinion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .definitions import structure_definition
from .packages import R4
from .terminology import check_code, elements_by_path

_FHIR_TYPE = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
_SYSTEM = "http://hl7.org/fhirpath/System."
_INTEGERS = {"integer": (-2**31, 2**31 - 1), "unsignedInt": (0, 2**31 - 1), "positiveInt": (1, 2**31 - 1)}
_PRIMITIVES = {"boolean", "integer", "string", "decimal", "uri", "url", "canonical", "base64Binary", "instant",
               "date", "dateTime", "time", "code", "oid", "id", "markdown", "unsignedInt", "positiveInt", "uuid",
               "xhtml"}


@dataclass(frozen=True)
class Rule:
    """What one JSON key may hold: its data type, whether it is an array, and its required binding."""
    kind: str
    many: bool
    # for a contentReference ("#PlanDefinition.action"): the path whose rules apply
    ref: str | None = None
    binding: str | None = None


def _kind(type_entry: dict) -> str:
    code = type_entry["code"]
    if code.startswith(_SYSTEM):
        # Element.id, Extension.url, Resource.id: the spec names the FHIR type in an extension
        fhir_type = next((x["valueUrl"] for x in type_entry.get("extension", []) if x["url"] == _FHIR_TYPE), None)
        return fhir_type or "string"
    return code


@cache
def rules(type_name: str, path: str, version: str = R4) -> tuple[dict[str, Rule], tuple[tuple[str, ...], ...]]:
    """JSON key -> Rule for the children of ``path``, and the keys of each required child (any one will do)."""
    children: dict[str, Rule] = {}
    required: list[tuple[str, ...]] = []
    prefix = path + "."
    for full, el in elements_by_path(type_name, version).items():
        if not full.startswith(prefix) or "." in full[len(prefix):]:
            continue
        name = full[len(prefix):]
        many = el.get("max") != "1"
        binding = el.get("binding", {})
        vs = binding.get("valueSet") if binding.get("strength") == "required" else None
        if el.get("max") == "0":
            continue
        if "contentReference" in el:
            children[name] = Rule("BackboneElement", many, el["contentReference"].lstrip("#"), vs)
            keys = (name,)
        elif name.endswith("[x]"):
            keys = ()
            for t in el.get("type", []):
                kind = _kind(t)
                key = name[:-3] + kind[0].upper() + kind[1:]
                children[key] = Rule(kind, many, None, vs)
                keys += (key,)
        else:
            children[name] = Rule(_kind(el["type"][0]) if el.get("type") else "BackboneElement", many, None, vs)
            keys = (name,)
        if el.get("min", 0) >= 1:
            # a primitive may be present only as its "_name" extension sibling
            required.append(keys + tuple(f"_{k}" for k in keys))
    return children, tuple(required)


@cache
def _pattern(kind: str, version: str) -> re.Pattern | None:
    sd = structure_definition(kind, version)
    if sd is None:
        return None
    for el in sd["snapshot"]["element"]:
        if el["path"] == f"{kind}.value":
            for t in el.get("type", []):
                for x in t.get("extension", []):
                    if x["url"] == _REGEX:
                        return re.compile(x["valueString"])
    return None


def _primitive_issue(kind: str, value, version: str) -> str | None:
    if kind == "boolean":
        return None if isinstance(value, bool) else "not a boolean"
    if kind in _INTEGERS:
        low, high = _INTEGERS[kind]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"not an {kind}"
        return None
    if kind == "decimal":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "not a decimal"
    if not isinstance(value, str):
        return f"not a {kind} (a JSON string)"
    if kind in ("string", "markdown"):
        # the spec's pattern for these, [ \r\n\t\S]+, asks only that they are not empty
        return None if value else f"empty {kind}"
    pattern = _pattern(kind, version)
    if pattern is not None and not pattern.fullmatch(value):
        return f"{value[:60]!r} is not a valid {kind}"
    return None


def _at(where) -> str:
    """The readable location of a problem; locations are kept as cheap tuples until one is reported."""
    parts = []
    while len(where) == 3:
        where, key, index = where
        parts.append(f".{key}" if index is None else f".{key}[{index}]")
    parts.append(where[1])
    return "".join(reversed(parts))


def _walk(node, type_name: str, path: str, where, out: list[str], version: str):
    if not isinstance(node, dict):
        out.append(f"{_at(where)}: expected an object")
        return
    children, required = rules(type_name, path, version)
    for key, value in node.items():
        rule = children.get(key)
        if rule is None:
            if key == "resourceType" and path == type_name:
                continue
            base = children.get(key[1:]) if key.startswith("_") else None
            if base is None or base.kind not in _PRIMITIVES:
                out.append(f"{_at(where)}: unknown element {key!r}")
            continue
        if rule.many:
            if not isinstance(value, list):
                out.append(f"{_at(where)}.{key}: must be an array")
            elif not value:
                out.append(f"{_at(where)}.{key}: empty array")
            else:
                for i, item in enumerate(value):
                    _item(item, rule, type_name, path, key, (where, key, i), out, version)
        elif isinstance(value, list):
            out.append(f"{_at(where)}.{key}: must not be an array")
        else:
            _item(value, rule, type_name, path, key, (where, key, None), out, version)
    for keys in required:
        if not any(k in node for k in keys):
            out.append(f"{_at(where)}: missing required element {' or '.join(keys[:len(keys) // 2])}")


def _item(item, rule: Rule, type_name: str, path: str, key: str, where, out: list[str], version: str):
    kind = rule.kind
    if kind == "string" and isinstance(item, str) and item:
        return
    if kind in _PRIMITIVES:
        problem = _primitive_issue(kind, item, version)
        if problem:
            out.append(f"{_at(where)}: {problem}")
        elif rule.binding and kind == "code":
            check_code(item, None, rule.binding, _at(where), out, version)
        return
    if kind == "Resource":
        out.extend(element_issues(item, version, _at(where)))
        return
    if rule.binding and isinstance(item, dict):
        codings = [item] if kind == "Coding" else item.get("coding", []) if kind == "CodeableConcept" else []
        for c in codings:
            if isinstance(c, dict) and isinstance(c.get("code"), str):
                check_code(c["code"], c.get("system"), rule.binding, _at(where), out, version)
    if rule.ref:
        _walk(item, type_name, rule.ref, where, out, version)
    elif kind in ("BackboneElement", "Element"):
        _walk(item, type_name, f"{path}.{key}", where, out, version)
    else:
        _walk(item, kind, kind, where, out, version)


def element_issues(resource, version: str = R4, where: str | None = None) -> list[str]:
    """Every element-level problem in a resource; empty when it conforms to the base definitions."""
    rtype = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(rtype, str):
        return [f"{where or 'resource'}: not a FHIR resource: no resourceType"]
    if structure_definition(rtype, version) is None or not rtype[:1].isupper():
        return [f"{where or rtype}: unknown resource type {rtype!r}"]
    out: list[str] = []
    _walk(resource, rtype, rtype, (None, where or rtype), out, version)
    return out
