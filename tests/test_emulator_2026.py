"""The emulator speaks OGS's 2026 protocol: hostinfo, diagnostics, latency, cancel, multi-move
undo, the full stone-acceptance event, open challenges and the seek graph, keepalives,
automatch and the user vitals.

Driven with raw WebSocket frames and plain REST calls (not ogsbot's client classes), with the
shapes of goban's protocol types (`/work/goban-protocol-notes.md`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.referee import GameSettings, Referee, RefereeError
from ogsbot.sandbox.server import Emulator

import support

API_KEY = "bot-key-2026-0123456789"
KEEPALIVE = 1.0  # seconds: the emulator's challenge keepalive timeout in these tests

# goban's SeekgraphChallengeMessage and SeekgraphStartedMessage, field by field.
SEEKGRAPH_CHALLENGE_KEYS = {
    "challenge_id", "user_id", "username", "ranking", "professional", "min_rank", "max_rank",
    "game_id", "name", "ranked", "handicap", "komi", "komi_auto", "rules", "width", "height",
    "challenger_color", "disable_analysis", "time_control", "time_control_parameters",
    "time_per_move", "rengo", "rengo_nominees", "rengo_black_team", "rengo_white_team",
    "rengo_participants", "rengo_casual_mode", "rengo_auto_start", "invite_only", "uuid",
}  # fmt: skip
SEEKGRAPH_STARTED_KEYS = {
    "challenge_id", "game_started", "game_id", "creator", "black", "white", "time_control",
    "time_control_parameters",
}  # fmt: skip


class Raw(support.Raw):
    """The shared bare client, with what these tests also need."""

    async def frames_before_reply(self) -> list[list[Any]]:
        """Every frame up to the reply of a fresh ping (what the server sent meanwhile)."""
        number = await self.send("net/ping", {"client": 1}, ident=True)
        seen = []
        while True:
            frame = await self.recv()
            if frame[0] == number:
                return seen
            if frame[0] != "net/pong":
                seen.append(frame)

    async def silent(self, name: str, seconds: float = 0.3) -> None:
        """No frame named `name` comes within `seconds`."""
        with pytest.raises(asyncio.TimeoutError):
            await self.until(name, timeout=seconds)


# ----- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    server = Emulator(
        seed=11,
        state_file=tmp_path / "state.json",
        stone_removal_timeout=30,
        challenge_keepalive_timeout=KEEPALIVE,
    )
    server.add_bot("robot", api_key=API_KEY, ranking=25)
    server.add_human("alice", "alice-pw", ranking=20)
    server.add_human("bob", "bob-pw", ranking=21)
    server.add_human("carol", "carol-pw", ranking=10)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def account(emu: Emulator, name: str) -> Account:
    found = emu.accounts.by_name(name)
    assert found is not None
    return found


async def connect(emu: Emulator, http: aiohttp.ClientSession) -> Raw:
    return Raw(await http.ws_connect(emu.url.replace("http://", "ws://") + "/"))


async def token(emu: Emulator, http: aiohttp.ClientSession, name: str) -> str:
    form = {
        "grant_type": "password",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "username": name,
        "password": f"{name}-pw",
    }
    async with http.post(emu.url + "/oauth2/token/", data=form) as response:
        assert response.status == 200
        access: str = (await response.json())["access_token"]
        return access


async def rest(
    emu: Emulator,
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    who: str | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    """One REST call as `who` (a human's bearer token, or the robot's API key)."""
    headers = {}
    if who == "robot":
        body = {**(body or {}), "apikey": API_KEY}
    elif who is not None:
        headers["Authorization"] = f"Bearer {await token(emu, http, who)}"
    async with http.request(
        method, f"{emu.url}/api/v1/{path}", json=body, headers=headers
    ) as response:
        return response.status, await response.json()


async def socket_of(emu: Emulator, http: aiohttp.ClientSession, name: str) -> Raw:
    raw = await connect(emu, http)
    if name == "robot":
        reply = await raw.request("authenticate", {"jwt": "", "bot_apikey": API_KEY})
    else:
        status, config = await rest(emu, http, "GET", "ui/config", name)
        assert status == 200
        reply = await raw.request("authenticate", {"jwt": config["user_jwt"]})
    assert reply[1]["username"] == name
    return raw


def site_body(speed: str = "live", **game: Any) -> dict[str, Any]:
    """An open challenge exactly as online-go.com's ChallengeModal posts it (komi left out
    with komi_auto automatic, legacy time_control key, periods_min/max, initial_state null)."""
    return {
        "initialized": False,
        "challenger_color": "automatic",
        "invite_only": False,
        "min_ranking": -1000,
        "max_ranking": 1000,
        "rengo_auto_start": 0,
        "game": {
            "name": "Test Game",
            "rules": "japanese",
            "ranked": False,
            "width": 9,
            "height": 9,
            "handicap": 0,
            "komi_auto": "automatic",
            "disable_analysis": False,
            "initial_state": None,
            "private": False,
            "rengo": False,
            "rengo_casual_mode": False,
            "time_control": "byoyomi",
            "time_control_parameters": {
                "system": "byoyomi",
                "speed": speed,
                "main_time": 1200 if speed != "correspondence" else 86400 * 3,
                "period_time": 30 if speed != "correspondence" else 86400,
                "periods": 5,
                "periods_min": 1,
                "periods_max": 300,
                "pause_on_weekends": False,
                "time_control": "byoyomi",
            },
            "pause_on_weekends": False,
            **game,
        },
    }


def point(move: str) -> tuple[int, int] | None:
    """An OGS move ("dd", ".." for a pass) as (x, y)."""
    return None if move == ".." else (ord(move[0]) - 97, ord(move[1]) - 97)


def game_between(
    emu: Emulator, black: str, white: str, moves: Sequence[str] = (), **kw: Any
) -> int:
    """A 9x9 game in play at once (the control API's way), `moves` already played."""
    settings = GameSettings(
        width=9,
        height=9,
        rules=kw.pop("rules", "japanese"),
        ranked=kw.pop("ranked", True),
        time_control=TimeControl.from_json(
            {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}
        ).with_speed(9, 9),
        **kw,
    )
    played = [point(m) for m in moves]
    referee = emu.create_game(account(emu, black), account(emu, white), settings, played)
    return referee.game_id


async def joined(emu: Emulator, http: aiohttp.ClientSession, name: str, game_id: int) -> Raw:
    raw = await socket_of(emu, http, name)
    await raw.send("game/connect", {"game_id": game_id})
    await raw.until(f"game/{game_id}/clock")
    return raw


# ----- 1, 2: hostinfo, diagnostics, latency ---------------------------------------------------


async def test_hostinfo_reply_with_an_id_and_event_without(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    guest = await connect(emu, http)  # the site asks before (or without) authenticating
    alice = await socket_of(emu, http, "alice")
    reply = await guest.request("hostinfo", {})
    assert len(reply) == 2, reply  # data, no error
    info = reply[1]
    assert set(info) == {"hostname", "clients", "uptime", "ggs-version"}
    assert info["clients"] == 2 and isinstance(info["uptime"], int) and info["uptime"] >= 0
    assert isinstance(info["hostname"], str) and info["hostname"]
    assert "ogsbot" in info["ggs-version"]
    await guest.send("hostinfo", {})  # as the site sends it: no id
    event = await guest.until("hostinfo")
    assert set(event[1]) == {"hostname", "clients", "uptime"}
    assert event[1]["clients"] == 2
    await alice.ws.close()


async def test_net_diagnostics_are_taken_silently(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    device = {"mobile": False, "manufacturer": "", "os_name": "Linux", "browser_name": "x"}
    reports = {
        "net/connects": {
            "route": "wss://online-go.com",
            "times_connected": 1,
            "device_info": device,
            "previous_connection_duration_ms": 0,
        },
        "net/route_latency": {"route": "wss://online-go.com", "latency": 40, "mobile": False},
        "net/timeout": {
            "route": "wss://online-go.com",
            "ping_interval": 10000,
            "timeout_delay": 8000,
            "latency": 90,
            "times_connected": 2,
            "in_live_game": True,
            "device_info": device,
        },
    }
    guest = await connect(emu, http)
    alice = await socket_of(emu, http, "alice")
    for raw in (guest, alice):
        for command, data in reports.items():
            await raw.send(command, data)
        assert await raw.frames_before_reply() == []  # nothing back, not even an error
    reply = await alice.request("net/timeout", reports["net/timeout"])
    assert reply[1:] == [None]  # an empty answer, no error
    assert [c for _, c, _ in emu.diagnostics.reports][:3] == list(reports)


async def test_game_latency_is_passed_to_the_game(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot")
    alice = await joined(emu, http, "alice", game_id)
    robot = await joined(emu, http, "robot", game_id)
    await alice.send("game/latency", {"game_id": game_id, "latency": 57})
    for raw in (alice, robot):
        event = await raw.until(f"game/{game_id}/latency")
        assert event[1] == {
            "game_id": game_id,
            "player_id": account(emu, "alice").id,
            "latency": 57,
        }
    assert emu.latency.by_game[game_id] == {account(emu, "alice").id: 57}
    # A bad latency and a spectator's report are refused; nothing is passed on.
    reply = await alice.request("game/latency", {"game_id": game_id, "latency": "slow"})
    assert reply[2]["code"] == "bad_request" and "latency" in reply[2]["message"]
    carol = await joined(emu, http, "carol", game_id)
    reply = await carol.request("game/latency", {"game_id": game_id, "latency": 3})
    assert reply[2]["code"] == "not_a_player"
    await robot.silent(f"game/{game_id}/latency")


# ----- 3: game/cancel ------------------------------------------------------------------------


async def test_cancel_at_the_start_ends_the_game_unranked_with_no_winner(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee", "cc"])
    robot = await joined(emu, http, "robot", game_id)
    await robot.send("game/cancel", {"game_id": game_id})
    final = (await robot.until(f"game/{game_id}/gamedata"))[1]  # before the phase, as on OGS
    assert (await robot.until(f"game/{game_id}/phase"))[1] == "finished"
    assert (final["outcome"], final["winner"], final["ranked"]) == ("Cancellation", None, False)
    ended = await robot.until("notification")
    assert ended[1]["type"] == "gameEnded" and ended[1]["outcome"] == "Cancellation"


async def test_cancel_is_refused_once_the_game_is_under_way(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee", "cc", "gg", "cg", "gc", "dd"])
    robot = await joined(emu, http, "robot", game_id)
    await robot.send("game/cancel", {"game_id": game_id})
    error = await robot.until(f"game/{game_id}/error")
    assert "cancel" in error[1]
    reply = await robot.request("game/cancel", {"game_id": game_id})
    assert reply[2]["code"] == "cannot_cancel"
    assert emu.games[game_id].phase == "play" and emu.games[game_id].settings.ranked


@pytest.mark.parametrize(
    ("rules", "handicap", "limit"),
    [("japanese", 0, 6), ("chinese", 0, 5), ("chinese", 3, 8), ("japanese", 4, 6)],
)
def test_cancel_window_is_gobans_game_can_be_cancelled(
    rules: str, handicap: int, limit: int
) -> None:
    """Fewer than 5 + (free handicap placement ? handicap : 1) moves, as goban's
    GobanEngine.gameCanBeCancelled: handicap stones placed freely do not count."""
    black, white = Account(1, "b"), Account(2, "w")
    free = rules == "chinese"
    settings = GameSettings(
        width=9, height=9, rules=rules, handicap=handicap, free_handicap_placement=free
    )
    referee = Referee(5, black, white, settings, 1000.0)
    referee.random_moves(limit - 1, random.Random(3))
    assert referee.state.move_number == limit - 1 and referee.can_be_cancelled()
    referee.random_moves(1, random.Random(4))
    assert not referee.can_be_cancelled()
    with pytest.raises(RefereeError):
        referee.cancel(black.id, 1001.0)


# ----- 4: multi-move undo --------------------------------------------------------------------


async def test_undo_of_ones_own_last_move(emu: Emulator, http: aiohttp.ClientSession) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee"])
    alice = await joined(emu, http, "alice", game_id)
    robot = await joined(emu, http, "robot", game_id)
    await alice.send("game/undo/request", {"game_id": game_id, "move_number": 1})
    requested = await robot.until(f"game/{game_id}/undo_requested")
    alice_id = account(emu, "alice").id
    assert requested[1] == {"move_number": 1, "requested_by": alice_id, "undo_move_count": 1}
    reply = await alice.request("game/undo/accept", {"game_id": game_id, "move_number": 1})
    assert reply[2]["code"] == "bad_undo"  # not the requester
    await robot.send("game/undo/accept", {"game_id": game_id, "move_number": 1})
    accepted = await alice.until(f"game/{game_id}/undo_accepted")
    assert accepted[1] == {"move_number": 1, "undo_move_count": 1}
    gamedata = await alice.recv()
    clock = await alice.recv()
    assert gamedata[0] == f"game/{game_id}/gamedata" and gamedata[1]["moves"] == []
    assert clock[0] == f"game/{game_id}/clock" and clock[1]["current_player"] == alice_id


async def test_undo_of_ones_move_and_the_reply(emu: Emulator, http: aiohttp.ClientSession) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee", "cc", "gg"])
    alice = await joined(emu, http, "alice", game_id)
    robot = await joined(emu, http, "robot", game_id)
    robot_id = account(emu, "robot").id
    # The robot (white) played cc, alice replied gg: the robot asks for both back.
    await robot.send("game/undo/request", {"game_id": game_id, "move_number": 3})
    requested = await alice.until(f"game/{game_id}/undo_requested")
    assert requested[1] == {"move_number": 3, "requested_by": robot_id, "undo_move_count": 2}
    await alice.send("game/undo/accept", {"game_id": game_id, "move_number": 3})
    accepted = await robot.until(f"game/{game_id}/undo_accepted")
    assert accepted[1] == {"move_number": 3, "undo_move_count": 2}
    gamedata = (await robot.until(f"game/{game_id}/gamedata"))[1]
    assert [m[:2] for m in gamedata["moves"]] == [[4, 4]]
    clock = (await robot.until(f"game/{game_id}/clock"))[1]
    assert clock["current_player"] == robot_id
    # A player with no move of their own to take back cannot ask; cancelling stays a number.
    reply = await robot.request("game/undo/request", {"game_id": game_id, "move_number": 1})
    assert reply[2]["code"] == "bad_undo"
    await alice.send("game/undo/request", {"game_id": game_id, "move_number": 1})
    await robot.until(f"game/{game_id}/undo_requested")
    await alice.send("game/undo/cancel", {"game_id": game_id, "move_number": 1})
    assert (await robot.until(f"game/{game_id}/undo_canceled"))[1] == 1


async def test_a_new_move_clears_the_undo_request(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee", "cc"])
    alice = await joined(emu, http, "alice", game_id)
    robot = await joined(emu, http, "robot", game_id)
    await robot.send("game/undo/request", {"game_id": game_id, "move_number": 2})
    requested = await alice.until(f"game/{game_id}/undo_requested")
    assert requested[1]["undo_move_count"] == 1
    await alice.send("game/move", {"game_id": game_id, "move": "gg"})  # alice plays on instead
    await robot.until(f"game/{game_id}/move")
    reply = await alice.request("game/undo/accept", {"game_id": game_id, "move_number": 2})
    assert reply[2]["code"] == "bad_undo"
    assert emu.games[game_id].state.move_number == 3


def test_undo_needs_a_move_of_ones_own() -> None:
    black, white = Account(1, "b"), Account(2, "w")
    referee = Referee(6, black, white, GameSettings(width=9, height=9), 1000.0)
    referee.play_setup([(4, 4)])
    with pytest.raises(RefereeError):
        referee.request_undo(white.id, 1, 1001.0)  # white has not moved yet
    with pytest.raises(RefereeError):
        referee.request_undo(black.id, 0, 1001.0)  # not the current move number


# ----- 5: removed_stones_accepted --------------------------------------------------------------


async def test_removed_stones_accepted_has_the_full_payload(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee", "cc", "..", ".."])
    alice = await joined(emu, http, "alice", game_id)
    robot = await joined(emu, http, "robot", game_id)
    referee = emu.games[game_id]
    assert referee.phase == "stone removal"
    stones = referee.gamedata(time.time())["removed"]
    alice_id, robot_id = account(emu, "alice").id, account(emu, "robot").id
    await alice.send(
        "game/removed_stones/accept",
        {"game_id": game_id, "stones": stones, "strict_seki_mode": False},
    )
    first = (await robot.until(f"game/{game_id}/removed_stones_accepted"))[1]
    assert set(first) == {
        "player_id", "stones", "strict_seki_mode", "players", "phase", "score", "winner",
        "outcome", "end_time",
    }  # fmt: skip
    assert (first["player_id"], first["stones"], first["strict_seki_mode"]) == (
        alice_id,
        stones,
        False,
    )
    assert first["phase"] == "stone removal"
    assert (first["score"], first["winner"], first["outcome"], first["end_time"]) == (
        None,
        None,
        "",
        None,
    )
    black, white = first["players"]["black"], first["players"]["white"]
    assert black["id"] == alice_id and black["username"] == "alice"
    assert (black["accepted_stones"], black["accepted_strict_seki_mode"]) == (stones, False)
    assert white["id"] == robot_id and white["accepted_stones"] is None
    await robot.send(
        "game/removed_stones/accept",
        {"game_id": game_id, "stones": stones, "strict_seki_mode": False},
    )
    last = (await robot.until(f"game/{game_id}/removed_stones_accepted"))[1]
    assert last["player_id"] == robot_id and last["phase"] == "finished"
    assert last["players"]["white"]["accepted_stones"] == stones
    final = (await robot.until(f"game/{game_id}/gamedata"))[1]
    assert last["score"] == final["score"] and set(last["score"]) == {"black", "white"}
    assert (last["winner"], last["outcome"]) == (final["winner"], final["outcome"])
    assert last["outcome"].endswith("points")
    assert abs(last["end_time"] - time.time() * 1000) < 5000  # ms


# ----- 6: open challenges and the seek graph ---------------------------------------------------


async def test_seek_graph_lists_and_follows_open_challenges(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    status, first = await rest(emu, http, "POST", "challenges", "alice", site_body())
    assert status == 200, first
    assert isinstance(first["challenge"], int) and isinstance(first["game"], int)
    assert isinstance(first["uuid"], str) and first["uuid"]

    watcher = await connect(emu, http)  # guests see the seek graph too
    await watcher.send("seek_graph/connect", {"channel": "global"})
    listing = (await watcher.until("seekgraph/global"))[1]
    assert [e["challenge_id"] for e in listing] == [first["challenge"]]
    entry = listing[0]
    assert set(entry) >= SEEKGRAPH_CHALLENGE_KEYS
    assert (entry["user_id"], entry["username"], entry["ranking"]) == (
        account(emu, "alice").id,
        "alice",
        20,
    )
    assert (entry["komi"], entry["komi_auto"], entry["uuid"]) == (None, "automatic", first["uuid"])
    assert (entry["game_id"], entry["time_control"]) == (first["game"], "byoyomi")
    assert entry["time_control_parameters"]["speed"] == "live"
    assert entry["time_control_parameters"]["main_time"] == 1200

    # A new one is pushed; a cancelled one is deleted (both DELETE paths).
    status, second = await rest(emu, http, "POST", "challenges", "bob", site_body())
    pushed = (await watcher.until("seekgraph/global"))[1]
    assert [e["challenge_id"] for e in pushed] == [second["challenge"]]
    status, _ = await rest(emu, http, "DELETE", f"challenges/{second['challenge']}", "alice")
    assert status == 403  # only its creator cancels it
    status, _ = await rest(emu, http, "DELETE", f"challenges/{second['challenge']}", "bob")
    assert status == 200
    deleted = (await watcher.until("seekgraph/global"))[1]
    assert deleted == [{"challenge_id": second["challenge"], "delete": True}]
    status, third = await rest(emu, http, "POST", "challenges", "bob", site_body())
    await watcher.until("seekgraph/global")
    status, _ = await rest(emu, http, "DELETE", f"me/challenges/{third['challenge']}", "bob")
    assert status == 200
    deleted = (await watcher.until("seekgraph/global"))[1]
    assert deleted == [{"challenge_id": third["challenge"], "delete": True}]

    # The list endpoint has what the graph has.
    status, page = await rest(emu, http, "GET", "challenges")
    assert status == 200 and [c["id"] for c in page["results"]] == [first["challenge"]]

    # Bob takes alice's challenge: the graph is told the game started.
    status, accepted = await rest(
        emu, http, "POST", f"challenges/{first['challenge']}/accept", "bob"
    )
    assert status == 200 and accepted["game"] == first["game"]
    started = (await watcher.until("seekgraph/global"))[1]
    assert len(started) == 1 and set(started[0]) >= SEEKGRAPH_STARTED_KEYS
    assert started[0]["game_started"] is True and started[0]["game_id"] == first["game"]
    assert started[0]["creator"] == account(emu, "alice").id
    players = {started[0]["black"]["username"], started[0]["white"]["username"]}
    assert players == {"alice", "bob"}
    assert started[0]["time_control"] == "byoyomi"
    assert started[0]["time_control_parameters"]["period_time"] == 30

    # After seek_graph/disconnect, nothing more.
    await watcher.send("seek_graph/disconnect", {"channel": "global"})
    await watcher.frames_before_reply()
    await rest(emu, http, "POST", "challenges", "carol", site_body())
    await watcher.silent("seekgraph/global")


async def test_open_challenge_rules(emu: Emulator, http: aiohttp.ClientSession) -> None:
    watcher = await connect(emu, http)
    await watcher.send("seek_graph/connect", {"channel": "global"})
    assert (await watcher.until("seekgraph/global"))[1] == []
    # Invite-only challenges are not on the graph.
    status, _ = await rest(
        emu, http, "POST", "challenges", "alice", {**site_body(), "invite_only": True}
    )
    assert status == 200
    await watcher.silent("seekgraph/global")
    # A bot may not take an open challenge, nor anyone outside its rank range.
    ranged = {**site_body(), "min_ranking": 15, "max_ranking": 25}
    status, open_ = await rest(emu, http, "POST", "challenges", "alice", ranged)
    status, _ = await rest(emu, http, "POST", f"challenges/{open_['challenge']}/accept", "robot")
    assert status == 403
    status, answer = await rest(
        emu, http, "POST", f"challenges/{open_['challenge']}/accept", "carol"
    )
    assert status == 403 and "rank" in answer["detail"]
    status, _ = await rest(emu, http, "POST", f"challenges/{open_['challenge']}/accept", "alice")
    assert status == 400  # one's own
    status, _ = await rest(emu, http, "POST", f"challenges/{open_['challenge']}/accept", "bob")
    assert status == 200


@pytest.mark.parametrize(
    ("system", "params", "missing"),
    [
        ("byoyomi", {"main_time": 600, "periods": 5}, "period_time"),
        ("fischer", {"initial_time": 600, "time_increment": 10}, "max_time"),
        ("canadian", {"main_time": 600, "period_time": 300}, "stones_per_period"),
        ("simple", {}, "per_move"),
        ("absolute", {"total_time": "soon"}, "total_time"),
    ],
)
async def test_a_missing_time_parameter_is_a_400_naming_it(
    emu: Emulator, http: aiohttp.ClientSession, system: str, params: dict[str, Any], missing: str
) -> None:
    body = site_body()
    body["game"]["time_control"] = system
    body["game"]["time_control_parameters"] = {"system": system, "speed": "live", **params}
    status, answer = await rest(emu, http, "POST", "challenges", "alice", body)
    assert status == 400 and missing in answer["detail"], answer


async def test_site_challenge_bodies_are_accepted(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    """The real ChallengeModal body (komi omitted, legacy key, periods bounds, rengo flags,
    challenger_color random), a direct one with a custom komi, and a handicap as a string."""
    random_color = {**site_body(), "challenger_color": "random"}
    status, created = await rest(emu, http, "POST", "challenges", "alice", random_color)
    assert status == 200, created
    challenge = emu.challenges[created["challenge"]]
    assert (challenge.komi, challenge.challenger_color) == (None, "random")
    direct = site_body(komi_auto="custom", komi=5.5, handicap="2")
    robot_id = account(emu, "robot").id
    status, created = await rest(emu, http, "POST", f"players/{robot_id}/challenge", "bob", direct)
    assert status == 200 and set(created) >= {"challenge", "uuid", "game"}
    challenge = emu.challenges[created["challenge"]]
    assert (challenge.komi, challenge.handicap) == (5.5, 2)
    broken = site_body(komi_auto="custom")
    status, answer = await rest(emu, http, "POST", "challenges", "alice", broken)
    assert status == 400 and "game.komi" in answer["detail"]


# ----- 7: challenge keepalive ------------------------------------------------------------------


async def test_a_live_challenge_whose_keepalives_stop_is_withdrawn(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    robot = await socket_of(emu, http, "robot")
    alice = await socket_of(emu, http, "alice")
    watcher = await connect(emu, http)
    await watcher.send("seek_graph/connect", {"channel": "global"})
    await watcher.until("seekgraph/global")
    robot_id = account(emu, "robot").id
    status, direct = await rest(
        emu, http, "POST", f"players/{robot_id}/challenge", "alice", site_body()
    )
    note = (await robot.until("notification"))[1]
    assert note["type"] == "challenge" and note["challenge_id"] == direct["challenge"]
    status, open_ = await rest(emu, http, "POST", "challenges", "alice", site_body(speed="blitz"))
    assert status == 200
    await watcher.until("seekgraph/global")
    # Kept alive for longer than the timeout: still there.
    for _ in range(6):
        for created in (direct, open_):
            keepalive = {"challenge_id": created["challenge"], "game_id": created["game"]}
            await alice.send("challenge/keepalive", keepalive)
        await asyncio.sleep(KEEPALIVE / 4)
    assert {direct["challenge"], open_["challenge"]} <= set(emu.challenges)
    # Then the keepalives stop: both are withdrawn.
    deleted = await robot.until("notification", timeout=KEEPALIVE * 4)
    assert deleted[1] == {"id": note["id"], "type": "delete"}
    gone = (await watcher.until("seekgraph/global", timeout=KEEPALIVE * 4))[1]
    assert gone == [{"challenge_id": open_["challenge"], "delete": True}]
    assert direct["challenge"] not in emu.challenges and open_["challenge"] not in emu.challenges
    assert note["id"] not in emu.notifications.get(robot_id, {})
    assert await alice.frames_before_reply() == []  # keepalives themselves are never answered


async def test_challenges_without_keepalives_or_not_live_are_left_alone(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    alice = await socket_of(emu, http, "alice")
    robot_id = account(emu, "robot").id
    status, silent = await rest(
        emu, http, "POST", f"players/{robot_id}/challenge", "alice", site_body()
    )
    status, corr = await rest(
        emu, http, "POST", "challenges", "alice", site_body(speed="correspondence")
    )
    invite = {**site_body(), "invite_only": True}
    status, invited = await rest(emu, http, "POST", "challenges", "alice", invite)
    assert status == 200
    for created in (corr, invited):
        keepalive = {"challenge_id": created["challenge"], "game_id": created["game"]}
        await alice.send("challenge/keepalive", keepalive)
    # Keepalives for unknown or someone else's challenges are ignored, not errors.
    await alice.send("challenge/keepalive", {"challenge_id": 1, "game_id": 2})
    assert await alice.frames_before_reply() == []
    await asyncio.sleep(KEEPALIVE * 1.5)
    assert {silent["challenge"], corr["challenge"], invited["challenge"]} <= set(emu.challenges)
    reply = await alice.request("challenge/keepalive", {"game_id": 2})
    assert reply[2]["code"] == "bad_request" and "challenge_id" in reply[2]["message"]


# ----- 8: automatch --------------------------------------------------------------------------


def preferences(uuid: str, **kw: Any) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "size_speed_options": kw.pop(
            "options", [{"size": "9x9", "speed": "rapid", "system": "byoyomi"}]
        ),
        "lower_rank_diff": kw.pop("lower", 3),
        "upper_rank_diff": kw.pop("upper", 3),
        "rules": {"condition": "required", "value": "japanese"},
        "handicap": {"condition": "preferred", "value": "enabled"},
        **kw,
    }


async def test_two_compatible_requests_start_a_game(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    alice = await socket_of(emu, http, "alice")
    bob = await socket_of(emu, http, "bob")
    watcher = await socket_of(emu, http, "carol")
    await watcher.send("automatch/available/subscribe")
    alice_options = [
        {"size": "19x19", "speed": "live", "system": "fischer"},
        {"size": "9x9", "speed": "rapid", "system": "byoyomi"},
    ]
    await alice.send("automatch/find_match", preferences("a-1", options=alice_options))
    entry = (await alice.until("automatch/entry"))[1]
    assert entry["uuid"] == "a-1" and entry["size_speed_options"] == alice_options
    added = (await watcher.until("automatch/available/add"))[1]
    assert added["uuid"] == "a-1" and added["player"]["id"] == account(emu, "alice").id
    assert added["preferences"]["rules"] == {"condition": "required", "value": "japanese"}
    assert isinstance(added["created"], int)
    # automatch/list replays one's own requests (a reconnecting page).
    again = await socket_of(emu, http, "alice")
    await again.send("automatch/list", {})
    assert (await again.until("automatch/entry"))[1]["uuid"] == "a-1"

    await bob.send(
        "automatch/find_match",
        preferences(
            "b-1",
            rules={"condition": "no-preference", "value": "chinese"},
            handicap={"condition": "required", "value": "disabled"},
        ),
    )
    started_b = (await bob.until("automatch/start"))[1]
    started_a = (await alice.until("automatch/start"))[1]
    assert started_a["uuid"] == "a-1" and started_b["uuid"] == "b-1"
    assert started_a["game_id"] == started_b["game_id"]
    assert (await watcher.until("automatch/available/remove"))[1] == "a-1"
    referee = emu.games[started_a["game_id"]]
    s = referee.settings
    assert (s.width, s.height, s.rules, s.handicap, s.ranked) == (9, 9, "japanese", 0, True)
    tc = s.time_control.to_json()
    assert (tc["system"], tc["speed"], tc["main_time"], tc["period_time"], tc["periods"]) == (
        "byoyomi",
        "rapid",
        120,
        30,
        5,
    )
    assert {referee.black.username, referee.white.username} == {"alice", "bob"}
    assert emu.automatch.requests == {}
    status, overview = await rest(emu, http, "GET", "ui/overview", "bob")
    assert status == 200
    assert [g["id"] for g in overview["active_games"]] == [referee.game_id]


async def test_requests_that_do_not_fit_wait(emu: Emulator, http: aiohttp.ClientSession) -> None:
    alice = await socket_of(emu, http, "alice")
    bob = await socket_of(emu, http, "bob")
    carol = await socket_of(emu, http, "carol")
    await alice.send("automatch/find_match", preferences("a-1"))
    # Required rules that differ; another size; a rank outside alice's range (carol is 10).
    clash = preferences("b-1", rules={"condition": "required", "value": "chinese"})
    await bob.send("automatch/find_match", clash)
    other = [{"size": "13x13", "speed": "rapid", "system": "byoyomi"}]
    await bob.send("automatch/find_match", preferences("b-2", options=other))
    await carol.send("automatch/find_match", preferences("c-1", upper=15))
    await alice.silent("automatch/start")
    assert set(emu.automatch.requests) == {"a-1", "b-1", "b-2", "c-1"}
    # Cancelling one, then all of an account's (uuid null).
    await bob.send("automatch/cancel", {"uuid": "b-1"})
    assert (await bob.until("automatch/cancel"))[1] == {"uuid": "b-1"}
    await bob.send("automatch/cancel", {"uuid": None})
    assert (await bob.until("automatch/cancel"))[1] == {"uuid": "b-2"}
    assert set(emu.automatch.requests) == {"a-1", "c-1"}
    # Preferred handicaps and a rank in range: a match.
    await bob.send(
        "automatch/find_match", preferences("b-3", rules={"condition": "preferred", "value": "aga"})
    )
    assert (await bob.until("automatch/start"))[1]["uuid"] == "b-3"
    game = emu.games[(await alice.until("automatch/start"))[1]["game_id"]]
    assert game.settings.rules == "japanese" and game.settings.handicap == 1  # 21 - 20


async def test_bots_may_not_use_automatch(emu: Emulator, http: aiohttp.ClientSession) -> None:
    robot = await socket_of(emu, http, "robot")
    reply = await robot.request("automatch/find_match", preferences("r-1"))
    assert reply[1] is None and reply[2]["code"] == "bots_not_allowed"
    await robot.send("automatch/find_match", preferences("r-2"))
    error = await robot.until("ERROR")
    assert "bot" in error[1]
    assert emu.automatch.requests == {}


# ----- 9: user vitals ----------------------------------------------------------------------


async def test_me_has_the_user_vitals(emu: Emulator, http: aiohttp.ClientSession) -> None:
    for who in ("alice", "robot"):
        status, me = await rest(emu, http, "GET", "me", who)
        assert status == 200
        assert {
            "id", "username", "professional", "ranking", "ratings", "country", "language",
            "about", "ui_class", "is_bot", "supporter", "icon", "email", "is_moderator",
            "is_superuser", "timezone",
        } <= set(me)  # fmt: skip
        assert me["username"] == who and me["is_bot"] == (who == "robot")
        assert me["email"] == f"{who}@example.invalid"
        assert set(me["ratings"]["overall"]) >= {"rating", "deviation", "volatility"}
        assert me["ratings"]["version"] == 5
        assert {"rank_text", "anonymous", "icon_url"} <= set(me)  # what it returned before
    alice_id = account(emu, "alice").id
    status, _ = await rest(emu, http, "PUT", f"players/{alice_id}", "alice", {"about": "Hi"})
    assert status == 200
    status, me = await rest(emu, http, "GET", "me", "alice")
    assert me["about"] == "Hi"


# ----- 10: unknown commands, malformed frames ----------------------------------------------------


async def test_malformed_frames_and_fields_are_answered_never_fatal(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    game_id = game_between(emu, "alice", "robot", ["ee"])
    robot = await joined(emu, http, "robot", game_id)
    reply = await robot.request("no/such/thing", {})
    assert reply[2]["code"] == "unknown_command"
    bad: list[tuple[str, Any]] = [
        ("game/move", {"game_id": {"x": 1}, "move": "cc"}),
        ("game/move", {"game_id": game_id, "move": ["a", "b"]}),
        ("game/chat", {"game_id": game_id, "type": "main", "move_number": "x", "body": "hi"}),
        ("game/undo/request", {"game_id": game_id, "move_number": [1]}),
        ("game/removed_stones/set", {"game_id": game_id, "stones": 5, "removed": True}),
        ("game/latency", {"game_id": game_id, "latency": [5]}),
        ("game/cancel", {"game_id": "abc"}),
        ("challenge/keepalive", {"challenge_id": "x"}),
        ("seek_graph/connect", {"channel": 5}),
        ("automatch/find_match", {"uuid": 3}),
        ("automatch/find_match", [1, 2, 3]),
        ("automatch/cancel", {"uuid": 7}),
        ("notification/delete", "not an object"),
    ]
    for command, data in bad:
        reply = await robot.request(command, data)
        assert len(reply) == 3 and reply[1] is None, (command, reply)
        assert set(reply[2]) == {"code", "message"}, (command, reply)
    for junk in ("not json", "{}", "[]", "[42]", '["game/move"'):
        await robot.ws.send_str(junk)
        assert (await robot.until("ERROR"))[1].startswith("malformed frame")
    await robot.send("game/move", {"game_id": game_id, "move": ["a", "b"]})
    assert (await robot.until(f"game/{game_id}/error"))[1]
    await robot.send("automatch/cancel", {"uuid": 7})
    assert (await robot.until("ERROR"))[1]
    # Still in the game and answering.
    await robot.send("game/move", {"game_id": game_id, "move": "cc"})
    move = await robot.until(f"game/{game_id}/move")
    assert move[1]["move_number"] == 2
