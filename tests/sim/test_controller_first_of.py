"""The controller's wait (``timeout | changed | wake`` without SimPy's Conditions) schedules
exactly as the Conditions do: other processes of the same instant see the same order."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from canarysim.sim.controller.loop import _first_of

Wait = Callable[[simpy.Environment, simpy.Event, simpy.Event, simpy.Event], simpy.Event]


def _conditions(
    env: simpy.Environment, timeout: simpy.Event, changed: simpy.Event, wake: simpy.Event
) -> simpy.Event:
    return timeout | changed | wake


def _trace(
    wait: Wait,
    timeout_at: float,
    changed_at: float | None,
    wake_at: float | None,
    early: tuple[bool, bool],
) -> list[tuple[float, str]]:
    env = simpy.Environment()
    log: list[tuple[float, str]] = []
    changed, wake = env.event(), env.event()
    if early[0]:
        wake.succeed()  # triggered before the wait starts (a wake during the reconcile)

    def waiter() -> Generator[simpy.Event, Any, None]:
        for _ in range(3):
            yield wait(env, env.timeout(timeout_at), changed, wake)
            log.append((env.now, "resumed"))

    def firer(at: float | None, event: simpy.Event, name: str) -> Generator[simpy.Event, Any, None]:
        if at is None:
            return
        yield env.timeout(at)
        if not event.triggered:
            event.succeed()
        log.append((env.now, name))

    def bystander(name: str) -> Generator[simpy.Event, Any, None]:
        # other processes of the same instants, some waiting on the same events
        for _ in range(6):
            yield env.timeout(0.5) | changed
            log.append((env.now, name))
            yield env.timeout(0)
            log.append((env.now, name + "+0"))

    if early[1]:
        env.process(bystander("b0"))
    env.process(waiter())
    env.process(firer(changed_at, changed, "changed"))
    env.process(firer(wake_at, wake, "wake"))
    env.process(bystander("b1"))
    env.run(until=10)
    return log


@pytest.mark.parametrize(
    ("timeout_at", "changed_at", "wake_at", "early"),
    list(
        itertools.product(
            (0.0, 0.5, 1.0, 3.0),
            (None, 0.0, 0.5, 1.0),
            (None, 0.0, 0.5, 1.0),
            ((False, False), (True, False), (False, True), (True, True)),
        )
    ),
)
def test_same_order_as_the_conditions(
    timeout_at: float, changed_at: float | None, wake_at: float | None, early: tuple[bool, bool]
) -> None:
    assert _trace(_first_of, timeout_at, changed_at, wake_at, early) == _trace(
        _conditions, timeout_at, changed_at, wake_at, early
    )
