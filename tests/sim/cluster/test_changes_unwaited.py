"""ChangeFeed leaves an event nothing waits on armed instead of firing it: a process that
starts waiting afterwards still gets the next change (and its value), as it did when the
feed fired and replaced the event on every change."""

from __future__ import annotations

import simpy

from canarysim.sim.cluster.changes import ChangeFeed


def test_unwaited_changes_schedule_nothing_and_a_later_waiter_gets_the_next() -> None:
    env = simpy.Environment()
    feed = ChangeFeed(env)
    feed.record("Pod/a", "status", "Pending", informer=False)
    feed.record("ReplicaSet/r", "replicas", 1, informer=True)
    assert env.peek() == float("inf")  # nothing was scheduled
    assert [c.value for c in feed.log] == ["Pending", 1]
    seen: list[tuple[float, str, object]] = []

    def waiter(name: str, event_of: str) -> object:
        change = yield getattr(feed, event_of)
        seen.append((env.now, name, change.value))

    def writer() -> object:
        yield env.timeout(5)
        feed.record("Pod/a", "status", "Running", informer=False)
        feed.record("ReplicaSet/r", "replicas", 2, informer=True)

    env.process(waiter("pods", "pods_changed"))
    env.process(waiter("informer", "changed"))
    env.process(writer())
    env.run()
    assert seen == [(5, "pods", "Running"), (5, "informer", 2)]


def test_a_waited_event_is_fired_and_replaced() -> None:
    env = simpy.Environment()
    feed = ChangeFeed(env)
    first = feed.pods_changed
    got: list[object] = []

    def waiter() -> object:
        change = yield first
        got.append(change.value)

    env.process(waiter())
    env.step()  # the process starts and waits on `first`
    feed.record("Pod/a", "status", "Pending", informer=False)
    assert feed.pods_changed is not first
    env.run()
    assert got == ["Pending"]
