"""Each card's scratch folder: made with a quota, removed without recursion, repaired at start.

Where the worker has a private mount namespace (root, or unprivileged user namespaces), each card's
folder is its own small tmpfs: ``size`` and ``nr_inodes`` give it a quota in bytes and in files that
the kernel enforces (a write past it fails with ENOSPC), and removing it is one ``umount`` whatever
the card left inside. Elsewhere it is a plain folder: the quota is then only ``RLIMIT_FSIZE`` per file,
and :func:`remove_tree` deletes it.

:func:`remove_tree` never recurses and never follows symbolic links, so a card that builds a folder
tree thousands of levels deep cannot break the cleanup (``shutil.rmtree`` hits Python's recursion
limit on it), and :func:`repair` removes what a killed worker left behind before a new worker starts.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Callable
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)

# A card's quota: total bytes and files (folders count as files) in its scratch folder.
QUOTA_BYTES = 64 * 1024 * 1024
QUOTA_FILES = 2048
_MNT_DETACH = 2
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8


class Scratch:
    """Makes and removes the scratch folders of one worker, below ``base``."""

    def __init__(self, base: Path, *, mounts: bool) -> None:
        self.base = base
        self.base.mkdir(parents=True, exist_ok=True)
        # Whether folders are tmpfs mounts; the first failed mount turns it off for good.
        self.mounts = mounts
        self.missing: list[str] = []
        if not mounts:
            self._no_quota("no private mount namespace (needs root or unprivileged user namespaces)")

    def make(self, name: str) -> Path:
        folder = self.base / name
        folder.mkdir(mode=0o700)
        if self.mounts:
            options = f"size={QUOTA_BYTES},nr_inodes={QUOTA_FILES},mode=0700,uid={os.getuid()},gid={os.getgid()}"
            if _libc.mount(b"quizapp-scratch", os.fsencode(folder), b"tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                           options.encode()) != 0:
                self.mounts = False
                self._no_quota(f"tmpfs could not be mounted (errno {ctypes.get_errno()})")
        return folder

    def remove(self, folder: Path) -> None:
        """Remove a card's folder and everything in it; never raises."""
        if self.mounts:
            _libc.umount2(os.fsencode(folder), _MNT_DETACH)
        remove_tree(folder)

    def remove_all(self) -> None:
        for entry in _entries(self.base):
            self.remove(self.base / entry)
        remove_tree(self.base)

    def _no_quota(self, why: str) -> None:
        self.missing.append(f"{why}: scratch folders have no total quota, only 16 MB per file")


def remove_tree(path: Path) -> None:
    """Delete ``path`` and everything beneath it, iteratively; never raises, never follows links.

    Each sub-folder is first moved up to sit directly beneath ``path`` (a rename within one file
    system), so however deep the tree, no path grows long and at most one folder is open at a time.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        _quietly(os.unlink, path)
        return
    _quietly(os.chmod, path, 0o700)
    counter = 0
    pending = [path]
    while pending:
        folder = pending[-1]
        names = _entries(folder)
        if not names:
            _quietly(os.rmdir, folder)
            pending.pop()
            continue
        progressed = False
        for name in names:
            child = folder / name
            try:
                is_dir = stat.S_ISDIR(os.lstat(child).st_mode)
            except OSError:
                continue
            if not is_dir:
                progressed |= _quietly(os.unlink, child)
                continue
            _quietly(os.chmod, child, 0o700)  # a card may have made it unwritable
            if folder == path:
                pending.append(child)
                progressed = True
                break
            counter += 1
            lifted = path / f".lifted-{counter}"
            progressed |= _quietly(os.rename, child, lifted)
        if not progressed:  # nothing more can be removed here (permissions): leave it, do not spin
            pending.pop()


def repair(root: Path, alive: Callable[[int], bool]) -> None:
    """Remove the scratch folders of workers that are gone (killed, crashed) below ``root``."""
    for name in _entries(root):
        if not name.startswith("worker-"):
            continue
        try:
            pid = int(name.split("-", 1)[1])
        except ValueError:
            continue
        if not alive(pid):
            remove_tree(root / name)


def _entries(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as it:
            return [entry.name for entry in it]
    except OSError:
        return []


def _quietly(action, *args) -> bool:  # type: ignore[no-untyped-def]
    try:
        action(*args)
        return True
    except OSError:
        return False
