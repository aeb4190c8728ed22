"""``networking.k8s.io/v1`` Ingress: the objects the NGINX (and, later, ALB) routers rewrite.

Only what routing reads is typed (rules, paths, backends, TLS, the class); the raw mapping
(``obj.raw``) is what the routers copy, so nothing else is lost.
"""

from typing import Literal

from pydantic import Field

from canarysim.declarations.manifests.base import ManifestModel, Resource, empty_list

__all__ = ["Ingress", "IngressBackend", "IngressRule", "IngressSpec"]


class ServiceBackendPort(ManifestModel):
    number: int | None = None
    name: str | None = None


class IngressServiceBackend(ManifestModel):
    name: str = ""
    port: ServiceBackendPort = Field(default_factory=ServiceBackendPort)


class IngressBackend(ManifestModel):
    KNOWN = frozenset({"resource"})

    service: IngressServiceBackend | None = None


class HTTPIngressPath(ManifestModel):
    path: str = "/"
    path_type: Literal["Exact", "Prefix", "ImplementationSpecific"] = "ImplementationSpecific"
    backend: IngressBackend = Field(default_factory=IngressBackend)


class HTTPIngressRuleValue(ManifestModel):
    paths: list[HTTPIngressPath] = Field(default_factory=empty_list)


class IngressRule(ManifestModel):
    host: str = ""
    http: HTTPIngressRuleValue | None = None


class IngressTLS(ManifestModel):
    hosts: list[str] = Field(default_factory=empty_list)
    secret_name: str = ""


class IngressSpec(ManifestModel):
    ingress_class_name: str | None = None
    default_backend: IngressBackend | None = None
    tls: list[IngressTLS] = Field(default_factory=empty_list)
    rules: list[IngressRule] = Field(default_factory=empty_list)


class Ingress(Resource):
    spec: IngressSpec = Field(default_factory=IngressSpec)

    def has_rule_with_service(self, service: str) -> bool:
        """``ingressutil.HasRuleWithService``: some path's backend is that Service."""
        return any(
            p.backend.service is not None and p.backend.service.name == service
            for rule in self.spec.rules
            if rule.http is not None
            for p in rule.http.paths
        )
