"""Show file paths safely: undecodable bytes and control characters become visible escapes, never a crash."""

import os
from urllib.parse import quote

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# os.fsdecode keeps each undecodable byte of a file name as one of these lone surrogates (PEP 383).
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def _escape(char):
    code = ord(char)
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text):
    """Return ``text`` with undecodable bytes as backslash-x escapes and unprintable characters (newline...) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def unicode_text(text):
    """Return ``text`` with its lone surrogates (undecodable bytes of a file name) escaped, so it encodes as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(char) if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text


def relative_uri(path):
    """Return a relative POSIX path as a URI reference: its bytes on disk, percent-encoded (RFC 3986)."""
    return quote(os.fsencode(path))
