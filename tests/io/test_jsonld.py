"""JSON-LD contexts beside a document are inlined; remote ones and ones outside its folder are not."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from esrgraph.core.errors import InputError
from esrgraph.io.jsonld import local_jsonld
from esrgraph.sparql.queries import load_store

CONTEXT = {"@context": {"name": "http://xmlns.com/foaf/0.1/name"}}


def _write(folder: Path, document: object) -> Path:
    path = folder / "doc.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_context_file_beside_the_document_is_read(tmp_path: Path) -> None:
    (tmp_path / "context.jsonld").write_text(json.dumps(CONTEXT), encoding="utf-8")
    doc = _write(tmp_path, {"@context": "context.jsonld", "@graph": [
        {"@id": "http://example.org/a", "name": "A"},
        {"@context": ["context.jsonld", {"x": "http://example.org/x"}], "@id": "http://example.org/b", "x": "B"},
    ]})
    store = load_store(doc)
    assert len(store) == 2


@pytest.mark.parametrize("reference", ["http://127.0.0.1:9/context.jsonld", "../context.jsonld", "/etc/passwd",
                                       "missing.jsonld"])
def test_other_contexts_are_refused_by_name(tmp_path: Path, reference: str) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "context.jsonld").write_text(json.dumps(CONTEXT), encoding="utf-8")
    doc = _write(inner, {"@context": reference, "@id": "http://example.org/a", "name": "A"})
    with pytest.raises(InputError) as caught:
        load_store(doc)
    assert "doc.jsonld" in str(caught.value) and reference in str(caught.value)


def test_text_that_is_not_json_is_left_for_the_parser(tmp_path: Path) -> None:
    assert local_jsonld(b'{"@context": ', tmp_path) == (b'{"@context": ', [])


def test_a_gzipped_document_reads_the_context_beside_it(tmp_path: Path) -> None:
    """A release's esrgraph.jsonld.gz names context.jsonld as the unpacked document would."""
    (tmp_path / "context.jsonld").write_text(json.dumps(CONTEXT), encoding="utf-8")
    doc = tmp_path / "doc.jsonld.gz"
    doc.write_bytes(gzip.compress(json.dumps({"@context": "context.jsonld", "@id": "http://example.org/a",
                                              "name": "A"}).encode("utf-8")))
    store = load_store(doc)
    assert [str(q.object) for q in store] == ['"A"']


@pytest.mark.parametrize("name", ["doc.jsonld.gz", "doc.nt.gz"])
def test_a_cut_or_foreign_gzip_file_is_refused_by_name(tmp_path: Path, name: str) -> None:
    whole = gzip.compress(b'{"@id": "http://example.org/a", "http://example.org/p": "x"}' if name.endswith(
        ".jsonld.gz") else b"<http://example.org/a> <http://example.org/p> \"x\" .\n" * 1000)
    path = tmp_path / name
    for data in (whole[: len(whole) // 2], b"not gzip at all"):
        path.write_bytes(data)
        with pytest.raises(InputError) as caught:
            load_store(path)
        assert name in str(caught.value) and "cannot be read as RDF" in str(caught.value)


@pytest.mark.parametrize("name", ["doc.jsonld.gz", "doc.jsonld"])
def test_a_document_over_the_input_limit_is_refused_unpacked_or_not(tmp_path: Path, name: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Read whole to inline its context, a JSON-LD document stays within the input limit, unpacked too: 10 MB of
    gzip can unpack to 10 GB."""
    monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", "64K")
    text = json.dumps({"@id": "http://example.org/a", "http://example.org/p": "x" * (1 << 20)}).encode("utf-8")
    path = tmp_path / name
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    assert path.stat().st_size < 64 * 1024 or not name.endswith(".gz")
    with pytest.raises(InputError) as caught:
        load_store(path)
    assert name in str(caught.value) and "ESRGRAPH_MAX_INPUT_BYTES" in str(caught.value)
