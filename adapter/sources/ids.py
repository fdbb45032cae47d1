"""Choose a record's id: its NCT id, or a stable HAPI-safe id derived from its other identifiers."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from ..record import Identifier

_UNSAFE = re.compile(r"[^A-Za-z0-9\-.]+")
_MAX = 64


def _basis(identifiers: Iterable[Identifier | str]) -> tuple[str, str] | None:
    """(value, kind) of the identifier an id is derived from: an NCT id, else the org study id, else the first."""
    found = [(i.value.strip(), i.kind) if isinstance(i, Identifier) else (i.strip(), "secondary")
             for i in identifiers]
    found = [(value, kind) for value, kind in found if value]
    for wanted in ("nct", "org"):
        for value, kind in found:
            if kind == wanted:
                return value, kind
    return found[0] if found else None


def derive_id(identifiers: Iterable[Identifier | str]) -> str:
    """A deterministic id (``[A-Za-z0-9\\-.]{1,64}``, never all digits) from the org study id, else a secondary id.

    When slugging loses characters (or length) a short hash of the original value is appended, so that two
    different ids ("A/1", "A 1") do not collapse into one resource id.  Raises ValueError without identifiers.
    """
    basis = _basis(identifiers)
    if basis is None:
        raise ValueError("no identifier to derive an id from")
    value = basis[0]
    slug = _UNSAFE.sub("-", value).strip("-.")
    if slug != value or len(slug) > _MAX:
        digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:_MAX - 9].rstrip('-.')}-{digest}" if slug else f"id-{digest}"
    if slug.isdigit():
        slug = f"id-{slug}"[:_MAX]
    return slug


def identify(identifiers: list[Identifier]) -> tuple[str, bool, str | None]:
    """(record id, whether it was derived, the warning to keep) for a record's identifiers.

    Raises ValueError when there is no identifier at all.
    """
    nct = next((i.value for i in identifiers if i.kind == "nct" and i.value), None)
    if nct:
        return nct, False, None
    record_id = derive_id(identifiers)
    value, kind = _basis(identifiers)
    label = "org study id" if kind == "org" else "secondary id"
    return record_id, True, f"no NCT id: id derived from {label} {value!r}"
