"""MLPerf RetinaNet's classification loss on a labels file, before and after `labelcheck clean`.

    pip install 'labelcheck[torch]'
    python examples/retinanet_loss.py [LABELS.json]    # default: fixtures/openimages-mlperf-bad.json

Builds the training targets as the MLPerf loader does and runs the classification loss on CPU,
where a label >= 264 raises the IndexError that is CUDA's "index out of bounds" assert on a GPU.
Then cleans the file with labelcheck into a temporary folder and runs the loss again.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import labelcheck
from labelcheck.training import retinanet

DEFAULT = Path(__file__).resolve().parent.parent / "fixtures" / "openimages-mlperf-bad.json"
CLASS_NAMES = labelcheck.resolve_contract().class_names  # mlperf-retinanet: the 264 MLPerf classes


def loss(path: Path) -> str:
    """The loss, or the error that ends training."""
    try:
        value = float(retinanet.classification_loss(retinanet.load_targets(path)))
    except IndexError as error:
        return f"IndexError: {error}"
    return f"{value:.6f} ({'finite' if math.isfinite(value) else 'not finite'})"


def columns(path: Path) -> str:
    """How many labels train the column of their category's name."""
    trained = [c for image in retinanet.label_columns(retinanet.load_targets(path)) for c in image]
    intended = [c for image in retinanet.intended_columns(path, CLASS_NAMES) for c in image]
    right = sum(t == i for t, i in zip(trained, intended))
    return f"{right} of {len(intended)} labels in their class's column"


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT
    print(source.name)
    print(f"  loss before labelcheck: {loss(source)}")
    with tempfile.TemporaryDirectory() as folder:
        cleaned = Path(folder) / source.name
        result = labelcheck.clean(source, cleaned)
        print(f"  labelcheck.clean: dropped {result.dropped_annotations} annotations")
        print(f"  loss after labelcheck:  {loss(cleaned)}")
        print(f"  {columns(cleaned)}")


if __name__ == "__main__":
    main(sys.argv[1:])
