"""A sharded rebuild with a cache (esrgraph.pipeline.cache.shards) redoes only the parts whose inputs
changed, and writes byte for byte what a full build writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from stdnum.fi import ytunnus
from test_sharded_build import _corpus, _files

from esrgraph.io.sources import iter_input_files
from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.sharded import layout as shardbuild

SHARDS = 3


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shardbuild, "FILES_PER_CHUNK", 4)  # many parse chunks from a small corpus


def _build(inputs: Path, out: Path, cache: Path | None):  # type: ignore[no-untyped-def]
    result = build([inputs], BuildOptions(shards=SHARDS, workers=2, cache_dir=str(cache) if cache else None))
    write_outputs(result, out)
    return result


def _rename_project(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("Hankkeen nimi: ", "Hankkeen nimi: Muutettu "),
                    encoding="utf-8")


def test_rebuild_after_one_change_reuses_the_rest_and_writes_the_bytes_of_a_full_build(tmp_path: Path) -> None:
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    assert {kind: reused for kind, (reused, _) in first.reuse.items()} == {"chunks": 0, "map": 0, "check": 0, "org": 0,
                                                                            "common": 0}
    chunks = first.reuse["chunks"][1]
    assert chunks > 10

    again = _build(inputs, tmp_path / "again", cache)  # nothing changed: everything reused
    parts = first.reuse["org"][1]
    assert again.reuse == {"chunks": (chunks, chunks), "map": (SHARDS, SHARDS), "check": (SHARDS, SHARDS),
                           "org": (parts, parts), "common": (1, 1)}
    assert _files(tmp_path / "again") == _files(tmp_path / "first")
    assert again.findings == first.findings

    _rename_project(sorted((inputs / "descriptions").rglob("*.txt"))[20])
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    assert rebuilt.reuse["chunks"] == (chunks - 1, chunks)
    assert rebuilt.reuse["map"] == (SHARDS - 1, SHARDS) and rebuilt.reuse["check"] == (SHARDS - 1, SHARDS)
    assert rebuilt.reuse["common"] == (1, 1)  # the same code lists and unresolved texts
    full = _build(inputs, tmp_path / "full", None)
    assert full.reuse == {}
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full") != _files(tmp_path / "first")
    assert rebuilt.findings == full.findings
    assert [r.source for r in rebuilt.batch.records] == [r.source for r in full.batch.records]

    # a municipality no code list knows: a new unresolved concept among the shared nodes
    path = sorted((inputs / "descriptions").rglob("*.txt"))[21]
    path.write_text(path.read_text(encoding="utf-8").replace("Kunnat: ", "Kunnat: Lemuria, "), encoding="utf-8")
    unresolved = _build(inputs, tmp_path / "unresolved", cache)
    assert unresolved.reuse["common"] == (0, 1) and unresolved.reuse["map"] == (SHARDS - 1, SHARDS)
    _build(inputs, tmp_path / "unresolved-full", None)
    assert _files(tmp_path / "unresolved") == _files(tmp_path / "unresolved-full")
    assert b"Lemuria" in (tmp_path / "unresolved" / "esrgraph.nt").read_bytes()


def _valid_business_id(body: str) -> str:
    return next(f"{body}-{d}" for d in "0123456789" if ytunnus.is_valid(f"{body}-{d}"))


def _add_partner(path: Path, line: str) -> str:
    """Name one more co-implementer in a description; return its project code."""
    text = path.read_text(encoding="utf-8")
    if "Osatoteuttajat\n" in text:
        text = text.replace("Osatoteuttajat\n", f"Osatoteuttajat\n{line}\n")
    else:
        text = text.replace("\n3 Suunnitelman", f"\nOsatoteuttajat\n{line}\n\n3 Suunnitelman")
    path.write_text(text, encoding="utf-8")
    return re.search(r"Hankekoodi: (\S+)", text)[1]  # type: ignore[index]


def test_a_new_name_in_the_organisation_index_redoes_every_shard_that_looked_the_name_up(tmp_path: Path) -> None:
    # Six projects name "Nimetön Kumppani ry" without a Y-tunnus, so their shards looked the name up in
    # the index and found nothing. One more project then names it with a valid Y-tunnus: those shards
    # must be mapped again, their projects now linked to the registered organisation by name.
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    descriptions = sorted((inputs / "descriptions").rglob("*.txt"))
    looked_up = {_add_partner(path, "Nimetön Kumppani ry") for path in descriptions[8:14]}
    _build(inputs, tmp_path / "first", cache)
    assert b"matchedByName" not in (tmp_path / "first" / "esrgraph.nt").read_bytes()

    changed = _add_partner(descriptions[30], f"Nimetön Kumppani ry, {_valid_business_id('7654321')}")
    redone = {shardbuild.shard_of(code, SHARDS) for code in looked_up | {changed}}
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    assert rebuilt.reuse["map"] == (SHARDS - len(redone), SHARDS) and len(redone) > 1
    full = _build(inputs, tmp_path / "full", None)
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full")
    assert rebuilt.findings == full.findings
    graph = (tmp_path / "full" / "esrgraph.nt").read_bytes()
    organisation = f"<https://w3id.org/esrgraph/id/organisation/{_valid_business_id('7654321')}>".encode()
    assert graph.count(b"#coImplementer> " + organisation) == len(looked_up) + 1  # all seven projects
    assert graph.count(organisation + b" <https://w3id.org/esrgraph/ontology#matchedByName>") == 1


def test_the_cache_keeps_one_build_and_a_changed_program_reuses_nothing(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    _rename_project(sorted((inputs / "descriptions").rglob("*.txt"))[5])
    _build(inputs, tmp_path / "second", cache)
    entries = {kind: sorted(p.name for p in (cache / "shards" / kind).iterdir()) for kind in shardcache.KINDS}
    assert len(entries["map"]) == len(entries["check"]) == SHARDS  # the first build's changed entries are gone
    assert len(entries["chunks"]) == first.reuse["chunks"][1]
    assert not any(name.startswith(".") for names in entries.values() for name in names)

    monkeypatch.setattr(shardcache, "program_fingerprint", lambda: "another esrgraph")
    third = _build(inputs, tmp_path / "third", cache)
    assert all(reused == 0 for reused, _ in third.reuse.values())
    assert _files(tmp_path / "third") == _files(tmp_path / "second")


def test_adding_a_file_changes_only_its_own_parse_chunk() -> None:
    files = [(f"/in/{i:05d}.txt", f"in/{i:05d}.txt") for i in range(3000)]
    before = shardbuild.chunk_files(files)
    after = shardbuild.chunk_files(files[:1234] + [("/in/new.txt", "in/01233-new.txt")] + files[1234:])
    assert sum(len(chunk) for chunk in before) == 3000
    assert max(len(chunk) for chunk in before) <= 2 * shardbuild.FILES_PER_CHUNK
    # the new file's chunk changes (or splits in two where the new name ends a chunk); every other stays
    assert 1 <= len([c for c in after if c not in before]) <= 2
    assert 1 <= len([c for c in before if c not in after]) <= 2


def test_stable_bytes_depend_on_the_value_not_on_shared_objects_or_set_order() -> None:
    from esrgraph.mapping.mapper import OrganisationFacts

    shared = "x" * 50
    assert shardcache.stable_bytes([shared, shared]) == shardcache.stable_bytes(["x" * 50, "".join(["x"] * 50)])
    one = OrganisationFacts(iri="https://e.example/o", names={"b", "a", "c"})
    two = OrganisationFacts(iri="https://e.example/o", names={"c", "a", "b"})
    assert shardcache.stable_bytes(shardcache.with_sorted_sets(one)) == shardcache.stable_bytes(shardcache.with_sorted_sets(two))
    two.names.add("d")
    assert shardcache.stable_bytes(shardcache.with_sorted_sets(one)) != shardcache.stable_bytes(shardcache.with_sorted_sets(two))


def test_build_command_says_what_it_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from esrgraph.cli import cli

    monkeypatch.setattr(shardbuild, "SHARD_MIN_FILES", 10)  # the command shards this small corpus
    inputs, out = _corpus(tmp_path), tmp_path / "out"
    first = CliRunner().invoke(cli, ["build", str(inputs), "-o", str(out), "--incremental", "-q"])
    assert first.exit_code in (1, 2), first.output  # the corpus has violations and an unreadable file
    assert "reused from the build cache: 0 of " in first.output
    second = CliRunner().invoke(cli, ["build", str(inputs), "-o", str(out), "-q"])  # OUT/.cache exists: reused
    assert second.exit_code == first.exit_code
    found = re.search(r"reused from the build cache: (\d+) of (\d+) parse chunks, (\d+) of (\d+) mapped shards", second.output)
    assert found and found[1] == found[2] and found[3] == found[4], second.output
    assert (out / ".cache" / "shards" / "map").is_dir()


def test_a_rebuild_reads_only_the_files_whose_stat_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Input digests come from the last build's table while a file's stat is unchanged (here every
    file counts as settled); a changed file is read again, and the result is a full build's."""
    monkeypatch.setattr(shardcache, "SETTLED_NS", -1)  # the workers are forked: they see it too
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    chunks = first.reuse["chunks"][1]
    table_path = cache / "shards" / "file-digests.pickle"
    table = shardcache.load(table_path)
    assert sorted(table) == sorted(str(path) for path, _ in iter_input_files([inputs]))

    # the table is what a rebuild goes by: a wrong digest under an unchanged stat redoes that chunk
    victim = sorted((inputs / "descriptions").rglob("*.txt"))[20]
    stat, _ = table[str(victim)]
    table[str(victim)] = (stat, "0" * 64)
    shardcache.dump(table_path, table)
    misled = _build(inputs, tmp_path / "misled", cache)
    assert misled.reuse["chunks"] == (chunks - 1, chunks)
    assert _files(tmp_path / "misled") == _files(tmp_path / "first")

    _rename_project(victim)
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    assert rebuilt.reuse["chunks"] == (chunks - 1, chunks)
    _build(inputs, tmp_path / "full", None)
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full") != _files(tmp_path / "first")
    assert shardcache.load(table_path)[str(victim)][1] == shardcache.hashlib.sha256(victim.read_bytes()).hexdigest()


