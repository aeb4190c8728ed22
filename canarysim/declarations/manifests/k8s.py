"""Kubernetes core shapes: label selectors, pod templates, containers, Services.

Only what canarysim simulates is modelled (labels, containers with image, ports and readiness
probe; Service selectors and ports). Every other real field is listed in ``KNOWN`` so that lint
stays quiet about it.
"""

import base64
from typing import Literal

from pydantic import Field, model_validator

from canarysim.declarations.manifests.base import (
    Int32,
    IntOrString,
    ManifestModel,
    ObjectMeta,
    Resource,
    empty_list,
)

__all__ = [
    "Container",
    "ContainerPort",
    "LabelSelector",
    "LabelSelectorRequirement",
    "PodDisruptionBudget",
    "PodDisruptionBudgetSpec",
    "PodSpec",
    "PodTemplateSpec",
    "Probe",
    "Secret",
    "Service",
    "ServicePort",
    "ServiceSpec",
]


class LabelSelectorRequirement(ManifestModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] = Field(default_factory=empty_list)


class LabelSelector(ManifestModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[LabelSelectorRequirement] = Field(default_factory=empty_list)

    def matches(self, labels: dict[str, str]) -> bool:
        """Kubernetes label-selector semantics (``metav1.LabelSelectorAsSelector``)."""
        for k, v in self.match_labels.items():
            if labels.get(k) != v:
                return False
        for req in self.match_expressions:
            present = req.key in labels
            if req.operator == "In" and not (present and labels[req.key] in req.values):
                return False
            if req.operator == "NotIn" and present and labels[req.key] in req.values:
                return False
            if req.operator == "Exists" and not present:
                return False
            if req.operator == "DoesNotExist" and present:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions


class ContainerPort(ManifestModel):
    KNOWN = frozenset({"hostIP", "hostPort"})

    name: str | None = None
    container_port: Int32
    protocol: str = "TCP"


class Probe(ManifestModel):
    """A readiness probe: only its timing matters to the simulator."""

    KNOWN = frozenset({"httpGet", "tcpSocket", "exec", "grpc", "terminationGracePeriodSeconds"})

    initial_delay_seconds: Int32 = 0
    period_seconds: Int32 = 10
    timeout_seconds: Int32 = 1
    success_threshold: Int32 = 1
    failure_threshold: Int32 = 3


class Container(ManifestModel):
    KNOWN = frozenset(
        {
            "command",
            "args",
            "workingDir",
            "env",
            "envFrom",
            "resources",
            "resizePolicy",
            "restartPolicy",
            "volumeMounts",
            "volumeDevices",
            "lifecycle",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "imagePullPolicy",
            "securityContext",
            "stdin",
            "stdinOnce",
            "tty",
        }
    )

    #: probes that restart or hold back a container on their own schedule; the scenario's
    #: ``versions.<image>.crash`` and ``pods`` delays model these effects instead
    UNSUPPORTED = frozenset({"livenessProbe", "startupProbe"})

    name: str = ""
    image: str = ""
    ports: list[ContainerPort] = Field(default_factory=empty_list)
    readiness_probe: Probe | None = None


class PodSpec(ManifestModel):
    KNOWN = frozenset(
        {
            "volumes",
            "ephemeralContainers",
            "restartPolicy",
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "dnsPolicy",
            "serviceAccountName",
            "serviceAccount",
            "automountServiceAccountToken",
            "nodeName",
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "shareProcessNamespace",
            "securityContext",
            "imagePullSecrets",
            "hostname",
            "subdomain",
            "schedulerName",
            "tolerations",
            "hostAliases",
            "priorityClassName",
            "priority",
            "dnsConfig",
            "runtimeClassName",
            "enableServiceLinks",
            "preemptionPolicy",
            "overhead",
            "setHostnameAsFQDN",
            "os",
            "hostUsers",
            "schedulingGates",
            "resourceClaims",
            "resources",
            "readinessGates",  # simulated: see sim/cluster/pods/ and markPodsReady
        }
    )

    #: scheduling constraints and start-up gates that change when a pod runs or becomes ready
    UNSUPPORTED = frozenset(
        {
            "initContainers",
            "nodeSelector",
            "affinity",
            "topologySpreadConstraints",
        }
    )

    containers: list[Container] = Field(default_factory=empty_list)


class PodTemplateSpec(ManifestModel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.labels


class ServicePort(ManifestModel):
    KNOWN = frozenset({"nodePort", "appProtocol"})

    name: str | None = None
    port: Int32
    target_port: IntOrString | None = None
    protocol: str = "TCP"


class ServiceSpec(ManifestModel):
    KNOWN = frozenset(
        {
            "clusterIP",
            "clusterIPs",
            "externalIPs",
            "sessionAffinityConfig",
            "loadBalancerIP",
            "loadBalancerSourceRanges",
            "loadBalancerClass",
            "externalName",
            "externalTrafficPolicy",
            "internalTrafficPolicy",
            "healthCheckNodePort",
            "publishNotReadyAddresses",
            "ipFamilies",
            "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts",
            "trafficDistribution",
        }
    )

    #: ClientIP affinity pins clients to pods, which changes a basic canary's split
    UNSUPPORTED = frozenset({"sessionAffinity"})

    selector: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=empty_list)
    type: str = "ClusterIP"


class Service(Resource):
    spec: ServiceSpec = Field(default_factory=ServiceSpec)


class PodDisruptionBudgetSpec(ManifestModel):
    """``policy/v1`` PodDisruptionBudget spec: exactly one of ``minAvailable`` and
    ``maxUnavailable`` (an integer or a percentage), and the pods it guards."""

    #: how unready pods may be evicted: canarysim charges every eviction to the budget
    #: (what the default policy does for Ready pods), so ``AlwaysAllow`` would differ
    UNSUPPORTED = frozenset({"unhealthyPodEvictionPolicy"})

    selector: LabelSelector = Field(default_factory=LabelSelector)
    min_available: IntOrString | None = None
    max_unavailable: IntOrString | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> "PodDisruptionBudgetSpec":
        if (self.min_available is None) == (self.max_unavailable is None):
            raise ValueError("exactly one of minAvailable and maxUnavailable")
        for value in (self.min_available, self.max_unavailable):
            if isinstance(value, str) and not (
                value.endswith("%") and value[:-1].isdigit() and int(value[:-1]) <= 100
            ):
                raise ValueError(f"an integer or a percentage such as '50%', got {value!r}")
            if isinstance(value, int) and value < 0:
                raise ValueError(f"a non-negative number, got {value}")
        return self


class PodDisruptionBudget(Resource):
    """``policy/v1`` PodDisruptionBudget: honoured by the evictions of ``restart``."""

    spec: PodDisruptionBudgetSpec


class Secret(Resource):
    """``v1`` Secret: what analysis arguments' ``valueFrom.secretKeyRef`` read. Its values are
    never shown: the fields are left out of ``repr``, and the loader checks their shape
    itself so that no error message quotes them."""

    KNOWN = frozenset({"immutable"})

    type: str = "Opaque"
    data: dict[str, str] = Field(default_factory=dict, repr=False)
    string_data: dict[str, str] = Field(default_factory=dict, repr=False)

    def values(self) -> dict[str, str]:
        """Key -> text: ``data`` base64-decoded, ``stringData`` on top (as the API server
        merges them)."""
        out = {k: base64.b64decode(v, validate=True).decode("utf-8") for k, v in self.data.items()}
        out.update(self.string_data)
        return out
