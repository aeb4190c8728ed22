"""A progress bar on stderr for simulations that take more than a second, on a terminal only.

The caller advances the simulation in slices and reports the fraction of simulated time done
(:meth:`Progress.update`); a background thread draws ``[█████░░░░░]  1h05m00s / 2h00m00s``
once a second has passed, and erases the line when the run ends. Off a terminal it is
inactive and writes nothing, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TextIO

_WIDTH = 30


class Progress:
    """``with Progress("simulating imesh-canary") as p: ... p.update(0.5, "1h / 2h")``."""

    def __init__(self, label: str, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        isatty = getattr(self.stream, "isatty", None)
        self.active = bool(isatty and isatty())
        self._fraction = 0.0
        self._detail = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def update(self, fraction: float, detail: str = "") -> None:
        """Record progress (0..1) and a short detail; drawing happens on the thread."""
        self._fraction = min(1.0, max(0.0, fraction))
        self._detail = detail

    def _line(self) -> str:
        done = round(self._fraction * _WIDTH)
        bar = "█" * done + "░" * (_WIDTH - done)
        return f"\r{self.label} [{bar}] {self._detail}"

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self.stream.write(self._line())
            self.stream.flush()
            self._drawn = True
            self._stop.wait(0.1)

    def __enter__(self) -> Progress:
        if self.active:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self._drawn:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
