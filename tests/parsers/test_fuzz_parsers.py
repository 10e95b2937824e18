"""Parsers never crash: property tests and mutation fuzzing of every layout (issue 6, part 1).

The contract checked on every case (``assert_contract``):

* each parser, called directly with each layout, returns a ``ParseOutcome`` or raises our own
  ``EsrgraphError`` (``ParseError``/``InputError``), never anything else;
* ``units == records + quarantined`` (nothing read is dropped silently);
* no quarantine reason is the catch-all "parser failed on this record (...)": that would be a
  parser bug hidden behind the safety net, so the fuzzer treats it as a failure;
* every error names the file, and every quarantined record its line;
* every record turns into JSON.

The default run is sized to stay well under a minute; ``pytest --slow`` goes much deeper (every
line of every seed, every layout, 10 MB lines in every layout, thousands of random mutations).
The number of cases each test tried is printed at the end of the run ("fuzz cases tried") and
recorded in docs/bad-input.md.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esrgraph.core.errors import EsrgraphError, InputError, ParseError
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.inputs import parse_file, parse_source
from esrgraph.parsers.registry import LAYOUTS, detect_layout, get_parser
from repo_paths import REPO

SAMPLES = sorted((REPO / "data" / "samples").glob("*.txt"))
CSV_SEEDS = sorted((REPO / "tests" / "data" / "projectlist-csv").glob("*.csv")) + [REPO / "tests" / "data" / "quality" / "projects.csv"]
MULTI_SEEDS = sorted((REPO / "tests" / "data").glob("*/two-*.txt"))
SEEDS = SAMPLES + CSV_SEEDS + MULTI_SEEDS
TEXTS = {p: p.read_text(encoding="utf-8") for p in SEEDS}
SEED_LAYOUT = {p: detect_layout(t) for p, t in TEXTS.items()}

#: Cases tried per test in this run (printed at the end, see the module docstring).
CASES: Counter[str] = Counter()

SPECIAL = ["\x00", "\ufeff", "\u00a0", "\u2009", "\u202f", "–", "—", "\t", "|", ";", ",", '"', ":", "€", "\u0301",
           "\U0001f600", "<", ">", "#", " ", ".", "-", "0", "9", "31.13.2020", "1 000 000", "\\", "'", "\r"]


@pytest.fixture(scope="module", autouse=True)
def report_case_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and CASES:
        total = sum(CASES.values())
        detail = ", ".join(f"{name} {count}" for name, count in sorted(CASES.items()))
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nfuzz cases tried: {total} ({detail})")


def assert_outcome(outcome: ParseOutcome, path: str) -> None:
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)
    for q in outcome.quarantined:
        assert isinstance(q, ParseError)
        assert "parser failed" not in q.message, f"a parser bug was caught by the safety net: {q}"
        assert q.path == path and q.line is not None and q.line >= 1, q
    for record in outcome.records:
        json.dumps(record.to_json(), ensure_ascii=False)
        assert record.source.path == path


def assert_contract(text: str, name: str, layouts: tuple[str | None, ...] = (None, *LAYOUTS), path: str = "fuzz.txt") -> int:
    """Parse ``text`` with each of ``layouts`` (None: detect); return the records read by detection."""
    CASES[name] += 1
    source = SourceText(path, "0" * 64, text, "utf-8")
    found = 0
    for layout in layouts:
        chosen = layout or detect_layout(text)
        try:
            if chosen is None:
                with pytest.raises(InputError, match=path):
                    parse_source(source)
                continue
            outcome = get_parser(chosen).parse(source)  # directly: no safety net between the parser and us
        except EsrgraphError as exc:
            assert path in str(exc), exc
            continue
        assert_outcome(outcome, path)
        if layout is None:
            found = len(outcome.records)
    return found


def mutate_lines(text: str, op: str, i: int) -> str:
    lines = text.split("\n")
    if op == "delete":
        return "\n".join(lines[:i] + lines[i + 1:])
    if op == "duplicate":
        return "\n".join(lines[: i + 1] + lines[i:])
    if op == "swap":
        return "\n".join(lines[:i] + lines[i + 1: i + 2] + lines[i: i + 1] + lines[i + 2:])
    assert op == "truncate"  # the file cut in the middle of line i
    return "\n".join(lines[:i] + [lines[i][: len(lines[i]) // 2]])


OPS = ("delete", "duplicate", "swap", "truncate")


def _line_cases(paths: list[Path], stride: int) -> list[tuple[Path, str, int]]:
    return [(p, op, i) for p in paths for i in range(0, len(TEXTS[p].split("\n")), stride) for op in OPS]


# --- every line of every seed ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CSV_SEEDS, ids=lambda p: p.name)
def test_csv_rows_deleted_duplicated_swapped_truncated_at_every_line(path: Path) -> None:
    text = TEXTS[path]
    rows = len(text.split("\n"))
    for op in OPS:
        for i in range(rows):
            assert_contract(mutate_lines(text, op, i), "csv-lines")


@pytest.mark.parametrize("path", SAMPLES + MULTI_SEEDS, ids=lambda p: p.name)
def test_text_seeds_with_lines_deleted_duplicated_swapped_truncated(path: Path) -> None:
    """Every 9th line in the default run (layout detected); every line with every layout in the slow run."""
    for _, op, i in _line_cases([path], 9):
        assert_contract(mutate_lines(TEXTS[path], op, i), "text-lines", (None,))


@pytest.mark.slow
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_slow_every_line_of_every_seed_with_every_layout(path: Path) -> None:
    for _, op, i in _line_cases([path], 1):
        assert_contract(mutate_lines(TEXTS[path], op, i), "slow-every-line")


# --- hypothesis: random text, random bytes, random edits -----------------------------------------


def _random_text_case(text: str) -> None:
    assert_contract(text, "random-text")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_records_or_our_error(text: str) -> None:
    _random_text_case(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(sorted({line for t in TEXTS.values() for line in t.split("\n")})) | st.text(max_size=30),
                max_size=40))
def test_lines_of_real_records_in_any_order(lines: list[str]) -> None:
    assert_contract("\n".join(lines), "shuffled-lines")


def _bytes_case(data: bytes) -> None:
    CASES["random-bytes"] += 1
    try:
        source = source_from_bytes(data, "fuzz.bin")
        assert "\x00" not in source.text and "\r" not in source.text
        outcome = parse_source(source)
    except EsrgraphError as exc:
        assert "fuzz.bin" in str(exc)
        return
    assert_outcome(outcome, "fuzz.bin")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_are_records_or_our_error(data: bytes) -> None:
    _bytes_case(data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SEEDS), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
       st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=4)), max_size=6))
def test_seed_bytes_with_random_bytes_spliced_in(path: Path, encoding: str, splices: list[tuple[float, bytes]]) -> None:
    data = TEXTS[path].encode(encoding, errors="replace")
    for where, chunk in splices:
        at = int(where * len(data))
        data = data[:at] + chunk + data[at:]
    _bytes_case(data)


@st.composite
def edited(draw: st.DrawFn) -> str:
    """A seed with 1-6 random edits: misspelt labels, special characters, repeated or foreign lines."""
    text = draw(st.sampled_from(sorted(TEXTS.values())))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        op = draw(st.sampled_from(["drop-char", "insert", "replace-char", "foreign-line", "repeat", "delete-block",
                                   "case", "colon", "foreign-record"]))
        if op == "drop-char" and line:
            j = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + line[j + 1:]
        elif op == "insert":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.sampled_from(SPECIAL) | st.text(min_size=1, max_size=3)) + line[j:]
        elif op == "replace-char" and line:
            j = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + draw(st.characters(blacklist_categories=("Cs",))) + line[j + 1:]
        elif op == "foreign-line":
            other = draw(st.sampled_from(sorted(TEXTS.values()))).split("\n")
            lines.insert(i, other[draw(st.integers(0, len(other) - 1))])
        elif op == "repeat":
            lines[i] = line * draw(st.integers(2, 40))
        elif op == "delete-block":
            del lines[i: i + draw(st.integers(1, 10))]
        elif op == "case":
            lines[i] = line.upper() if draw(st.booleans()) else line.lower()
        elif op == "colon":
            lines[i] = line.replace(":", draw(st.sampled_from(["", ";", " :", "::", " -"])))
        elif op == "foreign-record":
            lines[i:i] = draw(st.sampled_from(sorted(TEXTS.values()))).split("\n")
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edited())
def test_seeds_with_random_edits(text: str) -> None:
    assert_contract(text, "random-edits")


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edited())
def test_slow_seeds_with_random_edits(text: str) -> None:
    assert_contract(text, "slow-random-edits")


@pytest.mark.slow
@settings(max_examples=5000, deadline=None)
@given(st.text(max_size=2000))
def test_slow_any_text(text: str) -> None:
    assert_contract(text, "slow-random-text")


@pytest.mark.slow
@settings(max_examples=5000, deadline=None)
@given(st.binary(max_size=4000))
def test_slow_any_bytes(data: bytes) -> None:
    _bytes_case(data)


def test_seeded_random_mutations_are_reproducible() -> None:
    """A plain seeded mutation loop (no shrinking) over all seeds: the same cases every run."""
    rng = random.Random(6)
    for k in range(60 if not os.environ.get("ESRGRAPH_FUZZ_DEEP") else 3000):
        path = SEEDS[k % len(SEEDS)]
        lines = TEXTS[path].split("\n")
        for _ in range(rng.randint(1, 5)):
            i = rng.randrange(len(lines))
            j = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice(SPECIAL) * rng.randint(1, 3) + lines[i][j:]
        assert_contract("\n".join(lines), "seeded-mutations")


# --- labels misspelt, NUL bytes, huge lines, several records, empty files -------------------------


def _labelled_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n")) if 0 < line.find(":") < 60]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_label_misspelt(path: Path) -> None:
    """Each ``Label:`` line with its label misspelt (two letters swapped): the record is still read or quarantined."""
    text = TEXTS[path]
    original = parse_source(SourceText("fuzz.txt", "0" * 64, text, "utf-8")).records[0]
    for i in _labelled_lines(text):
        lines = text.split("\n")
        label, _, rest = lines[i].partition(":")
        if len(label) >= 2:
            lines[i] = label[1] + label[0] + label[2:] + ":" + rest
        found = assert_contract("\n".join(lines), "misspelt-labels", (None,))
        assert found <= 1
    assert original.code == path.stem


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_nul_bytes_are_dropped_and_change_nothing(path: Path) -> None:
    data = TEXTS[path].encode("utf-8")
    rng = random.Random(path.name)
    spots = sorted(rng.randrange(len(data)) for _ in range(5))
    dirty = bytearray(data)
    for at in reversed(spots):
        while at > 0 and (dirty[at] & 0xC0) == 0x80:  # not inside a multi-byte character
            at -= 1
        dirty[at:at] = b"\x00"
    CASES["nul-bytes"] += 1
    clean = parse_source(source_from_bytes(data, path.name))
    nul = parse_source(source_from_bytes(bytes(dirty), path.name))
    assert [_content(r) for r in nul.records] == [_content(r) for r in clean.records]
    assert len(nul.quarantined) == len(clean.quarantined)


def _content(record) -> dict:  # type: ignore[no-untyped-def]
    out = record.to_json()
    out.pop("source", None)
    return out


BIG = 10_000_000
#: 10 MB lines: the eura-flattened parser takes ~1 s per MB, so its default case is 1 MB (10 MB with --slow).
HUGE_CASES = [(p, size) for p in SAMPLES + CSV_SEEDS[:1]
              for size in ([BIG // 10] if SEED_LAYOUT[p] == "eura-flattened" else [BIG])]


@pytest.mark.parametrize(("path", "size"), HUGE_CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_a_huge_line_is_read_or_quarantined(path: Path, size: int) -> None:
    lines = TEXTS[path].split("\n")
    for fill in ("x" * size, '"' + "a, " * (size // 3)):
        mutated = lines[:3] + [fill] + lines[3:]
        started = time.monotonic()
        assert_contract("\n".join(mutated), "10mb-lines", (None, SEED_LAYOUT[path]))
        assert time.monotonic() - started < 60


@pytest.mark.slow
@pytest.mark.parametrize("path", SAMPLES + CSV_SEEDS, ids=lambda p: p.name)
def test_slow_ten_megabyte_lines_in_every_layout(path: Path) -> None:
    lines = TEXTS[path].split("\n")
    for at in (0, 1, len(lines) // 2, len(lines)):
        for fill in ("x" * BIG, "1 " * (BIG // 2), "| " * (BIG // 2), "," * BIG):
            assert_contract("\n".join(lines[:at] + [fill] + lines[at:]), "slow-10mb-lines", (None, SEED_LAYOUT[path]))


def test_a_huge_csv_cell_quarantines_its_row_only() -> None:
    """Found by this file: a cell over the csv module's 131072-character limit raised _csv.Error out of the parser."""
    text = TEXTS[CSV_SEEDS[0]]
    header, first, *rest = text.split("\n")
    big = first.replace(",", ',"' + "x" * 200_000 + '",', 1)
    outcome = parse_source(SourceText("big.csv", "0" * 64, "\n".join([header, big, first, *rest]), "utf-8"))
    assert len(outcome.quarantined) == 1 and outcome.quarantined[0].line == 2
    assert "not readable as CSV" in outcome.quarantined[0].message
    assert len(outcome.records) == len(parse_source(SourceText("big.csv", "0" * 64, text, "utf-8")).records)
    # ... and in the header line: the file is refused with our own error, not a crash.
    with pytest.raises(ParseError, match="big.csv"):
        get_parser("projectlist-csv").parse(SourceText("big.csv", "0" * 64, header + ",x" * 70_000 + "y" * 140_000, "utf-8"))


