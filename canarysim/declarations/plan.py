"""Rollout -> engine :class:`~canarysim.engine.model.Plan`, and operator actions -> engine
commands.

The Plan carries Argo's defaults already applied (``utils/defaults/defaults.go``); where Argo
tells "unset" from an explicit value (``scaleDownDelaySeconds``, ``abortScaleDownDelaySeconds``,
``minPodsPerReplicaSet``...) the Plan keeps None and the engine applies the rule. Step payloads
Argo passes through untouched (analysis args, experiment templates, route matches) are handed
over as the mappings written in the manifest.
"""

from __future__ import annotations

from typing import Any

from canarysim.declarations.manifests.argo import CanaryStep, PodTemplateMetadata, Rollout
from canarysim.declarations.scenario import model as sc
from canarysim.declarations.support import refuse_unsupported
from canarysim.declarations.yamlio import scenario_error
from canarysim.engine import model as em
from canarysim.engine.durations import parse_duration, pause_seconds

__all__ = ["to_command", "to_plan", "to_step"]

DEFAULT_REPLICAS = 1  # defaults.DefaultReplicas
DEFAULT_REVISION_HISTORY_LIMIT = 10  # defaults.DefaultRevisionHistoryLimit
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600  # defaults.DefaultProgressDeadlineSeconds


