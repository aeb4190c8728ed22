"""The Rollout spec as the engine sees it: typed canary steps and the defaulted :class:`Plan`.

The spec layer builds a :class:`Plan` from a manifest (tests build it by hand). It changes only
when a user changes the spec (new image, scale, ``spec.paused``, undo, restart): the world then
hands the engine a new ``Plan``. Re-exported by :mod:`canarysim.engine.model`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, TypeVar

from canarysim.engine.memo import LastEntry

_T = TypeVar("_T")


@dataclass(frozen=True)
class SetWeight:
    """``- setWeight: N``: canary weight N (0..max_weight)."""

    weight: int


@dataclass(frozen=True)
class Pause:
    """``- pause: {duration: D}`` (seconds) or ``- pause: {}`` (``seconds=None``: wait for
    promote). ``raw`` is the duration as written (``"30s"``, ``60``), used verbatim in the step
    string of Argo's "Rollout step i/N completed (pause: 30s)" event; None means use seconds."""

    seconds: float | None = None
    raw: str | None = None


@dataclass(frozen=True)
class SetCanaryScale:
    """``- setCanaryScale``: exactly one of ``replicas``, ``weight`` or
    ``match_traffic_weight=True`` (traffic routing only)."""

    replicas: int | None = None
    weight: int | None = None
    match_traffic_weight: bool = False


@dataclass(frozen=True)
class Analysis:
    """``- analysis: {templates, args}`` (one step AnalysisRun for all templates).

    ``templates`` are template names; ``args`` the Argo arg mappings as written
    (``{"name": ..., "value": ...}``); the simulator interprets both."""

    templates: tuple[str, ...] = ()
    args: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Experiment:
    """``- experiment: {duration, templates, analyses}``; payload as written in the manifest
    (``templates``/``analyses`` are Argo's mappings). ``duration`` in seconds or None."""

    duration: float | None = None
    templates: tuple[dict[str, Any], ...] = ()
    analyses: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SetHeaderRoute:
    """``- setHeaderRoute: {name, match}``; ``match`` as written (Argo's ``HeaderRoutingMatch``
    mappings). No ``match`` (missing or null: Go's nil slice) removes the route; an empty
    list is a route that matches every request (the routers test ``Match == nil``)."""

    name: str
    match: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True)
class SetMirrorRoute:
    """``- setMirrorRoute: {name, match, percentage}``; no ``match`` removes the route, an
    empty list mirrors every request (as :class:`SetHeaderRoute`)."""

    name: str
    match: tuple[dict[str, Any], ...] | None = None
    percentage: int | None = None


SingleStep = (
    SetWeight | Pause | SetCanaryScale | Analysis | Experiment | SetHeaderRoute | SetMirrorRoute
)
"""A canary step with one field set. Plugin steps are rejected by the spec layer."""


@dataclass(frozen=True)
class CompoundStep:
    """A step with several fields set, which Argo accepts as long as at most one of
    ``setWeight`` / ``pause`` / ``experiment`` / ``analysis`` is among them
    (``validation.go::hasMultipleStepsType``), e.g. ``setCanaryScale`` + ``setHeaderRoute`` +
    ``pause``. Every part takes effect while the step is current; the step completes as its
    first part in Argo's order does (``completedCurrentCanaryStep``: pause, setCanaryScale,
    setWeight, experiment, analysis, then the routes). ``parts`` in that order."""

    parts: tuple[SingleStep, ...]


Step = SingleStep | CompoundStep
"""One canary step."""


def step_part(step: Step | None, kind: type[_T]) -> _T | None:
    """The part of ``step`` of that kind (the step itself for a single step), or None."""
    if isinstance(step, CompoundStep):
        return next((p for p in step.parts if isinstance(p, kind)), None)
    return step if isinstance(step, kind) else None


def step_parts(step: Step) -> tuple[SingleStep, ...]:
    return step.parts if isinstance(step, CompoundStep) else (step,)


@dataclass(frozen=True)
class PodMetadata:
    """``canaryMetadata`` / ``stableMetadata``: labels and annotations Argo injects into the
    pods of the canary or stable ReplicaSet for as long as they hold that role
    (``rollout/ephemeralmetadata.go``). Pairs sorted by key."""

    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BackgroundAnalysis:
    """``strategy.canary.analysis``: runs beside the steps from ``starting_step`` (0-based)."""

    templates: tuple[str, ...] = ()
    args: tuple[dict[str, Any], ...] = ()
    starting_step: int = 0


@dataclass(frozen=True)
class PromotionAnalysis:
    """``strategy.blueGreen.prePromotionAnalysis`` / ``postPromotionAnalysis``: one run of
    these templates (names) with these args (Argo's mappings, as written)."""

    templates: tuple[str, ...] = ()
    args: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class BlueGreen:
    """``strategy.blueGreen`` (what is not shared with the canary fields of :class:`Plan`).

    ``preview_replica_count`` None means unset (the preview gets every replica);
    ``auto_promotion_enabled`` defaults to True and ``auto_promotion_seconds`` to 0. The
    scale-down delays live in :class:`Plan`'s shared fields (``scale_down_delay_seconds`` unset
    means 30 s for blue-green, ``abort_scale_down_delay_seconds`` unset means 30 s, explicit 0
    leaves the preview up after an abort)."""

    active_service: str
    preview_service: str = ""
    preview_replica_count: int | None = None
    auto_promotion_enabled: bool = True
    auto_promotion_seconds: int = 0
    pre_promotion_analysis: PromotionAnalysis | None = None
    post_promotion_analysis: PromotionAnalysis | None = None


