"""The sample table's selection by label matchers is the plain filter of every series."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.lang.promql.parse import parse
from canarysim.sim.metrics.samples import SampleTable

SERIES = [
    {"code": "200", "pod": "a"},
    {"code": "503", "pod": "a"},
    {"code": "200", "pod": "b", "zone": "x"},
    {"code": "504", "pod": "c", "zone": "y"},
    {"code": "503"},
]


def _table() -> SampleTable:
    table = SampleTable(15.0, 0.0, None)
    for i, labels in enumerate(SERIES):
        row = table.row("m", labels)
        table.current[row] = float(i)
        table.live[row] = i != 1  # one series never exported: no samples
    table.row("other", {"code": "200"})
    table.scrape()
    table.scrape()
    return table


@pytest.mark.parametrize(
    "selector",
    [
        'm{code="200"}',
        'm{code=~"5.."}',
        'm{code!~"5..",pod="a"}',
        'm{zone=""}',  # an absent label reads as empty: series without a zone
        'm{zone!=""}',
        'm{zone=~"x|"}',  # x, or no zone at all
        'm{pod!="a"}',  # the series without a pod too
        'm{nothing="here"}',
        "m",
    ],
)
def test_matchers_select_what_a_filter_of_every_series_selects(selector: str) -> None:
    table = _table()
    matchers = [m for m in parse(selector).matchers if m.name != "__name__"]
    chosen = [labels for labels, *_ in table.select_ends("m", matchers)]
    expected = [
        labels
        for labels, *_ in table.select_ends("m")
        if all(m.matches(labels.get(m.name, "")) for m in matchers)
    ]
    assert chosen == expected


def test_a_series_never_exported_has_no_samples_and_an_ended_one_a_marker() -> None:
    table = _table()
    table.end([0, 1])  # the second was never exported: nothing to mark
    table.scrape()
    got = {labels["code"] + labels.get("pod", ""): (list(v), end) for labels, _, v, end in
           table.select_ends("m")}  # fmt: skip
    assert got["200a"] == ([0.0, 0.0], 30.0)
    assert got["503a"] == ([], None)
    assert got["503"] == ([4.0, 4.0, 4.0], None)
    assert np.array_equal(table.scrape_times, [0.0, 15.0, 30.0])
