"""Named random streams: reproducible, and independent of who else draws."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.sim.stochastic.rng import Streams, name_key


def test_same_seed_same_draws() -> None:
    a, b = Streams(42), Streams(42)
    assert np.array_equal(a["traffic"].random(100), b["traffic"].random(100))


def test_a_stream_is_one_generator_that_continues() -> None:
    s = Streams(1)
    first = s["pods"].random()
    second = s["pods"].random()
    assert s["pods"] is s["pods"]
    assert first != second
    assert Streams(1).fresh("pods").random() == first


def test_adding_a_consumer_shifts_no_other_stream() -> None:
    plain = Streams(3)
    busy = Streams(3)
    busy["faults"].random(1000)  # a new consumer draws a lot, first
    busy["analysis"].normal(size=10)
    assert np.array_equal(plain["traffic"].random(50), busy["traffic"].random(50))


def test_request_order_does_not_matter() -> None:
    a, b = Streams(9), Streams(9)
    xa = a["latency"].random(5), a["errors"].random(5)
    yb = b["errors"].random(5)
    xb = b["latency"].random(5)
    assert np.array_equal(xa[0], xb) and np.array_equal(xa[1], yb)


def test_streams_differ_by_name_and_by_seed() -> None:
    s = Streams(5)
    assert s["traffic"].random() != s["latency"].random()
    assert Streams(5)["traffic"].random() != Streams(6)["traffic"].random()


def test_child_families_are_independent_and_reproducible() -> None:
    a, b = Streams(11).child("analysis"), Streams(11).child("analysis")
    assert a["run-1"].random() == b["run-1"].random()
    assert Streams(11)["analysis"].random() != Streams(11).child("analysis")["run-1"].random()


def test_name_key_is_stable() -> None:
    # SHA-256 based: the same on every platform and Python version (no salted hash()).
    assert name_key("traffic") == name_key("traffic")
    assert len(name_key("traffic")) == 4
    assert all(0 <= w < 2**32 for w in name_key("pods"))
    assert Streams(0)["pods"].integers(0, 2**31) == Streams(0)["pods"].integers(0, 2**31)


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_seed_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        Streams(bad)  # type: ignore[arg-type]


def test_seed_is_reported() -> None:
    assert Streams(123).seed == 123


def test_a_lazy_stream_draws_as_the_stream_and_is_made_at_its_first_use() -> None:
    s, plain = Streams(13), Streams(13)
    lazy = s.lazy("analysis")
    assert s.names() == []  # not made yet
    assert lazy.random() == plain["analysis"].random()
    assert s.names() == ["analysis"]
    # the same stream afterwards, whichever way it is reached
    assert s["analysis"].random() == plain["analysis"].random()
    assert lazy.normal(size=3).tolist() == plain["analysis"].normal(size=3).tolist()
    assert s.lazy("analysis") is s["analysis"]
