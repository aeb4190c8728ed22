"""Using the seed scenario's HTML report in a real headless Chromium (see browserkit.py): keys,
buttons, play, hover, the address, faults on the charts, a desktop and a phone screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import SEED, artifacts_dir, launched, pages, write_reports

from canarysim.report.durations import offset
from canarysim.report.getview import analysis_created, render_rollout
from canarysim.result import Result

SCENARIOS_HERE = [SEED]


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with launched() as context:
        yield context


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple[Path, Result]]:
    return write_reports(tmp_path_factory.mktemp("reports"), SCENARIOS_HERE)


@pytest.fixture
def opened(browser_context: Any) -> Iterator[Any]:
    with pages(browser_context) as open_page:
        yield open_page


@pytest.fixture(scope="module")
def artifacts() -> Path:
    return artifacts_dir()


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
