"""The emulator's control API under `/_sandbox/`: the world around a bot, and faults.

Only the emulator has it; tests, the sandbox command and other tools use it to create
accounts, start challenges from built-in opponents, read a game's whole state, see what a bot
sent, and inject faults. `GET /_sandbox/` lists every endpoint.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ogsbot.ogs.coords import Point, ogs_to_xy
from ogsbot.ogs.models import TIME_SYSTEMS, TimeControl
from ogsbot.sandbox.challenges import RULES, automatic_komi
from ogsbot.sandbox.faults import EventFault, RestFault
from ogsbot.sandbox.games import GameHost
from ogsbot.sandbox.players import DEFAULT_TIME_CONTROL, start_opponent
from ogsbot.sandbox.referee import GameSettings, RefereeError, free_handicap_placement
from ogsbot.sandbox.spectator import live
from ogsbot.sandbox.state import ServerState

ENDPOINTS = {
    "GET /_sandbox/": "this list",
    "GET /_sandbox/state": "accounts (no secrets), challenges and games in short",
    "GET /_sandbox/live": "the newest games as the spectator page draws them (stones, clocks)",
    "POST /_sandbox/accounts": "create an account: {username, bot?, api_key?, password?, ranking?}",
    "POST /_sandbox/challenges": (
        "a built-in opponent challenges a bot and plays the game: {bot, opponent?: "
        "'gnugo'|'random'|GTP command, username?, ranking?, width?, height?, rules?, ranked?, "
        "handicap?, komi?, color?, time_control?: {system, ...}, seed? (of a random player)}"
    ),
    "POST /_sandbox/games": (
        "a game in play at once, no challenge (as if long under way): {black, white "
        "(usernames), width?, height? (or size?; 19), rules?, komi? (automatic), handicap?, "
        "ranked?, name?, time_control?: {system, ...} (fischer 600+10), moves?: ['dd', '..', "
        "[x, y], ...] (played first, taking no clock time), random_moves?: N (then N random "
        "legal stones), seed?}; answers {game_id, move_number, player_to_move, phase}. The "
        "players get the active_game push, no notification"
    ),
    "GET /_sandbox/games/<id>": "a game's full state: gamedata, clock, chat, removed stones",
    "GET /_sandbox/bots/<username>": "what a bot sent: bot/config, bot/status, declines",
    "POST /_sandbox/faults/drop": "close sockets as a network failure would: {username?}",
    "POST /_sandbox/faults/malformed": "send a raw frame: {username?, text?}",
    "POST /_sandbox/faults/events": (
        "delay or duplicate events: {prefix, delay?, duplicate?, seconds?}"
    ),
    "POST /_sandbox/faults/rest": (
        "answer REST calls with an error, or late: {path_prefix, status, count?, "
        "retry_after?, method?, delay?} (a status under 400 with a delay: a slow answer)"
    ),
    "POST /_sandbox/faults/restart": "restart the server, keeping its games (needs --state)",
    "POST /_sandbox/faults/clear": "remove every fault",
    "POST /_sandbox/tokens/expire": "make every OAuth2 access token stale",
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class ControlApi:
    """The control endpoints, over the server's state and games."""

    def __init__(
        self, state: ServerState, games: GameHost, restart_soon: Callable[[], None]
    ) -> None:
        """`restart_soon`: restart the server once the current request is answered."""
        self._state = state
        self._games = games
        self._restart_soon = restart_soon

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Dispatch one control call."""
        state = self._state
        tail = request.match_info["tail"].strip("/")
        method = request.method
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                data = await request.json()
            except ValueError:
                return _error(400, "the body must be JSON")
            if not isinstance(data, dict):
                return _error(400, "the body must be a JSON object")
            body = data
        parts = tail.split("/") if tail else []
        try:
            if method == "GET" and not parts:
                return web.json_response({"endpoints": ENDPOINTS, "url": state.url})
            if method == "GET" and parts == ["state"]:
                return web.json_response(_summary(state))
            if method == "GET" and parts == ["live"]:
                return web.json_response(live(state))
            if method == "POST" and parts == ["accounts"]:
                return _create_account(state, body)
            if method == "POST" and parts == ["challenges"]:
                return web.json_response(await start_opponent(state, body))
            if method == "POST" and parts == ["games"]:
                return _create_game(self._games, body)
            if method == "GET" and len(parts) == 2 and parts[0] == "games":
                return _game(state, int(parts[1]))
            if method == "GET" and len(parts) == 2 and parts[0] == "bots":
                return _bot(state, parts[1])
            if method == "POST" and len(parts) == 2 and parts[0] == "faults":
                return await _fault(state, parts[1], body, self._restart_soon)
            if method == "POST" and parts == ["tokens", "expire"]:
                state.accounts.expire_tokens()
                return web.json_response({"expired": True})
        except (KeyError, TypeError, ValueError) as exc:
            return _error(400, f"bad request: {exc}")
        return _error(
            404, f"no control endpoint {method} /_sandbox/{tail}; GET /_sandbox/ lists them"
        )


def _summary(state: ServerState) -> dict[str, Any]:
    return {
        "url": state.url,
        "accounts": [
            {"id": a.id, "username": a.username, "bot": a.is_bot, "ranking": a.ranking}
            for a in state.accounts.by_id.values()
        ],
        "challenges": [c.listing() for c in state.challenges.values()],
        "games": [
            {
                "id": r.game_id,
                "black": r.black.username,
                "white": r.white.username,
                "phase": r.phase,
                "moves": r.state.move_number,
                "outcome": r.outcome,
            }
            for r in state.games.values()
        ],
        "connections": len(state.clients),
        "faults": state.faults.to_json(),
    }


def _create_account(state: ServerState, body: dict[str, Any]) -> web.Response:
    username = str(body["username"])
    account = state.accounts.add(
        username,
        is_bot=bool(body.get("bot", False)),
        api_key=body.get("api_key"),
        password=body.get("password"),
        ranking=float(body.get("ranking", 15.0)),
    )
    result = {"id": account.id, "username": account.username, "bot": account.is_bot}
    if account.is_bot:
        result["api_key"] = account.api_key
    return web.json_response(result)


def _create_game(games: GameHost, body: dict[str, Any]) -> web.Response:
    players = []
    for key in ("black", "white"):
        account = games.state.accounts.by_name(str(body[key]))
        if account is None:
            return _error(400, f"{key}: no account {body[key]!r} (POST /_sandbox/accounts)")
        players.append(account)
    black, white = players
    if black.id == white.id:
        return _error(400, "black and white must be different accounts")
    settings = _game_settings(body)
    if isinstance(settings, str):
        return _error(400, settings)
    seed = body.get("seed")
    try:
        referee = games.create_game(
            black,
            white,
            settings,
            _moves(body, settings.width, settings.height),
            random_moves=int(body.get("random_moves", 0)),
            rng=random.Random(seed) if seed is not None else None,
        )
    except RefereeError as exc:
        return _error(400, str(exc))
    return web.json_response(
        {
            "game_id": referee.game_id,
            "move_number": referee.state.move_number,
            "player_to_move": referee.account(referee.to_move()).id,
            "phase": referee.phase,
        }
    )


def _game_settings(body: dict[str, Any]) -> GameSettings | str:
    """The settings `POST /_sandbox/games` asks for, or why they are refused."""
    size = int(body.get("size", 19))
    width, height = int(body.get("width", size)), int(body.get("height", size))
    if not (1 <= width <= 25 and 1 <= height <= 25):
        return f"board size {width}x{height} is not allowed: each side 1..25"
    rules = str(body.get("rules", "japanese")).lower()
    if rules not in RULES:
        return f"rules {rules!r} is not one of {', '.join(RULES)}"
    handicap = int(body.get("handicap", 0))
    komi = body.get("komi")
    tc = TimeControl.from_json(body.get("time_control") or DEFAULT_TIME_CONTROL)
    if tc.system not in TIME_SYSTEMS:
        return f"time control {tc.system!r} is not one of {', '.join(TIME_SYSTEMS)}"
    return GameSettings(
        width=width,
        height=height,
        rules=rules,
        komi=float(komi) if komi is not None else automatic_komi(rules, handicap),
        handicap=handicap,
        free_handicap_placement=free_handicap_placement(rules, width, height),
        time_control=tc.with_speed(width, height),
        ranked=bool(body.get("ranked", False)),
        name=str(body.get("name") or "Friendly Match"),
    )


def _moves(body: dict[str, Any], width: int, height: int) -> list[Point | None]:
    """The body's `moves`: OGS coordinates ('dd', '..') or [x, y] ([-1, -1] passes)."""
    moves: list[Point | None] = []
    for move in body.get("moves") or []:
        if isinstance(move, list) and len(move) == 2:
            x, y = int(move[0]), int(move[1])
            moves.append(None if x < 0 else (x, y))
        else:
            moves.append(ogs_to_xy(str(move), width, height))
    return moves


