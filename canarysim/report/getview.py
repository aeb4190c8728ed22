"""``kubectl argo rollouts get rollout NAME``, rendered from a :class:`RolloutSnapshot`.

The layout is Argo's, field for field (pkg/kubectl-argo-rollouts/cmd/get/get_rollout.go
``PrintRollout`` / ``PrintRolloutTree``, info/*.go): a header block whose labels are
left-justified in 17 columns, a blank line, then a tree of revisions, ReplicaSets, pods and
AnalysisRuns laid out by Go's tabwriter (minimum cell width 0, padding 2). Argo's own tests
compare the output with trailing spaces stripped from every line; we never print them.

The icons are part of Argo's layout and are printed even without colour (Argo's ``--no-color``
output keeps them); colour is added only when a :class:`Style` asks for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.report.durations import human_duration
from canarysim.report.style import PLAIN, Style

# Icons: info/info.go (status icons) and cmd/get/get.go (kind icons).
ICON_WAITING, ICON_PROGRESSING, ICON_WARNING, ICON_UNKNOWN = "◷", "◌", "⚠", "?"
ICON_OK, ICON_BAD, ICON_PAUSED, ICON_NEUTRAL = "✔", "✖", "॥", "•"
KIND_ROLLOUT, KIND_REVISION, KIND_REPLICASET, KIND_POD, KIND_ANALYSIS = "⟳", "#", "⧉", "□", "α"
KIND_EXPERIMENT = "Σ"

_LABEL_WIDTH = 17  # get.go: tableFormat = "%-17s%v\n"
_PADDING = 2  # ansiterm.NewTabWriter(out, 0, 0, 2, ' ', 0)


def rollout_icon(phase: str) -> str:
    """info/rollout_info.go::rolloutIcon."""
    return {
        "Progressing": ICON_PROGRESSING,
        "Error": ICON_WARNING,
        "InvalidSpec": ICON_WARNING,
        "Paused": ICON_PAUSED,
        "Healthy": ICON_OK,
        "Degraded": ICON_BAD,
        "Unknown": ICON_UNKNOWN,
        "ScaledDown": ICON_NEUTRAL,
    }.get(phase, " ")


def replica_set_status(rs: Any) -> str:
    """info/replicaset_info.go::getReplicaSetHealth for an observed ReplicaSet.

    The simulated controller always observes its own ReplicaSets and models no quota failures,
    so only the availability and scaled-down branches can apply.
    """
    if rs.available < rs.desired:
        return "Progressing"
    if rs.desired == 0:
        return "ScaledDown"
    return "Healthy"


def replica_set_icon(status: str) -> str:
    """info/replicaset_info.go::replicaSetIcon."""
    return {
        "Progressing": ICON_PROGRESSING,
        "Healthy": ICON_OK,
        "ReplicaFailure": ICON_BAD,
        "ScaledDown": ICON_NEUTRAL,
    }.get(status, " ")


def pod_icon(status: str) -> str:
    """info/pod_info.go::podIcon (prefix and suffix rules first, then the fixed names)."""
    if status.startswith("Init:"):
        return ICON_PROGRESSING
    if status.startswith(("Signal:", "ExitCode:")):
        return ICON_BAD
    if status.endswith("Error") or status.startswith("Err"):
        return ICON_WARNING
    return {
        "Pending": ICON_PROGRESSING,
        "Terminating": ICON_PROGRESSING,
        "ContainerCreating": ICON_PROGRESSING,
        "Running": ICON_OK,
        "Completed": ICON_OK,
        "Failed": ICON_BAD,
        "InvalidImageName": ICON_BAD,
        "CrashLoopBackOff": ICON_BAD,
        "ImagePullBackOff": ICON_WARNING,
        "RegistryUnavailable": ICON_WARNING,
        "Unknown": ICON_UNKNOWN,
    }.get(status, " ")


def analysis_icon(phase: str) -> str:
    """info/experiment_info.go::analysisIcon."""
    return {
        "Successful": ICON_OK,
        "Inconclusive": ICON_UNKNOWN,
        "Failed": ICON_BAD,
        "Error": ICON_WARNING,
        "Running": ICON_PROGRESSING,
        "Pending": ICON_WAITING,
    }.get(phase, " ")


def age(created: float | None, now: float) -> str:
    """``info.Age``: HumanDuration of now minus the creation timestamp.

    Kubernetes stores creation timestamps to the whole second (RFC 3339), so the creation time
    is truncated before subtracting; the clock itself is not.
    """
    if created is None:
        return ""
    return human_duration(now - math.floor(created))


def scale_down_delay(deadline: float, now: float) -> str:
    """info/replicaset_info.go::ScaleDownDelay: "passed" once the deadline is before now."""
    deadline = math.floor(deadline)  # the annotation is RFC 3339, whole seconds
    if deadline < now:
        return "passed"
    return human_duration(deadline - now)


def _tags(snap: Any, rs: Any) -> list[str]:
    """``stable`` if the RS carries the stable hash, else ``canary`` if it carries the current
    pod hash (info/replicaset_info.go::GetReplicaSetInfo). Snapshots without hashes fall back
    on the role the simulator recorded. A blue-green rollout shows ``stable`` and then
    ``active`` or ``preview`` (the hashes its Services select)."""
    if getattr(snap, "strategy", "") == "BlueGreen":
        tags = ["stable"] if snap.stable_hash and rs.hash == snap.stable_hash else []
        active, preview = getattr(snap, "active_hash", ""), getattr(snap, "preview_hash", "")
        if active and rs.hash == active:
            tags.append("active")
        elif preview and rs.hash == preview:
            tags.append("preview")
        return tags
    if snap.stable_hash or snap.canary_hash:
        if rs.hash == snap.stable_hash:
            return ["stable"]
        if rs.hash == snap.canary_hash:
            return ["canary"]
        return []
    return [rs.role] if rs.role in ("stable", "canary") else []


@dataclass(frozen=True)
class ImageInfo:
    image: str
    tags: tuple[str, ...]


def images(snap: Any) -> list[ImageInfo]:
    """info/rollout_info.go::Images: images of ReplicaSets that still have pods, tags merged,
    sorted by image, tags sorted."""
    merged: dict[str, set[str]] = {}
    for rs in snap.replica_sets:
        if rs.current > 0:
            merged.setdefault(rs.image, set()).update(_tags(snap, rs))
    return [
        ImageInfo(img, tuple(sorted(merged[img], key=_TAG_ORDER.index))) for img in sorted(merged)
    ]


_TAG_ORDER = ["canary", "stable", "active", "preview"]
"""The order ``info.Images`` appends an image's tags in."""


