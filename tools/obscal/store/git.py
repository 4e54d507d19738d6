"""What git knows about the package: commits, file histories, uncommitted changes, past trees.

Everything is read with GitPython from the repository's objects; nothing is checked out, and
user-given paths reach git only as literal pathspecs in argument lists (never through a shell).
"""

from __future__ import annotations

import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

import git

from obscal.model.instants import format_fits_date, parse_metadata_instant
from obscal.model.problems import ObscalError
from obscal.model.stamps import CommitInfo

_RS, _US = "\x1e", "\x1f"


class GitRepo:
    """A package repository opened with GitPython."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.root = Path(repo.working_tree_dir).resolve()  # type: ignore[arg-type]

    @classmethod
    def find(cls, path: Path) -> GitRepo | None:
        """The repository that contains ``path`` (None when it is not in one)."""
        start = path if path.is_dir() else path.parent
        while not start.exists() and start != start.parent:
            start = start.parent
        try:
            repo = git.Repo(start, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        if repo.bare or repo.working_tree_dir is None:
            return None
        return cls(repo)

    def relpath(self, path: Path) -> str:
        """``path`` relative to the repository root, in POSIX form.

        Raises
        ------
        ObscalError
            ``path`` is outside the repository.
        """
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise ObscalError(f"{path} is not inside the repository at {self.root}") from None

    def resolve(self, rev: str) -> tuple[str, str]:
        """``(sha1, UTC commit time)`` of a revision (branch, tag, SHA, ``HEAD~2`` ...).

        Raises
        ------
        ObscalError
            The revision is unknown.
        """
        try:
            commit = self.repo.commit(rev)
        except (git.BadName, ValueError, git.GitCommandError):
            raise ObscalError(f"unknown git revision {rev!r} in {self.root}") from None
        return commit.hexsha, format_fits_date(commit.committed_datetime)

    def has_commits(self) -> bool:
        """Whether HEAD points at a commit."""
        try:
            self.repo.head.commit  # noqa: B018
        except ValueError:
            return False
        return True

    def dirty(self, relpaths: list[str]) -> set[str]:
        """Those of ``relpaths`` (files or directories) with uncommitted changes, untracked files included."""
        if not relpaths:
            return set()
        out = self.repo.git.execute(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *_literal(relpaths)]
        )
        found: set[str] = set()
        entries = out.split("\0") if out else []
        skip_next = False
        for entry in entries:
            if skip_next or not entry:
                skip_next = False
                continue
            status, name = entry[:2], entry[3:]
            found.add(name)
            skip_next = "R" in status or "C" in status  # a rename is followed by its old name
        return found

    def history(self, rev: str, relpaths: list[str]) -> dict[str, list[CommitInfo]]:
        """For every file under ``relpaths``: the commits reachable from ``rev`` that changed it, newest first.

        One ``git log`` for the whole run (not one per file), so it scales to thousands of files.
        """
        if not self.has_commits():
            return {}
        fmt = f"--format={_RS}%H{_US}%an{_US}%aI{_US}%s"
        args = ["git", "-c", "core.quotepath=off", "log", rev, "--no-renames", fmt, "--name-only", "--"]
        out = self.repo.git.execute([*args, *_literal(relpaths)])
        history: dict[str, list[CommitInfo]] = defaultdict(list)
        for chunk in out.split(_RS)[1:]:
            head, _, names = chunk.partition("\n")
            sha, author, date, subject = head.split(_US, 3)
            info = CommitInfo(sha, author, format_fits_date(parse_metadata_instant(date, "commit date")), subject)
            for name in names.splitlines():
                if name.strip():
                    history[name].append(info)
        return dict(history)

    def blobs(self, commit: str, prefix: str) -> dict[str, str]:
        """Path (relative to ``prefix``) -> blob SHA of every regular file under ``prefix`` at ``commit``.

        Raises
        ------
        ObscalError
            git cannot list the tree.
        """
        spec = _literal([prefix]) if prefix not in ("", ".") else []
        try:
            out = self.repo.git.execute(["git", "ls-tree", "-r", "-z", "--full-tree", commit, "--", *spec])
        except git.GitCommandError as exc:
            raise ObscalError(f"cannot list {prefix} at {commit[:12]}: {str(exc.stderr).strip()}") from None
        cut = len(prefix) + 1 if spec else 0
        found = {}
        for item in out.split("\0"):
            if not item:
                continue
            meta, _, name = item.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob" and not mode.startswith("12"):  # symbolic links are not calibrations
                found[name[cut:]] = sha
        return found

    def read_at(self, rev: str, relpath: str) -> bytes | None:
        """The bytes of ``relpath`` (relative to the repository root) at ``rev``; None when it is not there.

        Raises
        ------
        ObscalError
            The revision is unknown.
        """
        commit, _ = self.resolve(rev)
        try:
            out = self.repo.git.execute(["git", "ls-tree", "-z", commit, "--", *_literal([relpath])])
        except git.GitCommandError as exc:
            raise ObscalError(f"cannot read {relpath} at {rev}: {str(exc.stderr).strip()}") from None
        meta = out.split("\0")[0].partition("\t")[0].split()
        if len(meta) != 3 or meta[1] != "blob":
            return None
        return self.read_blob(meta[2])

    def changed_since(self, rev: str, relpaths: list[str]) -> list[str]:
        """Files under ``relpaths`` that differ between ``rev`` and the working tree, untracked ones included.

        Raises
        ------
        ObscalError
            The revision is unknown.
        """
        commit, _ = self.resolve(rev)
        spec = _literal(relpaths) if relpaths else []
        diff = self.repo.git.execute(["git", "diff", "--name-only", "-z", "--no-renames", commit, "--", *spec])
        new = self.repo.git.execute(["git", "ls-files", "--others", "--exclude-standard", "-z", "--", *spec])
        return sorted({n for n in (diff + "\0" + new).split("\0") if n})

    def read_blob(self, sha: str) -> bytes:
        """The bytes of a blob."""
        return self.repo.odb.stream(bytes.fromhex(sha)).read()

    def grep(self, commit: str, prefix: str, needle: bytes) -> set[str]:
        """Files under ``prefix`` at ``commit`` (relative to ``prefix``) whose bytes contain ``needle``.

        Raises
        ------
        ObscalError
            git fails for another reason than finding nothing.
        """
        spec = _literal([prefix]) if prefix not in ("", ".") else []
        args = ["git", "grep", "-l", "-z", "--full-name", "-F", "-e", needle.decode(), commit, "--", *spec]
        try:
            out = self.repo.git.execute(args)
        except git.GitCommandError as exc:
            if exc.status == 1:  # nothing found
                return set()
            raise ObscalError(f"cannot search {prefix} at {commit[:12]}: {str(exc.stderr).strip()}") from None
        cut = len(commit) + 1 + (len(prefix) + 1 if spec else 0)
        return {name[cut:] for name in out.split("\0") if name}

    def export(self, rev: str, relpaths: list[str], dest: Path) -> None:
        """Write the files under ``relpaths`` as they are at ``rev`` into ``dest`` (no checkout).

        Raises
        ------
        ObscalError
            git cannot read them at that revision.
        """
        with tempfile.TemporaryFile() as archive:
            try:
                self.repo.archive(archive, treeish=rev, format="tar", path=relpaths or None)
            except git.GitCommandError as exc:
                raise ObscalError(
                    f"cannot read {', '.join(relpaths)} at revision {rev!r}: {exc.stderr.strip()}"
                ) from None
            archive.seek(0)
            with tarfile.open(fileobj=archive) as tar:
                tar.extractall(dest, filter="data")


def _literal(relpaths: list[str]) -> list[str]:
    return [f":(literal){p}" for p in relpaths]


def user_name(where: Path) -> str:
    """``git config user.name`` as seen from ``where`` (repository, then global config); '' when unset."""
    start = where if where.is_dir() else where.parent
    while not start.exists() and start != start.parent:
        start = start.parent
    try:
        return git.Git(str(start)).config("user.name").strip()
    except git.GitCommandError:
        return ""


def edit_author(author: str | None, where: Path) -> str:
    """The author of an edit record: ``author``, else ``git config user.name`` as seen from ``where``.

    Raises
    ------
    ObscalError
        There is none, or it contains ``|`` (which separates the fields of an edit record).
    """
    name = (author or user_name(where if where.exists() else Path.cwd())).strip()
    if not name:
        raise ObscalError("no author: pass --author NAME, or set git config user.name")
    if "|" in name:
        raise ObscalError("the author name cannot contain '|' (it separates the fields of an edit record)")
    return name
