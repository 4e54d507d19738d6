"""Where a package's files come from: a directory on disk, or a commit read from git objects.

Both answer the same three questions (which files, their bytes, which contain a string), so the
package index, the camera service and lookups work the same on the working tree and on ``--as-of REV``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from obscal.io.text import read_bytes
from obscal.model.layout import SIDECAR_SUFFIXES, is_calibration_file, sidecar_base
from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.store.git import GitRepo


class Tree(Protocol):
    """Files under a package root, by path relative to it (POSIX form)."""

    def names(self, under: str = "") -> list[str]:
        """Every file below the root (or ``under``), POSIX, sorted."""
        ...

    def read(self, rel: str) -> bytes:
        """The bytes of a file."""
        ...

    def containing(self, needle: bytes, rels: list[str]) -> set[str]:
        """Those of ``rels`` whose bytes contain ``needle``."""
        ...


class WorkTree:
    """Those of ``rels`` containing ``needle``."""

    """The bytes of a file."""
    """Every file below the root (or ``under``), POSIX, sorted."""
    """Files of a directory on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self, under: str = "") -> list[str]:
        """Every file below the root (or below ``under``, a relative directory), hidden ones left out, sorted."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root / under if under else self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = Path(dirpath).relative_to(self.root)
            out.extend((rel / f).as_posix() for f in filenames if not f.startswith("."))
        return sorted(out)

    def read(self, rel: str) -> bytes:
        """The bytes of a file (bounded; raises :class:`~obscal.model.problems.ParseError`)."""
        return read_bytes(self.root / rel)

    def containing(self, needle: bytes, rels: list[str]) -> set[str]:
        """Those of ``rels`` whose bytes contain ``needle``, and those that cannot be read (the caller says why)."""
        out = set()
        for rel in rels:
            try:
                if needle in self.read(rel):
                    out.add(rel)
            except ParseError:
                out.add(rel)
        return out


class GitTree:
    """Files of a directory as they are in a commit, read from git objects (no checkout)."""

    def __init__(self, repo: GitRepo, commit: str, prefix: str) -> None:
        self.repo, self.commit, self.prefix = repo, commit, prefix.strip("/")
        self._blobs = repo.blobs(commit, self.prefix)

    def names(self, under: str = "") -> list[str]:
        """Every file of the commit below the prefix (or below ``under`` in it), hidden ones left out, sorted."""
        return sorted(
            r for r in self._blobs if r.startswith(under) and not any(p.startswith(".") for p in r.split("/"))
        )

    def read(self, rel: str) -> bytes:
        """The bytes of a file at the commit."""
        return self.repo.read_blob(self._blobs[rel])

    def containing(self, needle: bytes, rels: list[str]) -> set[str]:
        """Those of ``rels`` whose bytes contain ``needle`` (one ``git grep``)."""
        wanted = set(rels)
        return {r for r in self.repo.grep(self.commit, self.prefix, needle) if r in wanted}


def discover(paths: Iterable[Path], refused: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """Every calibration file under ``paths``, each once, in sorted order.

    Files are taken as given, except sidecars (provenance, deprecation), which stand for the calibration
    beside them: a changed sidecar changes what its calibration means, so that is what gets checked.
    Directories that cannot be read, and links to directories (never followed), go to ``refused``
    with the reason, so that nothing is skipped in silence.
    """
    refused = refused if refused is not None else []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found = []

            def unreadable(exc: OSError, top: Path = path) -> None:
                refused.append((Path(exc.filename or top), f"cannot read the directory: {exc.strerror or exc}"))

            for dirpath, dirnames, filenames in os.walk(path, onerror=unreadable):
                for name in sorted(d for d in dirnames if not d.startswith(".")):
                    if Path(dirpath, name).is_symlink():
                        refused.append((Path(dirpath, name), "a symbolic link to a directory: not followed"))
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not Path(dirpath, d).is_symlink())
                found.extend(Path(dirpath, f) for f in filenames if is_calibration_file(f))
            batch = sorted(found)
        elif path.name.endswith(SIDECAR_SUFFIXES):
            stem = sidecar_base(path.name)
            batch = sorted(p for p in path.parent.glob(f"{stem}.*") if is_calibration_file(p.name))
        else:
            batch = [path]
        for item in batch:
            if item not in seen:
                seen.add(item)
                yield item


def link_problem(path: Path, root: Path) -> str | None:
    """Why a calibration reached through a symbolic link cannot be used (None when it is no link, or a safe one).

    A link may point at another file of the package; one that loops, dangles or leaves the package is
    refused: what it reads can change without any commit of the package.
    """
    if not os.path.islink(path) and not _linked_below(os.path.dirname(os.path.abspath(path)), str(root.absolute())):
        return None
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "a loop of symbolic links"
    except OSError as exc:
        return f"a symbolic link that cannot be followed ({exc.strerror or exc})"
    if not _within(target, root.resolve()):
        return f"a symbolic link to {target}, outside the package: its content is not part of the package"
    return None


@functools.lru_cache(maxsize=4096)
def _linked_below(directory: str, root: str) -> bool:
    """Whether ``directory`` or one of its parents up to ``root`` is a symbolic link (cached per directory)."""
    if len(directory) <= len(root) or not directory.startswith(root):
        return False
    return os.path.islink(directory) or _linked_below(os.path.dirname(directory), root)


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
