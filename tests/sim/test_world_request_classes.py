"""Request classes (``traffic.headers`` entries with method, path, headers, host, name): the
routers match on them as they do for real, and the summary breaks requests and errors down by
class when there is more than one."""

from __future__ import annotations

from pathlib import Path

import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.errors import ScenarioError
from canarysim.sim.inputs import request_classes

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_classes_carry_method_path_and_names() -> None:
    scenario = load_scenario(SCENARIOS / "nginx-canary" / "scenario.yaml").with_changes(
        traffic={
            "method": "GET",
            "headers": [
                {"fraction": 0.2, "method": "POST", "path": "/api/orders", "name": "orders"},
                {"fraction": 0.1, "headers": {"X-Canary": "always"}},
            ],
        }
    )
    got = request_classes(scenario, "fallback")
    assert [(c.name, c.method, c.uri, c.headers) for c, _ in got] == [
        ("orders", "POST", "/api/orders", ()),
        ("GET / x-canary=always", "GET", "/", (("x-canary", "always"),)),
        ("default", "GET", "/", ()),
    ]
    assert [round(s, 9) for _, s in got] == [0.2, 0.1, 0.7]


@pytest.mark.parametrize(
    ("entry", "field"),
    [({"fraction": 0.1, "method": "FETCH"}, "method"), ({"fraction": 0.1, "path": "api"}, "path")],
)
def test_bad_method_or_path_is_refused(entry, field) -> None:
    with pytest.raises(ScenarioError, match=field):
        load_scenario(SCENARIOS / "nginx-canary" / "scenario.yaml").with_changes(
            traffic={"headers": [entry]}
        )


def test_nginx_routes_by_path_and_the_summary_splits_by_class() -> None:
    """The stable Ingress serves only /api: requests for / get 404 from ingress-nginx (no
    location; a 404 is not a 5xx error), those for /api/... reach the Rollout; each class's
    figures add up."""
    base = load_scenario(SCENARIOS / "nginx-canary" / "scenario.yaml")
    only_api = {
        "spec": {
            "rules": [
                {
                    "host": "rollout-nginx-canary.local",
                    "http": {
                        "paths": [
                            {
                                "path": "/api",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {
                                        "name": "rollout-nginx-canary-stable",
                                        "port": {"number": 80},
                                    }
                                },
                            }
                        ]
                    },
                }
            ]
        }
    }
    scenario = base.with_manifest("Ingress", "rollout-nginx-canary-stable", only_api).with_changes(
        traffic={"headers": [{"fraction": 0.5, "path": "/api/v1/items", "name": "api"}]},
        until="3m",
    )
    r = canarysim.simulate(scenario)
    by_class = r.summary["by_class"]
    assert list(by_class) == ["api", "default"]
    default, api = by_class["default"], by_class["api"]
    assert default["requests"] > 0 and default["errors"] == 0
    assert api["requests"] > 0 and api["errors"] < 0.2 * api["requests"]
    total = sum(v["requests"] for v in r.summary["by_image"].values())
    assert total == default["requests"] + api["requests"]
    no_route = r.summary["by_image"].get("(no route)", {"requests": 0})["requests"]
    assert no_route == default["requests"]


def test_one_class_has_no_breakdown() -> None:
    r = canarysim.simulate(SCENARIOS / "basic-canary" / "scenario.yaml", until="1m")
    assert "by_class" not in r.summary