def test_several_records_in_one_file_are_all_read() -> None:
    by_layout: dict[str, list[Path]] = {}
    for p in SAMPLES:
        by_layout.setdefault(SEED_LAYOUT[p] or "", []).append(p)
    for layout, paths in by_layout.items():
        joined = "\n\n".join(TEXTS[p] for p in paths * 2)
        CASES["several-records"] += 1
        outcome = get_parser(layout).parse(SourceText("many.txt", "0" * 64, joined, "utf-8"))
        assert_outcome(outcome, "many.txt")
        assert sorted(r.code for r in outcome.records) == sorted(p.stem for p in paths * 2), layout
    # Records of different layouts glued together: still records or our errors, never a crash.
    assert_contract("\n\n".join(TEXTS[p] for p in SAMPLES), "several-records")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t \n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\x00\x00\x00",
                                  b"\r\n\r\n"], ids=["empty", "blank", "bom8", "bom16", "nuls", "crlf"])
def test_an_empty_file_is_said_to_be_empty(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    CASES["empty-files"] += 1
    with pytest.raises(InputError, match=r"empty\.txt: is empty"):
        parse_file(path)


def test_a_csv_header_alone_is_no_records() -> None:
    header = TEXTS[CSV_SEEDS[0]].split("\n")[0]
    outcome = parse_source(SourceText("h.csv", "0" * 64, header + "\n", "utf-8"))
    assert outcome.records == [] and outcome.quarantined == [] and outcome.units == 0


# --- the command line never prints a traceback ----------------------------------------------------


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "esrgraph"
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_cli_on_garbage_exits_2_without_a_traceback(tmp_path: Path) -> None:
    rng = random.Random(66)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "noise.txt").write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    (tmp_path / "in" / "huge-cell.csv").write_text(TEXTS[CSV_SEEDS[0]].split("\n")[0] + "\n" + "A70001," + "x" * 300_000 + "\n",
                                                  encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    for args in (["parse", "in/noise.txt", "in/huge-cell.csv", "in/empty.txt"], ["build", "in", "-o", "out", "-q"]):
        done = _run(args, tmp_path)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert "empty.txt: is empty" in done.stdout + done.stderr or "empty.txt" in (tmp_path / "out" / "validation-report.json").read_text()


def test_an_internal_error_is_exit_3_with_a_short_message_and_a_hint(tmp_path: Path) -> None:
    """A bug (simulated: the parser module raises) gives exit 3, one line of error and where to report it."""
    script = (
        "import sys, esrgraph.parsers.inputs as p\n"
        "def boom(*a, **k): raise ZeroDivisionError('simulated bug')\n"
        "p.parse_paths = boom\n"
        "from esrgraph.cli import main\n"
        "main(['parse', sys.argv[1]])\n"
    )
    sample = str(SAMPLES[0])
    done = subprocess.run([sys.executable, "-c", script, sample], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "ESRGRAPH_DEBUG"})
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert "internal error: ZeroDivisionError: simulated bug" in done.stderr and "please report it" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 2


def test_a_parser_bug_fails_its_file_not_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The safety net in parse_source: a parser that raises turns into a failed file naming the bug."""
    from esrgraph.parsers import portal_card
    from esrgraph.parsers.inputs import parse_paths

    def broken(self, source):  # type: ignore[no-untyped-def]
        raise KeyError("simulated")

    monkeypatch.setattr(portal_card.PortalCardParser, "parse", broken)
    batch = parse_paths(SAMPLES)
    assert batch.files_read == len(SAMPLES) and len(batch.failed_files) == 1
    failure = batch.failed_files[0]
    assert failure.path == "S20398.txt" and "KeyError" in failure.error.message and "report" in failure.error.message
    assert len(batch.records) == len(SAMPLES) - 1
