"""The Istio objects a Rollout routes through: its VirtualServices' routes, their weights and
gateways, and its DestinationRule's subsets."""

from __future__ import annotations

from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.finding import at
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests

__all__ = ["destination_rule", "gateways", "route_weights", "virtual_services"]


def virtual_services(ro: Rollout, objs: Manifests) -> list[Finding]:
    istio = ro.istio
    c = ro.canary
    if istio is None or c is None:
        return []
    out: list[Finding] = []
    dr = istio.destination_rule
    managed = (
        {m.name for m in (c.traffic_routing.managed_routes or [])} if c.traffic_routing else set()
    )
    for ref in istio.all_virtual_services:
        vs = objs.virtual_service(ref.name, ro.namespace)
        if vs is None:
            continue
        for i, route in enumerate(vs.spec.http or []):
            if route.name in managed:
                continue
            if ref.routes and route.name not in ref.routes:
                continue
            for j, dest in enumerate(route.route):
                host = dest.destination.host.split(".")[0]
                sides = {c.canary_service, c.stable_service} - {""}
                if c.ping_pong is not None and not sides:  # GetStableAndCanaryServices
                    sides = {c.ping_pong.ping_service, c.ping_pong.pong_service} - {""}
                if dr is not None:
                    ok = dest.destination.subset in {dr.canary_subset_name, dr.stable_subset_name}
                    want = f"subset {dr.canary_subset_name} or {dr.stable_subset_name}"
                else:
                    ok = host in sides
                    want = " or ".join(sorted(sides)) or "the canary/stable Services"
                if not ok:
                    out.append(
                        at(
                            vs,
                            ("spec", "http", i, "route", j),
                            "lint/vs-destination",
                            "warning",
                            f'route "{route.name or i}" of VirtualService "{vs.name}" sends '
                            f"traffic to {dest.destination.host or '(no host)'}"
                            f"{'/' + dest.destination.subset if dest.destination.subset else ''}"
                            f", which is neither canary nor stable ({want}); Argo never "
                            "changes its weight",
                        )
                    )
    return out


def route_weights(objs: Manifests) -> list[Finding]:
    """Istio >= 1.13 reads weights as relative (``weight / sum``) and rejects only a negative
    weight or an all-zero split; older Istio, and Argo's docs and arithmetic (it writes
    ``100 - canary`` to stable), expect a sum of 100."""
    out: list[Finding] = []
    for vs in objs.virtual_services:
        for kind in ("http", "tls", "tcp"):
            for i, route in enumerate(getattr(vs.spec, kind) or []):
                label = f"{kind} route {getattr(route, 'name', '') or i}"
                where = ("spec", kind, i, "route")
                for j, d in enumerate(route.route):
                    if d.weight is not None and d.weight < 0:
                        out.append(
                            at(
                                vs,
                                (*where, j, "weight"),
                                "lint/vs-weights",
                                "error",
                                f'{label} of VirtualService "{vs.name}": weight '
                                f"{d.weight} < 0: Istio rejects it",
                            )
                        )
                if len(route.route) < 2:
                    continue
                total = sum(d.weight or 0 for d in route.route)
                if total == 0:
                    out.append(
                        at(
                            vs,
                            where,
                            "lint/vs-weights",
                            "error",
                            f'{label} of VirtualService "{vs.name}" has several '
                            "destinations and total weight 0: Istio rejects it",
                        )
                    )
                elif total != 100:
                    out.append(
                        at(
                            vs,
                            where,
                            "lint/vs-weights",
                            "warning",
                            f'{label} of VirtualService "{vs.name}" has weights summing '
                            f"to {total}, not 100: Istio (1.13+) splits in proportion, "
                            "older Istio rejects it, and Argo's weights assume 100",
                        )
                    )
    return out


def gateways(objs: Manifests) -> list[Finding]:
    out = []
    for vs in objs.virtual_services:
        for i, ref in enumerate(vs.spec.gateways):
            if ref == "mesh":
                continue
            name, _, ns = ref.partition("/") if "/" in ref else ("", "", "")
            name, ns = (ns, name) if "/" in ref else (ref.split(".")[0], vs.namespace)
            if not any(g.name == name and g.namespace == ns for g in objs.gateways):
                out.append(
                    at(
                        vs,
                        ("spec", "gateways", i),
                        "lint/gateway",
                        "warning",
                        f'VirtualService "{vs.name}" binds to gateway "{ref}", which is not '
                        "among the manifests: traffic through it is not simulated",
                    )
                )
    return out


def destination_rule(ro: Rollout, objs: Manifests) -> list[Finding]:
    istio = ro.istio
    if istio is None or istio.destination_rule is None:
        return []
    ref = istio.destination_rule
    where = ("spec", "strategy", "canary", "trafficRouting", "istio", "destinationRule")
    name = ref.name
    dr = objs.destination_rule(name, ro.namespace)
    if dr is None:
        return [
            at(
                ro,
                where,
                "lint/destination-rule",
                "error",
                f'destinationrules.networking.istio.io "{name}" not found: the controller '
                "fails every reconcile with traffic routing (DestinationRuleNotFound)",
            )
        ]
    subsets = {s.name for s in dr.spec.subsets}
    out = []
    for role, subset in (("canary", ref.canary_subset_name), ("stable", ref.stable_subset_name)):
        if subset not in subsets:
            out.append(
                at(
                    dr,
                    ("spec", "subsets"),
                    "lint/destination-rule",
                    "error",
                    f'DestinationRule "{dr.name}" has no subset "{subset}" (the {role} '
                    f'subset of Rollout "{ro.name}"); requests to it fail with no healthy '
                    "upstream",
                )
            )
    for vs in objs.virtual_services:
        for i, route in enumerate(vs.spec.http or []):
            for j, d in enumerate(route.route):
                host = d.destination.host.split(".")[0]
                if (
                    d.destination.subset
                    and host == dr.spec.host.split(".")[0]
                    and (d.destination.subset not in subsets)
                ):
                    out.append(
                        at(
                            vs,
                            ("spec", "http", i, "route", j),
                            "lint/destination-rule",
                            "error",
                            f'VirtualService "{vs.name}" routes to subset '
                            f'"{d.destination.subset}" that DestinationRule "{dr.name}" '
                            "does not define",
                        )
                    )
    return out
