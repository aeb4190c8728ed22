"""Hypothesis strategies for what a user varies around a scenario.

Each strategy draws plain data in the scenario format (keys as in the YAML), ready for
:func:`~canarysim.testing.perturb.perturb` or ``Scenario.with_changes``; :func:`variations`
puts them together into whole :class:`~canarysim.declarations.Scenario` objects. Times are
drawn on a half-second grid so that shrinking ends on readable values (``0s``, ``1m``).

>>> from hypothesis import given
>>> @given(variations(scenario, faults=True))          # doctest: +SKIP
... def test_never_serves_more_than_1_percent_errors(s): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from canarysim.declarations import Scenario
from canarysim.engine.durations import parse_duration
from canarysim.testing.perturb import perturb

__all__ = [
    "OPERATOR_VERBS",
    "canary_steps",
    "conditional_actions",
    "conditions",
    "delays",
    "durations",
    "error_rates",
    "faults",
    "int_or_percent",
    "operator_actions",
    "pod_timings",
    "traffic_shapes",
    "variations",
    "version_behaviours",
]

#: The verbs :func:`operator_actions` draws by default (those a person types during a rollout).
OPERATOR_VERBS = ("promote", "promoteFull", "abort", "retry", "pause", "resume")


def _seconds(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Seconds in ``[lo, hi]`` on a half-second grid (shrinks towards ``lo``)."""
    return st.integers(int(lo * 2), int(hi * 2)).map(lambda h: h / 2)


def durations(lo: float = 0.0, hi: float = 300.0) -> st.SearchStrategy[float]:
    """A duration in seconds between ``lo`` and ``hi`` (half-second grid)."""
    return _seconds(lo, hi)


def delays(hi: float = 30.0, *, lo: float = 0.0) -> st.SearchStrategy[Any]:
    """A delay as the scenario writes one: a fixed value, a median with a p99 (log-normal)
    or a mean (exponential), all within ``[lo, hi]`` seconds (median and mean above 0)."""
    positive = _seconds(max(lo, 0.5), max(hi, 0.5))
    fixed = _seconds(lo, hi)
    lognormal = st.tuples(positive, st.floats(1.0, 5.0)).map(
        lambda mf: {"median": mf[0], "p99": round(max(mf[0], min(hi, mf[0] * mf[1])), 3)}
    )
    return st.one_of(fixed, lognormal, positive.map(lambda m: {"mean": m}))


def pod_timings(hi: float = 30.0) -> st.SearchStrategy[dict[str, Any]]:
    """``pods.default``: some of the start-up stages (scheduling, image pull, container start,
    readiness, termination) with delays of at most ``hi`` seconds each."""
    stages = ("scheduling", "imagePull", "containerStart", "readiness", "termination")
    return st.fixed_dictionaries({}, optional={k: delays(hi) for k in stages})


def error_rates(hi: float = 0.2) -> st.SearchStrategy[float]:
    """An error rate in ``[0, hi]`` (shrinks towards 0), in steps of 0.001."""
    return st.integers(0, round(hi * 1000)).map(lambda n: n / 1000)


