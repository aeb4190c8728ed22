"""The scenario format: what a cluster would supply around the manifests.

A scenario names (or embeds) the manifests and adds what no manifest says: how long pods take
to start, how each image behaves (errors, latency, crashes), the traffic, what the operator
types and when, faults, and what to write out. Unknown keys are errors (our format, so typos
must fail loudly); the full reference with a complete example is docs/scenario-format.md and
the JSON Schema is :func:`canarysim.declarations.scenario_json_schema`.

This module holds the :class:`Scenario` and its run settings (outputs, metrics, AWS, SLO);
how the pods and images behave (``cluster``, ``pods``, ``versions``) is in :mod:`.behaviour`.

Times are simulated seconds from the start of the run (floats). Latencies are seconds too
(``20ms`` reads as 0.02); ``Delay.to_spec(1000)`` gives milliseconds.
"""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.base import empty_list, private
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario.actions import (
    Abort,
    ApplyObject,
    DeleteObject,
    ErrorSpike,
    Fault,
    KillNode,
    KillPod,
    MarkPodsReady,
    OperatorAction,
    PauseAction,
    Promote,
    PromoteFull,
    Restart,
    Resume,
    Retry,
    ScaleAction,
    SetImage,
    Undo,
)
from canarysim.declarations.scenario.analysis import Analysis
from canarysim.declarations.scenario.behaviour.pods import Cluster, PodBehaviour, Pods
from canarysim.declarations.scenario.behaviour.versions import Version, default_version
from canarysim.declarations.scenario.changes import CHANGES, changed_data, patched_manifests
from canarysim.declarations.scenario.expect import Expect
from canarysim.declarations.scenario.traffic import Traffic
from canarysim.declarations.scenario.values import (
    Delay,
    PositiveDuration,
    ScenarioModel,
    parse_nonnegative,
)
from canarysim.errors import ScenarioError

__all__ = [
    "Fault",
    "OperatorAction",
    "Outputs",
    "Scenario",
    "Slo",
]


# ------------------------------------------------------------------------------ outputs
OutputFormat = Literal["json", "csv", "png", "txt"]


def _json_only() -> list[OutputFormat]:
    return ["json"]


class Outputs(ScenarioModel):
    dir: str | None = None
    """Directory (relative to the scenario) for the files below; none: write nothing."""
    formats: list[OutputFormat] = Field(default_factory=lambda: _json_only())
    bucket: PositiveDuration = 10.0
    """Width of a time bucket of the request/error/latency series."""


class Metrics(ScenarioModel):
    prometheus: Literal["2", "3"] = "3"
    """Which Prometheus major version answers queries: 3.x leaves the start of a range or
    lookback window out, 2.x includes a sample exactly on it."""

    @field_validator("prometheus", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Aws(ScenarioModel):
    """AWS as an ALB Rollout sees it: the Rollouts controller's ``--aws-verify-target-group``
    flag (``--alb-verify-weight`` is its deprecated name: one flag) and how long the AWS Load
    Balancer Controller takes to apply a change to the load balancer (an Ingress's listener
    rules and target-group weights, a Service's endpoints as registered targets)."""

    verify_target_group: bool = False
    """The controller runs with ``--aws-verify-target-group``: after each weight change it
    waits until the target groups hold it, and before it lets go of the old pods it waits
    until the target groups TargetGroupBindings bind to the active (blue-green) or stable
    (ALB canary) Service hold the new pods."""
    alb_verify_weight: bool = False
    """``--alb-verify-weight``: the same flag under its deprecated name."""
    alb_sync_delay: Delay = Field(default_factory=lambda: Delay.of(2.0))
    """Ingress or endpoints change -> the load balancer routes by it (drawn per change)."""

    @model_validator(mode="after")
    def _one_flag(self) -> "Aws":
        given = self.model_fields_set & {"verify_target_group", "alb_verify_weight"}
        if len(given) == 2 and self.verify_target_group != self.alb_verify_weight:
            raise ValueError(
                "verifyTargetGroup and albVerifyWeight name the same controller flag "
                "(--aws-verify-target-group, formerly --alb-verify-weight): give one, or the "
                "same value to both"
            )
        return self

    @property
    def verify(self) -> bool:
        """The controller's flag, whichever name set it."""
        return self.verify_target_group or self.alb_verify_weight


# ------------------------------------------------------------------------------ slo
_DAY = 86400.0


def _slo_window(value: Any) -> float:
    """A duration that may also count days (``30d``, ``28d``): SLO windows are written so."""
    if isinstance(value, str) and value.endswith("d") and value[:-1].isdigit():
        days = int(value[:-1])
        if days < 1:
            raise ValueError(f"a window of at least one day, got {value!r}")
        return parse_nonnegative(days * _DAY)
    seconds = parse_nonnegative(value)
    if seconds <= 0:
        raise ValueError(f"a window longer than zero, got {value!r}")
    return seconds


_SLO_WINDOW_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^[0-9]+d$", "description": "days: 30d, 28d"},
        {
            "type": "string",
            "pattern": r"^([0-9]+|([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+)$",
            "description": "Go/Argo duration: 720h",
        },
        {"type": "number", "exclusiveMinimum": 0, "description": "seconds"},
    ]
}


