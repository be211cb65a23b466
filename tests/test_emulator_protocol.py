"""The emulator driven by a raw WebSocket client written here (not ogsbot's own client).

Frames are asserted field by field against the shapes of real OGS payloads in
tests/data/ogs-samples: every key OGS sends in every sample, we send too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.sandbox.server import Emulator

from support import Raw

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"
API_KEY = "bot-key-0123456789abcdef"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return data


def common_gamedata_keys() -> set[str]:
    """Keys present in every real gamedata sample (the legacy-only ones drop out)."""
    sets = [
        set(json.loads(path.read_text()))
        for path in SAMPLES.glob("gamedata-*.json")
        if "partial" not in path.name and "fixture" not in path.name
    ]
    return set.intersection(*sets)


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    server = Emulator(seed=7, state_file=tmp_path / "state.json", stone_removal_timeout=2)
    server.add_bot("robot", api_key=API_KEY, ranking=25)
    server.add_human("alice", "secret-pw", ranking=20)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def connect(emu: Emulator, http: aiohttp.ClientSession, path: str = "/") -> Raw:
    ws = await http.ws_connect(emu.url.replace("http://", "ws://") + path)
    return Raw(ws)


async def bot_socket(emu: Emulator, http: aiohttp.ClientSession, path: str = "/") -> Raw:
    raw = await connect(emu, http, path)
    reply = await raw.request("authenticate", {"jwt": "", "bot_apikey": API_KEY})
    assert reply[1] == {"id": emu.accounts.by_name("robot").id, "username": "robot"}  # type: ignore[union-attr]
    return raw


async def alice_token(emu: Emulator, http: aiohttp.ClientSession) -> str:
    form = {
        "grant_type": "password",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "username": "alice",
        "password": "secret-pw",
    }
    async with http.post(emu.url + "/oauth2/token/", data=form) as response:
        assert response.status == 200
        token: str = (await response.json())["access_token"]
        return token


def challenge_body(system: str = "fischer", **game: Any) -> dict[str, Any]:
    params = {
        "fischer": {"system": "fischer", "initial_time": 60, "time_increment": 5, "max_time": 120},
        "absolute": {"system": "absolute", "total_time": 2},
    }[system]
    return {
        "challenger_color": "black",
        "min_ranking": -1000,
        "max_ranking": 1000,
        "game": {
            "name": "protocol test",
            "rules": "japanese",
            "ranked": False,
            "width": 9,
            "height": 9,
            "handicap": 0,
            "komi_auto": "custom",
            "komi": 6.5,
            "time_control": system,
            "time_control_parameters": params,
            **game,
        },
    }


async def challenge_robot(emu: Emulator, http: aiohttp.ClientSession, **kw: Any) -> dict[str, Any]:
    token = await alice_token(emu, http)
    robot = emu.accounts.by_name("robot")
    assert robot is not None
    async with http.post(
        f"{emu.url}/api/v1/players/{robot.id}/challenge",
        json=challenge_body(**kw),
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result


async def accept(emu: Emulator, http: aiohttp.ClientSession, challenge_id: int) -> int:
    async with http.post(
        f"{emu.url}/api/v1/me/challenges/{challenge_id}/accept", json={"apikey": API_KEY}
    ) as response:
        assert response.status == 200
        game: int = (await response.json())["game"]
        return game


# ----- authentication, ping ----------------------------------------------------------------


async def test_authenticate_with_api_key_and_bad_key(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    await bot_socket(emu, http)
    raw = await connect(emu, http)
    reply = await raw.request("authenticate", {"jwt": "", "bot_apikey": "wrong"})
    assert reply[1] is None
    assert reply[2]["code"] == "invalid_auth" and "authentication failed" in reply[2]["message"]
    # Unauthenticated commands are refused, the socket stays usable.
    reply = await raw.request("game/connect", {"game_id": 1})
    assert reply[2]["code"] == "not_authenticated"


async def test_websocket_also_at_ws_path(emu: Emulator, http: aiohttp.ClientSession) -> None:
    await bot_socket(emu, http, "/ws")


async def test_user_jwt_from_ui_config(emu: Emulator, http: aiohttp.ClientSession) -> None:
    token = await alice_token(emu, http)
    async with http.get(
        emu.url + "/api/v1/ui/config", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        config = await response.json()
    raw = await connect(emu, http)
    reply = await raw.request("authenticate", {"jwt": config["user_jwt"]})
    assert reply[1]["username"] == "alice"


async def test_ping_pong(emu: Emulator, http: aiohttp.ClientSession) -> None:
    raw = await connect(emu, http)
    sent = int(time.time() * 1000)
    await raw.send("net/ping", {"client": sent, "drift": 0, "latency": 0})
    frame = await raw.until("net/pong")
    assert frame[1]["client"] == sent
    assert abs(frame[1]["server"] - time.time() * 1000) < 2000


async def test_unknown_command_and_malformed_frames(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    raw = await bot_socket(emu, http)
    reply = await raw.request("no/such/thing", {})
    assert reply[2]["code"] == "unknown_command"
    for junk in ("not json", "{}", "[]", "[42]"):
        await raw.ws.send_str(junk)
    reply = await raw.request("net/ping", {"client": 1})
    assert reply[0] == raw.next_id - 1  # still answering


# ----- challenges, notifications ----------------------------------------------------------


async def test_challenge_notification_has_ogs_shape(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    raw = await bot_socket(emu, http)
    created = await challenge_robot(emu, http)
    frame = await raw.until("notification")
    note = frame[1]
    assert set(sample("notification-challenge-fischer-1")) <= set(note)
    assert note["type"] == "challenge"
    assert note["challenge_id"] == created["challenge"] and note["game_id"] == created["game"]
    assert note["id"].startswith(f"{note['player_id']}:")
    assert note["user"]["username"] == "alice" and note["user"]["ranking"] == 20
    assert note["time_control"] == {
        "system": "fischer",
        "time_control": "fischer",
        "speed": note["time_control"]["speed"],
        "pause_on_weekends": False,
        "initial_time": 60,
        "time_increment": 5,
        "max_time": 120,
    }
    assert (note["width"], note["height"], note["komi"], note["handicap"]) == (9, 9, 6.5, 0)
    assert note["challenger_color"] == "black"
    # A second connection gets pending notifications right after authenticate.
    other = await bot_socket(emu, http)
    again = await other.until("notification")
    assert again[1]["id"] == note["id"]
    # notification/delete removes it for good.
    await raw.send("notification/delete", {"notification_id": note["id"]})
    await raw.request("net/ping", {"client": 1})
    third = await bot_socket(emu, http)
    await third.request("net/ping", {"client": 1})
    with pytest.raises(asyncio.TimeoutError):
        await third.until("notification", timeout=0.3)


async def test_decline_tells_the_challenger(emu: Emulator, http: aiohttp.ClientSession) -> None:
    token = await alice_token(emu, http)
    async with http.get(
        emu.url + "/api/v1/ui/config", headers={"Authorization": f"Bearer {token}"}
    ) as r:
        jwt = (await r.json())["user_jwt"]
    alice = await connect(emu, http)
    await alice.request("authenticate", {"jwt": jwt})
    created = await challenge_robot(emu, http)
    body = {
        "apikey": API_KEY,
        "delete": True,
        "message": "I only play 19x19",
        "rejection_details": {
            "message": "I only play 19x19",
            "rejection_code": "board_size_not_allowed",
            "details": {"allowed": [19]},
        },
    }
    async with http.post(f"{emu.url}/api/v1/me/challenges/{created['challenge']}", json=body) as r:
        assert r.status == 200
    frame = await alice.until("notification")
    note = frame[1]
    assert note["type"] == "gameOfferRejected"
    assert note["message"] == "I only play 19x19"
    assert note["rejection_details"]["rejection_code"] == "board_size_not_allowed"
    assert note["game_id"] == created["game"]
    assert emu.declines[-1]["rejection_details"]["details"] == {"allowed": [19]}
    async with http.post(
        f"{emu.url}/api/v1/me/challenges/{created['challenge']}/accept", json={"apikey": API_KEY}
    ) as r:
        assert r.status == 404  # gone once declined


async def test_bot_config_and_status_are_stored(emu: Emulator, http: aiohttp.ClientSession) -> None:
    raw = await bot_socket(emu, http)
    await raw.send(
        "bot/config", {"hidden": False, "apikey": API_KEY, "allowed_board_sizes": [9, 19]}
    )
    await raw.send("bot/status", {"ongoing_blitz_count": 0, "ongoing_live_count": 1})
    await raw.request("net/ping", {"client": 1})
    async with http.get(emu.url + "/_sandbox/bots/robot") as r:
        seen = await r.json()
    assert seen["config"] == {"hidden": False, "allowed_board_sizes": [9, 19]}  # no API key kept
    assert seen["status"]["ongoing_live_count"] == 1
    assert seen["commands"][-3:] == ["bot/config", "bot/status", "net/ping"]


# ----- a game ------------------------------------------------------------------------------


async def test_game_flow_frames(emu: Emulator, http: aiohttp.ClientSession) -> None:
    raw = await bot_socket(emu, http)
    created = await challenge_robot(emu, http)
    await raw.until("notification")
    game_id = await accept(emu, http, created["challenge"])
    active = (await raw.until("active_game"))[1]
    assert set(sample("active_game-1")) <= set(active)
    assert active["id"] == game_id and active["phase"] == "play" and active["move_number"] == 0

    await raw.send("game/connect", {"game_id": game_id, "chat": True})
    gamedata = (await raw.until(f"game/{game_id}/gamedata"))[1]
    clock = await raw.recv()
    assert clock[0] == f"game/{game_id}/clock"
    assert common_gamedata_keys() <= set(gamedata)
    assert set(sample("clock-fischer-1")) <= set(clock[1])
    robot = emu.accounts.by_name("robot")
    alice = emu.accounts.by_name("alice")
    assert robot is not None and alice is not None
    assert gamedata["players"]["black"]["id"] == alice.id  # challenger_color black
    assert gamedata["players"]["white"]["username"] == "robot"
    assert gamedata["initial_player"] == "black" and gamedata["moves"] == []
    assert gamedata["time_control"]["system"] == "fischer"
    assert clock[1]["current_player"] == alice.id
    assert clock[1]["black_time"] == {"thinking_time": 60, "skip_bonus": False}

    # Not the robot's turn: an error event for the game, nothing else changes.
    await raw.send("game/move", {"game_id": game_id, "move": "ee"})
    error = await raw.until(f"game/{game_id}/error")
    assert error[1] == "it is not your turn"
    reply = await raw.request("game/move", {"game_id": game_id, "move": "ee"})
    assert reply[2] == {"code": "not_your_turn", "message": "it is not your turn"}

    # Alice plays through the referee; the robot sees move then clock.
    emu.broadcast_game(emu.games[game_id], emu.games[game_id].move(alice.id, (4, 4), time.time()))
    move = await raw.until(f"game/{game_id}/move")
    assert set(sample("move-event-1")) <= set(move[1])
    assert move[1]["move_number"] == 1 and move[1]["move"][:2] == [4, 4]
    clock = await raw.recv()
    assert clock[0] == f"game/{game_id}/clock" and clock[1]["current_player"] == robot.id

    await raw.send("game/move", {"game_id": game_id, "move": "cc"})
    move = await raw.until(f"game/{game_id}/move")
    assert move[1]["move_number"] == 2 and move[1]["move"][:2] == [2, 2]
    await raw.send(
        "game/chat", {"game_id": game_id, "type": "main", "move_number": 2, "body": "hello"}
    )
    chat = await raw.until(f"game/{game_id}/chat")
    assert set(sample("game-chat-main-1")) <= set(chat[1])
    assert chat[1]["channel"] == "main" and chat[1]["line"]["body"] == "hello"
    assert chat[1]["line"]["username"] == "robot"

    await raw.send("game/resign", {"game_id": game_id})
    final = (await raw.until(f"game/{game_id}/gamedata"))[1]  # before the phase, as on OGS
    assert (await raw.until(f"game/{game_id}/phase"))[1] == "finished"
    assert (final["outcome"], final["winner"]) == ("Resignation", alice.id)
    ended = await raw.until("notification")
    assert ended[1]["type"] == "gameEnded"

    async with http.get(f"{emu.url}/api/v1/games/{game_id}/sgf") as r:
        sgf = await r.text()
    assert "RE[B+R]" in sgf and ";B[ee];W[cc]" in sgf


async def test_time_loss_is_flagged_by_the_server(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    raw = await bot_socket(emu, http)
    created = await challenge_robot(emu, http, system="absolute")
    game_id = await accept(emu, http, created["challenge"])
    await raw.send("game/connect", {"game_id": game_id})
    await raw.until(f"game/{game_id}/gamedata")
    final = (await raw.until(f"game/{game_id}/gamedata", timeout=6))[1]
    assert final["outcome"] == "Timeout" and final["phase"] == "finished"
    assert final["winner"] == emu.accounts.by_name("robot").id  # type: ignore[union-attr]


# ----- REST odds and ends, faults ----------------------------------------------------------


async def test_unknown_rest_path_is_json_404(emu: Emulator, http: aiohttp.ClientSession) -> None:
    async with http.get(emu.url + "/api/v1/no/such/thing") as r:
        assert r.status == 404 and (await r.json()) == {"detail": "Not found."}
    async with http.get(emu.url + "/api/v1/me") as r:
        assert r.status == 401


async def test_rest_fault_answers_with_retry_after(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        emu.url + "/_sandbox/faults/rest",
        json={"path_prefix": "/api/v1/players", "status": 429, "count": 2, "retry_after": 3},
    ) as r:
        assert r.status == 200
    for _ in range(2):
        async with http.get(emu.url + "/api/v1/players?username=alice") as r:
            assert r.status == 429 and r.headers["Retry-After"] == "3"
    async with http.get(emu.url + "/api/v1/players?username=alice") as r:
        assert r.status == 200 and (await r.json())["results"][0]["username"] == "alice"


async def test_event_fault_duplicates_frames(emu: Emulator, http: aiohttp.ClientSession) -> None:
    raw = await bot_socket(emu, http)
    async with http.post(
        emu.url + "/_sandbox/faults/events", json={"prefix": "net/pong", "duplicate": 1}
    ):
        pass
    await raw.send("net/ping", {"client": 5})
    assert (await raw.until("net/pong"))[1]["client"] == 5
    assert (await raw.until("net/pong"))[1]["client"] == 5


async def test_drop_closes_sockets_without_close_frame(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    raw = await bot_socket(emu, http)
    async with http.post(emu.url + "/_sandbox/faults/drop", json={"username": "robot"}) as r:
        assert (await r.json())["dropped"] == 1
    message = await asyncio.wait_for(raw.ws.receive(), 5)
    assert message.type in (
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
        aiohttp.WSMsgType.CLOSE,
    )


async def test_restart_keeps_games(emu: Emulator, http: aiohttp.ClientSession) -> None:
    created = await challenge_robot(emu, http)
    game_id = await accept(emu, http, created["challenge"])
    alice = emu.accounts.by_name("alice")
    assert alice is not None
    emu.broadcast_game(emu.games[game_id], emu.games[game_id].move(alice.id, (2, 3), time.time()))
    before = emu.games[game_id].gamedata(time.time())
    await emu.restart()
    raw = await bot_socket(emu, http)
    active = (await raw.until("active_game"))[1]
    assert active["id"] == game_id and active["move_number"] == 1
    await raw.send("game/connect", {"game_id": game_id})
    after = (await raw.until(f"game/{game_id}/gamedata"))[1]
    for key in ("moves", "players", "time_control", "komi", "phase"):
        assert after[key] == before[key]
