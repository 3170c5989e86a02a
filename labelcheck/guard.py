"""``labelcheck.guard``, the public import path of ``labelcheck.training.guard``.

The module itself is installed under this name, so ``import labelcheck.guard``,
``from labelcheck.guard import check_targets`` and ``from labelcheck import
guard`` all give the one module.
"""

import sys

from .training import guard as _guard

sys.modules[__name__] = _guard
