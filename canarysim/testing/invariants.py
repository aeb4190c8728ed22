"""What every run of a canary must show, whatever was varied: Argo's and Istio's invariants,
read off a Result.

:func:`violations` returns one line per broken invariant (empty when all hold);
:func:`assert_invariants` raises ``AssertionError`` with them. Some invariants only hold in an
undisturbed world: once a pod or node is killed, or when a version crashes, a Rollout can lose
available pods through no fault of the controller; those checks stop at the first such event.

1. ``weights``: every rendered VirtualService route with weights has integer weights in
   [0, 100] that sum to 100.
2. ``canary-endpoints``: with a router, the canary's weight rises only while the canary
   ReplicaSet has an available pod, and (undisturbed, without experiment steps, whose
   candidate's requests count as the canary's) no request reaches the canary while it has no
   ready pod.
3. ``surge``: a basic canary's ReplicaSets never ask for more than ``replicas + maxSurge``
   pods in all; ``unavailable``: once Healthy, (undisturbed) never fewer than
   ``replicas - maxUnavailable`` available.
4. ``abort``: a rollout that ends aborted has setWeight 0 and (undisturbed, and not left
   paused: a paused Rollout only syncs replica counts) the router's canary weight 0 and a
   stable ReplicaSet that asks for every replica (and has them available when the abort was
   long enough before the end).
5. ``healthy``: a Healthy rollout's stable is its current revision and the router sends the
   canary nothing.
6. ``steps``: the step index stays in [0, steps] and, within a revision, only moves forward
   (an abort goes back to step 0, as ``syncRolloutStatusCanary`` does, and so does a retry
   after it); an aborted rollout is Degraded.
7. ``duration``: ``status.duration`` is consistent, as Argo's e2e suite checks it
   (duration_test.go): an attempt has a start; a finished one has an outcome, no running
   manual pause and a finish not before its start; attempts never start earlier than the one
   before.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from canarysim.declarations import Scenario
from canarysim.engine.replicas import resolve_fenceposts
from canarysim.result import Result

__all__ = ["assert_invariants", "violations"]

#: Abort this long before the end of the run: the stable has had time to be fully available.
SETTLE_SECONDS = 600.0


def _canary_spec(scenario: Scenario) -> dict[str, Any]:
    spec = scenario.rollout.raw.get("spec") or {}
    return ((spec.get("strategy") or {}).get("canary")) or {}


def _routed(scenario: Scenario) -> bool:
    return bool(_canary_spec(scenario).get("trafficRouting"))


def disturbed_from(result: Result, scenario: Scenario) -> float:
    """When the world stopped being undisturbed: the first pod or node killed, 0 when a
    version crashes or is never ready, infinity otherwise."""
    for version in scenario.versions.values():
        if version.crash is not None or not version.ready:
            return 0.0
    for e in result.events:
        if e.get("source") == "fault" and e.get("message") in ("pod killed", "node lost"):
            return float(e["time"])
    return math.inf


def _weights(result: Result) -> list[str]:
    out: list[str] = []
    for t, manifests in result.manifest_history:
        for vs in manifests.get("virtualservices") or []:
            name = (vs.get("metadata") or {}).get("name", "?")
            for kind in ("http", "tls", "tcp"):
                for route in (vs.get("spec") or {}).get(kind) or []:
                    weights = [d.get("weight") for d in route.get("route") or []]
                    if all(w is None for w in weights):
                        continue
                    ok = all(isinstance(w, int) and not isinstance(w, bool) for w in weights)
                    ok = ok and all(0 <= w <= 100 for w in weights) and sum(weights) == 100
                    if not ok:
                        out.append(
                            f"weights: t={t:g}s VirtualService {name} route "
                            f"{route.get('name', '?')}: {weights} (integers 0..100 summing to 100)"
                        )
    return out


def _canary_endpoints(result: Result, scenario: Scenario, calm_until: float) -> list[str]:
    if not _routed(scenario):
        return []
    out: list[str] = []
    s = result.series
    times, weight = s["time"], s.get("weight.canary")
    ready, requests = s.get("rs.canary.ready"), s.get("requests.canary")
    if weight is None:
        return out
    for i in range(1, len(times)):
        if weight[i] > weight[i - 1]:
            snap = result.status_at(float(times[i]))
            canary = [rs for rs in snap.replica_sets if rs.hash == snap.canary_hash]
            if not canary or canary[0].available < 1:
                out.append(
                    f"canary-endpoints: t={times[i]:g}s weight rose to {weight[i]:g} while the "
                    "canary ReplicaSet had no available pod"
                )
    experiments = any("experiment" in step for step in _canary_spec(scenario).get("steps") or [])
    if ready is not None and requests is not None and not experiments:
        for i in range(len(times)):
            if times[i] >= calm_until:
                break
            if ready[i] == 0 and requests[i] > 0:
                out.append(
                    f"canary-endpoints: t={times[i]:g}s {int(requests[i])} requests went to "
                    "the canary while it had no ready pod"
                )
                break
    return out


def _fenceposts(scenario: Scenario, replicas: int) -> tuple[int, int]:
    canary = _canary_spec(scenario)
    return resolve_fenceposts(canary.get("maxSurge"), canary.get("maxUnavailable"), replicas)


def _surge_and_unavailable(result: Result, scenario: Scenario, calm_until: float) -> list[str]:
    if _routed(scenario):
        return []
    out: list[str] = []
    healthy_since: float | None = None
    for snap in result.snapshots:
        surge, unavailable = _fenceposts(scenario, snap.desired)
        asked = sum(rs.desired for rs in snap.replica_sets)
        if asked > snap.desired + surge:
            out.append(
                f"surge: t={snap.time:g}s ReplicaSets ask for {asked} pods > replicas "
                f"{snap.desired} + maxSurge {surge}"
            )
        if healthy_since is None and snap.phase == "Healthy" and snap.available >= snap.desired:
            healthy_since = snap.time
        if healthy_since is not None and snap.time < calm_until:
            floor = snap.desired - unavailable
            if snap.available < floor:
                out.append(
                    f"unavailable: t={snap.time:g}s {snap.available} available < replicas "
                    f"{snap.desired} - maxUnavailable {unavailable}"
                )
    return out[:5]


def _abort(result: Result, scenario: Scenario, calm_until: float) -> list[str]:
    final = result.final
    if not final.aborted:
        return []
    out: list[str] = []
    if final.set_weight != 0:
        out.append(f"abort: ended aborted with setWeight {final.set_weight}")
    calm = calm_until >= result.until
    # A paused Rollout (spec.paused) only syncs replica counts (controller.go's
    # syncReplicasOnly): the abort is not acted on until it is resumed.
    acting = calm and not spec_paused_at_end(result)
    if acting and _routed(scenario) and "weight.canary" in result.series:
        # Disturbed, the stable may not carry the traffic back (checkReplicasAvailable).
        w = float(result.series["weight.canary"][-1])
        if w != 0:
            out.append(f"abort: ended aborted with canary weight {w:g} in the router")
    stable = [rs for rs in final.replica_sets if rs.hash == final.stable_hash]
    # Disturbed (a crash-looping stable, say), a basic canary cannot scale the canary down
    # for want of available stable pods, so maxSurge keeps the stable short: Argo does too.
    if acting and (not stable or stable[0].desired != final.desired):
        got = stable[0].desired if stable else "no stable ReplicaSet"
        out.append(f"abort: stable ReplicaSet asks for {got}, not {final.desired}")
    aborted_at = result.summary.get("aborted_at")
    settled = aborted_at is not None and aborted_at + SETTLE_SECONDS <= result.until
    if (
        stable
        and settled
        and acting
        and aborted_at is not None
        and stable[0].available < final.desired
    ):
        out.append(
            f"abort: stable ReplicaSet has {stable[0].available} of {final.desired} available "
            f"{result.until - aborted_at:g}s after the abort"
        )
    return out


def spec_paused_at_end(result: Result) -> bool:
    """Whether the operator left ``spec.paused`` true: a ``pause`` not followed by a
    ``promote`` or an unpausing patch (``resume``)."""
    paused = False
    for e in result.events:
        if e.get("source") != "operator":
            continue
        message = str(e.get("message", "")).replace(" ", "")
        if message.startswith("kubectlargorolloutspause"):
            paused = True
        elif message.startswith("kubectlargorolloutspromote") or '"paused":false' in message:
            paused = False
        elif '"paused":true' in message:
            paused = True
    return paused


def _healthy(result: Result, scenario: Scenario) -> list[str]:
    out: list[str] = []
    s = result.series
    for snap in result.snapshots:
        if snap.phase != "Healthy":
            continue
        if snap.stable_hash != snap.canary_hash:
            out.append(
                f"healthy: t={snap.time:g}s Healthy but stable {snap.stable_hash} is not "
                f"the current revision {snap.canary_hash}"
            )
            break
    if _routed(scenario) and "weight.canary" in s:
        phases = [(snap.time, snap.phase) for snap in result.snapshots]
        for i, t in enumerate(s["time"]):
            phase = _phase_at(phases, float(t))
            if phase == "Healthy" and s["weight.canary"][i] != 0:
                out.append(f"healthy: t={t:g}s Healthy but canary weight {s['weight.canary'][i]:g}")
                break
    return out


def _phase_at(phases: list[tuple[float, str]], t: float) -> str:
    current = ""
    for time, phase in phases:
        if time > t:
            break
        current = phase
    return current


def _steps(result: Result) -> list[str]:
    out: list[str] = []
    for snap in result.snapshots:
        # One past the last step is Argo's own: a pause step that completes in the reconcile
        # that applies `promote --full` increments the step count it aliases (canary.go,
        # syncRolloutStatusCanary), until the promotion lands.
        if snap.step_index is not None and not 0 <= snap.step_index <= snap.step_count + 1:
            out.append(f"steps: t={snap.time:g}s step index {snap.step_index} of {snap.step_count}")
        if snap.aborted and snap.phase != "Degraded":
            out.append(f"steps: t={snap.time:g}s aborted but {snap.phase}")
    for a, b in itertools.pairwise(result.snapshots):
        if a.canary_hash != b.canary_hash or a.aborted or b.aborted or a.step_index is None:
            continue
        past_the_end = a.step_index == a.step_count + 1  # Argo's own, see above: back to n
        if b.step_index is not None and b.step_index < a.step_index and not past_the_end:
            out.append(
                f"steps: t={b.time:g}s step index went back from {a.step_index} to "
                f"{b.step_index} within revision {a.canary_hash}"
            )
    return out[:5]


def _duration(result: Result) -> list[str]:
    out: list[str] = []
    started = -math.inf
    for snap in result.snapshots:
        d = snap.duration
        if d is None:
            continue
        at = f"duration: t={snap.time:g}s"
        if d.rollout_started_at is None:
            out.append(f"{at} no rolloutStartedAt")
            continue
        if d.rollout_started_at < started:
            out.append(f"{at} rolloutStartedAt went back to {d.rollout_started_at:g}s")
        started = d.rollout_started_at
        if d.finished_at is not None and (
            d.completion_status is None
            or d.manual_pause_started_at is not None
            or d.finished_at < d.rollout_started_at
        ):
            out.append(f"{at} finished attempt inconsistent: {d}")
    return out[:5]


def violations(result: Result, scenario: Scenario) -> list[str]:
    """Every broken invariant of ``result`` (a run of ``scenario``), one line each."""
    if not result.snapshots:
        return ["steps: no snapshot at all"]
    calm = disturbed_from(result, scenario)
    out = _weights(result)[:5]
    out += _canary_endpoints(result, scenario, calm)
    out += _surge_and_unavailable(result, scenario, calm)
    out += _abort(result, scenario, calm)
    out += _healthy(result, scenario)
    out += _steps(result)
    out += _duration(result)
    times = np.asarray(result.series.get("time", []), dtype=float)
    if len(times) and times[-1] > result.until + 1e-6:
        out.append(f"steps: series runs past the end ({times[-1]:g}s > {result.until:g}s)")
    return out


def assert_invariants(result: Result, scenario: Scenario) -> None:
    """Raise ``AssertionError`` listing every broken invariant."""
    found = violations(result, scenario)
    if found:
        raise AssertionError("invariants broken:\n  " + "\n  ".join(found))
