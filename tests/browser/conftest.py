"""A real headless Chromium for the HTML report, driven by Playwright's Python package.

Playwright never downloads a browser here: it launches the system Chromium (Debian's
``chromium``; ``CANARYSIM_CHROMIUM`` names another binary) with a fresh profile and every
background network feature off. Without Chromium or Playwright these tests are skipped with the
reason, except when ``CANARYSIM_BROWSER_REQUIRED=1`` (``tests/browser/run.sh``, called by CI):
then a missing browser is a failure.

Screenshots go to ``$CANARYSIM_ARTIFACTS`` (default ``ci-artifacts/`` at the repository root).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    named = os.environ.get("CANARYSIM_CHROMIUM")
    if named:
        return named if os.access(named, os.X_OK) else None
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CANARYSIM_BROWSER_REQUIRED") == "1":
        pytest.fail(f"browser tests required but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_context() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[browser]')")
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found (apt-get install chromium, or set CANARYSIM_CHROMIUM)")
    profile = tempfile.mkdtemp(prefix="canarysim-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("CANARYSIM_ARTIFACTS", ROOT / "ci-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
