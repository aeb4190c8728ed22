"""``spec.rollbackWindow``: going back to a revision at most ``revisions`` ReplicaSets older
than the stable one is a fast rollback (no steps, no analysis), further back is an ordinary
update (``rollout/canary.go::isRollbackWithinWindow`` via ``utils/replicaset``).

Replays upstream ``test/e2e/rollback_window_test.go``: the fixture ``rollout-rollback-window``
(2 replicas, window of 2 revisions, ``setWeight: 50`` then the suite's ``sleep-job`` analysis
with ``rev`` read from the Rollout's label by ``fieldRef``), updated by merge patches that set
``rev`` on the Rollout's labels and on the pod template's. The suite waits for Healthy after
each update; here each update comes a minute after the previous one, and the test checks the
rollout was Healthy just before it.
"""

from __future__ import annotations

from e2ekit import canary_rollout, labels_patch, sleep_job
from fidelitykit import events, simulate

GAP = 60.0


def _window(tmp_path, revs):
    ro = canary_rollout(
        "window",
        replicas=2,
        steps=[
            {"setWeight": 50},
            {
                "analysis": {
                    "templates": [{"templateName": "sleep-job"}],
                    "args": [
                        {
                            "name": "rev",
                            "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['rev']"}},
                        }
                    ],
                }
            },
        ],
    )
    ro["spec"]["rollbackWindow"] = {"revisions": 2}
    ro["spec"]["template"]["metadata"]["labels"]["rev"] = "initial"
    ops = [labels_patch(GAP * (i + 1), rev) for i, rev in enumerate(revs)]
    r = simulate(tmp_path, [ro, sleep_job()], ops, until=f"{GAP * (len(revs) + 1)}s")
    return r


def _runs_when_healthy_before(r, i):
    """ExpectAnalysisRunCount after WaitForRolloutStatus("Healthy") of update ``i`` (1-based):
    the count just before the next update, when the rollout must be Healthy."""
    snap = r.status_at(GAP * (i + 1) - 0.5)
    assert snap.phase == "Healthy", (i, snap.phase, snap.message)
    return len(snap.analysis_runs)


def test_rollback_analysis_within_window_replay(tmp_path):
    """Revisions 2, 3, 4 each run the analysis step (1, 2, 3 runs); going back to ``rev: two``
    (revision 5, one ReplicaSet between it and the stable) is a fast rollback: Healthy with
    still 3 runs. The runs' ``rev`` argument is the Rollout's label at each update."""
    r = _window(tmp_path, ["two", "three", "four", "two"])
    assert [_runs_when_healthy_before(r, i) for i in (1, 2, 3, 4)] == [1, 2, 3, 3]
    assert r.final.revision == 5
    assert events(r, "RolloutCompleted")[-1][2].endswith(": Rollback within window")
    revs = [m for m in r.measurements if m["metric"] == "sleep-job"]
    assert len(revs) == 3


def test_rollback_analysis_outside_window_replay(tmp_path):
    """Revisions 2 to 5 run the analysis (1 to 4 runs); back to ``rev: two`` with two
    ReplicaSets between it and the stable is outside the window: the steps and the analysis
    run again (5 runs), and the rollout ends Healthy."""
    r = _window(tmp_path, ["two", "three", "four", "five", "two"])
    assert [_runs_when_healthy_before(r, i) for i in (1, 2, 3, 4, 5)] == [1, 2, 3, 4, 5]
    assert events(r, "RolloutCompleted")[-1][2].endswith(": Completed all 2 canary steps")
