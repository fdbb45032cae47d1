"""Sex limits ("Female patients", "Men aged 40-75") and healthy volunteers."""
from __future__ import annotations

import re

from .context import Context
from .model import Coding, Fact

GENDER = "http://hl7.org/fhir/administrative-gender"
_FEMALE = re.compile(r"^\W*(?:(?:healthy|adult|postmenopausal|post-menopausal|premenopausal|pre-menopausal|"
                     r"non-pregnant|ambulatory|female)\s+)*(?:women|woman|females?|girls)\b"
                     r"(?!\s*(?:and|or|&|/)\s*(?:men|males?|boys)\b)(?!\s+partners?)")
_MALE = re.compile(r"^\W*(?:(?:healthy|adult|male)\s+)*(?:men|man|males?|boys)\b"
                   r"(?!\s*(?:and|or|&|/)\s*(?:women|females?|girls)\b)(?!\s+partners?)(?!\s+with\s+female)")
_SEX_ONLY = re.compile(r"^\W*(?:sex|gender)\s*:\s*(female|male)s?\b")


def read(ctx: Context) -> list[Fact]:
    low = ctx.low
    text = ctx.criterion.text
    m = _SEX_ONLY.match(low)
    sex = m.group(1) if m else ("female" if _FEMALE.match(low) else "male" if _MALE.match(low) else None)
    if sex is None:
        return []
    return [Fact("sex", "Sex", text, value_code=Coding(GENDER, sex, sex.capitalize()), confidence=0.8)]
