"""catalog.ttl (issue 5): SEMIC's DCAT-AP 3.0.1 shapes, our recommended checks, values derived from the build."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
import rdflib
from rdflib import DCTERMS, RDF, URIRef

from esrgraph.validation.report import validate_graph
from repo_paths import REPO

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
BASE = "https://w3id.org/esrgraph/id/"
DATASET = URIRef(BASE + "dataset")


@pytest.fixture(scope="module")
def release_dir(sample_out: Path) -> Path:
    return sample_out / "release"


@pytest.fixture(scope="module")
def catalog(release_dir: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(release_dir / "catalog.ttl", format="turtle")


def dcat_ap_shapes(shared_dir: Path, tmp_path: Path, *files: str) -> tuple[Path, list[str]]:
    """SEMIC's shapes, read in place, minus the sh:property references to shapes the release never defines
    (SEMICeu/DCAT-AP#448: pySHACL and Jena refuse to load them; they constrain nothing)."""
    g = rdflib.Graph()
    for name in files:
        g.parse(shared_dir / "dcat-ap" / name, format="turtle")
    dropped = []
    for shape, prop in list(g.subject_objects(SH.property)):
        if (prop, None, None) not in g:
            g.remove((shape, SH.property, prop))
            dropped.append(str(prop))
    path = tmp_path / "dcat-ap-usable.ttl"
    g.serialize(path, format="turtle")
    return path, dropped


@pytest.mark.parametrize("files", [("dcat-ap-SHACL.ttl",), ("dcat-ap-SHACL.ttl", "ranges.ttl")])
def test_catalog_passes_semic_dcat_ap_3_shapes(release_dir: Path, catalog: rdflib.Graph, shared_dir: Path,
                                               tmp_path: Path, files: tuple[str, ...]) -> None:
    shapes, dropped = dcat_ap_shapes(shared_dir, tmp_path, *files)
    assert len(dropped) <= 5, dropped  # the known dangling references only
    report = validate_graph(catalog, shapes)
    violations = [r for r in report.results if r.severity.endswith("Violation")]
    assert violations == [], violations
    assert report.conforms


def test_semic_shapes_do_catch_a_broken_catalogue(catalog: rdflib.Graph, shared_dir: Path, tmp_path: Path) -> None:
    shapes, _ = dcat_ap_shapes(shared_dir, tmp_path, "dcat-ap-SHACL.ttl")
    broken = rdflib.Graph() + catalog
    broken.remove((None, SPDX.checksumValue, None))
    for dist in list(broken.objects(DATASET, DCAT.distribution))[:1]:
        broken.remove((dist, DCAT.accessURL, None))
    broken.remove((URIRef(BASE + "catalog"), DCTERMS.publisher, None))
    report = validate_graph(broken, shapes)
    paths = {r.path for r in report.results if r.severity.endswith("Violation")}
    assert {str(DCAT.accessURL), str(SPDX.checksumValue), str(DCTERMS.publisher)} <= paths


def test_catalog_passes_our_recommended_checks(catalog: rdflib.Graph) -> None:
    shapes = REPO / "shapes" / "dcat" / "esr-catalog.shapes.ttl"
    report = validate_graph(catalog, shapes)
    assert report.results == []
    broken = rdflib.Graph() + catalog
    broken.remove((DATASET, DCAT.contactPoint, None))
    broken.remove((DATASET, DCTERMS.temporal, None))
    report = validate_graph(broken, shapes)
    rules = sorted(r.source_shape.rsplit("#", 1)[1] for r in report.results)
    assert rules == ["C03-dataset-contact-point", "C04-dataset-temporal"]
    assert all(r.severity.endswith("Warning") for r in report.results)


def test_checksums_and_byte_sizes_match_the_files(release_dir: Path, catalog: rdflib.Graph) -> None:
    distributions = list(catalog.objects(DATASET, DCAT.distribution))
    assert len(distributions) >= 8
    for dist in distributions:
        url = str(catalog.value(dist, DCAT.downloadURL))
        assert url.startswith(BASE + "download/release/")
        path = release_dir / url[len(BASE + "download/release/"):]
        data = path.read_bytes()
        assert int(catalog.value(dist, DCAT.byteSize)) == len(data), path
        checksum = catalog.value(dist, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest(), path
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(catalog.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        assert str(catalog.value(dist, DCTERMS.format)).startswith(
            "http://publications.europa.eu/resource/authority/file-type/")
        assert str(catalog.value(dist, DCTERMS.license)).endswith("/licence/CC_BY_4_0")


def test_gzipped_files_say_so_and_unpack_to_their_media_type(release_dir: Path, catalog: rdflib.Graph) -> None:
    """A harvester unpacks a distribution with dcat:compressFormat and reads it as its dcat:mediaType."""
    gzipped = {}
    for dist in catalog.subjects(RDF.type, DCAT.Distribution):
        name = str(catalog.value(dist, DCAT.downloadURL)).rsplit("/", 1)[1]
        compress = catalog.value(dist, DCAT.compressFormat)
        assert (compress is not None) is name.endswith(".gz"), name
        if compress is not None:
            assert str(compress) == "http://www.iana.org/assignments/media-types/application/gzip"
            gzipped[name] = str(catalog.value(dist, DCAT.mediaType)).rsplit("/", 2)[-2:]
            gzip.decompress((release_dir / name).read_bytes())  # whole members, every one
    assert gzipped == {"esrgraph.nt.gz": ["application", "n-triples"],
                       "esrgraph.jsonld.gz": ["application", "ld+json"]}


def test_values_are_derived_from_the_build(release_dir: Path, catalog: rdflib.Graph) -> None:
    data = rdflib.Graph().parse(release_dir / "esrgraph.ttl", format="turtle")
    rows = list(data.query("""PREFIX esr: <https://w3id.org/esrgraph/ontology#>
        SELECT (MIN(?s) AS ?first) (MAX(?e) AS ?last) WHERE { ?p a esr:Project ; esr:plannedStartDate ?s ;
        esr:plannedEndDate ?e }"""))
    period = catalog.value(DATASET, DCTERMS.temporal)
    assert (str(catalog.value(period, DCAT.startDate)), str(catalog.value(period, DCAT.endDate))) == \
        (str(rows[0][0]), str(rows[0][1]))
    nuts = {str(o) for o in data.query("""PREFIX esr: <https://w3id.org/esrgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?n WHERE { ?p esr:region ?r . ?r skos:exactMatch ?n
        FILTER STRSTARTS(STR(?n), "http://data.europa.eu/nuts/code/") }""").bindings for o in o.values()}
    spatial = {str(o) for o in catalog.objects(DATASET, DCTERMS.spatial)}
    assert nuts and nuts < spatial
    assert "http://publications.europa.eu/resource/authority/country/FIN" in spatial
    nt_lines = gzip.decompress((release_dir / "esrgraph.nt.gz").read_bytes()).decode("utf-8").splitlines()
    assert int(catalog.value(DATASET, VOID.triples)) == len(nt_lines) == len(data)
    projects = len(set(data.subjects(RDF.type, URIRef("https://w3id.org/esrgraph/ontology#Project"))))
    part = URIRef(BASE + "dataset/void/class/esr-Project")
    assert int(catalog.value(part, VOID.entities)) == projects
    nuts_links = URIRef(BASE + "dataset/void/linkset/nuts/skos-exactMatch")
    assert (nuts_links, RDF.type, VOID.Linkset) in catalog
    assert int(catalog.value(nuts_links, VOID.triples)) == len(list(data.query(
        """SELECT * WHERE { ?s <http://www.w3.org/2004/02/skos/core#exactMatch> ?n
        FILTER STRSTARTS(STR(?n), "http://data.europa.eu/nuts/code/") }""")))
    themes = {str(t).rsplit("/", 1)[1] for t in catalog.objects(DATASET, DCAT.theme)}
    assert themes == {"ECON", "SOCI", "REGI", "GOVE"}
    titles = {o.language for o in catalog.objects(DATASET, DCTERMS.title)}
    assert titles == {"fi", "en"}
    service = URIRef(BASE + "sparql")
    assert (service, RDF.type, DCAT.DataService) in catalog
    assert (service, DCAT.servesDataset, DATASET) in catalog
    pages = {str(p) for p in catalog.objects(DATASET, rdflib.FOAF.page)}
    assert BASE + "download/release/vocabulary.html" in pages


def test_publisher_is_an_organisation_with_a_type(catalog: rdflib.Graph) -> None:
    agent = catalog.value(DATASET, DCTERMS.publisher)
    assert (agent, RDF.type, rdflib.FOAF.Agent) in catalog
    assert str(catalog.value(agent, DCTERMS.type)).startswith("http://purl.org/adms/publishertype/")
    contact = catalog.value(DATASET, DCAT.contactPoint)
    email = str(catalog.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")))
    assert email.startswith("mailto:") and not any(ch.isupper() for ch in email)


def test_bad_publisher_file_names_the_fix(tmp_path: Path) -> None:
    from esrgraph.core.errors import UsageError
    from esrgraph.publish.publisher import load_publisher

    bad = tmp_path / "publisher.toml"
    bad.write_text('[publisher]\nname_fi = "x"\nname_en = "x"\nhomepage = "https://x.fi/"\nemail = "x"\n')
    with pytest.raises(UsageError, match="not an e-mail"):
        load_publisher(bad)
    with pytest.raises(UsageError, match="not found"):
        load_publisher(tmp_path / "missing.toml")


def test_void_entities_counts_the_resources_in_the_uri_space(sample_out: Path) -> None:
    """VoID: entities are resources whose IRIs start with void:uriSpace (was: every IRI subject, 1,490 vs 98)."""
    import pyoxigraph
    import rdflib

    catalog = rdflib.Graph().parse(sample_out / "release" / "catalog.ttl", format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    ((dataset, space),) = [(d, u) for d, u in catalog.subject_objects(void.uriSpace)
                           if catalog.value(d, void.entities) is not None]  # not the linksets' targets
    entities = int(catalog.value(dataset, void.entities))
    store = pyoxigraph.Store()
    store.load(path=str(sample_out / "esrgraph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    query = f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}'
    (row,) = list(store.query(query))
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None) if isinstance(q.subject, pyoxigraph.NamedNode)}
    assert entities == int(row["n"].value) and 0 < entities < len(subjects)
