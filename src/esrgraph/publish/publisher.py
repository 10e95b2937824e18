"""Who publishes the dataset: the facts the catalogue cannot derive from the build.

They live in a small TOML file (``data/publisher.toml``), so a publishing organisation
edits one reviewed file instead of code. Everything else in the catalogue comes from the
build itself.

>>> p = load_publisher()
>>> p.licence
'http://publications.europa.eu/resource/authority/licence/CC_BY_4_0'
>>> p.publisher_type_iri
'http://purl.org/adms/publishertype/NationalAuthority'
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from esrgraph.core.errors import UsageError

#: The ADMS publisher-type vocabulary (SEMIC), which DCAT-AP recommends for dcterms:type of agents.
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_SCHEME = "http://purl.org/adms/publishertype/1.0"
PUBLISHER_TYPE_LABELS = {
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
    "Company": "Company",
    "IndustryConsortium": "Industry consortium",
    "LocalAuthority": "Local authority",
    "NationalAuthority": "National authority",
    "NonGovernmentalOrganisation": "Non-governmental organisation",
    "NonProfitOrganisation": "Non-profit organisation",
    "PrivateIndividual(s)": "Private individual(s)",
    "PublicBody": "Public body",
    "RegionalAuthority": "Regional authority",
    "StandardisationBody": "Standardisation body",
    "SupraNationalAuthority": "Supra-national authority",
}
EU_CC_BY_4 = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True, slots=True)
class Publisher:
    """The publishing organisation (not a person) and the dataset's licence and download location."""

    name_fi: str
    name_en: str
    homepage: str
    email: str
    type: str = "NationalAuthority"
    licence: str = EU_CC_BY_4
    licence_cc: str = CC_BY_4
    download_base: str = ""
    site_base: str = ""

    @property
    def publisher_type_iri(self) -> str:
        return PUBLISHER_TYPES + self.type

    def with_download_base(self, url: str | None) -> Publisher:
        return replace(self, download_base=url) if url else self


def default_publisher_file() -> Path:
    from esrgraph.core.resources import resource_dir

    return resource_dir("data") / "publisher.toml"


def load_publisher(path: str | os.PathLike[str] | None = None) -> Publisher:
    """Read the publisher facts from ``path`` (``data/publisher.toml`` when None).

    Raises:
        UsageError: the file is missing, not TOML, or lacks a required fact.
    """
    where = Path(path) if path is not None else default_publisher_file()
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where}: publisher file not found (copy data/publisher.toml and edit it)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML: {exc}") from None
    pub = data.get("publisher", {})
    ds = data.get("dataset", {})
    missing = [k for k in ("name_fi", "name_en", "homepage", "email") if not pub.get(k)]
    if missing:
        raise UsageError(f"{where}: [publisher] lacks {', '.join(missing)}")
    if not re.match(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[a-z]{2,}$", pub["email"], re.I):
        raise UsageError(f"{where}: publisher email {pub['email']!r} is not an e-mail address")
    kind = pub.get("type", "NationalAuthority")
    if kind not in PUBLISHER_TYPE_LABELS:
        raise UsageError(f"{where}: publisher type {kind!r} is not an ADMS publisher type; use one of "
                         + ", ".join(sorted(PUBLISHER_TYPE_LABELS)))
    return Publisher(
        name_fi=pub["name_fi"], name_en=pub["name_en"], homepage=pub["homepage"], email=pub["email"], type=kind,
        licence=ds.get("licence", EU_CC_BY_4), licence_cc=ds.get("licence_cc", CC_BY_4),
        download_base=ds.get("download_base", ""), site_base=ds.get("site_base", ""),
    )
