"""The scan: read each file, run the rules over it, gather the report.

Owns: ``engine.scan`` (readers in, findings out; never prints, never exits;
with ``images=`` it runs the image checks on each file's table),
``report`` (bounded aggregates of the findings), ``gallery`` (which images
with findings a scan pictures, and their boxes) and ``baseline`` (known
findings by a stable key).

May import: ``core``, ``loaders``, ``readers``, ``images``, ``rules``.
"""
