"""The daemon under conditions that happen on OGS: bursts of challenges, a second instance,
challenges its engine cannot play, an unreachable server, signals during a quit."""

from __future__ import annotations

import asyncio
import io
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from ogsbot.bot.config import load_config
from ogsbot.bot.daemon import Daemon
from ogsbot.bot.logs import LogSetup
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.server import Emulator
from test_daemon import API_KEY, bot_config, emu, running

from support import gnugo_argv, randomgo_argv, until

__all__ = ["emu"]

LIVE = TimeControl.from_json(
    {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}
)
CORRESPONDENCE = TimeControl.from_json(
    {"system": "fischer", "initial_time": 86400 * 3, "time_increment": 86400, "max_time": 86400 * 7}
)


def challenge_from(
    emu: Emulator, username: str, tc: TimeControl = LIVE, **game: Any
) -> tuple[int, int]:
    """`username` (created if needed) challenges the bot; (challenge id, game id)."""
    human = emu.accounts.by_name(username) or emu.add_human(username, f"pw-{username}-0123")
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    request = ChallengeRequest(tc, opponent="gnubot", **{"width": 9, "height": 9, **game})
    record = emu.create_challenge(human, bot, request.to_json())
    return record.id, record.game_id


def started(emu: Emulator) -> list[int]:
    """The games the bot was put in."""
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    return [g for g, r in emu.games.items() if bot.id in (r.black.id, r.white.id)]


def answered(emu: Emulator, ids: list[int]) -> bool:
    return not any(cid in emu.challenges for cid in ids)


async def test_challenges_that_arrive_together_respect_max_games(
    emu: Emulator, tmp_path: Path
) -> None:
    """60 challenges inside one accept round trip: exactly `max_games` start."""
    limits = {"max_games": 5, "speeds": {"live": {"max_games": 10}}}
    daemon = Daemon(bot_config(emu, tmp_path, challenges=limits))
    async with running(daemon):
        ids = [challenge_from(emu, f"burst{n}")[0] for n in range(60)]
        await until(lambda: answered(emu, ids), 60, "every challenge answered")
        await asyncio.sleep(0.5)
        assert len(started(emu)) == 5
        assert daemon.load().total <= 5


async def test_one_player_gets_one_game_however_fast_they_challenge(
    emu: Emulator, tmp_path: Path
) -> None:
    daemon = Daemon(
        bot_config(
            emu,
            tmp_path,
            challenges={
                "max_games": 50,
                "max_games_per_player": 1,
                "speeds": {"live": {"max_games": 50}},
            },
        )
    )
    async with running(daemon):
        ids = [challenge_from(emu, "eager")[0] for _ in range(30)]
        await until(lambda: answered(emu, ids), 60, "every challenge answered")
        await asyncio.sleep(0.5)
        assert len(started(emu)) == 1


async def test_challenges_pending_at_login_respect_max_games(emu: Emulator, tmp_path: Path) -> None:
    """An ordinary restart: correspondence challenges wait for the bot, which comes back
    with games still in play; all of them count."""
    config = bot_config(emu, tmp_path, challenges={"max_games": 4, "max_games_per_player": 9})
    daemon = Daemon(config)
    async with running(daemon):
        _, first = challenge_from(emu, "before", CORRESPONDENCE)
        await until(lambda: first in daemon.games, 20, "the first game")
    ids = [challenge_from(emu, f"waiting{n}", CORRESPONDENCE)[0] for n in range(15)]
    daemon = Daemon(config)
    async with running(daemon):
        await until(lambda: answered(emu, ids), 60, "every challenge answered")
        await asyncio.sleep(0.5)
        assert len(started(emu)) == 4  # the one in play and three new


async def test_a_second_daemon_for_the_same_bot_refuses_to_run(
    emu: Emulator, tmp_path: Path
) -> None:
    first = Daemon(bot_config(emu, tmp_path), lock_dir=tmp_path / "locks")
    async with running(first):
        second = Daemon(bot_config(emu, tmp_path), lock_dir=tmp_path / "locks")
        with pytest.raises(RuntimeError, match="already running"):
            await asyncio.wait_for(second.run(handle_signals=False), 10)
        connected = [c for c in emu.clients if c.account and c.account.username == "gnubot"]
        assert len(connected) == 1  # the second never logged in
    third = Daemon(bot_config(emu, tmp_path), lock_dir=tmp_path / "locks")
    async with running(third):  # the first one stopped: its lock went with it
        pass


