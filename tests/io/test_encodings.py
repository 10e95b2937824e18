"""Encodings and typography: every sample re-encoded or re-typeset reads to the same record (issue 6, part 2).

Each variant is made here from the five samples (no binary fixtures): UTF-8 with and without BOM,
UTF-16 LE/BE with and without BOM, Windows-1252, Latin-1, CRLF and CR line ends, no-break, thin and
narrow no-break spaces as thousand separators, en dashes, em dashes and hyphens in date ranges, tabs
after labels and at line ends. A variant must give the same record JSON as the UTF-8 original, except
the source block (its SHA-256 is of other bytes). A wrong ``--encoding`` is refused with a message that
names the fix.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from esrgraph.core.errors import InputError
from esrgraph.io.sources import decode_bytes, source_from_bytes
from esrgraph.parsers.inputs import parse_file, parse_source
from repo_paths import REPO

SAMPLES = sorted((REPO / "data" / "samples").glob("*.txt"))
CSV = REPO / "tests" / "data" / "projectlist-csv" / "period-2014-2020.csv"
SEEDS = SAMPLES + [CSV]
#: Characters of the samples that Latin-1 has no byte for, and what a Latin-1 export would hold instead.
NOT_LATIN1 = {"–": "-", "—": "-", "€": "EUR", "’": "'", "”": '"', "“": '"'}


def records_json(data: bytes, encoding: str | None = None) -> list[dict]:
    outcome = parse_source(source_from_bytes(data, "variant.txt", encoding))
    assert not outcome.quarantined
    out = []
    for record in outcome.records:
        doc = record.to_json()
        doc.pop("source")
        out.append(doc)
    assert out
    return out


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


ENCODED: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-le-bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "cp1252": lambda t: t.encode("cp1252"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "cr": lambda t: t.replace("\n", "\r").encode("utf-8"),
    "cp1252-crlf": lambda t: t.replace("\n", "\r\n").encode("cp1252"),
    "utf-16-crlf": lambda t: t.replace("\n", "\r\n").encode("utf-16"),
}


@pytest.mark.parametrize("variant", sorted(ENCODED))
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_reencoded_sample_reads_the_same(path: Path, variant: str) -> None:
    """Found by this test: UTF-16 big-endian without a BOM was read as little-endian (garbage, then no layout)."""
    text = text_of(path)
    assert records_json(ENCODED[variant](text)) == records_json(text.encode("utf-8"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_latin1_detected_and_named(path: Path) -> None:
    text = text_of(path)
    for char, stand_in in NOT_LATIN1.items():
        text = text.replace(char, stand_in)
    expected = records_json(text.encode("utf-8"))
    data = text.encode("latin-1")
    assert records_json(data) == expected
    assert records_json(data, "latin-1") == expected
    assert records_json(data, "iso-8859-1") == expected


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_cp1252_named(path: Path) -> None:
    text = text_of(path)
    assert records_json(text.encode("cp1252"), "cp1252") == records_json(text.encode("utf-8"))
    assert records_json(text.encode("utf-16-be"), "utf-16-be") == records_json(text.encode("utf-8"))


AMOUNT_LINE = re.compile(r"(?m)^([^:\n]*rahoitus[^:\n]*: ?)([\d ]+)$")


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f"], ids=["no-break", "thin", "narrow-no-break"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_typographic_spaces_as_thousand_separators(path: Path, space: str) -> None:
    text = text_of(path)
    variant, count = AMOUNT_LINE.subn(lambda m: m.group(1) + m.group(2).replace(" ", space), text)
    if not count:
        pytest.skip(f"{path.name} has no amounts with thousand separators")
    assert records_json(variant.encode("utf-8")) == records_json(text.encode("utf-8"))


def test_typographic_spaces_in_csv_amounts() -> None:
    """Found by this test: the CSV layout read no-break but not thin (U+2009) or figure (U+2007) spaces in amounts."""
    header, *rows = text_of(REPO / "tests" / "data" / "projectlist-csv" / "semicolon.csv").split("\n")
    text = "\n".join([header, *rows])
    assert re.search(r"\d \d{3}", text), "the semicolon list has spaced amounts"
    for space in ("\u00a0", "\u2009", "\u202f", "\u2007"):
        variant = re.sub(r"(\d) (\d{3})", lambda m, s=space: m.group(1) + s + m.group(2), text)
        assert records_json(variant.encode("utf-8")) == records_json(text.encode("utf-8"))


@pytest.mark.parametrize("dash", [" – ", " — ", " - ", "–", "—", "-", "\u2009–\u2009"],
                         ids=["en", "em", "hyphen", "en-tight", "em-tight", "hyphen-tight", "en-thin"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_dashes_in_date_ranges(path: Path, dash: str) -> None:
    text = text_of(path)
    variant = re.sub(r"(\d{4}) – (\d)", lambda m: m.group(1) + dash + m.group(2), text)
    variant = re.sub(r"Alkaa (\S+) ja päättyy (\S+)", lambda m: m.group(1) + dash + m.group(2), variant)
    if variant == text:
        pytest.skip(f"{path.name} writes no date range")
    assert records_json(variant.encode("utf-8")) == records_json(text.encode("utf-8"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_tabs_after_labels_and_at_line_ends(path: Path) -> None:
    text = text_of(path)
    after_labels = re.sub(r"(?m)^([^:\n\s]+(?: [^:\n\s]+){0,3}):[ ](?=.{0,60}$)", lambda m: m.group(1) + ":\t", text)
    assert after_labels != text
    line_ends = re.sub(r"(?m)$", "\t", text)
    expected = records_json(text.encode("utf-8"))
    assert records_json(after_labels.encode("utf-8")) == expected
    assert records_json(line_ends.encode("utf-8")) == expected


def test_tab_separated_project_list() -> None:
    text = text_of(CSV)
    lines = text.split("\n")
    tsv = "\n".join([lines[0].replace(",", "\t")] + lines[1:])
    # Only the header is re-typeset: rows keep their commas, so the delimiter is decided by the header.
    outcome = parse_source(source_from_bytes(tsv.encode("utf-8"), "tabs.csv"))
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)


# --- naming the encoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(("made_as", "named", "says"), [
    ("utf-8", "latin-1", "--encoding utf-8"),
    ("utf-8", "cp1252", "--encoding utf-8"),
    ("utf-8", "utf-16", "--encoding utf-8"),
    ("utf-8", "ascii", "--encoding utf-8"),
    ("utf-16-le", "cp1252", "--encoding utf-16"),
    ("utf-16", "utf-8", "--encoding utf-16"),
    ("cp1252", "utf-8", "leave out --encoding"),
    ("cp1252", "utf-16-le", "--encoding cp1252"),
])
def test_a_wrong_encoding_is_refused_with_the_fix(made_as: str, named: str, says: str) -> None:
    """Found by this test: --encoding latin-1 on a UTF-8 file silently wrote 'TyÃ¶llisyys' into the graph,
    and --encoding utf-16 on a UTF-8 file ended in 'not in a layout esrgraph knows'."""
    data = text_of(SAMPLES[2]).encode(made_as)
    with pytest.raises(InputError, match=re.escape(says)) as caught:
        decode_bytes(data, "S21093.txt", named)
    assert "S21093.txt" in str(caught.value)


def test_an_unknown_encoding_names_the_choices() -> None:
    with pytest.raises(InputError, match="unknown encoding 'utf-42'.*try utf-8, utf-16, cp1252 or latin-1"):
        decode_bytes(b"x", "f.txt", "utf-42")


def test_a_utf8_bom_before_other_bytes_is_our_error() -> None:
    """Found by test_fuzz_parsers: a UTF-8 BOM followed by a non-UTF-8 byte raised UnicodeDecodeError out of the build."""
    with pytest.raises(InputError, match=r"f\.txt: has a UTF-8 byte-order mark but byte 5 is not UTF-8.*re-save"):
        decode_bytes(codecs.BOM_UTF8 + b"ab\x80", "f.txt")


def test_cli_wrong_encoding_exit_2_and_the_fix(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "esrgraph"
    done = subprocess.run([str(exe), "parse", "--encoding", "latin-1", str(SAMPLES[2])], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "looks like utf-8, not latin-1" in done.stderr and "--encoding utf-8" in done.stderr
    assert "Traceback" not in done.stderr
    # The same file re-encoded as cp1252 reads with --encoding cp1252 and without.
    cp = tmp_path / "S21093.txt"
    cp.write_bytes(text_of(SAMPLES[2]).encode("cp1252"))
    named = subprocess.run([str(exe), "parse", "--encoding", "cp1252", str(cp)], capture_output=True, text=True, timeout=120)
    detected = subprocess.run([str(exe), "parse", str(cp)], capture_output=True, text=True, timeout=120)
    assert named.returncode == detected.returncode == 0 and named.stdout == detected.stdout
    assert '"name": "Mahdollisuudet todeksi"' in named.stdout and "Työllisyys" in named.stdout


def test_parse_file_reports_the_encoding_used(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes(text_of(SAMPLES[0]).encode("utf-16-be"))
    assert parse_file(path).records[0].code == SAMPLES[0].stem
    assert source_from_bytes(path.read_bytes(), "u16.txt").encoding == "utf-16-be"
