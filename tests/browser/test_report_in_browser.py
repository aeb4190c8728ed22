"""The HTML report in a real headless Chromium.

Each bundled scenario's report loads without a console error or a network request; its
``get rollout`` view equals the Python renderer's at many instants; moving the slider to 60
minutes in the seed report shows the pause and the 50/50 VirtualService exactly as
``canarysim get --at 60m`` prints it; keys, buttons and hover work; the numbers on the page
agree with result.json; the page fits a 1280 px desktop and a 390 px phone. Expectations are
derived from each run's result.json, never from remembered numbers.

The browser is driven by Playwright's Python package, which never downloads a browser here: it
launches the system Chromium (Debian's ``chromium``; ``CANARYSIM_CHROMIUM`` names another binary)
with a fresh profile and every background network feature off. Without Chromium or Playwright
these tests are skipped with the reason, except when ``CANARYSIM_BROWSER_REQUIRED=1``
(``tests/browser/run.sh``, called by CI): then a missing browser is a failure. Screenshots go to
``$CANARYSIM_ARTIFACTS`` (default ``ci-artifacts/`` at the repository root).
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from canarysim.cli import main
from canarysim.report.durations import offset
from canarysim.report.getview import analysis_created, render_rollout
from canarysim.report.html.data import manifests_yaml
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


def _slug(path: Path) -> str:
    return path.parent.name


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple[Path, Result]]:
    """Every bundled scenario: run --out, then `canarysim report` from the saved result.json."""
    out: dict[Path, tuple[Path, Result]] = {}
    root = tmp_path_factory.mktemp("reports")
    for scenario in SCENARIOS:
        folder = root / _slug(scenario)
        assert main(["run", str(scenario), "--out", str(folder), "-q"], out=io.StringIO()) in (
            0,
            1,
            3,
        )
        page = folder / "report.html"
        args = ["report", str(folder / "result.json"), "-o", str(page), "--scenario", str(scenario)]
        assert main(args, out=io.StringIO()) == 0
        result = Result.from_json((folder / "result.json").read_text("utf-8"))
        out[scenario] = (page, result)
    return out


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


@pytest.fixture
def opened(browser_context: Any):
    pages: list[Page] = []

    def open_page(path: Path, **kw: Any) -> Page:
        p = Page(browser_context, path, **kw)
        pages.append(p)
        return p

    yield open_page
    for p in pages:
        p.close()


def _instants(result: Result, n: int = 12) -> list[float]:
    """Snapshot times, just after them, and an even grid: where the view is most likely to be
    wrong (changes) and where only ages move."""
    times = {0.0, float(result.until)}
    for s in result.snapshots:
        times |= {s.time, min(s.time + 0.5, result.until)}
    times |= {float(x) for x in np.linspace(0, result.until, n)}
    return sorted(t for t in times if 0 <= t <= result.until)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_slug)
def test_each_report_loads_cleanly_and_renders_get_rollout_like_python(
    opened: Any, reports: dict, scenario: Path
) -> None:
    path, result = reports[scenario]
    page = opened(path)
    hints = analysis_created(result.snapshots)
    instants = _instants(result)
    rendered = page.page.evaluate(
        """ts => {
            const R = JSON.parse(document.getElementById('canarysim-data').textContent).run;
            const gv = CS.getview;
            return ts.map(t => gv.renderRollout(gv.statusAt(R.snapshots, t), t, R.analysisCreated));
        }""",
        instants,
    )
    for t, got in zip(instants, rendered, strict=True):
        want = render_rollout(result.status_at(t), now=t, analysis_created=hints)
        assert got == want, f"get rollout view differs at t={t}"
    # and through the page itself, as a user scrubs
    for t in sorted({math.floor(t) for t in instants[:: max(1, len(instants) // 8)]}):
        page.scrub(t)  # the slider moves in whole seconds
        shown = page.text("#getview")
        assert shown == render_rollout(result.status_at(t), now=t, analysis_created=hints)
        assert page.text("#clock") == offset(t)
    page.assert_clean()


def test_seed_report_at_60_minutes_shows_the_pause_and_the_50_50_virtualservice(
    opened: Any, reports: dict, artifacts: Path
) -> None:
    path, result = reports[SEED]
    page = opened(path)
    page.scrub(3600)
    view = page.text("#getview")
    lines = [line.split() for line in view.splitlines()]
    assert ["Status:", "॥", "Paused"] in lines
    assert ["Step:", "1/2"] in lines
    assert ["SetWeight:", "50"] in lines
    assert ["ActualWeight:", "50"] in lines
    # exactly what `canarysim get --at 60m` prints
    out = io.StringIO()
    assert main(["get", str(SEED), "--at", "60m", "--color", "never"], out=out) == 0
    assert view == out.getvalue()

    # the VirtualService in effect splits 50/50, as result.json has it at that instant
    docs = [yaml.safe_load(pre.text_content()) for pre in page.page.query_selector_all("pre.yaml")]
    vs = [d for d in docs if d["kind"] == "VirtualService"]
    assert vs, "no VirtualService shown"
    weights = sorted(r.get("weight") for d in vs for h in d["spec"]["http"] for r in h["route"])
    assert weights == [50, 50]
    want = result.manifests_at(3600)
    shown = [pre.text_content() for pre in page.page.query_selector_all("pre.yaml")]
    assert shown == [o["yaml"] for o in manifests_yaml(want)]
    assert page.page.is_visible("pre.yaml[data-kind=VirtualService]")

    # numbers on the page against result.json
    for dest in ("canary", "stable"):
        got = page.text(f"#now-weight-{dest}").removesuffix(" %")
        assert float(got) == result.series_at(f"weight.{dest}", 3600)
    assert page.text("#phase").startswith("Paused")
    assert page.text("#now-step").startswith("pause")

    page.page.screenshot(path=str(artifacts / "seed-60m-1280.png"), full_page=True)
    shot = artifacts / "seed-60m-1280.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.assert_clean()


def _expected_so_far(result: Result, t: float) -> dict[str, tuple[int, int]]:
    """Requests and errors per image over the series rows that started before t, mapping each
    role's column to the image its ReplicaSet ran (computed here from result.json alone)."""
    times = np.asarray(result.series["time"], dtype=float)
    totals: dict[str, list[int]] = {}
    for i, start in enumerate(times):
        if start >= t and t < result.until:
            break
        snap = result.status_at(float(start))
        for col in result.series:
            if not col.startswith("requests."):
                continue
            version = col.removeprefix("requests.")
            label = next(
                (rs.image for rs in snap.replica_sets if rs.role == version),
                version if version in ("stable", "canary") else f"({version.strip('()')})",
            )
            req = result.series[col][i]
            err = result.series.get(f"errors.{version}", np.zeros(len(times)))[i]
            slot = totals.setdefault(label, [0, 0])
            slot[0] += 0 if math.isnan(req) else int(req)
            slot[1] += 0 if math.isnan(err) else int(err)
    return {k: (v[0], v[1]) for k, v in totals.items() if v[0] or v[1]}


