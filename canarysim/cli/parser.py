"""The ``canarysim`` argument parser: option types, the shared options, one sub-parser per command.

Options that several commands share (the scenario file, ``--at``, ``-n``, the simulation and
colour options) are declared once by the helpers below, so their spelling and metavars cannot
drift apart between commands; only the help text, which says what the option means *for that
command*, is given at each call. Each sub-parser names its handler with ``set_defaults``.
"""

from __future__ import annotations

import argparse

from canarysim import __version__
from canarysim.cli.check import cmd_schema, cmd_validate
from canarysim.cli.expectations import cmd_test
from canarysim.cli.run import cmd_report, cmd_run
from canarysim.cli.sweep import add_commands as add_sweep_commands
from canarysim.cli.tune import add_command as add_tune_command
from canarysim.cli.view import cmd_get, cmd_steps

EXIT_CODES = """\
exit codes:
  0  the rollout ended Healthy (validate: no error findings)
  1  the rollout ended Degraded or aborted (validate: error findings)
  2  invalid input: a scenario, manifest or option that cannot be used
  3  the rollout was still Progressing or Paused when the run stopped (--until)"""


# -- option types ----------------------------------------------------------------------------


def _duration(text: str) -> float:
    """argparse type: a duration as the scenario format writes one (``90s``, ``5m``,
    ``1h30m``, days as kubectl prints ages: ``7d``, ``1d12h``; plain seconds)."""
    from canarysim.declarations.scenario.values import parse_nonnegative

    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must not be negative")
    try:
        return parse_nonnegative(text)
    except ValueError as exc:
        expected = (
            str(exc).split(", got")[0]
            if "at most" in str(exc)
            else "e.g. 90s, 5m, 1h30m, 7d or a number of seconds"
        )
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: expected {expected}"
        ) from None


_RATE_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _rate(text: str) -> float:
    """argparse type: requests per second from ``100``, ``100/s``, ``6000/m``, ``5/min``."""
    number, sep, unit = text.partition("/")
    try:
        value = float(number)
        per = _RATE_UNITS[unit if sep else "s"]
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


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: expected an integer") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: must be 1 .. 10000")
    return value


# -- shared options --------------------------------------------------------------------------


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """A sub-command whose description and epilog keep their own line breaks."""
    return sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _scenario_argument(p: argparse.ArgumentParser, *, optional: bool = False) -> None:
    p.add_argument(
        "scenario",
        nargs="?" if optional else None,
        metavar="SCENARIO",
        help="scenario YAML file (- reads it from standard input)",
    )


