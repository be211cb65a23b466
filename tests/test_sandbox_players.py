"""Built-in opponents through the control API, and `ogsbot emulator` run by itself."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sgfmill import sgf

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.game import Game
from ogsbot.sandbox.players import random_move
from ogsbot.sandbox.server import Emulator

API_KEY = "players-test-key-0123456789"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    server = Emulator(seed=3, stone_removal_timeout=5)
    server.add_bot("bot", api_key=API_KEY)
    await server.start()
    yield server
    await server.stop()


async def play_as_bot(emu: Emulator, body: dict[str, Any]) -> tuple[Game, AsyncOGSClient]:
    """Accept the opponent's challenge as the bot and play random moves to the end."""
    bot = AsyncOGSClient(emu.url, api_key=API_KEY)
    realtime = await bot.connect()
    challenges: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    realtime.on(
        "notification",
        lambda e, d: challenges.put_nowait(d) if d.get("type") == "challenge" else None,
    )
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/_sandbox/challenges", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        started = await response.json()
    note = await asyncio.wait_for(challenges.get(), 10)
    assert note["game_id"] == started["game_id"]
    await bot.call(bot.rest.accept_challenge, note["challenge_id"])
    game = await bot.join(note["game_id"])
    rng = random.Random(1)
    while not game.finished:
        if game.phase == "stone removal":
            game.accept_removed()
            await game.wait_for(lambda g: g.finished or g.phase != "stone removal", 10)
        elif game.my_turn and game.state is not None:
            color = "b" if game.my_color == "black" else "w"
            move = random_move(game.state, color, rng)
            if game.moves and game.moves[-1].is_pass and game.move_number > 30:
                move = None
            number = game.move_number
            game.move(move)
            await game.wait_for(lambda g, n=number: g.move_number != n or g.finished, 10)
        else:
            await game.next_event(10)
    return game, bot


@pytest.mark.parametrize("opponent", ["random", "gnugo"])
async def test_builtin_opponent_plays_a_whole_game(emu: Emulator, opponent: str) -> None:
    game, bot = await play_as_bot(
        emu, {"bot": "bot", "opponent": opponent, "size": 9, "rules": "chinese"}
    )
    try:
        assert game.outcome.endswith("points") or game.outcome == "Resignation"
        assert game.move_number > 10
        text = await bot.call(bot.rest.game_sgf, game.game_id)
    finally:
        await bot.close()
    parsed = sgf.Sgf_game.from_string(text)
    assert parsed.get_size() == 9
    assert len(parsed.get_main_sequence()) - 1 == game.move_number
    assert parsed.get_root().get("RE")[0] in "BW0"


async def test_builtin_opponent_on_a_non_square_board(emu: Emulator) -> None:
    game, bot = await play_as_bot(
        emu, {"bot": "bot", "opponent": "gnugo", "width": 7, "height": 9, "rules": "japanese"}
    )
    await bot.close()
    assert game.finished and (game.gamedata is not None) and game.gamedata.height == 9


async def test_declined_challenge_ends_the_opponent(emu: Emulator) -> None:
    bot = AsyncOGSClient(emu.url, api_key=API_KEY)
    realtime = await bot.connect()
    notes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    realtime.on("notification", lambda e, d: notes.put_nowait(d))
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            emu.url + "/_sandbox/challenges", json={"bot": "bot", "username": "carol"}
        ) as response,
    ):
        started = await response.json()
    note = await asyncio.wait_for(notes.get(), 10)
    await bot.call(
        bot.rest.decline_challenge,
        note["challenge_id"],
        "no thanks",
        "not_accepting_new_challenges",
    )
    for _ in range(50):
        if not emu._background:
            break
        await asyncio.sleep(0.05)
    assert not emu._background  # the opponent's job is over
    assert started["game_id"] not in emu.games
    await bot.close()


def test_emulator_command_runs_alone() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ogsbot.cli", "emulator", "--bot", "mybot:KEY123456"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("OGS emulator running at http://127.0.0.1:")
        url = first.split()[-1]
        lines = [process.stdout.readline() for _ in range(2)]
        assert any("bot mybot  API key KEY123456" in line for line in lines)
        with urllib.request.urlopen(url + "/_sandbox/") as response:
            endpoints = json.load(response)["endpoints"]
        assert "POST /_sandbox/challenges" in endpoints
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
