"""The official StructureDefinitions of one version compiled for validation: a Shape per (type, path) says what
one JSON object may hold, a Rule per key what that key may hold (its check, for a primitive: the spec's own
regexes), once, on first use."""
from __future__ import annotations

import re
from functools import cache

from .definitions import structure_definition
from .packages import R4
from .terminology import PRIMITIVES, elements_by_path
from .xhtml import xhtml_problem

_FHIR_TYPE = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
_SYSTEM = "http://hl7.org/fhirpath/System."
INTEGERS = {"integer": (-2**31, 2**31 - 1), "unsignedInt": (0, 2**31 - 1), "positiveInt": (1, 2**31 - 1)}
# the spec's pattern for string and markdown, [ \r\n\t\S]+, asks only that they are not empty
TEXTUAL = ("string", "markdown")


class Shape:
    """What one JSON object may hold: a Rule per key, the keys of each required child (any one will do), and the
    keys of each choice (value[x]) of several types, their "_name" siblings with them, of which one type at most
    may be present."""
    __slots__ = ("children", "required", "choices", "resource")

    def __init__(self, children: dict[str, Rule], required: tuple[tuple[str, ...], ...],
                 choices: tuple[frozenset[str], ...], resource: bool):
        self.children, self.required, self.choices, self.resource = children, required, choices, resource


class Rule:
    """What one JSON key may hold: its data type, whether it is an array, its required binding, and for a
    complex type where to find the rules of its children."""
    __slots__ = ("kind", "many", "binding", "version", "plain", "check", "_target", "_shape")

    def __init__(self, kind: str, many: bool, binding: str | None, target: tuple[str, str] | None, version: str):
        self.kind, self.many, self.binding, self.version = kind, many, binding, version
        # a plain string needs no more than to be a non-empty JSON string: checked inline by the walkers
        self.plain = kind == "string"
        self.check = _checker(kind, version) if kind in PRIMITIVES else None
        self._target, self._shape = target, None

    def shape(self) -> Shape:
        # resolved on first use: data types refer to each other in cycles (Identifier -> Reference -> Identifier)
        if self._shape is None:
            self._shape = shape(*self._target, self.version)
        return self._shape


def _kind(type_entry: dict) -> str:
    code = type_entry["code"]
    if code.startswith(_SYSTEM):
        # Element.id, Extension.url, Resource.id: the spec names the FHIR type in an extension
        fhir_type = next((x["valueUrl"] for x in type_entry.get("extension", []) if x["url"] == _FHIR_TYPE), None)
        return fhir_type or "string"
    return code


def _target(type_name: str, path: str, kind: str, ref: str | None) -> tuple[str, str] | None:
    """(type, path) whose children are the rules inside an element of this kind."""
    if ref:
        return type_name, ref
    if kind in ("BackboneElement", "Element"):
        return type_name, path
    if kind in PRIMITIVES or kind == "Resource":
        return None
    return kind, kind


@cache
def shape(type_name: str, path: str, version: str = R4) -> Shape:
    """The compiled rules for the children of ``path`` in ``type_name``."""
    children: dict[str, Rule] = {}
    required: list[tuple[str, ...]] = []
    choices: list[frozenset[str]] = []
    prefix = path + "."
    sd = structure_definition(type_name, version)
    resource = path == type_name and sd is not None and sd.get("kind") == "resource"
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
            ref = el["contentReference"].lstrip("#")
            children[name] = Rule("BackboneElement", many, vs, _target(type_name, full, "BackboneElement", ref),
                                  version)
            keys = (name,)
        elif name.endswith("[x]"):
            keys = ()
            for t in el.get("type", []):
                kind = _kind(t)
                key = name[:-3] + kind[0].upper() + kind[1:]
                children[key] = Rule(kind, many, vs, _target(type_name, full, kind, None), version)
                keys += (key,)
            if len(keys) > 1:
                choices.append(frozenset(keys + tuple(f"_{k}" for k in keys)))
        else:
            kind = _kind(el["type"][0]) if el.get("type") else "BackboneElement"
            if name == "id" and not resource:
                # Element.id is a string wherever it appears; R5's ElementDefinition snapshot calls it an id,
                # which its own element ids ("Extension.value[x]") could not be
                kind = "string"
            children[name] = Rule(kind, many, vs, _target(type_name, full, kind, None), version)
            keys = (name,)
        if el.get("min", 0) >= 1:
            # a primitive may be present only as its "_name" extension sibling
            required.append(keys + tuple(f"_{k}" for k in keys))
    return Shape(children, tuple(required), tuple(choices), resource)


@cache
def value_pattern(kind: str, version: str) -> re.Pattern | None:
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


def _checker(kind: str, version: str):
    """The check of one primitive type's JSON value: the problem in words, or None."""
    if kind == "boolean":
        return lambda value: None if value is True or value is False else "not a boolean"
    if kind in INTEGERS:
        low, high = INTEGERS[kind]
        return lambda value: (None if value.__class__ is int and low <= value <= high else f"not an {kind}")
    if kind == "decimal":
        return lambda value: None if value.__class__ in (int, float) else "not a decimal"
    if kind == "xhtml":
        return xhtml_problem
    textual = kind in TEXTUAL
    pattern = None if textual else value_pattern(kind, version)

    def check(value):
        if not isinstance(value, str):
            return f"not a {kind} (a JSON string)"
        if textual:
            return None if value else f"empty {kind}"
        if pattern is None or pattern.fullmatch(value):
            return None
        return f"{value[:60]!r} is not a valid {kind}"
    return check