def test_file_digests_trust_a_settled_stat_and_nothing_else(tmp_path: Path) -> None:
    import os
    import time

    path = tmp_path / "a.txt"
    path.write_text("first", encoding="utf-8")
    files = [(str(path), "a.txt")]
    named, table = shardcache.file_digests(files)
    assert named is not None and named[0].endswith(shardcache.hashlib.sha256(b"first").hexdigest())
    assert table == {}  # just written: not settled, so not kept

    st = os.stat(path)
    stat = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = {str(path): (stat, "f" * 64)}
    assert shardcache.file_digests(files, known)[0][0].endswith("f" * 64)  # the same stat: the table's digest

    time.sleep(0.05)  # past a tick of the file system's clock
    path.write_text("other", encoding="utf-8")  # same size, and the old mtime put back
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    named, _ = shardcache.file_digests(files, known)
    assert named is not None and named[0].endswith(shardcache.hashlib.sha256(b"other").hexdigest())

    assert shardcache.file_digests([(str(tmp_path / "missing.txt"), "missing.txt")], known) == (None, {})


def test_lines_that_move_keep_the_organisation_parts_and_their_findings_follow(tmp_path: Path) -> None:
    """The main process locates organisation findings, so an organisation part does not depend on
    the lines of the projects that link to it."""
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    finding = next(f for f in first.findings if f.rule == "O03-business-id-check-digit" and "(+" not in (f.record or ""))
    assert finding.path and finding.line and finding.line > 2
    source = inputs / finding.path.split("/", 1)[1]
    lines = source.read_text(encoding="utf-8").split("\n")
    source.write_text("\n".join(lines[:1] + [""] + lines[1:]), encoding="utf-8")  # a blank line: the same record
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    parts = first.reuse["org"][1]
    assert rebuilt.reuse["org"] == (parts, parts) and rebuilt.reuse["map"] == (SHARDS - 1, SHARDS)
    moved = next(f for f in rebuilt.findings if f.rule == finding.rule and f.record == finding.record)
    assert (moved.path, moved.line) == (finding.path, finding.line + 1)
    full = _build(inputs, tmp_path / "full", None)
    assert rebuilt.findings == full.findings
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full")


