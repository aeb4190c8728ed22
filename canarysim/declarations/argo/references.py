"""Argo's checks of the objects a Rollout refers to (``validation_references.go``).

The controller first fetches what the rollout names (``rollout/controller.go::
getRolloutReferencedResources``): stable then canary Service, analysis templates (steps in
order, then background), the VirtualService(s). A missing object stops there with a single
error. Then ``ValidateRolloutReferencedResources`` checks Services (selector labels the pod
template lacks), analysis templates and VirtualService routes. Messages are Argo's verbatim;
Kubernetes' NotFound text is ``<resource> "<name>" not found``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canarysim.declarations.argo.fielderr import FieldError
from canarysim.declarations.manifests.argo import Rollout, RolloutAnalysis
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.engine.trafficrouting.appmesh import reconcile as appmesh
from canarysim.engine.trafficrouting.istio import rollout as iro
from canarysim.engine.trafficrouting.istio import routes as ir
from canarysim.errors import TrafficRoutingError

if TYPE_CHECKING:
    from canarysim.declarations.argo.analysis import Templates

__all__ = ["validate_references"]

HASH_LABEL = "rollouts-pod-template-hash"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"
VS_PATH = "spec.strategy.canary.trafficRouting.istio.virtualService.name"
VSS_PATH = "spec.strategy.canary.trafficRouting.istio.virtualServices.name"


class _Stop(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


def validate_references(ro: Rollout, objs: Manifests) -> list[FieldError]:
    """Errors about referenced objects, in Argo's order. A fetch failure is the only error."""
    if ro.canary is None and ro.blue_green is None:
        return []
    try:
        services = _fetch_services(ro, objs)
        analyses = _fetch_analyses(ro, objs)
        ingresses = _fetch_ingresses(ro, objs)
        vss = _fetch_virtual_services(ro, objs)
        routers = _fetch_appmesh(ro, objs)
    except _Stop as stop:
        return [stop.error]
    errs: list[FieldError] = []
    for path, svc in services:
        for key in sorted(svc.spec.selector):
            if key == HASH_LABEL:
                continue
            if ro.spec.template.labels.get(key) != svc.spec.selector[key]:
                errs.append(
                    FieldError(
                        path,
                        "Invalid",
                        svc.name,
                        f'Service "{svc.name}" has unmatch label "{key}" in rollout',
                    )
                )
        owner = svc.metadata.annotations.get(MANAGED_BY)
        if owner is not None and owner != ro.name:
            errs.append(
                FieldError(
                    path, "Invalid", svc.name, f'Service "{svc.name}" is managed by another Rollout'
                )
            )
    if analyses:  # (the analysis checks and models are loaded for a Rollout that has some)
        from canarysim.declarations.argo.analysis import validate_analysis

        for kind, index, analysis, templates in analyses:
            errs += validate_analysis(ro, kind, index, analysis, templates)
    for path, value, ingress in ingresses:
        # ValidateIngress / reportErrors: ALB checks its rootService (else the stable one)
        service = ro.canary.stable_service if ro.canary is not None else ""
        if path.startswith(ALB_PATH):
            service = _alb_action_service(ro) or service
        if not ingress.has_rule_with_service(service):
            errs.append(
                FieldError(
                    path,
                    "Invalid",
                    value,
                    f"ingress `{ingress.name}` has no rules using service {service} backend",
                )
            )
    for path, vs in vss:
        errs += _virtual_service(ro, path, vs)
    for router in routers:
        # ValidateAppMeshResource: paths inside the VirtualRouter, its name as the value
        problem = appmesh.validate_virtual_router(router.raw)
        if problem is not None:
            errs.append(FieldError(problem[0], "Invalid", router.name, problem[1]))
    return errs


class _Plain(FieldError):
    """An error Argo returns as it is (``errors.New``), not as a ``field.Error``."""

    def __str__(self) -> str:
        return self.detail


#: Argo's own spelling of the path (``getReferencedAppMeshResources``), lower-case ``appmesh``.
APPMESH_PATH = "spec.strategy.canary.trafficRouting.appmesh.virtualService"


