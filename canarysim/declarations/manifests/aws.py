"""AWS Load Balancer Controller objects (``elbv2.k8s.aws``) Argo Rollouts reads.

A ``TargetGroupBinding`` binds an AWS target group to a Service port: the AWS Load Balancer
Controller registers the Service's endpoints in it (pod IPs with ``targetType: ip``, node
ports with ``instance``). With ``--aws-verify-target-group`` Argo reads the bindings of a
Service it has just switched (``utils/aws/aws.go``, a read-only subset of the type: only
``targetGroupARN``, ``targetType`` and ``serviceRef``), so those are typed here; the rest of
the spec (networking, node selectors, IP address type, VPC) is kept as written.
"""

from typing import Literal

from pydantic import Field

from canarysim.declarations.manifests.base import IntOrString, ManifestModel, Resource

__all__ = ["TargetGroupBinding"]


class ServiceReference(ManifestModel):
    """``spec.serviceRef``: the Service and its port (a number or a port name)."""

    name: str
    port: IntOrString


class TargetGroupBindingSpec(ManifestModel):
    KNOWN = frozenset(
        {
            "networking",
            "nodeSelector",
            "ipAddressType",
            "vpcID",
            "multiClusterTargetGroup",
            "targetControlPort",
        }
    )

    target_group_arn: str = Field(alias="targetGroupARN")
    target_type: Literal["ip", "instance"] | None = None
    service_ref: ServiceReference


class TargetGroupBinding(Resource):
    """``TargetGroupBinding`` (``elbv2.k8s.aws/v1beta1``)."""

    spec: TargetGroupBindingSpec
