"""Faults of the machine, not of esrgraph: a full disk, a read-only or forbidden folder, a file where a
folder must be, a linked release folder, a missing query file, a download base that is no URL. Each is
exit 2 with a message that names the path and the fix (never exit 3, "this is a bug"), and the last good
build is left as it was. Real faults where the machine allows them (a small tmpfs, a read-only mount,
another user), skipped with the reason where it does not.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from esrgraph.cli import main
from esrgraph.core.errors import EnvironmentFault, environment_fault


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def good_out(sample_out: Path, tmp_path: Path) -> Path:
    """An earlier good build, to be left as it was."""
    out = tmp_path / "out"
    shutil.copytree(sample_out, out)
    return out


def assert_user_fault(code: int, err: str, *names: str) -> None:
    assert code == 2, err
    assert "error: " in err and "internal error" not in err and "bug" not in err, err
    for name in names:
        assert name in err, (name, err)


# ------------------------------------------------------------------ -o naming a file or lying under one


def test_out_naming_a_file_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    code, _, err = call(capsys, "build", "-q", "-o", str(target))
    assert_user_fault(code, err, str(target), "is a file, not a folder", "give -o a folder")
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_out_under_a_file_names_the_file(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine\n", encoding="utf-8")
    code, _, err = call(capsys, "build", "-q", "-o", str(blocker / "sub" / "out"))
    assert_user_fault(code, err, f"{blocker}: is a file, not a folder")


def test_out_as_a_dangling_link_is_named(tmp_path: Path, capsys) -> None:
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone")
    code, _, err = call(capsys, "build", "-q", "-o", str(link))
    assert_user_fault(code, err, str(link), "symbolic link to nothing")


def test_write_outputs_refuses_a_file_as_out_with_the_library_error(sample_build, tmp_path: Path) -> None:
    from esrgraph.outputs import write_outputs

    target = tmp_path / "file"
    target.write_bytes(b"x")
    with pytest.raises(EnvironmentFault) as info:
        write_outputs(sample_build, target)
    assert info.value.path == str(target) and info.value.exit_code == 2


# ------------------------------------------------------------------ linked OUT/release, OUT/quarantine


@pytest.mark.parametrize("linked", ["release", "quarantine", "releases/2025-01"])
def test_a_linked_folder_a_build_replaces_is_refused_and_left_alone(good_out: Path, tmp_path: Path, capsys,
                                                                   linked: str) -> None:
    """A release is swapped in by renames, which move a link rather than write where it points: today the
    first build moved the link aside and every later one failed on it. Refused, naming the link."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("theirs\n", encoding="utf-8")
    link = good_out / linked
    if link.exists():
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    before = files_of(good_out)
    args = ["build", "-q", "-o", str(good_out)] + (["--release", "2025-01"] if linked.startswith("releases/") else [])
    for _ in range(2):  # the same answer every time, not a moved link and then a failure
        code, _, err = call(capsys, *args)
        assert_user_fault(code, err, f"{link}: is a symbolic link", "remove the link")
        assert link.is_symlink() and (elsewhere / "keep.txt").read_text(encoding="utf-8") == "theirs\n"
        assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert files_of(good_out) == before
    link.unlink()  # the fix the message names
    code, _, err = call(capsys, *args)
    assert code == 0, err