@pytest.mark.parametrize(
    ("width", "height", "code"),
    [(9, 7, "board_size_not_square"), (21, 21, "board_size_not_allowed")],
)
async def test_challenges_the_engine_cannot_play_are_declined(
    emu: Emulator, tmp_path: Path, width: int, height: int, code: str
) -> None:
    """GNU Go has no rectangular_boardsize and stops at 19x19: the rules allow the board,
    the engine cannot play it, so the challenge is declined, not accepted then resigned."""
    sizes = {"board_sizes": {"width": [5, 25], "height": [5, 25]}}
    daemon = Daemon(bot_config(emu, tmp_path, challenges=sizes))
    async with running(daemon):
        cid, game_id = challenge_from(emu, "odd", width=width, height=height)
        await until(lambda: answered(emu, [cid]), 30, "the answer")
        assert game_id not in emu.games
        assert daemon.declined == [(cid, code)]
        cid, game_id = challenge_from(emu, "square")
        await until(lambda: game_id in emu.games, 30, "a 9x9 game the engine can play")


async def test_an_engine_that_cannot_start_declines_instead_of_resigning(
    emu: Emulator, tmp_path: Path
) -> None:
    broken = [sys.executable, "-c", "raise SystemExit(3)"]  # dies before answering anything
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": broken}))
    async with running(daemon):
        cid, game_id = challenge_from(emu, "nobody")
        await until(lambda: answered(emu, [cid]), 30, "the answer")
        assert game_id not in emu.games
        assert daemon.declined == [(cid, "not_accepting_new_challenges")]


async def test_a_stop_while_the_server_is_unreachable_ends_the_daemon(tmp_path: Path) -> None:
    """SIGINT/SIGTERM are honoured while the login is still being retried."""
    unreachable = Emulator()
    await unreachable.start()
    url = unreachable.url
    await unreachable.stop()  # nothing listens on its port any more
    config = bot_config(unreachable, tmp_path)
    daemon = Daemon(config, server=url)
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await asyncio.sleep(1.0)
    assert not task.done()
    daemon.stop()
    assert await asyncio.wait_for(task, 10) == 0


async def test_a_second_stop_during_the_quit_starts_no_session(
    emu: Emulator, tmp_path: Path
) -> None:
    """While the sessions are being stopped, the server still pushes active games (a
    reconnect lists them all): none starts a session on a closing engine manager."""
    errors: list[str] = []
    logger.enable("ogsbot")
    sink = logger.add(lambda m: errors.append(str(m)), level="ERROR")
    try:
        daemon = Daemon(bot_config(emu, tmp_path, shutdown_wait=30))
        task = asyncio.create_task(daemon.run(handle_signals=False))
        await asyncio.wait_for(daemon.ready.wait(), 10)
        games = [challenge_from(emu, f"pusher{n}")[1] for n in range(3)]
        await until(lambda: all(g in daemon.games for g in games), 20, "the games")
        daemon.stop()
        await asyncio.sleep(0.2)
        daemon.stop()
        while not task.done():
            emu.drop_connections("gnubot")  # each reconnect pushes the games again
            for game_id in games:
                if game_id in emu.games:
                    emu.push_to_account(
                        emu.accounts.by_name("gnubot").id,  # type: ignore[union-attr]
                        "active_game",
                        emu.games[game_id].active_game(time.time()),
                    )
            await asyncio.sleep(0.01)
        assert await task == 0
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")
    assert errors == []
    assert daemon.games == {}


