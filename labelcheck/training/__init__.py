"""The training side: the proof that the scan's verdict is what training does, and the guard.

Owns: ``retinanet`` (the MLPerf RetinaNet loader and classification loss on CPU;
torch, imported when called) and ``guard`` (a batch's labels checked against the
head before the loss; numpy only, public as ``labelcheck.guard``).

May import: ``core``.
"""
