"""choose: NumPy's categorical choice, the same draws and indices."""

from __future__ import annotations

import numpy as np
import pytest

from canarysim.sim.stochastic.rng import choose


@pytest.mark.parametrize("seed", range(40))
def test_choose_is_generator_choice_draw_for_draw(seed: int) -> None:
    meta = np.random.default_rng(seed)
    k = int(meta.integers(1, 10))
    p = meta.random(k)
    p[meta.random(k) < 0.3] = 0.0  # zero categories, first and last included
    if p.sum() == 0:
        p[-1] = 1.0
    p = p / p.sum()
    n = int(meta.choice([0, 1, 7, 1000, 60000]))
    a, b = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    want = a.choice(k, size=n, p=p)
    got = choose(b, p, n)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert a.random() == b.random()  # the stream moved as far


@pytest.mark.parametrize("p", [[0.5, 0.6], [np.nan, 1.0], [-0.1, 1.1]])
def test_probabilities_numpy_refuses_are_refused(p: list[float]) -> None:
    with pytest.raises(ValueError):
        choose(np.random.default_rng(0), np.asarray(p), 5)
