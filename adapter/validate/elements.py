"""Validate a resource in one pass against the official StructureDefinitions: element names, JSON shapes,
cardinality, primitive formats (the spec's own regexes) and codes in required bindings.

Nearly every resource we check is valid, so the check runs in two steps. Each Shape (see shapes.py) is turned
into a generated Python function that only answers "valid or not": no locations, no messages, and for most
values a dictionary lookup and an inline test. Only when it says no does the walk that reports every problem,
located and in document order, run over the resource. ``trialfhir convert`` validates every resource of either
FHIR version with this; ``trialfhir validate`` adds fhirclient's (R4) or fhir.resources' (R5) models as a
second, independent opinion.
"""
from __future__ import annotations

import re
import threading

from .definitions import structure_definition
from .packages import R4
from .shapes import INTEGERS, TEXTUAL, Rule, Shape, shape, value_pattern
from .terminology import PRIMITIVES, allowed_codes, code_allowed, code_issue
from .xhtml import xhtml_problem

# ---- the yes/no check, generated per Shape ---------------------------------------------------------------------

# the globals of the generated functions: one function per Shape and one per kind of value test, with the
# constants they test against
_GENERATED: dict[str, object] = {}
_NAMES: dict[Shape, str] = {}
_READY: dict[Shape, object] = {}        # the functions generated completely, by Shape
_RESOURCE_CHECKS: dict[tuple[str, str], object] = {}       # those of resources, by (type, version)
_GENERATING = threading.Lock()
_CONSTANTS: dict[object, str] = {}
# ids and dates rarely repeat: the values remembered of one type are bounded by starting over
_SEEN_MAX = 1 << 14


class _Values:
    """The valid values of one primitive type, to skip its regex: the codes of a required binding (closed), or
    the values seen so far to match the type's regex (open: a new one is matched once, then remembered). They
    are held in a set, not by subclassing it: ``in`` a subclass of set calls its ``__contains__`` method, slowly."""
    __slots__ = ("known", "pattern")

    def __init__(self, values=(), pattern: re.Pattern | None = None):
        self.known, self.pattern = set(values), pattern

    def matches(self, value: str) -> bool:
        if not self._fits(value):
            return False
        if len(self.known) >= _SEEN_MAX:
            self.known.clear()
        self.known.add(value)
        return True

    def _fits(self, value: str) -> bool:
        return self.pattern is not None and self.pattern.fullmatch(value) is not None


class _AnyString(_Values):
    """Any string at all: the test of a key whose strings are not checked (no regex, or not checked at all)."""
    __slots__ = ()

    def matches(self, value: str) -> bool:
        return True


_ANY_STRING = _AnyString()


class _Narratives(_Values):
    """The narratives (xhtml) seen so far to meet FHIR's rules for them."""
    __slots__ = ()

    def _fits(self, value: str) -> bool:
        return xhtml_problem(value) is None


def conforms(shape: Shape):
    """The generated function that tells whether a JSON object conforms to ``shape`` (and all it holds)."""
    function = _READY.get(shape)
    if function is None:
        with _GENERATING:
            if shape not in _READY:
                _generate(shape)
        function = _READY[shape]
    return function


def _generate(root: Shape):
    """Generate the functions of ``root`` and of every Shape it can hold that has none yet, all at once: data
    types refer to each other in cycles (Identifier -> Reference -> Identifier). A contained resource's Shape is
    generated when one is first met."""
    new, todo = [], [root]
    while todo:
        shape = todo.pop()
        if shape not in _NAMES:
            _NAMES[shape] = f"shape_{len(_NAMES)}"
            new.append(shape)
            todo += [rule.shape() for rule in shape.children.values()
                     if rule.kind not in PRIMITIVES and rule.kind != "Resource"]
    for shape in new:
        exec(_source(shape, _NAMES[shape]), _GENERATED)
    # the test of each key, now that every function it may call exists
    for shape in new:
        strings, tests = _key_tests(shape)
        _GENERATED[_NAMES[shape] + "_strings"].update(strings)
        _GENERATED[_NAMES[shape] + "_tests"].update(tests)
    for shape in new:
        _READY[shape] = _GENERATED[_NAMES[shape]]


# how the generated loop tests a value that is not a string: the first item of its key's test (see _key_tests)
CALL, EACH, BOOLEAN, DECIMAL, UNCHECKED = range(5)


