"""A Rollout with an InvalidSpec has its generation observed, so a client waiting for it (the
e2e suite's ``WaitForRolloutStatus``, kubectl's phase) sees Degraded instead of waiting forever.

Argo's ``createInvalidRolloutCondition`` patches the condition through ``patchCondition``
(rollout/sync.go), which writes ``status.observedGeneration``; the phase a client reads
(``GetRolloutPhase`` in utils/rollout/rolloututil.go) is "Progressing: waiting for rollout spec
update to be observed" until it does. Replays the first half of upstream
``test/e2e/functional_test.go::TestFixInvalidSpec`` (a 0-replica canary whose analysis template
does not exist yet, waited on until Degraded); applying the template afterwards is the
``apply`` verb's business, not simulated here.
"""

from __future__ import annotations

import json

from fidelitykit import basic, set_image, simulate, with_spec

# canarysim refuses what validate calls an error unless the scenario accepts it: a cluster
# accepts an invalid Rollout and reports InvalidSpec, which is what these tests replay.
INVALID = ["argo/invalid-spec"]


def fix_invalid_spec():
    manifests = with_spec(
        basic([], replicas=0, analysis={"templates": [{"templateName": "doesnt-exist-yet"}]}),
    )
    return manifests


def test_fix_invalid_spec_waits_for_degraded(tmp_path):
    r = simulate(tmp_path, fix_invalid_spec(), until="1m", acceptErrors=INVALID)
    final = r.final
    assert final.phase == "Degraded"
    assert final.message.startswith('InvalidSpec: The Rollout "app" is invalid: ')
    assert "doesnt-exist-yet" in final.message
    assert final.generation == final.observed_generation == 1
    # From the first snapshot on: a client never sees the spec as unobserved.
    assert all(s.phase == "Degraded" for s in r.snapshots)
    assert final.replica_sets == ()


def test_generation_is_left_out_of_the_json_once_observed(tmp_path):
    r = simulate(tmp_path, fix_invalid_spec(), until="1m", acceptErrors=INVALID)
    snap = r.to_json()["snapshots"][-1]
    assert "generation" not in snap and "observed_generation" not in snap
    back = type(r).from_json(json.loads(r.dumps()))
    assert back.final.observed_generation == back.final.generation == 1


def test_a_spec_change_while_invalid_is_observed_too(tmp_path):
    """Argo re-reconciles on every spec change; the spec stays invalid and the new generation
    is observed (the condition, unchanged, keeps its transition time)."""
    r = simulate(tmp_path, fix_invalid_spec(), [set_image("30s")], until="1m", acceptErrors=INVALID)
    final = r.final
    assert final.phase == "Degraded"
    assert final.generation == final.observed_generation == 2
    assert all(s.phase == "Degraded" for s in r.snapshots)
