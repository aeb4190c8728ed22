"""Errors canarysim raises on purpose.

Every error a user can cause derives from :class:`CanarysimError`; the CLI prints its
``str()`` as one line and exits non-zero. Anything else escaping is a bug in canarysim.
"""

from __future__ import annotations


class CanarysimError(Exception):
    """Base class of every error canarysim raises on purpose."""


class ScenarioError(CanarysimError):
    """Input that cannot be loaded: names the *file*, the *line*, the *field* and what was
    *expected*, so the message alone tells the user what to fix.

    >>> str(ScenarioError("a.yaml", "spec.replicas", "a whole number", line=7, got="'two'"))
    "a.yaml:7: spec.replicas: expected a whole number, got 'two'"
    """

    def __init__(
        self,
        file: str,
        field: str,
        expected: str,
        *,
        line: int | None = None,
        got: str | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.expected = expected
        self.line = line
        self.got = got
        where = f"{file}:{line}" if line is not None else file
        text = f"{where}: {field}: expected {expected}" if field else f"{where}: {expected}"
        if got is not None:
            # a value with a line break stays on the message's one line
            text += f", got {repr(got) if any(ord(c) < 32 for c in got) else got}"
        super().__init__(text)


class InputRefused(ScenarioError):
    """Input ``canarysim validate`` calls an error, refused by every command with the line
    validate prints for it: ``file:line: error: message [rule]``.

    >>> str(InputRefused("s.yaml", 36, "scenario/set-image", "no container x"))
    's.yaml:36: error: no container x [scenario/set-image]'
    """

    def __init__(self, file: str, line: int, rule: str, message: str, note: str = "") -> None:
        super().__init__(file, rule, message, line=line or None)
        self.rule = rule
        where = f"{file}:{line}" if line else file
        self.args = (f"{where}: error: {message} [{rule}]{note}",)

    def __str__(self) -> str:
        return str(self.args[0])


class TrafficRoutingError(CanarysimError):
    """Argo's Istio reconciler refused a manifest; the message is Argo's own text."""


class SimulationError(CanarysimError):
    """A simulation that cannot finish; the message says why."""