def _at_option(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--at", type=_duration, metavar="DURATION", help=help)


def _namespace_option(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("-n", "--namespace", metavar="NAMESPACE", help=help)


def _recursive_option(p: argparse.ArgumentParser) -> None:
    _flag(
        p,
        "-R",
        "--recursive",
        help="a directory also means the manifest files of its subdirectories (kubectl's -R)",
    )


def _flag(p: argparse.ArgumentParser, *names: str, help: str) -> None:
    p.add_argument(*names, action="store_true", help=help)


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


# -- the parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canarysim",
        description="Argo Rollouts canaries on an Istio mesh, in simulated time.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"canarysim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = _command(
        sub,
        "run",
        help="simulate a scenario (or plain manifests) and show what happened",
        description="Simulate a rollout and print a timeline of what mattered, the final "
        "`kubectl argo rollouts get rollout` view and a summary. Give a scenario file, or "
        "plain manifests with -f (a scenario is then made up with sensible defaults).",
        epilog=EXIT_CODES + "\n\nexamples:\n"
        "  canarysim run scenarios/imesh-canary/scenario.yaml\n"
        "  canarysim run -f rollout.yaml -f vsvc.yaml -f services.yaml "
        "--set-image nginx=nginx:1.15.5 --at 5m",
    )
    _scenario_argument(run, optional=True)
    run.add_argument(
        "-f",
        "--filename",
        dest="files",
        action="append",
        default=[],
        metavar="FILE",
        help="a manifest file (Rollout, Services, VirtualService, ...) to run without a "
        "scenario; repeat for several files; a directory means its .yaml/.yml/.json files "
        "(a scenario file among them is skipped with a note), - means standard input "
        "(helm template ... | canarysim run -f -), as with kubectl",
    )
    _recursive_option(run)
    _namespace_option(run, "namespace for manifests that name none (with -f; default: default)")
    run.add_argument(
        "--rollout",
        metavar="NAME",
        help="with -f: the Rollout to simulate when the manifests hold several",
    )
    run.add_argument(
        "--start",
        choices=("healthy", "empty"),
        help="with -f: how the run begins: healthy (default), revision 1 already deployed and "
        "Healthy at t=0; empty, deploy it from nothing at t=0 (a scenario file's start: key)",
    )
    run.add_argument(
        "--set-image",
        type=_image,
        metavar="CONTAINER=IMAGE",
        help="with -f: update the rollout's container to IMAGE (a new revision) at --at",
    )
    _at_option(run, "with --set-image: when to set the image (default: 5m)")
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
    _flag(
        run,
        "--plot",
        help="write PNG and SVG plots into DIR/plots (DIR from --out, default canarysim-out)",
    )
    run.add_argument(
        "--html",
        metavar="FILE",
        help="write a self-contained HTML report to FILE: a time scrubber with the get-rollout "
        "view, router objects, analysis and charts (opens offline, fetches nothing)",
    )
    run.add_argument(
        "--metrics-out",
        metavar="FILE",
        help="write the simulated Prometheus metrics as OpenMetrics text (for promtool tsdb "
        "create-blocks-from openmetrics)",
    )
    _flag(run, "--json", help="print one machine-readable JSON summary instead of the text report")
    _flag(
        run,
        "-v",
        "--verbose",
        help="show every Kubernetes event in the timeline (pods and ReplicaSets too), not "
        "only the rollout's, analysis runs' and warnings",
    )
    _flag(run, "-q", "--quiet", help="print nothing on success; the exit code tells the outcome")
    _colour_option(run)
    run.set_defaults(handler=cmd_run)

    get = _command(
        sub,
        "get",
        help="show the rollout as `kubectl argo rollouts get rollout` would at a simulated time",
        description="Simulate up to --at and print the rollout exactly as `kubectl argo "
        "rollouts get rollout NAME` would show it at that instant.",
        epilog="example:\n  canarysim get scenarios/imesh-canary/scenario.yaml --at 60m",
    )
    _scenario_argument(get)
    _at_option(get, "the simulated instant to show (default: the end of the run)")
    _flag(
        get,
        "-w",
        "--watch",
        help="print a frame at every change up to --at, as `get rollout --watch` would",
    )
    _sim_options(get)
    _colour_option(get)
    get.set_defaults(handler=cmd_get)

    steps = _command(
        sub,
        "steps",
        help="the step plan: when each step can be reached at the earliest, the minimum duration",
        description="Print the canary steps of the scenario's rollout with the earliest "
        "simulated time each can be reached and how long the whole rollout takes at least. "
        "With --at, also simulate up to that time and show where the rollout is "
        "(e.g. 'Paused (10m remaining)').",
        epilog="example:\n  canarysim steps scenarios/imesh-canary/scenario.yaml --at 65m",
    )
    _scenario_argument(steps)
    _at_option(steps, "also simulate up to this time and show each step's progress")
    _sim_options(steps)
    steps.set_defaults(handler=cmd_steps)

    report = _command(
        sub,
        "report",
        help="write the HTML report of a saved run (result.json from --out)",
        description="Read a result.json written by `canarysim run --out DIR` and write the same "
        "self-contained HTML report as `canarysim run --html`. Analysis thresholds are not "
        "part of result.json: give the scenario with --scenario to draw them.",
        epilog="example:\n  canarysim run scenarios/imesh-canary/scenario.yaml --out out\n"
        "  canarysim report out/result.json -o report.html",
    )
    report.add_argument("result", metavar="RESULT", help="a result.json written by run --out")
    report.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the HTML file to write"
    )
    report.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="the run's scenario file, to draw its analysis thresholds (optional)",
    )
    report.set_defaults(handler=cmd_report)

    validate = _command(
        sub,
        "validate",
        help="check manifests and scenarios as Argo would, and lint what a cluster would reveal",
        description="Validate scenario and manifest files: Argo Rollouts' own validation "
        "(its messages verbatim) plus lint rules for problems a cluster only shows at run time.",
        epilog="exit codes:\n  0  no error findings (warnings allowed)\n"
        "  1  at least one error finding\n  2  a file could not be read or parsed\n\n"
        "example:\n  canarysim validate scenarios/imesh-canary/as-published/*.yaml",
    )
    validate.add_argument(
        "paths",
        nargs="+",
        metavar="FILE",
        help="scenario or manifest files; a directory means its .yaml/.yml/.json files, - "
        "means standard input (kustomize build ... | canarysim validate -)",
    )
    _recursive_option(validate)
    _namespace_option(validate, "namespace for manifests that name none (default: default)")
    validate.set_defaults(handler=cmd_validate)

    schema = _command(
        sub,
        "schema",
        help="print the JSON Schema of the scenario format (for editor completion)",
        description="Print the JSON Schema of canarysim's scenario format on stdout.",
        epilog="example:\n  canarysim schema > scenario.schema.json",
    )
    schema.set_defaults(handler=cmd_schema)

    test = _command(
        sub,
        "test",
        help="run scenarios and check their expect: blocks (for CI)",
        description="Run every scenario found under the PATHs (files, or directories searched "
        "recursively) and check its `expect:` block: one line per expectation with the value "
        "observed, then a summary. Scenarios without `expect:` are skipped.",
        epilog="exit codes:\n  0  every expectation held\n  1  at least one expectation failed\n"
        "  2  a scenario could not be loaded or run (the others are still checked)\n\n"
        "examples:\n  canarysim test scenarios/\n"
        "  canarysim test scenarios/ --junit ci-artifacts/scenarios.xml\n"
        "  canarysim test my-scenario.yaml --runs 50",
    )
    test.add_argument(
        "paths", nargs="+", metavar="PATH", help="scenario files or directories to search"
    )
    test.add_argument(
        "--runs",
        type=_positive,
        metavar="N",
        help="run each scenario N times with the seeds seed, seed+1, ... (default: 1, or what "
        "its probabilistic expectations need); every run must meet the per-run expectations",
    )
    test.add_argument(
        "--junit", metavar="FILE", help="also write the outcomes as JUnit XML into FILE"
    )
    test.add_argument(
        "--mode",
        choices=("aggregate", "exact"),
        help="traffic model: aggregate (default) or exact",
    )
    test.set_defaults(handler=cmd_test)
    add_sweep_commands(sub, _command, _seed)
    add_tune_command(sub, _command, _seed)
    return parser
