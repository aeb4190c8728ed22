"""Loading a scenario file, or making a scenario out of bare manifests."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from canarysim.declarations.convert import validate_model
from canarysim.declarations.load import add_document, add_file
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.scenario.changes import CHANGES
from canarysim.declarations.scenario.limits import check_limits
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.scenario.values import parse_nonnegative
from canarysim.declarations.yamlio import (
    Document,
    parse_documents,
    read_documents,
    read_text,
    scenario_error,
)

__all__ = ["MEMORY", "build_scenario", "load_scenario", "scenario_from_manifests"]

#: Keys that mark a YAML document as a Kubernetes object rather than a scenario.
_OBJECT_KEYS = {"apiVersion", "kind"}


#: What a loader asks of a loaded scenario before handing it out (raises to refuse it).
Gate = Callable[[Scenario], None]

#: The file name errors of a scenario given as data or text carry.
MEMORY = "<memory>"


def load_scenario(
    source: str | Path | Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    gate: Gate | None = None,
) -> Scenario:
    """Read a scenario and every manifest it names.

    ``source`` is a scenario file's path, or the scenario itself: a mapping (keys as in the
    YAML) or YAML text (a string with a line break). For a scenario given in memory, errors
    name ``<memory>`` as the file, and relative paths (manifests, CSV traces, the output
    directory) are relative to ``base_dir`` (default: the current directory).

    Raises :class:`ScenarioError` (one line: file, line, field, expectation) for anything
    that cannot be loaded or exceeds a limit (:mod:`.limits`). ``gate`` then judges the
    loaded scenario, and every scenario ``with_changes``/``with_manifest`` derive from it:
    the public loader (:func:`canarysim.declarations.check.load_scenario`) passes
    ``refuse_errors``, so that what ``canarysim validate`` calls an error is refused;
    ``validate`` itself passes none.
    """
    if isinstance(source, Mapping):
        doc = Document(MEMORY, 0, copy.deepcopy(dict(source)), {})
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        return _from_document(doc, base, None, gate)
    if not isinstance(source, str | Path):
        raise scenario_error(
            MEMORY,
            "",
            "a scenario file's path, a mapping or YAML text",
            got=type(source).__name__,
        )
    if isinstance(source, str) and "\n" in source:
        docs = parse_documents(source, MEMORY)
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        return _from_document(_single(docs, MEMORY), base, None, gate)
    path = Path(source)
    name = str(path)
    docs = read_documents(path, display=name)
    base = Path(base_dir) if base_dir is not None else path.parent
    return _from_document(_single(docs, name), base, path, gate)


def _single(docs: list[Document], name: str) -> Document:
    if not docs:
        raise scenario_error(name, "", "a scenario (a YAML mapping)", got="an empty file")
    if len(docs) > 1:
        raise scenario_error(
            name, "", "a single YAML document", line=docs[1].line, got=f"{len(docs)} documents"
        )
    return docs[0]


def _from_document(doc: Document, base: Path, source: Path | None, gate: Gate | None) -> Scenario:
    name = doc.file
    if not isinstance(doc.data, dict):
        raise scenario_error(
            name, "", "a scenario (a YAML mapping)", line=doc.line, got=type(doc.data).__name__
        )
    if set(doc.data) >= _OBJECT_KEYS:
        raise scenario_error(
            name,
            "",
            "a scenario file, not a Kubernetes manifest "
            "(run manifests with: canarysim run -f FILE)",
            line=doc.line,
        )
    return build_scenario(doc.data, name=name, base=base, source=source, lines=doc.lines, gate=gate)


def build_scenario(
    data: dict[str, Any],
    *,
    name: str,
    base: Path,
    source: Path | None,
    lines: dict[tuple[Any, ...], int] | None = None,
    manifests: Manifests | None = None,
    gate: Gate | None = None,
) -> Scenario:
    """Validate scenario ``data`` and load its manifests (unless ``manifests`` are given,
    already loaded); errors name ``name`` as the file. Used by the loaders and by
    :meth:`Scenario.with_changes`; ``gate`` (see :func:`load_scenario`) judges the result."""
    lines = dict(lines or {})
    doc = Document(name, 0, data, lines)
    scenario = validate_model(Scenario, data, file=name, lines=lines)
    if manifests is None:
        manifests = Manifests(namespace=scenario.namespace)
        for i, ref in enumerate(scenario.manifest_refs):
            if isinstance(ref, str):
                target = _resolve(base, ref, name, doc.line_of(("manifests", i)))
                add_file(manifests, target, _display(base, ref))
            else:
                add_document(manifests, doc, ("manifests", i))
    scenario = _with_trace(scenario, base, name, doc)
    _check_rollout(scenario, manifests, name, doc.line_of(("manifests",)))
    rebuild = partial(_rebuild, gate=gate)
    scenario.attach(manifests, source, lines, data=data, base_dir=base, rebuild=rebuild)
    _check_patches(scenario, name, doc)
    _load_applies(scenario, base, name, doc)
    check_limits(scenario)
    if gate is not None:
        gate(scenario)
    return scenario


def _check_patches(scenario: Scenario, name: str, doc: Document) -> None:
    """A ``patch`` action must apply to the Rollout as loaded, as the API server would take
    it (a later one may still fail on a Rollout other commands changed: the run then warns)."""
    from canarysim.declarations.apply import patched_deployment
    from canarysim.declarations.patch import patched_rollout
    from canarysim.declarations.scenario.actions import PatchAction
    from canarysim.errors import ScenarioError

    if not scenario.manifests.rollouts:
        return
    rollout = scenario.rollout
    for i, action in enumerate(scenario.operator):
        if not isinstance(action, PatchAction):
            continue
        try:
            if action.kind == "Deployment":
                # checked against the Deployment as loaded; one applied later is checked
                # when the patch comes (kubectl's NotFound is then a warning of the run)
                target = scenario.manifests.deployment(action.name or "", rollout.namespace)
                if target is not None:
                    patched_deployment(
                        target, action.patch, action.type, namespace=rollout.namespace, file=name
                    )
                continue
            patched_rollout(rollout.raw, action.patch, action.type, namespace=rollout.namespace)
        except ScenarioError as exc:
            where = ("operator", _index_as_written(doc, action, i), "patch")
            field = f"operator[{where[1]}].patch"
            if exc.field.startswith("patch."):
                field += exc.field[len("patch") :]
            elif exc.field and exc.field != "patch":
                field += "." + exc.field
            raise scenario_error(
                name, field, exc.expected, line=doc.line_of(where), got=exc.got
            ) from None


def _load_applies(scenario: Scenario, base: Path, name: str, doc: Document) -> None:
    """Type the objects of every ``apply`` action (reading its file now: a bad one is refused
    at load time, never mid-run)."""
    from canarysim.declarations.apply import applied_objects
    from canarysim.declarations.scenario.actions import ApplyObject

    if not scenario.manifests.rollouts:
        return
    written = (doc.data or {}).get("operator") if isinstance(doc.data, dict) else None
    for i, action in enumerate(scenario.operator):
        if not isinstance(action, ApplyObject):
            continue
        at = i
        for j, entry in enumerate(written or []):
            if (
                isinstance(entry, dict)
                and entry.get("do") == "apply"
                and entry.get("manifest") == action.manifest
                and entry.get("file") == action.file
            ):
                at = j
                break
        action._objects = applied_objects(
            action.manifest,
            action.file,
            base=base,
            namespace=scenario.namespace,
            rollout=scenario.rollout.name,
            scenario_file=name,
            field=f"operator[{at}]." + ("file" if action.file is not None else "manifest"),
            line=doc.line_of(("operator", at)),
            source=doc if action.manifest is not None and written else None,
            source_path=("operator", at, "manifest"),
        )


def _index_as_written(doc: Document, action: Any, fallback: int) -> int:
    """The action's index in the file (the model sorts timed actions by time)."""
    written = (doc.data or {}).get("operator") if isinstance(doc.data, dict) else None
    for i, entry in enumerate(written or []):
        if (
            isinstance(entry, dict)
            and entry.get("do") == "patch"
            and entry.get("patch") == action.patch
        ):
            return i
    return fallback


