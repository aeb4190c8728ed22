"""Argo Rollouts' AnalysisTemplate and ClusterAnalysisTemplate (``analysis_types.go``).

Every ``Metric`` field is modelled; of the providers, ``prometheus``, ``web`` and ``job`` are
simulated and the others load (so Argo's "exactly one provider" rule can be checked) but are
reported as not supported. ``count``, ``failureLimit`` & co. are ``IntOrString`` because Argo
lets them be templated (``count: "{{args.count}}"``).
"""

from typing import Any, Literal

from pydantic import Field

from canarysim.declarations.manifests.argo import AnalysisTemplateRef, DryRun, MeasurementRetention
from canarysim.declarations.manifests.base import (
    Int64,
    IntOrString,
    ManifestModel,
    Resource,
    empty_list,
)

__all__ = [
    "PROVIDERS",
    "SIMULATED_PROVIDERS",
    "AnalysisTemplate",
    "AnalysisTemplateSpec",
    "Argument",
    "ClusterAnalysisTemplate",
    "JobMetric",
    "Metric",
    "MetricProvider",
    "PrometheusMetric",
    "WebMetric",
]

#: Provider keys in ``MetricProvider``'s declaration order.
PROVIDERS = (
    "prometheus",
    "kayenta",
    "web",
    "datadog",
    "wavefront",
    "newRelic",
    "job",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
)
SIMULATED_PROVIDERS = ("prometheus", "web", "job")


class Header(ManifestModel):
    key: str = ""
    value: str = ""


class RangeQuery(ManifestModel):
    start: str = ""
    end: str = ""
    step: str = ""


class PrometheusMetric(ManifestModel):
    KNOWN = frozenset({"authentication", "insecure", "headers"})

    address: str = ""
    query: str = ""
    timeout: Int64 | None = None
    range_query: RangeQuery | None = None


class WebMetric(ManifestModel):
    KNOWN = frozenset({"authentication", "insecure"})

    method: Literal["GET", "POST", "PUT"] | None = None
    url: str = ""
    headers: list[Header] = Field(default_factory=empty_list)
    body: str = ""
    timeout_seconds: Int64 = 0
    json_path: str = ""
    json_body: Any = None


class JobMetric(ManifestModel):
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: dict[str, Any] = Field(default_factory=dict)


class MetricProvider(ManifestModel):
    prometheus: PrometheusMetric | None = None
    kayenta: dict[str, Any] | None = None
    web: WebMetric | None = None
    datadog: dict[str, Any] | None = None
    wavefront: dict[str, Any] | None = None
    new_relic: dict[str, Any] | None = None
    job: JobMetric | None = None
    cloud_watch: dict[str, Any] | None = None
    graphite: dict[str, Any] | None = None
    influxdb: dict[str, Any] | None = None
    skywalking: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None

    @property
    def kinds(self) -> list[str]:
        """Provider keys that are set (Argo requires exactly one)."""
        snake = {"newRelic": "new_relic", "cloudWatch": "cloud_watch"}
        return [p for p in PROVIDERS if getattr(self, snake.get(p, p)) is not None]


class Metric(ManifestModel):
    name: str = ""
    interval: str | None = None
    initial_delay: str | None = None
    count: IntOrString | None = None
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: IntOrString | None = None
    inconclusive_limit: IntOrString | None = None
    consecutive_error_limit: IntOrString | None = None
    consecutive_success_limit: IntOrString | None = None
    provider: MetricProvider = Field(default_factory=MetricProvider)


class SecretKeyRef(ManifestModel):
    name: str = ""
    key: str = ""


class FieldRef(ManifestModel):
    field_path: str = ""


class ValueFrom(ManifestModel):
    secret_key_ref: SecretKeyRef | None = None
    field_ref: FieldRef | None = None


class Argument(ManifestModel):
    name: str
    value: str | None = None
    value_from: ValueFrom | None = None


class AnalysisTemplateSpec(ManifestModel):
    metrics: list[Metric] = Field(default_factory=empty_list)
    args: list[Argument] = Field(default_factory=empty_list)
    dry_run: list[DryRun] = Field(default_factory=empty_list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=empty_list)
    templates: list[AnalysisTemplateRef] = Field(default_factory=empty_list)


class AnalysisTemplate(Resource):
    spec: AnalysisTemplateSpec = Field(default_factory=AnalysisTemplateSpec)


class ClusterAnalysisTemplate(Resource):
    spec: AnalysisTemplateSpec = Field(default_factory=AnalysisTemplateSpec)
