"""Query shapes under suspicion: what keeps a query off the memory replica or in the disk lane's
heavy share (see :mod:`api.executor`).

Keyed by :func:`graph.query_guard.query_shape` (comments, whitespace, variable names, literals and
LIMIT numbers taken out), so rewriting a hostile query does not get it back onto the replica.
Both lanes write here (:mod:`api.worker_pool` when a disk worker overruns or dies,
:mod:`api.replica` when a query overruns the replica); the executor reads it to pick a lane.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["Suspects"]

_QUARANTINE_SIZE = 1024  # query shapes remembered as unsafe for the replica, or as heavy on disk


@dataclass
class Suspects:
    """Quarantined: never on the replica again. Heavy: overran a disk worker. Both run on disk in
    the heavy share (see :meth:`api.worker_pool.DiskPool.run`). On probation: re-running on disk
    after the replica died under them; until that ends, their shape stays off the replica (a
    culprit must not kill the fresh copy too)."""

    quarantine: OrderedDict[bytes, None] = field(default_factory=OrderedDict)
    heavy: OrderedDict[bytes, None] = field(default_factory=OrderedDict)
    probation: dict[bytes, int] = field(default_factory=dict)

    @staticmethod
    def remember(shapes: OrderedDict[bytes, None], shape: bytes) -> None:
        """Add a shape to a bounded set (quarantine or heavy), forgetting the oldest first."""
        shapes[shape] = None
        shapes.move_to_end(shape)
        while len(shapes) > _QUARANTINE_SIZE:
            shapes.popitem(last=False)
