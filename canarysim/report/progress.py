"""A progress line on stderr for simulations that take more than a second, on a terminal only.

The simulator runs in one call with no progress callback, so this shows the wall-clock time
spent so far with a spinner (on a separate thread) and erases itself when the run ends. It
never writes anything when stderr is not a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Progress:
    """``with Progress("simulating imesh-canary"): ...``; silent unless ``stream`` is a TTY."""

    def __init__(self, label: str, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def _run(self) -> None:
        start = time.monotonic()
        if self._stop.wait(self.delay):
            return
        i = 0
        while not self._stop.is_set():
            elapsed = time.monotonic() - start
            frame = _FRAMES[i % len(_FRAMES)]
            self.stream.write(f"\r{frame} {self.label} … {elapsed:4.1f}s")
            self.stream.flush()
            self._drawn = True
            i += 1
            self._stop.wait(0.1)

    def __enter__(self) -> Progress:
        isatty = getattr(self.stream, "isatty", None)
        if isatty and isatty():
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
