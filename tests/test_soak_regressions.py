"""Regressions the soak (benchmarks/soak.py) found: faults at random, many games at once.

Each test reproduces one failure the soak showed, on a real emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from ogsbot.ogs.realtime import Realtime, ReconnectPolicy
from ogsbot.sandbox.server import Emulator

BOT = "soakbot"
BOT_KEY = "soakbot-api-key-0123456789"
HUMAN = "soakhuman"
HUMAN_PASSWORD = "soakhuman-password-xyz"


async def until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def key_auth(key: str) -> Callable[[], Awaitable[Mapping[str, Any]]]:
    async def auth() -> Mapping[str, Any]:
        return {"jwt": "", "bot_apikey": key}

    return auth


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    emulator.add_bot(BOT, api_key=BOT_KEY)
    emulator.add_human(HUMAN, HUMAN_PASSWORD)
    yield emulator
    await emulator.stop()


# ----- realtime: reconnecting --------------------------------------------------------------------


async def test_reconnect_waits_stay_short_while_each_connection_logs_in(emu: Emulator) -> None:
    """The soak dropped the bot's socket every few seconds: each connection logged in, yet the
    wait before the next grew to 10-15 s (reset only after 30 s of one connection), and blitz
    games were lost on time while the server was there all along."""
    asked: list[int] = []

    @dataclass(frozen=True)
    class Recording(ReconnectPolicy):
        def delay(self, failures: int, rng: random.Random) -> float:
            asked.append(failures)
            return min(0.02, super().delay(failures, rng))  # the count is what is checked

    realtime = Realtime(emu.url, key_auth(BOT_KEY), reconnect=Recording())
    try:
        await realtime.connect()
        for drop in range(1, 9):
            emu.drop_connections(BOT)
            await until(lambda n=drop: realtime.connections == n + 1, what=f"login {drop + 1}")
        assert asked == [1, 2, 3, 4, 4, 4, 4, 4]
        # Attempts that fail still back off further: the server goes away.
        await emu.stop()
        await until(lambda: len(asked) >= 12, what="attempts while the server is down")
        assert asked[8:12] == [4, 5, 6, 7]
    finally:
        await realtime.close()


async def test_a_socket_lost_during_authenticate_leaves_no_orphan_future() -> None:
    """The soak's opponents printed "Future exception was never retrieved: OGSNotConnected(
    'authenticate: ...')": the authenticate frame's write failed, and its pending future was
    failed later, by the connection loop, with nobody awaiting it."""

    class DeadSocket:
        async def send_str(self, text: str) -> None:
            raise ConnectionResetError("Cannot write to closing transport")

    realtime = Realtime("http://127.0.0.1:9", key_auth(BOT_KEY))
    reader: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(10))
    try:
        with pytest.raises(ConnectionResetError):
            await realtime._authenticate(DeadSocket(), reader)  # type: ignore[arg-type]
        assert realtime._pending == {}
    finally:
        reader.cancel()
