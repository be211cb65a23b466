"""The daemon with correspondence games: a graceful stop does not wait for them (they last
days) but still waits for a live game, and every game resumes on the next start."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ogsbot.bot.config import Config, parse_config
from ogsbot.bot.daemon import Daemon
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.referee import GameSettings
from ogsbot.sandbox.server import Emulator

from support import randomgo_argv, until

API_KEY = "corr-daemon-key-0123456789"
DAY = 86400


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    server = Emulator(seed=5)
    server.add_bot("corrbot", api_key=API_KEY)
    server.add_human("alice", "pw-alice")
    await server.start()
    yield server
    await server.stop()


def config(emu: Emulator, tmp_path: Path, shutdown_wait: float) -> Config:
    return parse_config(
        {
            "server": emu.url,
            "api_key": API_KEY,
            "engine": {"command": randomgo_argv(seed=2), "manager": "pool", "pool_size": 1},
            "game": {"min_move_time": 0, "sgf_dir": str(tmp_path / "sgf")},
            "log": {"status_interval": 0},
            "shutdown_wait": shutdown_wait,
        },
        env={},
        base_dir=tmp_path,
    )


def settings(tc: dict[str, float | str]) -> GameSettings:
    return GameSettings(width=9, height=9, time_control=TimeControl.from_json(tc).with_speed(9, 9))


async def test_a_stop_does_not_wait_for_correspondence_games(emu: Emulator, tmp_path: Path) -> None:
    bot, alice = emu.accounts.by_name("corrbot"), emu.accounts.by_name("alice")
    assert bot is not None and alice is not None
    days = settings({"system": "simple", "per_move": 2 * DAY})
    rng = random.Random(1)
    games = [emu.create_game(alice, bot, days, random_moves=n, rng=rng) for n in (10, 11, 12)]
    daemon = Daemon(config(emu, tmp_path, shutdown_wait=60))
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await until(lambda: len(daemon.games) == 3, 10, "every game joined")
    await until(lambda: games[1].state.move_number == 12, 10, "the bot's move")
    assert all(r.speed == "correspondence" for r in daemon.games.values())
    started = time.monotonic()
    daemon.stop()
    assert await asyncio.wait_for(task, 10) == 0
    assert time.monotonic() - started < 5  # not the 60 s of shutdown_wait
    assert len(list((tmp_path / "sgf").glob("*-incomplete.sgf"))) == 3
    # The next start resumes them: the bot answers a move made while it was away.
    point = games[0].random_point(rng)
    emu.broadcast_game(games[0], games[0].move(alice.id, point, time.time()))
    again = Daemon(config(emu, tmp_path, shutdown_wait=0))
    async with asyncio.timeout(20):
        task = asyncio.create_task(again.run(handle_signals=False))
        await until(lambda: games[0].state.move_number == 12, 15, "the move after the restart")
        again.stop()
        await task


async def test_a_stop_still_waits_for_a_live_game(emu: Emulator, tmp_path: Path) -> None:
    bot, alice = emu.accounts.by_name("corrbot"), emu.accounts.by_name("alice")
    assert bot is not None and alice is not None
    live = settings({"system": "fischer", "initial_time": 600, "time_increment": 10})
    game = emu.create_game(alice, bot, live, random_moves=10, rng=random.Random(2))
    daemon = Daemon(config(emu, tmp_path, shutdown_wait=1.0))
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await until(lambda: len(daemon.games) == 1, 10, "the game joined")
    assert daemon.games[game.game_id].speed == "live"
    started = time.monotonic()
    daemon.stop()
    assert await asyncio.wait_for(task, 10) == 0
    assert time.monotonic() - started >= 1.0  # it waited the shutdown_wait for the live game
