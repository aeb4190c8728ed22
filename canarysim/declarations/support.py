"""What canarysim refuses to run: real Argo settings it cannot simulate faithfully yet.

A setting here changes what the controller does so much (a traffic router that is not
simulated, a plugin step) that running without it would show a rollout that never
happens in a cluster. So it is never ignored: ``canarysim validate`` reports each one as an
error (rule ``load/unsupported``) and every command that simulates refuses the Rollout at load
with the same sentence (exit 2), naming the file, line and field.

:data:`SIMULATED_ROUTERS` is the list of traffic routers the simulator drives; it grows as
routers land. Settings canarysim only approximates stay lint warnings (``lint/unsupported``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.yamlio import format_path, scenario_error
from canarysim.errors import ScenarioError

__all__ = ["SIMULATED_ROUTERS", "Refusal", "refusals", "refuse_unsupported"]

#: Traffic routers (keys of ``trafficRouting``) the simulator drives.
SIMULATED_ROUTERS: tuple[str, ...] = (
    "istio",
    "nginx",
    "alb",
    "smi",
    "apisix",
    "traefik",
    "ambassador",
    "appMesh",
)
#: Plugins (``trafficRouting.plugins`` keys) the simulator drives, in part (see below).
SIMULATED_PLUGINS: tuple[str, ...] = ("argoproj-labs/gatewayAPI",)


@dataclass(frozen=True)
class Refusal:
    """One setting the run refuses: where it is (path in the Rollout) and why."""

    path: tuple[Any, ...]
    expected: str
    got: str

    @property
    def field(self) -> str:
        return format_path(self.path)

    def message(self) -> str:
        """The sentence validate prints and the run's error carries (after ``field:``)."""
        return f"{self.field}: expected {self.expected}, got {self.got}"


def _routers_text() -> str:
    return ", ".join(SIMULATED_ROUTERS)


def refusals(rollout: Rollout) -> list[Refusal]:
    """Every setting of ``rollout`` the simulator refuses, in manifest order."""
    out: list[Refusal] = []
    spec = rollout.spec
    strategy = ("spec", "strategy")
    ref = spec.workload_ref
    if ref is not None and ref.kind in ("ReplicaSet", "PodTemplate"):
        # Argo resolves these too (rollout/templateref.go::infoByGroupKind); canarysim
        # simulates the referenced Deployment only. Other kinds are Argo's own InvalidSpec.
        out.append(
            Refusal(
                ("spec", "workloadRef", "kind"),
                "a workloadRef to an apps/v1 Deployment (canarysim simulates Deployments only; "
                "copy the workload's spec.template and spec.selector into the Rollout instead)",
                f"a workloadRef to {ref.kind} {ref.name}".rstrip(),
            )
        )
    c = spec.strategy.canary
    if c is None:
        return out
    tr = c.traffic_routing
    if tr is not None:
        where = (*strategy, "canary", "trafficRouting")
        for router in tr.other_routers:
            if router in SIMULATED_ROUTERS:
                continue
            if router == "plugins":
                names = sorted(str(k) for k in (tr.plugins or {}))
                for name in names:
                    if name == GATEWAY_API_PLUGIN:
                        out += _gateway_api(rollout, (*where, "plugins", name))
                        continue
                    out.append(
                        Refusal(
                            (*where, "plugins", name),
                            f"a traffic router canarysim simulates ({_routers_text()})",
                            f"traffic router plugin {name}, which is not simulated yet",
                        )
                    )
                continue
            out.append(
                Refusal(
                    (*where, router),
                    f"a traffic router canarysim simulates ({_routers_text()})",
                    f"traffic router {router}, which is not simulated yet",
                )
            )
    for i, step in enumerate(c.steps):
        if step.plugin is not None:
            out.append(
                Refusal(
                    (*strategy, "canary", "steps", i, "plugin"),
                    "a step canarysim can simulate (a step plugin runs a binary the "
                    "controller loads, which canarysim cannot run; replace the step by the "
                    "pause, analysis or setWeight steps whose outcome you want to rehearse)",
                    f"plugin step {step.plugin.name or '(unnamed)'}",
                )
            )
    return out


GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"
#: Settings of the Gateway API plugin canarysim does not simulate (its routes are), and what
#: each is.
_GATEWAY_API_UNSUPPORTED = {
    "httpRouteSelector": "route discovery by label selector is",
    "grpcRouteSelector": "route discovery by label selector is",
    "tcpRouteSelector": "route discovery by label selector is",
    "tlsRouteSelector": "route discovery by label selector is",
}


def _gateway_api(rollout: Rollout, where: tuple[Any, ...]) -> list[Refusal]:
    """The Gateway API plugin is simulated for its four kinds of routes (weights; header
    routes on HTTPRoutes and GRPCRoutes; its mirror routes do nothing); its route discovery
    and experiment backends are refused."""
    out: list[Refusal] = []
    c = rollout.spec.strategy.canary
    assert c is not None and c.traffic_routing is not None
    config = (c.traffic_routing.plugins or {}).get(GATEWAY_API_PLUGIN)
    config = config if isinstance(config, dict) else {}
    for key, what in _GATEWAY_API_UNSUPPORTED.items():
        if config.get(key):
            out.append(
                Refusal(
                    (*where, key),
                    "the routes named in the plugin's settings (httpRoute(s), grpcRoute(s), "
                    f"tcpRoute(s), tlsRoute(s); {what} not simulated yet)",
                    key,
                )
            )
    # getGatewayAPITrafficRoutingConfig (plugin.go of the Gateway API plugin) validates the
    # settings on every call: a route entry without a name (`validate:"required"`) makes
    # the plugin refuse its whole configuration, so the Rollout could never be routed.
    for key in ("httpRoutes", "grpcRoutes", "tcpRoutes", "tlsRoutes"):
        entries = config.get(key)
        for j, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict) or not entry.get("name"):
                out.append(
                    Refusal(
                        (*where, key, j),
                        "a route with a name (the plugin refuses its whole configuration "
                        "without one)",
                        "no name",
                    )
                )
    for i, step in enumerate(c.steps):
        exp = step.experiment
        if exp is not None and any(t.weight is not None for t in exp.templates):
            out.append(
                Refusal(
                    ("spec", "strategy", "canary", "steps", i, "experiment"),
                    "experiment templates without weight (the plugin adds a weighted "
                    "experiment's Services to the first HTTPRoute rule it routes; that is "
                    "not simulated yet)",
                    "an experiment template with a weight",
                )
            )
    return out


def refuse_unsupported(rollout: Rollout) -> None:
    """Raise a one-line :class:`ScenarioError` for the first refused setting, if any."""
    found = refusals(rollout)
    if not found:
        return
    first = found[0]
    raise _error(rollout, first)


def _error(rollout: Rollout, refusal: Refusal) -> ScenarioError:
    return scenario_error(
        rollout.file,
        refusal.field,
        refusal.expected,
        line=line_of(rollout, refusal),
        got=refusal.got,
    )


def line_of(rollout: Rollout, refusal: Refusal) -> int:
    """The line of the refused setting (or of the closest enclosing key)."""
    return int(rollout.line_of(*refusal.path))
