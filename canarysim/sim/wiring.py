"""What :class:`~canarysim.sim.world.World` offers the parts it wires, as protocols.

The controller process, the operator, the Experiment runtime, the traffic flow and the
observers each get the world they live in as an argument; they read it through
:class:`Wiring` instead of importing ``World``, so that no part imports the module that
imports it (``world`` -> ``controller`` -> ``world`` was a cycle). The parts that reach one
another through the world (the controller, the Experiment runtime, the traffic flow) appear
here as the small ports the others use. Members are read-only properties: a part reads the
world and calls its services, it never rebinds what the world holds.
"""

from __future__ import annotations

from typing import Any, Protocol

import simpy

from canarysim.declarations import Scenario
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.engine.model import (
    Command,
    ExperimentView,
    Plan,
    RolloutStatus,
    StartAnalysisRun,
    StartExperiment,
)
from canarysim.result import ExperimentSnapshot
from canarysim.sim.analysis.runs import AnalysisController
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.replicasets import ReplicaSet
from canarysim.sim.mesh.objects import Mesh
from canarysim.sim.mesh.router import RequestClass
from canarysim.sim.metrics.recorder import Recorder
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.stochastic.rng import Streams
from canarysim.sim.workloads.deployments import Deployments

__all__ = ["ControllerPort", "ExperimentsPort", "FlowPort", "Wiring"]


class ControllerPort(Protocol):
    """The rollout controller as the others see it: its last status, and a wake-up."""

    @property
    def status(self) -> RolloutStatus: ...
    @property
    def reconciles(self) -> int: ...
    @property
    def deleted_runs(self) -> set[str]: ...

    def wake(self) -> None:
        """Reconcile again now (an informer event)."""


class ExperimentsPort(Protocol):
    """The Experiment runtime as the controller, the flow and the observers see it."""

    def views(self) -> tuple[ExperimentView, ...]: ...

    def start(self, action: StartExperiment) -> Any: ...

    def terminate(self, name: str) -> None: ...

    def snapshots(self) -> tuple[ExperimentSnapshot, ...]: ...

    def replica_sets(self) -> list[tuple[Any, Any, ReplicaSet]]: ...

    def analysis_objects_changed(self) -> None: ...

    def measurements(self) -> list[tuple[str, Any]]: ...


class FlowPort(Protocol):
    """The traffic flow as the world's services and observers see it."""

    @property
    def totals(self) -> dict[str, dict[str, int]]: ...

    @property
    def class_totals(self) -> dict[str, dict[str, int]]: ...

    def hashes_seen(self, hashes: tuple[str, str]) -> None: ...

    def flush(self, t: float) -> None: ...

    def route_change(self) -> None: ...


class Wiring(Protocol):
    """One run's shared state and services (implemented by ``World``)."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def scenario(self) -> Scenario: ...
    @property
    def until(self) -> float: ...
    @property
    def mode(self) -> str: ...
    @property
    def streams(self) -> Streams: ...
    @property
    def recorder(self) -> Recorder: ...
    @property
    def commands(self) -> list[Command]: ...
    @property
    def controller_errors(self) -> list[dict[str, Any]]: ...
    @property
    def rollout_manifest(self) -> dict[str, Any]: ...
    @property
    def namespace(self) -> str: ...
    @property
    def rollout_created(self) -> float: ...
    @property
    def templates(self) -> dict[str, dict[str, Any]]: ...
    @property
    def selector(self) -> dict[str, str] | None: ...
    @property
    def invalid_message(self) -> str | None: ...
    @property
    def objects(self) -> Manifests: ...
    @property
    def objects_version(self) -> int: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def cluster(self) -> Cluster: ...
    @property
    def mesh(self) -> Mesh: ...
    @property
    def store(self) -> MetricStore | None: ...
    @property
    def analysis(self) -> AnalysisController: ...
    @property
    def classes(self) -> list[tuple[RequestClass, float]]: ...
    @property
    def flow(self) -> FlowPort: ...
    @property
    def experiments(self) -> ExperimentsPort: ...
    @property
    def controller(self) -> ControllerPort: ...
    @property
    def workloads(self) -> Deployments: ...

    def set_plan(self, plan: Plan) -> None:
        """The operator changed the Rollout's spec."""

    def warn(self, message: str) -> None:
        """Something the run could not model (``Result.warnings``)."""

    def bump_objects(self) -> None:
        """An object was applied or deleted."""

    def trace(self, reason: str, message: str) -> None:
        """A reconcile error Argo would only log (``summary.controller_errors``)."""

    def start_analysis(self, action: StartAnalysisRun) -> None:
        """Create an AnalysisRun for the controller."""

    def observe(self, *, settled: bool = False) -> None:
        """Record a snapshot and a state row if anything visible changed (at the end of the
        instant, or now when ``settled``)."""
