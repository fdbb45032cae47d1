"""Pair the MeSH terms a registry derived with the condition and intervention texts they were found in."""
from __future__ import annotations

import re
from typing import NamedTuple

from ..record import Coded

_NON_WORD = re.compile(r"[\W_]+")


class MeshTerm(NamedTuple):
    term: str
    # the MeSH descriptor id (v2 JSON has it; legacy XML has only the term)
    code: str | None = None
    # the text the registry found it in ("Breast Cancer" for Breast Neoplasms), when it says so
    found: str | None = None


def _norm(text: str) -> str:
    return f" {_NON_WORD.sub(' ', text.casefold()).strip()} "


def _needles(mesh: MeshTerm) -> list[str]:
    return [_norm(t) for t in (mesh.term, mesh.found) if t]


def _coded(mesh: MeshTerm, text: str, system: str | None) -> Coded:
    return Coded(text, mesh.code, system if mesh.code else None, mesh.term if mesh.code else None)


def pair_conditions(conditions: list[str], meshes: list[MeshTerm], system: str | None) -> list[Coded]:
    """Each condition as Coded, coded with the MeSH term derived from it.

    A condition no term matches stays text-only; a term no condition claims is added after the conditions,
    so neither the registry's wording nor its coding is lost.  Exact matches are paired before a term found
    inside a longer condition text ("Breast Cancer" in "Metastatic Breast Cancer").
    """
    out = [Coded(text) for text in conditions]
    norms = [_norm(text) for text in conditions]
    free = set(range(len(conditions)))
    rest = []
    for mesh in meshes:
        needles = _needles(mesh)
        hit = next((i for i in sorted(free) if norms[i] in needles), None)
        if hit is None:
            rest.append(mesh)
        else:
            out[hit] = _coded(mesh, conditions[hit], system)
            free.discard(hit)
    for mesh in rest:
        needles = _needles(mesh)
        hit = next((i for i in sorted(free) if any(n in norms[i] for n in needles)), None)
        if hit is not None:
            out[hit] = _coded(mesh, conditions[hit], system)
            free.discard(hit)
        elif mesh.code or _norm(mesh.term) not in norms:
            out.append(_coded(mesh, mesh.term, system))
            norms.append(_norm(mesh.term))
    return out


def pair_interventions(names: list[list[str]], meshes: list[MeshTerm], system: str | None
                       ) -> tuple[list[list[Coded]], list[MeshTerm]]:
    """For each intervention (its name, then its other names) the MeSH terms found in it; and the terms
    that matched no intervention."""
    norms = [[_norm(n) for n in group if n] for group in names]
    codes: list[list[Coded]] = [[] for _ in names]
    unmatched = []
    for mesh in meshes:
        needles = _needles(mesh)
        matched = False
        for i, group in enumerate(norms):
            # either way round: "Sildenafil" names the term "Sildenafil Citrate", and vice versa
            if any(n in text or text in n for n in needles for text in group):
                codes[i].append(_coded(mesh, mesh.term, system))
                matched = True
        if not matched:
            unmatched.append(mesh)
    return codes, unmatched
