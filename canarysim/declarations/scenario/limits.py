"""What canarysim refuses to simulate because it would take too long or too much memory.

A run's cost grows with the pods it schedules, the steps it walks, the time buckets it records
and, in exact mode, the requests it draws one by one. Rather than hang (a Rollout with
``replicas: 1000000000``, a ``scale`` to a million, ten thousand steps) a scenario beyond
one of these limits is refused when it is loaded, and again when a run's ``until``/``mode``
are overridden, with one line naming the field and the limit. The limits are documented in
docs/scenario-format.md ("Limits"); each keeps a run within seconds and well under 1 GB.
"""

from __future__ import annotations

from canarysim.declarations.scenario.model import ScaleAction, Scenario
from canarysim.declarations.yamlio import scenario_error

__all__ = [
    "MAX_ACTIONS",
    "MAX_BUCKETS",
    "MAX_EXACT_REQUESTS",
    "MAX_REPLICAS",
    "MAX_STEPS",
    "MAX_UNTIL",
    "check_limits",
]

#: Pods of one ReplicaSet: Rollout ``spec.replicas``, a ``scale`` action, a ``setCanaryScale``
#: or experiment template's ``replicas``.
MAX_REPLICAS = 1000
#: Entries of ``strategy.canary.steps``.
MAX_STEPS = 200
#: Simulated time of one run: seven days.
MAX_UNTIL = 7 * 24 * 3600.0
#: Time buckets of the series (``until / outputs.bucket``).
MAX_BUCKETS = 100_000
#: Operator actions, and faults, of one scenario (each list).
MAX_ACTIONS = 1000
#: Requests an exact-mode run may draw one by one (about 20 s of work); aggregate mode has no
#: such limit.
MAX_EXACT_REQUESTS = 5_000_000

_WHY = "canarysim's limit"


def check_limits(scenario: Scenario, until: float | None = None, mode: str | None = None) -> None:
    """Raise :class:`ScenarioError` for the first limit ``scenario`` exceeds (with ``until``
    and ``mode`` as a run overrides them)."""
    file = str(scenario.source) if scenario.source is not None else "<scenario>"
    end = float(scenario.until if until is None else until)
    where_until = ("until", scenario.line_of("until"))
    if end > MAX_UNTIL:
        _refuse(file, *where_until, f"a run of at most 7d ({MAX_UNTIL:g}s)", f"{end:g}s")
    bucket = scenario.outputs.bucket
    if end / bucket > MAX_BUCKETS:
        _refuse(
            file,
            "outputs.bucket",
            scenario.line_of("outputs", "bucket"),
            f"at most {MAX_BUCKETS:,} time buckets per run (until / bucket)",
            f"{end:g}s / {bucket:g}s = {end / bucket:,.0f}",
        )
    for key in ("operator", "faults"):
        entries = getattr(scenario, key)
        if len(entries) > MAX_ACTIONS:
            _refuse(
                file,
                key,
                scenario.line_of(key),
                f"at most {MAX_ACTIONS:,} entries",
                str(len(entries)),
            )
    for i, action in enumerate(scenario.operator):
        if isinstance(action, ScaleAction) and action.replicas > MAX_REPLICAS:
            _refuse(
                file,
                f"operator[{i}].replicas",
                scenario.line_of("operator", i, "replicas"),
                f"at most {MAX_REPLICAS:,} replicas",
                str(action.replicas),
            )
    if scenario.manifests.rollouts:
        _rollout_limits(scenario)
    chosen = mode or scenario.traffic.mode
    if chosen == "exact":
        expected = _expected_requests(scenario, end)
        if expected > MAX_EXACT_REQUESTS:
            _refuse(
                file,
                "traffic.mode" if mode is None else "--mode",
                scenario.line_of("traffic", "mode") if mode is None else 0,
                f"at most {MAX_EXACT_REQUESTS:,} requests drawn one by one in exact mode "
                "(use aggregate mode for this traffic)",
                f"about {expected:,.0f}",
            )


def _rollout_limits(scenario: Scenario) -> None:
    ro = scenario.rollout
    replicas = ro.spec.replicas
    if replicas is not None and replicas > MAX_REPLICAS:
        _refuse(
            ro.file,
            "spec.replicas",
            ro.line_of("spec", "replicas"),
            f"at most {MAX_REPLICAS:,} replicas",
            str(replicas),
        )
    canary = ro.canary
    if canary is None:
        return
    path = ("spec", "strategy", "canary", "steps")
    if len(canary.steps) > MAX_STEPS:
        _refuse(
            ro.file,
            ".".join(path),
            ro.line_of(*path),
            f"at most {MAX_STEPS} steps",
            str(len(canary.steps)),
        )
    for i, step in enumerate(canary.steps):
        counts: list[tuple[tuple[str | int, ...], int | None]] = []
        scale = step.set_canary_scale
        if scale is not None:
            counts.append((("setCanaryScale", "replicas"), scale.replicas))
            if scale.weight is not None:
                # Argo's trafficWeightToReplicas: ceil(spec.replicas * weight / 100) pods
                pods = -(-(1 if replicas is None else replicas) * scale.weight // 100)
                counts.append((("setCanaryScale", "weight"), pods))
        if step.experiment is not None:
            for j, t in enumerate(step.experiment.templates):
                counts.append((("experiment", "templates", j, "replicas"), t.replicas))
        for sub, value in counts:
            if value is not None and value < 0:
                _refuse(
                    ro.file,
                    _step_field(path, i, sub),
                    ro.line_of(*path, i, *sub),
                    "a value >= 0 (Argo lets it through, but the API server refuses a "
                    "ReplicaSet with negative replicas and the controller retries forever)",
                    str(getattr(scale, str(sub[-1])) if sub[0] == "setCanaryScale" else value),
                )
            if value is not None and value > MAX_REPLICAS:
                _refuse(
                    ro.file,
                    _step_field(path, i, sub),
                    ro.line_of(*path, i, *sub),
                    f"at most {MAX_REPLICAS:,} replicas"
                    + (" (spec.replicas × weight / 100)" if sub[-1] == "weight" else ""),
                    str(value),
                )


def _step_field(path: tuple[str, ...], i: int, sub: tuple[str | int, ...]) -> str:
    """``spec.strategy.canary.steps[0].setCanaryScale.replicas``."""
    tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in sub)
    return ".".join(path) + f"[{i}]" + tail


def _expected_requests(scenario: Scenario, end: float) -> float:
    """Requests of the run on average (the rate integrated over [0, end), sampled)."""
    traffic = scenario.traffic
    own = [h for h in traffic.headers if h.own_shape]
    if traffic.pattern == "constant" and all(h.pattern == "constant" for h in own):
        return (traffic.rate + sum(h.rate or 0.0 for h in own)) * end
    samples = 1000
    step = end / samples
    return sum(traffic.total_rate_at(step * (k + 0.5)) for k in range(samples)) * step


def _refuse(file: str, field: str, line: int, expected: str, got: str) -> None:
    raise scenario_error(file, field, f"{expected} ({_WHY})", line=line or None, got=got)
