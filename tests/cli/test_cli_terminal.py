"""Colour and the progress line appear only on a terminal (and colour never with NO_COLOR)."""

from __future__ import annotations

import io
import time

import pytest

from canarysim.report.progress import Progress
from canarysim.report.style import Style, wants_colour


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_colour(FakeTTY()) is True
    assert wants_colour(io.StringIO()) is False


@pytest.mark.parametrize(("name", "value"), [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_no_color_and_dumb_terminals_get_plain_text(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv(name, value)
    assert wants_colour(FakeTTY()) is False


def test_empty_no_color_does_not_disable_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value counts
    monkeypatch.setenv("TERM", "xterm")
    assert wants_colour(FakeTTY()) is True


def test_style_is_identity_without_colour() -> None:
    assert Style(False).word("✔") == "✔"
    assert Style(True).word("✔") == "\x1b[32m✔\x1b[0m"
    assert Style(True).word("canary") == "\x1b[33mcanary\x1b[0m"


def test_progress_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("simulating", stream=stream, delay=0.0):
        time.sleep(0.15)
    assert stream.getvalue() == ""


def test_progress_shows_after_the_delay_and_erases_itself_on_a_terminal() -> None:
    stream = FakeTTY()
    with Progress("simulating seed", stream=stream, delay=0.0):
        time.sleep(0.25)
    text = stream.getvalue()
    assert "simulating seed" in text
    assert text.endswith("\r\x1b[2K")


def test_short_runs_show_no_progress_even_on_a_terminal() -> None:
    stream = FakeTTY()
    with Progress("quick", stream=stream, delay=1.0):
        pass
    assert stream.getvalue() == ""


def test_progress_bar_draws_the_fraction_done() -> None:
    stream = FakeTTY()
    with Progress("simulating", stream=stream, delay=0.0) as progress:
        progress.update(0.5, "1h00m00s / 2h00m00s")
        time.sleep(0.25)
    line = stream.getvalue().split("\r")[-2]
    assert line == "simulating [" + "█" * 15 + "░" * 15 + "] 1h00m00s / 2h00m00s"