def _replica_sets(snap: Any) -> list[Any]:
    """Revision descending, then name (the creation-time comparison in GetReplicaSetInfo has no
    effect upstream)."""
    return sorted(snap.replica_sets, key=lambda rs: (-rs.revision, rs.name))


def analysis_created(snapshots: Iterable[Any]) -> dict[str, float]:
    """When each AnalysisRun was created: the first snapshot that lists it (the controller
    creates a run in the reconcile that records it). Used when a snapshot's runs carry no
    creation time of their own."""
    created: dict[str, float] = {}
    for snap in snapshots:
        for ar in snap.analysis_runs:
            created.setdefault(ar.name, float(snap.time))
    return created


def _run_created(ar: Any, hints: Mapping[str, float]) -> float | None:
    own = getattr(ar, "created", None)
    return float(own) if own is not None else hints.get(ar.name)


def _analysis_runs(snap: Any, hints: Mapping[str, float]) -> list[Any]:
    """info/analysisrun_info.go: revision descending, then creation ascending, then name
    descending."""
    runs = list(snap.analysis_runs)
    runs.sort(key=lambda ar: ar.name, reverse=True)
    runs.sort(key=lambda ar: (-ar.revision, math.floor(_run_created(ar, hints) or 0.0)))
    return runs


def _prefixes(is_last: bool, sub: str) -> tuple[str, str]:
    """cmd/get/get.go::getPrefixes."""
    if is_last:
        return sub + "└──", sub + "   "
    return sub + "├──", sub + "│  "


