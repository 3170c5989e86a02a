"""Dataset strings are data: never markup, never terminal control sequences."""

from __future__ import annotations

import json
import re
import unicodedata


def safe(text: str) -> str:
    """Replace control and format characters (ESC, CR, bidi overrides) with escapes."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


# What a terminal, a log viewer or an editor acts on rather than shows: DEL
# and the C1 controls (U+009B starts an escape sequence like ESC [), the bidi
# controls (U+202E shows the text after it reversed) and the line and
# paragraph separators. JSON escapes C0 itself.
_ACTING = (*range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
_ESCAPES = {code: f"\\u{code:04x}" for code in _ACTING}


def json_text(value: object, **options: object) -> str:
    """JSON for reports: non-ASCII kept readable, except the characters that act
    (``_ACTING``), written as \\uXXXX escapes like the C0 controls, and lone
    surrogates (which UTF-8 cannot carry) as \\udXXX escapes: the same
    strings once decoded. NaN refused."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)  # type: ignore[arg-type]
    if text.isascii():
        return text
    return text.translate(_ESCAPES).encode("utf-8", "backslashreplace").decode("utf-8")


def plain_text(text: str) -> str:
    """Documentation for a terminal: ``categories`` (reStructuredText literals) as categories."""
    return re.sub(r"``([^`]+)``", r"\1", text)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 annotation', '2 annotations', '1 class', '3 classes'."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {many or (noun + 'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else noun + 's')}"


def describe(value: object) -> str:
    """A raw JSON value as a short, terminal-safe phrase for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return safe(repr(value) if len(value) <= 60 else repr(value[:57] + "..."))
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
