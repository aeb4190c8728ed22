"""Istio's request path up to a destination: no route, faults, mirrors, branches, backends.

Faults come first (delay and abort independent; an abort answers without reaching a pod; a
delay adds to the client's latency before the route timeout starts); mirror copies are sent for
every non-aborted request with the mirror's fraction and only reported by the mirror's pods; a
branch without endpoints answers 503 ``UH`` with no retry; requests spread over a branch's
backends in proportion to ready endpoints. What happens at the backends is
:mod:`canarysim.sim.mesh.envoy` (attempts, retries, timeouts) and
:mod:`canarysim.sim.traffic.aggregate` (aggregate mode's multinomial serving).

A batch is either per-bucket counts (aggregate mode) or one bucket index per request (exact
mode); the batch primitives below hide which.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from canarysim.errors import SimulationError
from canarysim.sim.mesh.envoy import Backends, Rngs, service_of
from canarysim.sim.metrics.tally import UNKNOWN, SeriesKey, Tally
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import choose
from canarysim.sim.traffic import draws
from canarysim.sim.traffic.aggregate import AggregateServing
from canarysim.sim.traffic.behaviour import VersionBehaviour

__all__ = ["RequestPath"]

_add = np.add.reduce  # ndarray.sum() without its Python wrapper (the same reduction)

_BACKENDS: dict[tuple[Any, ...], tuple[Backends, list[Dist], list[VersionBehaviour]]] = {}
"""Backends by endpoints and frozen behaviours (by identity: the entry keeps them alive, so
no id is reused while it stands). A function of its key alone, shared between runs: the
behaviours of a scenario are the same objects run after run (bounded; arrays read-only)."""


class RequestPath(AggregateServing):
    """Third layer of ``TrafficGenerator``: routing one request class's batch to backends."""

    # ------------------------------------------------------------------ batches
    def _split(
        self, batch: np.ndarray, probs: Sequence[float] | np.ndarray, rng: Any
    ) -> list[np.ndarray]:
        if len(probs) == 1 and self.mode == "aggregate":
            # numpy's multinomial gives the last category what is left without a draw: one
            # category takes the whole batch and the stream does not move.
            return [batch]
        p = np.asarray(probs, dtype=float)
        p = p / _add(p)
        if self.mode == "aggregate":
            drawn = draws.multinomial(rng, batch, p)
            return [drawn[:, k] for k in range(len(p))]
        which = choose(rng, p, len(batch))  # drawn even for one category: the stream moves
        if len(p) == 1:  # every request to it (batches are read, never written)
            return [batch]
        if len(p) == 2:
            first = which == 0
            return [batch[first], batch[~first]]
        return [batch[which == k] for k in range(len(p))]

    def _thin(self, batch: np.ndarray, p: float, rng: Any) -> tuple[np.ndarray, np.ndarray]:
        """(kept with probability p, the rest)."""
        if p <= 0:
            return self._empty_like(batch), batch
        if self.mode == "aggregate":
            kept = rng.binomial(batch, min(p, 1.0))
            return kept, batch - kept
        mask = rng.random(len(batch)) < p
        return batch[mask], batch[~mask]

    def _empty_like(self, batch: np.ndarray) -> np.ndarray:
        return np.zeros_like(batch) if self.mode == "aggregate" else batch[:0]

    def _size(self, batch: np.ndarray) -> int:
        return int(np.add.reduce(batch)) if self.mode == "aggregate" else len(batch)

    def _record_fixed(
        self, tally: Tally, key: SeriesKey, batch: np.ndarray, latency_s: float
    ) -> None:
        """Requests that all took the same time (answered by the proxy itself)."""
        if self._size(batch) == 0:
            return
        if self.mode == "exact":
            lat = np.full(len(batch), latency_s * 1000.0)
            tally.add_records(key, batch, lat, self.keep_samples)
            return
        hist = np.zeros((tally.n_buckets, len(self.buckets_ms) + 1), dtype=np.int64)
        col = int(np.searchsorted(self._bounds_s * 1000.0, latency_s * 1000.0, side="left"))
        hist[:, col] = batch
        tally.add_binned(key, hist, batch * latency_s * 1000.0)

    # ------------------------------------------------------------------ the request path
    def _route(
        self,
        tally: Tally,
        cls: Hashable,
        plan: Any,
        batch: np.ndarray,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: Rngs,
    ) -> None:
        if self._size(batch) == 0:
            return
        host = str(getattr(cls, "host", UNKNOWN))
        if plan is None or not plan.branches:
            key = SeriesKey("source", host, UNKNOWN, UNKNOWN, 404, "NR")
            self._record_fixed(tally, key, batch, 0.0)
            return
        # Faults: delay and abort drawn independently per request (Envoy's fault filter).
        p_delay, delay_s = (0.0, 0.0)
        if plan.fault_delay is not None:
            p_delay, delay_s = float(plan.fault_delay[0]), float(plan.fault_delay[1])
        p_abort, abort_code = (0.0, 0)
        if plan.fault_abort is not None:
            p_abort, abort_code = float(plan.fault_abort[0]), int(plan.fault_abort[1])
        if p_delay > 0 or p_abort > 0:
            groups = self._split(
                batch,
                [
                    p_abort * p_delay,
                    p_abort * (1 - p_delay),
                    (1 - p_abort) * p_delay,
                    (1 - p_abort) * (1 - p_delay),
                ],
                rngs.router,
            )
            dest0 = service_of(plan.branches[0])
            abort_key = SeriesKey("source", dest0, UNKNOWN, UNKNOWN, abort_code, "FI")
            self._record_fixed(tally, abort_key, groups[0], delay_s)
            self._record_fixed(tally, abort_key, groups[1], 0.0)
            passing = [(groups[2], delay_s), (groups[3], 0.0)]
        else:
            passing = [(batch, 0.0)]
        for sub, d in passing:
            if sub is not batch and self._size(sub) == 0:  # the batch itself: not empty
                continue
            mirrors = getattr(plan, "mirrors", ()) or ((plan.mirror,) if plan.mirror else ())
            for mirror in mirrors:
                shadow, _ = self._thin(sub, float(mirror.fraction), rngs.router)
                self._mirror(tally, mirror, shadow, beh, frozen, rngs)
            fracs = [max(float(b.fraction), 0.0) for b in plan.branches]
            if sum(fracs) <= 0:
                # Every weight zero: Envoy has no cluster to pick and answers 503 itself.
                key = SeriesKey("source", service_of(plan.branches[0]), UNKNOWN, UNKNOWN, 503, "UH")
                self._record_fixed(tally, key, sub, d)
                continue
            parts = [sub] if len(plan.branches) == 1 else self._split(sub, fracs, rngs.router)
            for branch, part in zip(plan.branches, parts, strict=True):
                self._branch(tally, plan, branch, part, d, beh, frozen, rngs, part is batch)

    def _backends(
        self,
        branch: Any,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
    ) -> Backends | None:
        items = [(h, int(n)) for h, n in branch.backends.items() if int(n) > 0]
        if not items:
            return None
        for h, _ in items:
            if h not in beh:
                raise SimulationError(f"no behaviour for pod-template hash {h!r}")
        hashes = [h for h, _ in items]
        # The same endpoints and frozen behaviours come back segment after segment: their
        # Backends built once (the entry keeps the behaviours alive: no id is reused).
        key = (*items, *[(frozen[h][0], id(frozen[h][1]), id(beh[h])) for h in hashes])
        got = _BACKENDS.get(key)
        if got is not None:
            return got[0]
        bk = Backends(
            hashes=hashes,
            endpoints=np.asarray([n for _, n in items], dtype=float),
            p_err=np.asarray([frozen[h][0] for h in hashes]),
            dists=[frozen[h][1] for h in hashes],
            codes=np.asarray([beh[h].error_code for h in hashes], dtype=np.int64),
            workloads=[beh[h].workload for h in hashes],
        )
        for arr in (bk.endpoints, bk.p_err, bk.codes):
            arr.flags.writeable = False
        if len(_BACKENDS) > 512:
            _BACKENDS.clear()
        _BACKENDS[key] = (bk, [frozen[h][1] for h in hashes], [beh[h] for h in hashes])
        return bk

    def _branch(
        self,
        tally: Tally,
        plan: Any,
        branch: Any,
        batch: np.ndarray,
        delay_s: float,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: Rngs,
        nonempty: bool = False,
    ) -> None:
        """``nonempty``: the caller knows ``batch`` holds requests."""
        if not nonempty and self._size(batch) == 0:
            return
        bk = self._backends(branch, beh, frozen)
        if bk is None:
            # Envoy: no healthy upstream -> local 503 "UH"; retries do not apply.
            key = SeriesKey("source", service_of(branch), UNKNOWN, UNKNOWN, 503, "UH")
            self._record_fixed(tally, key, batch, delay_s)
            return
        probs = bk.probs if len(bk.hashes) > 1 else (1.0,)
        per_backend = self._split(batch, probs, rngs.router)
        for b, sub in enumerate(per_backend):
            if sub is not batch and self._size(sub) == 0:
                continue
            if self.mode == "aggregate":
                self._serve_aggregate(tally, plan, service_of(branch), bk, b, sub, delay_s, rngs)
            else:
                first = np.full(len(sub), b, dtype=np.int64)
                self._attempts(tally, plan, service_of(branch), bk, sub, first, None, delay_s, rngs)

    def _mirror(
        self,
        tally: Tally,
        mirror: Any,
        batch: np.ndarray,
        beh: Mapping[str, VersionBehaviour],
        frozen: Mapping[str, tuple[float, Dist]],
        rngs: Rngs,
    ) -> None:
        if self._size(batch) == 0:
            return
        bk = self._backends(mirror, beh, frozen)
        if bk is None:
            return  # a shadow copy with nowhere to go is dropped silently
        for b, sub in enumerate(self._split(batch, bk.probs, rngs.router)):
            if self._size(sub) > 0:
                self._serve_shadow(tally, service_of(mirror), bk, b, sub, rngs)
