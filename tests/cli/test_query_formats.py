"""``esrgraph query --format parquet`` and ``-o/--output``: binary answers go to files only, writes are atomic,
and faults are exit 2 with a message naming the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from esrgraph.cli import main

pq = pytest.importorskip("pyarrow.parquet", reason="the research extra (pyarrow) is not installed")


def call(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsysbinary.readouterr()
    return int(exit_info.value.code or 0), out, err.decode("utf-8")


@pytest.mark.parametrize("output", [None, "-"])
def test_parquet_refuses_standard_output(sample_out: Path, capsysbinary, output: str | None) -> None:
    args = ["query", str(sample_out), "-n", "funding-by-fund", "--format", "parquet"]
    code, out, err = call(capsysbinary, *args, *(["-o", output] if output else []))
    assert code == 2
    assert out == b""  # not a byte of Parquet on the terminal
    assert "--output FILE" in err and "binary" in err


def test_parquet_refusal_comes_before_loading_the_graph(tmp_path: Path, capsysbinary) -> None:
    code, _, err = call(capsysbinary, "query", str(tmp_path / "missing"), "-n", "funding-by-fund",
                        "--format", "parquet")
    assert code == 2 and "--output FILE" in err


def test_parquet_to_a_file(sample_out: Path, tmp_path: Path, capsysbinary) -> None:
    target = tmp_path / "new" / "fund.parquet"
    code, out, err = call(capsysbinary, "query", str(sample_out), "-n", "funding-by-fund", "--format", "parquet",
                          "-o", str(target))
    assert (code, out) == (0, b""), err
    table = pq.read_table(target)
    assert table.column("fundCode").to_pylist() == ["ESR"]
    assert table.column("projects").to_pylist() == [5]
    assert [str(v) for v in table.column("grantedTotal").to_pylist()] == ["797931"]
    assert os.listdir(target.parent) == ["fund.parquet"]  # no temporary file left beside it


def test_parquet_of_the_same_query_is_the_same_bytes(sample_out: Path, tmp_path: Path, capsysbinary) -> None:
    paths = [tmp_path / "1.parquet", tmp_path / "2.parquet"]
    for path in paths:
        code, _, err = call(capsysbinary, "query", str(sample_out), "-n", "largest-beneficiaries",
                            "--format", "parquet", "--output", str(path))
        assert code == 0, err
    assert paths[0].read_bytes() == paths[1].read_bytes()


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_output_writes_what_standard_output_would_show(sample_out: Path, tmp_path: Path, capsysbinary,
                                                       fmt: str) -> None:
    args = ["query", str(sample_out), "-n", "funding-by-region", "--format", fmt]
    code, printed, err = call(capsysbinary, *args)
    assert code == 0, err
    target = tmp_path / f"answer.{fmt}"
    code, out, err = call(capsysbinary, *args, "-o", str(target))
    assert (code, out) == (0, b""), err
    assert target.read_bytes() == printed and b"Keski-Suomi" in printed


def test_output_replaces_an_old_file_whole(sample_out: Path, tmp_path: Path, capsysbinary) -> None:
    target = tmp_path / "answer.csv"
    target.write_text("old content that is longer than the answer\n" * 100, encoding="utf-8")
    code, _, err = call(capsysbinary, "query", str(sample_out), "-e", "ASK { ?s ?p ?o }", "--format", "csv",
                        "-o", str(target))
    assert code == 0, err
    assert target.read_bytes() == b"_askResult\r\ntrue\r\n"


def test_output_dash_is_standard_output(sample_out: Path, capsysbinary) -> None:
    code, out, err = call(capsysbinary, "query", str(sample_out), "-e", "ASK { ?s ?p ?o }", "-o", "-")
    assert (code, out) == (0, b"true\n"), err


def test_output_to_a_folder_is_a_user_fault_naming_it(sample_out: Path, tmp_path: Path, capsysbinary) -> None:
    for fmt in ("csv", "parquet"):
        code, _, err = call(capsysbinary, "query", str(sample_out), "-n", "funding-by-fund", "--format", fmt,
                            "-o", str(tmp_path))
        assert code == 2, err
        assert str(tmp_path) in err and "not a file" in err
        assert "Traceback" not in err


def test_parquet_of_a_missing_graph_names_it(tmp_path: Path, capsysbinary) -> None:
    code, _, err = call(capsysbinary, "query", str(tmp_path / "nowhere.ttl"), "-n", "funding-by-fund",
                        "--format", "parquet", "-o", str(tmp_path / "a.parquet"))
    assert code == 2 and "nowhere.ttl" in err
    assert not (tmp_path / "a.parquet").exists()


def test_a_bad_query_writes_no_file(sample_out: Path, tmp_path: Path, capsysbinary) -> None:
    target = tmp_path / "a.parquet"
    code, _, err = call(capsysbinary, "query", str(sample_out), "-e", "SELECT nonsense", "--format", "parquet",
                        "-o", str(target))
    assert code == 2 and "not valid SPARQL" in err
    assert not target.exists()


def test_parquet_without_pyarrow_names_the_extra(sample_out: Path, tmp_path: Path) -> None:
    """In a fresh interpreter, with pyarrow made unimportable: exit 2 and the install command."""
    script = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
              "from esrgraph.cli import main\n"
              f"main(['query', {str(sample_out)!r}, '-n', 'funding-by-fund', '--format', 'parquet', "
              f"'-o', {str(tmp_path / 'a.parquet')!r}])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "pip install 'esrgraph[research]'" in done.stderr and "pyarrow" in done.stderr
