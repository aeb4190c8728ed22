"""The ``canarysim`` command line (argparse, standard library)."""

from __future__ import annotations

import argparse
import sys

from canarysim import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canarysim",
        description="Argo Rollouts canaries on an Istio mesh, in simulated time.",
    )
    parser.add_argument("--version", action="version", version=f"canarysim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="simulate a scenario")
    run.add_argument("scenario", nargs="?", help="scenario YAML file")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    print(f"canarysim {args.command}: not implemented yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