class Slo(ScenarioModel):
    """The service's availability objective, for the error-budget burn of a sweep's risk report:
    at most ``error_rate`` of requests may fail over a rolling ``window``."""

    error_rate: Annotated[float, Field(gt=0.0, le=1.0)]
    window: Annotated[float, BeforeValidator(_slo_window), WithJsonSchema(_SLO_WINDOW_SCHEMA)] = (
        30 * _DAY
    )


# ------------------------------------------------------------------------------ the scenario
ManifestRef = str | dict[str, Any]

#: Error rules of ``canarysim validate`` a scenario may accept (``acceptErrors``): input a
#: cluster takes and whose consequence the simulator plays out as the cluster would. Errors a
#: cluster or kubectl refuses outright (load/*, scenario/*, lint/vs-weights) cannot be accepted.
ACCEPTABLE_ERRORS = (
    "argo/invalid-spec",
    "lint/analysis-spec",
    "lint/destination-rule",
    "lint/service-selects-nothing",
    "lint/target-port",
)

#: How a loader rebuilds a scenario from changed data: ``(data, manifests or None to load
#: them again, base directory, source file) -> Scenario``.
Rebuild = Callable[[dict[str, Any], Manifests | None, Path, Path | None], "Scenario"]


class Scenario(ScenarioModel):
    """A loaded scenario. Build it with :func:`canarysim.declarations.load_scenario` (from a file)
    or
    :func:`canarysim.declarations.scenario_from_manifests`; both attach the loaded manifests."""

    name: str = ""
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=(1 << 63) - 1)] = 0
    until: PositiveDuration = 7200.0
    start: Literal["healthy", "empty"] = "healthy"
    """How the run begins. ``healthy``: the Rollout is already deployed and Healthy at
    revision 1 when the clock starts (its pods Running and Ready since before t=0, the
    Services and routers as Argo leaves them after a completed first rollout). ``empty``:
    nothing is deployed yet; the controller creates revision 1 at t=0 and its pods start up."""
    namespace: str = "default"
    """Namespace of objects that do not name one (``kubectl apply -n``)."""
    rollout_name: str | None = Field(default=None, alias="rollout")
    """Which Rollout to simulate when the manifests hold several."""
    manifest_refs: list[ManifestRef] = Field(default_factory=empty_list, alias="manifests")
    """Manifest files (relative to the scenario file) and/or embedded objects."""
    cluster: Cluster = Field(default_factory=Cluster)
    pods: Pods = Field(default_factory=Pods)
    versions: dict[str, Version] = Field(default_factory=dict)
    traffic: Traffic = Field(default_factory=Traffic)
    operator: list[OperatorAction] = Field(default_factory=empty_list)
    faults: list[Fault] = Field(default_factory=empty_list)
    outputs: Outputs = Field(default_factory=Outputs)
    analysis: Analysis = Field(default_factory=Analysis)
    """How the simulated metric providers (Jobs, web endpoints, Prometheus) answer."""
    metrics: Metrics = Field(default_factory=Metrics)
    """How the simulated metrics are stored and queried."""
    aws: Aws = Field(default_factory=Aws)
    """AWS ALB weight verification and the load balancer's sync delay."""
    accept_errors: list[Literal[ACCEPTABLE_ERRORS]] = Field(default_factory=empty_list)  # type: ignore[valid-type]
    """Rules of ``canarysim validate`` errors this scenario plays out on purpose (e.g. the
    as-published manifests Argo refuses with InvalidSpec); every other error is refused."""
    expect: Expect | None = None
    """What the run must show (``canarysim test``); see :mod:`.expect`."""
    slo: Slo | None = None
    """The service's SLO (read by sweeps' error-budget burn; the simulation ignores it)."""

    _manifests: Manifests = PrivateAttr(default_factory=Manifests)
    _source: Path | None = PrivateAttr(default=None)
    _lines: dict[tuple[Any, ...], int] = PrivateAttr(default_factory=dict)
    _data: dict[str, Any] = PrivateAttr(default_factory=dict)
    _base: Path | None = PrivateAttr(default=None)
    _rebuild: Rebuild | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _in_order(self) -> "Scenario":
        # Timed actions in time order; conditional ones (no ``at``) after them, as written.
        timed = sorted(
            (a for a in self.operator if a.at is not None), key=lambda a: float(a.at or 0.0)
        )
        object.__setattr__(self, "operator", [*timed, *(a for a in self.operator if a.at is None)])
        object.__setattr__(self, "faults", sorted(self.faults, key=lambda a: a.at))
        return self

    # -------------------------------------------------------------- what the simulator reads
    @property
    def manifests(self) -> Manifests:
        """Every loaded object, typed and raw (see :class:`Manifests`). Read-only, as the
        scenario is: runs share what they derive from these objects (``sim.build``'s
        scenario facts), so derive a change with ``with_manifest``/``with_changes``."""
        manifests: Manifests = private(self)["_manifests"]
        return manifests

    @property
    def rollout(self) -> Rollout:
        """The Rollout being simulated."""
        ros = self.manifests.rollouts
        if self.rollout_name is not None:
            for ro in ros:
                if ro.name == self.rollout_name:
                    return ro
        return ros[0]

    @property
    def source(self) -> Path | None:
        """The scenario file, or None when built in memory."""
        source: Path | None = private(self)["_source"]
        return source

    @property
    def base_dir(self) -> Path:
        """Directory that relative paths (manifests, csv, outputs) are resolved against."""
        if self._base is not None:
            return self._base
        return self._source.parent if self._source is not None else Path.cwd()

    @property
    def data(self) -> dict[str, Any]:
        """The scenario as written (keys as in the YAML; a deep copy)."""
        return copy.deepcopy(self._data)

    def with_changes(self, **changes: Any) -> "Scenario":
        """A new scenario with ``changes`` merged in, validated like a file.

        Keys are top-level keys as written in the YAML (``seed``, ``until``, ``traffic``, ...;
        ``rollout`` and ``manifests`` too); a mapping merges into the mapping it changes (a
        JSON merge patch: ``None`` deletes a key; lists and other values replace), nested keys
        camelCase as in the YAML. Raises ScenarioError naming the field (file ``<changes>``).

        >>> faster = scenario.with_changes(seed=2, traffic={"rate": 500})  # doctest: +SKIP
        """
        fields = type(self).model_fields
        aliases = {k: f.alias for k, f in fields.items() if f.alias}
        data, reload = changed_data(self._data, changes, aliases)
        return self._rebuilt(data, None if reload else self.manifests)

    def with_manifest(
        self, kind: str, name: str, patch: dict[str, Any], namespace: str | None = None
    ) -> "Scenario":
        """A new scenario whose loaded manifest ``kind``/``name`` (e.g. ``"Rollout"``,
        ``"imesh-rollout"``) has ``patch`` merged in (JSON merge patch, keys as in the
        manifest) and is validated again. Raises ScenarioError naming the field.

        >>> steps = {"spec": {"strategy": {"canary": {"steps": [{"setWeight": 20}]}}}}
        >>> s = scenario.with_manifest("Rollout", "imesh-rollout", steps)  # doctest: +SKIP
        """
        fresh = patched_manifests(self.manifests, kind, name, patch, namespace)
        return self._rebuilt(self.data, fresh)

    def _rebuilt(self, data: dict[str, Any], manifests: Manifests | None) -> "Scenario":
        """The scenario rebuilt from ``data`` by the loader that built this one (it hands
        itself over in :meth:`attach`), keeping manifests unless they must be loaded again."""
        if self._rebuild is None:
            raise ScenarioError(
                CHANGES, "", "a scenario built by load_scenario or scenario_from_manifests"
            )
        return self._rebuild(data, manifests, self.base_dir, self.source)

    def version_for(self, image: str) -> Version:
        """Behaviour of ``image`` (the built-in default when the scenario omits it)."""
        return self.versions.get(image, default_version())

    def pod_behaviour(self, image: str) -> PodBehaviour:
        """Fully resolved pod start-up behaviour for ``image``."""
        return self.pods.for_image(image)

    def attach(
        self,
        manifests: Manifests,
        source: Path | None,
        lines: dict[tuple[Any, ...], int] | None = None,
        *,
        data: dict[str, Any] | None = None,
        base_dir: Path | None = None,
        rebuild: Rebuild | None = None,
    ) -> None:
        """Used by the loaders: the loaded manifests, where the scenario came from, and the
        data as written (what :meth:`with_changes` patches)."""
        self._manifests = manifests
        self._source = source
        self._lines = dict(lines or {})
        self._data = copy.deepcopy(dict(data or {}))
        self._base = base_dir
        self._rebuild = rebuild

    def line_of(self, *path: Any) -> int:
        """Line of a key of the scenario file (of its closest ancestor; 0 when unknown)."""
        p = tuple(path)
        lines = private(self)["_lines"]
        while p:
            if p in lines:
                return int(lines[p])
            p = p[:-1]
        return int(lines.get((), 0))


__all__ += [
    "Abort",
    "ApplyObject",
    "DeleteObject",
    "ErrorSpike",
    "KillNode",
    "KillPod",
    "MarkPodsReady",
    "PauseAction",
    "Promote",
    "PromoteFull",
    "Restart",
    "Resume",
    "Retry",
    "ScaleAction",
    "SetImage",
    "Undo",
]