def _rebuild(
    data: dict[str, Any],
    manifests: Manifests | None,
    base: Path,
    source: Path | None,
    *,
    gate: Gate | None,
) -> Scenario:
    """What :meth:`Scenario.with_changes` and ``with_manifest`` rebuild a scenario with."""
    return build_scenario(
        data, name=CHANGES, base=base, source=source, manifests=manifests, gate=gate
    )


def scenario_from_manifests(
    manifests: Manifests, *, gate: Gate | None = None, **overrides: Any
) -> Scenario:
    """A scenario around bare manifests (``canarysim run -f rollout.yaml``): two hours, 100
    requests/s Poisson, quick deterministic pods, no operator actions unless given.

    ``overrides`` are scenario fields by Python or YAML name (``seed=3``, ``until="1h"``,
    ``operator=[{"at": "5m", "do": "setImage", "image": "app:v2"}]``).
    """
    data: dict[str, Any] = {"namespace": manifests.namespace}
    if manifests.rollouts:
        data["name"] = manifests.rollouts[0].name
    data.update(overrides)
    scenario = validate_model(Scenario, data, file="<arguments>", lines={})
    if scenario.namespace != manifests.namespace:
        raise scenario_error(
            "<arguments>",
            "namespace",
            f"the namespace the manifests were loaded with ({manifests.namespace})",
            got=scenario.namespace,
        )
    where = manifests.files[0] if manifests.files else "<manifests>"
    _check_rollout(scenario, manifests, where, None)
    scenario.attach(manifests, None, data=data, rebuild=partial(_rebuild, gate=gate))
    check_limits(scenario)
    if gate is not None:
        gate(scenario)
    return scenario


