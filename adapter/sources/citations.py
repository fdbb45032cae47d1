"""Pull a DOI out of a free-text citation ("... 2010;12(3):45-9. doi: 10.1000/xyz123.")."""
from __future__ import annotations

import re

_DOI = re.compile(r"(?:\bdoi:?\s*|doi\.org/)(10\.\d{4,9}/\S+)", re.IGNORECASE)
# a plain word the engine finds faster than _DOI, which tries both its branches at every position: most
# citations name no DOI, and where one does, _DOI starts at the first "doi" (where any match of it starts)
_DOI_WORD = re.compile("doi", re.IGNORECASE)


def doi_in(citation: str | None) -> str | None:
    """The first DOI named in a citation, without trailing punctuation; None when there is none."""
    if not citation:
        return None
    word = _DOI_WORD.search(citation)
    m = _DOI.search(citation, word.start()) if word else None
    if not m:
        return None
    doi = m.group(1).rstrip(".,;:")
    # a closing bracket belongs to the DOI only when the DOI opened it: "10.1016/S0140-6736(20)30183-5"
    while doi[-1] in ")]" and doi.count(doi[-1]) > doi.count("(" if doi[-1] == ")" else "["):
        doi = doi[:-1].rstrip(".,;:")
    return doi
