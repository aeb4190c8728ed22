"""What the commands share: the scenario the arguments name, the simulation, the output style.

Heavy imports (pydantic models, SimPy, matplotlib) happen inside the functions so that
``canarysim --help`` and argument errors stay fast.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from canarysim.errors import ScenarioError


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block: for a command's imports, which
    build thousands of classes and functions (the pydantic models, the engine's dataclasses),
    none of them garbage, while each older-generation pass of the collector walks every object
    alive. Bounded work, so bounded memory; the collector resumes as it was.

    Before it resumes, what is alive is frozen (``gc.freeze``): a command's modules, scenario
    and finished world live until the process exits, and a collector walking them, first on
    resuming (every object made in the block is young) and again when the interpreter exits,
    was a sixth of ``canarysim run``'s time. The command line only: a library caller's objects
    are its own business (:func:`canarysim.declarations.bulk.collector_paused` only pauses)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def load(args: argparse.Namespace) -> Any:
    """The scenario the arguments name: a scenario file, or manifests given with -f."""
    with collector_paused():
        return _load(args)


def _load(args: argparse.Namespace) -> Any:
    import canarysim

    files = getattr(args, "files", [])
    if files and args.scenario:
        raise ScenarioError(args.scenario, "", "either a SCENARIO file or -f manifests, not both")
    if files:
        from canarysim.declarations import load_manifests, scenario_from_manifests

        manifests = load_manifests(
            files, namespace=args.namespace or "default", recursive=args.recursive
        )
        for note in manifests.findings:
            if note.rule == "load/scenario-skipped":
                print(f"canarysim: note: {note.file}: {note.message}", file=sys.stderr)
        overrides: dict[str, Any] = {}
        if args.set_image is not None:
            container, image = args.set_image
            at = 300.0 if args.at is None else args.at
            overrides["operator"] = [
                {"at": at, "do": "setImage", "container": container, "image": image}
            ]
        elif args.at is not None:
            raise ScenarioError("canarysim run", "--at", "--set-image CONTAINER=IMAGE with it")
        if args.rate is not None:
            overrides["traffic"] = {"rate": args.rate}
        if args.rollout is not None:
            overrides["rollout"] = args.rollout
        if getattr(args, "start", None) is not None:
            overrides["start"] = args.start
        scenario = scenario_from_manifests(manifests, **overrides)
    elif args.scenario:
        for flag in ("namespace", "set_image", "at", "rate", "recursive", "rollout", "start"):
            if getattr(args, flag, None) not in (None, False) and args.command == "run":
                option = "--" + flag.replace("_", "-")
                raise ScenarioError(
                    args.scenario, option, "-f manifests (a scenario file sets this itself)"
                )
        scenario = canarysim.load_scenario(args.scenario)
    else:
        raise ScenarioError("canarysim run", "", "a SCENARIO file or at least one -f FILE")
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    return scenario


def simulate(
    args: argparse.Namespace,
    scenario: Any,
    until: float | None,
    after: Callable[[Any], None] | None = None,
) -> Any:
    """Run the simulation; on a terminal, in slices of simulated time so that a progress bar
    can show how far it got (slicing does not change the result: SimPy keeps its queue
    between ``run`` calls, and tests/cli pin this). ``after(world)`` sees the finished world
    (e.g. to export its metrics)."""
    with collector_paused():
        import canarysim
        import canarysim.sim.world
        from canarysim.report.durations import offset
        from canarysim.report.progress import Progress

    name = getattr(scenario, "name", None) or "scenario"
    with Progress(f"simulating {name}") as progress:
        if not progress.active and after is None:
            return canarysim.simulate(scenario, until=until, mode=args.mode)
        from canarysim.sim.world import World

        world = World.build(scenario, until=until, mode=args.mode, keep_metrics=after is not None)
        end = float(world.until)
        slices = 100 if progress.active else 1
        for i in range(1, slices + 1):
            world.run(end * i / slices)
            progress.update(i / slices, f"{offset(end * i / slices)} / {offset(end)}")
        result = world.collect()
        if after is not None:
            after(world)
        return result


def style(args: argparse.Namespace, stream: TextIO) -> Any:
    """Colours for ``stream`` as ``--color`` asks (commands without the option: auto)."""
    from canarysim.report.style import Style, wants_colour

    when = getattr(args, "color", "auto")
    return Style(when == "always" or (when == "auto" and wants_colour(stream)))
