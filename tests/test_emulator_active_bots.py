"""The emulator's `active-bots` push: the connected bots and what each says it accepts, given
to every new socket and broadcast whenever the list changes (OGS's site builds its
computer-opponent list from it, and ogsbot's matchmaking picks opponents from it)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from ogsbot.sandbox.server import Emulator
from test_emulator_protocol import API_KEY, alice_token, bot_socket, connect, emu, http

from support import Raw

__all__ = ["emu", "http"]

CONFIG = {
    "hidden": False,
    "allowed_board_sizes": [9, 13],
    "allow_ranked": True,
    "apikey": API_KEY,
    "_config_version": 2,
}


async def next_listing(raw: Raw) -> dict[str, object]:
    frame = await raw.until("active-bots")
    listing: dict[str, object] = frame[1]
    return listing


async def test_every_socket_hears_a_bot_arrive_with_its_config_and_leave(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    watcher = await connect(emu, http)
    robot = await bot_socket(emu, http)
    await robot.send("bot/config", CONFIG)
    listing = await next_listing(watcher)
    bot_id = str(emu.accounts.by_name("robot").id)  # type: ignore[union-attr]
    assert list(listing) == [bot_id]
    entry = listing[bot_id]
    assert isinstance(entry, dict)
    assert entry["username"] == "robot" and entry["ui_class"] == "bot"
    assert entry["config"]["allowed_board_sizes"] == [9, 13]
    assert "apikey" not in entry["config"]  # the key gtp2ogs sends is never passed on
    late = await connect(emu, http)  # a socket opened later gets the list at once
    assert list(await next_listing(late)) == [bot_id]
    await robot.ws.close()
    assert await next_listing(watcher) == {}
    assert await next_listing(late) == {}


async def test_a_hidden_bot_and_a_bot_without_config_are_not_listed(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    watcher = await connect(emu, http)
    robot = await bot_socket(emu, http)  # logged in, no config yet: not listed
    with pytest.raises(asyncio.TimeoutError):
        await watcher.until("active-bots", timeout=0.3)
    await robot.send("bot/config", {**CONFIG, "hidden": True})
    assert await next_listing(watcher) == {}
    await robot.send("bot/config", CONFIG)  # visible again: listed
    assert len(await next_listing(watcher)) == 1


async def test_only_bots_may_send_a_config(emu: Emulator, http: aiohttp.ClientSession) -> None:
    alice = await connect(emu, http)
    token = await alice_token(emu, http)
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(emu.url + "/api/v1/ui/config", headers=headers) as response:
        jwt = (await response.json())["user_jwt"]
    await alice.request("authenticate", {"jwt": jwt})
    reply = await alice.request("bot/config", CONFIG)
    assert reply[2]["code"] == "not_a_bot"
    assert emu.active_bots.listing() == {}
