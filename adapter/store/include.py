"""Find the resources ``_include`` and ``_revinclude`` add to a page of matches, following ``:iterate``."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import bindparam, select, tuple_

from adapter.store.query import Include
from adapter.store.schema import idx_reference, resources
from adapter.store.utf8 import utf8

_PICKED = (resources.c.pk, resources.c.type, resources.c.res_id, utf8(resources.c.content))


def _shape(inc: Include, n: int) -> tuple:
    """What the statement of an include over ``n`` resources depends on."""
    return ("include", inc.source_type, inc.param.code if inc.param else None, inc.target_type, inc.reverse, n)


def _statement(inc: Include, n: int):
    pks = [bindparam(f"pk{i}") for i in range(n)]
    by_param = [idx_reference.c.param == inc.param.code] if inc.param is not None else []
    live = resources.c.deleted.is_(False)
    if inc.reverse:
        targets = select(resources.c.type, resources.c.res_id).where(resources.c.pk.in_(pks))
        return (select(*_PICKED).join(idx_reference, idx_reference.c.pk == resources.c.pk)
                .where(resources.c.type == inc.source_type, live, *by_param,
                       tuple_(idx_reference.c.target_type, idx_reference.c.target_id).in_(targets)))
    refs = select(idx_reference.c.target_type, idx_reference.c.target_id).where(idx_reference.c.pk.in_(pks),
                                                                                *by_param)
    if inc.target_type:
        refs = refs.where(idx_reference.c.target_type == inc.target_type)
    return select(*_PICKED).where(live, tuple_(resources.c.type, resources.c.res_id).in_(refs))


def included(run: Callable[[tuple, Callable, dict], list], includes: list[Include],
             matches: list[tuple[int, str]]) -> list[tuple]:
    """(type, id, JSON as UTF-8 bytes) of what the includes add to the matches, given as (pk, type); ``run(shape,
    build, values)`` runs the statement ``build()`` makes for the shape with the values bound.

    Every include applies to the matches; the ``:iterate`` ones apply again to what was added, until a round
    adds nothing new.
    """
    seen = {pk for pk, _ in matches}
    out = []
    frontier, rules = matches, includes
    while frontier and rules:
        added = []
        for inc in rules:
            # a forward include follows the references of its source type only
            pks = [pk for pk, rtype in frontier if inc.reverse or rtype == inc.source_type]
            if not pks:
                continue
            # padded to a power of two (repeating a pk changes no IN list), so few statements serve every size
            n = 1 << (len(pks) - 1).bit_length()
            values = {f"pk{i}": pks[min(i, len(pks) - 1)] for i in range(n)}
            for pk, rtype, res_id, content in run(_shape(inc, n), lambda: _statement(inc, n), values):
                if pk not in seen:
                    seen.add(pk)
                    added.append((pk, rtype))
                    out.append((rtype, res_id, content))
        frontier, rules = added, [inc for inc in includes if inc.iterate]
    return out