def _fetch_appmesh(ro: Rollout, objs: Manifests) -> list[Any]:
    """``getReferencedAppMeshResources``: the VirtualService the Rollout names, then the
    VirtualRouter providing it (both must exist); returns that VirtualRouter."""
    tr = ro.canary.traffic_routing if ro.canary is not None else None
    settings = tr.app_mesh if tr is not None else None
    if not isinstance(settings, dict):
        return []
    vs_ref = settings.get("virtualService")
    if not isinstance(vs_ref, dict):
        raise _Stop(FieldError(APPMESH_PATH, "Invalid", None, "must provide virtual-service"))
    name = str(vs_ref.get("name") or "")
    value = f"{name}.{ro.namespace}"
    vs = _find(objs.appmesh_virtual_services, name, ro.namespace)
    if vs is None:
        detail = f'virtualservices.appmesh.k8s.aws "{name}" not found'
        raise _Stop(FieldError(APPMESH_PATH, "Invalid", value, detail))
    try:
        router_ns, router_name = appmesh.virtual_router_ref(vs.raw, ro.namespace)
    except TrafficRoutingError as err:
        raise _Stop(_Plain(APPMESH_PATH, "Invalid", None, str(err))) from None
    router = _find(objs.appmesh_virtual_routers, router_name, router_ns)
    if router is None:
        detail = f'virtualrouters.appmesh.k8s.aws "{router_name}" not found'
        raise _Stop(FieldError(APPMESH_PATH, "Invalid", value, detail))
    return [router]


def _find(items: list[Any], name: str, namespace: str) -> Any:
    for obj in items:
        if obj.name == name and obj.namespace == namespace:
            return obj
    return None


# ------------------------------------------------------------------------------------ fetching
def _fetch_services(ro: Rollout, objs: Manifests) -> list[tuple[str, Any]]:
    c = ro.canary
    bg = ro.blue_green
    wanted: list[tuple[str, str]] = []
    if bg is not None:  # getRolloutReferencedResources: active, then preview
        wanted = [
            ("spec.strategy.blueGreen.activeService", bg.active_service),
            ("spec.strategy.blueGreen.previewService", bg.preview_service),
        ]
    if c is None:
        return _found_services(ro, objs, wanted)
    wanted = [
        ("spec.strategy.canary.stableService", c.stable_service),
        ("spec.strategy.canary.canaryService", c.canary_service),
    ]
    if c.ping_pong is not None:
        wanted += [
            ("spec.strategy.canary.pingPong.pingService", c.ping_pong.ping_service),
            ("spec.strategy.canary.pingPong.pongService", c.ping_pong.pong_service),
        ]
    return _found_services(ro, objs, wanted)


def _found_services(
    ro: Rollout, objs: Manifests, wanted: list[tuple[str, str]]
) -> list[tuple[str, Any]]:
    found = []
    for path, name in wanted:
        if not name:
            continue
        svc = objs.service(name, ro.namespace)
        if svc is None:
            raise _Stop(FieldError(path, "Invalid", name, f'services "{name}" not found'))
        found.append((path, svc))
    return found


def _fetch_analyses(
    ro: Rollout, objs: Manifests
) -> list[tuple[str, int, RolloutAnalysis, Templates]]:
    out = []
    bg = ro.blue_green
    if bg is not None:
        for kind, analysis, key in (
            ("PrePromotion", bg.pre_promotion_analysis, "prePromotionAnalysis"),
            ("PostPromotion", bg.post_promotion_analysis, "postPromotionAnalysis"),
        ):
            if analysis is not None:
                path = f"spec.strategy.blueGreen.{key}.templates"
                out.append((kind, 0, analysis, _templates(analysis, path, ro, objs)))
    c = ro.canary
    if c is None:
        return out
    for i, step in enumerate(c.steps):
        if step.analysis is not None:
            path = f"spec.strategy.canary.steps[{i}].analysis.templates"
            out.append(("Inline", i, step.analysis, _templates(step.analysis, path, ro, objs)))
    if c.analysis is not None:
        path = "spec.strategy.canary.analysis.templates"
        out.append(("Background", 0, c.analysis, _templates(c.analysis, path, ro, objs)))
    return out


