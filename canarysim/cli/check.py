"""``canarysim validate`` and ``canarysim schema``: checking scenario files without running them."""

from __future__ import annotations

import argparse
import json
from typing import TextIO


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """One line per finding, then a count; exit 1 when any finding is an error."""
    from canarysim.cli.loading import collector_paused

    with collector_paused():
        from canarysim.declarations import exit_code, validate_paths

    findings = validate_paths(
        args.paths, namespace=args.namespace or "default", recursive=args.recursive
    )
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
    """The scenario format's JSON Schema, for editors."""
    from canarysim.declarations import scenario_json_schema

    out.write(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0
