# ruff: noqa: E501 (the queries are kept verbatim, one per line)
"""Queries of Istio's Grafana dashboards, transcribed as data.

From istio/istio ``manifests/addons/dashboards/istio-service-dashboard.json`` and
``istio-workload-dashboard.json`` (commit 86c9f01fd73): every panel target and template
variable query (the argument of ``query_result``) that reads ``istio_requests_total`` or
``istio_request_duration_*``, as ``(dashboard, panel title, expr)`` with Grafana's ``$variables``
left in place.
"""

from __future__ import annotations

QUERIES: list[tuple[str, str, str]] = [
    (
        "service",
        "Client Request Volume",
        'round(sum(irate(istio_requests_total{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])), 0.001)',
    ),
    (
        "service",
        "Client Success Rate (non-5xx responses)",
        'sum(irate(istio_requests_total{reporter=~"$qrep",destination_service="$service",response_code!~"5.*"}[$__rate_interval])) / (sum(irate(istio_requests_total{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) or on () vector(1))',
    ),
    (
        "service",
        "Client Request Duration",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Client Request Duration",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Client Request Duration",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Server Request Volume",
        'round(sum(irate(istio_requests_total{reporter="destination",destination_service="$service"}[$__rate_interval])), 0.001)',
    ),
    (
        "service",
        "Server Success Rate (non-5xx responses)",
        'sum(irate(istio_requests_total{reporter="destination",destination_service="$service",response_code!~"5.*"}[$__rate_interval])) / (sum(irate(istio_requests_total{reporter="destination",destination_service="$service"}[$__rate_interval])) or on () vector(1))',
    ),
    (
        "service",
        "Server Request Duration",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Server Request Duration",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Server Request Duration",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter="destination",destination_service="$service"}[$__rate_interval])) by (le))',
    ),
    (
        "service",
        "Incoming Requests By Source And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy="mutual_tls",destination_service="$service",reporter=~"$qrep",source_workload=~"$srcwl",source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)',
    ),
    (
        "service",
        "Incoming Requests By Source And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy!="mutual_tls", destination_service="$service", reporter=~"$qrep", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)',
    ),
    (
        "service",
        "Incoming Success Rate (non-5xx responses) By Source",
        'sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service",response_code!~"5.*", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace) / sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace)',
    ),
    (
        "service",
        "Incoming Success Rate (non-5xx responses) By Source",
        'sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service",response_code!~"5.*", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace) / sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace)',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_service="$service", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Requests By Destination Workload And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy="mutual_tls",destination_service="$service",reporter="destination",destination_workload=~"$dstwl",destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, response_code), 0.001)',
    ),
    (
        "service",
        "Incoming Requests By Destination Workload And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy!="mutual_tls", destination_service="$service", reporter="destination", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, response_code), 0.001)',
    ),
    (
        "service",
        "Incoming Success Rate (non-5xx responses) By Destination Workload",
        'sum(irate(istio_requests_total{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service",response_code!~"5.*", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace) / sum(irate(istio_requests_total{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace)',
    ),
    (
        "service",
        "Incoming Success Rate (non-5xx responses) By Destination Workload",
        'sum(irate(istio_requests_total{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service",response_code!~"5.*", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace) / sum(irate(istio_requests_total{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace)',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "Incoming Request Duration By Service Workload",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter="destination", connection_security_policy!="mutual_tls", destination_service="$service", destination_workload=~"$dstwl", destination_workload_namespace=~"$dstns"}[$__rate_interval])) by (destination_workload, destination_workload_namespace, le))',
    ),
    (
        "service",
        "variable $service",
        "sum(istio_requests_total{}) by (destination_service) or sum(istio_tcp_sent_bytes_total{}) by (destination_service)",
    ),
    (
        "service",
        "variable $srccluster",
        'sum(istio_requests_total{reporter=~"$qrep", destination_service="$service"}) by (source_cluster) or sum(istio_tcp_sent_bytes_total{reporter=~"$qrep", destination_service="$service"}) by (source_cluster)',
    ),
    (
        "service",
        "variable $srcns",
        'sum(istio_requests_total{reporter=~"$qrep", destination_service="$service"}) by (source_workload_namespace) or sum(istio_tcp_sent_bytes_total{reporter=~"$qrep", destination_service="$service"}) by (source_workload_namespace)',
    ),
    (
        "service",
        "variable $srcwl",
        'sum(istio_requests_total{reporter=~"$qrep", destination_service="$service", source_workload_namespace=~"$srcns"}) by (source_workload) or sum(istio_tcp_sent_bytes_total{reporter=~"$qrep", destination_service="$service", source_workload_namespace=~"$srcns"}) by (source_workload)',
    ),
    (
        "service",
        "variable $dstcluster",
        'sum(istio_requests_total{reporter="destination", destination_service="$service"}) by (destination_cluster) or sum(istio_tcp_sent_bytes_total{reporter="destination", destination_service="$service"}) by (destination_cluster)',
    ),
    (
        "service",
        "variable $dstns",
        'sum(istio_requests_total{reporter="destination", destination_service="$service"}) by (destination_workload_namespace) or sum(istio_tcp_sent_bytes_total{reporter="destination", destination_service="$service"}) by (destination_workload_namespace)',
    ),
    (
        "service",
        "variable $dstwl",
        ' sum(istio_requests_total{reporter="destination", destination_service="$service", destination_cluster=~"$dstcluster", destination_workload_namespace=~"$dstns"}) by (destination_workload) or sum(istio_tcp_sent_bytes_total{reporter="destination", destination_service="$service", destination_cluster=~"$dstcluster", destination_workload_namespace=~"$dstns"}) by (destination_workload)',
    ),
    (
        "workload",
        "Incoming Request Volume",
        'round(sum(irate(istio_requests_total{reporter=~"$qrep",destination_workload_namespace=~"$namespace",destination_workload=~"$workload"}[$__rate_interval])), 0.001)',
    ),
    (
        "workload",
        "Incoming Success Rate (non-5xx responses)",
        'sum(irate(istio_requests_total{reporter=~"$qrep",destination_workload_namespace=~"$namespace",destination_workload=~"$workload",response_code!~"5.*"}[$__rate_interval])) / sum(irate(istio_requests_total{reporter=~"$qrep",destination_workload_namespace=~"$namespace",destination_workload=~"$workload"}[$__rate_interval]))',
    ),
    (
        "workload",
        "Request Duration",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le))',
    ),
    (
        "workload",
        "Request Duration",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le))',
    ),
    (
        "workload",
        "Request Duration",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep",destination_workload=~"$workload", destination_workload_namespace=~"$namespace"}[$__rate_interval])) by (le))',
    ),
    (
        "workload",
        "Incoming Requests By Source And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload", reporter=~"$qrep", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)',
    ),
    (
        "workload",
        "Incoming Requests By Source And Response Code",
        'round(sum(irate(istio_requests_total{connection_security_policy!="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload", reporter=~"$qrep", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, response_code), 0.001)',
    ),
    (
        "workload",
        "Incoming Success Rate (non-5xx responses) By Source",
        'sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload",response_code!~"5.*", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace) / sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace)',
    ),
    (
        "workload",
        "Incoming Success Rate (non-5xx responses) By Source",
        'sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload",response_code!~"5.*", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace) / sum(irate(istio_requests_total{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload_namespace=~"$namespace", destination_workload=~"$workload", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace)',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Incoming Request Duration By Source",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter=~"$qrep", connection_security_policy!="mutual_tls", destination_workload=~"$workload", destination_workload_namespace=~"$namespace", source_workload=~"$srcwl", source_workload_namespace=~"$srcns"}[$__rate_interval])) by (source_workload, source_workload_namespace, le))',
    ),
    (
        "workload",
        "Outgoing Requests By Destination And Response Code",
        'round(sum(irate(istio_requests_total{destination_principal=~"spiffe.*", source_workload_namespace=~"$namespace", source_workload=~"$workload", reporter="source", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, response_code), 0.001)',
    ),
    (
        "workload",
        "Outgoing Requests By Destination And Response Code",
        'round(sum(irate(istio_requests_total{destination_principal!~"spiffe.*", source_workload_namespace=~"$namespace", source_workload=~"$workload", reporter="source", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, response_code), 0.001)',
    ),
    (
        "workload",
        "Outgoing Success Rate (non-5xx responses) By Destination",
        'sum(irate(istio_requests_total{reporter="source", connection_security_policy="mutual_tls", source_workload_namespace=~"$namespace", source_workload=~"$workload",response_code!~"5.*", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service) / sum(irate(istio_requests_total{reporter="source", connection_security_policy="mutual_tls", source_workload_namespace=~"$namespace", source_workload=~"$workload", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service)',
    ),
    (
        "workload",
        "Outgoing Success Rate (non-5xx responses) By Destination",
        'sum(irate(istio_requests_total{reporter="source", connection_security_policy!="mutual_tls", source_workload_namespace=~"$namespace", source_workload=~"$workload",response_code!~"5.*", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service) / sum(irate(istio_requests_total{reporter="source", connection_security_policy!="mutual_tls", source_workload_namespace=~"$namespace", source_workload=~"$workload", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service)',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.50, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.50, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.90, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.90, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.95, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.95, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "Outgoing Request Duration By Destination",
        '(histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le)) / 1000) or histogram_quantile(0.99, sum(irate(istio_request_duration_seconds_bucket{reporter="source", connection_security_policy!="mutual_tls", source_workload=~"$workload", source_workload_namespace=~"$namespace", destination_service=~"$dstsvc"}[$__rate_interval])) by (destination_service, le))',
    ),
    (
        "workload",
        "variable $namespace",
        "sum(istio_requests_total) by (destination_workload_namespace) or sum(istio_tcp_sent_bytes_total) by (destination_workload_namespace)",
    ),
    (
        "workload",
        "variable $workload",
        '(sum(istio_requests_total{destination_workload_namespace=~"$namespace"}) by (destination_workload) or sum(istio_requests_total{source_workload_namespace=~"$namespace"}) by (source_workload)) or (sum(istio_tcp_sent_bytes_total{destination_workload_namespace=~"$namespace"}) by (destination_workload) or sum(istio_tcp_sent_bytes_total{source_workload_namespace=~"$namespace"}) by (source_workload))',
    ),
    (
        "workload",
        "variable $srcns",
        'sum(istio_requests_total{reporter=~"$qrep", destination_workload="$workload", destination_workload_namespace=~"$namespace"}) by (source_workload_namespace) or sum(istio_tcp_sent_bytes_total{reporter=~"$qrep", destination_workload="$workload", destination_workload_namespace=~"$namespace"}) by (source_workload_namespace)',
    ),
    (
        "workload",
        "variable $srcwl",
        'sum(istio_requests_total{reporter=~"$qrep", destination_workload="$workload", destination_workload_namespace=~"$namespace", source_workload_namespace=~"$srcns"}) by (source_workload) or sum(istio_tcp_sent_bytes_total{reporter=~"$qrep", destination_workload="$workload", destination_workload_namespace=~"$namespace", source_workload_namespace=~"$srcns"}) by (source_workload)',
    ),
    (
        "workload",
        "variable $dstsvc",
        'sum(istio_requests_total{reporter="source", source_workload=~"$workload", source_workload_namespace=~"$namespace"}) by (destination_service) or sum(istio_tcp_sent_bytes_total{reporter="source", source_workload=~"$workload", source_workload_namespace=~"$namespace"}) by (destination_service)',
    ),
]