@dataclass(frozen=True)
class _Cell:
    plain: str
    styled: str


def _cell(plain: str, styled: str | None = None) -> _Cell:
    return _Cell(plain, plain if styled is None else styled)


def _tabulate(rows: Sequence[Sequence[_Cell]]) -> list[str]:
    """Go's tabwriter with padding 2: every cell but the last of a line is padded to its
    column's widest cell plus two spaces; widths count characters, not colour codes."""
    ncols = max(len(r) for r in rows)
    widths = [0] * ncols
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths[i], len(cell.plain) + _PADDING)
    lines = []
    for row in rows:
        parts = [c.styled + " " * (widths[i] - len(c.plain)) for i, c in enumerate(row[:-1])]
        parts.append(row[-1].styled)
        lines.append("".join(parts).rstrip())
    return lines


def _header(snap: Any, style: Style) -> list[str]:
    def line(label: str, value: object) -> str:
        return f"{label:<{_LABEL_WIDTH}}{value}".rstrip()

    icon = rollout_icon(snap.phase)
    out = [
        line("Name:", snap.name),
        line("Namespace:", snap.namespace),
        line("Status:", f"{style.word(icon)} {snap.phase}"),
    ]
    if snap.message:
        out.append(line("Message:", snap.message))
    out.append(line("Strategy:", snap.strategy))
    if snap.strategy == "Canary":
        step = ""
        if snap.step_index is not None and snap.step_count > 0:
            step = f"{snap.step_index}/{snap.step_count}"
        out.append(line("  Step:", step))
        out.append(line("  SetWeight:", snap.set_weight))
        out.append(line("  ActualWeight:", snap.actual_weight))
    for i, info in enumerate(images(snap)):
        text = info.image
        if info.tags:
            text += f" ({', '.join(style.word(t) for t in info.tags)})"
        out.append(line("Images:" if i == 0 else "", text))
    out.append("Replicas:")
    out.append(line("  Desired:", snap.desired))
    out.append(line("  Current:", snap.current))
    out.append(line("  Updated:", snap.updated))
    out.append(line("  Ready:", snap.ready))
    out.append(line("  Available:", snap.available))
    return out


def _status_cells(icon: str, status: str, style: Style) -> _Cell:
    return _cell(f"{icon} {status}", f"{style.word(icon)} {status}")


def _tree(snap: Any, now: float, style: Style, hints: Mapping[str, float]) -> list[str]:
    rows: list[list[_Cell]] = [[_cell(h) for h in ("NAME", "KIND", "STATUS", "AGE", "INFO")]]
    icon = rollout_icon(snap.phase)
    rows.append(
        [
            _cell(f"{KIND_ROLLOUT} {snap.name}"),
            _cell("Rollout"),
            _status_cells(icon, snap.phase, style),
            _cell(age(getattr(snap, "created", 0.0), now)),
            _cell(""),
        ]
    )
    sets = _replica_sets(snap)
    runs = _analysis_runs(snap, hints)
    exps = list(getattr(snap, "experiments", ()))
    revisions = sorted(
        {rs.revision for rs in sets} | {ar.revision for ar in runs} | {e.revision for e in exps},
        reverse=True,
    )
    for i, revision in enumerate(revisions):
        prefix, sub = _prefixes(i == len(revisions) - 1, "")
        rows.append(
            [
                _cell(f"{prefix}{KIND_REVISION} revision:{revision}"),
                _cell(""),
                _cell(" "),
                _cell(""),
                _cell(""),
            ]
        )
        children: list[Any] = [rs for rs in sets if rs.revision == revision]
        children += [e for e in exps if e.revision == revision]
        children += [ar for ar in runs if ar.revision == revision]
        for j, child in enumerate(children):
            child_prefix, child_sub = _prefixes(j == len(children) - 1, sub)
            if hasattr(child, "available_at"):  # get_experiment.go::PrintExperimentInfo
                rows.append(
                    [
                        _cell(f"{child_prefix}{KIND_EXPERIMENT} {child.name}"),
                        _cell("Experiment"),
                        _status_cells(analysis_icon(child.phase), child.phase, style),
                        _cell(age(child.created, now)),
                        _cell(""),
                    ]
                )
                kids = [*child.replica_sets, *child.analysis_runs]
                for k, kid in enumerate(kids):
                    kp, ks = _prefixes(k == len(kids) - 1, child_sub)
                    if hasattr(kid, "pods"):
                        rows.extend(_replica_set_rows(snap, kid, kp, ks, now, style))
                    else:
                        rows.append(_analysis_row(kid, kp, child.available_at, now, style))
            elif hasattr(child, "pods"):
                rows.extend(_replica_set_rows(snap, child, child_prefix, child_sub, now, style))
            else:
                created = _run_created(child, hints)
                rows.append(_analysis_row(child, child_prefix, created, now, style))
    return _tabulate(rows)


