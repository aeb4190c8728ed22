"""The browser kit of tests/browser: find and launch Chromium, write reports, open a page.

Playwright's Python package drives the system Chromium (Debian's ``chromium``;
``CANARYSIM_CHROMIUM`` names another binary) and never downloads a browser: a fresh profile,
every background network feature off. Without Chromium or Playwright the tests are skipped with
the reason, except when ``CANARYSIM_BROWSER_REQUIRED=1`` (``tests/browser/run.sh``, called by CI):
then a missing browser is a failure. Screenshots go to ``$CANARYSIM_ARTIFACTS`` (default
``ci-artifacts/`` at the repository root). pytest puts this folder on ``sys.path`` when it loads
a test module from it, so the tests import this kit by name.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from canarysim.cli import main
from canarysim.result import Result

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(ROOT.glob("scenarios/**/scenario.yaml"))
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"

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


def chromium() -> str | None:
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


def unavailable(reason: str) -> None:
    if os.environ.get("CANARYSIM_BROWSER_REQUIRED") == "1":
        pytest.fail(f"browser tests required but {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def launched() -> Iterator[Any]:
    """A persistent Chromium context with a throw-away profile (skips or fails if absent)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[browser]')")
    executable = chromium()
    if executable is None:
        unavailable("no Chromium found (apt-get install chromium, or set CANARYSIM_CHROMIUM)")
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


def artifacts_dir() -> Path:
    path = Path(os.environ.get("CANARYSIM_ARTIFACTS", ROOT / "ci-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def slug(path: Path) -> str:
    return path.parent.name


def write_reports(root: Path, scenarios: Sequence[Path]) -> dict[Path, tuple[Path, Result]]:
    """Each scenario: ``run --out``, then ``canarysim report`` from the saved result.json."""
    out: dict[Path, tuple[Path, Result]] = {}
    for scenario in scenarios:
        folder = root / slug(scenario)
        code = main(["run", str(scenario), "--out", str(folder), "-q"], out=io.StringIO())
        assert code in (0, 1, 3)
        page = folder / "report.html"
        args = ["report", str(folder / "result.json"), "-o", str(page), "--scenario", str(scenario)]
        assert main(args, out=io.StringIO()) == 0
        out[scenario] = (page, Result.from_json((folder / "result.json").read_text("utf-8")))
    return out


@contextlib.contextmanager
def pages(context: Any) -> Iterator[Any]:
    """A function opening pages in ``context``; they are closed afterwards."""
    opened: list[Page] = []

    def open_page(path: Path, **kw: Any) -> Page:
        p = Page(context, path, **kw)
        opened.append(p)
        return p

    try:
        yield open_page
    finally:
        for p in opened:
            p.close()


class Page:
    """One opened report with everything the browser said and asked for."""

    def __init__(
        self, context: Any, path: Path, width: int = 1280, height: int = 900, fragment: str = ""
    ) -> None:
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": height})
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.console.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("html[data-ready=true]", timeout=15000)

    def scrub(self, seconds: float) -> None:
        """Move the slider as a user drags it: set its value, fire `input`."""
        self.page.eval_on_selector(
            "#scrub",
            "(el, v) => { el.value = String(v);"
            " el.dispatchEvent(new Event('input', {bubbles: true})); }",
            seconds,
        )

    def text(self, selector: str) -> str:
        return self.page.text_content(selector) or ""

    def time(self) -> float:
        return float(self.page.evaluate("CS.time()"))

    def close(self) -> None:
        self.page.close()

    def assert_clean(self) -> None:
        assert self.console == []
        assert self.requests == [self.url], "the page asked the network for something"
