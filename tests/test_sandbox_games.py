"""Games created directly in the emulator (`POST /_sandbox/games`, `Emulator.create_game`):
moves already played, clocks, errors, the active_game push, a restart, and a bot joining."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.bot.config import parse_config
from ogsbot.bot.daemon import Daemon
from ogsbot.ogs.board import GameState
from ogsbot.sandbox.referee import GameSettings
from ogsbot.sandbox.server import Emulator

from support import randomgo_argv, until

API_KEY = "games-test-key-0123456789"
DAY = 86400
DAYS = {"system": "fischer", "initial_time": 3 * DAY, "time_increment": DAY, "max_time": 7 * DAY}


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    server = Emulator(seed=3, state_file=tmp_path / "state.json")
    server.add_bot("corrbot", api_key=API_KEY)
    server.add_human("alice", "pw-alice")
    await server.start()
    yield server
    await server.stop()


async def post(emu: Emulator, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/_sandbox/{path}", json=body) as reply,
    ):
        data: dict[str, Any] = await reply.json()
        return reply.status, data


async def game_state(emu: Emulator, game_id: int) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emu.url}/_sandbox/games/{game_id}") as reply,
    ):
        assert reply.status == 200
        data: dict[str, Any] = await reply.json()
        return data


async def test_a_game_with_moves_already_played(emu: Emulator) -> None:
    body = {
        "black": "alice",
        "white": "corrbot",
        "size": 9,
        "rules": "chinese",
        "time_control": DAYS,
        "moves": ["cc", [6, 6], "..", "gc"],
    }
    status, created = await post(emu, "games", body)
    assert status == 200, created
    assert created["move_number"] == 4
    assert created["phase"] == "play"
    bot = emu.accounts.by_name("corrbot")
    assert bot is not None and created["player_to_move"] != bot.id  # black (alice) moves 5th
    state = await game_state(emu, created["game_id"])
    gd = state["gamedata"]
    assert [m[:2] for m in gd["moves"]] == [[2, 2], [6, 6], [-1, -1], [6, 2]]
    assert gd["width"] == gd["height"] == 9
    assert gd["komi"] == 7.5  # chinese automatic komi
    assert gd["time_control"]["speed"] == "correspondence"
    # Setup moves take no clock time: fischer adds the increment up to the maximum.
    assert state["clock"]["black_time"]["thinking_time"] == pytest.approx(5 * DAY, abs=5)
    assert "GET /_sandbox/games/<id>" in (await endpoints(emu))
    assert "POST /_sandbox/games" in (await endpoints(emu))


async def endpoints(emu: Emulator) -> dict[str, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{emu.url}/_sandbox/") as reply:
        data: dict[str, str] = (await reply.json())["endpoints"]
        return data


async def test_random_moves_are_legal_and_repeatable(emu: Emulator) -> None:
    body = {"black": "corrbot", "white": "alice", "random_moves": 120, "seed": 5}
    ids = []
    for _ in range(2):
        status, created = await post(emu, "games", body)
        assert status == 200, created
        assert created["move_number"] == 120
        ids.append(created["game_id"])
    first, second = (emu.games[i] for i in ids)
    assert first.state.moves == second.state.moves  # same seed, same game
    replay = GameState(19, 19, "japanese")
    for color, point in first.state.moves:
        assert point is not None  # random moves never pass
        replay.play(color, point)
    assert first.to_move() == "b"  # 120 moves played: black (the bot) to move


async def test_bad_requests_make_no_game(emu: Emulator) -> None:
    before = len(emu.games)
    cases = [
        ({"black": "nobody", "white": "alice"}, "no account"),
        ({"black": "alice", "white": "alice"}, "different"),
        ({"black": "alice", "white": "corrbot", "moves": ["aa", "aa"]}, "illegal"),
        ({"black": "alice", "white": "corrbot", "rules": "go"}, "rules"),
        ({"black": "alice", "white": "corrbot", "time_control": {"system": "hourglass"}}, "time"),
    ]
    for body, words in cases:
        status, reply = await post(emu, "games", body)
        assert status == 400, (body, reply)
        assert words in reply["error"]
    assert len(emu.games) == before


async def test_players_get_the_push_and_a_restart_keeps_the_game(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(emu.url + "/") as ws:
        await ws.send_str(json.dumps(["authenticate", {"bot_apikey": API_KEY}, 1]))
        assert json.loads((await ws.receive()).data)[0] == 1
        bot, alice = emu.accounts.by_name("corrbot"), emu.accounts.by_name("alice")
        assert bot is not None and alice is not None
        referee = emu.create_game(
            bot, alice, GameSettings(width=13, height=13), random_moves=10, rng=random.Random(1)
        )
        frame = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        assert frame[0] == "active_game"
        assert frame[1]["id"] == referee.game_id
        assert frame[1]["move_number"] == 10
        assert frame[1]["player_to_move"] == bot.id
    moves = referee.state.moves
    await emu.restart()
    assert emu.games[referee.game_id].state.moves == moves


async def test_a_bot_joins_created_games_and_moves_where_it_is_to_move(
    emu: Emulator, tmp_path: Path
) -> None:
    bot, alice = emu.accounts.by_name("corrbot"), emu.accounts.by_name("alice")
    assert bot is not None and alice is not None
    settings = GameSettings(width=9, height=9, time_control=GameSettings().time_control)
    rng = random.Random(2)
    to_move = [emu.create_game(bot, alice, settings, random_moves=n, rng=rng) for n in (10, 12)]
    waiting = [emu.create_game(alice, bot, settings, random_moves=n, rng=rng) for n in (10, 12)]
    config = parse_config(
        {
            "server": emu.url,
            "api_key": API_KEY,
            "engine": {"command": randomgo_argv(seed=4), "manager": "pool", "pool_size": 1},
            "game": {"min_move_time": 0, "sgf_dir": ""},
            "log": {"status_interval": 0},
            "shutdown_wait": 0,
        },
        env={},
        base_dir=tmp_path,
    )
    daemon = Daemon(config)
    task = asyncio.create_task(daemon.run(handle_signals=False))
    try:
        await until(lambda: [r.state.move_number for r in to_move] == [11, 13], 20, "moves")
        await until(lambda: len(daemon.games) == 4, 5, "every game joined")
        assert [r.state.move_number for r in waiting] == [10, 12]  # alice is to move there
    finally:
        daemon.stop()
        await asyncio.wait_for(task, 10)