def _templates(analysis: RolloutAnalysis, path: str, ro: Rollout, objs: Manifests) -> Templates:
    """``getAnalysisTemplatesFromRefs`` (nested templates, ``FilterUniqueTemplates``), through
    the same implementation as the runs the simulator creates."""
    from canarysim.engine.analysis.runspec import TemplateNotFound, collect_templates

    found: dict[int, Any] = {}

    def lookup(name: str, cluster_scope: bool) -> Any:
        if cluster_scope:
            t: Any = objs.cluster_analysis_template(name)
        else:
            t = objs.analysis_template(name, ro.namespace)
        if t is None:
            return None
        found[id(t.raw)] = t
        return t.raw

    refs = [
        {"templateName": r.template_name, "clusterScope": bool(r.cluster_scope)}
        for r in analysis.templates
    ]
    try:
        plain, cluster = collect_templates(refs, lookup)
    except TemplateNotFound as err:
        where = "spec.templates" if err.nested else path
        raise _Stop(FieldError(where, "Invalid", err.name, str(err))) from None
    return [found[id(t)] for t in plain], [found[id(t)] for t in cluster]


NGINX_PATH = "spec.strategy.canary.trafficRouting.nginx"
ALB_PATH = "spec.strategy.canary.trafficRouting.alb"


def _alb_settings(ro: Rollout) -> dict[str, Any] | None:
    tr = ro.canary.traffic_routing if ro.canary is not None else None
    alb = tr.alb if tr is not None else None
    return alb if isinstance(alb, dict) else None


def _alb_action_service(ro: Rollout) -> str:
    return str((_alb_settings(ro) or {}).get("rootService") or "")


def _fetch_ingresses(ro: Rollout, objs: Manifests) -> list[tuple[str, Any, Any]]:
    """``ValidateRolloutNginxIngressesConfig``, ``ValidateRolloutAlbIngressesConfig``, then
    ``getReferencedIngresses``: the ALB Ingresses when ALB is set, else NGINX's."""
    alb = _alb_settings(ro)
    if alb is None:
        return _fetch_nginx_ingresses(ro, objs)
    _fetch_nginx_ingresses(ro, objs, config_only=True)
    many = alb.get("ingresses")
    single = str(alb.get("ingress") or "")
    if many is not None and single:
        detail = "Either Ingress or Ingresses must be configured. Both are configured."
        raise _Stop(FieldError(ALB_PATH, "Internal", None, detail))
    if many is None and not single:
        detail = "Either Ingress or Ingresses must be configured. Neither are configured."
        raise _Stop(FieldError(ALB_PATH, "Internal", None, detail))
    names = [str(n) for n in many] if isinstance(many, list) else [single]
    path = f"{ALB_PATH}.ingresses" if many is not None else f"{ALB_PATH}.ingress"
    found: list[tuple[str, Any, Any]] = []
    for name in names:
        ingress = objs.ingress(name, ro.namespace)
        if ingress is None:
            value: Any = list(names) if many is not None else single
            raise _Stop(
                FieldError(path, "Invalid", value, f'ingress.networking.k8s.io "{name}" not found')
            )
        found.append((path, name, ingress))
    return found


