"""Hostile input end to end: for any value in any field, ``canarysim run`` either runs cleanly
or exits 2 with one line naming the file and what was expected; never a traceback, never a
hang.

The fields come from the JSON Schema of the scenario format (every property, through every
``$ref``, union member and operator/fault kind) and from the Rollout, Services and
VirtualService of a seed-like system (every key they hold, plus the Rollout fields a
Rollout may leave out). Values are the wrong type, out of range, huge or empty. Each example
runs the real command in-process under an alarm (``LIMIT`` seconds).

Profiles: the default (and CI) runs ``FUZZ_EXAMPLES`` examples per test, derandomised in
CI; ``CANARYSIM_FUZZ=thorough`` runs 2,000 per test (tests/README.md).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canarysim.cli import main
from canarysim.declarations import scenario_json_schema

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary"
THOROUGH = os.environ.get("CANARYSIM_FUZZ") == "thorough"
FUZZ_EXAMPLES = 2000 if THOROUGH else 40
LIMIT = 30  # seconds: far above a clean run of the base (about one), far below a hang

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -------------------------------------------------------------------------- the base system
BASE_SCENARIO: dict[str, Any] = {
    "name": "fuzz",
    "seed": 1,
    "until": "20m",
    "namespace": "deb-ns",
    "manifests": ["virtualservice.yaml", "rollout.yaml", "services.yaml"],
    "cluster": {"nodes": 3},
    "pods": {
        "default": {"scheduling": "1s", "imagePull": {"median": "2s", "p99": "5s"}},
        "images": {"nginx:1.15.5": {"readiness": "2s", "imagePullFails": False}},
    },
    "versions": {
        "nginx:1.15.4": {"errorRate": 0.001, "latency": {"median": "8ms", "p99": "40ms"}},
        "nginx:1.15.5": {
            "errorRate": [{"at": 0, "value": 0.001}, {"at": "10m", "value": 0.01}],
            "latency": {"median": "8ms", "p99": "40ms"},
            "crash": {"meanTimeBetween": "1h"},
        },
    },
    "traffic": {"rate": 20, "arrival": "poisson", "diurnal": {"period": "24h"}},
    "operator": [
        {"at": "2m", "do": "setImage", "container": "nginx", "image": "nginx:1.15.5"},
        {"at": "8m", "do": "promote"},
    ],
    "faults": [{"at": "4m", "do": "killPod", "target": "canary", "count": 1}],
    "outputs": {"bucket": "10s"},
}

#: A valid entry of each operator/fault kind, so that each of its fields can be fuzzed.
ACTIONS: dict[str, dict[str, Any]] = {
    "setImage": {"container": "nginx", "image": "nginx:1.15.5"},
    "scale": {"replicas": 3},
    "undo": {"toRevision": 1},
    "restart": {"after": "1m"},
    "promote": {"full": False},
    "killPod": {"target": "any", "count": 1},
    "killNode": {"node": "node-1", "downFor": "1m"},
    "errorSpike": {"errorRate": 0.5, "duration": "1m", "image": "nginx:1.15.5"},
}


def _docs(name: str) -> list[Any]:
    return list(yaml.safe_load_all((SEED / name).read_text()))


def _base_manifests() -> dict[str, list[Any]]:
    rollout = _docs("rollout.yaml")
    canary = rollout[0]["spec"]["strategy"]["canary"]
    # fields a Rollout may leave out, present here so that their values get fuzzed
    canary.update(maxSurge="25%", maxUnavailable=0, scaleDownDelaySeconds=30)
    canary["steps"] = [
        {"setWeight": 50},
        {"setCanaryScale": {"weight": 50}},
        {"pause": {"duration": "1m"}},
    ]
    rollout[0]["spec"].update(progressDeadlineSeconds=600, revisionHistoryLimit=3)
    return {
        "rollout.yaml": rollout,
        "services.yaml": _docs("services.yaml"),
        "virtualservice.yaml": _docs("virtualservice.yaml"),
    }


BASE_MANIFESTS = _base_manifests()

# -------------------------------------------------------------------------- field paths
Path_ = tuple[Any, ...]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _schema_paths() -> list[tuple[Path_, dict[str, Any] | None]]:
    """(path, operator/fault entry to put at index 0 first) for every property."""
    schema = scenario_json_schema()
    out: list[tuple[Path_, dict[str, Any] | None]] = []

    def walk(node: dict[str, Any], path: Path_, entry: dict[str, Any] | None, depth: int) -> None:
        node = _resolve(schema, node)
        if depth > 6:
            return
        for member in node.get("anyOf", []) + node.get("oneOf", []):
            walk(member, path, entry, depth + 1)
        if node.get("type") == "array" and "items" in node:
            items = _resolve(schema, node["items"])
            mapping = (items.get("discriminator") or {}).get("mapping")
            if mapping and path and path[-1] in ("operator", "faults"):
                for do, ref in mapping.items():
                    first = {"at": "3m", "do": do, **ACTIONS.get(do, {})}
                    walk({"$ref": ref}, (*path, 0), first, depth + 1)
            else:
                out.append(((*path, 0), entry))
                walk(items, (*path, 0), entry, depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            key = "nginx:1.15.5" if path and path[-1] in ("versions", "images") else "x"
            out.append(((*path, key), entry))
            walk(extra, (*path, key), entry, depth + 1)
        for name, prop in (node.get("properties") or {}).items():
            out.append(((*path, name), entry))
            walk(prop, (*path, name), entry, depth + 1)

    walk(schema, (), None, 0)
    return sorted(
        set((p, None if e is None else tuple(sorted(e.items()))) for p, e in out), key=repr
    ) and [(p, e) for p, e in out]


def _leaf_paths(node: Any, path: Path_, out: list[Path_]) -> None:
    out.append(path)
    if isinstance(node, dict):
        for key, value in node.items():
            _leaf_paths(value, (*path, key), out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _leaf_paths(value, (*path, i), out)


SCENARIO_PATHS = _schema_paths()
_base_paths: list[Path_] = []
_leaf_paths(BASE_SCENARIO, (), _base_paths)
SCENARIO_PATHS += [(p, None) for p in _base_paths[1:]]

MANIFEST_PATHS: list[tuple[str, int, Path_]] = []
for _file, _objs in BASE_MANIFESTS.items():
    for _i, _obj in enumerate(_objs):
        _found: list[Path_] = []
        _leaf_paths(_obj, (), _found)
        MANIFEST_PATHS += [(_file, _i, p) for p in _found[1:]]

# -------------------------------------------------------------------------- hostile values
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(
        [0, -1, 1, 10**6, 10**9, 10**18, 2**63, -(2**63), 10**30, 1e308, -0.0, 0.5, 1.5]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            *("", "abc", "-5m", "0s", "0", "1ms", "1e400h", "100%", "25%", "-3%", "7d"),
            *("999999h", "nginx", "node-99", "{{args.x}}", "yes", "null", "x" * 2000),
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["at", "value", "x", "median"]), st.integers(), max_size=2),
)


def _set(data: Any, path: Path_, value: Any) -> bool:
    """Set ``path`` in ``data`` to ``value``, creating mappings on the way; False when the
    path cannot exist (an index past a list's end, a key inside a scalar)."""
    node = data
    for part in path[:-1]:
        if isinstance(node, dict):
            nxt = node.get(part)
            if not isinstance(nxt, dict | list):
                nxt = node[part] = {}
            node = nxt
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    last = path[-1]
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        node[last] = value
    else:
        return False
    return True


# -------------------------------------------------------------------------- running
class Hang(BaseException):
    """Raised by the alarm: a run took longer than LIMIT seconds."""


def _run(scenario: dict[str, Any], manifests: dict[str, list[Any]]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        for name, docs in manifests.items():
            Path(tmp, name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
        path = Path(tmp, "scenario.yaml")
        path.write_text(yaml.safe_dump(scenario, sort_keys=False))

        def alarm(*_: object) -> None:
            raise Hang

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(LIMIT)
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                code = main(["run", str(path), "-q"], out=io.StringIO())
        except Hang:
            pytest.fail(f"no answer within {LIMIT}s")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        return code, err.getvalue().replace(tmp + os.sep, "")


#: A refusal: one line, naming a file (a path or <memory>-like name), then what is wrong:
#: a field and what was expected, or validate's finding with its rule.
ONE_LINE = re.compile(
    r"^canarysim: error: (<[a-z]+>|[\w./-]+\.ya?ml)(:\d+)?: "
    r"((\S+: )?expected .+|error: .+ \[[a-z]+/[a-z-]+\].*)\n$"
)


def _judge(code: int, err: str) -> None:
    if code == 2:
        assert ONE_LINE.match(err), f"not one line naming file and expectation: {err!r}"
        assert "Traceback" not in err and "function-after" not in err
    else:
        assert code in (0, 1, 3), (code, err)
        assert err == "", err


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
@FUZZ
@given(st.lists(st.tuples(st.sampled_from(SCENARIO_PATHS), HOSTILE), min_size=1, max_size=2))
def test_any_value_in_any_scenario_field(changes):
    scenario = copy.deepcopy(BASE_SCENARIO)
    for (path, entry), value in changes:
        if entry is not None:
            scenario[path[0]] = [dict(entry)]
        _set(scenario, path, value)
    _judge(*_run(scenario, copy.deepcopy(BASE_MANIFESTS)))


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
@FUZZ
@given(st.lists(st.tuples(st.sampled_from(MANIFEST_PATHS), HOSTILE), min_size=1, max_size=2))
def test_any_value_in_any_manifest_field(changes):
    manifests = copy.deepcopy(BASE_MANIFESTS)
    for (file, index, path), value in changes:
        _set(manifests[file][index], path, value)
    _judge(*_run(copy.deepcopy(BASE_SCENARIO), manifests))


def test_the_base_system_runs_cleanly():
    code, err = _run(copy.deepcopy(BASE_SCENARIO), copy.deepcopy(BASE_MANIFESTS))
    assert (code, err) == (0, "")


def test_the_schema_walk_reaches_every_kind_of_field():
    paths = {p for p, _ in SCENARIO_PATHS}
    for expected in [
        ("seed",),
        ("traffic", "diurnal", "period"),
        ("versions", "nginx:1.15.5", "crash", "meanTimeBetween"),
        ("operator", 0, "replicas"),
        ("faults", 0, "node"),
        ("analysis", "prometheus", "latency"),
        ("acceptErrors", 0),
    ]:
        assert expected in paths, expected


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("manifests", 0), "\n0"),  # found by the thorough profile: the message broke in two
        (("traffic", "ra\nte"), 1),
    ],
)
def test_values_with_line_breaks_stay_on_one_line(path, value):
    scenario = copy.deepcopy(BASE_SCENARIO)
    _set(scenario, path, value)
    _judge(*_run(scenario, copy.deepcopy(BASE_MANIFESTS)))
