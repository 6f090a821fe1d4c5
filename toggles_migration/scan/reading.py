"""Read a candidate file safely: size limit, binary detection, unreadable files and undecodable bytes."""

import os
from typing import NamedTuple

DEFAULT_MAX_SIZE = 2 * 1024 * 1024
# The largest --max-size. Past FULL_PARSE_LIMIT a file costs about four times its size in memory while it is
# read and classified, so one file never takes more than about 256 MB.
MAX_SIZE_CEILING = 64 * 1024 * 1024
# A syntax tree or token list (Python's ast, the JSON parser, the code tokenizer) costs up to 200 times the
# file's size: larger files are classified by line patterns (JSON) or from a window of code around each
# occurrence (Python, JavaScript), so no file's tree takes more than about 200 MB.
FULL_PARSE_LIMIT = 1024 * 1024
BINARY_SNIFF_BYTES = 8 * 1024
# Most source files fit in one read of this size; asking for --max-size at once would allocate 2 MiB per file.
_FIRST_READ = 64 * 1024


class Content(NamedTuple):
    """A file's raw bytes, or why they were not read (``skipped`` is a reason keyword, ``message`` a note)."""

    raw: bytes = b""
    skipped: str | None = None
    message: str | None = None


def read_candidate(filesystem_path, max_size):
    """Return the file's bytes, or a ``Content`` saying it is too large, binary or unreadable."""
    try:
        # Plain descriptors: a file object per file costs more than reading most source files.
        descriptor = os.open(filesystem_path, os.O_RDONLY)
        try:
            # One byte past the limit tells a too-large file apart without a separate stat.
            raw = _read_up_to(descriptor, max_size + 1)
            if len(raw) > max_size:
                size = os.fstat(descriptor).st_size
                return Content(skipped="too-large", message=f"{size} bytes, over --max-size {max_size}; skipped")
        finally:
            os.close(descriptor)
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        return Content(skipped="unreadable", message=f"file not readable ({reason}); skipped")
    if b"\0" in raw[:BINARY_SNIFF_BYTES]:
        return Content(skipped="binary")
    return Content(raw=raw)


def _read_up_to(descriptor, limit):
    first = os.read(descriptor, min(_FIRST_READ, limit))
    # A short read of a regular file means its end, so small files take one read call.
    if len(first) < _FIRST_READ:
        return first
    chunks, total = [first], len(first)
    while total < limit:
        chunk = os.read(descriptor, min(limit - total, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def decode(raw):
    """Decode as UTF-8, replacing undecodable bytes, so a stray Latin-1 byte never stops a scan."""
    return raw.decode("utf-8-sig", errors="replace")
