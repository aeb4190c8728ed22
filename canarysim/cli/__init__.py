"""The ``canarysim`` command line: argparse in front, the library behind, errors at the edge.

:mod:`~canarysim.cli.parser` builds the parser; each command is a thin function from parsed
arguments to an exit code (:mod:`~canarysim.cli.run`, :mod:`~canarysim.cli.view`,
:mod:`~canarysim.cli.check`), and all output goes through :mod:`canarysim.report`. Every error
a user can cause arrives here as a :class:`~canarysim.errors.CanarysimError` (or an
``OSError`` for files we write) and leaves as one line,
``canarysim: error: <what, where, what was expected>``, with exit code 2: never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from canarysim.cli.parser import EXIT_CODES, build_parser
from canarysim.errors import CanarysimError

__all__ = ["EXIT_CODES", "build_parser", "main"]


def _one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: one line, always."""
    return "".join(c if ord(c) >= 32 else repr(c)[1:-1] for c in text)


def _one_blas_thread() -> None:
    """One OpenBLAS thread for a command that has not imported numpy yet, unless the user
    chose a number (``OPENBLAS_NUM_THREADS``).

    NumPy's OpenBLAS starts a pool of worker threads as it loads, one per core, and they spin
    before they sleep: on a 2-core machine that was about 80 ms of CPU and 50 ms of wall time
    of every ``canarysim run`` (0.43 s against 0.37 s), for nothing, since canarysim's only
    BLAS calls are products of one counts matrix by one vector. The products are the same
    whatever the number of threads (each row's sum is one thread's), so results do not
    change. Worker processes a sweep starts inherit the setting, which also keeps N workers
    from starting N pools on N cores. Library use (``import canarysim``) is left alone."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (argparse usage errors exit 2 themselves)."""
    _one_blas_thread()
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
        print(f"canarysim: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"canarysim: error: {_one_line(where + str(exc.strerror or exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("canarysim: interrupted", file=sys.stderr)
        return 130
