"""Regressions the soak (benchmarks/soak.py) found: faults at random, many games at once.

Each test reproduces one failure the soak showed, on a real emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.realtime import Realtime, ReconnectPolicy
from ogsbot.ogs.rest import ChallengeRequest
from ogsbot.sandbox.faults import EventFault
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.server import Client, Emulator

from support import until

BOT = "soakbot"
BOT_KEY = "soakbot-api-key-0123456789"
HUMAN = "soakhuman"
HUMAN_PASSWORD = "soakhuman-password-xyz"


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


# ----- live games: lost moves, the outcome after the phase, malformed events ----------------------

QUICK = ReconnectPolicy(first=0.05, factor=2.0, longest=0.5)


class LosingEmulator(Emulator):
    """Loses the bot's next `lose_moves` move frames with the connection they came on, as a
    network failure does to a frame in flight (the server never reads it)."""

    lose_moves = 0

    async def _on_frame(self, client: Client, text: str) -> None:
        account = client.account
        bot = account is not None and account.is_bot
        if self.lose_moves and bot and text.startswith('["game/move"'):
            self.lose_moves -= 1
            if client.transport is not None:
                client.transport.abort()
            return
        await super()._on_frame(client, text)


async def start_game(emu: Emulator) -> tuple[Referee, AsyncOGSClient, Game]:
    """A game between the bot (black) and the human; the bot joined, the human scripted."""
    bot_account = emu.accounts.by_name(BOT)
    human_account = emu.accounts.by_name(HUMAN)
    assert bot_account is not None and human_account is not None
    request = ChallengeRequest(
        time_control=TimeControl.from_json(
            {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}
        ),
        width=9,
        height=9,
        komi=6.5,
        rules="japanese",
        color="white",  # the challenger's (human's)
    )
    challenge = emu.create_challenge(human_account, bot_account, request.to_json())
    referee = emu.start_game(challenge, bot_account)
    client = AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK)
    game = await client.join(referee.game_id)
    return referee, client, game


@pytest.fixture
async def losing() -> AsyncIterator[LosingEmulator]:
    emulator = LosingEmulator()
    await emulator.start()
    emulator.add_bot(BOT, api_key=BOT_KEY)
    emulator.add_human(HUMAN, HUMAN_PASSWORD)
    yield emulator
    await emulator.stop()


async def test_a_move_lost_with_the_connection_is_sent_again(losing: LosingEmulator) -> None:
    """The soak's bots lost games on time: a move frame written just before the socket died
    never reached the server, and after the re-join the session waited 30 s for its answer."""
    referee, client, game = await start_game(losing)
    try:
        losing.lose_moves = 1
        game.move("D4")
        await game.wait_for(lambda g: g.move_number == 1, 5)
        assert referee.state.move_number == 1
        assert client.realtime is not None and client.realtime.connections == 2
        # The human answers and the bot plays on: nothing was doubled or refused.
        human = referee.white.id
        losing.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await game.wait_for(lambda g: g.move_number == 2, 5)
        game.move("C3")
        await game.wait_for(lambda g: g.move_number == 3, 5)
        await asyncio.sleep(1.5)  # RESEND_GRACE: no late second copy
        assert referee.state.move_number == 3
        assert game.last_error == ""
    finally:
        await client.close()


async def test_finished_comes_with_the_outcome(emu: Emulator) -> None:
    """The soak lost SGF records: the session ended on the `phase` event "finished", before
    the gamedata with the outcome, and a record without a result is not written."""
    referee, client, game = await start_game(emu)
    seen: list[tuple[str, bool, str, bool]] = []
    game.add_handler(lambda g, name, data: seen.append((name, g.finished, g.outcome, g.ending)))
    try:
        emu.add_event_fault(EventFault(f"game/{referee.game_id}/gamedata", delay=0.5))
        emu.broadcast_game(referee, referee.resign(referee.white.id, time.time()))
        await game.wait_for(lambda g: g.finished, 5)
        assert game.outcome == "Resignation" and game.winner == referee.black.id
        assert game.gamedata is not None and game.gamedata.finished
        # The phase came first and did not count alone, but it says the game is ending (no
        # more moves from the bot) until the outcome is in.
        assert ("phase", False, "", True) in seen
        assert all(outcome for _, finished, outcome, _ in seen if finished)
        assert not game.ending
    finally:
        await client.close()


async def test_a_malformed_phase_event_is_skipped(emu: Emulator) -> None:
    """The soak sent `["game/<id>/phase", 17]`: the game took "17" as its phase and the bot
    stopped playing it."""
    referee, client, game = await start_game(emu)
    try:
        emu.send_raw(f'["game/{referee.game_id}/phase", 17]', BOT)
        game.move("D4")
        await game.wait_for(lambda g: g.move_number == 1, 5)
        assert game.phase == "play"
        human = referee.white.id
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await game.wait_for(lambda g: g.move_number == 2, 5)
        assert game.my_turn
    finally:
        await client.close()


# ----- the emulator: a restart keeps pending challenges -------------------------------------------


async def test_a_restart_keeps_pending_challenges(tmp_path: Path) -> None:
    """The soak restarted the emulator while a challenge waited for the bot's accept: the
    challenge was gone afterwards (only games were saved), the accept got a 404 and the
    challenger waited for a game that never came. OGS keeps challenges."""
    emu = Emulator(state_file=tmp_path / "state.json")
    await emu.start()
    try:
        bot = emu.add_bot(BOT, api_key=BOT_KEY)
        human = emu.add_human(HUMAN, HUMAN_PASSWORD)
        request = ChallengeRequest(
            time_control=TimeControl.from_json({"system": "simple", "per_move": 30}),
            width=9,
            height=9,
            rules="chinese",
        )
        challenge = emu.create_challenge(human, bot, request.to_json())
        before = challenge.listing()
        await emu.restart()
        kept = emu.challenges.get(challenge.id)
        assert kept is not None and kept.listing() == before
        async with AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK) as client:
            await client.call(client.rest.accept_challenge, challenge.id)
        referee = emu.games[challenge.game_id]
        assert {referee.black.username, referee.white.username} == {BOT, HUMAN}
        assert referee.settings.time_control.system == "simple"
        assert challenge.id not in emu.challenges
    finally:
        await emu.stop()


# ----- the daemon: a challenge whose answer failed is answered again ----------------------------


async def test_a_challenge_whose_answer_failed_is_answered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak's REST faults (5xx, 429) sometimes outlasted the REST client's retries: the
    daemon logged the failure and never looked at the challenge again (not even when the
    server sent its notification again), and the challenger waited for ever."""
    from ogsbot.bot import challenges
    from ogsbot.bot.config import parse_config
    from ogsbot.bot.daemon import Daemon
    from ogsbot.ogs.rest import RetryPolicy
    from ogsbot.sandbox.faults import RestFault
    from ogsbot.sandbox.players import start_opponent

    from support import randomgo_argv

    monkeypatch.setattr(challenges, "ANSWER_RETRIES", (0.2, 0.2, 0.2))
    emu = Emulator()
    emu.add_bot(BOT, api_key=BOT_KEY)
    await emu.start()
    config = parse_config(
        {
            "server": emu.url,
            "api_key": BOT_KEY,
            "engine": {"command": randomgo_argv(seed=3)},
            "challenges": {"board_sizes": [9]},
            "game": {"min_move_time": 0, "sgf_dir": ""},
            "log": {"status_interval": 0},
            "shutdown_wait": 1,
        },
        env={},
        base_dir=tmp_path,
    )
    daemon = Daemon(config)
    daemon.client.rest.retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
    task = asyncio.create_task(daemon.run(handle_signals=False))
    try:
        await asyncio.wait_for(daemon.ready.wait(), 10)
        # Two answers fail (two calls each), the third gets through.
        emu.add_rest_fault(RestFault("/api/v1/me/challenges", 503, count=4, method="POST"))
        started = await start_opponent(emu, {"bot": BOT, "size": 9})
        game_id = int(started["game_id"])
        await until(lambda: game_id in emu.games, 10, "the game to start")
        assert not emu.faults.rest
    finally:
        daemon.stop()
        daemon.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)
        await emu.stop()


