"""scratch.py: removal never recurses or follows links; a dead worker's folders are repaired."""

from __future__ import annotations

import os
from pathlib import Path

from quizapp.core.execution import scratch


def deep_tree(root: Path, depth: int) -> None:
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _i in range(depth):
        (Path(f"/proc/self/fd/{fd}") / "f").write_text("x")
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)


def test_a_tree_deeper_than_the_recursion_limit_is_removed(tmp_path: Path) -> None:
    deep_tree(tmp_path / "card", 3000)
    scratch.remove_tree(tmp_path / "card")
    assert not (tmp_path / "card").exists()


def test_links_are_removed_not_followed(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious").write_text("x")
    card = tmp_path / "card"
    card.mkdir()
    (card / "link").symlink_to(keep)
    (card / "sub").mkdir()
    (card / "sub" / "link").symlink_to(keep / "precious")
    scratch.remove_tree(card)
    assert not card.exists() and (keep / "precious").read_text() == "x"


def test_unwritable_folders_are_removed_too(tmp_path: Path) -> None:
    card = tmp_path / "card"
    (card / "a" / "b").mkdir(parents=True)
    (card / "a" / "b" / "f").write_text("x")
    (card / "a").chmod(0o500)
    scratch.remove_tree(card)
    assert not card.exists()


def test_repair_removes_only_dead_workers_folders(tmp_path: Path) -> None:
    deep_tree(tmp_path / "worker-111", 50)
    (tmp_path / "worker-222").mkdir()
    (tmp_path / "other").mkdir()
    scratch.repair(tmp_path, alive=lambda pid: pid == 222)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "worker-222"]


def test_a_plain_folder_scratch_says_it_has_no_quota(tmp_path: Path) -> None:
    space = scratch.Scratch(tmp_path / "w", mounts=False)
    folder = space.make("card-1")
    (folder / "x").write_text("1")
    space.remove(folder)
    assert not folder.exists() and any("no total quota" in m for m in space.missing)