def _source(shape: Shape, name: str) -> str:
    """A function ``name(node) -> bool``: whether ``node`` is an object with every required child whose keys
    are all known and whose values each pass the test of their key. A string is tested against ``strings[key]``
    (None: any but an empty one, else a _Values), anything else by ``tests[key]``: either fails with KeyError
    for a key that does not take it. Strings, most of the values, are tested inline, and so are booleans and
    decimals and the loop over an array; objects and the rest by a call."""
    _GENERATED[name + "_strings"], _GENERATED[name + "_tests"] = {}, {}
    # the builtins the loop reads for every key are locals: read faster than globals
    choices = shape.choices
    _GENERATED[name + "_choices"] = choices
    _GENERATED[name + "_choice_keys"] = frozenset().union(*choices)
    lines = [f"def {name}(node, strings={name}_strings, tests={name}_tests, choice_keys={name}_choice_keys, "
             "type=type, str=str):",
             "    if node.__class__ is not dict:",
             "        return False"]
    for i, keys in enumerate(shape.required):
        if len(keys) == 2:
            # most required children are one key (or its "_name" sibling)
            lines += [f"    if {keys[0]!r} not in node and {keys[1]!r} not in node:",
                      "        return False"]
        else:
            # a required choice (value[x]): one of many keys
            _GENERATED[f"{name}_choice_{i}"] = frozenset(keys)
            lines += [f"    if node.keys().isdisjoint({name}_choice_{i}):",
                      "        return False"]
    if choices:
        # one type of a choice at most, which needs telling only where an object holds two keys of choices (most
        # often a primitive and its "_name" sibling): counted in the loop, as an object has few keys and a choice
        # many (an extension's value[x] some fifty)
        lines += ["    taken = 0"]
    # type(value), not value.__class__: with values of many types, the attribute is looked up the slow way
    lines += ["    try:",
              "        for key in node:",
              *(["            if key in choice_keys:",
                 "                taken += 1"] if choices else []),
              "            value = node[key]",
              "            if type(value) is str:",
              "                test = strings[key]",
              "                if test is None:",
              "                    if not value:",
              "                        return False",
              "                elif value not in test.known and not test.matches(value):",
              "                    return False",
              "            else:",
              "                kind, test = tests[key]",
              f"                if kind == {CALL}:",
              "                    if not test(value):",
              "                        return False",
              f"                elif kind == {EACH}:",
              "                    if value.__class__ is not list or not value:",
              "                        return False",
              "                    for item in value:",
              "                        if not test(item):",
              "                            return False",
              f"                elif kind == {BOOLEAN}:",
              "                    if value is not True and value is not False:",
              "                        return False",
              f"                elif kind == {DECIMAL}:",
              "                    if type(value) is not int and type(value) is not float:",
              "                        return False",
              "    except KeyError:",
              "        return False      # an unknown key, or a value of the wrong JSON type",
              *([f"    if taken > 1 and any(len(_choices_taken(node, keys)) > 1 for keys in {name}_choices):",
                 "        return False"] if choices else []),
              "    return True"]
    return "\n".join(lines) + "\n"


def _key_tests(shape: Shape) -> tuple[dict, dict]:
    """The tests of the keys an object of the shape may hold: of a string value, key -> None (not empty) or its
    _Values; of any other value, key -> (kind, test): how the generated loop tests it, with what function."""
    strings, tests = {}, {}
    for key, rule in shape.children.items():
        if rule.many:
            tests[key] = (EACH, _item_test(rule))
        elif rule.kind in TEXTUAL:
            strings[key] = None
        elif _string_kind(rule.kind):
            values = _values(rule)
            strings[key] = _ANY_STRING if values is None else _GENERATED[values]
        elif rule.kind == "boolean":
            tests[key] = (BOOLEAN, None)
        elif rule.kind == "decimal":
            tests[key] = (DECIMAL, None)
        else:
            tests[key] = (CALL, _item_test(rule))
    for key in _unchecked_keys(shape):
        # a resource's type named the function called (see element_issues), so it is no empty string; None
        # saves the call of _ANY_STRING.matches on every resource
        strings[key] = None if key == "resourceType" else _ANY_STRING
        tests[key] = (UNCHECKED, None)
    return strings, tests


