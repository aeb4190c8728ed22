"""``canarysim get`` and ``canarysim steps``: the rollout as seen at one simulated instant."""

from __future__ import annotations

import argparse
from typing import TextIO

from canarysim.cli.loading import load, simulate, style


def cmd_get(args: argparse.Namespace, out: TextIO) -> int:
    """``kubectl argo rollouts get rollout`` at ``--at`` (or every frame up to it, ``-w``)."""
    from canarysim.report import render_rollout
    from canarysim.report.durations import offset
    from canarysim.report.getview import analysis_created

    scenario = load(args)
    until = args.at if args.at is not None else args.until
    result = simulate(args, scenario, until)
    at = result.until if args.at is None else args.at
    look = style(args, out)
    hints = analysis_created(result.snapshots)
    if not args.watch:
        out.write(render_rollout(result.status_at(at), now=at, style=look, analysis_created=hints))
        return 0
    frames = [s for s in result.snapshots if s.time <= at] or [result.status_at(at)]
    labels = [offset(snap.time).strip() for snap in frames]
    for i, snap in enumerate(frames):
        if i:
            out.write("\n")
        label = labels[i]
        if labels.count(label) > 1:  # frames within one second: tell them apart
            label += f" +{round((snap.time % 1) * 1000):03d}ms"
        out.write(look.dim(f"--- {label} ---") + "\n")
        out.write(render_rollout(snap, style=look, analysis_created=hints))
    return 0


def cmd_steps(args: argparse.Namespace, out: TextIO) -> int:
    """The step plan; with ``--at``, simulated up to then to show each step's progress."""
    from canarysim.report.steps.observed import progress_at
    from canarysim.report.steps.scenario import plan_of_scenario
    from canarysim.report.steps.table import render_plan

    scenario = load(args)
    plan, title = plan_of_scenario(scenario)
    progress = None
    if args.at is not None:
        result = simulate(args, scenario, args.at)
        progress = progress_at(result, plan, args.at)
    out.write(render_plan(plan, progress=progress, title=title))
    return 0
