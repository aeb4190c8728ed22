"""The outcome of one simulation: plain, immutable data and numpy arrays.

This is the contract between the simulator and everything that reads it (the CLI, reports,
plots, notebooks and external checks), described in ``docs/design.md``. It never imports SimPy:
a ``Result`` can be saved with :meth:`Result.to_json` and read back with
:meth:`Result.from_json` on a machine that never ran the simulation.

The JSON form is versioned (``"schema": "canarysim.result/v1"``), has a fixed key order and
rounds floats (times to the microsecond, other values to 6 significant digits), so the same
scenario and seed give byte-identical output across runs and platforms.
"""

from canarysim.result.jsonform import SCHEMA
from canarysim.result.outcome import Result
from canarysim.result.snapshots import (
    EVENT_KINDS,
    AnalysisRunSnapshot,
    ConditionSnapshot,
    DurationSnapshot,
    ExperimentSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)

__all__ = [
    "EVENT_KINDS",
    "SCHEMA",
    "AnalysisRunSnapshot",
    "ConditionSnapshot",
    "DurationSnapshot",
    "ExperimentSnapshot",
    "PodSnapshot",
    "ReplicaSetSnapshot",
    "Result",
    "RolloutSnapshot",
]
