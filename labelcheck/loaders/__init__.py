"""Loader profiles: how each framework turns a COCO file into training targets.

One declarative entry per framework, each in its own module whose docstring
names its sources (file and line, from ``../shared/reference/LOADERS.md``) and
the assumptions it makes; ``LOADERS`` is the one registry, ``PRESETS`` the
loaders paired with a head. ``resolve_contract`` builds a ``Contract`` from
options. The rules read the profile of a contract's ``loader``.

May import: ``core``.
"""

from __future__ import annotations

from .base import (
    Background,
    Condition,
    Duplicates,
    ImageCrash,
    ImageDrop,
    LoaderProfile,
)
from .facts import AnnotationFacts
from .presets import DEFAULT_PRESET, LOADERS, PRESETS, Preset, resolve_contract

__all__ = [
    "DEFAULT_PRESET",
    "LOADERS",
    "PRESETS",
    "AnnotationFacts",
    "Background",
    "Condition",
    "Duplicates",
    "ImageCrash",
    "ImageDrop",
    "LoaderProfile",
    "Preset",
    "resolve_contract",
]
