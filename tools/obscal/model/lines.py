"""Where things are in a text file: the line of every mapping key and sequence item a reader saw."""

from __future__ import annotations

from typing import Any


class LineIndex:
    """Line numbers (1-based, offset into the file) of mapping keys and sequence items.

    Readers record ``(container, key) -> line`` while they build plain Python data; checks then ask
    :meth:`line_of` for a JSON-pointer-like path into that data.
    """

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        self._lines: dict[int, dict[Any, int]] = {}
        self._keep: list[Any] = []  # keep containers alive so that their ids stay unique

    def record(self, container: Any, key: Any, line0: int) -> None:
        """Record that ``key`` of ``container`` starts on 0-based line ``line0`` of the parsed text."""
        lines = self._lines.get(id(container))
        if lines is None:
            lines = self._lines[id(container)] = {}
            self._keep.append(container)
        lines[key] = line0 + 1 + self.offset

    def record_items(self, container: list, lines0: list[int]) -> None:
        """Record the 0-based lines of every item of the sequence ``container`` at once (long arrays)."""
        lines = self._lines.get(id(container))
        if lines is None:
            lines = self._lines[id(container)] = {}
            self._keep.append(container)
        shift = 1 + self.offset
        lines.update(zip(range(len(lines0)), (line + shift for line in lines0), strict=True))

    def merge(self, other: LineIndex) -> None:
        """Take over the lines ``other`` recorded (a part of the same text parsed on its own)."""
        for key, lines in other._lines.items():
            self._lines.setdefault(key, {}).update(lines)
        self._keep.extend(other._keep)

    def copied(self, old_root: Any, new_root: Any, shift: int) -> LineIndex:
        """The lines of ``old_root`` for ``new_root``, a deep copy of it, moved down ``shift`` lines."""
        out = LineIndex(self.offset)
        stack = [(old_root, new_root)]
        while stack:
            old, new = stack.pop()
            lines = self._lines.get(id(old))
            if lines is not None:
                out._lines[id(new)] = {key: line + shift for key, line in lines.items()}
                out._keep.append(new)
            if isinstance(old, dict):
                stack.extend((old[k], new[k]) for k in old)
            elif isinstance(old, list):
                stack.extend(zip(old, new, strict=True))
        return out

    def first_line(self, container: Any, key: Any) -> int | None:
        """The line recorded for ``key`` of ``container`` (None when not recorded)."""
        return self._lines.get(id(container), {}).get(key)

    def line_of(self, root: Any, path: list[Any] | tuple[Any, ...]) -> int | None:
        """The line of the deepest element of ``path`` (keys and indices) that is known."""
        best = None
        node = root
        for step in path:
            line = self._lines.get(id(node), {}).get(step)
            if line is not None:
                best = line
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
        return best

    def alias(self, old: Any, new: Any) -> None:
        """Let ``new`` answer for the lines recorded for ``old`` (after a normalisation)."""
        if id(old) in self._lines:
            self._lines[id(new)] = self._lines[id(old)]
            self._keep.append(new)