@pytest.mark.parametrize("damage", [b"", b"\x80\x05not a pickle", b"\x80\x05K\x01.", "list", "wrong entries"],
                         ids=["empty", "garbage", "an int", "a list", "wrong entries"])
def test_a_damaged_digest_table_means_reading_the_files_again(tmp_path: Path, damage: bytes | str) -> None:
    import pickle

    good = ((1, 2, 3, 4, 5), "a" * 64)
    cache = shardcache.ShardCache(tmp_path)
    try:
        table_path = cache.root / "file-digests.pickle"
        if damage == "list":
            table_path.write_bytes(pickle.dumps([good]))
        elif damage == "wrong entries":
            table_path.write_bytes(pickle.dumps({"ok.txt": good, "short.txt": ((1, 2), "a" * 64),
                                                 "text.txt": (("1", 2, 3, 4, 5), "a" * 64), "bad.txt": "x", 7: good}))
        else:
            table_path.write_bytes(damage)  # type: ignore[arg-type]
        assert cache.known_digests() == ({"ok.txt": good} if damage == "wrong entries" else {})
    finally:
        cache.close()


@pytest.mark.parametrize("entry", ["map/*/outcome.pickle",
                                   "map/*/p*.index", "check/*/checked.pickle", "org/*/checked.pickle"])
