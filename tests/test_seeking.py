"""Open challenges the daemon keeps (`seek:`), on the emulator: posted while the bot has
room, taken by a human, posted again, withdrawn when the bot is full or stops, and a refused
post not tried again before `retry_after`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ogsbot.bot.daemon import Daemon
from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.sandbox.faults import RestFault
from ogsbot.sandbox.server import Emulator
from test_daemon import bot_config, emu, running
from test_finding_games import human_client

from support import logged, randomgo_argv, until

__all__ = ["emu"]

FISCHER = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}
OFFER = {"time_control": FISCHER, "name": "Bot game", "width": 9, "rules": "japanese"}


def seeking_config(emu: Emulator, tmp_path: Path, **seek: Any) -> Any:
    return bot_config(
        emu,
        tmp_path,
        engine={"command": randomgo_argv(1)},
        seek={"offers": [OFFER], **seek},
        challenges={"max_games": 2},
    )


def offers_of(emu: Emulator, name: str = "gnubot") -> list[Any]:
    """The bot's open challenges the server holds."""
    return [
        c for c in emu.challenges.values() if c.challenger.username == name and c.challenged is None
    ]


async def human(emu: Emulator, name: str) -> AsyncOGSClient:
    emu.add_human(name, f"{name}-password-123", ranking=20)
    client = human_client(emu, name)
    await client.connect()
    return client


async def test_offers_are_kept_while_there_is_room_and_withdrawn_at_the_stop(
    emu: Emulator, tmp_path: Path
) -> None:
    daemon = Daemon(seeking_config(emu, tmp_path))
    ann = await human(emu, "ann")
    try:
        async with running(daemon):
            await until(lambda: len(offers_of(emu)) == 1, 10, "an open challenge")
            [first] = offers_of(emu)
            await ann.call(ann.rest.accept_open_challenge, first.id)
            await until(lambda: len(daemon.games) == 1, 10, "the game from it")
            # one game in play, room for one more: a new offer is posted
            await until(lambda: len(offers_of(emu)) == 1, 10, "the next open challenge")
            [second] = offers_of(emu)
            assert second.id != first.id
            # the server lists it before its reply to the post reaches the daemon
            await until(lambda: bool(daemon.open_offers), 10, "the post's reply")
            status = daemon.status()
            assert [o["challenge"] for o in status["offers"]] == [second.id]
            assert status["offers"][0]["speed"] == "live"
            assert daemon.metrics.registry.get_sample_value("ogsbot_open_offers") == 1
            await asyncio.sleep(2.5)  # the offer fits: it stays open, not withdrawn and re-posted
            assert [c.id for c in offers_of(emu)] == [second.id]
            ben = await human(emu, "ben")
            try:
                await ben.call(ben.rest.accept_open_challenge, second.id)
                await until(lambda: len(daemon.games) == 2, 10, "the second game")
                await until(lambda: not offers_of(emu), 5, "full: no offer")
            finally:
                await ben.close()
        assert not offers_of(emu)  # none left behind
    finally:
        await ann.close()


async def test_an_offer_is_withdrawn_when_the_bot_stops_taking_games(
    emu: Emulator, tmp_path: Path
) -> None:
    daemon = Daemon(seeking_config(emu, tmp_path))
    async with running(daemon):
        await until(lambda: len(offers_of(emu)) == 1, 10, "an open challenge")
        daemon.stop_from_control(after_games=True)
        await until(lambda: not offers_of(emu), 10, "the offer withdrawn")


async def test_a_refused_post_waits_retry_after(emu: Emulator, tmp_path: Path) -> None:
    emu.add_rest_fault(RestFault("/api/v1/challenges", 400, count=1, method="POST"))
    with logged("ERROR", lambda m: m.record["message"]) as said:
        daemon = Daemon(seeking_config(emu, tmp_path, retry_after=3))
        async with running(daemon):
            await until(lambda: any("refused" in line for line in said), 10, "the refusal")
            assert not offers_of(emu)
            await until(lambda: len(offers_of(emu)) == 1, 10, "posted again after 3 s")
    assert sum("open challenge 'Bot game' refused" in line for line in said) == 1
