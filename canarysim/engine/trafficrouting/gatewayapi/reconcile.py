"""What the Gateway API plugin writes to HTTPRoutes and GRPCRoutes (``setHTTPRouteWeight``,
``setGRPCRouteWeight``: the same rewrite, each with its own error text), and to TCPRoutes and
TLSRoutes (``setTCPRouteWeight``, ``setTLSRouteWeight``: every canary and stable
``backendRef``, wherever it is).

Works on plain dict manifests. The Rollouts that rely on the plugin's route selectors or
experiment backends are refused at load (``canarysim.declarations.support``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list
from canarysim.errors import TrafficRoutingError

__all__ = [
    "IN_PROGRESS_LABEL_KEY",
    "IN_PROGRESS_LABEL_VALUE",
    "PLUGIN_NAME",
    "grpc_route_names",
    "http_route_names",
    "is_managed_name",
    "managed_names",
    "plugin_config",
    "route_names",
    "services",
    "set_backend_weights",
    "set_weight",
]

Manifest = dict[str, Any]

PLUGIN_NAME = "argoproj-labs/gatewayAPI"
IN_PROGRESS_LABEL_KEY = "rollouts.argoproj.io/gatewayapi-canary"
IN_PROGRESS_LABEL_VALUE = "in-progress"
BACKEND_REF_NOT_FOUND = "backendRef was not found in httpRoute"
GRPC_BACKEND_REF_NOT_FOUND = "backendRef was not found in grpcRoute"
#: The plugin's error when a route lacks the canary or the stable ``backendRef`` (errors.go).
NOT_FOUND = {
    "HTTPRoute": BACKEND_REF_NOT_FOUND,
    "GRPCRoute": GRPC_BACKEND_REF_NOT_FOUND,
    "TCPRoute": "backendRef list was not found in tcpRoute",
    "TLSRoute": "backendRef list was not found in tlsRoute",
}
#: Each kind's settings: the list form, then the single form (``insertGatewayAPIRouteLists``).
_SETTINGS = {
    "HTTPRoute": ("httpRoutes", "httpRoute"),
    "GRPCRoute": ("grpcRoutes", "grpcRoute"),
    "TCPRoute": ("tcpRoutes", "tcpRoute"),
    "TLSRoute": ("tlsRoutes", "tlsRoute"),
}
NO_ROUTES = (
    "No routes configured. At least one of 'httpRoutes', 'grpcRoutes', 'tcpRoutes', "
    "'tlsRoutes', 'httpRoute', 'grpcRoute', 'tcpRoute' or 'tlsRoute' must be set"
)


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def plugin_config(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plugin's settings (``trafficRouting.plugins["argoproj-labs/gatewayAPI"]``), with
    ``namespace`` defaulted to the Rollout's (``getGatewayAPITrafficRoutingConfig``)."""
    plugins = as_dict(as_dict(_canary(rollout).get("trafficRouting")).get("plugins"))
    config = plugins.get(PLUGIN_NAME)
    if not isinstance(config, dict):
        return None
    out = dict(config)
    if not out.get("namespace"):
        out["namespace"] = str(as_dict(rollout.get("metadata")).get("namespace") or "default")
    return out


def route_names(rollout: Mapping[str, Any], kind: str) -> list[str]:
    """The names of one kind's routes: the list form's, then the single form
    (``insertGatewayAPIRouteLists``)."""
    plural, single = _SETTINGS[kind]
    config = plugin_config(rollout) or {}
    names = [str(as_dict(r).get("name") or "") for r in as_list(config.get(plural))]
    if config.get(single):
        names.append(str(config[single]))
    return names


def http_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """``httpRoutes`` names, then ``httpRoute``."""
    return route_names(rollout, "HTTPRoute")


def grpc_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """``grpcRoutes`` names, then ``grpcRoute``."""
    return route_names(rollout, "GRPCRoute")


def managed_names(rollout: Mapping[str, Any]) -> set[str]:
    """``managedRouteNamesSet`` (plugin.go): the names of ``trafficRouting.managedRoutes``
    (a nameless entry is the empty name, as Go's zero string)."""
    routes = as_list(as_dict(_canary(rollout).get("trafficRouting")).get("managedRoutes"))
    return {str(as_dict(r).get("name") or "") for r in routes}


def services(rollout: Mapping[str, Any]) -> tuple[str, str]:
    """The canary and the stable Service names. Both are set: Argo refuses a Rollout with
    ``trafficRouting`` and either missing (``ValidateRolloutStrategyCanary``)."""
    canary = _canary(rollout)
    return str(canary.get("canaryService")), str(canary.get("stableService"))


