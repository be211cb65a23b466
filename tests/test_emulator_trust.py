"""The emulator's end of a game, as OGS's official bridge (gtp2ogs) meets it (issue #13).

The final gamedata comes before the `finished` phase, a game against a bot is scored by the
server without the bot's acceptance, and the built-in opponent answers each stone-removal
state once. Driven with a bare realtime client (`support.Raw`) and the built-in players.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.players import Opponent
from ogsbot.sandbox.referee import Event, GameSettings, Referee
from ogsbot.sandbox.server import Emulator

from support import Raw

API_KEY = "bot-key-trust-0123456789"
PASSES = [(4, 4), (2, 2), None, None]  # two stones, then both pass: stone removal


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    """OGS's 300 s stone removal; a short bot scoring delay keeps the tests quick."""
    server = Emulator(seed=3, state_file=tmp_path / "state.json", bot_scoring_delay=1.0)
    server.add_bot("robot", api_key=API_KEY, ranking=25)
    server.add_human("alice", "alice-pw", ranking=20)
    await server.start()
    yield server
    await server.stop()


def settings() -> GameSettings:
    tc = TimeControl.from_json(
        {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}
    )
    return GameSettings(width=9, height=9, time_control=tc.with_speed(9, 9))


def account(emu: Emulator, name: str) -> Account:
    found = emu.accounts.by_name(name)
    assert found is not None
    return found


async def robot_in(emu: Emulator, http: aiohttp.ClientSession, game_id: int) -> Raw:
    """The bot, connected as gtp2ogs connects: API key, then `game/connect`."""
    raw = Raw(await http.ws_connect(emu.url.replace("http://", "ws://") + "/"))
    reply = await raw.request("authenticate", {"jwt": "", "bot_apikey": API_KEY})
    assert reply[1]["username"] == "robot"
    await raw.send("game/connect", {"game_id": game_id})
    return raw


def names(events: list[Event]) -> list[str]:
    return [name for name, _ in events]


# ----- 30: the final gamedata before the finished phase ------------------------------------


def referees() -> tuple[Account, Account, Callable[[], Referee]]:
    bot, human = Account(1, "robot", is_bot=True), Account(2, "alice")
    return bot, human, lambda: Referee(9, bot, human, settings(), 1000.0)


@pytest.mark.parametrize("ending", ["resign", "timeout", "cancel", "scored", "bot scoring"])
def test_every_ending_sends_the_final_gamedata_before_the_finished_phase(ending: str) -> None:
    """gtp2ogs sets its phase from the `phase` event and runs its game-over handler only when
    a finished gamedata *changes* the phase: the gamedata has to come first."""
    bot, human, new = referees()
    referee = new()
    if ending == "resign":
        events = referee.resign(human.id, 1001.0)
    elif ending == "timeout":
        events = referee.check_time(1000.0 + 601.0)
    elif ending == "cancel":
        events = referee.cancel(bot.id, 1001.0)
    else:
        referee.play_setup(PASSES)
        if ending == "scored":
            stones = referee.gamedata(1001.0)["removed"]
            referee.accept_removed(bot.id, stones, 1001.0)
            events = referee.accept_removed(human.id, stones, 1001.0)
        else:
            events = referee.check_time(referee.stone_removal_deadline())
    order = names(events)
    assert referee.finished and "phase" in order, order
    assert order.index("gamedata") < order.index("phase"), order
    final = dict(events)["gamedata"]
    assert final["phase"] == "finished" and final["outcome"] == referee.outcome


async def test_a_gtp2ogs_style_client_sees_the_game_end(emu: Emulator) -> None:
    """The frames on the wire: the finished gamedata arrives while the phase the client
    holds is still "play", then the `finished` phase."""
    robot, alice = account(emu, "robot"), account(emu, "alice")
    referee = emu.create_game(robot, alice, settings(), [(4, 4)])
    async with aiohttp.ClientSession() as http:
        raw = await robot_in(emu, http, referee.game_id)
        prefix = f"game/{referee.game_id}/"
        await raw.until(prefix + "clock")
        emu.broadcast_game(referee, referee.resign(alice.id, referee.last_move + 1))
        phase = "play"  # what gtp2ogs keeps in its state
        game_over_ran = False
        while True:
            name, data = (await raw.recv())[:2]
            if name == prefix + "gamedata" and data["phase"] == "finished":
                game_over_ran = data["phase"] != phase  # gtp2ogs's test in its gamedata handler
                phase = data["phase"]
            elif name == prefix + "phase":
                phase = data
                break
        assert game_over_ran
        await raw.ws.close()


# ----- 29: OGS scores a bot game without the bot ----------------------------------------