async def test_a_reload_applies_the_log_section(emu: Emulator, tmp_path: Path) -> None:
    """SIGHUP's reload sets the log sinks again: a new file and level take effect; a file
    that cannot be opened refuses the whole new config."""
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    text = (
        f"server: {emu.url}\napi_key: {API_KEY}\nengine:\n  command: {json.dumps(gnugo_argv())}\n"
        f"game:\n  sgf_dir: {tmp_path / 'sgf'}\n"
        "log:\n  level: {level}\n  file: {file}\n  status_interval: 0\n"
    )
    path = tmp_path / "bot.yaml"
    path.write_text(text.format(level="INFO", file=first))
    config = load_config(path)
    stream = io.StringIO()
    logs = LogSetup(stream)
    try:
        logs.apply(config.log)
        daemon = Daemon(config, logs=logs)
        path.write_text(text.format(level="DEBUG", file=second))
        assert daemon.reload()
        logger.enable("ogsbot")
        logger.bind(game=1).debug("a debug line after the reload")
        assert "a debug line after the reload" in second.read_text()
        assert "a debug line" not in first.read_text()
        blocked = tmp_path / "not-a-folder"
        blocked.write_text("")
        path.write_text(text.format(level="INFO", file=blocked / "x.log"))
        assert not daemon.reload()
        assert daemon.config.log.file == str(second)
    finally:
        logger.disable("ogsbot")
        logs.close()


async def test_the_heartbeat_file_is_touched_while_the_daemon_runs(
    emu: Emulator, tmp_path: Path
) -> None:
    beat = tmp_path / "heartbeat"
    daemon = Daemon(bot_config(emu, tmp_path), heartbeat=beat)
    async with running(daemon):
        await until(beat.exists, 10, "the heartbeat")
        first = beat.stat().st_mtime_ns
        await until(lambda: beat.stat().st_mtime_ns > first, 15, "a second heartbeat")


def engines_running(marker: str) -> int:
    """Processes whose command line holds `marker`."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            count += marker.encode() in argv
    return count


async def test_a_reload_from_pool_to_per_game_ends_the_old_pool(
    emu: Emulator, tmp_path: Path
) -> None:
    """The games play on with the new engine; the pool's process does not outlive it."""

    def config_text(seed: str, manager: str) -> str:
        argv = randomgo_argv(1, "--delay", "0.05", "--seed", seed)
        return (
            f"server: {emu.url}\napi_key: {API_KEY}\n"
            f"engine:\n  command: {json.dumps(argv)}\n  manager: {manager}\n"
            f"game:\n  min_move_time: 0\n  sgf_dir: {tmp_path / 'sgf'}\n"
            "log:\n  status_interval: 0\n"
        )

    path = tmp_path / "bot.yaml"
    path.write_text(config_text("7701", "pool"))
    daemon = Daemon(load_config(path))
    async with running(daemon):
        _, game_id = challenge_from(emu, "reloader", color="white")  # the bot moves first
        await until(lambda: game_id in daemon.games, 20, "the game")
        await until(lambda: daemon.manager.processes == 1, 20, "the pool's engine")
        assert engines_running("7701") == 1
        path.write_text(config_text("7702", "per_game"))
        assert daemon.reload()
        await until(lambda: engines_running("7701") == 0, 20, "the old pool to end")
        referee = emu.games[game_id]
        human = emu.accounts.by_name("reloader")
        assert human is not None

        def humans_turn() -> bool:
            return referee.account(referee.state.to_move).id == human.id

        await until(humans_turn, 20, "the bot's first move")
        before = referee.state.move_number
        point = referee.random_point(random.Random(1))
        emu.broadcast_game(referee, referee.move(human.id, point, time.time()))
        await until(lambda: referee.state.move_number >= before + 2, 20, "a move on")
        assert engines_running("7702") == 1  # the new engine played it
        assert engines_running("7701") == 0


async def test_a_hung_genmove_in_a_correspondence_game_is_found_in_minutes(
    emu: Emulator, tmp_path: Path
) -> None:
    """The clock of a correspondence game allows days; a hang is found on genmove_timeout
    and the engine restarted (this one hangs at every process's first genmove, so after
    max_failures the bot resigns: seconds, not the day the old bound allowed)."""
    argv = randomgo_argv(2, "--misbehave", "hang-at=1")
    engine = {"command": argv, "genmove_timeout": 2, "manager": "pool", "pool_size": 1}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        _, game_id = challenge_from(emu, "patient", CORRESPONDENCE, color="white")
        await until(lambda: game_id in emu.games, 20, "the game")
        referee = emu.games[game_id]
        await until(lambda: referee.finished, 40, "the hangs to be found")
        assert referee.outcome == "Resignation"
