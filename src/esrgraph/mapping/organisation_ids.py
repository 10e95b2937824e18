"""Finnish business IDs (Y-tunnus): normalised and checked with python-stdnum.

python-stdnum is a well-kept library of identifier checks; using it rather than our own
arithmetic keeps the check digit rule in one maintained place. (The SHACL shape
O03-business-id-check-digit restates the rule in SPARQL so that ``esrgraph validate``
can check graphs made elsewhere; a test keeps the two in agreement.)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

#: The business register's public page of an organisation (not a linked-data IRI).
REGISTER_PAGE = "https://tietopalvelu.ytj.fi/yritys/"


@dataclass(frozen=True, slots=True)
class BusinessId:
    """A business ID as written and, when it is valid, its normal form NNNNNNN-C."""

    written: str
    normal: str | None

    @property
    def valid(self) -> bool:
        return self.normal is not None

    @property
    def register_page(self) -> str | None:
        return f"{REGISTER_PAGE}{self.normal}" if self.normal else None


#: Large enough for every ID of a programme period: each is looked up three times per build (name index,
#: project links, organisation nodes), and python-stdnum costs ~25 us a call; a smaller cache thrashed at 30k.
@functools.lru_cache(maxsize=1 << 20)
def parse_business_id(text: str | None) -> BusinessId | None:
    """Normalise ``text`` ('2542088-8', '25420888', 'FI25420888', old six-digit '116480-8')."""
    if not text or not text.strip():
        return None
    written = text.strip()
    candidate = written
    if re.fullmatch(r"\d{6}-\d", candidate):  # an old ID written without its leading zero
        candidate = "0" + candidate
    try:
        return BusinessId(written, ytunnus.format(ytunnus.validate(candidate)))
    except ValidationError:
        return BusinessId(written, None)
