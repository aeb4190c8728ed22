"""Driving a run step by step: ``canarysim.Simulation`` for notebooks and tests.

>>> sim = Simulation("scenarios/imesh-canary/scenario.yaml")           # doctest: +SKIP
>>> sim.run_until("5m"); sim.set_image("nginx", "nginx:1.15.5")       # doctest: +SKIP
>>> sim.run_until(lambda st: st.phase == "Paused"); sim.promote()     # doctest: +SKIP
>>> sim.status().phase, sim.result().summary["time_to_promotion"]     # doctest: +SKIP

The verbs are those of ``kubectl argo rollouts`` (and ``kubectl patch``/``scale``/``apply``/
``delete``); each is
typed *now* through the same path as a scenario's operator action, so commands issued at the
instants of a scenario's actions give the same Result as ``simulate()`` of that scenario:
``run_until(t)`` stops before anything due at ``t`` happens, exactly where a scenario's action
at ``t`` is played. (At time 0, commands come after the world's start-up.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from canarysim.declarations import Scenario
from canarysim.declarations.patch import patched_rollout
from canarysim.declarations.scenario import actions as act
from canarysim.engine.durations import parse_duration
from canarysim.errors import SimulationError
from canarysim.result import Result, RolloutSnapshot
from canarysim.sim.observe import current_snapshot
from canarysim.sim.world import World

__all__ = ["Simulation"]

Until = float | int | str | Callable[[RolloutSnapshot], bool]


class Simulation:
    """A run you advance yourself (see the module doc). ``scenario`` is a loaded Scenario or
    a path; ``until``/``mode`` override the scenario's as for ``simulate``."""

    def __init__(
        self,
        scenario: Scenario | str | Path,
        until: float | str | None = None,
        mode: str | None = None,
    ) -> None:
        self._world = World.build(scenario, until=until, mode=mode)

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return float(self._world.env.now)

    @property
    def scenario(self) -> Scenario:
        return self._world.scenario

    def run_until(self, until: Until, *, limit: float | str | None = None) -> RolloutSnapshot:
        """Advance to a time (seconds or ``"5m"``), or until ``until(status)`` is true (checked
        at every change of the rollout's status; at most up to ``limit``, default the
        scenario's end: past it, :class:`SimulationError`). Returns the status then."""
        world, env = self._world, self._world.env
        if not callable(until):
            t = _seconds(until)
            if t < env.now:
                raise ValueError(f"run_until({until!r}): {t:g}s is before now ({env.now:g}s)")
            world.until = max(world.until, t)
            if t > env.now:
                env.run(until=t)
            return self.status()
        end = world.until if limit is None else _seconds(limit)
        world.until = max(world.until, end)
        status = self.status()
        snaps = world.recorder.snapshots
        seen = snaps[-1] if snaps else None
        while not until(status):
            if env.peek() > end:
                if end > env.now:
                    env.run(until=end)
                raise SimulationError(
                    f"run_until: the condition did not hold by {end:g}s (phase {status.phase})"
                )
            env.step()
            if snaps and snaps[-1] is not seen:  # a new (or same-instant replaced) status
                seen = status = snaps[-1]
        return status

    def status(self) -> RolloutSnapshot:
        """The rollout now, as ``Result.status_at(now)`` would give it."""
        world = self._world
        if not world.recorder.snapshots:
            world.run(0.0)  # settle the start-up so that there is a state to show
        return current_snapshot(world)

    def result(self) -> Result:
        """Run on to the end (the scenario's ``until``, or further if run past it) and return
        the usual Result."""
        world = self._world
        if world.env.now < world.until:
            world.env.run(until=world.until)
        return world.collect()

    # ------------------------------------------------------------------ verbs
    def _issue(self, data: Mapping[str, Any]) -> None:
        from pydantic import TypeAdapter

        # A None argument means the verb's default: left out, as a scenario file leaves it out.
        given = {k: v for k, v in data.items() if v is not None}
        action = TypeAdapter(act.OperatorAction).validate_python({"at": self.now, **given})
        self._world.operator.issue(action)

    def set_image(self, container: str, image: str) -> None:
        """``kubectl argo rollouts set image ROLLOUT container=image`` (``*``: every one)."""
        self._issue({"do": "setImage", "container": container, "image": image})

    def promote(self, full: bool = False) -> None:
        """``kubectl argo rollouts promote [--full]``."""
        self._issue({"do": "promote", "full": full})

    def abort(self) -> None:
        self._issue({"do": "abort"})

    def retry(self) -> None:
        """``kubectl argo rollouts retry rollout``."""
        self._issue({"do": "retry"})

    def pause(self) -> None:
        self._issue({"do": "pause"})

    def resume(self) -> None:
        """``spec.paused: false`` (what promote does to a paused rollout)."""
        self._issue({"do": "resume"})

    def restart(self, after: float | str | None = None) -> None:
        """``kubectl argo rollouts restart [--in after]``."""
        self._issue({"do": "restart", "after": None if after is None else _seconds(after)})

    def undo(self, to_revision: int | None = None) -> None:
        """``kubectl argo rollouts undo [--to-revision N]``."""
        self._issue({"do": "undo", "toRevision": to_revision})

    def scale(self, replicas: int) -> None:
        """``kubectl scale rollout --replicas N``."""
        self._issue({"do": "scale", "replicas": replicas})

    def patch(self, patch: Any, type: str = "merge") -> None:
        """``kubectl patch rollout --type merge|json|strategic -p PATCH``; a patch the API
        server would refuse raises ScenarioError and changes nothing."""
        world = self._world
        patched_rollout(
            world.rollout_manifest, patch, type, namespace=world.namespace, file="kubectl patch"
        )
        self._issue({"do": "patch", "type": type, "patch": patch})

    def apply(self, manifest: Mapping[str, Any]) -> None:
        """``kubectl apply -f`` of one object (the ``apply`` action: a Rollout edit, an
        AnalysisTemplate, ClusterAnalysisTemplate, Service, PodDisruptionBudget or Secret);
        an object that does not load raises ScenarioError and changes nothing."""
        from canarysim.declarations.apply import applied_objects

        world = self._world
        objects = applied_objects(
            manifest,
            None,
            base=Path.cwd(),
            namespace=world.namespace,
            rollout=world.plan.name,
            scenario_file="kubectl apply",
            field="manifest",
            line=None,
        )
        action = act.ApplyObject(at=self.now, do="apply", manifest=dict(manifest))
        action._objects = objects
        world.operator.api.apply(action)

    def delete(self, kind: str, name: str) -> None:
        """``kubectl delete KIND NAME`` (the ``delete`` action's kinds)."""
        from pydantic import TypeAdapter

        data = {"at": self.now, "do": "delete", "kind": kind, "name": name}
        self._world.operator.api.delete(TypeAdapter(act.DeleteObject).validate_python(data))


def _seconds(value: float | int | str) -> float:
    seconds = parse_duration(value) if isinstance(value, str) else float(value)
    if seconds < 0:
        raise ValueError(f"a time >= 0, got {value!r}")
    return seconds
