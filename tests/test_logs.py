"""The daemon's log sinks (`ogsbot.bot.logs`): applied again on reload, escaped, checked."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from ogsbot.bot.config import LogConfig
from ogsbot.bot.logs import LogSetup, LogSetupError, escape_controls


@pytest.fixture
def setup() -> Iterator[tuple[LogSetup, io.StringIO]]:
    stream = io.StringIO()
    logs = LogSetup(stream)
    try:
        yield logs, stream
    finally:
        logs.close()


def open_files() -> set[str]:
    """The files this process has open now (from /proc)."""
    fds = Path("/proc/self/fd")
    out = set()
    for fd in os.listdir(fds):
        try:
            out.add(os.readlink(fds / fd))
        except OSError:
            continue
    return out


def test_a_new_log_section_replaces_the_old_sinks(
    setup: tuple[LogSetup, io.StringIO], tmp_path: Path
) -> None:
    logs, stream = setup
    first, second = tmp_path / "first.log", tmp_path / "logs" / "second.log"
    logs.apply(LogConfig(level="INFO", file=str(first)))
    logger.debug("debug one")
    logger.info("info one")
    assert str(first) in open_files()
    logs.apply(LogConfig(level="DEBUG", file=str(second)))
    logger.debug("debug two")
    assert str(first) not in open_files()  # the old file sink is closed
    assert str(second) in open_files()
    old, new = first.read_text(), second.read_text()
    assert "info one" in old and "debug one" not in old and "debug two" not in old
    assert "debug two" in new and "info one" not in new
    assert "info one" in stream.getvalue() and "debug two" in stream.getvalue()
    assert stream.getvalue().count("info one") == 1  # one stream sink at a time
    logs.apply(LogConfig(level="WARNING", file=None))
    logger.info("info three")
    assert str(second) not in open_files()
    assert "info three" not in stream.getvalue() + second.read_text()


def test_an_unusable_file_is_refused_and_the_old_sinks_kept(
    setup: tuple[LogSetup, io.StringIO], tmp_path: Path
) -> None:
    logs, stream = setup
    logs.apply(LogConfig(level="INFO"))
    (tmp_path / "plain").write_text("")
    bad = tmp_path / "plain" / "bot.log"
    with pytest.raises(LogSetupError) as caught:
        logs.apply(LogConfig(level="DEBUG", file=str(bad)))
    assert str(caught.value).startswith(f"log.file: cannot log to {bad}")
    logger.info("still here")
    logger.debug("not at debug")
    assert stream.getvalue().count("still here") == 1
    assert "not at debug" not in stream.getvalue()


def test_control_characters_are_escaped_in_every_message(
    setup: tuple[LogSetup, io.StringIO], tmp_path: Path
) -> None:
    logs, stream = setup
    file = tmp_path / "bot.log"
    logs.apply(LogConfig(level="INFO", file=str(file)))
    name = "eve\n2026-01-01 00:00:00.000 ERROR   forged\r\x1b[31mred\x1b[0m\x9b\u2028"
    logger.info("challenge from {}", name)
    for text in (stream.getvalue(), file.read_text()):
        assert text.count("\n") == 1, text
        assert "\x1b" not in text and "\r" not in text and "\x9b" not in text
        assert "eve\\n2026-01-01" in text and "\\x1b[31mred" in text and "\\u2028" in text
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("with a traceback")
    assert "Traceback" in stream.getvalue()  # tracebacks still print, on their own lines


def test_escape_controls() -> None:
    assert escape_controls("a\tb") == "a\tb"
    assert escape_controls("a\nb\rc\x00d\x7fe\x85") == "a\\nb\\rc\\x00d\\x7fe\\x85"
    assert escape_controls("Grüße 囲碁") == "Grüße 囲碁"


async def test_a_line_logged_for_a_game_names_it(setup: tuple[LogSetup, io.StringIO]) -> None:
    """Lines logged in a game's context, from any layer, start with the game's id (once)."""
    logs, stream = setup
    logs.apply(LogConfig(level="INFO"))

    async def engine_layer() -> None:
        logger.info("engine gave no reply to 'genmove W'")  # knows nothing of games

    with logger.contextualize(game=5991766):
        await engine_layer()
        logger.info("game 5991766 over: B+T (Timeout)")
    logger.info("realtime connection lost")
    lines = [line.split(None, 3)[3] for line in stream.getvalue().splitlines()]
    assert lines == [
        "game 5991766: engine gave no reply to 'genmove W'",
        "game 5991766 over: B+T (Timeout)",
        "realtime connection lost",
    ]


async def test_the_json_format_writes_one_object_per_line(
    setup: tuple[LogSetup, io.StringIO],
) -> None:
    """For log collectors: one JSON object a line, a game's lines with its id and opponent,
    control characters escaped by JSON itself, a traceback as one field."""
    logs, stream = setup
    logs.apply(LogConfig(level="INFO", format="json"))
    with logger.contextualize(game=77, opponent="evil\nINFO forged line"):
        logger.info("move 12 played")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("the session failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "move 12 played" and first["level"] == "INFO"
    assert (first["game"], first["opponent"]) == (77, "evil\nINFO forged line")
    assert first["time"][:4].isdigit() and "T" in first["time"]
    assert "game" not in second and "ValueError: boom" in second["exception"]


def test_a_games_lines_name_its_opponent(setup: tuple[LogSetup, io.StringIO]) -> None:
    logs, stream = setup
    logs.apply(LogConfig(level="INFO"))
    with logger.contextualize(game=42, opponent="alice"):
        logger.info("move 20: black 4:05, white 3:59")
    assert stream.getvalue().split(None, 3)[3].strip() == (
        "game 42 vs alice: move 20: black 4:05, white 3:59"
    )