def _go_atoi(text: str) -> bool:
    """Whether Go's ``strconv.Atoi`` reads ``text`` without error: an optional sign, then
    ASCII digits, within the 64-bit ``int`` range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return False
    return -(2**63) <= int(text) < 2**63


def is_managed_name(name: Any, managed: set[str]) -> bool:
    """``isManagedRuleName`` (plugin.go): a managed route's name, or that name ``-<n>`` where
    ``n`` is what Go's ``strconv.Atoi`` reads as an integer; a rule without a name is not
    managed by name (``rule.Name != nil``)."""
    if name is None:
        return False
    text = str(name)
    return text in managed or any(
        text.startswith(f"{base}-") and _go_atoi(text[len(base) + 1 :]) for base in managed
    )


def _is_managed_rule(rule: Mapping[str, Any], canary: str, managed: set[str]) -> bool:
    """A header rule the plugin injected: named after a managed route, or (older plugin
    versions) a rule whose only backend is the canary Service (``isHTTPManagedRule``,
    ``isGRPCManagedRule``)."""
    if is_managed_name(rule.get("name"), managed):
        return True
    refs = as_list(rule.get("backendRefs"))
    return len(refs) == 1 and as_dict(refs[0]).get("name") == canary


def _labelled(route: Manifest, weight: int, config: Mapping[str, Any]) -> None:
    """``ensureInProgressLabel``: the label while the canary weight is not 0."""
    if config.get("disableInProgressLabel"):
        return
    key = str(config.get("inProgressLabelKey") or IN_PROGRESS_LABEL_KEY)
    value = str(config.get("inProgressLabelValue") or IN_PROGRESS_LABEL_VALUE)
    meta = route.setdefault("metadata", {})
    labels = dict(as_dict(meta.get("labels")))
    if weight == 0:
        if key in labels:
            del labels[key]
            if labels:
                meta["labels"] = labels
            else:  # an empty map is left out of the object (``labels,omitempty``)
                del meta["labels"]
        return
    labels[key] = value
    meta["labels"] = labels


def _weighted(out: Manifest, rollout: Mapping[str, Any], weight: int, kind: str) -> Manifest:
    """``out`` with every canary ``backendRef`` at ``weight`` and every stable one at the rest,
    in every rule (but an HTTPRoute's or GRPCRoute's managed header rules), and the label; the
    plugin's error when either Service has none. (The plugin's HTTPRoute and GRPCRoute loop
    tests the canary name before the stable one; Argo refuses a Rollout naming one Service for
    both, so the two lists never share a ``backendRef``.)"""
    canary_svc, stable_svc = services(rollout)
    managed = managed_names(rollout)
    skip_managed = kind not in ("TCPRoute", "TLSRoute")
    refs = [
        as_dict(ref)
        for rule in as_list(as_dict(out.get("spec")).get("rules"))
        if not (skip_managed and _is_managed_rule(as_dict(rule), canary_svc, managed))
        for ref in as_list(as_dict(rule).get("backendRefs"))
    ]
    for name, value in ((canary_svc, int(weight)), (stable_svc, 100 - int(weight))):
        named = [ref for ref in refs if ref.get("name") == name]
        if not named:
            raise TrafficRoutingError(NOT_FOUND[kind])
        for ref in named:
            ref["weight"] = value
    _labelled(out, weight, plugin_config(rollout) or {})
    return out


def set_weight(
    route: Mapping[str, Any], rollout: Mapping[str, Any], weight: int, kind: str = "HTTPRoute"
) -> Manifest:
    """The HTTPRoute after ``setHTTPRouteWeight`` (the GRPCRoute after ``setGRPCRouteWeight``
    with ``kind="GRPCRoute"``: grpcroute.go does the same rewrite): the managed header rules
    are skipped; :class:`TrafficRoutingError` with the plugin's text when a canary or stable
    ``backendRef`` is missing."""
    return _weighted(copy.deepcopy(dict(route)), rollout, weight, kind)


def set_backend_weights(
    route: Mapping[str, Any], rollout: Mapping[str, Any], weight: int, kind: str
) -> Manifest:
    """The TCPRoute (``kind="TCPRoute"``) or TLSRoute after ``setTCPRouteWeight`` /
    ``setTLSRouteWeight``: every ``backendRef`` named after the canary Service, in any rule,
    gets the canary weight, every one named after the stable Service the rest
    (``getBackendRefs``); no rule is skipped (these routes take no header routes). The
    plugin looks for the canary first, then the stable: either missing is its error."""
    return _weighted(copy.deepcopy(dict(route)), rollout, weight, kind)
