"""The get-rollout view against Argo's own expected output.

The expected texts are transcribed from upstream
pkg/kubectl-argo-rollouts/cmd/get/get_test.go (``TestGetCanaryRollout``), rebuilt here as
hand-made snapshots with the same counts, names and ages.
"""

from __future__ import annotations

import pytest

from canarysim.report.durations import human_duration
from canarysim.report.getview import render_rollout
from canarysim.report.style import Style
from canarysim.result import (
    AnalysisRunSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    RolloutSnapshot,
)

DAY = 86400.0
NOW = 7 * DAY + 1800.0  # everything was created "7d" ago


DEADLINE_MESSAGE = (
    'ProgressDeadlineExceeded: ReplicaSet "canary-demo-65fb5ffc84" has timed out progressing.'
)


def _pod(name: str, status: str = "Running", ready: bool = True) -> PodSnapshot:
    return PodSnapshot(
        name=name, status=status, ready=ready, available=ready, restarts=0, created=0.0
    )


def canary_demo() -> RolloutSnapshot:
    stable_pods = tuple(
        _pod(f"canary-demo-877894d5b-{s}") for s in ("kh7x4", "6jfpt", "7jmqw", "j8g2b", "jw5qm")
    )
    sets = (
        ReplicaSetSnapshot(
            name="canary-demo-65fb5ffc84",
            hash="65fb5ffc84",
            revision=31,
            role="canary",
            image="argoproj/rollouts-demo:does-not-exist",
            desired=1,
            current=1,
            ready=0,
            available=0,
            created=0.0,
            scale_down_at=None,
            pods=(_pod("canary-demo-65fb5ffc84-9wf5r", "ImagePullBackOff", ready=False),),
        ),
        ReplicaSetSnapshot(
            name="canary-demo-877894d5b",
            hash="877894d5b",
            revision=30,
            role="stable",
            image="argoproj/rollouts-demo:green",
            desired=5,
            current=5,
            ready=5,
            available=5,
            created=0.0,
            scale_down_at=None,
            pods=stable_pods,
        ),
        ReplicaSetSnapshot(
            name="canary-demo-859c99b45c",
            hash="859c99b45c",
            revision=29,
            role="old",
            image="argoproj/rollouts-demo:blue",
            desired=0,
            current=0,
            ready=0,
            available=0,
            created=0.0,
            scale_down_at=None,
        ),
    )
    return RolloutSnapshot(
        time=NOW,
        name="canary-demo",
        namespace="jesse-test",
        phase="Degraded",
        message=DEADLINE_MESSAGE,
        strategy="Canary",
        step_index=0,
        step_count=8,
        set_weight=20,
        actual_weight=0,
        paused_remaining=None,
        aborted=False,
        revision=31,
        stable_hash="877894d5b",
        canary_hash="65fb5ffc84",
        desired=5,
        current=6,
        updated=1,
        ready=5,
        available=5,
        replica_sets=sets,
    )


ARGO_CANARY_DEMO = """\
Name:            canary-demo
Namespace:       jesse-test
Status:          ✖ Degraded
Message:         MESSAGE
Strategy:        Canary
  Step:          0/8
  SetWeight:     20
  ActualWeight:  0
Images:          argoproj/rollouts-demo:does-not-exist (canary)
                 argoproj/rollouts-demo:green (stable)
Replicas:
  Desired:       5
  Current:       6
  Updated:       1
  Ready:         5
  Available:     5

NAME                                     KIND        STATUS              AGE  INFO
⟳ canary-demo                            Rollout     ✖ Degraded          7d
├──# revision:31
│  └──⧉ canary-demo-65fb5ffc84           ReplicaSet  ◌ Progressing       7d   canary
│     └──□ canary-demo-65fb5ffc84-9wf5r  Pod         ⚠ ImagePullBackOff  7d   ready:0/1
├──# revision:30
│  └──⧉ canary-demo-877894d5b            ReplicaSet  ✔ Healthy           7d   stable
│     ├──□ canary-demo-877894d5b-6jfpt   Pod         ✔ Running           7d   ready:1/1
│     ├──□ canary-demo-877894d5b-7jmqw   Pod         ✔ Running           7d   ready:1/1
│     ├──□ canary-demo-877894d5b-j8g2b   Pod         ✔ Running           7d   ready:1/1
│     ├──□ canary-demo-877894d5b-jw5qm   Pod         ✔ Running           7d   ready:1/1
│     └──□ canary-demo-877894d5b-kh7x4   Pod         ✔ Running           7d   ready:1/1
└──# revision:29
   └──⧉ canary-demo-859c99b45c           ReplicaSet  • ScaledDown        7d
""".replace("MESSAGE", DEADLINE_MESSAGE)


