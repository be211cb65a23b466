"""Event callbacks of every shape ogsapi's users write, and failures that are never silent."""

from __future__ import annotations

from typing import Any

import pytest
from loguru import logger

from ogsbot.ogs.callbacks import adapt

Seen = list[tuple[Any, ...]]


def test_every_handler_shape_gets_what_it_asks_for() -> None:
    seen: Seen = []

    def data_only(data: dict[str, Any]) -> None:  # the usage text's handlers
        seen.append(("data", data))

    def pair(event: str, data: Any) -> None:
        seen.append(("pair", event, data))

    def keywords(**kwargs: Any) -> None:
        seen.append(("kw", kwargs))

    class Game:  # the usage text's class: a bound method named as ogsapi calls it
        def event_handler(self, event_name: str, data: dict[str, Any]) -> None:
            seen.append(("bound", event_name, data))

    for handler in (data_only, pair, keywords, Game().event_handler):
        adapt(handler)("move", {"n": 1})
    adapt(lambda: seen.append(("none",)))("move", {"n": 1})
    assert seen == [
        ("data", {"n": 1}),
        ("pair", "move", {"n": 1}),
        ("kw", {"event_name": "move", "data": {"n": 1}}),
        ("bound", "move", {"n": 1}),
        ("none",),
    ]


def test_a_type_error_inside_a_handler_is_its_own_not_a_wrong_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[Any] = []

    def handler(data: Any) -> None:
        calls.append(data)
        raise TypeError("a bug in the handler")

    adapt(handler)("gamedata", {"x": 1})
    assert calls == [{"x": 1}]  # called once, with the data: no second guess at the shape
    assert "TypeError: a bug in the handler" in capsys.readouterr().err


def test_a_failing_handler_is_reported_with_its_name_logging_on_or_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def on_clock(data: Any) -> None:
        raise KeyError("black_time")

    logger.disable("ogsbot")
    adapt(on_clock)("clock", {})
    err = capsys.readouterr().err
    assert "callback test_a_failing_handler_is_reported_with_its_name_logging_on_or_off" in err
    assert "on_clock failed on event 'clock'" in err and "KeyError: 'black_time'" in err

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="ERROR")
    logger.enable("ogsbot")
    try:
        adapt(on_clock)("clock", {})
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")
    assert any("on_clock failed on clock" in line for line in lines)
    assert "failed on event" not in capsys.readouterr().err  # once, through the log
