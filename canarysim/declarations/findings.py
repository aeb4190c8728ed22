"""What ``canarysim validate`` reports: one :class:`Finding` per problem.

A finding has a stable rule id (documented in docs/scenario-format.md), a severity, the file and
line it is about, and one sentence. Argo's own validation uses rule ids starting with ``argo/``
and its message is Argo's text verbatim; canarysim's lint rules use ``lint/``; problems met
while loading use ``load/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["EXIT_CLEAN", "EXIT_ERRORS", "EXIT_UNREADABLE", "Finding", "Severity", "exit_code"]

Severity = Literal["error", "warning"]

EXIT_CLEAN = 0
EXIT_ERRORS = 1
EXIT_UNREADABLE = 2


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in the input."""

    file: str
    line: int
    rule: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        """``file:line: severity: message [rule]``, the shape compilers and linters print."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"


def exit_code(findings: Iterable[Finding], *, unreadable: bool = False) -> int:
    """``canarysim validate``'s exit status: 2 when some input could not be read at all,
    1 when any finding is an error, else 0 (warnings alone keep it clean)."""
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_ERRORS if any(f.severity == "error" for f in findings) else EXIT_CLEAN