def _shown_so_far(page: Page) -> dict[str, tuple[int, int]]:
    rows = page.page.eval_on_selector_all(
        "#sofar tbody tr",
        "trs => trs.map(tr => [tr.dataset.label, ...[...tr.cells].map(c => c.textContent)])",
    )
    return {r[0]: (int(r[2]), int(r[3])) for r in rows if int(r[2]) or int(r[3])}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_slug)
def test_traffic_and_analysis_numbers_match_result_json(
    opened: Any, reports: dict, scenario: Path
) -> None:
    path, result = reports[scenario]
    page = opened(path)
    for t in (result.until / 3, result.until / 2, float(result.until)):
        page.scrub(round(t))
        assert _shown_so_far(page) == _expected_so_far(result, round(t))
        shown = page.page.eval_on_selector_all(
            "#analysis tbody tr", "trs => trs.map(tr => [...tr.cells].map(c => c.textContent))"
        )
        want = [m for m in result.measurements if m["time"] <= round(t)]
        assert sorted((r[1], r[4]) for r in shown) == sorted(
            (m["metric"], m["value"]) for m in want
        )
    # at the end every request of the run is on the page
    total = sum(v[0] for v in _shown_so_far(page).values())
    cols = [c for c in result.series if c.startswith("requests.")]
    assert total == int(sum(np.nansum(result.series[c]) for c in cols))
    page.assert_clean()


