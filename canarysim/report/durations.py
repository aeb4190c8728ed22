"""How canarysim writes times: Kubernetes' ages and our simulated offsets.

Two formats, for two audiences:

* :func:`human_duration` is Kubernetes' ``HumanDuration`` (apimachinery ``util/duration``), the
  "7d" / "3h59m" / "65s" that ``kubectl`` prints in AGE columns and that
  ``kubectl argo rollouts get rollout`` uses for ages and ``delay:`` tags. It keeps two or three
  significant figures and truncates, never rounds.
* :func:`offset` is a simulated instant, seconds since the run started, written with a fixed
  shape (``  5m00s``, `` 1h05m00s``) so a column of them lines up and sorts by eye.
"""

from __future__ import annotations

import math


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration`` of ``seconds``.

    Rules as apimachinery ``util/duration/duration.go::HumanDuration`` applies them (every
    division truncates):

    >>> [human_duration(s) for s in (0, 65, 119, 120, 125, 600, 3599, 3 * 3600 + 60)]
    ['0s', '65s', '119s', '2m', '2m5s', '10m', '59m', '3h1m']
    >>> [human_duration(h * 3600) for h in (8, 47, 48, 50, 7 * 24, 30 * 24)]
    ['8h', '47h', '2d', '2d2h', '7d', '30d']
    """
    secs = math.trunc(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d" if rest == 0 else f"{days}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{years}y"


def offset(seconds: float, width: int = 0) -> str:
    """A simulated instant as ``[Hh]MMmSSs``, truncated to the second, right-aligned to ``width``.

    >>> offset(0), offset(300), offset(3905.9), offset(300, width=7)
    ('0m00s', '5m00s', '1h05m05s', '  5m00s')
    """
    total = max(0, math.floor(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
    return text.rjust(width)


def span(seconds: float, *, round_up: bool = False) -> str:
    """A length of simulated time, compact, truncated to the second (``round_up``: rounded up,
    as a countdown shows what is left).

    >>> span(0), span(45), span(90), span(3600), span(3630), span(5430.5)
    ('0s', '45s', '1m30s', '1h', '1h00m30s', '1h30m30s')
    >>> span(3599.4), span(3599.4, round_up=True)
    ('59m59s', '1h')
    """
    total = max(0, math.ceil(seconds - 1e-9) if round_up else math.floor(seconds + 1e-9))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        if not minutes and not secs:
            return f"{hours}h"
        if not secs:
            return f"{hours}h{minutes:02d}m"
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m" if not secs else f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def percent(fraction: float) -> str:
    """A share as a short percentage: three significant digits, no exponent.

    >>> percent(1.0), percent(0.16), percent(0.0011), percent(0.000083), percent(0.0)
    ('100%', '16%', '0.11%', '<0.01%', '0%')
    """
    pct = 100.0 * fraction
    if pct == 0:
        return "0%"
    if pct < 0.01:
        return "<0.01%"
    return f"{pct:.3g}%"
