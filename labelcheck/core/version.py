"""The version of labelcheck, written into every report and baseline."""

__version__ = "0.1.0"
