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
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a hidden temporary file beside ``target`` (its directory created), ready to be renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


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
            if target.parent.is_dir():
                for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a run that was killed
                    stale.unlink(missing_ok=True)
            tmp = _stage(target, data)
            before = target.read_bytes() if replace and target.is_file() else None
            staged.append((tmp, target, before))
        done: list[tuple[Path, bytes | None]] = []
        try:
            for tmp, target, before in staged:
                if target.exists() and not replace:
                    raise ObscalError(f"{target} appeared meanwhile; nothing was written")
                os.replace(tmp, target)
                done.append((target, before))
                checkpoint(f"written-{len(done)}")
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


#: The file that marks a directory as an output obscal wrote (and completed): only such a directory is replaced.
OUTPUT_MARK = ".obscal-output"


def checkpoint(name: str) -> None:
    """A named point of an operation where a test may interrupt it (``OBSCAL_TEST_CHECKPOINT=name``).

    When the variable names this point, the process says so on stderr and waits to be killed; otherwise
    this does nothing. It lets the tests send signals at exact instants instead of guessing.
    """
    if os.environ.get("OBSCAL_TEST_CHECKPOINT") == name:
        import sys
        import time

        print(f"obscal: checkpoint {name}", file=sys.stderr, flush=True)
        time.sleep(120)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unavailable."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


class Staging:
    """An output directory built whole beside ``out``, then published in one step.

    The files are written into a hidden sibling directory; :meth:`commit` marks it complete and swaps it
    with ``out`` atomically (or renames it into place when ``out`` does not exist), so that ``out`` holds
    either the previous complete result or the new one, never a mixture, and exactly the new result (no
    stale file of an earlier run). A kill leaves at most hidden siblings, which the next run recognises:
    a complete new tree is published, an incomplete one removed, a previous tree moved aside restored.
    An existing ``out`` is replaced only when obscal wrote it (it holds :data:`OUTPUT_MARK`) or it is empty.
    """

    def __init__(self, out: Path) -> None:
        out = Path(os.path.abspath(out))
        if out.exists() and not out.is_dir():
            raise ObscalError(f"--out {out} is a file, not a directory")
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        if out.is_dir() and any(out.iterdir()) and not (out / OUTPUT_MARK).is_file():
            raise ObscalError(
                f"--out {out} holds files obscal did not write: give a new or empty directory "
                "(an output directory is replaced whole by each run)"
            )
        self.dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.obscal-new-", dir=out.parent))
        self.files: dict[PurePosixPath, None] = {}

    def _leftovers(self, kind: str) -> list[Path]:
        return sorted(self.out.parent.glob(f".{self.out.name}.obscal-{kind}-*"))

    def _recover(self) -> None:
        """Finish or undo what an interrupted run left beside ``out``."""
        if not self.out.exists():
            complete = [d for d in self._leftovers("new") if (d / OUTPUT_MARK).is_file()]
            if complete:
                os.rename(complete[-1], self.out)
            elif old := self._leftovers("old"):
                os.rename(old[-1], self.out)
        for leftover in self._leftovers("new") + self._leftovers("old"):
            shutil.rmtree(leftover, ignore_errors=True)

    def path_for(self, rel: PurePosixPath) -> Path:
        """Where to write the file that will appear at ``out/rel`` (its directory is created).

        Raises
        ------
        ObscalError
            ``rel`` leaves the output directory, or two files would be written to it.
        """
        rel = safe_relative(rel)
        if rel in self.files or rel.as_posix() == OUTPUT_MARK:
            raise ObscalError(f"two inputs would both be written to {rel}")
        self.files[rel] = None
        target = self.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self) -> list[Path]:
        """Publish the staged tree as ``out`` in one step; return the final paths of the files."""
        from obscal._version import __version__

        (self.dir / OUTPUT_MARK).write_text(f"written by obscal {__version__}; replaced whole by the next run\n")
        checkpoint("staged")
        if self.out.exists():
            if not _exchange(self.dir, self.out):
                old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.obscal-old-", dir=self.out.parent))
                os.rmdir(old)
                os.rename(self.out, old)
                checkpoint("moved-aside")
                os.rename(self.dir, self.out)
                self.dir = old
        else:
            os.rename(self.dir, self.out)
        checkpoint("published")
        self.discard()
        return [self.out / rel for rel in self.files]

    def discard(self) -> None:
        """Remove the staging directory (or, after a commit, the previous tree) and whatever is in it."""
        if self.dir != self.out:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
