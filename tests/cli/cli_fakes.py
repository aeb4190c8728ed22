"""A hand-made Result shaped like the seed scenario's run (2 replicas, setWeight 50, pause 1h),
so the report layer can be tested without the simulator. Numbers are round on purpose."""

from __future__ import annotations

import numpy as np

from canarysim.result import PodSnapshot, ReplicaSetSnapshot, Result, RolloutSnapshot

STABLE, CANARY = "6c9f5b7d8", "5d8f9c4b7"
NAME = "imesh-rollout"


def _pods(rs_hash: str, n: int, created: float, ready: bool, status: str = "Running"):
    ids = ["x7k2p", "q9m4t", "b3n8w"]
    return tuple(
        PodSnapshot(
            name=f"{NAME}-{rs_hash}-{ids[i]}",
            status=status,
            ready=ready,
            available=ready,
            restarts=0,
            created=created,
        )
        for i in range(n)
    )


def _rs(
    rs_hash,
    revision,
    role,
    image,
    desired,
    ready,
    available,
    created,
    pods_created,
    scale_down_at=None,
    status="Running",
):
    current = desired
    return ReplicaSetSnapshot(
        name=f"{NAME}-{rs_hash}",
        hash=rs_hash,
        revision=revision,
        role=role,
        image=image,
        desired=desired,
        current=current,
        ready=ready,
        available=available,
        created=created,
        scale_down_at=scale_down_at,
        pods=_pods(rs_hash, current, pods_created, ready == current, status),
    )


def _snap(
    t,
    phase,
    message,
    step,
    set_w,
    act_w,
    sets,
    *,
    stable=STABLE,
    canary=CANARY,
    revision=2,
    paused_until=None,
    aborted=False,
    updated=1,
):
    current = sum(rs.current for rs in sets)
    ready = sum(rs.ready for rs in sets)
    avail = sum(rs.available for rs in sets)
    return RolloutSnapshot(
        time=t,
        name=NAME,
        namespace="deb-ns",
        phase=phase,
        message=message,
        strategy="Canary",
        step_index=step,
        step_count=2,
        set_weight=set_w,
        actual_weight=act_w,
        paused_remaining=None if paused_until is None else paused_until - t,
        aborted=aborted,
        revision=revision,
        stable_hash=stable,
        canary_hash=canary,
        desired=2,
        current=current,
        updated=updated,
        ready=ready,
        available=avail,
        replica_sets=tuple(sets),
        paused_until=paused_until,
    )