def test_a_damaged_cache_entry_is_built_again_with_a_warning(tmp_path: Path, entry: str) -> None:
    from esrgraph.outputs.summary import build_summary

    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    damaged = sorted((cache / "shards").glob(entry))
    assert damaged, entry
    damaged[0].write_bytes(b"\x80\x05truncated")
    again = _build(inputs, tmp_path / "again", cache)
    assert again.cache_note and "could not be used" in again.cache_note
    assert "warning: the build cache in" in build_summary(again, [])
    assert _files(tmp_path / "again") == _files(tmp_path / "first") and again.findings == first.findings
    kept = _build(inputs, tmp_path / "kept", cache)  # kept anew: all reused, no warning
    assert kept.cache_note is None and all(reused == total for reused, total in kept.reuse.values())


@pytest.mark.parametrize("name", ["0001.pickle", "order.pickle", "outcome.pickle"])
def test_a_damaged_file_of_a_kept_chunk_is_parsed_again(tmp_path: Path, name: str) -> None:
    """A record file: the mapped shards would still be reused (their keys hold the record files'
    digests), so the damage would only show when the records are read after the build; the kept
    chunk checks its files against its outcome before it is reused."""
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    chunks = first.reuse["chunks"][1]
    damaged = sorted((cache / "shards").glob(f"chunks/*/{name}"))[0]
    damaged.write_bytes(damaged.read_bytes()[:-7] + b"damaged")
    again = _build(inputs, tmp_path / "again", cache)
    assert again.cache_note is None and again.reuse["chunks"] == (chunks - 1, chunks)
    assert again.reuse["map"] == (SHARDS, SHARDS)  # the chunk parsed again gives the same record files
    assert _files(tmp_path / "again") == _files(tmp_path / "first") and again.findings == first.findings


def test_a_damaged_organisation_facts_file_is_read_only_when_a_part_needs_it(tmp_path: Path) -> None:
    """A kept mapped shard keeps its organisations' facts in a file of their own, read only when an
    organisation part is written again; a damaged one then makes the build start over, with a warning."""
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    for facts in (cache / "shards").glob(f"map/*/*{shardbuild.ORGANISATION_FACTS}"):
        facts.write_bytes(b"\x80\x05truncated")
    again = _build(inputs, tmp_path / "again", cache)  # no organisation part to write: not read
    assert again.cache_note is None and again.reuse["map"] == (SHARDS, SHARDS)
    assert _files(tmp_path / "again") == _files(tmp_path / "first") and again.findings == first.findings

    _add_partner(sorted((inputs / "descriptions").rglob("*.txt"))[30], f"Uusi Kumppani ry, {_valid_business_id('7654322')}")
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    assert rebuilt.cache_note and "could not be used" in rebuilt.cache_note
    full = _build(inputs, tmp_path / "full", None)
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full") and rebuilt.findings == full.findings
    assert rebuilt.organisations == full.organisations