def test_a_release_link_moved_aside_by_an_earlier_version_is_removed_not_followed(good_out: Path, tmp_path: Path,
                                                                                capsys) -> None:
    """esrgraph before this fix renamed a linked OUT/release to OUT/.release.old.tmp and then could not
    remove it (every later build ended in exit 3). Now the stale link goes, what it points to stays."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("theirs\n", encoding="utf-8")
    (good_out / ".release.old.tmp").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = call(capsys, "build", "-q", "-o", str(good_out))
    assert code == 0, err
    assert not (good_out / ".release.old.tmp").is_symlink()
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "theirs\n"
    assert (good_out / "release" / "catalog.ttl").is_file()


# ------------------------------------------------------------------ query file, download base


def test_a_missing_query_file_is_named(sample_out: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing.rq"
    code, _, err = call(capsys, "query", str(sample_out), str(missing))
    assert_user_fault(code, err, f"{missing}: query file not found", "-e SPARQL or --name NAME")
    code, _, err = call(capsys, "query", str(sample_out), str(tmp_path))
    assert_user_fault(code, err, f"{tmp_path}: is a folder, not a query file")
    latin1 = tmp_path / "latin1.rq"
    latin1.write_bytes("SELECT * { ?s ?p \"\xe4\" }".encode("latin-1"))
    code, _, err = call(capsys, "query", str(sample_out), str(latin1))
    assert_user_fault(code, err, f"{latin1}: not UTF-8 text")


@pytest.mark.parametrize("url", ['http://x/"', "ftp://example.org/esr/", "data/esr/", "http://x/a b/",
                                 "https://example.org/?a=1", "http://x/%ZZ/", "http://x:port/", "http://[::1/"])
def test_a_download_base_that_is_no_absolute_http_url_is_refused_before_writing(good_out: Path, capsys,
                                                                                url: str) -> None:
    before = files_of(good_out)
    code, _, err = call(capsys, "build", "-q", "-o", str(good_out), "--download-base", url)
    assert_user_fault(code, err, f"--download-base {url!r}", "absolute http(s) URL", "https://PUBLISHER-HOST/esrgraph/download/")
    assert files_of(good_out) == before


def test_a_good_download_base_reaches_the_catalogue(tmp_path: Path, capsys) -> None:
    code, _, err = call(capsys, "build", "-q", "-o", str(tmp_path / "out"), "--download-base",
                        "https://data.example.org/esr")
    assert code == 0, err
    assert "<https://data.example.org/esr/release/esrgraph.ttl>" in (
        tmp_path / "out" / "release" / "catalog.ttl").read_text(encoding="utf-8")


# ------------------------------------------------------------------ full disk, read-only, forbidden


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs of a given size (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("a real full disk or read-only file system needs a tmpfs mount, which needs root "
                        "(chmod binds no root, and no one else can fill a disk safely)")
        folder = tmp_path / f"fs{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_names_the_file_and_the_fix(small_fs, sample_out: Path, capsys) -> None:
    disk = small_fs("64k")
    out = disk / "out"
    code, _, err = call(capsys, "build", "-q", "-o", str(out))
    assert_user_fault(code, err, f"{out}/", "no space left on the device", "another -o folder")
    assert ".tmp" not in err  # the file the user asked for, not esrgraph's hidden temporary one
    assert not [p for p in disk.rglob("*.tmp")]  # no half-written temporary file left to fill the disk


def test_a_full_disk_keeps_the_last_good_build(small_fs, sample_out: Path, capsys) -> None:
    disk = small_fs("16m")
    out = disk / "out"
    shutil.copytree(sample_out, out)
    before = files_of(out)
    filler = disk / "filler"
    # fill what is left; unbuffered, so closing the file has nothing left to write onto the full disk
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    code, _, err = call(capsys, "build", "-q", "-o", str(out))
    assert_user_fault(code, err, str(out), "no space left on the device")
    assert files_of(out) == before


def test_a_read_only_output_folder_is_named_and_left_alone(small_fs, sample_out: Path, capsys) -> None:
    disk = small_fs("16m")
    out = disk / "out"
    shutil.copytree(sample_out, out)
    before = files_of(out)
    done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only: {done.stderr.strip()}")
    code, _, err = call(capsys, "build", "-q", "-o", str(out))
    assert_user_fault(code, err, f"{out}: read-only file system", "remount it read-write")
    code, _, err = call(capsys, "build", "-q", "-o", str(disk / "new" / "out"))
    assert_user_fault(code, err, f"{disk}: read-only file system")
    assert files_of(out) == before


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Make a folder one may not write to: chmod 0555 binds everyone but root; root is bound by the
    immutable attribute (chattr +i, on file systems that have it). Undone afterwards."""
    made: list[Path] = []

    def forbid(folder: Path) -> None:
        if os.geteuid() != 0:
            folder.chmod(0o555)
        else:
            done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"root ignores chmod, and chattr +i failed here: {done.stderr.strip()}")
        made.append(folder)

    yield forbid
    for folder in reversed(made):
        if os.geteuid() != 0:
            folder.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", str(folder)], check=False)


def test_a_folder_one_may_not_write_is_named(unwritable, sample_out: Path, tmp_path: Path, capsys) -> None:
    shared = tmp_path / "shared"
    out = shared / "out"
    shutil.copytree(sample_out, out)
    before = files_of(out)
    unwritable(out)
    unwritable(shared)
    code, _, err = call(capsys, "build", "-q", "-o", str(out))
    assert_user_fault(code, err, f"{out}: no permission to write here", "change its permissions")
    code, _, err = call(capsys, "build", "-q", "-o", str(shared / "new"))
    assert_user_fault(code, err, f"{shared}: no permission to write here")
    assert files_of(out) == before


# ------------------------------------------------------------------ a sharded build's work folder on a full disk


def test_a_full_temporary_folder_in_a_sharded_build_names_the_work_folder(small_fs, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from benchmarks.generate import write_corpus

    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions

    disk = small_fs("256k")
    write_corpus(tmp_path / "in", 60, seed=5)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))  # what TMPDIR sets, read once per process
    with pytest.raises(OSError) as info:
        build([tmp_path / "in"], BuildOptions(shards=2, workers=2))
    fault = environment_fault(info.value)
    assert fault is not None and fault.exit_code == 2
    assert str(fault).startswith(f"{disk}/esrgraph-shards-"), fault
    assert "no space left on the device" in str(fault) and "TMPDIR" in str(fault)


# ------------------------------------------------------------------ what is a user's fault and what is a bug


def test_only_faults_of_the_environment_become_user_faults() -> None:
    full = environment_fault(OSError(errno.ENOSPC, "No space left on device"))
    assert full is not None and full.path is None and "no space left" in str(full)
    named = environment_fault(OSError(errno.EROFS, "Read-only file system", "/srv/out/esrgraph.ttl"))
    assert named is not None and str(named).startswith("/srv/out/esrgraph.ttl: read-only file system (")
    moved = environment_fault(OSError(errno.EACCES, "Permission denied", "/srv/a", None, "/srv/b"))
    assert moved is not None and moved.path == "/srv/a -> /srv/b"
    assert environment_fault(OSError(errno.EBADF, "Bad file descriptor", "x")) is None  # ours: a bug
    assert environment_fault(OSError(errno.ENOENT, "No such file or directory")) is None  # no path: a bug
    assert environment_fault(OSError("Cannot call rmtree on a symbolic link")) is None
