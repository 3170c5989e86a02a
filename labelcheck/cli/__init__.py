"""The command line on top of the library: options, configuration, rendering, exit codes.

Owns: ``commands`` and ``fixing`` (the click commands: parse, call the library,
render, map the outcome to an exit code), ``options`` (the option bundles they
share), ``errors`` (one line on stderr and the exit code), ``config`` (``[tool.labelcheck]`` settings and the
layers they merge from) and ``progressbar`` (progress on a terminal's stderr).

May import: every stage.
"""
