"""Colour on a terminal, plain text everywhere else.

Colours follow ``kubectl argo rollouts`` (pkg/kubectl-argo-rollouts/cmd/get/get.go
``colorMapping``): green for ✔ and ``stable``, yellow for ``canary``, ◷ and ?, red for ✖ and ⚠,
bright blue for ◌ and running analysis. They are used only when the stream is a terminal, the
``NO_COLOR`` variable is unset or empty (https://no-color.org) and ``TERM`` is not ``dumb``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO

GREEN, YELLOW, RED, HI_BLUE, BOLD, DIM = 32, 33, 31, 94, 1, 2

_COLOURS = {
    "◷": YELLOW,
    "◌": HI_BLUE,
    "⚠": RED,
    "?": YELLOW,
    "✔": GREEN,
    "✖": RED,
    "canary": YELLOW,
    "stable": GREEN,
    "active": GREEN,
    "preview": HI_BLUE,
    "Pending": HI_BLUE,
    "Running": HI_BLUE,
}


def wants_colour(stream: TextIO) -> bool:
    """Whether to colour what goes to ``stream``."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Style:
    """Applies ANSI colours when ``colour`` is true; otherwise returns text unchanged."""

    colour: bool = False

    def code(self, text: str, *codes: int) -> str:
        if not self.colour or not codes:
            return text
        return f"\x1b[{';'.join(str(c) for c in codes)}m{text}\x1b[0m"

    def word(self, text: str) -> str:
        """Colour a well-known word or icon (``✔``, ``canary``, ...) as Argo's CLI does."""
        colour = _COLOURS.get(text)
        return self.code(text, colour) if colour else text

    def as_status(self, text: str, status: str) -> str:
        """Colour ``text`` in the colour of ``status`` (Argo colours a stable RS name green)."""
        colour = _COLOURS.get(status)
        return self.code(text, colour) if colour else text

    def bold(self, text: str) -> str:
        return self.code(text, BOLD)

    def dim(self, text: str) -> str:
        return self.code(text, DIM)


PLAIN = Style(False)
