"""Settings from a configuration file, and how settings from several places merge.

The file is ``--config FILE`` (TOML, keys at the top level or under
``[tool.labelcheck]``), else the ``[tool.labelcheck]`` table of the nearest
``pyproject.toml`` that has one, searched from the working directory upward
and no further than the repository root (the first folder holding ``.git``).

Keys: ``preset``, ``loader``, ``num-classes``, ``mapping``, ``classes`` (a path
relative to the configuration file), ``select`` and ``ignore`` (lists of rule names),
``severity`` (a table: rule name = "error" | "warning" | "info"),
``rule-options`` (a table of tables: ``[tool.labelcheck.rule-options.tiny-box]``
``min-size = 4``; each rule's documentation lists its options), ``fail-on``,
``format``, ``max-examples``, and for the image checks ``images`` (a folder or
URL, or a list of them, one per file; local folders relative to the
configuration file), ``image-check``, ``image-cache`` (relative to the file)
and ``executor``. An unknown key, rule or option, or a bad value, is a
ConfigError naming the file and the key.

Precedence, lowest first: defaults, the configuration file, ``LABELCHECK_*``
environment variables, command-line options; ``merge`` takes the layers in
that order. The contract keys are one unit, as on the command line: a layer
that names a ``preset`` replaces every contract key of the layers below it,
and a layer that gives ``num-classes``, ``mapping`` or ``classes`` drops a
preset from below and overrides just the keys it gives; ``loader`` and
``mapping`` are alternatives (a loader has its own mapping), so a layer that
gives one drops the other from below. So ``--preset mlperf-retinanet`` beats
a configured ``num-classes = 80``, ``--num-classes 91`` beats a configured
preset, and ``--loader mmdet`` a configured ``mapping = "sorted"``, instead
of contradicting them.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

from ..core.contract import Contract, Mapping
from ..core.errors import ConfigError, ContractError
from ..core.findings import FAIL_ON_CHOICES, Severity
from ..images.check import ImageOptions
from ..images.results import Depth
from ..loaders import LOADERS, PRESETS, resolve_contract
from ..core.sidefiles import read_bounded, unparsable
from ..reporters import REPORTERS
from ..rules import RULES
from ..scanning.engine import Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONTRACT_FIELDS = ("preset", "loader", "num_classes", "mapping", "classes")
# Keys that exclude each other across layers: the higher one wins.
ALTERNATIVES = {"loader": "mapping", "mapping": "loader"}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a scan; None (or an empty severity table) means not set here."""

    preset: str | None = None
    loader: str | None = None
    num_classes: int | None = None
    mapping: str | None = None
    classes: str | None = None
    select: frozenset[str] | None = None
    ignore: frozenset[str] | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: str | None = None
    format: str | None = None
    max_examples: int | None = None
    images: tuple[str, ...] | None = None
    image_check: str | None = None
    image_cache: str | None = None
    executor: str | None = None

    def contract_given(self) -> bool:
        """Whether any layer names a contract (else it is the default preset)."""
        return any(getattr(self, name) is not None for name in CONTRACT_FIELDS)

    def contract(self) -> Contract:
        return resolve_contract(self.preset, self.num_classes, self.mapping, self.classes, self.loader)

    def image_options(self, dask_scheduler: str | None = None) -> ImageOptions | None:
        """The image checks asked for, None without ``images``; ``dask_scheduler``
        (LABELCHECK_DASK_SCHEDULER) is the executor when none is set."""
        if not self.images:
            given = [name for name in ("image_check", "image_cache", "executor") if getattr(self, name)]
            if given:
                raise ConfigError(f"--{given[0].replace('_', '-')} needs --images ROOT: the images to check")
            return None
        executor = self.executor or (f"dask://{dask_scheduler}" if dask_scheduler else "local")
        return ImageOptions(self.images, Depth.parse(self.image_check or "header"), self.image_cache, executor)

    def policy(self) -> Policy:
        """Raises ValueError for an unknown rule name (the file's names are checked on load)."""
        return Policy(select=self.select, ignore=self.ignore or frozenset(), severities=dict(self.severity),
                      options={rule: dict(options) for rule, options in self.rule_options.items()})