def version_behaviours(
    *, max_error_rate: float = 0.2, crashes: bool = False, unready: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """``versions.<image>``: an error rate, a latency (median 1 ms .. 500 ms), optionally
    crashes (a mean time between crashes, or a crash after each start) and pods that are
    never Ready."""
    latency = st.tuples(st.integers(1, 500), st.floats(1.0, 8.0)).map(
        lambda mf: {"median": f"{mf[0]}ms", "p99": f"{max(mf[0], round(mf[0] * mf[1]))}ms"}
    )
    optional: dict[str, st.SearchStrategy[Any]] = {"latency": latency}
    if crashes:
        optional["crash"] = st.one_of(
            _seconds(30, 1800).map(lambda m: {"meanTimeBetween": m}),
            _seconds(0, 60).map(lambda a: {"afterStart": a}),
        )
    if unready:
        optional["ready"] = st.booleans()
    return st.fixed_dictionaries({"errorRate": error_rates(max_error_rate)}, optional=optional)


def traffic_shapes(max_rate: float = 200.0) -> st.SearchStrategy[dict[str, Any]]:
    """``traffic``: a rate, Poisson or evenly spaced arrivals, and a constant, diurnal (short
    period) or piecewise pattern."""
    rate = st.integers(1, max(1, int(max_rate)))
    constant = st.fixed_dictionaries({"rate": rate, "pattern": st.just("constant")})
    diurnal = st.fixed_dictionaries(
        {
            "rate": rate,
            "pattern": st.just("diurnal"),
            "diurnal": st.fixed_dictionaries(
                {"amplitude": st.floats(0.0, 1.0), "period": _seconds(60, 3600)}
            ),
        }
    )
    points = st.lists(
        st.fixed_dictionaries({"at": _seconds(0, 1800), "rate": rate}),
        min_size=1,
        max_size=4,
        unique_by=lambda p: p["at"],
    )
    piecewise = st.fixed_dictionaries({"pattern": st.just("piecewise"), "points": points})
    shape = st.one_of(constant, diurnal, piecewise)
    return st.tuples(shape, st.sampled_from(["poisson", "constant"])).map(
        lambda sa: {**sa[0], "arrival": sa[1]}
    )


def canary_steps(
    *, max_steps: int = 6, max_pause: float = 180.0, indefinite_pauses: bool = True
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """A canary step list: ``setWeight`` (0..100), timed ``pause`` (up to ``max_pause``
    seconds) and, unless disabled, ``pause: {}`` (waits for a promote)."""
    weight = st.integers(0, 100).map(lambda w: {"setWeight": w})
    # Argo's pause duration is an integer of seconds or a Go duration string.
    timed = st.integers(0, int(max_pause)).map(lambda d: {"pause": {"duration": f"{d}s"}})
    kinds = [weight, timed] + ([st.just({"pause": {}})] if indefinite_pauses else [])
    return st.lists(st.one_of(*kinds), max_size=max_steps)


def int_or_percent(max_int: int = 3) -> st.SearchStrategy[int | str]:
    """A ``maxSurge``/``maxUnavailable`` value: a pod count or a percentage string."""
    return st.one_of(st.integers(0, max_int), st.integers(0, 100).map(lambda p: f"{p}%"))


def operator_actions(
    start: float, end: float, *, verbs: Sequence[str] = OPERATOR_VERBS, max_actions: int = 4
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to ``max_actions`` operator actions at distinct times in ``[start, end]``."""
    times = st.lists(_seconds(start, end), max_size=max_actions, unique=True).map(sorted)
    return times.flatmap(
        lambda ts: st.tuples(*(st.sampled_from(list(verbs)) for _ in ts)).map(
            lambda vs: [{"at": t, "do": v} for t, v in zip(ts, vs, strict=True)]
        )
    )


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    """A ``when:`` of an operator action: a phase (held for a while), a step index, the
    canary's error rate over a window, or the latest AnalysisRun's phase."""
    phase = st.fixed_dictionaries(
        {"phase": st.sampled_from(["Paused", "Progressing", "Degraded", "Healthy"])},
        optional={"for": _seconds(0, 600)},
    )
    step = st.fixed_dictionaries({"stepIndex": st.integers(0, 6)})
    rate = st.fixed_dictionaries(
        {
            "canaryErrorRate": st.fixed_dictionaries(
                {"above": error_rates(0.2), "over": _seconds(10, 300)}
            )
        }
    )
    analysis = st.fixed_dictionaries(
        {"analysisRun": st.sampled_from(["Failed", "Successful", "Error", "Inconclusive"])}
    )
    return st.one_of(phase, step, rate, analysis)


def conditional_actions(
    *, verbs: Sequence[str] = OPERATOR_VERBS, max_actions: int = 2
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to ``max_actions`` operator actions on :func:`conditions`, some delayed (``after``),
    some repeating."""
    one = st.fixed_dictionaries(
        {"when": conditions(), "do": st.sampled_from(list(verbs))},
        optional={"after": _seconds(0, 120), "repeat": st.booleans()},
    )
    return st.lists(one, max_size=max_actions)


def faults(
    start: float,
    end: float,
    *,
    nodes: int = 3,
    kinds: Sequence[str] = ("killPod", "killNode", "errorSpike"),
    max_faults: int = 3,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to ``max_faults`` faults in ``[start, end]``: pods killed (canary, stable or any),
    a node lost (for a while or for good), an error spike on every version."""
    at = _seconds(start, end)
    one: dict[str, st.SearchStrategy[dict[str, Any]]] = {
        "killPod": st.fixed_dictionaries(
            {
                "at": at,
                "do": st.just("killPod"),
                "target": st.sampled_from(["canary", "stable", "any"]),
                "count": st.integers(1, 3),
            }
        ),
        "killNode": st.fixed_dictionaries(
            {
                "at": at,
                "do": st.just("killNode"),
                "node": st.integers(1, nodes).map("node-{}".format),
            },
            optional={"downFor": _seconds(10, 600)},
        ),
        "errorSpike": st.fixed_dictionaries(
            {
                "at": at,
                "do": st.just("errorSpike"),
                "errorRate": error_rates(1.0),
                "duration": _seconds(1, 300),
            }
        ),
    }
    return st.lists(st.one_of(*(one[k] for k in kinds)), max_size=max_faults)


_fault_lists = faults  # ``variations`` takes a ``faults`` switch


def _update_time(scenario: Scenario) -> float:
    times = [
        float(a.at)
        for a in scenario.operator
        if getattr(a, "do", "") == "setImage" and a.at is not None
    ]
    return min(times) if times else 0.0


@st.composite
def variations(
    draw: st.DrawFn,
    scenario: Scenario,
    *,
    until: float | str | None = None,
    seed: bool = True,
    replicas: int | None = 6,
    steps: bool = True,
    fenceposts: bool = True,
    pods: bool = True,
    versions: bool = True,
    max_error_rate: float = 0.2,
    crashes: bool = False,
    traffic: bool = False,
    actions: bool = True,
    verbs: Sequence[str] = OPERATOR_VERBS,
    conditional: bool = False,
    faults: bool = False,
) -> Scenario:
    """``scenario`` varied: the seed, the Rollout's replicas (1..``replicas``), steps and
    maxSurge/maxUnavailable, pod timings, the stable and canary versions' behaviour (crashes
    if asked), the traffic if asked, operator actions at random times after the update, and
    actions on conditions and faults if asked, each switchable. ``until`` shortens the run."""
    changes: dict[str, Any] = {}
    if seed:
        changes["seed"] = draw(st.integers(0, 2**32 - 1))
    if replicas:
        changes["replicas"] = draw(st.integers(1, replicas))
    if steps:
        changes["steps"] = draw(canary_steps())
    if fenceposts:
        # Argo refuses both at zero ("MaxSurge and MaxUnavailable both can not be zero"), and
        # so does every canarysim command: draw only pairs a cluster accepts.
        surge, unavailable = draw(
            st.tuples(int_or_percent(), int_or_percent()).filter(
                lambda pair: not all(str(v).rstrip("%") == "0" for v in pair)
            )
        )
        changes["max_surge"], changes["max_unavailable"] = surge, unavailable
    if pods:
        changes["pods"] = draw(pod_timings())
    if versions:
        behaviour = version_behaviours(max_error_rate=max_error_rate, crashes=crashes)
        changes["versions"] = {"stable": draw(behaviour), "canary": draw(behaviour)}
    if traffic:
        changes["traffic"] = draw(traffic_shapes())
    end = float(scenario.until)
    if until is not None:
        changes["until"] = until
        end = parse_duration(until) if isinstance(until, str) else float(until)
    start = _update_time(scenario)
    if actions:
        changes["actions"] = draw(operator_actions(start, end, verbs=verbs))
    if conditional:
        changes["actions"] = [
            *changes.get("actions", []),
            *draw(conditional_actions(verbs=verbs)),
        ]
    if faults:
        changes["faults"] = draw(_fault_lists(start, end, nodes=scenario.cluster.nodes))
    return perturb(scenario, **changes)
