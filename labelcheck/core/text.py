"""Dataset strings are data: never markup, never terminal control sequences."""

from __future__ import annotations

import json
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
