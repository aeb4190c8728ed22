"""What Prometheus scrapes: one target per pod's Envoy sidecar, and how a version's requests
are shared between its pods.

Istio's sidecar injector annotates every pod ``prometheus.io/scrape: "true"``,
``prometheus.io/port: "15020"`` and ``prometheus.io/path: /stats/prometheus`` (the agent merges
Envoy's and the application's metrics there); the ``kubernetes-pods`` job of Istio's sample
Prometheus turns the pod into the target ``__address__ = <pod IP>:15020`` and adds the target
labels ``instance`` (that address), ``pod`` (the pod's name) and ``namespace``. Pods in phase
``Pending`` are dropped (no sidecar runs yet); a pod is scraped until its object is gone, its
Terminating grace period included.

Staleness: when a pod is gone, Kubernetes discovery drops its target and Prometheus writes a
staleness marker for every series of the target at the time its next scrape would have been
(``scrapeLoop.endOfRunStaleness`` in prometheus/scrape/scrape.go); from then on an instant
selector no longer finds the series (a range selector still reads its real samples). A new pod
is a new target whose series start when its proxy first counts a request.

The traffic generator counts requests per version (ReplicaSet hash); :func:`split_shares`
deals a version's counts to its Ready pods without drawing anything: pod ``i`` of ``n`` has
cumulative count ``floor((C + i) / n)`` when the version's count is ``C`` (the shares sum to
``C`` exactly, by Hermite's identity, and differ by at most one), the same for every histogram
bucket, so each pod's counters and buckets stay monotonic and the sums by version are those of
the unsplit counts. A pod's latency sum is its share of the version's sum in proportion to its
count. (The store reads a pod's counters from that formula at the scrapes' buckets only; the
per-bucket shares of :func:`split_shares` are the same numbers, bucket by bucket.)
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = ["ENVOY_STATS_PORT", "Target", "pod_ip", "split_shares", "workload_pods"]

#: The port Istio's injector puts in ``prometheus.io/port`` (the agent's merged metrics).
ENVOY_STATS_PORT = 15020


def pod_ip(name: str) -> str:
    """A pod's IP in the cluster's pod network ``10.244.0.0/16``, derived from its name
    (stable across runs; no random draw, so no other output changes)."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"10.244.{digest[0]}.{1 + digest[1] % 254}"


@dataclass(frozen=True)
class Target:
    """One scraped pod: its name and IP (``instance`` is ``<IP>:15020``)."""

    pod: str
    ip: str

    @classmethod
    def of(cls, pod: str) -> Target:
        return _target_of(pod)

    @property
    def instance(self) -> str:
        return f"{self.ip}:{ENVOY_STATS_PORT}"

    def labels(self) -> dict[str, str]:
        """The target labels the ``kubernetes-pods`` job adds (``namespace`` comes with the
        workload's labels)."""
        return {"instance": self.instance, "pod": self.pod}


@functools.lru_cache(maxsize=1 << 16)
def _target_of(pod: str) -> Target:
    """:meth:`Target.of`, remembered: the routing asks for every Ready pod's target at each
    change, and the IP is a hash of the name."""
    return Target(pod, pod_ip(pod))


def workload_pods(workload: str, replicas: int) -> tuple[Target, ...]:
    """The pods of a Deployment the scenario only names (the in-mesh client): names as a
    Deployment gives them (``<name>-<ReplicaSet hash>-<suffix>``), derived from its name."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' SafeEncodeString characters
    digest = hashlib.sha256(workload.encode()).digest()
    rs_hash = "".join(alphabet[b % len(alphabet)] for b in digest[:10])
    pods = []
    for i in range(replicas):
        d = hashlib.sha256(f"{workload}/{i}".encode()).digest()
        pods.append(Target.of(f"{workload}-{rs_hash}-{''.join(alphabet[b % 27] for b in d[:5])}"))
    return tuple(pods)


def split_shares(increments: np.ndarray, before: np.ndarray, n: int) -> np.ndarray:
    """Per pod, its share of integer counter ``increments`` (rows: counters, columns: time
    buckets), given each counter's total ``before`` them: shape ``(n, rows, buckets)``.

    Pod ``i``'s cumulative count is ``floor((C + i) / n)`` for the counter's running total
    ``C``; increments are the differences, so every share is >= 0, the shares of a bucket sum
    to its increment, and a pod's counters stay ordered as the totals are (``le`` buckets).
    """
    inc = np.asarray(increments, dtype=np.int64)
    base = np.asarray(before, dtype=np.int64)
    cum = base[:, None] + np.cumsum(inc, axis=1)
    prev = np.concatenate([base[:, None], cum[:, :-1]], axis=1)
    i = np.arange(n, dtype=np.int64)[:, None, None]
    out: np.ndarray = (cum[None] + i) // n - (prev[None] + i) // n
    return out
