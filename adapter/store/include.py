"""Find the resources ``_include`` and ``_revinclude`` add to a page of matches, following ``:iterate``."""
from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from adapter.store.query import Include
from adapter.store.schema import idx_reference, resources

_PICKED = (resources.c.pk, resources.c.type, resources.c.res_id, resources.c.content)


def _statement(inc: Include, pks: list[int]):
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


def included(conn: Connection, includes: list[Include], matches: list[tuple[int, str]]) -> list[tuple]:
    """(type, id, JSON text) of what the includes add to the matches, given as (pk, type).

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
            for pk, rtype, res_id, content in conn.execute(_statement(inc, pks)):
                if pk not in seen:
                    seen.add(pk)
                    added.append((pk, rtype))
                    out.append((rtype, res_id, content))
        frontier, rules = added, [inc for inc in includes if inc.iterate]
    return out
