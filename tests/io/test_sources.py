"""Finding input files in folders (esrgraph.sources.iter_input_files)."""

from __future__ import annotations

from pathlib import Path

from esrgraph.io.sources import INPUT_SUFFIXES, iter_input_files


def test_a_folder_walk_finds_the_input_files_in_path_order_with_names_below_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "in"
    for rel in ("b.txt", "a/z.csv", "a.b/x.TXT", "a-b/y.tsv", "A/q.text", "a/deep/er/w.txt", "skip.pdf", ".txt",
                "a/notes.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    (root / "link.txt").symlink_to(outside)  # a linked file is read, named by its place in the folder
    (root / "linked-dir").symlink_to(root / "a", target_is_directory=True)  # a linked folder is not walked

    found = list(iter_input_files([root]))

    assert [shown for _, shown in found] == [
        "in/A/q.text", "in/a/deep/er/w.txt", "in/a/z.csv", "in/a-b/y.tsv", "in/a.b/x.TXT", "in/b.txt", "in/link.txt",
    ]
    assert [p for p, _ in found] == [root / s.removeprefix("in/") for _, s in found]
    # the same files in the same order as the pathlib walk it replaced
    assert [p for p, _ in found] == sorted(p for p in root.rglob("*")
                                           if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)


def test_a_named_file_is_taken_whatever_its_suffix_and_named_by_its_own_name(tmp_path: Path) -> None:
    odd = tmp_path / "records.dat"
    odd.write_text("x", encoding="utf-8")
    assert list(iter_input_files([odd])) == [(odd, "records.dat")]
