"""Sex limits ("Female patients", "Men aged 40-75") and healthy volunteers."""
from __future__ import annotations

import re

from .context import Context
from .model import EXCLUSION, Coding, Fact

GENDER = "http://hl7.org/fhir/administrative-gender"
_FEMALE = re.compile(r"^\W*(?:(?:healthy|adult|postmenopausal|post-menopausal|premenopausal|pre-menopausal|"
                     r"non-pregnant|ambulatory|female)\s+)*(?:women|woman|females?|girls)\b"
                     r"(?!\s*(?:and|or|&|/)\s*(?:men|males?|boys)\b)(?!\s+partners?)")
_MALE = re.compile(r"^\W*(?:(?:healthy|adult|male)\s+)*(?:men|man|males?|boys)\b"
                   r"(?!\s*(?:and|or|&|/)\s*(?:women|females?|girls)\b)(?!\s+partners?)(?!\s+with\s+female)")
_SEX_ONLY = re.compile(r"^\W*(?:sex|gender)\s*:\s*(female|male)s?\b")


# every match of the three starts, after the leading non-word characters, with one of these: most criteria do not
_FIRST_WORDS = ("sex", "gender", "healthy", "adult", "post", "pre", "non-pregnant", "ambulatory", "female", "wom",
                "girls", "male", "men", "man", "boys")
_LEADING = re.compile(r"\W*")


def read(ctx: Context) -> list[Fact]:
    low = ctx.low
    text = ctx.criterion.text
    # most criteria start with a word, before which _LEADING has nothing to skip
    if not low.startswith(_FIRST_WORDS, 0 if low[:1].isalnum() else _LEADING.match(low).end()):
        return []
    m = _SEX_ONLY.match(low) or _FEMALE.match(low) or _MALE.match(low)
    if m is None:
        return []
    sex = m.group(1) if m.re is _SEX_ONLY else ("female" if m.re is _FEMALE else "male")
    # in an exclusion, "Women of childbearing age without contraception" names a subgroup to exclude, not
    # a sex: only a criterion that is the sex alone ("Male", "Sex: female") excludes a sex
    if ctx.criterion.side == EXCLUSION and low[m.end():].strip(" .;,:"):
        return []
    return [Fact("sex", "Sex", text, value_code=Coding(GENDER, sex, sex.capitalize()), confidence=0.8)]
