"""``--out DIR``: the run as files another tool can read.

Layout::

    DIR/result.json        the whole Result (schema canarysim.result/v1, see docs/cli.md)
    DIR/events.jsonl       one event per line: time, kind, object, reason, message
    DIR/timeseries.csv     the series, one row per change point, header = column names
    DIR/manifests/<time>-<kind>-<name>.yaml
                           each VirtualService / DestinationRule as Argo had written it after
                           every change; <time> is zero-padded seconds (0000300.000s)
    DIR/report.txt         the text report (only when a scenario's outputs.formats asks: txt)

Every file is written to a temporary file in the same directory and moved into place with
``os.replace``, which is atomic on POSIX and Windows: a reader (or a crash) never sees half a
file, only the old one or the new one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

_KINDS = {
    "virtualservices": "VirtualService",
    "destinationrules": "DestinationRule",
    "ingresses": "Ingress",
    "trafficsplits": "TrafficSplit",
    "httproutes": "HTTPRoute",
    "grpcroutes": "GRPCRoute",
    "tcproutes": "TCPRoute",
    "tlsroutes": "TLSRoute",
    "apisixroutes": "ApisixRoute",
    "traefikservices": "TraefikService",
    "mappings": "Mapping",
    "virtualrouters": "VirtualRouter",
    "virtualnodes": "VirtualNode",
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is never seen half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a report is an ordinary file
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp, path)
        except OSError as exc:  # name the output, never the hidden temporary file
            raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def events_jsonl(events: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False, allow_nan=False) + "\n" for e in events)


def _csv_value(v: Any, is_time: bool) -> str:
    """Same rounding as result.json: times to the microsecond, other floats to 6 significant
    digits, NaN (a latency quantile of a bucket without requests) as an empty cell."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return repr(round(v, 6) if is_time else float(f"{v:.6g}"))
    return str(v)


def timeseries_csv(series: dict[str, np.ndarray]) -> str:
    """``time`` first, then the other columns in the order the simulator gave them."""
    if not series:
        return ""
    names = ["time"] + [n for n in series if n != "time"] if "time" in series else list(series)
    columns = [np.asarray(series[n]).tolist() for n in names]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*columns, strict=True):
        writer.writerow([_csv_value(v, n == "time") for n, v in zip(names, row, strict=True)])
    return buf.getvalue()


def manifest_files(history: Iterable[tuple[float, dict[str, Any]]]) -> dict[str, str]:
    """``manifests/<time>-<kind>-<name>.yaml`` -> YAML text, one per manifest per change
    (a manifest equal to the previous version of itself is not written again)."""
    out: dict[str, str] = {}
    previous: dict[tuple[str, str], Any] = {}
    for when, manifests in history:
        for group, kind in _KINDS.items():
            for m in manifests.get(group, []) or []:
                name = str((m.get("metadata") or {}).get("name", "unnamed"))
                if previous.get((kind, name)) == m:
                    continue
                previous[(kind, name)] = m
                key = f"manifests/{when:011.3f}s-{kind}-{name}.yaml"
                out[key] = yaml.safe_dump(m, sort_keys=False, allow_unicode=True)
    return out


def write_outputs(
    result: Any,
    out_dir: str | os.PathLike[str],
    *,
    formats: Iterable[str] = ("json", "csv"),
    report: str | None = None,
) -> list[Path]:
    """Write the output files of ``result`` under ``out_dir``; returns the paths written.

    ``formats`` as a scenario's ``outputs.formats`` names them: ``json`` (result.json,
    events.jsonl and manifests/), ``csv`` (timeseries.csv), ``txt`` (report.txt, the text of
    ``report``); ``png`` (plots) is written by :mod:`canarysim.report.plots`."""
    root = Path(out_dir)
    wanted = set(formats)
    written = []
    if "json" in wanted:
        written.append(write_atomic(root / "result.json", result.dumps(indent=1) + "\n"))
        written.append(write_atomic(root / "events.jsonl", events_jsonl(result.events)))
        for rel, text in manifest_files(result.manifest_history).items():
            written.append(write_atomic(root / rel, text))
    if "csv" in wanted:
        written.append(write_atomic(root / "timeseries.csv", timeseries_csv(result.series)))
    if "txt" in wanted and report is not None:
        written.append(write_atomic(root / "report.txt", report))
    return written
