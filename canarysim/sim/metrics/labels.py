"""The labels an Istio series carries once a real Prometheus scraped it.

Two sources, as in a cluster running Istio's sample Prometheus (``samples/addons/prometheus.yaml``,
job ``kubernetes-pods``, ``honor_labels: true``):

* Istio's standard metric labels, set by the proxy that reports the request: ``reporter``,
  ``source_*`` (the client: the ingress gateway when the traffic enters through one),
  ``destination_*`` (the backend: ``destination_workload`` is the pod's owner name with the
  ReplicaSet hash trimmed, i.e. the Rollout's name; app/version from the pod's ``app`` and
  ``version`` labels; canonical service/revision as the sidecar injector labels pods:
  ``service.istio.io/canonical-name`` or ``app.kubernetes.io/name`` or ``app`` or the
  workload, ``service.istio.io/canonical-revision`` or ``app.kubernetes.io/version`` or
  ``version`` or ``latest``), ``request_protocol``, ``response_code``, ``response_flags``,
  ``connection_security_policy`` (``mutual_tls`` seen by the server, ``unknown`` by the client,
  ``none`` when the client has no sidecar: plain text),
  principals (SPIFFE ids of the service accounts), ``destination_cluster``;
* the scrape's target labels: ``job="kubernetes-pods"``, ``namespace`` of the scraped pod, and
  every label of the scraped pod (``labelmap``), so ``rollouts_pod_template_hash`` is on the
  series the *destination* proxy reports (the canary or stable pod), not on those the client
  (gateway) reports.

The target labels ``pod`` and ``instance`` (``<pod IP>:15020``) of the scraped pod are added by
the store, per pod (:mod:`.targets`). Not modelled: ``node`` (not a target label of Istio's
sample job) and ``grpc_response_status`` (empty for HTTP, which Prometheus drops).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["GATEWAY", "GATEWAY_POD", "Workload", "istio_labels"]

UNKNOWN = "unknown"
TRUST_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class Workload:
    """A workload as Istio identifies it: name, namespace, pod labels, service account."""

    name: str
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str = "default"

    @property
    def app(self) -> str:
        return self.labels.get("app", UNKNOWN)

    @property
    def version(self) -> str:
        return self.labels.get("version", UNKNOWN)

    @property
    def canonical_service(self) -> str:
        for key in ("service.istio.io/canonical-name", "app.kubernetes.io/name", "app"):
            if self.labels.get(key):
                return self.labels[key]
        return self.name

    @property
    def canonical_revision(self) -> str:
        for key in ("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version"):
            if self.labels.get(key):
                return self.labels[key]
        return "latest"

    @property
    def principal(self) -> str:
        return f"spiffe://{TRUST_DOMAIN}/ns/{self.namespace}/sa/{self.service_account}"

    def injected_labels(self) -> dict[str, str]:
        """The pod's labels after sidecar injection (the injector adds these three)."""
        return {
            **self.labels,
            "security.istio.io/tlsMode": "istio",
            "service.istio.io/canonical-name": self.canonical_service,
            "service.istio.io/canonical-revision": self.canonical_revision,
        }


#: Istio's default ingress gateway (``istioctl install``'s ``istio-ingressgateway``).
GATEWAY = Workload(
    "istio-ingressgateway",
    "istio-system",
    {"app": "istio-ingressgateway", "istio": "ingressgateway"},
    "istio-ingressgateway-service-account",
)

#: The gateway's one pod (the default install runs one replica; its Deployment's hash and
#: suffix are fixed here, the name only has to look like one).
GATEWAY_POD = "istio-ingressgateway-6b7d8c5f9c-x7k2q"


def _labelmap(labels: Mapping[str, str]) -> dict[str, str]:
    """Kubernetes SD's ``__meta_kubernetes_pod_label_<name>`` (invalid characters become
    ``_``) through ``labelmap: __meta_kubernetes_pod_label_(.+)``."""
    return {re.sub(r"[^a-zA-Z0-9_]", "_", k): v for k, v in labels.items() if v}


def istio_labels(
    *,
    reporter: str,
    source: Workload | None,
    destination: Workload | None,
    destination_service: str,
    destination_service_name: str,
    destination_service_namespace: str,
    response_code: int,
    response_flags: str,
    mtls: bool = True,
) -> dict[str, str]:
    """One series' labels (see the module docstring). ``source`` None: a client without a
    known workload; ``destination`` None: no pod answered (``unknown``); ``mtls`` False: the
    client has no sidecar, so the server proxy saw plain text (``none``)."""
    src = source or Workload(UNKNOWN, UNKNOWN)
    dst = destination
    out = {
        "reporter": reporter,
        "source_workload": src.name,
        "source_workload_namespace": src.namespace,
        "source_app": src.app if source else UNKNOWN,
        "source_version": src.version if source else UNKNOWN,
        "source_canonical_service": src.canonical_service if source else UNKNOWN,
        "source_canonical_revision": src.canonical_revision if source else UNKNOWN,
        "source_principal": src.principal if source else UNKNOWN,
        "source_cluster": "Kubernetes" if source else UNKNOWN,
        "destination_service": destination_service,
        "destination_service_name": destination_service_name,
        "destination_service_namespace": destination_service_namespace,
        "destination_workload": dst.name if dst else UNKNOWN,
        "destination_workload_namespace": dst.namespace if dst else UNKNOWN,
        "destination_app": dst.app if dst else UNKNOWN,
        "destination_version": dst.version if dst else UNKNOWN,
        "destination_canonical_service": dst.canonical_service if dst else UNKNOWN,
        "destination_canonical_revision": dst.canonical_revision if dst else UNKNOWN,
        "destination_principal": dst.principal if dst else UNKNOWN,
        "destination_cluster": "Kubernetes" if dst else UNKNOWN,
        "request_protocol": "http",
        "response_code": str(response_code),
        "response_flags": response_flags,
        "connection_security_policy": (
            UNKNOWN if reporter != "destination" else "mutual_tls" if mtls else "none"
        ),
    }
    scraped = dst if reporter == "destination" else source
    target = {"job": "kubernetes-pods"}
    if scraped is not None:
        target["namespace"] = scraped.namespace
        target.update(_labelmap(scraped.injected_labels()))
    # honor_labels: the metric's own labels win over the target's; kept in name order, the
    # order PromQL sorts label sets in
    return dict(sorted({**target, **out}.items()))
