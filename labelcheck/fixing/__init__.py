"""The fixing commands: ``clean`` and ``remap``, and the rewriting behind them.

Owns: ``clean`` (drop what the rules find), ``remap`` (renumber category ids),
``droplog`` (what clean drops, kept compact, and its audit) and ``rewrite/`` (the
byte-faithful rewriting of a file run by run, or from its whole text).

May import: ``core``, ``loaders``, ``readers``, ``images``, ``rules``, ``scanning``.
"""
