"""Loading Kubernetes manifests: multi-document YAML, ``kind``/``apiVersion`` dispatch,
namespaces as kubectl applies them, duplicates and ignored kinds noticed.

This module (with :mod:`canarysim.declarations.yamlio`) is the only place in canarysim that reads
manifest files.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from canarysim.declarations.bulk import without_collector
from canarysim.declarations.convert import validate_model
from canarysim.declarations.findings import Finding
from canarysim.declarations.manifests.base import Resource
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.yamlio import Document, read_documents, scenario_error

__all__ = [
    "MANIFEST_SUFFIXES",
    "add_document",
    "add_file",
    "expand",
    "is_scenario",
    "load_manifests",
]

# (API group, kind) -> (module of canarysim.declarations.manifests, model, Manifests attribute,
# namespaced). Models are looked up when a document of their kind is read: a run of Istio
# objects never defines the models of App Mesh, SMI, Ingresses or analysis templates.
_KINDS: dict[tuple[str, str], tuple[str, str, str, bool]] = {
    ("argoproj.io", "Rollout"): ("argo", "Rollout", "rollouts", True),
    ("argoproj.io", "AnalysisTemplate"): (
        "analysis",
        "AnalysisTemplate",
        "analysis_templates",
        True,
    ),
    ("argoproj.io", "ClusterAnalysisTemplate"): (
        "analysis",
        "ClusterAnalysisTemplate",
        "cluster_analysis_templates",
        False,
    ),
    ("", "Service"): ("k8s", "Service", "services", True),
    ("policy", "PodDisruptionBudget"): (
        "k8s",
        "PodDisruptionBudget",
        "pod_disruption_budgets",
        True,
    ),
    ("", "Secret"): ("k8s", "Secret", "secrets", True),
    ("apps", "Deployment"): ("workloads", "Deployment", "deployments", True),
    ("networking.istio.io", "VirtualService"): (
        "istio",
        "VirtualService",
        "virtual_services",
        True,
    ),
    ("networking.istio.io", "DestinationRule"): (
        "istio",
        "DestinationRule",
        "destination_rules",
        True,
    ),
    ("networking.istio.io", "Gateway"): ("istio", "Gateway", "gateways", True),
    ("networking.k8s.io", "Ingress"): ("ingress", "Ingress", "ingresses", True),
    ("split.smi-spec.io", "TrafficSplit"): ("smi", "TrafficSplit", "traffic_splits", True),
    ("gateway.networking.k8s.io", "HTTPRoute"): ("smi", "HTTPRoute", "http_routes", True),
    ("gateway.networking.k8s.io", "GRPCRoute"): ("smi", "GRPCRoute", "grpc_routes", True),
    ("gateway.networking.k8s.io", "TCPRoute"): ("smi", "GatewayTCPRoute", "tcp_routes", True),
    ("gateway.networking.k8s.io", "TLSRoute"): ("smi", "GatewayTLSRoute", "tls_routes", True),
    ("apisix.apache.org", "ApisixRoute"): ("smi", "ApisixRoute", "apisix_routes", True),
    ("traefik.io", "TraefikService"): ("smi", "TraefikService", "traefik_services", True),
    ("traefik.containo.us", "TraefikService"): ("smi", "TraefikService", "traefik_services", True),
    ("traefik.io", "IngressRoute"): ("smi", "IngressRoute", "ingress_routes", True),
    ("traefik.containo.us", "IngressRoute"): ("smi", "IngressRoute", "ingress_routes", True),
    ("getambassador.io", "Mapping"): ("smi", "AmbassadorMapping", "ambassador_mappings", True),
    ("appmesh.k8s.aws", "VirtualService"): (
        "appmesh",
        "AppMeshVirtualService",
        "appmesh_virtual_services",
        True,
    ),
    ("appmesh.k8s.aws", "VirtualRouter"): (
        "appmesh",
        "AppMeshVirtualRouter",
        "appmesh_virtual_routers",
        True,
    ),
    ("appmesh.k8s.aws", "VirtualNode"): (
        "appmesh",
        "AppMeshVirtualNode",
        "appmesh_virtual_nodes",
        True,
    ),
    ("elbv2.k8s.aws", "TargetGroupBinding"): (
        "aws",
        "TargetGroupBinding",
        "target_group_bindings",
        True,
    ),
}


def _model(module: str, name: str) -> type[Resource]:
    """The model class ``name`` of ``canarysim.declarations.manifests.<module>``."""
    found: type[Resource] = getattr(import_module(f"{__package__}.manifests.{module}"), name)
    return found


#: Versions each group serves (kubectl would reject anything else).
_VERSIONS = {
    "argoproj.io": {"v1alpha1"},
    "": {"v1"},
    "policy": {"v1"},
    "apps": {"v1"},
    "networking.istio.io": {"v1", "v1beta1", "v1alpha3"},
    "networking.k8s.io": {"v1"},
    "split.smi-spec.io": {"v1alpha1", "v1alpha2", "v1alpha3"},
    "gateway.networking.k8s.io": {"v1", "v1beta1"},
    "apisix.apache.org": {"v2"},
    "traefik.io": {"v1alpha1"},
    "traefik.containo.us": {"v1alpha1"},
    "getambassador.io": {"v2", "v3alpha1"},
    "appmesh.k8s.aws": {"v1beta2"},
    "elbv2.k8s.aws": {"v1alpha1", "v1beta1"},
}
#: Kinds whose versions differ from their group's (the Gateway API's experimental routes).
_KIND_VERSIONS = {
    ("gateway.networking.k8s.io", "TCPRoute"): {"v1alpha2"},
    ("gateway.networking.k8s.io", "TLSRoute"): {"v1alpha2"},
}


@without_collector
def load_manifests(
    paths: Iterable[str | Path], namespace: str = "default", *, recursive: bool = False
) -> Manifests:
    """Read manifest files (``canarysim run -f a.yaml -f DIR -f - -n ns``): a directory
    means its manifest files (``recursive``: in its subdirectories too, ``-R``), ``-`` means
    standard input, as with kubectl.

    Objects without ``metadata.namespace`` land in ``namespace``, as with ``kubectl apply -n``.
    A file that cannot be read or parsed raises :class:`ScenarioError`; problems a cluster
    would accept or only warn about are recorded in ``Manifests.findings``.
    """
    out = Manifests(namespace=namespace)
    for path in paths:
        add_file(out, Path(path), str(path), recursive=recursive)
    return out


#: Extensions ``kubectl apply -f DIR`` reads from a directory.
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def expand(path: Path, recursive: bool = False) -> list[Path]:
    """A file as itself; a directory as its manifest files in name order, like ``kubectl
    apply -f DIR`` (``recursive``: with ``-R``, those of its subdirectories too)."""
    if path.is_dir():
        found = path.rglob("*") if recursive else path.iterdir()
        files = sorted(p for p in found if p.suffix in MANIFEST_SUFFIXES and p.is_file())
        if not files:
            raise scenario_error(str(path), "", "a directory holding .yaml, .yml or .json files")
        return files
    return [path]


def add_file(out: Manifests, path: Path, display: str, *, recursive: bool = False) -> None:
    """Load every object of a manifest file (or of each file of a directory) into ``out``.
    A scenario file met in a directory is skipped with a note (``load/scenario-skipped``)."""
    for target in expand(path, recursive):
        name = display if target == path else str(target)
        docs = read_documents(target, display=name)
        if target != path and len(docs) == 1 and is_scenario(docs[0].data):
            out.findings.append(
                Finding(
                    name,
                    docs[0].line,
                    "load/scenario-skipped",
                    "warning",
                    f"a scenario file, not manifests: skipped (run it with: canarysim run {name})",
                )
            )
            continue
        out.files.append(name)
        if not docs:
            out.findings.append(Finding(name, 1, "load/empty", "warning", "no objects in file"))
        for doc in docs:
            add_document(out, doc)


def is_scenario(data: object) -> bool:
    """A document that is a scenario rather than a Kubernetes object (no kind/apiVersion)."""
    return isinstance(data, dict) and "kind" not in data and "apiVersion" not in data


def add_document(out: Manifests, doc: Document, base: tuple[str | int, ...] = ()) -> None:
    """Type one YAML document and add it to ``out`` (a ``List`` kind is unpacked)."""
    data = doc.data
    for part in base:
        data = data[part]
    where = doc.line_of(base)
    data = _without_nulls(data)
    if not isinstance(data, dict):
        raise scenario_error(
            doc.file,
            _fmt(base),
            "a Kubernetes object (a mapping)",
            line=where,
            got=type(data).__name__,
        )
    kind = data.get("kind")
    api_version = data.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise scenario_error(
            doc.file, _fmt((*base, "kind")), "the object's kind, e.g. Rollout", line=where
        )
    if not isinstance(api_version, str) or not api_version:
        raise scenario_error(
            doc.file,
            _fmt((*base, "apiVersion")),
            "the object's apiVersion, e.g. argoproj.io/v1alpha1",
            line=where,
        )
    if kind == "List" and api_version == "v1":
        for i, item in enumerate(data.get("items") or []):
            add_document(
                out, Document(doc.file, doc.index, item, _sub(doc.lines, (*base, "items", i))), ()
            )
        return
    group, _, version = api_version.rpartition("/")
    entry = _KINDS.get((group, kind))
    if entry is None:
        out.ignored.append(data)
        out.findings.append(
            Finding(
                doc.file,
                where,
                "load/ignored-kind",
                "warning",
                f"{kind} ({api_version}) is not simulated; ignored",
            )
        )
        return
    served = _KIND_VERSIONS.get((group, kind), _VERSIONS[group])
    if version not in served:
        out.findings.append(
            Finding(
                doc.file,
                doc.line_of((*base, "apiVersion")),
                "load/api-version",
                "error",
                f'no {kind} in version "{api_version}" (served: '
                f"{', '.join(sorted(group + '/' + v if group else v for v in served))})",
            )
        )
    module, name, attr, namespaced = entry
    model = _model(module, name)
    lines = _sub(doc.lines, base) if base else doc.lines
    if kind == "Secret":
        _check_secret(doc, data, base)
    obj = validate_model(model, data, file=doc.file, lines=doc.lines, base=base)
    obj.attach(data, doc.file, lines)
    if not obj.metadata.name:
        raise scenario_error(
            doc.file, _fmt((*base, "metadata", "name")), "a name for the object", line=where
        )
    if namespaced and not obj.metadata.namespace:
        obj.metadata.namespace = out.namespace
    bucket: list[Resource] = getattr(out, attr)
    at = out.position(attr, obj, namespaced)
    if at is not None:
        other = bucket[at]
        out.findings.append(
            Finding(
                doc.file,
                where,
                "load/duplicate",
                "error",
                f'{kind} "{obj.name}" is defined twice (also {other.file}:{other.line}); '
                "the later one wins, as with kubectl apply",
            )
        )
        bucket[at] = obj
        return
    bucket.append(obj)
    out.note_added(attr, obj, namespaced)


def _without_nulls(value: Any) -> Any:
    """The object as the API server stores it: a ``null`` field is an absent one
    (``weight: null`` is no weight, not a weight of None)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _sub(lines: dict[tuple[Any, ...], int], prefix: tuple[Any, ...]) -> dict[tuple[Any, ...], int]:
    n = len(prefix)
    return {k[n:]: v for k, v in lines.items() if k[:n] == prefix}


def _fmt(path: tuple[Any, ...]) -> str:
    from canarysim.declarations.yamlio import format_path

    return format_path(path)


def _check_secret(doc: Document, data: dict[str, Any], base: tuple[Any, ...]) -> None:
    """A Secret's ``data`` / ``stringData`` shape, checked here so that no error quotes a
    value: each is a mapping of keys to text, ``data`` values base64."""
    for field in ("data", "stringData"):
        values = data.get(field)
        if values is None:
            continue
        path = (*base, field)
        if not isinstance(values, dict):
            raise scenario_error(
                doc.file, _fmt(path), "a mapping of keys to values", line=doc.line_of(path)
            )
        for key, value in values.items():
            where = (*path, key)
            ok = isinstance(key, str) and isinstance(value, str)
            if ok and field == "data":
                try:
                    base64.b64decode(value, validate=True).decode("utf-8")
                except ValueError:
                    ok = False
            if not ok:
                what = "base64-encoded UTF-8 text" if field == "data" else "text"
                raise scenario_error(
                    doc.file,
                    _fmt(where),
                    f"{what} (the value is not shown)",
                    line=doc.line_of(where),
                )