async def test_an_error_event_that_is_not_a_message_is_skipped(emu: Emulator) -> None:
    """The soak sent `["game/<id>/error", {"not": "a string"}]` while the bot waited for the
    answer to its move: the session took it for a refusal of that move, asked for fresh
    gamedata, played on the stale position, and a cascade of "not your turn" followed."""
    referee, client, game = await start_game(emu)
    try:
        emu.send_raw(f'["game/{referee.game_id}/error", {{"not": "a string"}}]', BOT)
        emu.send_raw(f'["game/{referee.game_id}/error", 17]', BOT)
        game.move("D4")
        await game.wait_for(lambda g: g.move_number == 1, 5)
        assert game.last_error == ""
        emu.send_raw(f'["game/{referee.game_id}/error", {{"message": "a reply-like error"}}]', BOT)
        await game.wait_for(lambda g: bool(g.last_error), 5)
        assert game.last_error == "a reply-like error"
    finally:
        await client.close()


async def test_no_connection_gets_in_while_the_server_stops(tmp_path: Path) -> None:
    """A soak's server restart kept the port closed for over 10 s (games lost on time on both
    sides): the emulator closed its sockets while still accepting connections, and a client
    that came back in between held the shutdown (which waits for every handler)."""
    import aiohttp

    emu = Emulator(state_file=tmp_path / "state.json")
    await emu.start()
    async with aiohttp.ClientSession() as http:
        late: list[aiohttp.ClientWebSocketResponse] = []

        class ComesBack:
            """A socket whose close is the moment another client connects."""

            closed = False

            async def close(self, **_: Any) -> None:
                with contextlib.suppress(aiohttp.ClientError):
                    late.append(await http.ws_connect(emu.url + "/"))

        emu.clients.add(Client(0, ComesBack()))  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(emu.restart(), 5)
        finally:
            for ws in late:
                await ws.close()
            await emu.stop()
        assert not late  # refused: the server no longer listened
