"""labelcheck: check COCO detection labels against the model that will train on them.

    >>> import labelcheck
    >>> report = labelcheck.scan("fixtures/openimages-mlperf-bad.json")
    >>> report.failed()
    True
"""

__version__ = "0.1.0"  # before the imports: modules that write it import it from here

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each public name and the module that defines it, imported when first used:
# the command line starts faster, and ``import labelcheck`` stays cheap for
# training code that only wants ``labelcheck.guard``.
_EXPORTS = {
    "guard": ".guard",
    "Baseline": ".baseline",
    "CleanResult": ".cleaning",
    "clean": ".cleaning",
    "Contract": ".contract",
    "Mapping": ".contract",
    "resolve_contract": ".contract",
    "Policy": ".engine",
    "scan": ".engine",
    "BaselineError": ".errors",
    "ConfigError": ".errors",
    "ContractError": ".errors",
    "InputError": ".errors",
    "LabelcheckError": ".errors",
    "OutputError": ".errors",
    "UsageError": ".errors",
    "Finding": ".findings",
    "Severity": ".findings",
    "RemapResult": ".remapping",
    "remap": ".remapping",
    "Report": ".report",
    "RULES": ".rules",
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
    from . import guard
    from .baseline import Baseline
    from .cleaning import CleanResult, clean
    from .contract import Contract, Mapping, resolve_contract
    from .engine import Policy, scan
    from .errors import BaselineError, ConfigError, ContractError, InputError, LabelcheckError, OutputError, UsageError
    from .findings import Finding, Severity
    from .remapping import RemapResult, remap
    from .report import Report
    from .rules import RULES

__all__ = [
    "RULES",
    "Baseline",
    "BaselineError",
    "CleanResult",
    "ConfigError",
    "RemapResult",
    "Contract",
    "ContractError",
    "Finding",
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
    "remap",
    "resolve_contract",
    "scan",
]
