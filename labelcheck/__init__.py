"""labelcheck: check COCO detection labels against the model that will train on them.

    >>> import labelcheck
    >>> report = labelcheck.scan("fixtures/openimages-mlperf-bad.json")
    >>> report.failed()
    True
"""

__version__ = "0.1.0"  # before the imports: modules that write it import it from here

from .baseline import Baseline
from .contract import Contract, Mapping, resolve_contract
from .engine import Policy, scan
from .errors import BaselineError, ConfigError, ContractError, InputError, LabelcheckError
from .findings import Finding, Severity
from .report import Report
from .rules import RULES

__all__ = [
    "RULES",
    "Baseline",
    "BaselineError",
    "ConfigError",
    "Contract",
    "ContractError",
    "Finding",
    "InputError",
    "LabelcheckError",
    "Mapping",
    "Policy",
    "Report",
    "Severity",
    "resolve_contract",
    "scan",
]
