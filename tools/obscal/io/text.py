"""Reading a text calibration file: bounded, decoded as UTF-8, then parsed by its format's module."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.model.document import Document
    from obscal.model.formats import Format

MAX_BYTES = 256 * 1024 * 1024


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


def read_bytes(path: Path) -> bytes:
    """The bytes of a file, refusing one too large to be a curated calibration.

    Raises
    ------
    ParseError
        The file cannot be read or is larger than :data:`MAX_BYTES`.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ParseError(f"the file is too large ({size} bytes) for a curated calibration")
        return path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}") from None


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
    return fmt.implementation().load(path, decode(data))
