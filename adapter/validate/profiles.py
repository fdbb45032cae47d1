"""Check a resource against the differentials of our profiles it claims (profiles/r4, profiles/r5): cardinality,
fixed and pattern values, extension slices by url, value limits of our extensions, reference targets.

FHIRPath invariants in the profiles (``constraint``) are left to a full validator; everything else a
differential of ours says is checked here.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .packages import R4, R5

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
FOLDER = {R4: "r4", R5: "r5"}


@cache
def definitions(version: str) -> dict[str, dict]:
    """Our StructureDefinitions for a FHIR version, by canonical url."""
    out = {}
    for path in sorted((PROFILES / FOLDER[version]).glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text(encoding="utf-8"))
        out[sd["url"]] = sd
    return out


def _items(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _children(node: dict, name: str) -> list:
    if name.endswith("[x]"):
        stem = name[:-3]
        return [v for k, v in node.items() if k.startswith(stem) and k[len(stem):][:1].isupper()]
    return _items(node.get(name))


def _slice_urls(elements: list[dict]) -> dict[str, str]:
    """Element id of each extension slice -> the extension url it holds."""
    return {e["id"]: e["type"][0]["profile"][0] for e in elements if e.get("sliceName")}


def _instances(root: dict, element_id: str, slices: dict[str, str]) -> list[tuple[dict, list]]:
    """(parent node, the element's values in it) for every instance of the element's parent."""
    steps = element_id.split(".")[1:]
    parents = [root]
    for n, step in enumerate(steps):
        here = ".".join([element_id.split(".")[0], *steps[:n + 1]])
        name = step.split(":")[0]
        found = [(p, [v for v in _children(p, name) if here not in slices or
                      (isinstance(v, dict) and v.get("url") == slices[here])]) for p in parents]
        if n == len(steps) - 1:
            return found
        parents = [v for _, values in found for v in values if isinstance(v, dict)]
    return []


def _contains(value, pattern) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_contains(value.get(k), v) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(_contains(v, p) for v in value) for p in pattern)
    return value == pattern


def _check_element(resource: dict, e: dict, slices: dict[str, str], where: str, resolve) -> list[str]:
    out = []
    for parent, values in _instances(resource, e["id"], slices):
        if len(values) < e.get("min", 0):
            out.append(f"{where}: {e['id']} needs at least {e['min']} (has {len(values)})")
        if e.get("max", "*") != "*" and len(values) > int(e["max"]):
            out.append(f"{where}: {e['id']} allows at most {e['max']} (has {len(values)})")
        for value in values:
            for key, wanted in e.items():
                if key.startswith("fixed") and value != wanted:
                    out.append(f"{where}: {e['id']} must be {wanted!r}, not {value!r}")
                elif key.startswith("pattern") and not _contains(value, wanted):
                    out.append(f"{where}: {e['id']} must match {json.dumps(wanted)}")
                elif not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                elif key.startswith("minValue") and value < wanted or key.startswith("maxValue") and value > wanted:
                    out.append(f"{where}: {e['id']} value {value} is outside its {key} {wanted}")
            out += _check_target(value, e, where, resolve)
    return out


def _check_target(value, e: dict, where: str, resolve) -> list[str]:
    """A reference to a resource we emit must point at one that claims the profile the element names."""
    targets = [p for t in e.get("type", []) for p in t.get("targetProfile", [])]
    if not targets or not isinstance(value, dict) or resolve is None or "reference" not in value:
        return []
    target = resolve(value["reference"])
    if target is None:
        return [f"{where}: {e['id']} points at {value['reference']}, which is not among the resources"]
    claimed = set(target.get("meta", {}).get("profile", []))
    if not claimed & set(targets):
        return [f"{where}: {e['id']} points at {value['reference']}, which does not claim {targets[0]}"]
    return []


def _walk_extensions(node, found: list[dict]):
    if isinstance(node, dict):
        found += [x for x in node.get("extension", []) if isinstance(x, dict)]
        for value in node.values():
            _walk_extensions(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk_extensions(item, found)


def _check_choice(instance: dict, e: dict, slices: dict[str, str], where: str) -> list[str]:
    """A value[x] the differential narrows to some types may use only those."""
    stem = e["id"].rsplit(".", 1)[1][:-3]
    allowed = {stem + t["code"][0].upper() + t["code"][1:] for t in e["type"]}
    parent_id = e["id"].rsplit(".", 1)[0]
    parents = [instance] if "." not in parent_id else \
        [v for _, values in _instances(instance, parent_id, slices) for v in values if isinstance(v, dict)]
    return [f"{where}: {e['id']} must be one of {sorted(allowed)}, not {key}" for p in parents for key in p
            if key.startswith(stem) and key[len(stem):][:1].isupper() and key not in allowed]


def _check(instance: dict, sd: dict, where: str, resolve) -> list[str]:
    elements = sd["differential"]["element"][1:]
    slices = _slice_urls(elements)
    out = [p for e in elements for p in _check_element(instance, e, slices, where, resolve)]
    for e in elements:
        if e["id"].endswith("[x]") and e.get("type"):
            out += _check_choice(instance, e, slices, where)
    return out


def profile_issues(resource: dict, version: str = R4, resolve=None) -> list[str]:
    """What keeps a resource from meeting the profiles it claims in ``meta.profile`` and the definitions of our
    extensions it carries; ``resolve(reference)`` returns a referenced resource, to check reference targets."""
    ours = definitions(version)
    where = f"{resource.get('resourceType')}/{resource.get('id')}"
    out = []
    for url in resource.get("meta", {}).get("profile", []):
        if url not in ours:
            out.append(f"{where}: claims {url}, which is not one of our profiles")
        elif ours[url]["type"] != resource.get("resourceType"):
            out.append(f"{where}: claims {url}, a profile of {ours[url]['type']}")
        else:
            out += _check(resource, ours[url], where, resolve)
    extensions: list[dict] = []
    _walk_extensions(resource, extensions)
    for ext in extensions:
        sd = ours.get(ext.get("url"))
        if sd is not None and sd["type"] == "Extension":
            out += _check(ext, sd, f"{where} extension {sd['id']}", None)
    return out
