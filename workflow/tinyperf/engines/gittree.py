"""The git tree hash of a folder, computed from its files alone (no git needed): the identity of a pinned commit's
tree. A GitHub archive of a commit, or `git archive` of it, extracts to a folder with exactly that hash, whatever
the archive's bytes (compression level, timestamps), so it verifies sources whose archives have no stable
checksum."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def _object(kind: bytes, body: bytes) -> bytes:
    return hashlib.sha1(kind + b" " + str(len(body)).encode() + b"\0" + body, usedforsecurity=False).digest()


def _blob(path: Path) -> tuple[bytes, bytes]:
    """(mode, object id) of one file: a symlink's blob is its target, an executable's mode 100755."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return b"120000", _object(b"blob", os.readlink(path).encode())
    mode = b"100755" if st.st_mode & stat.S_IXUSR else b"100644"
    return mode, _object(b"blob", path.read_bytes())


def _tree(folder: Path) -> bytes | None:
    entries: list[tuple[bytes, bytes, bytes]] = []  # (sort key, mode + name, id)
    for child in folder.iterdir():
        name = child.name.encode()
        if child.is_dir() and not child.is_symlink():
            sub = _tree(child)
            if sub is not None:  # git has no empty trees
                entries.append((name + b"/", b"40000 " + name, sub))
        else:
            mode, oid = _blob(child)
            entries.append((name, mode + b" " + name, oid))
    if not entries:
        return None
    body = b"".join(head + b"\0" + oid for _, head, oid in sorted(entries))
    return _object(b"tree", body)


def tree_hash(folder: str | Path) -> str:
    """The hex id git gives the tree of *folder*'s contents."""
    oid = _tree(Path(folder))
    return (oid or _object(b"tree", b"")).hex()
