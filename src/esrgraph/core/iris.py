"""Deterministic, safe IRIs for projects, organisations and their parts.

IRIs are minted from official identifiers (project code, Y-tunnus) so that the same
project or organisation gets the same IRI in every build and from every publisher who
uses the same base. Anything taken from input is percent-encoded, so a code or a name
holding spaces, ``>``, quotes, ``#`` or a newline can neither break the graph nor point
an IRI somewhere else.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from esrgraph.core.errors import UsageError

_BUSINESS_ID = re.compile(r"^\d{7}-\d$")
#: Letters (any script), digits and ``._~-``: kept as they are, since RDF IRIs may hold Unicode.
_SAFE_SEGMENT = re.compile(r"^[^\W_][\w.~-]*$")


def check_base(base: str) -> str:
    """The base IRI, validated: absolute http(s), ending in '/' or '#'."""
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", base):
        raise UsageError(f"base IRI {base!r} is not an absolute http(s) IRI")
    if not base.endswith(("/", "#")):
        base += "/"
    return base


def segment(text: str) -> str:
    """One path segment from input text, percent-encoded unless it is only letters, digits and ``._~-``."""
    text = unicodedata.normalize("NFC", text.strip())
    if _SAFE_SEGMENT.match(text):
        return text
    return quote(text, safe="")


def name_key(name: str) -> str:
    """Normalised organisation name used to match spellings: case, spacing, punctuation folded."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[\"'’`´.,;:()\[\]]", " ", text)
    text = re.sub(r"[\s\u00a0\u2009\u202f-]+", " ", text)
    return text.strip()


def name_slug(name: str) -> str:
    """A readable, stable slug for an organisation known only by name."""
    key = name_key(name)
    slug = re.sub(r"[^\w]+", "-", key).strip("-")
    return segment(slug or "unnamed")


def project_iri(base: str, code: str) -> str:
    return f"{base}project/{segment(code)}"


def organisation_iri(base: str, business_id: str | None, name: str | None) -> str:
    """By Y-tunnus when it has the Y-tunnus shape, else by normalised name."""
    if business_id and _BUSINESS_ID.match(business_id):
        return f"{base}organisation/{business_id}"
    return f"{base}organisation/name/{name_slug(name or business_id or 'unnamed')}"


def source_iri(base: str, sha256: str, first_line: int = 1) -> str:
    suffix = f"-{first_line}" if first_line != 1 else ""
    return f"{base}source/{segment(sha256)}{suffix}"
