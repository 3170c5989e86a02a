"""The scan: read each file, run the rules over it, gather the report.

Owns: ``engine.scan`` (readers in, findings out; never prints, never exits),
``report`` (bounded aggregates of the findings) and ``baseline`` (known findings
by a stable key).

May import: ``core``, ``loaders``, ``readers``, ``rules``.
"""
