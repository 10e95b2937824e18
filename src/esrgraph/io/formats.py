"""The one table of RDF formats: what esrgraph reads by file name, writes, and offers by media type.

pyoxigraph's ``RdfFormat`` already knows each format's media type and file extension, so the
table names formats and never repeats those facts.
"""

from __future__ import annotations

import enum
from pathlib import Path

from pyoxigraph import RdfFormat

from esrgraph.core.errors import InputError


class OutputFormat(enum.Enum):
    """RDF formats esrgraph writes.

    >>> OutputFormat.JSONLD.extension, OutputFormat.JSONLD.media_type
    ('.jsonld', 'application/ld+json')
    """

    TURTLE = RdfFormat.TURTLE
    NTRIPLES = RdfFormat.N_TRIPLES
    JSONLD = RdfFormat.JSON_LD
    RDFXML = RdfFormat.RDF_XML

    @property
    def oxigraph(self) -> RdfFormat:
        fmt: RdfFormat = self.value
        return fmt

    @property
    def extension(self) -> str:
        return "." + self.oxigraph.file_extension

    @property
    def media_type(self) -> str:
        return self.oxigraph.media_type


#: File name endings esrgraph reads as RDF (a further ``.gz`` is allowed where files are loaded into a store).
READ_EXTENSIONS: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".jsonld": RdfFormat.JSON_LD,
    ".rdf": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
}

#: rdflib's plugin name for each format it reads (``esrgraph validate`` loads graphs with rdflib).
RDFLIB_PARSERS: dict[RdfFormat, str] = {
    RdfFormat.TURTLE: "turtle",
    RdfFormat.N_TRIPLES: "nt",
    RdfFormat.N_QUADS: "nquads",
    RdfFormat.TRIG: "trig",
    RdfFormat.JSON_LD: "json-ld",
    RdfFormat.RDF_XML: "xml",
}

#: Formats a resource or a CONSTRUCT result can be negotiated in, Turtle (the default) first:
#: media type -> (the short name used as a file suffix or ``format=``, format).
NEGOTIATED: dict[str, tuple[str, RdfFormat]] = {
    fmt.oxigraph.media_type: (fmt.oxigraph.file_extension, fmt.oxigraph) for fmt in OutputFormat
}


def rdf_format_of(path: Path, *, gzipped: bool = True) -> RdfFormat:
    """The RDF format of ``path`` by its name (``graph.nt.gz`` is N-Triples when ``gzipped``).

    >>> rdf_format_of(Path("out/esrgraph.nt.gz"))
    <RdfFormat N-Triples>
    """
    name = path.name.lower()
    if gzipped and name.endswith(".gz"):
        name = name[:-3]
    for suffix, fmt in READ_EXTENSIONS.items():
        if name.endswith(suffix):
            return fmt
    raise InputError(str(path), "unknown RDF file extension", f"use one of {', '.join(READ_EXTENSIONS)}")
