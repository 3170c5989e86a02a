"""labelcheck: check COCO detection labels against the model that will train on them.

    >>> import labelcheck
    >>> report = labelcheck.scan("fixtures/openimages-mlperf-bad.json")
    >>> report.failed()
    True
"""

from . import guard
from .contract import Contract, Mapping, resolve_contract
from .engine import Policy, scan
from .errors import ContractError, InputError, LabelcheckError
from .findings import Finding, Severity
from .report import Report
from .rules import RULES

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "Contract",
    "ContractError",
    "Finding",
    "InputError",
    "LabelcheckError",
    "Mapping",
    "Policy",
    "Report",
    "Severity",
    "guard",
    "resolve_contract",
    "scan",
]
