"""Namespaces esrgraph writes, in one place.

The vocabulary (``ESR``) and the code lists (``CODE``) have fixed IRIs, independent of
the data base IRI a user configures, so that graphs built by different publishers share
one vocabulary. The terms themselves are defined in ``ontology/esr.ttl``; a test checks
that every ``ESR`` term the mapping uses is defined there.
"""

from __future__ import annotations

ESR = "https://w3id.org/esrgraph/ontology#"
CODE = "https://w3id.org/esrgraph/code/"
ESRSH = "https://w3id.org/esrgraph/shapes#"

#: Default base for the data (projects, organisations); configurable with --base. Under the project's own
#: w3id.org namespace, beside the vocabulary, so that data IRIs resolve once the redirect rules of
#: docs/w3id/ are in place; a release under a host reserved for examples is refused (publish.release).
DEFAULT_BASE = "https://w3id.org/esrgraph/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
ROV = "http://www.w3.org/ns/regorg#"
ADMS = "http://www.w3.org/ns/adms#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
LOCN = "http://www.w3.org/ns/locn#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DQV = "http://www.w3.org/ns/dqv#"
NUTS = "http://data.europa.eu/nuts/code/"

#: Prefixes written into Turtle output, in this order.
PREFIXES: dict[str, str] = {
    "esr": ESR,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "prov": PROV,
    "org": ORG,
    "rov": ROV,
    "adms": ADMS,
    "schema": SCHEMA,
    "foaf": FOAF,
    "vcard": VCARD,
    "locn": LOCN,
    "nuts": NUTS,
}
