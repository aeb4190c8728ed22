"""A query copied from a real Istio dashboard finds its series in canarysim.

Every Istio service- and workload-dashboard query (:mod:`istio_dashboards`, transcribed as
data) with its Grafana variables filled in as a user looking at the bundled ``analysis-abort``
run would pick them, evaluated at the run's end: each finds series, except the panels that read
``connection_security_policy="mutual_tls"`` on ``reporter="source"``, which a real mesh leaves
empty too (the client proxy reports ``unknown``: ``populateFlagsAndConnectionSecurity`` in
istio/proxy's stats filter), and the one about servers without a sidecar (there are none).
Panels about plain-text clients are looked at in the same run with its clients moved outside
the mesh (``traffic.source: outside``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from istio_dashboards import QUERIES

from canarysim.lang.promql.query import evaluate
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[3]
AT = 1785.0
SERVICE = "checkout-stable.shop.svc.cluster.local"


def _run(path: Path) -> World:
    world = World.build(path, keep_metrics=True)
    world.run()
    world.flow.flush(world.env.now)
    world.store.advance_to(world.env.now)
    return world


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    bundled = ROOT / "scenarios" / "analysis-abort"
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(bundled / "manifests.yaml", outside / "manifests.yaml")
    scenario = yaml.safe_load((bundled / "scenario.yaml").read_text())
    # without a sidecar the VirtualService's host means nothing: call the stable Service
    scenario["traffic"].update(source="outside", host="checkout-stable")
    (outside / "scenario.yaml").write_text(yaml.safe_dump(scenario))
    return {"mesh": _run(bundled / "scenario.yaml"), "outside": _run(outside / "scenario.yaml")}


def _variables(title: str, client: str) -> dict[str, str]:
    """What the dashboards' drop-downs offer for this run (a multi-value one as Grafana
    writes it into a regex: ``a|b``); the workload dashboard looks at ``checkout``, its
    outgoing panels at the client that calls it."""
    outgoing = title.startswith("Outgoing") or title == "variable $dstsvc"
    return {
        "$__rate_interval": "1m",  # Grafana's: at least four 15 s scrapes
        "$qrep": "source|destination",
        "$service": SERVICE,
        "$namespace": "shop",
        "$workload": "client" if outgoing else "checkout",
        "$srcwl": client,
        "$srcns": "shop" if client == "client" else "unknown",
        "$dstwl": "checkout",
        "$dstns": "shop",
        "$dstsvc": SERVICE,
        "$srccluster": "Kubernetes",
        "$dstcluster": "Kubernetes",
    }


def _plain_text_server_side(expr: str) -> bool:
    return 'connection_security_policy!="mutual_tls"' in expr and ('reporter="destination"' in expr)


def _client_side_mtls(expr: str) -> bool:
    return 'reporter="source", connection_security_policy="mutual_tls"' in expr


def _plain_text_server(expr: str) -> bool:
    """Outgoing requests to a server without a sidecar (or none at all): every server of the
    run has one and, the Rollout being Healthy from the start, every request finds a pod."""
    return 'destination_principal!~"spiffe.*"' in expr


@pytest.mark.parametrize(("dashboard", "title", "expr"), QUERIES)
def test_the_dashboard_query_finds_its_series(worlds, dashboard, title, expr):
    which = "outside" if _plain_text_server_side(expr) else "mesh"
    query = expr
    variables = _variables(title, "unknown" if which == "outside" else "client")
    for name in sorted(variables, key=len, reverse=True):
        query = query.replace(name, variables[name])
    assert "$" not in query, query
    answer = evaluate(query, worlds[which].store, AT)
    found = answer.samples if hasattr(answer, "samples") else [({}, answer.value)]
    if _client_side_mtls(expr):
        assert found == [], "a client proxy never reports mutual_tls"
    elif _plain_text_server(expr):
        assert found == [], "every request of the run reached a pod with a sidecar"
    else:
        assert found, f"{dashboard} dashboard, {title!r}: no series for {query}"


def test_the_corpus_covers_both_dashboards_and_every_kind_of_panel():
    assert {d for d, _, _ in QUERIES} == {"service", "workload"}
    assert len(QUERIES) >= 60
    kinds = {
        "histogram_quantile": sum("histogram_quantile" in e for *_, e in QUERIES),
        "success rate": sum('response_code!~"5.*"' in e for *_, e in QUERIES),
        "variables": sum(t.startswith("variable") for _, t, _ in QUERIES),
    }
    assert all(n >= 5 for n in kinds.values()), kinds
    # most of them find series in the mesh as it is (only the client-side mTLS panels do not)
    assert sum(_client_side_mtls(e) for *_, e in QUERIES) <= 10
