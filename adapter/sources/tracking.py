"""Track which source fields a reader took, so the fields with content it left can be listed as dropped.

Paths use the source's own terms with list positions collapsed: JSON ``a.b[].c``, XML ``a/b/c`` and
``a/b/@attr``.  A top-level part of the source that the reader never touched (``resultsSection``,
``clinical_results``) is reported once under its own name rather than leaf by leaf.
"""
from __future__ import annotations


class Tracker:
    """The set of source paths one record's reader took, plus paths it read but chose not to keep.

    Without ``scan`` the fields never read are not looked for, so the paths taken are not needed: ``read`` is
    None and readers skip building them.  What was read and left is kept either way.
    """

    __slots__ = ("read", "left", "notes")

    def __init__(self, scan: bool = True) -> None:
        self.read: set[str] | None = set() if scan else None
        self.left: list[str] = []
        # why read paths were left: for TrialRecord.warnings
        self.notes: list[str] = []

    def leave(self, path: str, note: str) -> None:
        """Record a path that was read but whose content (or part of it) went nowhere, and why."""
        if path not in self.left:
            self.left.append(path)
        self.notes.append(f"{path}: {note}")

    def _touched_tops(self, sep: str) -> set[str]:
        return {p.split(sep, 1)[0].split("[", 1)[0] for p in self.read}

    def _taken(self, path: str) -> bool:
        return path in self.read or (path.endswith("[]") and path[:-2] in self.read)

    def json_dropped(self, data: dict) -> list[str]:
        """The paths read and left, then the leaf paths of a parsed JSON object that hold content and were not
        read (when scanning)."""
        if self.read is None:
            return list(self.left)
        out: dict[str, None] = dict.fromkeys(self.left)
        touched = self._touched_tops(".")
        for key, value in data.items():
            if key not in touched:
                if _has_content(value):
                    out[key] = None
            else:
                self._json_walk(value, key, out)
        return list(out)

    def _json_walk(self, value, path: str, out: dict) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._json_walk(item, f"{path}.{key}", out)
        elif isinstance(value, list):
            item_path = path + "[]"
            for item in value:
                self._json_walk(item, item_path, out)
        elif path not in out and _has_content(value) and not self._taken(path):
            out[path] = None

    def xml_dropped(self, element) -> list[str]:
        """The paths read and left, then the element and attribute paths under ``element`` (a record's root) with
        content that were not read (when scanning)."""
        if self.read is None:
            return list(self.left)
        out: dict[str, None] = dict.fromkeys(self.left)
        touched = self._touched_tops("/")
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag not in touched:
                if _xml_has_content(child):
                    out[tag] = None
            else:
                self._xml_walk(child, tag, out)
        return list(out)

    def _xml_walk(self, element, path: str, out: dict) -> None:
        read = self.read
        text = element.text
        if text and not text.isspace() and path not in read:
            out[path] = None
        for name, value in element.items():
            attr_path = f"{path}/@{name}"
            if value.strip() and attr_path not in read:
                out[attr_path] = None
        prefix = path + "/"
        for child in element:
            tag = child.tag
            if tag.__class__ is str:
                self._xml_walk(child, prefix + tag, out)


class SourceNode:
    """A part of one record's source, under ``parent`` by ``name``, that knows its path: made when first wanted
    (to note a path read, a field left, an error), as reading alone needs none."""

    __slots__ = ("parent", "name", "tracker", "_path")
    SEPARATOR = "."

    def __init__(self, parent: SourceNode | None, name: str, tracker: Tracker):
        self.parent, self.name, self.tracker = parent, name, tracker
        self._path: str | None = None

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = self.parent.at(self.name) if self.parent else ""
        return self._path

    def at(self, name: str) -> str:
        """The path of the child ``name``."""
        path = self.path
        return f"{path}{self.SEPARATOR}{name}" if path else name


def _has_content(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return True


def _xml_has_content(element) -> bool:
    for el in element.iter():
        if not isinstance(el.tag, str):
            continue
        if (el.text and not el.text.isspace()) or any(v.strip() for v in el.attrib.values()):
            return True
    return False
