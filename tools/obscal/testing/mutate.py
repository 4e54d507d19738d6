"""Mutations of real calibration files, for property-based tests and the fuzz script.

Each mutator takes the bytes of a real file and a :class:`random.Random` and returns other bytes, the
kind of damage files meet: flipped bytes, edited lines, numbers pushed to extremes, keys renamed,
structure nested or cut. ``hypothesis`` drives them through ``st.randoms()`` in the tests;
``tools/fuzz.py`` drives them for thousands of inputs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Mutator = Callable[[bytes, random.Random], bytes]

_NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)(?=: )")
#: Values a number may become: extremes, specials, other kinds, text.
EXTREMES = [
    b"0", b"-1", b"1e308", b"1e400", b"-1e400", b"nan", b"NaN", b".nan", b"inf", b"-inf", b".inf",
    b"99999999999999999999999", b"9" * 5000, b"1.5", b"-0.0", b"true", b"null", b"~", b"''", b"[]", b"{}",
    b"\"x\"", b"0x1F", b"1_000", b"2024-02-30", b"!!python/object/apply:os.system ['id']", b"*alias", b"&anchor",
]  # fmt: skip


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    """Change up to eight bytes at random places to random values."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def edit_lines(data: bytes, rng: random.Random) -> bytes:
    """Delete, duplicate, swap or truncate lines."""
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        if len(lines) < 2:
            break
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        action = rng.choice(("delete", "duplicate", "swap", "truncate"))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[j])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    return b"\n".join(lines)


def _replace_some(data: bytes, pattern: re.Pattern, rng: random.Random, most: int, new: Callable) -> bytes:
    """Replace 1 to ``most`` random matches of ``pattern`` by ``new(match, matches)``."""
    matches = list(pattern.finditer(data))
    if not matches:
        return data
    for m in sorted(rng.sample(matches, min(len(matches), rng.randint(1, most))), key=lambda m: -m.start()):
        data = data[: m.start()] + new(m, matches) + data[m.end() :]
    return data


def perturb_numbers(data: bytes, rng: random.Random) -> bytes:
    """Replace a few numbers by extremes, specials, other kinds or text."""
    return _replace_some(data, _NUMBER, rng, 5, lambda m, _: rng.choice(EXTREMES))


def rename_keys(data: bytes, rng: random.Random) -> bytes:
    """Rename a few mapping keys: typos, case changes, duplicates of other keys, empty names."""

    def renamed(m: re.Match, keys: list[re.Match]) -> bytes:
        key = m.group(1)
        return rng.choice([key[:-1], key.lower(), key + b"X", rng.choice(keys).group(1), b"\xc3\xa9", b"<<", key * 40])

    return _replace_some(data, _KEY, rng, 3, renamed)


def nest(data: bytes, rng: random.Random) -> bytes:
    """Append a deeply nested or very wide value."""
    depth = rng.choice((10, 70, 500, 5000))
    if rng.random() < 0.5:
        return data + b"\nextra: " + b"[" * depth + b"]" * depth + b"\n"
    return data + b"\nextra: [" + b", ".join(b"1" for _ in range(depth * 10)) + b"]\n"


MUTATORS: dict[str, Mutator] = {
    "flip_bytes": flip_bytes,
    "edit_lines": edit_lines,
    "perturb_numbers": perturb_numbers,
    "rename_keys": rename_keys,
    "nest": nest,
}


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One to three random mutations of ``data``; their names, joined, and the result."""
    names = [rng.choice(sorted(MUTATORS)) for _ in range(rng.randint(1, 3))]
    for name in names:
        data = MUTATORS[name](data, rng)
    return "+".join(names), data
