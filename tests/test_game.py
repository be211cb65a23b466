"""Live games (`ogsbot.ogs.game.Game`) between a bot and a human on the emulator.

The bot logs in with an API key and the human with a password, each with its own
`AsyncOGSClient` and socket; the game is created through the emulator itself. Every check
compares the clients' view with the emulator's referee, which holds the truth.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.errors import OGSGameError
from ogsbot.ogs.game import Game, GameError
from ogsbot.ogs.models import ChatLine, TimeControl
from ogsbot.ogs.realtime import Realtime, ReconnectPolicy
from ogsbot.ogs.rest import ChallengeRequest
from ogsbot.sandbox.faults import EventFault
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.server import Emulator

from support import until

BOT = "gamebot"
BOT_KEY = "gamebot-api-key-0123456789"
HUMAN = "gamehuman"
HUMAN_PASSWORD = "gamehuman-password-xyz"
QUICK = ReconnectPolicy(first=0.05, factor=2.0, longest=0.5)
SLOW_FIRST = ReconnectPolicy(first=0.4, factor=1.0, longest=0.4)
FISCHER = {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}


@dataclass
class Match:
    """A game in play: the emulator's referee and both players' live views of it."""

    emu: Emulator
    referee: Referee
    bot_client: AsyncOGSClient
    human_client: AsyncOGSClient
    bot: Game
    human: Game
    events: dict[str, list[str]] = field(default_factory=dict)  # side -> event suffixes

    @property
    def game_id(self) -> int:
        return self.referee.game_id

    @property
    def bot_id(self) -> int:
        return self.bot.my_id

    @property
    def human_id(self) -> int:
        return self.human.my_id

    async def both(self, predicate: Callable[[Game], bool], timeout: float = 5.0) -> None:
        await self.bot.wait_for(predicate, timeout)
        await self.human.wait_for(predicate, timeout)

    async def moves(self, count: int) -> None:
        """Wait until both players have seen `count` moves."""
        await self.both(lambda g: g.move_number == count)

    def check_boards(self) -> None:
        """Both players' boards and moves are the server's."""
        truth = str(self.referee.state.board)
        for game in (self.bot, self.human):
            assert game.state is not None
            assert str(game.state.board) == truth
            assert game.move_number == self.referee.state.move_number
            assert game.state.move_number == self.referee.state.move_number
            assert [m.point for m in game.moves] == [p for _, p in self.referee.state.moves]

    async def sync(self) -> None:
        """Wait until everything the server sent before now has reached both players.

        The server answers each socket's frames in order, on the queue its events go to: a
        reply is a barrier. Bot, human, bot: the actions of each are in, their events out.
        """
        for game in (self.bot, self.human, self.bot):
            await game.realtime.request("game/latency", {"game_id": self.game_id})


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    emulator.add_bot(BOT, api_key=BOT_KEY)
    emulator.add_human(HUMAN, HUMAN_PASSWORD)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def start_match() -> AsyncIterator[Callable[..., Any]]:
    """Start games between the bot (black unless told) and the human; cleans up after."""
    clients: list[AsyncOGSClient] = []

    async def start(
        emu: Emulator,
        *,
        time_control: dict[str, Any] | None = None,
        bot_color: str = "black",
        bot_reconnect: ReconnectPolicy = QUICK,
        chat: bool = False,
        human_chat: bool | None = None,
    ) -> Match:
        bot_account = emu.accounts.by_name(BOT)
        human_account = emu.accounts.by_name(HUMAN)
        assert bot_account is not None and human_account is not None
        request = ChallengeRequest(
            time_control=TimeControl.from_json(time_control or FISCHER),
            width=9,
            height=9,
            komi=6.5,
            rules="japanese",
            color="white" if bot_color == "black" else "black",  # the challenger's (human's)
        )
        challenge = emu.create_challenge(human_account, bot_account, request.to_json())
        referee = emu.start_game(challenge, bot_account)
        bot_client = AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=bot_reconnect)
        human_client = AsyncOGSClient(
            emu.url,
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            username=HUMAN,
            password=HUMAN_PASSWORD,
            reconnect=QUICK,
        )
        clients.extend([bot_client, human_client])
        events: dict[str, list[str]] = {"bot": [], "human": []}
        bot = await bot_client.join(
            referee.game_id, chat=chat, on_event=lambda g, name, data: events["bot"].append(name)
        )
        human = await human_client.join(
            referee.game_id,
            chat=chat if human_chat is None else human_chat,
            on_event=lambda g, name, data: events["human"].append(name),
        )
        return Match(emu, referee, bot_client, human_client, bot, human, events)

    yield start
    for client in clients:
        await client.close()


# ----- joining ---------------------------------------------------------------------------------


async def test_a_joined_game_has_gamedata_board_and_clock(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    bot, human = match.bot, match.human
    assert match.bot_id == match.referee.black.id
    assert match.human_id == match.referee.white.id
    for game in (bot, human):
        gd = game.gamedata
        assert gd is not None
        assert gd.game_id == match.game_id
        assert (gd.width, gd.height, gd.komi, gd.rules) == (9, 9, 6.5, "japanese")
        assert gd.black_player_id == match.bot_id
        assert gd.white_player_id == match.human_id
        assert gd.time_control.system == "fischer"
        assert game.phase == "play"
        assert game.gamedata_count == 1
        assert game.state is not None
        assert (game.state.width, game.state.height) == (9, 9)
        assert game.state.board.is_empty()
        assert game.move_number == 0
        assert game.clock is not None
        assert game.clock.current_player == match.bot_id
        assert game.clock.black_time is not None
        assert 590 < game.clock.black_time.thinking_time <= 600
        assert game.to_move == "black"
        assert not game.finished
    assert bot.my_color == "black" and bot.my_turn
    assert human.my_color == "white" and not human.my_turn
    # The join asked the server for the game: the client is in it there.
    assert any(match.game_id in c.games for c in emu.clients)


async def test_joining_a_game_that_does_not_exist_fails(emu: Emulator) -> None:
    async with AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK) as client:
        errors: list[str] = []
        realtime = await client.connect()
        realtime.on("game/999999/error", lambda name, data: errors.append(data))
        game = Game(realtime, 999999)
        # The server's error event answers the join: a typed error with its words, at once
        # (not a bare TimeoutError when the wait runs out), and the game is left.
        with pytest.raises(OGSGameError, match="does not exist") as raised:
            await game.connect(timeout=30)
        assert raised.value.game_id == 999999 and raised.value.action == "join"
        assert errors and "does not exist" in errors[0]
        assert game.last_error == errors[0]
        assert not game.joined


# ----- moves -----------------------------------------------------------------------------------


async def test_moves_in_gtp_ogs_and_point_forms_land_on_the_server(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    board = match.referee.state.board
    match.bot.move("D4")  # GTP: column D, 4th row from the bottom of 9
    await match.moves(1)
    assert board.get((3, 5)) == "b"
    match.human.move("dd")  # OGS letters: x=3, y=3
    await match.moves(2)
    assert board.get((3, 3)) == "w"
    match.bot.move((4, 4))  # a point
    await match.moves(3)
    assert board.get((4, 4)) == "b"
    match.human.move("j9")  # lower-case GTP: the top right corner
    await match.moves(4)
    assert board.get((8, 0)) == "w"
    match.check_boards()
    assert match.bot.ogs_move("A1") == "ai"
    assert match.bot.ogs_move("ai") == "ai"
    assert match.bot.ogs_move((0, 8)) == "ai"
    assert match.bot.ogs_move(None) == ".."
    assert match.bot.ogs_move("pass") == ".."
    assert len(match.events["bot"]) >= 4


async def test_bad_moves_raise_before_anything_is_sent(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    for bad in ("Z99", "I5", "D0", "zz", "jj", "hello", (9, 0), (-1, 3)):
        with pytest.raises(ValueError):
            match.bot.move(bad)
    with pytest.raises(GameError, match="resign"):
        match.bot.move("resign")
    await match.sync()
    assert match.referee.state.move_number == 0
    assert not any(name == "game/move" for _, name, _ in emu.received)


async def test_an_illegal_move_comes_back_as_an_error(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    match.bot.move("D4")
    await match.moves(1)
    match.human.move("D4")  # occupied
    await match.human.wait_for(lambda g: bool(g.last_error), 5)
    assert "illegal" in match.human.last_error
    match.bot.move("E5")  # not the bot's turn
    await match.bot.wait_for(lambda g: bool(g.last_error), 5)
    assert "not your turn" in match.bot.last_error
    match.check_boards()


async def test_the_turn_passes_with_the_move_event(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    """A move event comes before its clock event: the turn must not wait for the clock."""
    match: Match = await start_match(emu)
    seen: list[tuple[str, int, bool]] = []
    match.bot.add_handler(lambda g, name, data: seen.append((name, g.move_number, g.my_turn)))
    for number, (side, move) in enumerate(
        [("bot", "C3"), ("human", "G7"), ("bot", "C7"), ("human", "G3")], 1
    ):
        getattr(match, side).move(move)
        await match.moves(number)
    await match.sync()
    moves = [(number, my_turn) for name, number, my_turn in seen if name == "move"]
    assert moves == [(1, False), (2, True), (3, False), (4, True)]
    clocks = [(number, my_turn) for name, number, my_turn in seen if name == "clock"]
    assert clocks == [(1, False), (2, True), (3, False), (4, True)]


async def test_pass_and_resign(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.pass_turn()
    await match.moves(1)
    assert match.referee.state.moves == [("b", None)]
    for game in (match.bot, match.human):
        assert game.moves[0].is_pass
        assert game.state is not None and game.state.consecutive_passes == 1
    assert match.human.my_turn
    match.bot.resign()  # at any time, not only on one's turn
    await match.both(lambda g: g.finished and g.outcome != "")  # the outcome follows the phase
    for game in (match.bot, match.human):
        assert game.outcome == "Resignation"
        assert game.winner == match.human_id
        assert game.phase == "finished"
        assert not game.my_turn


# ----- duplicates, gaps and disorder -----------------------------------------------------------


async def test_duplicate_move_events_are_dropped(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    raw: list[int] = []
    match.bot.realtime.on(
        f"game/{match.game_id}/move", lambda name, data: raw.append(data["move_number"])
    )
    async with aiohttp.ClientSession() as http:  # the control API, as a tool would use it
        fault = {"prefix": f"game/{match.game_id}/move", "duplicate": 2, "seconds": 60}
        async with http.post(f"{emu.url}/_sandbox/faults/events", json=fault) as response:
            assert response.status == 200
    for number, (side, move) in enumerate(
        [("bot", "C3"), ("human", "G7"), ("bot", "C7"), ("human", "G3")], 1
    ):
        getattr(match, side).move(move)
        await match.moves(number)
    await match.sync()
    assert raw == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]  # each event came three times
    match.check_boards()
    for side, game in (("bot", match.bot), ("human", match.human)):
        assert game.gamedata_count == 1  # no resync was needed
        assert match.events[side].count("move") == 4  # handlers saw each move once
        assert game.state is not None and game.state.prisoners == {"b": 0, "w": 0}


async def test_a_stale_move_event_is_dropped(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    match.human.move("G7")
    await match.moves(2)
    stale = {"game_id": match.game_id, "move_number": 1, "move": [0, 0, 100]}
    emu.send_raw(json.dumps([f"game/{match.game_id}/move", stale]), BOT)
    await match.sync()
    match.check_boards()
    assert match.bot.state is not None and match.bot.state.board.get((0, 0)) is None
    assert match.bot.gamedata_count == 1


async def test_a_gap_in_the_moves_resyncs(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    match.human.move("G7")
    await match.moves(2)
    # A move two ahead of what the bot has: something was missed, so ask for everything.
    ahead = {"game_id": match.game_id, "move_number": 4, "move": [0, 0, 100]}
    emu.send_raw(json.dumps([f"game/{match.game_id}/move", ahead]), BOT)
    await match.bot.wait_for(lambda g: g.gamedata_count == 2, 5)
    assert match.human.gamedata_count == 1
    match.check_boards()  # the phantom move is not on the board
    assert match.bot.state is not None and match.bot.state.board.get((0, 0)) is None
    assert match.bot.my_turn
    match.bot.move("C7")  # and play goes on
    await match.moves(3)
    match.check_boards()


async def test_a_burst_of_gaps_resyncs_once(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    for number in (3, 4, 5):  # three moves from the future before the fresh gamedata is in
        ahead = {"game_id": match.game_id, "move_number": number, "move": [0, number, 100]}
        emu.send_raw(json.dumps([f"game/{match.game_id}/move", ahead]), BOT)
    await match.bot.wait_for(lambda g: g.gamedata_count == 2, 5)
    await match.sync()
    assert match.bot.gamedata_count == 2  # one extra gamedata, not three
    account = emu.accounts.by_name(BOT)
    assert account is not None
    joins = [d for who, name, d in emu.received if who == account.id and name == "game/connect"]
    assert len(joins) == 2
    match.check_boards()
    # A later gap resyncs again.
    ahead = {"game_id": match.game_id, "move_number": 9, "move": [0, 0, 100]}
    emu.send_raw(json.dumps([f"game/{match.game_id}/move", ahead]), BOT)
    await match.bot.wait_for(lambda g: g.gamedata_count == 3, 5)
    match.check_boards()


async def test_a_late_clock_does_not_turn_back_the_turn(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    prefix = f"game/{match.game_id}/clock"
    arrived: list[int] = []
    match.bot.realtime.on(prefix, lambda name, data: arrived.append(data["current_player"]))
    # The fault holds move 1's clock, and ends as soon as the server has played move 1: no
    # window to hit in time, however loaded the machine.
    fault = EventFault(prefix=prefix, delay=3.0)
    emu.add_event_fault(fault)
    match.bot.move("C3")
    await until(lambda: match.referee.state.move_number == 1, 5, "move 1 on the server")
    fault.until = time.monotonic()
    await match.moves(1)
    match.human.move("G7")
    await match.moves(2)
    await until(lambda: len(arrived) == 2, timeout=6, what="the late clock")
    assert arrived == [match.bot_id, match.human_id]  # the newer clock came first
    await match.sync()
    for game in (match.bot, match.human):
        assert game.clock is not None
        assert game.clock.current_player == match.bot_id
        assert game.to_move == "black"
    assert match.bot.my_turn and not match.human.my_turn


async def test_a_late_move_event_resyncs_and_is_then_dropped(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    """Move 1 is held back; move 2 overtakes it; move 1 arrives last."""
    match: Match = await start_match(emu)
    prefix = f"game/{match.game_id}/move"
    arrived: list[int] = []
    match.human.realtime.on(prefix, lambda name, data: arrived.append(data["move_number"]))
    fault = EventFault(prefix=prefix, delay=3.0)  # ended once the server has move 1
    emu.add_event_fault(fault)
    match.bot.move("C3")
    await until(lambda: match.referee.state.move_number == 1, 5, "move 1 on the server")
    fault.until = time.monotonic()
    assert match.bot.move_number == match.human.move_number == 0
    assert match.referee.state.move_number == 1
    # The clock (not delayed) already says it is the human's turn.
    await match.human.wait_for(lambda g: g.my_turn, 2)
    match.human.move("G7")
    await match.both(lambda g: g.gamedata_count == 2 and g.move_number == 2, 2)
    await until(lambda: arrived == [2, 1], timeout=6, what="the late move event")
    await match.sync()
    match.check_boards()
    for side, game in (("bot", match.bot), ("human", match.human)):
        assert game.gamedata_count == 2
        assert match.events[side].count("move") == 0  # both came out of order: none applied


# ----- undo, chat, pause -----------------------------------------------------------------------


async def test_undo_request_and_accept(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    match.bot.undo_request()
    await match.human.wait_for(lambda g: g.undo_requested == 1, 5)
    match.human.undo_accept()
    await match.moves(0)
    match.check_boards()
    for game in (match.bot, match.human):
        assert game.undo_requested is None
        assert game.state is not None and game.state.board.is_empty()
    assert match.bot.my_turn
    match.bot.move("D4")  # move 1 again: not mistaken for a duplicate
    await match.moves(1)
    match.check_boards()
    assert match.referee.state.board.get((3, 5)) == "b"


async def test_an_undo_of_two_moves(emu: Emulator, start_match: Callable[..., Any]) -> None:
    """Since 2025-10: the human asks, after the bot's reply, to take back both moves."""
    match: Match = await start_match(emu)
    await match.bot.play("C3")
    await match.human.play("E5")
    await match.bot.play("G7")
    await match.moves(3)
    match.human.undo_request()  # the human's E5 and the bot's G7
    await match.bot.wait_for(lambda g: g.pending_undo is not None, 5)
    request = match.bot.pending_undo
    assert request is not None and (request.count, request.requested_by) == (2, match.human_id)
    match.bot.undo_accept()
    await match.moves(1)
    match.check_boards()
    assert match.human.my_turn