def test_keyboard_buttons_play_and_hover(opened: Any, reports: dict) -> None:
    path, result = reports[SEED]
    page = opened(path)
    instants = sorted(
        {round(e["time"], 6) for e in result.events} | {round(s.time, 6) for s in result.snapshots}
    )
    instants = [t for t in instants if 0 < t < result.until]
    page.page.focus("#scrub")
    page.page.keyboard.press("End")
    assert page.time() == result.until and page.text("#clock") == offset(result.until)
    page.page.keyboard.press("Home")
    assert page.time() == 0
    page.page.keyboard.press("n")
    assert page.time() == pytest.approx(instants[0])
    page.page.keyboard.press("n")
    assert page.time() == pytest.approx(instants[1])
    page.page.keyboard.press("p")
    assert page.time() == pytest.approx(instants[0])
    page.scrub(1000)
    page.page.focus("#scrub")
    page.page.keyboard.press("ArrowRight")
    assert page.time() == 1010
    page.page.keyboard.press("Shift+ArrowLeft")
    assert page.time() == 950
    page.page.keyboard.press("PageUp")
    assert page.time() == 1550
    page.page.click("#next-event")
    assert page.time() == pytest.approx(min([t for t in instants if t > 1550] or [result.until]))
    page.page.click("#prev-event")
    assert page.time() == pytest.approx(max(t for t in instants if t <= 1550))
    # the scrubber tells assistive technology where it is
    assert page.page.get_attribute("#scrub", "aria-valuetext") == page.text("#clock")

    page.scrub(1000)
    page.page.click("#play")
    page.page.wait_for_function("() => CS.time() > 1000", timeout=5000)
    assert page.page.get_attribute("#play", "aria-pressed") == "true"
    page.page.click("#play")
    stopped = page.time()
    page.page.wait_for_timeout(300)
    assert page.time() == stopped

    # every chart has its cursor at the chosen instant; hovering shows values
    page.scrub(3600)
    charts = page.page.query_selector_all("figure.chart")
    assert len(charts) >= 5
    xs = {
        c.eval_on_selector(".cursor", "l => l.getAttribute('x1')") for c in charts
    }  # same axis, same x
    assert len(xs) == 1
    box = page.page.query_selector("#chart-weight .overlay").bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.text("#chart-weight .tip")
    assert "canary:" in tip and "stable:" in tip
    page.assert_clean()


def test_fits_a_desktop_and_a_phone(opened: Any, reports: dict, artifacts: Path) -> None:
    path, _ = reports[SEED]
    for width, height in ((1280, 900), (390, 844)):
        page = opened(path, width=width, height=height)
        page.scrub(3600)
        overflow = page.page.evaluate(
            "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways at {width} px"
        for sel in ("#scrub", "#play", "#getview", "#chart-weight svg"):
            box = page.page.query_selector(sel).bounding_box()
            assert (
                box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
            )
        page.page.screenshot(path=str(artifacts / f"seed-60m-{width}.png"), full_page=False)
        page.assert_clean()


def test_faults_are_marked_on_every_chart(opened: Any, reports: dict, tmp_path: Path) -> None:
    from dataclasses import replace

    from canarysim.report.html import run_page, write_html

    _, result = reports[SEED]
    faults = [
        {
            "time": t,
            "kind": "Warning",
            "object": "Pod/x",
            "reason": "FaultInjected",
            "message": f"killed pod {i}",
            "source": "fault",
        }
        for i, t in enumerate((1200.0, 2400.0))
    ]
    events = sorted([*result.events, *faults], key=lambda e: e["time"])
    path = write_html(tmp_path / "faults.html", run_page(replace(result, events=events)))
    page = opened(path)
    charts = page.page.query_selector_all("figure.chart")
    for chart in charts:
        assert len(chart.query_selector_all(".mark-fault")) == len(faults)
    legend = page.text("#chart-weight .legend")
    assert "fault 20m00s: killed pod 0" in legend and "fault 40m00s: killed pod 1" in legend
    page.page.focus("#scrub")
    page.scrub(1000)
    page.page.keyboard.press("n")
    # a fault is an event the scrubber can jump to
    later = [e["time"] for e in events if e["time"] > 1000] + [
        s.time for s in result.snapshots if s.time > 1000
    ]
    assert page.time() == pytest.approx(min(later)) and min(later) <= 1200.0
    page.assert_clean()


def test_the_address_keeps_the_instant(opened: Any, reports: dict) -> None:
    path, result = reports[SEED]
    page = opened(path, fragment="#t=3600")
    assert page.time() == 3600 and page.text("#clock") == offset(3600)
    assert page.text("#getview") == render_rollout(
        result.status_at(3600), now=3600, analysis_created=analysis_created(result.snapshots)
    )
    page.scrub(1234)
    assert page.page.evaluate("location.hash") == "#t=1234"
    page.assert_clean()
