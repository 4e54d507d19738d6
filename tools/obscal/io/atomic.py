"""Writing so that output appears whole or not at all: one file, a set of files, or a directory tree.

* :func:`write_bytes` / :func:`write_text`: a temporary file in the target's directory, renamed into place.
* :func:`write_all`: several files that belong together (a calibration and its sidecar, or re-pointed
  records): all staged first, then renamed in; a failure removes what was already moved.
* :class:`Staging`: a whole output tree built in a hidden directory inside the output directory and
  moved into place file by file only when every file was written.

Nothing is ever written outside the directory a caller names: relative paths with ``..`` or an
absolute path are refused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from obscal.model.problems import ObscalError


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    Raises
    ------
    OSError
        When the directory cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 with ``\\n`` line ends, atomically (see :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


def write_all(files: Iterable[tuple[Path, bytes]], *, replace: bool = False) -> list[Path]:
    """Write every file or none; return the paths written.

    Each file is staged beside its target, then all are renamed into place. With ``replace`` false a
    target that exists (or appears meanwhile) is refused and nothing stays written.

    Raises
    ------
    ObscalError
        A target exists and ``replace`` is false.
    OSError
        A file cannot be written; what was already moved is removed again.
    """
    staged: list[tuple[Path, Path, bytes | None]] = []
    try:
        for target, data in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            before = target.read_bytes() if replace and target.is_file() else None
            staged.append((Path(tmp), target, before))
        done: list[tuple[Path, bytes | None]] = []
        try:
            for tmp, target, before in staged:
                if target.exists() and not replace:
                    raise ObscalError(f"{target} appeared meanwhile; nothing was written")
                os.replace(tmp, target)
                done.append((target, before))
        except BaseException:
            for target, before in done:
                if before is None:
                    target.unlink(missing_ok=True)
                else:
                    write_bytes(target, before)
            raise
        return [target for target, _ in done]
    finally:
        for tmp, _, _ in staged:
            tmp.unlink(missing_ok=True)


def safe_relative(rel: PurePosixPath | str) -> PurePosixPath:
    """``rel`` when it stays inside the directory it is relative to.

    Raises
    ------
    ObscalError
        For an absolute path, an empty one, or one with ``..``.
    """
    rel = PurePosixPath(rel)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ObscalError(f"refusing to write outside the output directory: {rel}")
    return rel


class Staging:
    """A hidden directory inside ``out``; files move into place only on :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        if out.exists() and not out.is_dir():
            raise ObscalError(f"--out {out} is a file, not a directory")
        self.out = out.resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=".obscal-staging-", dir=self.out))
        self.files: dict[PurePosixPath, None] = {}

    def path_for(self, rel: PurePosixPath) -> Path:
        """Where to write the file that will appear at ``out/rel`` (its directory is created).

        Raises
        ------
        ObscalError
            ``rel`` leaves the output directory, or two files would be written to it.
        """
        rel = safe_relative(rel)
        if rel in self.files:
            raise ObscalError(f"two inputs would both be written to {rel}")
        self.files[rel] = None
        target = self.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> list[Path]:
        """Move every staged file into place; return the final paths."""
        written = []
        for rel in self.files:
            target = self.out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.dir / rel, target)
            written.append(target)
        self.discard()
        return written

    def discard(self) -> None:
        """Remove the staging directory and whatever is still in it."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
