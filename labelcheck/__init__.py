"""labelcheck: check COCO detection labels against the model that will train on them.

    >>> import labelcheck
    >>> report = labelcheck.scan("fixtures/openimages-mlperf-bad.json")
    >>> report.failed()
    True
"""

__version__ = "0.1.0"  # before the imports: modules that write it import it from here

from . import guard
from .baseline import Baseline
from .clean import CleanResult, clean
from .contract import Contract, Mapping, resolve_contract
from .engine import Policy, scan
from .errors import (
    BaselineError,
    ConfigError,
    ContractError,
    InputError,
    LabelcheckError,
    OutputError,
    UsageError,
)
from .findings import Finding, Severity
from .remap import RemapResult, remap
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