def test_argo_canary_example_is_reproduced_exactly() -> None:
    assert render_rollout(canary_demo()) == ARGO_CANARY_DEMO


def test_no_line_has_trailing_spaces_and_plain_output_has_no_escape_codes() -> None:
    text = render_rollout(canary_demo())
    assert all(line == line.rstrip() for line in text.splitlines())
    assert "\x1b[" not in text


def test_colour_changes_codes_but_not_the_visible_layout() -> None:
    import re

    coloured = render_rollout(canary_demo(), style=Style(colour=True))
    assert "\x1b[32m✔\x1b[0m" in coloured  # green OK icon, as Argo colours it
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == ARGO_CANARY_DEMO


def test_aborted_rollout_shows_failed_analysis_run_and_scaled_down_canary() -> None:
    # Shape of upstream TestGetAbortedRollout: step 0/2, SetWeight 0, the failed run's tally.
    base = canary_demo()
    canary, stable, _ = base.replica_sets
    canary = ReplicaSetSnapshot(
        **{**canary.__dict__, "desired": 0, "current": 0, "pods": (), "image": "img:2"}
    )
    run = AnalysisRunSnapshot(
        name="canary-demo-65fb5ffc84-31", phase="Failed", revision=31, failed=1
    )
    snap = RolloutSnapshot(
        **{
            **base.__dict__,
            "step_index": 0,
            "step_count": 2,
            "set_weight": 0,
            "replica_sets": (canary, stable),
            "analysis_runs": (run,),
        }
    )
    lines = render_rollout(snap).splitlines()
    assert "  Step:          0/2" in lines
    assert "  SetWeight:     0" in lines
    tree = "\n".join(lines)
    assert "│  ├──⧉ canary-demo-65fb5ffc84" in tree
    assert "• ScaledDown" in tree and tree.count("canary") >= 2
    ar_line = next(line for line in lines if "AnalysisRun" in line)
    assert ar_line.startswith("│  └──α canary-demo-65fb5ffc84-31")
    assert ar_line.endswith("✖ 1")
    assert "✖ Failed" in ar_line


def test_scale_down_delay_counts_down_then_passes() -> None:
    base = canary_demo()
    stable = base.replica_sets[1]
    delayed = ReplicaSetSnapshot(**{**stable.__dict__, "scale_down_at": NOW + 3 * 3600 + 59 * 60})
    snap = RolloutSnapshot(**{**base.__dict__, "replica_sets": (delayed,)})
    assert "stable,delay:3h59m" in render_rollout(snap)
    assert "stable,delay:passed" in render_rollout(snap, now=NOW + 4 * 3600)


def test_empty_step_when_the_rollout_has_no_steps() -> None:
    snap = RolloutSnapshot(**{**canary_demo().__dict__, "step_index": None, "step_count": 0})
    assert "  Step:" in render_rollout(snap).splitlines()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (59.9, "59s"),
        (130, "2m10s"),
        (10 * 60 + 5, "10m"),
        (179 * 60, "179m"),
        (5 * 3600 + 30 * 60, "5h30m"),
        (3 * DAY + 5 * 3600, "3d5h"),
        (400 * DAY, "400d"),
        (3 * 365 * DAY + 10 * DAY, "3y10d"),
        (9 * 365 * DAY, "9y"),
    ],
)
def test_human_duration_follows_kubernetes(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