def merge(*layers: Settings) -> Settings:
    """Combine layers given lowest precedence first (see the module docs for the contract keys)."""
    merged = Settings()
    for layer in layers:
        given = {
            item.name: getattr(layer, item.name)
            for item in fields(layer)
            if item.name not in ("severity", "rule_options") and getattr(layer, item.name) is not None
        }
        if layer.preset is not None:
            merged = replace(merged, **dict.fromkeys(CONTRACT_FIELDS))
        elif any(getattr(layer, name) is not None for name in CONTRACT_FIELDS):
            merged = replace(merged, preset=None)
        for name, other in ALTERNATIVES.items():
            if getattr(layer, name) is not None and getattr(layer, other) is None:
                merged = replace(merged, **{other: None})
        options = {rule: {**merged.rule_options.get(rule, {}), **values} for rule, values in layer.rule_options.items()}
        merged = replace(merged, **given, severity={**merged.severity, **layer.severity},
                         rule_options={**merged.rule_options, **options})
    return merged


# Validators: return the value as Settings holds it, or raise ValueError saying what is wrong.


def _choice(choices: Any) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


def _mapping(value: Any) -> str:
    if value == "names":  # the old name: say what to use instead
        try:
            Mapping(value)
        except ContractError as exc:
            raise ValueError(str(exc)) from None
    return _choice([mapping.value for mapping in Mapping])(value)


def _whole(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if type(value) is not int or value < minimum:
            raise ValueError(f"{value!r} is not a whole number >= {minimum}")
        return value

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not a file path")
    return value


def _roots(value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{value!r} is not a folder (or URL), or a list of them, one per file")
    return tuple(values)


def _rules(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"{value!r} is not a list of rule names, e.g. [\"unused-category\"]")
    for name in value:
        _rule(name)
    return frozenset(value)


def _rule(name: str) -> None:
    if name not in RULES:
        raise ValueError(f"unknown rule {name!r}; 'labelcheck rules' lists them")


def _severities(value: Any) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ValueError(f"{value!r} is not a table of rule = \"error\" | \"warning\" | \"info\"")
    result = {}
    for name, level in value.items():
        _rule(name)
        if level not in [severity.label for severity in Severity]:
            raise ValueError(f"{name} = {level!r} is not a severity; use error, warning or info")
        result[name] = Severity.parse(level)
    return result


def _rule_options(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(options, dict) for options in value.values()):
        raise ValueError(f"{value!r} is not a table of rule tables, e.g. [tool.labelcheck.rule-options.tiny-box]")
    for name, options in value.items():
        _rule(name)
        try:
            RULES[name].check_options(options)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return value


KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "preset": ("preset", _choice(sorted(PRESETS))),
    "loader": ("loader", _choice(list(LOADERS))),
    "num-classes": ("num_classes", _whole(1)),
    "mapping": ("mapping", _mapping),
    "classes": ("classes", _text),
    "select": ("select", _rules),
    "ignore": ("ignore", _rules),
    "severity": ("severity", _severities),
    "rule-options": ("rule_options", _rule_options),
    "fail-on": ("fail_on", _choice(FAIL_ON_CHOICES)),
    "format": ("format", _choice(list(REPORTERS))),
    "max-examples": ("max_examples", _whole(0)),
    "images": ("images", _roots),
    "image-check": ("image_check", _choice([depth.label for depth in Depth])),
    "image-cache": ("image_cache", _text),
    "executor": ("executor", _text),
}


def load_config(path: str | Path) -> Settings:
    """Read and validate one configuration file (``--config`` or a discovered pyproject.toml)."""
    path = Path(path)
    document = _read_toml(path)
    if "tool" not in document:
        return _settings(document, path, "")
    table = _tool_table(document)
    if table is None:
        raise ConfigError(f"{path}: no [tool.labelcheck] table; put the settings there")
    return _settings(table, path, "[tool.labelcheck] ")


def find_config(start: str | Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.labelcheck] table, up to the repository root."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _tool_table(_read_toml(candidate)) is not None:
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def discover_config(start: str | Path) -> Settings:
    found = find_config(start)
    return load_config(found) if found is not None else Settings()


def _tool_table(document: dict[str, Any]) -> dict[str, Any] | None:
    tool = document.get("tool")
    table = tool.get("labelcheck") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_bounded(path).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found; check --config") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except (ValueError, RecursionError) as exc:
        if unparsable(exc) is None:
            raise
        raise ConfigError(f"{path}: cannot read configuration: it {unparsable(exc)}") from None


def _settings(table: dict[str, Any], path: Path, section: str) -> Settings:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(KEYS)}"
            raise ConfigError(f"{path}: {section}unknown key {key!r}; {hint}")
        name, check = KEYS[key]
        try:
            values[name] = check(raw)
        except ValueError as exc:
            raise ConfigError(f"{path}: {section}{key}: {exc}") from None
    for key in ("classes", "image_cache"):
        if key in values:
            values[key] = str(path.parent / values[key])
    if "images" in values:
        values["images"] = tuple(root if "://" in root else str(path.parent / root) for root in values["images"])
    return Settings(**values)