def to_plan(
    rollout: Rollout,
    *,
    pod_template_hash: str,
    generation: int = 1,
    replicas: int | None = None,
    paused: bool | None = None,
    restart_at: float | None = None,
) -> em.Plan:
    """The engine's view of ``rollout``.

    ``pod_template_hash`` is the hash of the current pod template (the simulator computes
    it); ``replicas``/``paused``/``restart_at``/``generation`` let the world apply spec verbs
    (scale, pause/resume, restart) without editing the manifest. Raises
    :class:`ScenarioError` for a rollout canarysim refuses (:mod:`.support`: a router not
    simulated, a plugin step) or that has no strategy; call
    :func:`canarysim.declarations.rollout_invalid_message` first: an invalid rollout never
    gets a plan in Argo either.
    """
    refuse_unsupported(rollout)
    c = rollout.canary
    if c is None and rollout.blue_green is not None:
        return _blue_green_plan(
            rollout,
            pod_template_hash=pod_template_hash,
            generation=generation,
            replicas=replicas,
            paused=paused,
            restart_at=restart_at,
        )
    if c is None:  # Argo's validation asks for a strategy; an invalid Rollout has no plan
        raise scenario_error(
            rollout.file,
            "spec.strategy",
            "a canary or blueGreen strategy",
            line=rollout.line_of("spec", "strategy"),
        )
    tr = c.traffic_routing
    raw_steps = ((rollout.raw.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    raw_steps = raw_steps.get("steps") or []
    steps = tuple(
        to_step(step, raw_steps[i] if i < len(raw_steps) else {}, rollout, i)
        for i, step in enumerate(c.steps)
    )
    background = None
    if c.analysis is not None:
        raw_bg = ((rollout.raw.get("spec") or {}).get("strategy") or {}).get("canary") or {}
        background = em.BackgroundAnalysis(
            templates=tuple(t.template_name for t in c.analysis.templates),
            args=tuple(_plain_list((raw_bg.get("analysis") or {}).get("args"))),
            starting_step=c.analysis.starting_step or 0,
        )
    kwargs: dict[str, Any] = {}
    if c.max_surge is not None:
        kwargs["max_surge"] = c.max_surge
    if c.max_unavailable is not None:
        kwargs["max_unavailable"] = c.max_unavailable
    return em.Plan(
        pod_template_hash=pod_template_hash,
        steps=steps,
        traffic_routing=tr is not None,
        alb=tr is not None and tr.alb is not None,
        max_weight=(tr.max_traffic_weight if tr is not None and tr.max_traffic_weight else 100),
        managed_routes=tuple(m.name for m in (tr.managed_routes or [])) if tr is not None else (),
        canary_service=c.canary_service,
        stable_service=c.stable_service,
        ping_service=c.ping_pong.ping_service if c.ping_pong is not None else "",
        pong_service=c.ping_pong.pong_service if c.ping_pong is not None else "",
        scale_down_delay_seconds=_f(c.scale_down_delay_seconds),
        scale_down_delay_revision_limit=c.scale_down_delay_revision_limit,
        abort_scale_down_delay_seconds=_f(c.abort_scale_down_delay_seconds),
        dynamic_stable_scale=c.dynamic_stable_scale,
        canary_metadata=_pod_metadata(c.canary_metadata),
        stable_metadata=_pod_metadata(c.stable_metadata),
        min_pods_per_replica_set=c.min_pods_per_replica_set,
        replica_progress_threshold=(
            None
            if c.replica_progress_threshold is None
            else (c.replica_progress_threshold.type, c.replica_progress_threshold.value)
        ),
        background_analysis=background,
        **_spec_fields(rollout, replicas, paused, restart_at, generation),
        **kwargs,
    )


def _spec_fields(
    rollout: Rollout,
    replicas: int | None,
    paused: bool | None,
    restart_at: float | None,
    generation: int,
) -> dict[str, Any]:
    """The Plan's fields that come from the Rollout's spec whatever its strategy (with Argo's
    defaults), and the world's spec verbs (scale, pause/resume, restart) over them."""
    spec = rollout.spec
    return {
        "name": rollout.name,
        "replicas": replicas
        if replicas is not None
        else (DEFAULT_REPLICAS if spec.replicas is None else spec.replicas),
        "progress_deadline_seconds": float(
            DEFAULT_PROGRESS_DEADLINE_SECONDS
            if spec.progress_deadline_seconds is None
            else spec.progress_deadline_seconds
        ),
        "progress_deadline_abort": spec.progress_deadline_abort,
        "min_ready_seconds": float(spec.min_ready_seconds),
        "revision_history_limit": (
            DEFAULT_REVISION_HISTORY_LIMIT
            if spec.revision_history_limit is None
            else spec.revision_history_limit
        ),
        "rollback_window_revisions": (
            spec.rollback_window.revisions if spec.rollback_window is not None else None
        ),
        "paused": spec.paused if paused is None else paused,
        "restart_at": restart_at,
        "generation": generation,
    }


def _f(value: int | None) -> float | None:
    return None if value is None else float(value)


def _blue_green_plan(
    rollout: Rollout,
    *,
    pod_template_hash: str,
    generation: int,
    replicas: int | None,
    paused: bool | None,
    restart_at: float | None,
) -> em.Plan:
    """``strategy.blueGreen`` as a Plan (no steps; the canary fields keep their defaults)."""
    bg = rollout.blue_green
    assert bg is not None
    raw = rollout.raw_at("spec", "strategy", "blueGreen") or {}

    def analysis(key: str, value: Any) -> em.PromotionAnalysis | None:
        if value is None:
            return None
        return em.PromotionAnalysis(
            templates=tuple(t.template_name for t in value.templates),
            args=tuple(_plain_list((raw.get(key) or {}).get("args"))),
        )

    # blueGreen.maxUnavailable: read only by a restart (replicasetutil.MaxUnavailable, rounded
    # down; 25 % when unset, defaults.GetMaxUnavailableOrDefault)
    kwargs: dict[str, Any] = {}
    if bg.max_unavailable is not None:
        kwargs["max_unavailable"] = bg.max_unavailable
    return em.Plan(
        pod_template_hash=pod_template_hash,
        **kwargs,
        scale_down_delay_seconds=_f(bg.scale_down_delay_seconds),
        scale_down_delay_revision_limit=bg.scale_down_delay_revision_limit,
        abort_scale_down_delay_seconds=_f(bg.abort_scale_down_delay_seconds),
        **_spec_fields(rollout, replicas, paused, restart_at, generation),
        # Argo's ephemeral metadata: the preview plays the canary's part, the active the
        # stable's (rollout/ephemeralmetadata.go)
        canary_metadata=_pod_metadata(bg.preview_metadata),
        stable_metadata=_pod_metadata(bg.active_metadata),
        blue_green=em.BlueGreen(
            active_service=bg.active_service,
            preview_service=bg.preview_service,
            preview_replica_count=bg.preview_replica_count,
            auto_promotion_enabled=(
                True if bg.auto_promotion_enabled is None else bg.auto_promotion_enabled
            ),
            auto_promotion_seconds=bg.auto_promotion_seconds,
            pre_promotion_analysis=analysis("prePromotionAnalysis", bg.pre_promotion_analysis),
            post_promotion_analysis=analysis("postPromotionAnalysis", bg.post_promotion_analysis),
        ),
    )


def _match_list(value: Any) -> tuple[dict[str, Any], ...] | None:
    """A header or mirror route's ``match`` as Go decodes it: missing or null is a nil slice
    (the route is removed), ``[]`` an empty one (a route for every request)."""
    return None if value is None else tuple(_plain_list(value))


def _plain_list(value: Any) -> list[dict[str, Any]]:
    return [dict(v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def to_step(step: CanaryStep, raw: dict[str, Any], rollout: Rollout, index: int) -> em.Step:
    """One canary step as an engine step."""
    where = ("spec", "strategy", "canary", "steps", index)
    field = f"spec.strategy.canary.steps[{index}]"
    kinds = step.kinds
    if not kinds or sum(k in _ONE_OF for k in kinds) > 1:
        raise scenario_error(
            rollout.file,
            field,
            "one step kind, or setCanaryScale / setHeaderRoute / setMirrorRoute beside at most "
            "one of setWeight, pause, experiment, analysis (Argo rejects this step)",
            line=rollout.line_of(*where),
            got=", ".join(kinds) or "none",
        )
    if len(kinds) == 1:
        return _single_step(step, kinds[0], raw, rollout, index)
    # Several fields (validation.go::hasMultipleStepsType allows it): every part applies, in
    # the order completedCurrentCanaryStep looks at them.
    ordered = sorted(kinds, key=_COMPLETION_ORDER.index)
    parts = [_single_step(step, kind, raw, rollout, index) for kind in ordered]
    return em.CompoundStep(tuple(p for p in parts if not isinstance(p, em.CompoundStep)))


#: The fields of which Argo allows at most one in a step.
_ONE_OF = ("setWeight", "pause", "experiment", "analysis")
#: ``completedCurrentCanaryStep``'s switch order.
_COMPLETION_ORDER = (
    "pause",
    "setCanaryScale",
    "setWeight",
    "experiment",
    "analysis",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
)


def _single_step(
    step: CanaryStep, kind: str, raw: dict[str, Any], rollout: Rollout, index: int
) -> em.SingleStep:
    where = ("spec", "strategy", "canary", "steps", index)
    field = f"spec.strategy.canary.steps[{index}]"
    value = raw.get(kind)
    body: dict[str, Any] = value if isinstance(value, dict) else {}
    if kind == "setWeight":
        assert step.set_weight is not None
        return em.SetWeight(step.set_weight)
    if kind == "pause":
        assert step.pause is not None
        d = step.pause.duration
        if d is None:
            return em.Pause()
        try:
            return em.Pause(seconds=float(pause_seconds(d)), raw=str(d))
        except ValueError:
            raise scenario_error(
                rollout.file,
                f"{field}.pause.duration",
                "a duration such as 30s or 1h",
                line=rollout.line_of(*where),
                got=repr(d),
            ) from None
    if kind == "setCanaryScale":
        s = step.set_canary_scale
        assert s is not None
        return em.SetCanaryScale(
            replicas=s.replicas, weight=s.weight, match_traffic_weight=s.match_traffic_weight
        )
    if kind == "analysis":
        a = step.analysis
        assert a is not None
        return em.Analysis(
            templates=tuple(t.template_name for t in a.templates),
            args=tuple(_plain_list(body.get("args"))),
        )
    if kind == "experiment":
        e = step.experiment
        assert e is not None
        duration = None
        if e.duration is not None:
            try:
                duration = parse_duration(e.duration)
            except ValueError:
                raise scenario_error(
                    rollout.file,
                    f"{field}.experiment.duration",
                    "a duration such as 30s or 1h",
                    line=rollout.line_of(*where),
                    got=repr(e.duration),
                ) from None
        return em.Experiment(
            duration=duration,
            templates=tuple(_plain_list(body.get("templates"))),
            analyses=tuple(_plain_list(body.get("analyses"))),
        )
    if kind == "setHeaderRoute":
        h = step.set_header_route
        assert h is not None
        return em.SetHeaderRoute(name=h.name, match=_match_list(body.get("match")))
    if kind == "setMirrorRoute":
        m = step.set_mirror_route
        assert m is not None
        return em.SetMirrorRoute(
            name=m.name, match=_match_list(body.get("match")), percentage=m.percentage
        )
    raise scenario_error(
        rollout.file,
        f"{field}.{kind}",
        "a step canarysim can simulate (plugin steps are not supported yet)",
        line=rollout.line_of(*where),
    )


def _pod_metadata(md: PodTemplateMetadata | None) -> em.PodMetadata | None:
    if md is None:
        return None
    return em.PodMetadata(
        labels=tuple(sorted(md.labels.items())), annotations=tuple(sorted(md.annotations.items()))
    )


def to_command(action: Any) -> em.Command:
    """A scenario operator action as the engine command it stands for."""
    if isinstance(action, sc.SetImage):
        return em.SetImage(image=action.image, container=action.container)
    if isinstance(action, sc.Promote):
        return em.PromoteFull() if action.full else em.Promote()
    simple: dict[type, em.Command] = {
        sc.PromoteFull: em.PromoteFull(),
        sc.Abort: em.Abort(),
        sc.Retry: em.Retry(),
        sc.PauseAction: em.PauseRollout(),
        sc.Resume: em.Resume(),
    }
    for cls, cmd in simple.items():
        if isinstance(action, cls):
            return cmd
    if isinstance(action, sc.Restart):
        if action.at is None:
            raise ValueError("a conditional restart becomes a command when it fires (at=now)")
        return em.Restart(at=action.at + (action.after or 0.0))
    if isinstance(action, sc.Undo):
        return em.Undo(to_revision=action.to_revision)
    if isinstance(action, sc.ScaleAction):
        return em.Scale(replicas=action.replicas)
    raise TypeError(f"not an operator action: {action!r}")
