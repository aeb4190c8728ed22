"""Updates between a template whose container cannot start and one that can.

Replays upstream ``test/e2e/functional_test.go::TestRolloutGoodToBadUpdate``,
``TestRolloutBadToGoodUpdate``, ``TestRolloutBadToBadUpdate`` and
``TestRolloutBadToGoodSetWeightUpdate``: four replicas, ``maxSurge: 1``,
``maxUnavailable: 0``, ``progressDeadlineSeconds: 10``, and templates whose container runs
``command: [/bad-command]`` (a path the image does not hold, so the container fails at every
start). The updates are the fixture's strategic-merge patches of the container's ``command``.

Difference in our model: canarysim's pod behaviour is keyed by image, not by command (it
cannot know which paths an image holds), so each bad template also names its own image
(``app:bad-command``, ``app:bad-command2``) whose ``versions`` entry crashes at every start
(``crash: {afterStart: 0s}``, a crash loop); the good template is the fixture's, the command
removed (``command: null``) and the original image back.
"""

from __future__ import annotations

from typing import Any

from fidelitykit import basic, by_revision, op, pod_count, simulate, with_spec

CRASH_LOOP = {"crash": {"afterStart": "0s"}}
VERSIONS = {"app:bad-command": CRASH_LOOP, "app:bad-command2": CRASH_LOOP}
WHEN_DEGRADED = {"phase": "Degraded"}


def _container_patch(command: list[str] | None, **spec: Any) -> dict[str, Any]:
    image = f"app:{command[0].strip('/')}" if command else "app:v1"
    container = {"name": "main", "command": command, "image": image}
    return {"spec": {**spec, "template": {"spec": {"containers": [container]}}}}


def _rollout(steps: list[dict[str, Any]] | None = None, *, bad: bool) -> list[dict[str, Any]]:
    manifests = basic(steps or [], replicas=4, maxSurge=1, maxUnavailable=0)
    if steps is None:
        del manifests[0]["spec"]["strategy"]["canary"]["steps"]
    if bad:
        with_spec(manifests, progressDeadlineSeconds=10)
        container = manifests[0]["spec"]["template"]["spec"]["containers"][0]
        container.update(image="app:bad-command", command=["/bad-command"])
    return manifests


def _patch_when_degraded(patch: dict[str, Any]) -> dict[str, Any]:
    return {"when": WHEN_DEGRADED, "do": "patch", "type": "strategic", "patch": patch}


def _degraded_times(r) -> list[float]:
    """The first instant of each stretch of Degraded."""
    times, before = [], None
    for s in r.snapshots:
        if s.phase == "Degraded" and before != "Degraded":
            times.append(s.time)
        before = s.phase
    return times


def test_rollout_good_to_bad_update_replay(tmp_path):
    """Carried over: a Healthy rollout patched to a bad command (and a 10 s deadline) turns
    Degraded with 1 canary pod and 4 stable pods (maxUnavailable 0 keeps every stable pod);
    patched to another bad command it goes Progressing then Degraded again, with revision 1
    at 4 pods, revision 2 at 0 and revision 3 at 1. Extra: the deadline is what degrades it
    (``ProgressDeadlineExceeded``), about 10 s after each update."""
    r = simulate(
        tmp_path,
        _rollout(bad=False),
        [
            op("1m", "patch", type="strategic",
               patch=_container_patch(["/bad-command"], progressDeadlineSeconds=10)),
            _patch_when_degraded(_container_patch(["/bad-command2"])),
        ],
        until="3m", versions=VERSIONS,
    )  # fmt: skip
    assert r.status_at(59).phase == "Healthy"
    first, second = _degraded_times(r)[:2]
    assert 70 <= first <= 72
    degraded = r.status_at(first)
    assert degraded.message.startswith("ProgressDeadlineExceeded")
    assert pod_count(r, first, 2) == 1 and pod_count(r, first, 1) == 4
    assert degraded.canary_hash == by_revision(degraded)[2].hash
    assert degraded.stable_hash == by_revision(degraded)[1].hash
    between = [s.phase for s in r.snapshots if first < s.time < second]
    assert "Progressing" in between
    assert [pod_count(r, second, rev) for rev in (1, 2, 3)] == [4, 0, 1]
    assert r.final.phase == "Degraded"
    assert [pod_count(r, r.until, rev) for rev in (1, 2, 3)] == [4, 0, 1]


def test_rollout_bad_to_good_update_replay(tmp_path):
    """Carried over: created with a bad command, the rollout turns Degraded; patched to a 60 s
    deadline and no command, it becomes Healthy with revision 2 at 4 pods and revision 1 at
    0. Extra: surge 1 and unavailable 0 hold all the way (never more than 5 pods wanted)."""
    r = simulate(
        tmp_path,
        _rollout(bad=True),
        [_patch_when_degraded(_container_patch(None, progressDeadlineSeconds=60))],
        until="3m", versions=VERSIONS,
    )  # fmt: skip
    degraded = _degraded_times(r)[0]
    assert r.status_at(degraded).message.startswith("ProgressDeadlineExceeded")
    assert r.final.phase == "Healthy"
    assert [pod_count(r, r.until, rev) for rev in (1, 2)] == [0, 4]
    for snap in r.snapshots:
        assert sum(rs.desired for rs in snap.replica_sets) <= 5, snap


def test_rollout_bad_to_bad_update_replay(tmp_path):
    """Carried over: created with a bad command and Degraded, then patched to another bad
    command: Progressing, then Degraded again with revision 2 at 1 pod and revision 1 at 4
    (maxSurge 1 and maxUnavailable 0 still honoured though no pod was ever available)."""
    r = simulate(
        tmp_path,
        _rollout(bad=True),
        [_patch_when_degraded(_container_patch(["/bad-command2"]))],
        until="3m", versions=VERSIONS,
    )  # fmt: skip
    first, second = _degraded_times(r)[:2]
    assert "Progressing" in [s.phase for s in r.snapshots if first < s.time < second]
    assert [pod_count(r, second, rev) for rev in (1, 2)] == [4, 1]
    assert r.final.phase == "Degraded"
    assert [pod_count(r, r.until, rev) for rev in (1, 2)] == [4, 1]


def test_rollout_bad_to_good_set_weight_update_replay(tmp_path):
    """Steps setWeight 50 / pause 5 s. Carried over: created with a bad command and Degraded,
    then patched to no command: Healthy with revision 2 at 4 pods and revision 1 at 0. Extra:
    on the way it pauses at the 50 % step, half of the pods wanted of each revision."""
    steps = [{"setWeight": 50}, {"pause": {"duration": "5s"}}]
    r = simulate(
        tmp_path,
        _rollout(steps, bad=True),
        [_patch_when_degraded(_container_patch(None))],
        until="3m", versions=VERSIONS,
    )  # fmt: skip
    paused = next(s for s in r.snapshots if s.phase == "Paused")
    assert paused.step_index == 1
    assert {rev: rs.desired for rev, rs in by_revision(paused).items()} == {1: 2, 2: 2}
    assert r.final.phase == "Healthy"
    assert [pod_count(r, r.until, rev) for rev in (1, 2)] == [0, 4]
