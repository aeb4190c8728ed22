"""Properties of the get-rollout view for arbitrary snapshots: Go-tabwriter columns line up,
nothing trails, every object appears once and revisions run newest first."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from canarysim.report.getview import render_rollout
from canarysim.result import (
    AnalysisRunSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)

NAME = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=24)
POD_STATUS = st.sampled_from(
    [
        "Running",
        "ContainerCreating",
        "Pending",
        "Terminating",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "Init:0/1",
        "Completed",
    ]
)
RUN_PHASE = st.sampled_from(["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"])


@st.composite
def snapshots(draw: st.DrawFn) -> RolloutSnapshot:
    now = draw(st.floats(0, 40 * 86400))
    revisions = draw(st.lists(st.integers(1, 40), min_size=1, max_size=4, unique=True))
    sets = []
    for k, rev in enumerate(revisions):
        base = f"ro-{draw(NAME)}-{k}"
        pods = tuple(
            PodSnapshot(
                name=f"{base}-p{j}",
                status=draw(POD_STATUS),
                ready=draw(st.booleans()),
                available=False,
                restarts=draw(st.integers(0, 3)),
                created=draw(st.floats(0, now)),
            )
            for j in range(draw(st.integers(0, 4)))
        )
        desired = draw(st.integers(0, 5))
        sets.append(
            ReplicaSetSnapshot(
                name=base,
                hash=f"h{k}",
                revision=rev,
                role=draw(st.sampled_from(["stable", "canary", "old"])),
                image=f"img:{k}",
                desired=desired,
                current=len(pods),
                ready=0,
                available=draw(st.integers(0, desired)),
                created=draw(st.floats(0, now)),
                scale_down_at=draw(st.none() | st.floats(0, 2 * now + 1)),
                pods=pods,
            )
        )
    runs = tuple(
        AnalysisRunSnapshot(
            name=f"run-{draw(NAME)}-{i}",
            phase=draw(RUN_PHASE),
            revision=draw(st.sampled_from(revisions)),
            successful=draw(st.integers(0, 3)),
            failed=draw(st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    return RolloutSnapshot(
        time=now,
        name="ro",
        namespace="ns",
        phase=draw(st.sampled_from(["Healthy", "Progressing", "Paused", "Degraded"])),
        message=draw(st.sampled_from(["", "CanaryPauseStep"])),
        strategy="Canary",
        step_index=draw(st.none() | st.integers(0, 3)),
        step_count=3,
        set_weight=draw(st.integers(0, 100)),
        actual_weight=draw(st.integers(0, 100)),
        paused_remaining=None,
        aborted=False,
        revision=max(revisions),
        stable_hash="h0",
        canary_hash=f"h{len(sets) - 1}",
        desired=3,
        current=3,
        updated=1,
        ready=3,
        available=3,
        replica_sets=tuple(sets),
        analysis_runs=runs,
    )


@given(snapshots())
def test_tree_columns_line_up_and_every_object_appears_once(snap: RolloutSnapshot) -> None:
    text = render_rollout(snap)
    lines = text.splitlines()
    assert all(line == line.rstrip() for line in lines)
    tree = lines[next(i for i, line in enumerate(lines) if line.startswith("NAME ")) :]
    header = tree[0]
    columns = {word: header.index(word) for word in ("KIND", "STATUS", "AGE", "INFO")}
    for line in tree[1:]:
        if "# revision:" in line:
            assert len(line) <= columns["KIND"]
            continue
        kind = line[columns["KIND"] :].split(" ", 1)[0]
        assert kind in ("Rollout", "ReplicaSet", "Pod", "AnalysisRun"), line
        assert line[columns["KIND"] - 2 : columns["KIND"]] == "  "
        assert line[columns["STATUS"] - 2 : columns["STATUS"]] == "  "
    for rs in snap.replica_sets:
        assert sum(f" {rs.name} " in f"{line} " for line in tree) == 1
        for pod in rs.pods:
            assert sum(f" {pod.name} " in f"{line} " for line in tree) == 1
    for run in snap.analysis_runs:
        assert sum(f" {run.name} " in f"{line} " for line in tree) == 1
    revisions = [int(m) for m in re.findall(r"# revision:(\d+)", text)]
    assert revisions == sorted(set(revisions), reverse=True)