def _fetch_nginx_ingresses(
    ro: Rollout, objs: Manifests, config_only: bool = False
) -> list[tuple[str, Any, Any]]:
    """``ValidateRolloutNginxIngressesConfig`` then ``getReferencedNginxIngresses``: (field
    path, the value Argo prints, Ingress) of each stable Ingress (only the first with
    ``config_only``)."""
    tr = ro.canary.traffic_routing if ro.canary is not None else None
    nginx = tr.nginx if tr is not None else None
    if nginx is None:
        return []
    many = nginx.get("stableIngresses")
    single = str(nginx.get("stableIngress") or "")
    if many is not None and single:
        detail = "Either StableIngress or StableIngresses must be configured. Both are configured."
        raise _Stop(FieldError(NGINX_PATH, "Internal", None, detail))
    if many is None and not single:
        detail = (
            "Either StableIngress or StableIngresses must be configured. Neither are configured."
        )
        raise _Stop(FieldError(NGINX_PATH, "Internal", None, detail))
    if config_only:
        return []
    names = [str(n) for n in many] if isinstance(many, list) else [single]
    found: list[tuple[str, Any, Any]] = []
    for name in names:
        ingress = objs.ingress(name, ro.namespace)
        if ingress is None:
            field = "StableIngresses" if many is not None else "stableIngress"
            value: Any = list(names) if many is not None else single
            raise _Stop(
                FieldError(
                    f"{NGINX_PATH}.{field}",
                    "Invalid",
                    value,
                    f'ingress.networking.k8s.io "{name}" not found',
                )
            )
        path = (
            f"{NGINX_PATH}.stableIngresses" if many is not None else f"{NGINX_PATH}.stableIngress"
        )
        found.append((path, name, ingress))
    return found


def _fetch_virtual_services(ro: Rollout, objs: Manifests) -> list[tuple[str, Any]]:
    istio = ro.istio
    if istio is None:
        return []
    many = bool(istio.virtual_services)
    # ValidateRolloutVirtualServicesConfig
    if (many and istio.virtual_service is not None) or (not many and istio.virtual_service is None):
        raise _Stop(
            FieldError(
                "spec.strategy.canary.trafficRouting.istio",
                "Internal",
                None,
                "either VirtualService or VirtualServices must be configured",
            )
        )
    path = VSS_PATH if many else VS_PATH
    found = []
    for ref in istio.all_virtual_services:
        namespace, name = iro.split_vs_name(ref.name)
        vs = _find_vs(objs, name, namespace or ro.namespace)
        if vs is None:
            raise _Stop(
                FieldError(
                    path, "Invalid", name, f'virtualservices.networking.istio.io "{name}" not found'
                )
            )
        found.append((path, vs))
    return found


def _find_vs(objs: Manifests, name: str, namespace: str) -> Any:
    for vs in objs.virtual_services:
        if vs.name == name and vs.namespace == namespace:
            return vs
    return None


# ------------------------------------------------------------------------------ virtual service
def _virtual_service(ro: Rollout, path: str, vs: Any) -> list[FieldError]:
    """``ValidateVirtualService`` with the route checks of the Istio reconciler."""
    raw_ro = dict(ro.raw)
    raw_ro["metadata"] = {**(ro.raw.get("metadata") or {}), "namespace": ro.namespace}
    routing = iro.rollout_routing(raw_ro)
    ref = next((r for r in routing.virtual_services if r.name == vs.name), None)
    if ref is None:
        return []
    spec = vs.raw.get("spec") if isinstance(vs.raw.get("spec"), dict) else {}
    sections = {
        k: spec.get(k) if isinstance(spec.get(k), list) else None for k in ("http", "tls", "tcp")
    }
    errs: list[FieldError] = []
    if all(v is None for v in sections.values()):
        errs.append(
            FieldError(
                path,
                "Invalid",
                vs.name,
                "Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService",
            )
        )
    checks = (
        ("http", "HTTP", ir.validate_http),
        ("tls", "TLS", ir.validate_tls),
        ("tcp", "TCP", ir.validate_tcp),
    )
    for key, label, check in checks:
        routes = sections[key]
        if routes is None:
            continue
        try:
            check(ref, routes, routing)
        except TrafficRoutingError as exc:
            text = str(exc)
            if text.startswith("json:"):
                msg = f"Unable to get {label} routes for Istio VirtualService"
            else:
                msg = f"Istio VirtualService has invalid {label} routes. Error: {text}"
            errs.append(FieldError(path, "Invalid", vs.name, msg))
    return errs
