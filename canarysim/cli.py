"""The ``canarysim`` command line: argparse in front, the library behind, errors at the edge.

Each command is a thin function from parsed arguments to an exit code; all output goes through
:mod:`canarysim.report`. Every error a user can cause arrives here as a
:class:`~canarysim.errors.CanarysimError` (or an ``OSError`` for files we write) and leaves as one
line, ``canarysim: error: <what, where, what was expected>``, with exit code 2: never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from canarysim import __version__
from canarysim.errors import CanarysimError, ScenarioError

EXIT_CODES = """\
exit codes:
  0  the rollout ended Healthy (validate: no error findings)
  1  the rollout ended Degraded or aborted (validate: error findings)
  2  invalid input: a scenario, manifest or option that cannot be used
  3  the rollout was still Progressing or Paused when the run stopped (--until)"""


def _duration(text: str) -> float:
    """argparse type: an Argo/Go duration (``90s``, ``5m``, ``1h30m``, plain seconds)."""
    from canarysim.engine.durations import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: expected e.g. 90s, 5m, 1h30m or a number of seconds"
        ) from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must not be negative")
    return seconds


_RATE_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _rate(text: str) -> float:
    """argparse type: requests per second from ``100``, ``100/s``, ``6000/m``, ``5/min``."""
    number, _, unit = text.partition("/")
    try:
        value = float(number)
        per = _RATE_UNITS[unit or "s"]
    except (ValueError, KeyError):
        raise argparse.ArgumentTypeError(
            f"invalid rate {text!r}: expected requests per time, e.g. 100/s or 6000/m"
        ) from None
    if not 0 <= value < 1e9:
        raise argparse.ArgumentTypeError(f"invalid rate {text!r}: must be between 0 and 1e9/s")
    return value / per


def _image(text: str) -> tuple[str, str]:
    """argparse type: ``CONTAINER=IMAGE`` as ``kubectl argo rollouts set image`` takes it."""
    container, sep, image = text.partition("=")
    if not sep or not container or not image:
        raise argparse.ArgumentTypeError(
            f"invalid image {text!r}: expected CONTAINER=IMAGE, e.g. nginx=nginx:1.15.5"
        )
    return container, image


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}: expected an integer") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}: must be 0 .. 2**63-1")
    return value


def _colour_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output: auto (default: only on a terminal, and never when NO_COLOR "
        "is set), always or never",
    )


def _sim_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--until",
        type=_duration,
        metavar="DURATION",
        help="stop the simulation at this simulated time (e.g. 2h); default: the scenario's",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        help="random seed; the same scenario and seed always give the same run",
    )
    p.add_argument(
        "--mode",
        choices=("aggregate", "exact"),
        help="traffic model: aggregate (counts per time bucket, fast; default) or exact "
        "(every request drawn one by one)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canarysim",
        description="Argo Rollouts canaries on an Istio mesh, in simulated time.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"canarysim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    fmt = argparse.RawDescriptionHelpFormatter

    run = sub.add_parser(
        "run",
        help="simulate a scenario (or plain manifests) and show what happened",
        description="Simulate a rollout and print a timeline of what mattered, the final "
        "`kubectl argo rollouts get rollout` view and a summary. Give a scenario file, or "
        "plain manifests with -f (a scenario is then made up with sensible defaults).",
        epilog=EXIT_CODES + "\n\nexamples:\n"
        "  canarysim run scenarios/imesh-canary/scenario.yaml\n"
        "  canarysim run -f rollout.yaml -f vsvc.yaml -f services.yaml "
        "--set-image nginx=nginx:1.15.5 --at 5m",
        formatter_class=fmt,
    )
    run.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument(
        "-f",
        "--filename",
        dest="files",
        action="append",
        default=[],
        metavar="FILE",
        help="a manifest file (Rollout, Services, VirtualService, ...) to run without a "
        "scenario; repeat for several files",
    )
    run.add_argument(
        "-n",
        "--namespace",
        metavar="NAMESPACE",
        help="namespace for manifests that name none (with -f; default: default)",
    )
    run.add_argument(
        "--set-image",
        type=_image,
        metavar="CONTAINER=IMAGE",
        help="with -f: update the rollout's container to IMAGE (a new revision) at --at",
    )
    run.add_argument(
        "--at",
        type=_duration,
        metavar="DURATION",
        default=None,
        help="with --set-image: when to set the image (default: 5m)",
    )
    run.add_argument(
        "--rate",
        type=_rate,
        metavar="RATE",
        help="with -f: request rate, e.g. 100/s (default: 100/s)",
    )
    _sim_options(run)
    run.add_argument(
        "--out",
        metavar="DIR",
        help="write result.json, events.jsonl, timeseries.csv and manifests/ into DIR",
    )
    run.add_argument(
        "--plot",
        action="store_true",
        help="write PNG and SVG plots into DIR/plots (DIR from --out, default canarysim-out)",
    )
    run.add_argument(
        "--json",
        action="store_true",
        help="print one machine-readable JSON summary instead of the text report",
    )
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every Kubernetes event in the timeline (pods and ReplicaSets too), not "
        "only the rollout's, analysis runs' and warnings",
    )
    run.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing on success; the exit code tells the outcome",
    )
    _colour_option(run)
    run.set_defaults(handler=cmd_run)

    get = sub.add_parser(
        "get",
        help="show the rollout as `kubectl argo rollouts get rollout` would at a simulated time",
        description="Simulate up to --at and print the rollout exactly as `kubectl argo "
        "rollouts get rollout NAME` would show it at that instant.",
        epilog="example:\n  canarysim get scenarios/imesh-canary/scenario.yaml --at 60m",
        formatter_class=fmt,
    )
    get.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    get.add_argument(
        "--at",
        type=_duration,
        metavar="DURATION",
        help="the simulated instant to show (default: the end of the run)",
    )
    get.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="print a frame at every change up to --at, as `get rollout --watch` would",
    )
    _sim_options(get)
    _colour_option(get)
    get.set_defaults(handler=cmd_get)

    steps = sub.add_parser(
        "steps",
        help="the step plan: when each step can be reached at the earliest, the minimum duration",
        description="Print the canary steps of the scenario's rollout with the earliest "
        "simulated time each can be reached and how long the whole rollout takes at least. "
        "With --at, also simulate up to that time and show where the rollout is "
        "(e.g. 'Paused (10m remaining)').",
        epilog="example:\n  canarysim steps scenarios/imesh-canary/scenario.yaml --at 65m",
        formatter_class=fmt,
    )
    steps.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    steps.add_argument(
        "--at",
        type=_duration,
        metavar="DURATION",
        help="also simulate up to this time and show each step's progress",
    )
    _sim_options(steps)
    steps.set_defaults(handler=cmd_steps)

    validate = sub.add_parser(
        "validate",
        help="check manifests and scenarios as Argo would, and lint what a cluster would reveal",
        description="Validate scenario and manifest files: Argo Rollouts' own validation "
        "(its messages verbatim) plus lint rules for problems a cluster only shows at run time.",
        epilog="exit codes:\n  0  no error findings (warnings allowed)\n"
        "  1  at least one error finding\n  2  a file could not be read or parsed\n\n"
        "example:\n  canarysim validate scenarios/imesh-canary/as-published/*.yaml",
        formatter_class=fmt,
    )
    validate.add_argument("paths", nargs="+", metavar="FILE", help="scenario or manifest files")
    validate.add_argument(
        "-n",
        "--namespace",
        metavar="NAMESPACE",
        help="namespace for manifests that name none (default: default)",
    )
    validate.set_defaults(handler=cmd_validate)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario format (for editor completion)",
        description="Print the JSON Schema of canarysim's scenario format on stdout.",
        epilog="example:\n  canarysim schema > scenario.schema.json",
        formatter_class=fmt,
    )
    schema.set_defaults(handler=cmd_schema)
    return parser


# -- loading ---------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> Any:
    """The scenario the arguments name: a scenario file, or manifests given with -f."""
    import canarysim

    files = getattr(args, "files", [])
    if files and args.scenario:
        raise ScenarioError(args.scenario, "", "either a SCENARIO file or -f manifests, not both")
    if files:
        from canarysim.spec import load_manifests, scenario_from_manifests

        manifests = load_manifests(files, namespace=args.namespace or "default")
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
        scenario = scenario_from_manifests(manifests, **overrides)
    elif args.scenario:
        for flag in ("namespace", "set_image", "at", "rate"):
            if getattr(args, flag, None) is not None and args.command == "run":
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


def _simulate(args: argparse.Namespace, scenario: Any, until: float | None) -> Any:
    """Run the simulation; on a terminal, in slices of simulated time so that a progress bar
    can show how far it got (slicing does not change the result: SimPy keeps its queue
    between ``run`` calls, and tests/cli pin this)."""
    import canarysim
    from canarysim.report.durations import offset
    from canarysim.report.progress import Progress

    name = getattr(scenario, "name", None) or "scenario"
    with Progress(f"simulating {name}") as progress:
        if not progress.active:
            return canarysim.simulate(scenario, until=until, mode=args.mode)
        from canarysim.sim.world import World

        world = World.build(scenario, until=until, mode=args.mode)
        end = float(world.until)
        slices = 100
        for i in range(1, slices + 1):
            world.run(end * i / slices)
            progress.update(i / slices, f"{offset(end * i / slices)} / {offset(end)}")
        return world.collect()


def _style(args: argparse.Namespace, stream: TextIO) -> Any:
    from canarysim.report.style import Style, wants_colour

    when = getattr(args, "color", "auto")
    return Style(when == "always" or (when == "auto" and wants_colour(stream)))


# -- commands --------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.report import summarize
    from canarysim.report.runview import render_report
    from canarysim.report.summary import summary_json

    scenario = _load(args)
    result = _simulate(args, scenario, args.until)
    summary = summarize(result)
    _write_files(args, scenario, result, summary)
    if args.json:
        out.write(summary_json(summary))
    elif not args.quiet:
        style = _style(args, out)
        out.write(render_report(result, summary=summary, style=style, every=args.verbose))
    return int(summary["exit_code"])


def _outputs(args: argparse.Namespace, scenario: Any) -> tuple[Path | None, set[str]]:
    """Where files go and which: --out DIR takes everything but plots (--plot adds them);
    without --out, the scenario's ``outputs: {dir, formats}`` decide, relative to the
    scenario file; --plot alone writes plots under ./canarysim-out."""
    plots = {"png"} if args.plot else set()
    if args.out:
        return Path(args.out), {"json", "csv"} | plots
    spec = getattr(scenario, "outputs", None)
    if spec is not None and spec.dir:
        return scenario.base_dir / spec.dir, set(spec.formats) | plots
    if plots:
        return Path("canarysim-out"), plots
    return None, set()


def _write_files(
    args: argparse.Namespace, scenario: Any, result: Any, summary: dict[str, Any]
) -> None:
    from canarysim.report.files import write_outputs

    root, formats = _outputs(args, scenario)
    if root is None:
        return
    text = None
    if "txt" in formats:
        from canarysim.report.runview import render_report

        text = render_report(result, summary=summary, every=args.verbose)
    written = write_outputs(result, root, formats=formats, report=text)
    if "png" in formats:
        from canarysim.report.plots import analysis_thresholds, write_plots

        templates = [
            *scenario.manifests.analysis_templates,
            *scenario.manifests.cluster_analysis_templates,
        ]
        written += write_plots(result, root / "plots", analysis_thresholds(templates))
    if not args.quiet and not args.json:
        print(f"canarysim: wrote {len(written)} files under {root}", file=sys.stderr)


def cmd_get(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.report import render_rollout
    from canarysim.report.durations import offset
    from canarysim.report.getview import analysis_created

    scenario = _load(args)
    until = args.at if args.at is not None else args.until
    result = _simulate(args, scenario, until)
    at = result.until if args.at is None else args.at
    style = _style(args, out)
    hints = analysis_created(result.snapshots)
    if not args.watch:
        out.write(render_rollout(result.status_at(at), now=at, style=style, analysis_created=hints))
        return 0
    frames = [s for s in result.snapshots if s.time <= at] or [result.status_at(at)]
    for i, snap in enumerate(frames):
        if i:
            out.write("\n")
        out.write(style.dim(f"--- {offset(snap.time).strip()} ---") + "\n")
        out.write(render_rollout(snap, style=style, analysis_created=hints))
    return 0


def cmd_steps(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.report.steps import plan_of_scenario, progress_at, render_plan

    scenario = _load(args)
    plan, title = plan_of_scenario(scenario)
    progress = None
    if args.at is not None:
        result = _simulate(args, scenario, args.at)
        progress = progress_at(result, plan, args.at)
    out.write(render_plan(plan, progress=progress, title=title))
    return 0


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.spec import exit_code, validate_paths

    findings = validate_paths(args.paths, namespace=args.namespace or "default")
    for finding in findings:
        out.write(f"{finding}\n")
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if findings:
        out.write(f"{errors} error(s), {warnings} warning(s)\n")
    else:
        out.write(f"{len(args.paths)} file(s): no findings\n")
    return int(exit_code(findings))


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from canarysim.spec import scenario_json_schema

    out.write(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


# -- entry point -----------------------------------------------------------------------------


def main(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (argparse usage errors exit 2 themselves)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    stream = out if out is not None else sys.stdout
    if args.command is None:
        parser.print_help(stream)
        return 2
    try:
        code = int(args.handler(args, stream))
        stream.flush()
        return code
    except BrokenPipeError:  # `canarysim run ... | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CanarysimError as exc:
        print(f"canarysim: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"canarysim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("canarysim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