def test_a_rebuild_keeps_the_shard_count_while_it_fits_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part's key holds the shard count, so a new count redoes every part. A rebuild keeps the
    count its cache was made with while a shard holds between half and twice RECORDS_PER_SHARD files;
    the bytes are a full build's either way (its count is the one the input alone gives)."""
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    files = sum(1 for _ in iter_input_files([inputs]))
    per_shard = next(r for r in range(files // 4, 1, -1) if files % r == 0)  # one file more: one shard more
    shards = files // per_shard
    assert shards >= 4
    monkeypatch.setattr(shardbuild, "SHARD_MIN_FILES", 10)
    monkeypatch.setattr(shardbuild, "RECORDS_PER_SHARD", per_shard)

    def build_in(out: str, with_cache: bool):  # type: ignore[no-untyped-def]
        result = build([inputs], BuildOptions(workers=2, cache_dir=str(cache) if with_cache else None))
        write_outputs(result, tmp_path / out)
        return result

    first = build_in("first", True)
    assert first.reuse["map"] == (0, shards)
    (inputs / "zz-added.txt").write_bytes(b"\x00 one more input file, no record in it \xff")
    grown = build_in("grown", True)  # the input alone would make one shard more
    assert shardbuild.shard_count(files + 1, BuildOptions(workers=2)) == shards + 1
    assert grown.reuse["map"] == (shards, shards)  # the count kept: no shard redone
    assert len(grown.batch.failed_files) == len(first.batch.failed_files) + 1
    build_in("full", False)  # no cache: the count the input alone gives
    assert _files(tmp_path / "grown") == _files(tmp_path / "full") != _files(tmp_path / "first")

    monkeypatch.setattr(shardbuild, "RECORDS_PER_SHARD", max(1, per_shard // 3))  # past twice as many shards
    recut = build_in("recut", True)
    assert recut.reuse["map"][0] == 0 and recut.reuse["map"][1] > 2 * shards
    assert _files(tmp_path / "recut") == _files(tmp_path / "full")


def test_a_file_added_inside_a_parse_chunk_redoes_only_its_own_shard(tmp_path: Path) -> None:
    """The records a chunk gives each shard do not carry their place in the chunk, so a record added
    before them does not change what other shards read (a chunk of 200 files gave new record files to
    most of 100 shards, and 38 of them were mapped again)."""
    inputs, cache = _corpus(tmp_path), tmp_path / "cache"
    first = _build(inputs, tmp_path / "first", cache)
    descriptions = sorted((inputs / "descriptions").rglob("*.txt"))
    source = descriptions[10]
    text = source.read_text(encoding="utf-8")
    code = re.search(r"Hankekoodi: (\S+)", text)[1]  # type: ignore[index]
    new = text.replace(code, "S29998")  # the same applicant: already in the name index
    new = re.sub(r"Osatoteuttajat\n(?:.+\n)+", "Osatoteuttajat\n", new)  # no co-implementers: no name look-ups
    added = source.with_name(source.stem + "a.txt")  # sorts right after its source, inside its chunk
    added.write_text(new, encoding="utf-8")
    rebuilt = _build(inputs, tmp_path / "rebuilt", cache)
    assert first.reuse["map"] == (0, SHARDS)
    assert rebuilt.reuse["map"] == (SHARDS - 1, SHARDS)
    full = _build(inputs, tmp_path / "full", None)
    assert _files(tmp_path / "rebuilt") == _files(tmp_path / "full")
    assert [r.source for r in rebuilt.batch.records] == [r.source for r in full.batch.records]