def _replica_set_rows(
    snap: Any, rs: Any, prefix: str, sub: str, now: float, style: Style
) -> Iterable[list[_Cell]]:
    tags = _tags(snap, rs)
    info_plain = list(tags)
    info_styled = [style.word(t) for t in tags]
    if rs.scale_down_at is not None:
        delay = f"delay:{scale_down_delay(rs.scale_down_at, now)}"
        info_plain.append(delay)
        info_styled.append(delay)
    name_styled = rs.name
    for tag in tags:
        name_styled = style.as_status(rs.name, tag)
    status = replica_set_status(rs)
    yield [
        _cell(f"{prefix}{KIND_REPLICASET} {rs.name}", f"{prefix}{KIND_REPLICASET} {name_styled}"),
        _cell("ReplicaSet"),
        _status_cells(replica_set_icon(status), status, style),
        _cell(age(rs.created, now)),
        _cell(",".join(info_plain), ",".join(info_styled)),
    ]
    pods = sorted(rs.pods, key=lambda p: (math.floor(p.created), p.name))
    for k, pod in enumerate(pods):
        pod_prefix, _ = _prefixes(k == len(pods) - 1, sub)
        info = f"ready:{1 if pod.ready else 0}/1"
        if pod.restarts > 0:
            info += f",restarts:{pod.restarts}"
        yield [
            _cell(f"{pod_prefix}{KIND_POD} {pod.name}"),
            _cell("Pod"),
            _status_cells(pod_icon(pod.status), pod.status, style),
            _cell(age(pod.created, now)),
            _cell(info),
        ]


def _analysis_row(
    ar: Any, prefix: str, created: float | None, now: float, style: Style
) -> list[_Cell]:
    counts = (
        (ICON_OK, ar.successful),
        (ICON_BAD, ar.failed),
        (ICON_UNKNOWN, ar.inconclusive),
        (ICON_WARNING, ar.errors),
    )
    plain = ",".join(f"{icon} {n}" for icon, n in counts if n > 0)
    styled = ",".join(f"{style.word(icon)} {n}" for icon, n in counts if n > 0)
    return [
        _cell(
            f"{prefix}{KIND_ANALYSIS} {ar.name}",
            f"{prefix}{KIND_ANALYSIS} {style.as_status(ar.name, ar.phase)}",
        ),
        _cell("AnalysisRun"),
        _status_cells(analysis_icon(ar.phase), ar.phase, style),
        _cell(age(created, now)),
        _cell(plain, styled),
    ]


def render_rollout(
    snap: Any,
    *,
    now: float | None = None,
    style: Style = PLAIN,
    analysis_created: Mapping[str, float] | None = None,
) -> str:
    """The full ``get rollout`` view of ``snap`` as seen at simulated time ``now`` (default: the
    snapshot's own time; ages and scale-down delays count up to ``now``). ``analysis_created``
    gives AnalysisRun creation times when the snapshot's runs lack them (see
    :func:`analysis_created`). Ends with a newline."""
    when = snap.time if now is None else now
    hints = analysis_created or {}
    lines = [*_header(snap, style), "", *_tree(snap, when, style, hints)]
    return "\n".join(lines) + "\n"
