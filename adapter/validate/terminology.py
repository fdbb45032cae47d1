"""Check every code in a required binding against its value set, from the official definitions of a version."""
from __future__ import annotations

from functools import cache

from .definitions import code_system, structure_definition, value_set
from .packages import R4

# FHIR's primitive types (integer64 is R5's, and travels as a JSON string), and the FHIRPath type some
# snapshots give the ids and urls of elements
PRIMITIVES = frozenset({"boolean", "integer", "string", "decimal", "uri", "url", "canonical", "base64Binary",
                        "instant", "date", "dateTime", "time", "code", "oid", "id", "markdown", "unsignedInt",
                        "positiveInt", "uuid", "xhtml", "integer64", "http://hl7.org/fhirpath/System.String"})


@cache
def elements_by_path(type_name: str, version: str) -> dict[str, dict]:
    """A type's snapshot element definitions by path (empty for a type the package does not define)."""
    sd = structure_definition(type_name, version)
    if sd is None:
        return {}
    return {e["path"]: e for e in sd["snapshot"]["element"]}


def _concepts(concepts: list[dict]) -> set[str]:
    out = set()
    for c in concepts:
        out.add(c["code"])
        out |= _concepts(c.get("concept", []))
    return out


@cache
def allowed_codes(url: str, version: str = R4) -> frozenset[tuple[str, str]] | None:
    """(system, code) pairs of a value set; None when it cannot be expanded here (external code systems)."""
    vs = value_set(url, version)
    if vs is None:
        return None
    out: set[tuple[str, str]] = set()
    for inc in vs.get("compose", {}).get("include", []):
        if "filter" in inc:
            return None
        for nested in inc.get("valueSet", []):
            codes = allowed_codes(nested, version)
            if codes is None:
                return None
            out |= codes
        system = inc.get("system")
        if not system:
            continue
        if "concept" in inc:
            out |= {(system, c["code"]) for c in inc["concept"]}
        else:
            cs = code_system(system, version)
            if cs is None or cs.get("content") != "complete":
                return None
            out |= {(system, code) for code in _concepts(cs.get("concept", []))}
    return frozenset(out)


@cache
def _children(type_name: str, path: str, version: str) -> dict[str, tuple[dict, str | None]]:
    """JSON key -> (element definition, data type chosen by a value[x] key) for the elements under ``path``."""
    out: dict[str, tuple[dict, str | None]] = {}
    prefix = path + "."
    for candidate, definition in elements_by_path(type_name, version).items():
        if not candidate.startswith(prefix) or "." in candidate[len(prefix):]:
            continue
        name = candidate[len(prefix):]
        if name.endswith("[x]"):
            for t in definition.get("type", []):
                code = t["code"]
                out[name[:-3] + code[0].upper() + code[1:]] = (definition, code)
        else:
            out[name] = (definition, None)
    return out


_IN_PROGRESS: set[tuple[str, str, str]] = set()


@cache
def _has_binding(type_name: str, path: str, version: str) -> bool:
    """Whether anything under ``path`` can hold a code in a required binding (prunes the walk)."""
    key = (type_name, path, version)
    if key in _IN_PROGRESS:
        return False          # a recursive type (Identifier -> Reference -> Identifier) adds nothing new
    _IN_PROGRESS.add(key)
    try:
        for json_key, (el, chosen) in _children(type_name, path, version).items():
            if el.get("binding", {}).get("strength") == "required":
                return True
            kinds = [chosen] if chosen else [t["code"] for t in el.get("type", [])]
            for kind in kinds:
                if kind in ("BackboneElement", "Element"):
                    if _has_binding(type_name, f"{path}.{json_key}", version):
                        return True
                elif (kind not in PRIMITIVES and kind not in ("Extension", "Resource")
                      and _has_binding(kind, kind, version)):
                    return True
        return False
    finally:
        _IN_PROGRESS.discard(key)


@cache
def _systems(url: str, version: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The code systems of a value set, and its codes whatever their system."""
    allowed = allowed_codes(url, version)
    if allowed is None:
        return None
    return frozenset(s for s, _ in allowed), frozenset(c for _, c in allowed)


def code_allowed(value: str, system: str | None, valueset: str, version: str) -> bool:
    """Whether a code may stand in a required binding (True when the value set cannot be expanded here, or the
    coding is from a code system the value set does not use)."""
    known = _systems(valueset, version)
    if known is None:
        return True
    systems, codes = known
    if system is None:
        return value in codes
    return system not in systems or (system, value) in allowed_codes(valueset, version)


def code_issue(value: str, valueset: str, where: str) -> str:
    return f"{where}: code {value!r} is not in required value set {valueset.split('|')[0]}"


def check_code(value, system: str | None, valueset: str, where: str, out: list[str], version: str):
    if not code_allowed(value, system, valueset, version):
        out.append(code_issue(value, valueset, where))


def _walk(node: dict, type_name: str, path: str, where: str, out: list[str], version: str):
    for key, value in node.items():
        if key in ("resourceType", "extension", "modifierExtension", "contained") or key.startswith("_"):
            continue
        found = _children(type_name, path, version).get(key)
        if found is None:
            continue
        el, chosen = found
        types = [chosen] if chosen else [t["code"] for t in el.get("type", [])]
        binding = el.get("binding", {})
        required = binding.get("valueSet") if binding.get("strength") == "required" else None
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            here = f"{where}.{key}" + (f"[{i}]" if isinstance(value, list) else "")
            if required and isinstance(item, str):
                check_code(item, None, required, here, out, version)
            if not isinstance(item, dict):
                continue
            if required and "Coding" in types and "code" in item:
                check_code(item["code"], item.get("system"), required, here, out, version)
            if required and "CodeableConcept" in types:
                for c in item.get("coding", []):
                    if "code" in c:
                        check_code(c["code"], c.get("system"), required, here, out, version)
            kind = types[0] if types else None
            if kind in ("BackboneElement", "Element") or not kind:
                if _has_binding(type_name, f"{path}.{key}", version):
                    _walk(item, type_name, f"{path}.{key}", here, out, version)
            elif kind not in PRIMITIVES and _has_binding(kind, kind, version):
                _walk(item, kind, kind, here, out, version)


def binding_issues(resource: dict, version: str = R4) -> list[str]:
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or structure_definition(rtype, version) is None:
        return []
    out: list[str] = []
    _walk(resource, rtype, rtype, rtype, out, version)
    return out
