"""Hypothesis strategies for awkward COCO documents, written out byte for byte.

Objects are lists of (key, value) pairs so that a key can repeat, and the
writer emits NaN/Infinity, any key order and any layout, as real exports and
hand edits do.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class Obj:
    pairs: tuple  # ((key, value), ...), keys may repeat


TRICKY_TEXT = st.text(alphabet='ab"\\{}[],:/ \né\u2028', max_size=8)
NUMBERS = st.one_of(
    st.integers(min_value=-3, max_value=300),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 12.0, 263.0, 264.0, 1e300, 2.0**63, -(2.0**63)]),
)
ODD_IDS = st.one_of(
    st.integers(min_value=-2, max_value=12),
    NUMBERS,
    TRICKY_TEXT,
    st.none(),
    st.booleans(),
    st.just([1]),
    st.builds(lambda v: Obj((("v", v),)), st.integers()),
)


def mostly(usual, odd):
    """``usual`` three times in four: plain one_of would pick the odd cases too often."""
    return st.integers(0, 3).flatmap(lambda pick: usual if pick else odd)


# Small integers, so that annotations meet images and ids repeat.
IDS = mostly(st.integers(1, 4), ODD_IDS)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TRICKY_TEXT)
NESTED = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.builds(lambda pairs: Obj(tuple(pairs)), st.lists(st.tuples(st.sampled_from(["a", "annotations", "id", "}"]), children), max_size=3)),
    max_leaves=6,
)
BBOXES = mostly(
    st.lists(st.one_of(st.integers(-5, 700), st.floats(-10, 700)), min_size=4, max_size=4),
    st.one_of(
    st.lists(NUMBERS, min_size=3, max_size=5),
    st.lists(st.one_of(NUMBERS, st.booleans(), st.none()), min_size=4, max_size=4),
    SCALARS,
    ),
)


def _object(required: dict, optional: dict, extra_keys: list[str]):
    """An object with some of its fields, extras, repeats, in any order."""

    @st.composite
    def build(draw):
        pairs = [(key, draw(value)) for key, value in required.items() if draw(st.integers(0, 9)) > 0]
        pairs += [(key, draw(value)) for key, value in optional.items() if draw(st.booleans())]
        pairs += [(key, draw(NESTED)) for key in extra_keys if draw(st.integers(0, 3)) == 0]
        if pairs and draw(st.integers(0, 5)) == 0:  # a repeated key: the last one wins
            key, _ = draw(st.sampled_from(pairs))
            pairs.append((key, draw(required.get(key, NESTED))))
        return Obj(tuple(draw(st.permutations(pairs))))

    return build()


# Polygons as exports write them (lists of coordinates, some too short or odd), or anything else.
POLYGONS = mostly(
    st.lists(st.lists(st.one_of(st.integers(-5, 700), st.floats(-10, 700)), max_size=9), max_size=3),
    st.one_of(NESTED, st.builds(lambda n: Obj((("counts", n), ("size", [10, 10]))), st.one_of(TRICKY_TEXT, NESTED))),
)
ANNOTATIONS = _object(
    {"id": IDS, "image_id": IDS, "category_id": IDS, "bbox": BBOXES, "area": NUMBERS, "iscrowd": st.integers(0, 1)},
    {"segmentation": POLYGONS, "ignore": mostly(st.integers(0, 1), SCALARS)},
    ["IsOccluded", "note", "annotations"],
)
IMAGES = _object(
    {"id": IDS, "width": mostly(st.integers(1, 800), SCALARS), "height": mostly(st.integers(1, 800), SCALARS),
     "file_name": st.one_of(TRICKY_TEXT, SCALARS)},
    {},
    ["license", "coco_url"],
)
CATEGORIES = _object({"id": IDS, "name": st.one_of(st.sampled_from(["Airplane", "Antelope", "Apple", "Zucchini"]), SCALARS)},
                     {"supercategory": TRICKY_TEXT}, [])


@st.composite
def coco_members(draw) -> Obj:
    """A top level in any order, with extras, sometimes a repeated key and odd elements."""
    def elements(strategy):
        return st.lists(mostly(strategy, st.one_of(strategy, SCALARS)), max_size=12)

    members = [
        ("categories", draw(elements(CATEGORIES))),
        ("images", draw(elements(IMAGES))),
        ("annotations", draw(elements(ANNOTATIONS))),
        ("info", draw(st.builds(lambda n: Obj((("annotations", n), ("description", "x"))), NESTED))),
        ("licenses", []),
    ]
    if draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(["categories", "images", "annotations"]))
        members.append((key, draw(st.one_of(elements(ANNOTATIONS), elements(IMAGES), SCALARS))))
    return Obj(tuple(draw(st.permutations(members))))


@dataclass(frozen=True)
class Layout:
    indent: int | None
    item_separator: str
    key_separator: str


LAYOUTS = st.builds(
    Layout, st.sampled_from([None, None, 0, 1, 2]), st.sampled_from([",", ", ", " ,\r\n"]), st.sampled_from([":", ": ", " :\t"])
)


def write(value, layout: Layout, depth: int = 0) -> str:
    """JSON text as Python's json.dump would accept it (NaN, Infinity, repeated keys)."""
    newline = "" if layout.indent is None else "\n" + " " * (layout.indent * (depth + 1))
    closing = "" if layout.indent is None else "\n" + " " * (layout.indent * depth)
    if isinstance(value, Obj):
        items = [json.dumps(key) + layout.key_separator + write(item, layout, depth + 1) for key, item in value.pairs]
        return "{" + newline + (layout.item_separator + newline).join(items) + closing + "}" if items else "{}"
    if isinstance(value, list):
        items = [write(item, layout, depth + 1) for item in value]
        return "[" + newline + (layout.item_separator + newline).join(items) + closing + "]" if items else "[]"
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # NaN, Infinity, -Infinity
    return json.dumps(value, ensure_ascii=False)