def seed_like_result() -> Result:
    v1, v2 = "nginx:1.15.4", "nginx:1.15.5"
    stable_ok = _rs(STABLE, 1, "stable", v1, 2, 2, 2, 0.0, 0.0)
    snaps = [
        _snap(
            0.0,
            "Progressing",
            "more replicas need to be updated",
            2,
            100,
            100,
            [_rs(STABLE, 1, "stable", v1, 2, 0, 0, 0.0, 0.0, status="ContainerCreating")],
            canary=STABLE,
            revision=1,
            updated=0,
        ),
        _snap(42.0, "Healthy", "", 2, 100, 100, [stable_ok], canary=STABLE, revision=1, updated=2),
        _snap(
            300.0,
            "Progressing",
            "more replicas need to be updated",
            0,
            50,
            0,
            [
                _rs(CANARY, 2, "canary", v2, 1, 0, 0, 300.0, 300.0, status="ContainerCreating"),
                stable_ok,
            ],
            updated=0,
        ),
        _snap(
            342.0,
            "Paused",
            "CanaryPauseStep",
            1,
            50,
            50,
            [_rs(CANARY, 2, "canary", v2, 1, 1, 1, 300.0, 300.0), stable_ok],
            paused_until=3942.0,
        ),
        _snap(
            3942.0,
            "Progressing",
            "more replicas need to be updated",
            2,
            100,
            50,
            [_rs(CANARY, 2, "canary", v2, 2, 1, 1, 300.0, 300.0), stable_ok],
        ),
        _snap(
            3985.0,
            "Healthy",
            "",
            2,
            100,
            100,
            [
                _rs(CANARY, 2, "stable", v2, 2, 2, 2, 300.0, 300.0),
                _rs(STABLE, 1, "old", v1, 2, 2, 2, 0.0, 0.0, scale_down_at=4015.0),
            ],
            stable=CANARY,
            updated=2,
        ),
        _snap(
            4015.0,
            "Healthy",
            "",
            2,
            100,
            100,
            [
                _rs(CANARY, 2, "stable", v2, 2, 2, 2, 300.0, 300.0),
                _rs(STABLE, 1, "old", v1, 0, 0, 0, 0.0, 0.0),
            ],
            stable=CANARY,
            updated=2,
        ),
    ]
    obj = f"Rollout/{NAME}"
    events = [
        {
            "time": 0.0,
            "kind": "Normal",
            "object": obj,
            "reason": "NewReplicaSetCreated",
            "message": f"Created ReplicaSet {NAME}-{STABLE} (revision 1)",
        },
        {
            "time": 300.0,
            "kind": "Normal",
            "object": obj,
            "reason": "RolloutUpdated",
            "message": "Rollout updated to revision 2",
        },
        {
            "time": 300.0,
            "kind": "Normal",
            "object": obj,
            "reason": "NewReplicaSetCreated",
            "message": f"Created ReplicaSet {NAME}-{CANARY} (revision 2)",
        },
        {
            "time": 342.0,
            "kind": "Normal",
            "object": obj,
            "reason": "TrafficWeightUpdated",
            "message": "Traffic weight updated from 0 to 50",
        },
        {
            "time": 342.0,
            "kind": "Normal",
            "object": obj,
            "reason": "RolloutStepCompleted",
            "message": "Rollout step 1/2 completed (setWeight: 50)",
        },
        {
            "time": 3942.0,
            "kind": "Normal",
            "object": obj,
            "reason": "RolloutStepCompleted",
            "message": "Rollout step 2/2 completed (pause: 1h)",
        },
        {
            "time": 3985.0,
            "kind": "Normal",
            "object": obj,
            "reason": "RolloutCompleted",
            "message": "Rollout completed update to revision 2 (5d8f9c4b7): Completed all 2 "
            "canary steps",
        },
    ]
    times = np.arange(0.0, 7200.0, 10.0)
    canary_w = np.where((times >= 342) & (times < 3985), 50, np.where(times >= 3985, 100, 0))
    on_canary = times >= 3985
    req = np.full(times.shape, 1000, dtype=np.int64)
    req_c = np.where(on_canary, 0, req * canary_w // 100).astype(np.int64)
    req_s = req - req_c
    err_c = np.where((times >= 1000) & (times < 1030), 5, 0).astype(np.int64)
    series = {
        "time": times,
        "weight.canary": np.where(on_canary, 0, canary_w).astype(np.int64),
        "weight.stable": np.where(on_canary, 100, 100 - canary_w).astype(np.int64),
        "requests.stable": req_s,
        "requests.canary": req_c,
        "errors.stable": np.zeros(times.shape, dtype=np.int64),
        "errors.canary": err_c,
        "latency_p50.stable": np.full(times.shape, 20.0),
        "latency_p99.stable": np.full(times.shape, 80.0),
        "latency_p50.canary": np.where(req_c > 0, 22.0, np.nan),
        "latency_p99.canary": np.where(req_c > 0, 95.0, np.nan),
        "rs.stable.desired": np.full(times.shape, 2, dtype=np.int64),
        "rs.stable.available": np.where(times < 42, 0, 2).astype(np.int64),
        "rs.canary.desired": np.where(
            (times >= 300) & (times < 3942), 1, np.where((times >= 3942) & (times < 3985), 2, 0)
        ),
        "rs.canary.available": np.where((times >= 342) & (times < 3985), 1, 0),
    }
    vs = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": "imesh-vsvc", "namespace": "deb-ns"},
        "spec": {
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "stable-svc"}, "weight": 100},
                        {"destination": {"host": "canary-svc"}, "weight": 0},
                    ],
                }
            ]
        },
    }
    vs50 = {
        **vs,
        "spec": {
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "stable-svc"}, "weight": 50},
                        {"destination": {"host": "canary-svc"}, "weight": 50},
                    ],
                }
            ]
        },
    }
    return Result(
        scenario_name="imesh-canary",
        seed=1,
        until=7200.0,
        mode="aggregate",
        events=events,
        snapshots=snaps,
        series=series,
        manifest_history=[
            (0.0, {"virtualservices": [vs], "destinationrules": []}),
            (342.0, {"virtualservices": [vs50], "destinationrules": []}),
            (3985.0, {"virtualservices": [vs], "destinationrules": []}),
        ],
        summary={},
    )