def _game(state: ServerState, game_id: int) -> web.Response:
    referee = state.games.get(game_id)
    if referee is None:
        return _error(404, f"no game {game_id}")
    now = time.time()
    return web.json_response(
        {
            "gamedata": referee.gamedata(now),
            "clock": referee.clock(now),
            "chat": referee.chat,
            "removed": sorted(referee.removed),
            "accepted": referee.accepted,
            "board": str(referee.state.board),
        }
    )


def _bot(state: ServerState, username: str) -> web.Response:
    account = state.accounts.by_name(username)
    if account is None or not account.is_bot:
        return _error(404, f"no bot {username!r}")
    return web.json_response(
        {
            "id": account.id,
            "config": state.bot_config.get(account.id),
            "status": state.bot_status.get(account.id),
            "declines": [d for d in state.declines if d["by"] == account.id],
            "commands": [c for a, c, _ in state.received if a == account.id],
            "connected": sum(
                1 for c in state.clients if c.account is not None and c.account.id == account.id
            ),
        }
    )


async def _fault(
    state: ServerState, kind: str, body: dict[str, Any], restart_soon: Callable[[], None]
) -> web.Response:
    if kind == "drop":
        return web.json_response({"dropped": state.drop_connections(body.get("username"))})
    if kind == "malformed":
        text = str(body.get("text", '["game/oops", {"unterminated'))
        return web.json_response({"sent": state.send_raw(text, body.get("username"))})
    if kind == "events":
        fault = EventFault(
            prefix=str(body["prefix"]),
            delay=float(body.get("delay", 0.0)),
            duplicate=int(body.get("duplicate", 0)),
            until=time.monotonic() + float(body.get("seconds", 3600)),
        )
        state.add_event_fault(fault)
        return web.json_response(fault.to_json())
    if kind == "rest":
        retry_after = body.get("retry_after")
        rest = RestFault(
            path_prefix=str(body["path_prefix"]),
            status=int(body["status"]),
            count=int(body.get("count", 1)),
            retry_after=float(retry_after) if retry_after is not None else None,
            method=str(body.get("method", "")).upper(),
            delay=float(body.get("delay", 0.0)),
        )
        state.add_rest_fault(rest)
        return web.json_response(rest.to_json())
    if kind == "restart":
        if state.state_file is None:
            return _error(409, "restart keeps games only with a state file (--state)")
        restart_soon()
        return web.json_response({"restarting": True})
    if kind == "clear":
        state.faults.clear()
        return web.json_response({"cleared": True})
    return _error(404, f"no fault {kind!r}")
