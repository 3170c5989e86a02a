"""The data model every stage shares: the contract, the columnar dataset, findings, errors.

Owns: the model contract and presets (``contract``), the columnar view of a COCO
file (``dataset``, built by ``columns``), ``Finding`` and ``Severity``
(``findings``), the error classes (``errors``), text safety (``text``), atomic
output files (``atomic``), the shipped class lists (``data/``) and the version.

May import: nothing else in labelcheck.
"""
