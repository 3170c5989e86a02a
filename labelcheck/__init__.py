"""labelcheck: check COCO detection labels against the model that will train on them.

    >>> import labelcheck
    >>> report = labelcheck.scan("fixtures/openimages-mlperf-bad.json")
    >>> report.failed()
    True
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .core.version import __version__ as __version__

# Each public name and the module that defines it, imported when first used:
# the command line starts faster, and ``import labelcheck`` stays cheap for
# training code that only wants ``labelcheck.guard``.
_EXPORTS = {
    "guard": ".training.guard",
    "Baseline": ".scanning.baseline",
    "CleanResult": ".fixing.clean",
    "clean": ".fixing.clean",
    "Contract": ".core.contract",
    "Mapping": ".core.contract",
    "resolve_contract": ".loaders",
    "LOADERS": ".loaders",
    "PRESETS": ".loaders",
    "Policy": ".scanning.engine",
    "scan": ".scanning.engine",
    "BaselineError": ".core.errors",
    "ConfigError": ".core.errors",
    "ContractError": ".core.errors",
    "ContractWarning": ".core.errors",
    "InputError": ".core.errors",
    "LabelcheckError": ".core.errors",
    "OutputError": ".core.errors",
    "UsageError": ".core.errors",
    "Finding": ".core.findings",
    "ImageOptions": ".images.check",
    "Severity": ".core.findings",
    "RemapResult": ".fixing.remap",
    "remap": ".fixing.remap",
    "Report": ".scanning.report",
    "RULES": ".rules",
    "loader_verdicts": ".scanning.evaluation",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'labelcheck' has no attribute {name!r}")
    module = import_module(_EXPORTS[name], __name__)
    value = module if name == "guard" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from .core.contract import Contract, Mapping
    from .core.errors import (
        BaselineError,
        ConfigError,
        ContractError,
        ContractWarning,
        InputError,
        LabelcheckError,
        OutputError,
        UsageError,
    )
    from .core.findings import Finding, Severity
    from .fixing.clean import CleanResult, clean
    from .fixing.remap import RemapResult, remap
    from .images.check import ImageOptions
    from .loaders import LOADERS, PRESETS, resolve_contract
    from .rules import RULES
    from .scanning.baseline import Baseline
    from .scanning.engine import Policy, scan
    from .scanning.evaluation import loader_verdicts
    from .scanning.report import Report
    from .training import guard

__all__ = [
    "LOADERS",
    "PRESETS",
    "RULES",
    "Baseline",
    "BaselineError",
    "CleanResult",
    "ConfigError",
    "RemapResult",
    "Contract",
    "ContractError",
    "ContractWarning",
    "Finding",
    "ImageOptions",
    "InputError",
    "LabelcheckError",
    "Mapping",
    "OutputError",
    "Policy",
    "Report",
    "Severity",
    "UsageError",
    "clean",
    "guard",
    "loader_verdicts",
    "remap",
    "resolve_contract",
    "scan",
]
