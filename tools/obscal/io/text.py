"""Reading a text calibration file: bounded, decoded as UTF-8, then parsed by its format's module."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.model.document import Document
    from obscal.model.formats import Format

MAX_BYTES = 256 * 1024 * 1024
#: The longest line read: ECSV rows of array cells reach ~100 kB; nothing real comes near this.
MAX_LINE = 8 * 1024 * 1024
#: The most digits a number may have (Python refuses to convert more than 4,300 digits).
MAX_DIGITS = 4000
_LONG_NUMBER = re.compile(rb"\d{%d,}" % (MAX_DIGITS + 1))
_DIGIT_MASK = bytes(49 if 48 <= i <= 57 else 48 for i in range(256))
_TOO_MANY = b"1" * (MAX_DIGITS + 1)


def decode(data: bytes) -> str:
    """The text of a file's bytes.

    Raises
    ------
    ParseError
        Empty, binary (a NUL byte) or not UTF-8 (with the line of the first bad byte).
    """
    if not data.strip():
        raise ParseError("the file is empty", line=1, hint="restore its content from git, or delete it")
    if b"\x00" in data[:65536]:
        raise ParseError("the file is binary, not text", line=1, hint="calibrations are kept as ECSV or YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            line=line,
            hint="save the file as UTF-8",
        ) from None


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, read with a bound (a FIFO, device or socket is never read).

    The file is opened without blocking, checked on the open descriptor (so a file swapped for a FIFO
    or a link to ``/dev/zero`` after a check is still refused) and read up to ``limit`` bytes.

    Raises
    ------
    ParseError
        The file cannot be opened, is not a regular file, or is larger than ``limit``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ParseError(f"cannot read the file: {_why(exc)}", hint=_hint(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise ParseError(f"the file is a {kind}, not a regular file", hint="calibrations are regular files")
        if info.st_size > limit:
            raise ParseError(f"the file is too large ({info.st_size} bytes; at most {limit}) for a curated calibration")
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ParseError(f"the file grows past {limit} bytes while being read")
        return b"".join(chunks)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {_why(exc)}") from None
    finally:
        os.close(fd)


_KINDS = {
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
    stat.S_IFDIR: "directory",
}


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return exc.strerror or str(exc)


def _hint(exc: OSError) -> str | None:
    if exc.errno == errno.ELOOP:
        return "replace the link by the file it should point to"
    if exc.errno == errno.EACCES:
        return "make the file readable (chmod u+r)"
    return None


def read_document(path: Path, data: bytes | None, fmt: Format) -> Document:
    """Parse one file (or ``data``, its bytes read elsewhere) with the module of ``fmt``.

    Raises
    ------
    ParseError
        As :func:`decode`, :func:`read_bytes` and the format's parser raise it.
    """
    if data is None:
        data = read_bytes(path)
    elif len(data) > MAX_BYTES:
        raise ParseError(f"the file is too large ({len(data)} bytes) for a curated calibration")
    check_limits(data)
    return fmt.implementation().load(path, decode(data))


def check_limits(data: bytes) -> None:
    """Refuse what no calibration holds and a parser would choke on: very long lines, numbers of thousands of digits.

    Raises
    ------
    ParseError
        With the line of the first offence.
    """
    start = 0 if len(data) > MAX_LINE else len(data)  # no line of a smaller file can be too long
    while (end := data.find(b"\n", start)) != -1 or start < len(data):
        end = len(data) if end == -1 else end
        if end - start > MAX_LINE:
            line = data.count(b"\n", 0, start) + 1
            raise ParseError(f"line {line} is {end - start} bytes long (at most {MAX_LINE})", line=line)
        start = end + 1
    # Digits to 1, everything else to 0, then one fast search for a run longer than the limit.
    pos = data.translate(_DIGIT_MASK).find(_TOO_MANY) if len(data) > MAX_DIGITS else -1
    match = _LONG_NUMBER.match(data, pos) if pos >= 0 else None
    if match:
        line = data.count(b"\n", 0, match.start()) + 1
        raise ParseError(
            f"a number of {match.end() - match.start()} digits (at most {MAX_DIGITS})",
            line=line,
            hint="no calibration value needs that many digits; is the file damaged?",
        )
