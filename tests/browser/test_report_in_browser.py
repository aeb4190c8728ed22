"""The HTML report of every bundled scenario in a real headless Chromium (see browserkit.py).

Each report loads without a console error or a network request; its ``get rollout`` view
equals the Python renderer's at many instants; moving the slider to 60 minutes in the seed
report shows the pause and the 50/50 VirtualService exactly as ``canarysim get --at 60m`` prints
it; the numbers on the page agree with result.json. Expectations are derived from each run's
result.json, never from remembered numbers.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from browserkit import (
    SCENARIOS,
    SEED,
    Page,
    artifacts_dir,
    launched,
    pages,
    slug,
    write_reports,
)

from canarysim.cli import main
from canarysim.report.durations import offset
from canarysim.report.getview import analysis_created, render_rollout
from canarysim.report.html.data import manifests_yaml
from canarysim.result import Result

SCENARIOS_HERE = SCENARIOS


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


def _instants(result: Result, n: int = 12) -> list[float]:
    """Snapshot times, just after them, and an even grid: where the view is most likely to be
    wrong (changes) and where only ages move."""
    times = {0.0, float(result.until)}
    for s in result.snapshots:
        times |= {s.time, min(s.time + 0.5, result.until)}
    times |= {float(x) for x in np.linspace(0, result.until, n)}
    return sorted(t for t in times if 0 <= t <= result.until)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=slug)
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

    page.page.screenshot(path=str(artifacts / "seed-60m-1280-full.png"), full_page=True)
    shot = artifacts / "seed-60m-1280-full.png"
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


@pytest.mark.parametrize("scenario", SCENARIOS, ids=slug)
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