def _string_kind(kind: str) -> bool:
    """Whether a value of the kind is a JSON string: any primitive but a boolean or a number."""
    return kind in PRIMITIVES and kind not in INTEGERS and kind not in ("boolean", "decimal")


def _unchecked_keys(shape: Shape) -> list[str]:
    """Keys allowed besides the children, whose values are not checked: a primitive's "_name" sibling (its
    extensions) and a resource's resourceType."""
    keys = [f"_{key}" for key, rule in shape.children.items() if rule.kind in PRIMITIVES]
    return [key for key in keys + ["resourceType"] * shape.resource if key not in shape.children]


def _constant(key, make) -> str:
    """The global name of a constant of the generated code, made once per key."""
    name = _CONSTANTS.get(key)
    if name is None:
        name = _CONSTANTS[key] = f"const_{len(_CONSTANTS)}"
        _GENERATED[name] = make()
    return name


def _values(rule: Rule) -> str | None:
    """The global name of the _Values of a primitive that is a JSON string with a regex (and, for a code, a
    required binding that can be expanded)."""
    kind, version = rule.kind, rule.version
    if not _string_kind(kind) or kind in TEXTUAL:
        return None
    if kind == "xhtml":
        return _constant(("xhtml",), _Narratives)
    pattern = value_pattern(kind, version)
    # a bare code is in a binding when some system of its value set has it (see code_allowed)
    allowed = allowed_codes(rule.binding, version) if rule.binding and kind == "code" else None
    if allowed is not None:
        return _constant(("codes", rule.binding, version), lambda: _Values(
            c for _, c in allowed if pattern is None or pattern.fullmatch(c)))
    if pattern is not None:
        return _constant(("seen", kind, version), lambda: _Values(pattern=pattern))
    return None


def _item_test(rule: Rule):
    """The test of one value of a key (one item, for an array): an object's generated function, or a function
    generated per kind of test, shared by the keys that test alike."""
    if rule.kind not in PRIMITIVES and rule.kind != "Resource" and not rule.binding:
        return _GENERATED[_NAMES[rule.shape()]]
    test = _test(rule)
    name = _CONSTANTS.get(test)
    if name is None:
        name = _CONSTANTS[test] = f"test_{len(_CONSTANTS)}"
        exec(f"def {name}(value):\n    return {test.format(x='value')}\n", _GENERATED)
    return _GENERATED[name]


def _test(rule: Rule) -> str:
    """A Python expression, with {x} for the value, that is true when one value passes the rule. It may be false
    for a value the reporting walk accepts (a subclass of str or dict): that costs time, never a message."""
    kind, version = rule.kind, rule.version
    if kind == "boolean":
        return "({x} is True or {x} is False)"
    if kind in INTEGERS:
        low, high = INTEGERS[kind]
        return f"({{x}}.__class__ is int and {low} <= {{x}} <= {high})"
    if kind == "decimal":
        return "({x}.__class__ is int or {x}.__class__ is float)"
    if kind in TEXTUAL:
        return "({x}.__class__ is str and {x})"
    if kind in PRIMITIVES:
        values = _values(rule)
        if values is None:
            return "{x}.__class__ is str"
        return f"({{x}}.__class__ is str and ({{x}} in {values}.known or {values}.matches({{x}})))"
    if kind == "Resource":
        return f"_resource_conforms({{x}}, {version!r})"
    test = f"{_NAMES[rule.shape()]}({{x}})"
    if rule.binding and kind in ("Coding", "CodeableConcept"):
        test += f" and _codings_allowed({{x}}, {kind == 'Coding'}, {rule.binding!r}, {version!r})"
    return f"({test})"


def _choices_taken(node: dict, keys: frozenset[str]) -> set[str]:
    """The types of a choice an object holds, by their key without the "_" of an extension sibling."""
    # keys.intersection(node) looks up the object's few keys; node.keys() & keys would look up all the choice's
    return {key.lstrip("_") for key in keys.intersection(node)}


def _codings_allowed(item: dict, coding: bool, binding: str, version: str) -> bool:
    """Whether the codes of a Coding or CodeableConcept (already known to be well formed) are in its binding."""
    for c in [item] if coding else item.get("coding", ()):
        code = c.get("code")
        if code is not None and not code_allowed(code, c.get("system"), binding, version):
            return False
    return True


