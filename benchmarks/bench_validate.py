"""Validating large manifest files: objects per second, against a quadratic baseline.

Run: ``python benchmarks/bench_validate.py [--quick]``. Prints one row per file size (1,000 to
10,000 Services plus a Rollout, as ``helm template`` of a large chart gives): wall time of
``validate_paths`` and objects per second. The baseline, measured in the same run, is the
pairwise duplicate check loading once did (every new object compared with every loaded one):
if validation grows like it, the ratio column falls as the file grows. Target: 10,000 objects
in at most a couple of seconds. Nothing here is asserted; tests never time anything.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from canarysim.declarations.validate import validate_paths

ROLLOUT = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "app"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "app"}},
        "template": {
            "metadata": {"labels": {"app": "app"}},
            "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        },
        "strategy": {"canary": {"steps": [{"setWeight": 50}]}},
    },
}


def service(i: int) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"svc-{i}"},
        "spec": {"selector": {"app": "app"}, "ports": [{"port": 80}]},
    }


def pairwise(n: int) -> float:
    """Seconds of the quadratic duplicate check over n objects (the baseline)."""
    names = [f"svc-{i}" for i in range(n)]
    t0 = time.perf_counter()
    seen: list[str] = []
    for name in names:
        for other in seen:
            if other == name:
                break
        seen.append(name)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 2,000 objects only")
    args = parser.parse_args()
    sizes = [1000, 2000] if args.quick else [1000, 2000, 5000, 10000]
    print(f"{'objects':>8} {'validate s':>11} {'objects/s':>10} {'pairwise s':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"many-{n}.yaml"
            path.write_text(yaml.safe_dump_all([ROLLOUT, *(service(i) for i in range(n))]))
            t0 = time.perf_counter()
            validate_paths([path])
            wall = time.perf_counter() - t0
            print(f"{n + 1:>8,} {wall:>11.2f} {(n + 1) / wall:>10,.0f} {pairwise(n):>11.2f}")


if __name__ == "__main__":
    main()
