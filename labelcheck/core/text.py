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


def json_text(value: object, **options: object) -> str:
    """JSON for reports: non-ASCII kept readable, lone surrogates (which UTF-8
    cannot carry) written as the \\udXXX escapes JSON allows, NaN refused."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)  # type: ignore[arg-type]
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def plain_text(text: str) -> str:
    """Documentation for a terminal: ``categories`` (reStructuredText literals) as categories."""
    return re.sub(r"``([^`]+)``", r"\1", text)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 annotation', '2 annotations', '1 class', '3 classes'."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {many or (noun + 'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else noun + 's')}"
