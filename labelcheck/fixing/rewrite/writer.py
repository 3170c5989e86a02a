"""Copy a JSON text through, dropping or replacing elements of top-level arrays.

Kept elements keep their own bytes and the separator that preceded them, so an
unedited array comes out identical and an edited one keeps its layout (one
element per line stays one element per line).
"""

from __future__ import annotations

from typing import Callable, Iterator, Optional

from .layout import Member, array_elements, effective_members, object_members

# Decides an element's fate: None drops it, a string replaces it (return the
# element's own text to keep it unchanged). Arguments: index, element text.
ElementEdit = Callable[[int, str], Optional[str]]


def rewrite(text: str, edits: dict[str, ElementEdit], name: str) -> Iterator[str]:
    """Yield the pieces of the edited document, in order."""
    members = effective_members(text, name)
    targets = sorted(((members[key], edit) for key, edit in edits.items() if key in members), key=lambda t: t[0].start)
    position = 0
    for member, edit in targets:
        yield text[position : member.start]
        yield from _edit_array(text, member, edit, name)
        position = member.end
    yield text[position:]


def _edit_array(text: str, member: Member, edit: ElementEdit, name: str) -> Iterator[str]:
    opening = member.start + 1
    previous_end = opening
    first_gap: str | None = None
    kept_any = False
    for index, (start, end) in enumerate(array_elements(text, member.start, name)):
        gap = text[previous_end:start]  # "\n  " before the first, ",\n  " before the others
        if first_gap is None:
            first_gap = gap
        previous_end = end
        replacement = edit(index, text[start:end])
        if replacement is None:
            continue
        yield gap if kept_any else "[" + first_gap
        yield replacement
        kept_any = True
    if not kept_any:
        yield "["
    yield text[previous_end : member.end]


def replace_members(element: str, values: dict[str, str], name: str) -> str:
    """Replace the value of each named key (every occurrence) inside an object's text."""
    members = [m for m in object_members(element, 0, name) if m.key in values]
    if not members:
        return element
    pieces, position = [], 0
    for member in members:
        pieces += [element[position : member.start], values[member.key]]
        position = member.end
    pieces.append(element[position:])
    return "".join(pieces)
