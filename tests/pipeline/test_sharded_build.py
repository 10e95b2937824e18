"""The sharded build (esrgraph.pipeline.sharded) gives byte for byte what the in-process build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.sharded.blocks import ShardConflict, merge_blocks, write_blocks
from esrgraph.pipeline.sharded.layout import shard_of, wants_shards
from outfiles import build_files
from repo_paths import REPO

ROOT = REPO


def _corpus(folder: Path) -> Path:
    """Generated descriptions with faults, CSV rows of the same projects (they merge), the bundled
    samples, a record without a code and a file no parser reads."""
    from benchmarks.generate import write_corpus

    inputs = folder / "in"
    write_corpus(inputs / "descriptions", 48, seed=11, faulty_share=0.25)
    # unknown municipalities whose two spellings name one local concept: the first project's spelling wins
    for i, path in enumerate(sorted((inputs / "descriptions").rglob("*.txt"))[:8]):
        spelling = ("Atlantis", "ATLANTIS!")[i % 2]
        # organisations several projects share: one named, with two wrong Y-tunnukset (the first mention's
        # is kept), and one valid Y-tunnus under two names
        partners = f"Yhteinen Testiyhdistys ry, 1234567-{8 + i % 2}\n{('Alfa Oy', 'Beeta ry')[i % 2]}, 1234567-1\n"
        text = path.read_text(encoding="utf-8").replace("Kunnat: ", f"Kunnat: {spelling}, ")
        path.write_text(text.replace("Osatoteuttajat\n", "Osatoteuttajat\n" + partners), encoding="utf-8")
    write_corpus(inputs / "list", 6, seed=11, layout="projectlist-csv")
    shutil.copytree(ROOT / "data" / "samples", inputs / "samples")
    sample = next((ROOT / "data" / "samples").rglob("S2*.txt"))
    text = sample.read_text(encoding="utf-8")
    (inputs / "no-code.txt").write_text(text.replace(sample.stem[:6], ""), encoding="utf-8")
    (inputs / "binary.txt").write_bytes(b"\x00\x01 not a record \xff")
    return inputs


def _files(out: Path) -> dict[str, bytes]:
    return build_files(out)


@pytest.mark.parametrize("personal", [False, True], ids=["default", "with-personal-data"])
def test_sharded_build_writes_the_same_files_as_the_in_process_build(tmp_path: Path, personal: bool) -> None:
    inputs = _corpus(tmp_path)
    whole = build([inputs], BuildOptions(shards=1, include_personal_data=personal))
    sharded = build([inputs], BuildOptions(shards=3, workers=2, include_personal_data=personal))
    assert sharded.graph_files is not None and whole.graph_files is None  # the two paths really ran

    # the inputs have what the comparison must cover
    rules = {f.rule for f in whole.findings}
    assert {"sources-disagree", "unresolved-code", "unreadable-value"} <= rules
    shared = {f.rule for f in whole.findings if f.stage == "shacl" and f.record and "(+" in f.record}
    assert {"O03-business-id-check-digit", "Q07-business-id-names-agree"} <= shared
    assert whole.batch.failed_files and whole.quarantined and whole.organisations > 50

    assert sharded.findings == whole.findings
    assert sharded.exit_code == whole.exit_code
    assert (sharded.records_found, sharded.records_built, len(sharded.projects)) == (
        whole.records_found, whole.records_built, len(whole.projects))
    assert list(sharded.triples) == list(whole.triples)
    assert [p.code for p in sharded.projects] == [p.code for p in whole.projects]
    assert [r.source for r in sharded.batch.records] == [r.source for r in whole.batch.records]

    write_outputs(whole, tmp_path / "out-whole")
    write_outputs(sharded, tmp_path / "out-sharded")
    expected, got = _files(tmp_path / "out-whole"), _files(tmp_path / "out-sharded")
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []
    # the summary reads the sharded graph file's NUTS lines alone; the same lines as from every triple
    from esrgraph.outputs.summary import nuts_link_lines

    assert len(nuts_link_lines(whole)) > 3 and nuts_link_lines(sharded) == nuts_link_lines(whole)


def _triple(s: str, p: str, o: str) -> Triple:
    return Triple(NamedNode(f"https://e.example/{s}"), NamedNode(f"https://e.example/{p}"), Literal(o))


def test_blocks_merge_in_subject_order_and_a_subject_in_two_parts_is_refused(tmp_path: Path) -> None:
    write_blocks([_triple("a", "p", "1"), _triple("a", "q", "line\nbreak"), _triple("c", "p", "3")], tmp_path / "one")
    write_blocks([_triple("b", "p", "2"), _triple("d", "p", "4")], tmp_path / "two")
    merge_blocks([tmp_path / "one", tmp_path / "two"], tmp_path / "all.nt", tmp_path / "all.ttl")
    subjects = [line.split(b" ")[0] for line in (tmp_path / "all.nt").read_bytes().splitlines()]
    assert subjects == [b"<https://e.example/a>"] * 2 + [b"<https://e.example/b>", b"<https://e.example/c>",
                                                          b"<https://e.example/d>"]
    assert (tmp_path / "all.ttl").read_bytes().startswith(b"@prefix ")

    write_blocks([_triple("b", "q", "again")], tmp_path / "three")
    with pytest.raises(ShardConflict, match="written by two parts"):
        merge_blocks([tmp_path / "one", tmp_path / "two", tmp_path / "three"], tmp_path / "x.nt", tmp_path / "x.ttl")


def test_a_merge_of_many_interleaved_runs_equals_one_sort_of_all_triples(tmp_path: Path) -> None:
    """Subjects alternate between parts, as hashed shards make them, and one part is empty: the
    merged files are what one serialisation of all the triples, sorted, gives."""
    from esrgraph.core.vocab import PREFIXES
    from esrgraph.io.export import serialize_triples, sort_triples
    from esrgraph.io.formats import OutputFormat

    triples = [_triple(f"s{n:04d}", p, f"value {n} " + "x" * (n % 97)) for n in range(3000) for p in ("p", "q")]
    parts = [[t for t in triples if int(t.subject.value[-4:]) % 3 == k] for k in range(3)] + [[]]
    for k, part in enumerate(parts):
        write_blocks(sort_triples(part), tmp_path / f"part{k}")
    merge_blocks([tmp_path / f"part{k}" for k in range(len(parts))], tmp_path / "all.nt", tmp_path / "all.ttl")
    ordered = sort_triples(triples)
    assert (tmp_path / "all.nt").read_bytes() == serialize_triples(ordered, OutputFormat.NTRIPLES, presorted=True)
    assert (tmp_path / "all.ttl").read_bytes() == serialize_triples(ordered, OutputFormat.TURTLE, dict(PREFIXES),
                                                                    presorted=True)


def test_codes_that_name_one_iri_share_a_shard_and_only_default_fast_builds_shard() -> None:
    assert shard_of("S21093", 7) == shard_of(" S21093 ", 7)
    assert wants_shards(10, BuildOptions(shards=3))
    assert not wants_shards(10, BuildOptions())
    assert not wants_shards(100_000, BuildOptions(shards=1))
    assert not wants_shards(100_000, BuildOptions(validator="pyshacl"))
    assert not wants_shards(100_000, BuildOptions(shapes="shapes/esr-core.shapes.ttl"))


def test_a_records_locating_form_keeps_each_fields_first_line_and_no_line_texts() -> None:
    from esrgraph.core.model import field_head, first_lines
    from esrgraph.parsers.inputs import parse_paths
    from esrgraph.pipeline.result import locator_table

    records = parse_paths([ROOT / "data" / "samples"]).records
    assert len(records) >= 5
    for record in records:
        lean = record.locating()
        assert lean.coverage and all(use.text == "" and use.field for use in lean.coverage)
        keys = [use.field for use in lean.coverage]
        assert len(keys) == len(set(keys))  # one line per field head or dotted field path
        assert {u.field: u.line for u in lean.coverage} == first_lines(record.coverage)
        firsts: dict[str, int] = {}
        for use in record.coverage:
            for name in use.field.split(",") if use.field else ():  # a line may give several fields
                firsts.setdefault(field_head(name), use.line)
        assert {k: line for k, line in first_lines(record.coverage).items() if "." not in k} == firsts
        assert lean.replace(coverage=record.coverage) == record  # nothing else differs
    assert locator_table(r.locating() for r in records) == locator_table(records)
    # the lean form keeps a line per field head and per dotted field on a line of its own (the Y-tunnus,
    # each funding figure), without texts: about half the entries of the full coverage on the samples
    assert sum(len(r.coverage) for r in records) > 1.5 * sum(len(r.locating().coverage) for r in records)


def test_a_worker_loads_the_name_index_once_for_all_the_shards_it_maps(tmp_path: Path) -> None:
    """Loaded for each shard, the index of the whole input made the build's time grow with its square."""
    from esrgraph.pipeline.cache.shards import RecordingIndex, dump
    from esrgraph.pipeline.sharded import workers

    first_build, second_build = tmp_path / "first", tmp_path / "second"
    first_build.mkdir()
    second_build.mkdir()
    dump(first_build / "name-index.pickle", {"alfa oy": {"1234567-1"}})
    dump(second_build / "name-index.pickle", {"beeta ry": {"7654321-8"}})
    workers._name_index_at.cache_clear()
    index = workers.shared_name_index(first_build)
    assert workers.shared_name_index(first_build) is index and index == {"alfa oy": {"1234567-1"}}
    assert workers._name_index_at.cache_info().misses == 1
    # another build's work folder, or the file written anew in the same one, is read again
    assert workers.shared_name_index(second_build) == {"beeta ry": {"7654321-8"}}
    dump(first_build / "name-index.pickle", {"gamma oy": {"1111111-1"}})
    assert workers.shared_name_index(first_build) == {"gamma oy": {"1111111-1"}}

    # each shard records its own look-ups in a view of the one index, not in a copy of it
    shard_a, shard_b = RecordingIndex(index), RecordingIndex(index)
    assert shard_a.get("alfa oy") == {"1234567-1"} and shard_a.get("nobody", set()) == set()
    assert shard_a.lookups == {"alfa oy": ("1234567-1",), "nobody": ()} and shard_b.lookups == {}
    index["delta ky"] = {"2222222-2"}
    assert shard_b.get("delta ky") == {"2222222-2"} and len(shard_b) == 2 and set(shard_b) == {"alfa oy", "delta ky"}