def _check_rollout(scenario: Scenario, manifests: Manifests, file: str, line: int | None) -> None:
    names = [r.name for r in manifests.rollouts]
    if not names:
        raise scenario_error(
            file, "manifests", "at least one Rollout (argoproj.io/v1alpha1)", line=line, got="none"
        )
    if scenario.rollout_name is not None and scenario.rollout_name not in names:
        raise scenario_error(
            file,
            "rollout",
            f"one of the loaded Rollouts ({', '.join(names)})",
            got=scenario.rollout_name,
        )
    if scenario.rollout_name is None and len(names) > 1:
        raise scenario_error(
            file,
            "rollout",
            f"the name of the Rollout to simulate (the manifests hold {', '.join(names)})",
            line=line,
        )


def _resolve(base: Path, ref: str, file: str, line: int) -> Path:
    target = Path(ref)
    if not target.is_absolute():
        target = base / target
    if not (target.is_file() or target.is_dir()):
        raise scenario_error(
            file, "manifests", "an existing manifest file or directory", line=line, got=ref
        )
    return target


def _display(base: Path, ref: str) -> str:
    return str(base / ref) if str(base) not in ("", ".") else ref


def _with_trace(scenario: Scenario, base: Path, file: str, doc: Document) -> Scenario:
    """Read ``traffic.csv`` into ``traffic.points``, and each request class's own
    ``traffic.headers[i].csv`` into its ``points``."""
    traffic = scenario.traffic
    update: dict[str, Any] = {}
    if traffic.pattern == "csv" and traffic.csv:
        update["points"] = _trace_points(traffic.csv, base, file, doc, ("traffic", "csv"))
    mixes = list(traffic.headers)
    for i, mix in enumerate(mixes):
        if mix.pattern == "csv" and mix.csv:
            where = ("traffic", "headers", i, "csv")
            points = _trace_points(mix.csv, base, file, doc, where)
            mixes[i] = mix.model_copy(update={"points": points})
            update["headers"] = mixes
    if not update:
        return scenario
    new_traffic = traffic.model_copy(update=update)
    return scenario.model_copy(update={"traffic": new_traffic})


def _trace_points(
    ref: str, base: Path, file: str, doc: Document, where: tuple[str | int, ...]
) -> list[Any]:
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in where).replace(".[", "[")
    line = doc.line_of(where)
    target = Path(ref) if Path(ref).is_absolute() else base / ref
    if not target.is_file():
        raise scenario_error(file, field, "an existing CSV file", line=line, got=ref)
    text = read_text(target, display=str(target))
    points = list(read_rate_csv(text, str(target)))
    if not points:
        raise scenario_error(str(target), "", "at least one row time,rate")
    return _points(points)


def _points(rows: Iterable[tuple[float, float]]) -> list[Any]:
    from canarysim.declarations.scenario.traffic import RatePoint

    return [RatePoint(at=t, rate=r) for t, r in sorted(rows)]


def read_rate_csv(text: str, name: str) -> Iterable[tuple[float, float]]:
    """Rows ``time,rate`` (time as seconds or a duration); a non-numeric first row is a
    header. Each time at most once (which of two rates would hold from it?)."""
    seen: dict[float, int] = {}
    for i, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < 2:
            raise scenario_error(name, "", "two columns time,rate", line=i, got=",".join(row))
        t_text, r_text = row[0].strip(), row[1].strip()
        try:
            rate = float(r_text)
        except ValueError:
            if i == 1:
                continue  # header
            raise scenario_error(
                name, "rate", "a number of requests per second", line=i, got=r_text
            ) from None
        try:
            t = parse_nonnegative(_number_or_text(t_text))
        except ValueError as exc:
            raise scenario_error(name, "time", str(exc), line=i) from None
        if not (0 <= rate <= 1e7):  # also refuses nan
            raise scenario_error(name, "rate", "a rate between 0 and 10000000", line=i, got=r_text)
        if t in seen:
            raise scenario_error(
                name, "time", f"a time not already given on line {seen[t]}", line=i, got=t_text
            )
        seen[t] = i
        yield t, rate


def _number_or_text(text: str) -> int | float | str:
    """``"90"`` -> 90, ``"1.5"`` -> 1.5, anything else (``"1m"``) stays text for the
    duration parser."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