async def test_an_accept_without_a_count_takes_its_requests_moves(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    """goban's type lets `undo_accepted` omit the count: the request's holds; one that gives
    a count has the last word."""
    match: Match = await start_match(emu)
    for game, move in ((match.bot, "C3"), (match.human, "E5"), (match.bot, "G7")):
        await game.play(move)
    await match.moves(3)
    prefix = f"game/{match.game_id}/"
    request = {"move_number": 3, "requested_by": match.human_id, "undo_move_count": 2}
    for game in (match.bot, match.human):
        game._on_event(prefix + "undo_requested", request)
    match.bot._on_event(prefix + "undo_accepted", {"move_number": 3})
    match.human._on_event(prefix + "undo_accepted", {"move_number": 3, "undo_move_count": 1})
    assert (match.bot.move_number, match.human.move_number) == (1, 2)


async def test_undo_cancel(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    match.bot.undo_request()
    await match.human.wait_for(lambda g: g.undo_requested == 1, 5)
    match.bot.undo_cancel()
    await match.human.wait_for(lambda g: g.undo_requested is None, 5)
    assert match.referee.state.move_number == 1


async def test_chat_on_every_channel(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu, chat=True)
    analysis = {"type": "analysis", "name": "Win rate: 55%", "from": 0, "moves": "ddee"}
    sent: list[tuple[str, str | dict[str, Any]]] = [
        ("main", "hello"),
        ("malkovich", analysis),
        ("personal", "note to self"),
        ("hidden", "psst"),
    ]
    for channel, body in sent:
        match.bot.chat(body, channel)
    await match.both(lambda g: len(g.chat_lines) == 4)
    for game in (match.bot, match.human):
        assert [(line.channel, line.body) for line in game.chat_lines] == sent
        assert all(line.player.id == match.bot_id for line in game.chat_lines)
    assert [line["channel"] for line in match.referee.chat] == [c for c, _ in sent]
    with pytest.raises(GameError, match="channel"):
        match.bot.chat("x", "shouting")
    # A spectator joining with chat gets the log so far.
    account = emu.add_human("watcher", "watcher-password")
    token = emu.accounts.issue_jwt(account)

    async def auth() -> dict[str, Any]:
        return {"jwt": token}

    spectator = Realtime(emu.url, auth, reconnect=QUICK)
    try:
        await spectator.connect()
        watching = await Game(spectator, match.game_id, chat=True).connect()
        await watching.wait_for(lambda g: len(g.chat_lines) == 4, 5)
        assert [line.body for line in watching.chat_lines] == [b for _, b in sent]
        assert watching.my_color is None and not watching.my_turn
        assert all(isinstance(line, ChatLine) for line in watching.chat_lines)
    finally:
        await spectator.close()


async def test_chat_events_only_for_joins_that_asked_for_chat(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu, chat=True, human_chat=False)
    match.bot.chat("hello")
    await match.bot.wait_for(lambda g: len(g.chat_lines) == 1, 5)
    await match.sync()
    assert [line["line"]["body"] for line in match.referee.chat] == ["hello"]
    assert match.human.chat_lines == []


async def test_pause_and_resume(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(emu)
    match.bot.move("C3")
    await match.moves(1)
    match.bot.pause()
    await match.both(lambda g: g.gamedata is not None and g.gamedata.paused_since is not None)
    for game in (match.bot, match.human):
        assert game.clock is not None and game.clock.pause is not None
        assert game.clock.pause.paused
        assert game.gamedata is not None and game.gamedata.pause_control is not None
        assert "paused" in game.gamedata.pause_control
    match.human.move("G7")
    await match.human.wait_for(lambda g: "paused" in g.last_error, 5)
    assert match.referee.state.move_number == 1
    match.human.last_error = ""
    match.human.resume()
    await match.both(lambda g: g.gamedata is not None and g.gamedata.paused_since is None)
    match.human.move("G7")
    await match.moves(2)
    assert match.human.last_error == ""
    match.check_boards()


# ----- the end of a game -----------------------------------------------------------------------


async def test_two_passes_stone_removal_and_a_scored_end(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    for number, (side, move) in enumerate(
        [("bot", "C3"), ("human", "G7"), ("bot", "C7"), ("human", "G3")], 1
    ):
        getattr(match, side).move(move)
        await match.moves(number)
    match.bot.pass_turn()
    await match.moves(5)
    match.human.pass_turn()
    await match.both(lambda g: g.phase == "stone removal")
    await match.both(lambda g: g.clock is not None and g.clock.stone_removal_mode)
    assert match.referee.phase == "stone removal"
    for game in (match.bot, match.human):
        assert game.removed == match.referee.gamedata(time.time()).get("removed", "")
        assert not game.my_turn
    match.bot.accept_removed()
    await until(lambda: len(match.referee.accepted) == 1, what="the bot's acceptance")
    assert not match.bot.finished
    match.human.accept_removed()
    await match.both(lambda g: g.finished and g.outcome != "")  # the outcome follows the phase
    for game in (match.bot, match.human):
        assert re.fullmatch(r"\d+(\.\d+)? points", game.outcome), game.outcome
        assert game.outcome == match.referee.outcome
        assert game.winner == match.referee.winner
        assert game.gamedata is not None and game.gamedata.score is not None
        assert game.last_error == ""


async def test_stone_removal_rejected_goes_back_to_play(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu)
    match.bot.pass_turn()
    await match.moves(1)
    match.human.pass_turn()
    await match.both(lambda g: g.phase == "stone removal")
    match.human.reject_removed()
    await match.both(lambda g: g.phase == "play" and g.gamedata_count >= 2)
    assert match.referee.phase == "play"


async def test_claiming_a_timeout(emu: Emulator, start_match: Callable[..., Any]) -> None:
    match: Match = await start_match(
        emu, time_control={"system": "absolute", "total_time": 1}, bot_color="white"
    )
    assert match.human.my_turn  # black, with one second for the whole game
    match.bot.claim_timeout()  # too early: nothing happens
    await match.sync()
    assert not match.bot.finished and match.referee.phase == "play"
    # Switch the server's own timer off (every event re-arms it): only a claim ends it now.
    emu._timers.pop(match.game_id).cancel()
    await asyncio.sleep(1.1)
    assert match.referee.phase == "play"
    match.bot.claim_timeout()
    await match.both(lambda g: g.finished and g.outcome != "")  # the outcome follows the phase
    for game in (match.bot, match.human):
        assert game.outcome == "Timeout"
        assert game.winner == match.bot_id
    account = emu.accounts.by_name(BOT)
    assert account is not None
    claims = [d for who, name, d in emu.received if who == account.id and name == "game/timed_out"]
    assert claims == [{"game_id": match.game_id}] * 2


# ----- connection trouble ----------------------------------------------------------------------


async def test_a_dropped_connection_rejoins_the_game(
    emu: Emulator, start_match: Callable[..., Any]
) -> None:
    match: Match = await start_match(emu, bot_reconnect=SLOW_FIRST)
    realtime = match.bot.realtime
    match.bot.move("C3")
    await match.moves(1)

    # Dropped while the opponent moves: the re-join brings the move.
    emu.drop_connections(BOT)
    await until(lambda: not realtime.connected, what="the drop")
    match.human.move("G7")
    await match.human.wait_for(lambda g: g.move_number == 2, 5)
    assert match.bot.move_number == 1
    await match.bot.wait_for(lambda g: g.move_number == 2, 5)
    assert realtime.connections == 2
    assert match.bot.gamedata_count == 2  # it came with the fresh gamedata
    match.check_boards()

    # Back in the game: events flow again.
    match.bot.move("C7")
    await match.moves(3)
    match.human.move("G3")
    await match.moves(4)
    assert match.bot.gamedata_count == 2

    # A move made while offline goes out after the re-join.
    emu.drop_connections(BOT)
    await until(lambda: not realtime.connected, what="the second drop")
    match.bot.move("E5")
    await match.moves(5)
    assert realtime.connections == 3
    match.check_boards()
    assert match.referee.state.board.get((4, 4)) == "b"


async def test_a_server_restart_keeps_the_game(
    tmp_path: Path, start_match: Callable[..., Any]
) -> None:
    emu = Emulator(state_file=tmp_path / "s.json")
    await emu.start()
    try:
        emu.add_bot(BOT, api_key=BOT_KEY)
        emu.add_human(HUMAN, HUMAN_PASSWORD)
        match: Match = await start_match(emu)
        match.bot.move("C3")
        await match.moves(1)
        match.human.move("G7")
        await match.moves(2)

        await emu.restart()
        assert (tmp_path / "s.json").exists()
        referee = emu.games[match.game_id]
        assert referee is not match.referee  # rebuilt from the file
        match.referee = referee
        assert referee.state.move_number == 2
        await match.both(lambda g: g.realtime.connections == 2 and g.gamedata_count == 2, 10)

        match.bot.move("C7")
        await match.moves(3)
        match.human.move("G3")
        await match.moves(4)
        match.check_boards()
        assert referee.state.move_number == 4
    finally:
        await emu.stop()
