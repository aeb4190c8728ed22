"""IntOrString edges the mutation run found unpinned (``GetValueFromIntOrPercent``: ``%``
removed, the rest through Go's ``strconv.Atoi``, which takes one sign and ASCII digits only)."""

from __future__ import annotations

import re

import pytest

from canarysim.engine.replicas import parse_int_or_percent, weighted_split


@pytest.mark.parametrize(
    ("value", "expect"),
    [("+25%", (25, True)), ("-5%", (-5, True)), ("+7", (7, True))],
    ids=["plus sign", "minus sign", "signed without percent"],
)
def test_signed_percentages(value, expect):
    assert parse_int_or_percent(value) == expect


@pytest.mark.parametrize(
    "value",
    ["+-5%", "+%", "٣%", "２５%"],
    ids=["two signs", "sign alone", "arabic-indic digit", "fullwidth digits"],
)
def test_rejected_strings(value):
    with pytest.raises(ValueError, match=re.escape(f"invalid int-or-percent value {value!r}")):
        parse_int_or_percent(value)


@pytest.mark.parametrize("value", [True, 1.5, None])
def test_rejected_types(value):
    with pytest.raises(ValueError, match=re.escape(f"invalid int-or-percent value {value!r}")):
        parse_int_or_percent(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("replicas", "weight"), [(2, 75), (5, 90)])
def test_weighted_split_with_no_option_keeps_everything_on_stable(replicas, weight):
    # Argo's "should not get here": R * W / 100 = R - 0.5 without surge ties the floor away and
    # the ceiling (R) empties the stable, so no option is offered and the canary gets 0.
    assert weighted_split(replicas, weight, 0) == (0, replicas)