@dataclass(frozen=True)
class Plan:
    """The Rollout spec as already-defaulted values (``utils/defaults/defaults.go``).

    ``pod_template_hash`` is the pod-template-hash of ``spec.template`` as it is now: the
    engine finds the new (canary) ReplicaSet as the one with this hash, and creates it if
    none exists. A new image means a new hash; an undo means the hash of an older
    ReplicaSet's template. ``max_surge``/``max_unavailable`` keep Argo's int-or-percent form
    (any string is a percentage) because they are resolved against ``replicas``, which a
    scale may change.

    Fields left ``None`` mean "not set in the manifest" where Argo tells unset from explicit:
    ``scale_down_delay_seconds`` (30 with traffic routing, 0 without),
    ``abort_scale_down_delay_seconds`` (30; explicit 0 = never scale the canary down on abort;
    with ``dynamic_stable_scale`` and unset: no delay), ``scale_down_delay_revision_limit``
    (unlimited), ``min_pods_per_replica_set``, ``rollback_window_revisions``.
    """

    name: str
    replicas: int
    pod_template_hash: str
    steps: tuple[Step, ...] = ()
    max_surge: int | str = "25%"
    max_unavailable: int | str = "25%"
    traffic_routing: bool = False
    alb: bool = False
    """``trafficRouting.alb`` is set (an ALB canary: target-group verification of the stable
    Service gates the old ReplicaSets' scale-down)."""
    max_weight: int = 100
    managed_routes: tuple[str, ...] = ()
    canary_service: str = ""
    stable_service: str = ""
    ping_service: str = ""
    """``canary.pingPong.pingService`` ("" without pingPong)."""
    pong_service: str = ""
    """``canary.pingPong.pongService``."""
    scale_down_delay_seconds: float | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: float | None = None
    dynamic_stable_scale: bool = False
    canary_metadata: PodMetadata | None = None
    stable_metadata: PodMetadata | None = None
    min_pods_per_replica_set: int | None = None
    replica_progress_threshold: tuple[str, int] | None = None
    """``canary.replicaProgressThreshold`` as ``(type, value)``: how many of a step's desired
    canary pods must be available (``"Percent"`` of them, any other type a number of pods)
    before the step completes, the stable carries its weight and the rollout promotes; None
    (or a negative value) means all of them."""
    progress_deadline_seconds: float = 600.0
    progress_deadline_abort: bool = False
    min_ready_seconds: float = 0.0
    revision_history_limit: int = 10
    rollback_window_revisions: int | None = None
    background_analysis: BackgroundAnalysis | None = None
    paused: bool = False
    """``spec.paused`` (``kubectl argo rollouts pause``)."""
    restart_at: float | None = None
    """``spec.restartAt`` (``kubectl argo rollouts restart``), simulated seconds."""
    generation: int = 1
    """``metadata.generation``: bump it on every spec change (the world does)."""
    blue_green: BlueGreen | None = None
    """``strategy.blueGreen``; None for a canary (then ``steps`` and the canary fields apply)."""
    workload_generation: int | None = None
    """The generation of the Deployment a ``spec.workloadRef`` resolves to, as the Rollout's
    ``rollout.argoproj.io/workload-generation`` annotation records it; None without one."""

    @property
    def referenced_services(self) -> frozenset[str]:
        """The Services the Rollout names (``GetRolloutServiceKeys``): canary/stable, ping/pong,
        or blue-green active/preview."""
        names = [self.canary_service, self.stable_service, self.ping_service, self.pong_service]
        if self.blue_green is not None:
            names += [self.blue_green.active_service, self.blue_green.preview_service]
        return frozenset(n for n in names if n)

    @cached_property
    def step_hash(self) -> str:
        """A stable digest of the steps (Argo keeps an fnv hash of the steps' JSON in
        ``status.currentStepHash``; any stable digest serves the same purpose here).
        Computed once per plan: every reconcile compares it, and the steps never change.
        (``cached_property`` keeps it in the instance's dict, past the frozen
        ``__setattr__``; later reads are plain attribute reads, with no call.)"""
        # A plan replaced for another field (paused, replicas, a workload generation...)
        # shares its steps tuple with the one before: their digest is kept with it.
        cached = _LAST_STEPS_HASH.get(self.steps)
        if cached is None:
            cached = _LAST_STEPS_HASH.put(self.steps, steps_hash(self.steps))
        return cached

    @property
    def effective_scale_down_delay(self) -> float:
        """``GetScaleDownDelaySecondsOrDefault``: 30 s for blue-green and with traffic routing."""
        if not self.traffic_routing and self.blue_green is None:
            return 0.0
        return 30.0 if self.scale_down_delay_seconds is None else self.scale_down_delay_seconds


_LAST_STEPS_HASH: LastEntry[tuple[Step, ...], str] = LastEntry()
"""The last steps tuple :attr:`Plan.step_hash` digested, held with its digest (an identity
key that stays alive); a steps tuple is immutable, as are the steps in it."""


def steps_hash(steps: tuple[Step, ...]) -> str:
    """Digest of a step list, stable across processes (no ``hash()`` randomisation). A step is
    the list of its parts' fields (each kind of step has its own set of field names, so the
    kind needs no spelling), keys sorted: as Argo hashes the steps' structs, the order in
    which a manifest wrote the keys of an arg mapping does not count as a change. (A part's
    fields are numbers, strings and the manifest's own mappings and lists, which JSON takes
    as they are: no ``asdict`` deep copy.)"""
    payload = json.dumps([[_fields(p) for p in step_parts(s)] for s in steps], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _fields(step: SingleStep) -> dict[str, Any]:
    return {f.name: getattr(step, f.name) for f in fields(step)}