def _resource_conforms(resource, version: str) -> bool:
    rtype = resource.get("resourceType") if resource.__class__ is dict else None
    check = _resource_check(rtype, version) if rtype.__class__ is str else None
    return check is not None and check(resource)


def _resource_check(rtype: str, version: str):
    """The generated function of a resource type; None for a name that is not one."""
    check = _RESOURCE_CHECKS.get((rtype, version))
    if check is None and structure_definition(rtype, version) is not None and rtype[:1].isupper():
        check = _RESOURCE_CHECKS[rtype, version] = conforms(shape(rtype, rtype, version))
    return check


_GENERATED.update(_Values=_Values, _choices_taken=_choices_taken, _codings_allowed=_codings_allowed,
                  _resource_conforms=_resource_conforms)


# ---- the reporting walk ------------------------------------------------------------------------------------------

def _at(where) -> str:
    """The readable location of a problem; locations are kept as cheap tuples until one is reported."""
    parts = []
    while len(where) == 3:
        where, key, index = where
        parts.append(f".{key}" if index is None else f".{key}[{index}]")
    parts.append(where[1])
    return "".join(reversed(parts))


def _walk(node, shape: Shape, where, out: list[str]):
    if not isinstance(node, dict):
        out.append(f"{_at(where)}: expected an object")
        return
    children = shape.children
    for key, value in node.items():
        rule = children.get(key)
        if rule is None:
            if key == "resourceType" and shape.resource:
                continue
            base = children.get(key[1:]) if key.startswith("_") else None
            if base is None or base.kind not in PRIMITIVES:
                out.append(f"{_at(where)}: unknown element {key!r}")
            continue
        if rule.many:
            if not isinstance(value, list):
                out.append(f"{_at(where)}.{key}: must be an array")
            elif not value:
                out.append(f"{_at(where)}.{key}: empty array")
            else:
                plain = rule.plain
                for i, item in enumerate(value):
                    if not (plain and item.__class__ is str and item):
                        _item(item, rule, (where, key, i), out)
        elif isinstance(value, list):
            out.append(f"{_at(where)}.{key}: must not be an array")
        elif not (rule.plain and value.__class__ is str and value):
            _item(value, rule, (where, key, None), out)
    for keys in shape.required:
        for k in keys:
            if k in node:
                break
        else:
            out.append(f"{_at(where)}: missing required element {' or '.join(keys[:len(keys) // 2])}")
    for keys in shape.choices:
        taken = _choices_taken(node, keys)
        if len(taken) > 1:
            # named in the definition's order of the types
            out.append(f"{_at(where)}: only one of {', '.join(k for k in shape.children if k in taken)} may be "
                       "present")


def _item(item, rule: Rule, where, out: list[str]):
    kind = rule.kind
    if rule.check is not None:
        problem = rule.check(item)
        if problem:
            out.append(f"{_at(where)}: {problem}")
        elif rule.binding and kind == "code" and not code_allowed(item, None, rule.binding, rule.version):
            out.append(code_issue(item, rule.binding, _at(where)))
        return
    if kind == "Resource":
        out.extend(element_issues(item, rule.version, _at(where)))
        return
    if rule.binding and isinstance(item, dict):
        codings = [item] if kind == "Coding" else item.get("coding", []) if kind == "CodeableConcept" else []
        for c in codings:
            if (isinstance(c, dict) and isinstance(c.get("code"), str)
                    and not code_allowed(c["code"], c.get("system"), rule.binding, rule.version)):
                out.append(code_issue(c["code"], rule.binding, _at(where)))
    _walk(item, rule._shape or rule.shape(), where, out)


def reported_issues(resource: dict, root: Shape, where: str) -> list[str]:
    """Every problem of a resource, located, in document order (what ``element_issues`` says when the
    generated check finds one)."""
    out: list[str] = []
    _walk(resource, root, (None, where), out)
    return out


def element_issues(resource, version: str = R4, where: str | None = None) -> list[str]:
    """Every element-level problem in a resource; empty when it conforms to the base definitions."""
    rtype = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(rtype, str):
        return [f"{where or 'resource'}: not a FHIR resource: no resourceType"]
    check = _resource_check(rtype, version)
    if check is None:
        return [f"{where or rtype}: unknown resource type {rtype!r}"]
    if check(resource):
        return []
    return reported_issues(resource, shape(rtype, rtype, version), where or rtype)
