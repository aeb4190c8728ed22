"""Hypothesis: whatever the input, loading ends in a result or a ScenarioError, nothing else."""

from __future__ import annotations

import contextlib

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_helpers import BASE_ROLLOUT, SERVICES, VSVC

from canarysim.declarations.convert import validate_model
from canarysim.declarations.load import add_document
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.validate import validate_manifests
from canarysim.declarations.yamlio import parse_documents
from canarysim.errors import ScenarioError

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["30s", "1h", "-5s", "soon", "25%", "0", "http", "setWeight", "pause"]),
)
KEYS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "apiVersion",
            "kind",
            "metadata",
            "name",
            "namespace",
            "spec",
            "replicas",
            "selector",
            "template",
            "strategy",
            "canary",
            "steps",
            "setWeight",
            "pause",
            "duration",
            "trafficRouting",
            "istio",
            "virtualService",
            "routes",
            "http",
            "route",
            "destination",
            "host",
            "weight",
            "ports",
            "targetPort",
            "containers",
            "image",
            "until",
            "seed",
            "traffic",
            "rate",
            "operator",
            "at",
            "do",
            "versions",
            "errorRate",
            "manifests",
        ]
    ),
)
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=25,
)


def load_text(text: str) -> None:
    objs = Manifests()
    for doc in parse_documents(text, "fuzz.yaml"):
        add_document(objs, doc)
    validate_manifests(objs)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    with contextlib.suppress(ScenarioError):
        load_text(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_arbitrary_documents_as_manifests(data):
    with contextlib.suppress(ScenarioError):
        load_text(yaml.safe_dump(data))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_arbitrary_documents_as_scenarios(data):
    with contextlib.suppress(ScenarioError):
        validate_model(Scenario, data, file="fuzz.yaml", lines={})


def _mutations() -> st.SearchStrategy[tuple[list[str | int], object]]:
    base = yaml.safe_load(BASE_ROLLOUT)
    paths: list[list[str | int]] = []

    def walk(node: object, path: list[str | int]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*path, i])

    walk(base, [])
    return st.tuples(st.sampled_from(paths[1:]), DOCS)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_a_valid_rollout_with_one_value_replaced(mutation):
    """Replacing any one value of a real Rollout by anything: a finding list or a ScenarioError."""
    path, value = mutation
    ro = yaml.safe_load(BASE_ROLLOUT)
    node = ro
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    text = "---\n".join([yaml.safe_dump(ro), SERVICES, VSVC])
    with contextlib.suppress(ScenarioError):
        load_text(text)


def _paths_of(node: object, path: list[str | int], out: list[list[str | int]]) -> None:
    out.append(path)
    if isinstance(node, dict):
        for k, v in node.items():
            _paths_of(v, [*path, k], out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _paths_of(v, [*path, i], out)


DOCS_SET = [yaml.safe_load(BASE_ROLLOUT), *yaml.safe_load_all(SERVICES), yaml.safe_load(VSVC)]
TARGETS = []
for _i, _doc in enumerate(DOCS_SET):
    _found: list[list[str | int]] = []
    _paths_of(_doc, [], _found)
    TARGETS += [(_i, p) for p in _found[1:]]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TARGETS), DOCS), min_size=1, max_size=3))
def test_mutated_system_validates_and_plans_or_says_why(mutations):
    """Whatever is changed in a rollout/services/virtual-service set, validation gives findings
    and, for a rollout Argo accepts, to_plan gives a plan or a ScenarioError."""
    import copy

    from canarysim.declarations import first_invalid_message, to_plan

    docs = copy.deepcopy(DOCS_SET)
    for (index, path), value in mutations:
        node = docs[index]
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced this branch
    try:
        objs = Manifests()
        for doc in parse_documents("---\n".join(yaml.safe_dump(d) for d in docs), "fuzz.yaml"):
            add_document(objs, doc)
        validate_manifests(objs)
        for ro in objs.rollouts:
            if first_invalid_message(ro, objs) is None:
                to_plan(ro, pod_template_hash="h")
    except ScenarioError:
        pass