def test_a_bot_game_is_scored_after_the_bot_scoring_delay_without_acceptance() -> None:
    _, _, new = referees()
    referee = new()
    referee.play_setup(PASSES)
    assert referee.phase == "stone removal" and referee.bot_game
    started = referee.stone_removal_started
    assert referee.stone_removal_deadline() == started + referee.bot_scoring_delay
    assert referee.check_time(started + referee.bot_scoring_delay - 0.5) == []
    events = referee.check_time(started + referee.bot_scoring_delay)
    assert referee.finished and referee.outcome.endswith("points")
    assert referee.accepted == {}  # nobody accepted: the server's verdict
    clock = dict(events)["clock"]
    assert "stone_removal_mode" not in clock


def test_a_game_between_humans_still_waits_for_their_acceptance() -> None:
    one, two = Account(1, "alice"), Account(2, "bob")
    referee = Referee(9, one, two, settings(), 1000.0)
    referee.play_setup(PASSES)
    assert not referee.bot_game
    assert referee.stone_removal_deadline() == referee.stone_removal_started + 300.0
    assert referee.check_time(referee.stone_removal_started + 60.0) == []
    assert referee.phase == "stone removal"


def test_the_clock_announces_the_bot_scoring_deadline() -> None:
    _, _, new = referees()
    referee = new()
    referee.play_setup(PASSES)
    clock = referee.clock(referee.stone_removal_started)
    assert clock["stone_removal_mode"] is True
    assert clock["stone_removal_expiration"] == int(referee.stone_removal_deadline() * 1000)


def test_the_bot_scoring_delay_survives_a_restart() -> None:
    bot, human, _ = referees()
    referee = Referee(9, bot, human, settings(), 1000.0, bot_scoring_delay=2.5)
    referee.play_setup(PASSES)
    again = Referee.from_state(referee.to_state(), {bot.id: bot, human.id: human})
    assert again.stone_removal_deadline() == referee.stone_removal_deadline()
    state = referee.to_state()
    del state["bot_scoring_delay"]  # a state file from before
    assert Referee.from_state(state, {bot.id: bot, human.id: human}).bot_scoring_delay == 5.0


async def test_a_bot_that_ignores_stone_removal_still_finishes(emu: Emulator) -> None:
    """gtp2ogs does nothing in stone removal ("OGS auto scores bot games now"): the game
    ends, scored, with the stone removal timeout at 300 s and no acceptance at all."""
    robot, alice = account(emu, "robot"), account(emu, "alice")
    referee = emu.create_game(robot, alice, settings(), PASSES)
    assert referee.phase == "stone removal"
    async with aiohttp.ClientSession() as http:
        raw = await robot_in(emu, http, referee.game_id)
        name = f"game/{referee.game_id}/gamedata"
        while True:
            frame = await raw.until(name, timeout=30)
            if frame[1]["phase"] == "finished":
                break
        assert frame[1]["outcome"].endswith("points")
        assert referee.accepted == {}
        await raw.ws.close()


# ----- 28: the built-in opponent answers a removal state once ------------------------------


async def test_the_opponent_accepts_each_removal_state_once(emu: Emulator) -> None:
    """Events that change nothing (its own acceptance coming back, latencies) get no new
    acceptance; a change of the marks gets exactly one."""
    robot, alice = account(emu, "robot"), account(emu, "alice")
    emu.bot_scoring_delay = 300.0  # the bot ends this game itself, when it is ready
    opponent = Opponent(emu.url, "alice", "alice-pw", "random", seed=1)
    await opponent.connect()
    referee = emu.create_game(robot, alice, settings(), PASSES)
    game_id = referee.game_id
    prefix = f"game/{game_id}/"
    accepted: list[dict[str, Any]] = []  # alice's acceptances, as the bot saw them

    async def next_acceptance(raw: Raw) -> dict[str, Any]:
        while True:
            name, data = (await raw.recv(10))[:2]
            if name == prefix + "removed_stones_accepted" and data["player_id"] == alice.id:
                accepted.append(data)
                return dict(data)

    async with aiohttp.ClientSession() as http:
        try:
            raw = await robot_in(emu, http, game_id)
            await raw.until(prefix + "clock")  # in the game before the opponent acts
            emu.spawn(opponent.play(game_id, start_timeout=10))
            first = await next_acceptance(raw)
            for ms in range(3):  # events the opponent sees, none of them a new state
                await raw.send("game/latency", {"game_id": game_id, "latency": 10 + ms})
                await raw.until(prefix + "latency")
            await raw.send(
                "game/removed_stones/set",
                {"game_id": game_id, "removed": False, "stones": first["stones"]},
            )
            second = await next_acceptance(raw)  # the new marks: accepted once
            assert second["stones"] == "" != first["stones"]
            await raw.send(
                "game/removed_stones/accept",
                {"game_id": game_id, "stones": "", "strict_seki_mode": False},
            )
            while True:  # everything up to the end of the game
                name, data = (await raw.recv(10))[:2]
                if name == prefix + "removed_stones_accepted" and data["player_id"] == alice.id:
                    accepted.append(data)
                if name == prefix + "gamedata" and data["phase"] == "finished":
                    break
            await raw.ws.close()
        finally:
            await opponent.close()
    assert [a["stones"] for a in accepted] == [first["stones"], ""]
    assert referee.finished and referee.removed == set()
