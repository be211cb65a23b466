"""The local OGS emulator: REST under /api/v1 and the realtime WebSocket on one port.

It speaks OGS's protocol as OGS speaks it (see `shared/ogs-protocol.md` and the samples in
`tests/data/ogs-samples`), so any OGS client can play through it: ours, or OGS's own
gtp2ogs with `--server`. A control API under `/_sandbox/` plays the world around a bot:
accounts, challenges from built-in opponents, game state, and faults on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from loguru import logger

from ogsbot.ogs.coords import Point, ogs_to_xy
from ogsbot.sandbox.accounts import Account, Accounts
from ogsbot.sandbox.automatch import Automatch
from ogsbot.sandbox.challenges import ChallengeError, ChallengeRecord
from ogsbot.sandbox.control import handle_control
from ogsbot.sandbox.diagnostics import Diagnostics
from ogsbot.sandbox.faults import EventFault, Faults, RestFault
from ogsbot.sandbox.keepalive import KEEPALIVE_TIMEOUT, ChallengeKeepalive
from ogsbot.sandbox.latency import GameLatency
from ogsbot.sandbox.referee import (
    BOT_SCORING_DELAY,
    FREE_PLACEMENT_RULES,
    Event,
    GameSettings,
    Referee,
    RefereeError,
)
from ogsbot.sandbox.render import board_png, game_sgf
from ogsbot.sandbox.seekgraph import SeekGraph
from ogsbot.sandbox.spectator import page
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError, ReplyOrEvent

__all__ = ["Client", "Emulator", "ProtocolError"]

MATCH = web.RequestKey("match", dict)
CLOSE_WAIT = 2.0  # seconds a client gets to answer the close of a stopping server
RestHandler = Callable[[web.Request, Account | None, JSON], Awaitable[web.StreamResponse]]
PUBLIC_COMMANDS = frozenset({"authenticate", "net/ping"})  # answered before authenticate


def _now() -> float:
    return time.time()


def _json_error(status: int, detail: str, **headers: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status, headers=headers or None)


class Emulator:
    """The emulated OGS server: state, HTTP app and the realtime protocol."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_file: str | Path | None = None,
        stone_removal_timeout: float = 300.0,
        seed: int | None = None,
        challenge_keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        bot_scoring_delay: float = BOT_SCORING_DELAY,
    ) -> None:
        """`challenge_keepalive_timeout`: seconds after its last `challenge/keepalive` that a
        live challenge whose creator sent keepalives is withdrawn. `bot_scoring_delay`:
        seconds after the passes that a game with a bot is scored as marked, accepted or not
        (OGS scores bot games itself)."""
        self.host = host
        self.port = port
        self.state_file = Path(state_file) if state_file else None
        self.stone_removal_timeout = stone_removal_timeout
        self.bot_scoring_delay = bot_scoring_delay
        self.rng = random.Random(seed)
        self.accounts = Accounts()
        self.challenges: dict[int, ChallengeRecord] = {}
        self.games: dict[int, Referee] = {}
        self.notifications: dict[int, dict[str, JSON]] = {}
        self.bot_config: dict[int, JSON] = {}
        self.bot_status: dict[int, JSON] = {}
        self.declines: list[JSON] = []
        self.friends: dict[int, set[int]] = {}
        self.friend_requests: dict[int, set[int]] = {}  # to -> from
        self.received: list[tuple[int, str, Any]] = []  # (account id, command, data) from bots
        self.faults = Faults()
        self.clients: set[Client] = set()
        self._ids = itertools.count(1)
        # Ids differ from run to run (as on OGS), so records of earlier runs are not overwritten.
        self._next_challenge = 5000 + int(time.time()) % 100_000 * 10
        self._next_game = 70000 + int(time.time()) % 1_000_000 * 10
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._runner: web.AppRunner | None = None
        self._opponents: dict[int, Any] = {}  # game id -> built-in opponent (players.py)
        self._background: set[asyncio.Future[None]] = set()
        # Realtime features, one module each; server.py only wires them in.
        self.diagnostics = Diagnostics(self)
        self.latency = GameLatency(self)
        self.seekgraph = SeekGraph(self)
        self.keepalive = ChallengeKeepalive(self, challenge_keepalive_timeout)
        self.automatch = Automatch(self)
        self._public_commands = PUBLIC_COMMANDS | self.diagnostics.PUBLIC | self.seekgraph.PUBLIC
        self._public_commands |= self.automatch.PUBLIC
        self._rest_routes = self._build_rest_routes()
        self._commands = self._build_commands()
        self.app = self._build_app()
        if self.state_file is not None and self.state_file.exists():
            self.load_state()

    # ----- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base URL (what a bot takes as its `server`)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        """Start serving; port 0 picks a free port. Returns the URL."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        for referee in self.games.values():
            self._schedule(referee)
        self.diagnostics.mark_started()
        logger.info("OGS emulator listening on {}", self.url)
        return self.url

    async def stop(self, *, keep_jobs: bool = False) -> None:
        """Close every connection and stop serving (state is saved when a file is set).

        Background jobs (built-in opponents) are cancelled unless `keep_jobs`: a restart keeps
        them, and they reconnect like any client.
        """
        if not keep_jobs:
            jobs = list(self._background)
            for task in jobs:
                task.cancel()
            # Let them clean up (an opponent stops its engine) before the loop goes away.
            if jobs:
                await asyncio.wait(jobs, timeout=10)
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self.keepalive.stop()
        if self._runner is not None:
            # First no new connection: a client that reconnects at once would otherwise get
            # in while the others are being closed, and hold the shutdown for a minute.
            for site in list(self._runner.sites):
                await site.stop()
        # Closed all at once, each given CLOSE_WAIT to answer (a client that does not read
        # its socket never answers); then the connection is cut.
        clients = list(self.clients)
        closing = {
            client: asyncio.ensure_future(
                client.ws.close(code=1001, message=b"server shutting down")
            )
            for client in clients
        }
        if closing:
            await asyncio.wait(closing.values(), timeout=CLOSE_WAIT)
        for client, close in closing.items():
            if not close.done():
                close.cancel()
                if client.transport is not None:
                    client.transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state_file is not None:
            self.save_state()

    async def restart(self) -> None:
        """Stop and start again on the same port, keeping every game (through the state file)."""
        await self.stop(keep_jobs=True)
        if self.state_file is not None:
            self._reset_state()
            self.load_state()
        await self.start()

    def restart_soon(self) -> None:
        """Restart after the current request has been answered (the control API's way)."""
        self.spawn(self.restart())

    def spawn(self, coroutine: Awaitable[None]) -> None:
        """Run a background job of the server's (a built-in opponent, a restart)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _reset_state(self) -> None:
        self.accounts = Accounts()
        self.challenges = {}
        self.games = {}
        self.notifications = {}
        self.automatch.clear()  # requests are not saved: they hold accounts of the old state

    # ----- state file --------------------------------------------------------------------

    def save_state(self) -> None:
        """Write accounts, challenges and games to the state file as JSON."""
        assert self.state_file is not None
        data = {
            "accounts": [a.to_state() for a in self.accounts.by_id.values()],
            "games": [r.to_state() for r in self.games.values()],
            "challenges": [c.to_state() for c in self.challenges.values()],
            "next_game": self._next_game,
            "next_challenge": self._next_challenge,
            "notifications": {str(k): v for k, v in self.notifications.items()},
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.state_file)

    def load_state(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text())
        for entry in data.get("accounts", []):
            account = Account.from_state(entry)
            self.accounts.by_id[account.id] = account
            self.accounts._next_id = max(self.accounts._next_id, account.id + 1)
        for entry in data.get("games", []):
            referee = Referee.from_state(entry, self.accounts.by_id)
            self.games[referee.game_id] = referee
        for entry in data.get("challenges", []):
            challenge = ChallengeRecord.from_state(entry, self.accounts.by_id)
            self.challenges[challenge.id] = challenge
        self._next_game = int(data.get("next_game", self._next_game))
        self._next_challenge = int(data.get("next_challenge", self._next_challenge))
        self.notifications = {int(k): v for k, v in data.get("notifications", {}).items()}

    # ----- accounts -----------------------------------------------------------------------

    def add_bot(self, username: str, api_key: str | None = None, ranking: float = 20.0) -> Account:
        return self.accounts.add(username, is_bot=True, api_key=api_key, ranking=ranking)

    def add_human(self, username: str, password: str, ranking: float = 15.0) -> Account:
        return self.accounts.add(username, password=password, ranking=ranking)

    # ----- app ---------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._root)
        app.router.add_get("/ws", self._root)
        app.router.add_route("POST", "/oauth2/token", self._token)
        app.router.add_route("POST", "/oauth2/token/", self._token)
        app.router.add_route("*", "/api/v1/{tail:.*}", self._rest)
        app.router.add_route("*", "/_sandbox/{tail:.*}", self._control)
        return app

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        path = request.path
        if path.startswith(("/api/", "/oauth2/")):
            fault = self.faults.rest_fault(request.method, path)
            if fault is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                return _json_error(fault.status, "injected fault", **headers)
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400 and not exc.content_type.endswith("json"):
                return _json_error(exc.status, exc.reason)
            raise

    async def _root(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=1 << 22)
        if ws.can_prepare(request).ok:
            await ws.prepare(request)
            await self._serve_socket(ws, request.transport)
            return ws
        return web.Response(text=page(self), content_type="text/html")

    # ----- OAuth2 -------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        grant = str(form.get("grant_type", ""))
        client_ok = (
            form.get("client_id") == self.accounts.client_id
            and form.get("client_secret") == self.accounts.client_secret
        )
        if not client_ok:
            return web.json_response({"error": "invalid_client"}, status=401)
        # As django-oauth-toolkit (OGS) and RFC 6749 do: a refused grant is a 400.
        if grant == "password":
            account = self.accounts.check_password(
                str(form.get("username", "")), str(form.get("password", ""))
            )
            if account is None:
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Invalid credentials given."},
                    status=400,
                )
            return web.json_response(self.accounts.issue_tokens(account))
        if grant == "refresh_token":
            tokens = self.accounts.refresh(str(form.get("refresh_token", "")))
            if tokens is None:
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(tokens)
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    # ----- REST ---------------------------------------------------------------------------

    def _build_rest_routes(self) -> list[tuple[str, re.Pattern[str], RestHandler, bool]]:
        """(method, path pattern, handler, needs a login)."""
        table: list[tuple[str, str, RestHandler, bool]] = [
            ("GET", r"me", self._r_me, True),
            ("GET", r"me/settings", self._r_settings, True),
            ("GET", r"me/games", self._r_my_games, True),
            ("GET", r"me/friends", self._r_friends, True),
            ("POST", r"me/friends", self._r_friends_change, True),
            ("POST", r"me/friends/invitations", self._r_friends_change, True),
            ("GET", r"me/challenges", self._r_challenges, True),
            ("GET", r"me/challenges/(?P<id>\d+)", self._r_challenge, True),
            ("POST", r"me/challenges/(?P<id>\d+)/accept", self._r_accept, True),
            ("POST", r"me/challenges/(?P<id>\d+)", self._r_decline, True),
            ("DELETE", r"me/challenges/(?P<id>\d+)", self._r_delete_challenge, True),
            ("GET", r"ui/config", self._r_ui_config, True),
            ("GET", r"ui/overview", self._r_overview, True),
            ("GET", r"players", self._r_players, False),
            ("GET", r"players/(?P<id>\d+)", self._r_player, False),
            ("PUT", r"players/(?P<id>\d+)", self._r_update_player, True),
            ("GET", r"players/(?P<id>\d+)/full", self._r_player_full, False),
            ("GET", r"players/(?P<id>\d+)/games", self._r_player_games, False),
            ("POST", r"players/(?P<id>\d+)/challenge", self._r_create_challenge, True),
            ("POST", r"challenges", self._r_create_challenge, True),
            ("GET", r"challenges", self._r_open_challenges, False),
            ("GET", r"challenges/(?P<id>\d+)", self._r_challenge, True),
            ("POST", r"challenges/(?P<id>\d+)/accept", self._r_accept, True),
            ("DELETE", r"challenges/(?P<id>\d+)", self._r_delete_challenge, True),
            ("GET", r"games/(?P<id>\d+)", self._r_game, False),
            ("GET", r"games/(?P<id>\d+)/sgf", self._r_game_sgf, False),
            ("GET", r"games/(?P<id>\d+)/png", self._r_game_png, False),
            ("GET", r"games/(?P<id>\d+)/reviews", self._r_game_reviews, False),
        ]
        return [(m, re.compile(p + r"/?"), h, auth) for m, p, h, auth in table]

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        body = await self._body(request)
        if body is None:
            return _json_error(400, "the request body is not valid JSON")
        for method, pattern, handler, needs_login in self._rest_routes:
            match = pattern.fullmatch(tail)
            if match is None or method != request.method:
                continue
            account = self._rest_account(request, body)
            if needs_login and account is None:
                return _json_error(401, "Authentication credentials were not provided.")
            request[MATCH] = match.groupdict()
            try:
                return await handler(request, account, body)
            except ChallengeError as exc:
                return _json_error(400, str(exc))
        known = any(p.fullmatch(tail) for _, p, _, _ in self._rest_routes)
        return _json_error(
            405 if known else 404, "Not found." if not known else "Method not allowed."
        )

    async def _body(self, request: web.Request) -> JSON | None:
        if not request.can_read_body:
            return {}
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError:
                return None
            return data if isinstance(data, dict) else {}
        return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}

    def _rest_account(self, request: web.Request, body: JSON) -> Account | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.accounts.by_access_token(header[7:].strip())
        key = body.get("apikey") or request.query.get("apikey")
        if key:
            return self.accounts.by_api_key(str(key))
        return None

    def _paged(self, request: web.Request, items: list[Any]) -> web.Response:
        try:
            page = max(1, int(request.query.get("page", "1")))
            size = max(1, min(100, int(request.query.get("page_size", "10"))))
        except ValueError:
            return _json_error(400, "page and page_size must be numbers")
        start = (page - 1) * size
        base = f"{self.url}{request.path}"
        more = start + size < len(items)
        return web.json_response(
            {
                "count": len(items),
                "next": f"{base}?page={page + 1}&page_size={size}" if more else None,
                "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
                "results": items[start : start + size],
            }
        )

    def _id(self, request: web.Request) -> int:
        return int(request[MATCH]["id"])

    async def _r_me(self, request: web.Request, me: Account | None, body: JSON) -> web.Response:
        assert me is not None
        return web.json_response(me.me_json())

    async def _r_settings(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        return web.json_response({"profile": me.me_json(), "notifications": {}, "site": {}})

    def _games_of(self, account_id: int, *, active: bool | None = None) -> list[Referee]:
        return [
            r
            for r in self.games.values()
            if account_id in (r.black.id, r.white.id) and (active is None or active != r.finished)
        ]

    def _game_summary(self, referee: Referee) -> JSON:
        return {
            "id": referee.game_id,
            "name": referee.settings.name,
            "width": referee.settings.width,
            "height": referee.settings.height,
            "black": referee.black.id,
            "white": referee.white.id,
            "outcome": referee.outcome,
            "ended": referee.end_time,
            "related": {"detail": f"/api/v1/games/{referee.game_id}"},
        }

    async def _r_my_games(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        return self._paged(request, [self._game_summary(r) for r in self._games_of(me.id)])

    async def _r_friends(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        name = request.query.get("username")
        friends = [self.accounts.by_id[i] for i in sorted(self.friends.get(me.id, set()))]
        listed = [a.player_json() for a in friends if name is None or a.username == name]
        return self._paged(request, listed)

    async def _r_friends_change(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        """Friend requests (`player_id`), removals (`delete`) and acceptances (`from_user`)."""
        assert me is not None
        try:
            other_id = int(body.get("from_user") or body.get("player_id") or 0)
        except (TypeError, ValueError):
            return _json_error(400, "player_id / from_user must be a player id")
        if other_id not in self.accounts.by_id or other_id == me.id:
            return _json_error(404, "Player not found.")
        if request.path.rstrip("/").endswith("invitations"):
            if other_id not in self.friend_requests.get(me.id, set()):
                return _json_error(404, "No such friend request.")
            self.friend_requests[me.id].discard(other_id)
            if not body.get("delete"):
                self.friends.setdefault(me.id, set()).add(other_id)
                self.friends.setdefault(other_id, set()).add(me.id)
        elif body.get("delete"):
            self.friends.get(me.id, set()).discard(other_id)
            self.friends.get(other_id, set()).discard(me.id)
        else:
            self.friend_requests.setdefault(other_id, set()).add(me.id)
        return web.json_response({"success": True})

    async def _r_challenges(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        mine = [
            c.listing()
            for c in self.challenges.values()
            if c.challenger.id == me.id or (c.challenged is not None and c.challenged.id == me.id)
        ]
        return self._paged(request, mine)

    def _challenge_for(self, me: Account, challenge_id: int) -> ChallengeRecord | None:
        challenge = self.challenges.get(challenge_id)
        if challenge is None:
            return None
        involved = challenge.challenged is None or me.id in (
            challenge.challenger.id,
            challenge.challenged.id,
        )
        return challenge if involved else None

    async def _r_challenge(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        challenge = self._challenge_for(me, self._id(request))
        if challenge is None:
            return _json_error(404, "Not found.")
        return web.json_response(challenge.listing())

    async def _r_accept(self, request: web.Request, me: Account | None, body: JSON) -> web.Response:
        assert me is not None
        challenge = self._challenge_for(me, self._id(request))
        if challenge is None:
            return _json_error(404, "Challenge not found.")
        if challenge.challenger.id == me.id:
            return _json_error(400, "You cannot accept your own challenge.")
        if challenge.challenged is None:
            refusal = self.seekgraph.refusal(challenge, me)
            if refusal is not None:
                return _json_error(403, refusal)
        referee = self.start_game(challenge, me)
        return web.json_response({"success": True, "game": referee.game_id, "status": "ok"})

    async def _r_decline(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        if not body.get("delete"):
            return _json_error(400, "POST to a challenge needs delete: true (to decline)")
        challenge = self._challenge_for(me, self._id(request))
        if challenge is None:
            return _json_error(404, "Challenge not found.")
        details = body.get("rejection_details")
        self.decline(
            challenge,
            me,
            str(body.get("message", "")),
            details if isinstance(details, dict) else None,
        )
        return web.json_response({"success": True})

    async def _r_delete_challenge(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        challenge = self._challenge_for(me, self._id(request))
        if challenge is None:
            return _json_error(404, "Challenge not found.")
        if challenge.challenger.id == me.id:
            self._drop_challenge(challenge)
        elif challenge.challenged is None:  # someone else's open challenge
            return _json_error(403, "You may only cancel your own challenges.")
        else:
            self.decline(challenge, me, "", None)
        return web.json_response({"success": True})

    async def _r_open_challenges(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        """The open challenges anyone may see (those on the seek graph)."""
        return self._paged(request, [c.listing() for c in self.seekgraph.open_challenges()])

    async def _r_ui_config(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        return web.json_response(
            {
                "user": me.me_json(),
                "user_jwt": self.accounts.issue_jwt(me),
                "chat_auth": "",
                "notification_auth": "",
            }
        )

    async def _r_overview(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        now = _now()
        games = [r.active_game(now) for r in self._games_of(me.id, active=True)]
        challenges = [c.listing() for c in self.challenges.values() if c.challenger.id == me.id]
        return web.json_response({"active_games": games, "challenges": challenges})

    async def _r_players(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        name = request.query.get("username")
        found = list(self.accounts.by_id.values())
        if name is not None:
            found = [a for a in found if a.username == name]
        return self._paged(request, [a.player_json() for a in found])

    def _player_or_404(self, request: web.Request) -> Account | None:
        return self.accounts.by_id.get(self._id(request))

    async def _r_player(self, request: web.Request, me: Account | None, body: JSON) -> web.Response:
        account = self._player_or_404(request)
        if account is None:
            return _json_error(404, "Not found.")
        return web.json_response(account.player_json())

    async def _r_update_player(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        account = self._player_or_404(request)
        if account is None:
            return _json_error(404, "Not found.")
        if account.id != me.id:
            return _json_error(403, "You may only change your own profile.")
        if "country" in body:
            account.country = str(body["country"])
        if "about" in body:
            account.about = str(body["about"])
        return web.json_response(account.me_json())

    async def _r_player_full(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        account = self._player_or_404(request)
        if account is None:
            return _json_error(404, "Not found.")
        now = _now()
        games = [r.active_game(now) for r in self._games_of(account.id, active=True)]
        return web.json_response({"user": account.player_json(), "active_games": games})

    async def _r_player_games(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        account = self._player_or_404(request)
        if account is None:
            return _json_error(404, "Not found.")
        return self._paged(request, [self._game_summary(r) for r in self._games_of(account.id)])

    async def _r_create_challenge(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        challenged: Account | None = None
        if "id" in request[MATCH]:
            challenged = self._player_or_404(request)
            if challenged is None:
                return _json_error(404, "Player not found.")
            if challenged.id == me.id:
                return _json_error(400, "You cannot challenge yourself.")
        challenge = self.create_challenge(me, challenged, body)
        return web.json_response(
            {
                "status": "ok",
                "challenge": challenge.id,
                "uuid": challenge.uuid,
                "game": challenge.game_id,
            }
        )

    def _referee_or_none(self, request: web.Request) -> Referee | None:
        return self.games.get(self._id(request))

    async def _r_game(self, request: web.Request, me: Account | None, body: JSON) -> web.Response:
        referee = self._referee_or_none(request)
        if referee is None:
            return _json_error(404, "Not found.")
        now = _now()
        return web.json_response(
            {
                **self._game_summary(referee),
                "players": {
                    "black": referee.black.player_json(),
                    "white": referee.white.player_json(),
                },
                "rules": referee.settings.rules,
                "ranked": referee.settings.ranked,
                "handicap": referee.settings.handicap,
                "komi": f"{referee.settings.komi:.2f}",
                "gamedata": referee.gamedata(now),
            }
        )

    async def _r_game_sgf(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        referee = self._referee_or_none(request)
        if referee is None:
            return _json_error(404, "Not found.")
        return web.Response(body=game_sgf(referee), content_type="application/x-go-sgf")

    async def _r_game_png(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        referee = self._referee_or_none(request)
        if referee is None:
            return _json_error(404, "Not found.")
        return web.Response(body=board_png(referee), content_type="image/png")

    async def _r_game_reviews(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        if self._referee_or_none(request) is None:
            return _json_error(404, "Not found.")
        return self._paged(request, [])

    # ----- challenges and games ------------------------------------------------------------

    def create_challenge(
        self, challenger: Account, challenged: Account | None, body: JSON
    ) -> ChallengeRecord:
        """Create a challenge (open when `challenged` is None) and notify the challenged,
        or the seek graph's watchers."""
        challenge_id, game_id = self.next_ids()
        challenge = ChallengeRecord.from_request(
            body,
            challenge_id=challenge_id,
            game_id=game_id,
            challenger=challenger,
            challenged=challenged,
        )
        self.challenges[challenge.id] = challenge
        if challenged is not None:
            self.notify(challenged.id, challenge.notification())
        self.seekgraph.created(challenge)
        return challenge

    def next_ids(self) -> tuple[int, int]:
        """A new (challenge id, game id) pair: every game starts as a challenge on OGS."""
        ids = self._next_challenge, self._next_game
        self._next_challenge += 1
        self._next_game += 1
        return ids

    def _forget_challenge(self, challenge: ChallengeRecord) -> bool:
        """The challenge is no longer pending; False if it was not."""
        pending = self.challenges.pop(challenge.id, None) is not None
        self.keepalive.forget(challenge.id)
        if challenge.challenged is not None and challenge.notification_id:
            self.unnotify(challenge.challenged.id, challenge.notification_id)
        return pending

    def _drop_challenge(self, challenge: ChallengeRecord) -> None:
        """Cancelled, declined or withdrawn: gone without a game."""
        if self._forget_challenge(challenge):
            self.seekgraph.deleted(challenge)

    def withdraw_challenge(self, challenge: ChallengeRecord, reason: str) -> None:
        """The server takes a challenge back (its creator stopped keeping it alive)."""
        logger.info("challenge {} withdrawn: {}", challenge.id, reason)
        self._drop_challenge(challenge)

    def decline(
        self, challenge: ChallengeRecord, by: Account, message: str, details: JSON | None
    ) -> None:
        """Refuse a challenge: the challenger is told why, as OGS's site tells a human."""
        self._drop_challenge(challenge)
        record = {
            "challenge_id": challenge.id,
            "game_id": challenge.game_id,
            "by": by.id,
            "challenger": challenge.challenger.id,
            "message": message,
            "rejection_details": details,
            "time": _now(),
        }
        self.declines.append(record)
        self.notify(
            challenge.challenger.id,
            {
                "id": f"{challenge.challenger.id}:{self.rng.getrandbits(64):016x}",
                "type": "gameOfferRejected",
                "player_id": challenge.challenger.id,
                "timestamp": int(_now()),
                "read": 0,
                "game_id": challenge.game_id,
                "challenge_id": challenge.id,
                "name": challenge.name,
                "message": message,
                "rejection_details": details,
                "user": by.player_json(),
            },
        )

    def start_game(self, challenge: ChallengeRecord, acceptor: Account) -> Referee:
        """Turn an accepted challenge into a game in play, and tell both players."""
        listed = self._forget_challenge(challenge)
        black, white, handicap, komi = challenge.resolve(acceptor, self.rng)
        width, height = challenge.width, challenge.height
        free = challenge.rules in FREE_PLACEMENT_RULES or min(width, height) < 7
        settings = GameSettings(
            width=width,
            height=height,
            rules=challenge.rules,
            komi=komi,
            handicap=handicap,
            free_handicap_placement=free,
            time_control=challenge.time_control.with_speed(width, height),
            ranked=challenge.ranked,
            name=challenge.name,
            private=challenge.private,
            disable_analysis=challenge.disable_analysis,
        )
        now = _now()
        referee = Referee(
            challenge.game_id,
            black,
            white,
            settings,
            now,
            stone_removal_timeout=self.stone_removal_timeout,
            bot_scoring_delay=self.bot_scoring_delay,
        )
        self.games[referee.game_id] = referee
        if listed:
            self.seekgraph.started(challenge, referee)
        for account in referee.players:
            self.notify(
                account.id,
                {
                    "id": f"{account.id}:{self.rng.getrandbits(64):016x}",
                    "type": "gameStarted",
                    "player_id": account.id,
                    "timestamp": int(now),
                    "read": 0,
                    "game_id": referee.game_id,
                    "game_name": settings.name,
                    "black": black.username,
                    "white": white.username,
                },
            )
        self._open_game(referee, now)
        logger.info(
            "game {} started: {} (black) vs {} (white), {}x{} {} komi {} handicap {}",
            referee.game_id,
            black.username,
            white.username,
            width,
            height,
            settings.rules,
            komi,
            handicap,
        )
        return referee

    def _open_game(self, referee: Referee, now: float) -> None:
        """A new game is in play: its players' game lists are told and its clock runs."""
        self._push_active_game(referee, now)
        self._schedule(referee)

    def create_game(
        self,
        black: Account,
        white: Account,
        settings: GameSettings,
        moves: Sequence[Point | None] = (),
        *,
        random_moves: int = 0,
        rng: random.Random | None = None,
    ) -> Referee:
        """A game in play at once, with no challenge: what a server that has run for a while
        holds (the control API's `POST /_sandbox/games`, and benchmarks with many games).

        `moves` are played first, then `random_moves` random legal stones (never a pass); all
        of them took no time on the clock, which starts now for the player to move. The
        players get the `active_game` push (a connected bot joins at once) but no
        notification. An illegal move raises RefereeError and no game is made.
        """
        now = _now()
        referee = Referee(
            self._next_game,
            black,
            white,
            settings,
            now,
            stone_removal_timeout=self.stone_removal_timeout,
            bot_scoring_delay=self.bot_scoring_delay,
        )
        referee.play_setup(moves)
        if random_moves > 0:
            referee.random_moves(random_moves, rng or self.rng)
        self._next_game += 1
        self.games[referee.game_id] = referee
        self._open_game(referee, now)
        logger.debug(
            "game {} created: {} (black) vs {} (white), {}x{}, {} moves played",
            referee.game_id,
            black.username,
            white.username,
            settings.width,
            settings.height,
            referee.state.move_number,
        )
        return referee

    # ----- notifications and pushes --------------------------------------------------------

    def notify(self, account_id: int, notification: JSON) -> None:
        """Store a notification and push it to the account's open sockets."""
        self.notifications.setdefault(account_id, {})[notification["id"]] = notification
        self.push_to_account(account_id, "notification", notification)

    def unnotify(self, account_id: int, notification_id: str) -> None:
        if self.notifications.get(account_id, {}).pop(notification_id, None) is not None:
            self.push_to_account(
                account_id, "notification", {"id": notification_id, "type": "delete"}
            )

    def push_to_account(self, account_id: int, event: str, data: Any) -> None:
        for client in list(self.clients):
            if client.account is not None and client.account.id == account_id:
                self.push(client, event, data)

    def push_to_game(self, game_id: int, suffix: str, data: Any) -> None:
        """Send `game/<id>/<suffix>` to every socket in the game; chat, as on OGS, only to
        those who joined it with chat: true."""
        room = "chat_games" if suffix == "chat" else "games"
        event = f"game/{game_id}/{suffix}"
        for client in list(self.clients):
            if game_id in getattr(client, room):
                self.push(client, event, data)

    def _push_active_game(self, referee: Referee, now: float) -> None:
        entry = referee.active_game(now)
        for account in referee.players:
            self.push_to_account(account.id, "active_game", entry)

    def push(self, client: Client, event: str, data: Any) -> None:
        """Queue an event for one socket (through any injected event fault)."""
        fault = self.faults.event_fault(event)
        frame = json.dumps([event, data])
        if fault is None:
            client.queue.put_nowait(frame)
            return
        copies = 1 + fault.duplicate
        if fault.delay > 0:
            loop = asyncio.get_running_loop()
            for _ in range(copies):
                loop.call_later(fault.delay, client.queue.put_nowait, frame)
        else:
            for _ in range(copies):
                client.queue.put_nowait(frame)

    def broadcast_game(self, referee: Referee, events: list[Event]) -> None:
        """Send a referee's events to everyone in the game, then the players' game lists."""
        now = _now()
        for suffix, data in events:
            self.push_to_game(referee.game_id, suffix, data)
        if events:
            self._push_active_game(referee, now)
        if referee.finished and any(name == "phase" for name, _ in events):
            for account in referee.players:
                self.notify(
                    account.id,
                    {
                        "id": f"{account.id}:{self.rng.getrandbits(64):016x}",
                        "type": "gameEnded",
                        "player_id": account.id,
                        "timestamp": int(now),
                        "read": 0,
                        "game_id": referee.game_id,
                        "outcome": referee.outcome,
                        "winner": referee.winner,
                    },
                )
            logger.info("game {} over: {}", referee.game_id, referee.outcome)
        self._schedule(referee)

    def _schedule(self, referee: Referee) -> None:
        """Arm the timer that ends the game on time (or ends a silent stone removal)."""
        handle = self._timers.pop(referee.game_id, None)
        if handle is not None:
            handle.cancel()
        deadline = referee.deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - _now()) + 0.001
        self._timers[referee.game_id] = loop.call_later(delay, self._on_deadline, referee)

    def _on_deadline(self, referee: Referee) -> None:
        self._timers.pop(referee.game_id, None)
        events = referee.check_time(_now())
        if events:
            self.broadcast_game(referee, events)
        else:
            self._schedule(referee)

    # ----- realtime -----------------------------------------------------------------------

    async def _serve_socket(
        self, ws: web.WebSocketResponse, transport: asyncio.Transport | None
    ) -> None:
        client = Client(next(self._ids), ws, transport)
        client.writer = asyncio.create_task(self._writer(client))
        self.clients.add(client)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_frame(client, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.discard(client)
            client.queue.put_nowait(None)
            if client.writer is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(client.writer, 1.0)

    async def _writer(self, client: Client) -> None:
        while True:
            frame = await client.queue.get()
            if frame is None or client.ws.closed:
                return
            try:
                await client.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def _on_frame(self, client: Client, text: str) -> None:
        """Run one command. Whatever a frame carries, the socket lives on: a refusal, a
        malformed field or a failing handler is answered with an error (the reply's when the
        frame carried an id, else a `game/<id>/error` or `ERROR` event)."""
        try:
            frame = json.loads(text)
        except ValueError:
            logger.warning("client {} sent a frame that is not JSON: {!r}", client.id, text[:100])
            self.push(client, "ERROR", "malformed frame: not JSON")
            return
        if not isinstance(frame, list) or not frame or not isinstance(frame[0], str):
            logger.warning("client {} sent a malformed frame: {!r}", client.id, text[:100])
            self.push(client, "ERROR", "malformed frame: expected [command, data?, id?]")
            return
        command = frame[0]
        data = frame[1] if len(frame) > 1 else None
        ident = frame[2] if len(frame) > 2 else None
        try:
            result = self._run(client, command, data)
        except (ProtocolError, RefereeError) as exc:
            self._refuse(client, command, data, ident, exc.code, str(exc))
            return
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            message = f"malformed {command}: {exc}"
            self._refuse(client, command, data, ident, "bad_request", message)
            return
        except Exception as exc:
            logger.exception("client {}: {} failed", client.id, command)
            self._refuse(client, command, data, ident, "server_error", f"{command} failed: {exc}")
            return
        if isinstance(result, ReplyOrEvent):
            if ident is None:
                self.push(client, result.event, result.event_data)
            result = result.reply
        if ident is not None:
            client.queue.put_nowait(json.dumps([ident, result]))
        deferred, client.deferred = client.deferred, []
        for event, payload in deferred:  # what follows the reply (authenticate's pushes)
            self.push(client, event, payload)

    def _run(self, client: Client, command: str, data: Any) -> Any:
        handler = self._commands.get(command)
        if handler is None:
            raise ProtocolError("unknown_command", f"unknown command {command!r}")
        if command not in self._public_commands and client.account is None:
            raise ProtocolError("not_authenticated", "authenticate first")
        if client.account is not None and client.account.is_bot:
            self.received.append((client.account.id, command, data))
        return handler(client, data if isinstance(data, dict) else {})

    def _refuse(
        self, client: Client, command: str, data: Any, ident: Any, code: str, message: str
    ) -> None:
        client.deferred = []
        if ident is not None:
            error = {"code": code, "message": message}
            client.queue.put_nowait(json.dumps([ident, None, error]))
            return
        game_id = data.get("game_id") if isinstance(data, dict) else None
        if command.startswith("game/") and isinstance(game_id, int | str):
            with contextlib.suppress(ValueError):
                self.push(client, f"game/{int(game_id)}/error", message)
                return
        self.push(client, "ERROR", message)

    def _build_commands(self) -> dict[str, Command]:
        commands: dict[str, Command] = {
            "authenticate": self._c_authenticate,
            "net/ping": self._c_ping,
            "bot/config": self._c_bot_config,
            "bot/status": self._c_bot_status,
            "notification/delete": self._c_notification_delete,
            "game/connect": self._c_game_connect,
            "game/disconnect": self._c_game_disconnect,
            "game/move": self._c_game_move,
            "game/resign": self._c_game_resign,
            "game/cancel": self._c_game_cancel,
            "game/chat": self._c_game_chat,
            "game/undo/request": self._c_undo_request,
            "game/undo/accept": self._c_undo_accept,
            "game/undo/cancel": self._c_undo_cancel,
            "game/pause": self._c_pause,
            "game/resume": self._c_resume,
            "game/removed_stones/set": self._c_removed_set,
            "game/removed_stones/accept": self._c_removed_accept,
            "game/removed_stones/reject": self._c_removed_reject,
            "game/timed_out": self._c_timed_out,
            "chat/join": lambda client, data: None,
            "chat/part": lambda client, data: None,
        }
        for feature in (
            self.diagnostics,
            self.latency,
            self.seekgraph,
            self.keepalive,
            self.automatch,
        ):
            commands.update(feature.commands())
        return commands

    def _c_authenticate(self, client: Client, data: JSON) -> JSON:
        account: Account | None = None
        if data.get("bot_apikey"):
            account = self.accounts.by_api_key(str(data["bot_apikey"]))
            if account is not None and not account.is_bot:
                account = None
        elif data.get("jwt"):
            account = self.accounts.by_jwt(str(data["jwt"]))
        if account is None:
            raise ProtocolError("invalid_auth", "authentication failed: unknown API key or JWT")
        client.account = account
        now = _now()
        for referee in self._games_of(account.id, active=True):
            client.deferred.append(("active_game", referee.active_game(now)))
        for notification in list(self.notifications.get(account.id, {}).values()):
            client.deferred.append(("notification", notification))
        return {"id": account.id, "username": account.username}

    def _c_ping(self, client: Client, data: JSON) -> None:
        self.push(client, "net/pong", {"client": data.get("client"), "server": int(_now() * 1000)})

    def _bot(self, client: Client) -> Account:
        account = client.account
        if account is None or not account.is_bot:
            raise ProtocolError("not_a_bot", "only bot accounts may send this")
        return account

    def _c_bot_config(self, client: Client, data: JSON) -> None:
        account = self._bot(client)
        # gtp2ogs sends its whole config, API key included: never keep that.
        self.bot_config[account.id] = {k: v for k, v in data.items() if k != "apikey"}

    def _c_bot_status(self, client: Client, data: JSON) -> None:
        self.bot_status[self._bot(client).id] = dict(data)

    def _c_notification_delete(self, client: Client, data: JSON) -> None:
        assert client.account is not None
        notification_id = data.get("notification_id")
        if not isinstance(notification_id, str):
            raise ProtocolError("bad_request", "notification/delete: notification_id is missing")
        self.notifications.get(client.account.id, {}).pop(notification_id, None)

    def referee_for(self, data: JSON) -> Referee:
        try:
            game_id = int(data["game_id"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("bad_request", "game_id is missing or not a number") from None
        referee = self.games.get(game_id)
        if referee is None:
            raise ProtocolError("game_not_found", f"game {game_id} does not exist")
        return referee

    def _c_game_connect(self, client: Client, data: JSON) -> None:
        referee = self.referee_for(data)
        client.games.add(referee.game_id)
        now = _now()
        prefix = f"game/{referee.game_id}/"
        self.push(client, prefix + "gamedata", referee.gamedata(now))
        self.push(client, prefix + "clock", referee.clock(now))
        if data.get("chat"):
            client.chat_games.add(referee.game_id)
            for line in referee.chat:
                self.push(client, prefix + "chat", line)
        else:
            client.chat_games.discard(referee.game_id)

    def _c_game_disconnect(self, client: Client, data: JSON) -> None:
        with contextlib.suppress(ProtocolError, KeyError, TypeError, ValueError):
            client.games.discard(int(data["game_id"]))
            client.chat_games.discard(int(data["game_id"]))

    def _act(
        self, client: Client, data: JSON, action: Callable[[Referee, int, float], list[Event]]
    ) -> None:
        referee = self.referee_for(data)
        assert client.account is not None
        events = action(referee, client.account.id, _now())
        self.broadcast_game(referee, events)

    def _c_game_move(self, client: Client, data: JSON) -> None:
        move = data.get("move")
        referee = self.referee_for(data)
        width, height = referee.settings.width, referee.settings.height
        try:
            if isinstance(move, list) and len(move) >= 2:
                point = None if move[0] < 0 else (int(move[0]), int(move[1]))
            else:
                point = ogs_to_xy(str(move), width, height)
        except (TypeError, ValueError) as exc:
            raise RefereeError("illegal_move", f"cannot read move {move!r}: {exc}") from None
        self._act(client, data, lambda r, p, now: r.move(p, point, now))

    def _c_game_resign(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.resign(p, now))

    def _c_game_cancel(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.cancel(p, now))

    def _c_game_chat(self, client: Client, data: JSON) -> None:
        referee = self.referee_for(data)
        account = client.account
        assert account is not None
        channel = str(data.get("type", "main"))
        if channel not in ("main", "malkovich", "personal", "hidden"):
            raise ProtocolError(
                "bad_request", f"chat type {channel!r} is not main, malkovich, personal or hidden"
            )
        line = {
            "channel": channel,
            "line": {
                "chat_id": f"{referee.game_id}-{len(referee.chat) + 1}",
                "body": data.get("body", ""),
                "date": int(_now()),
                "move_number": int(data.get("move_number") or referee.state.move_number),
                "player_id": account.id,
                "username": account.username,
                "ranking": account.ranking,
                "professional": account.professional,
                "ui_class": "bot" if account.is_bot else "",
            },
        }
        referee.chat.append(line)
        self.broadcast_game(referee, [("chat", line)])

    def _move_number(self, data: JSON) -> int:
        try:
            return int(data["move_number"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("bad_request", "move_number is missing or not a number") from None

    def _c_undo_request(self, client: Client, data: JSON) -> None:
        n = self._move_number(data)
        self._act(client, data, lambda r, p, now: r.request_undo(p, n, now))

    def _c_undo_accept(self, client: Client, data: JSON) -> None:
        n = self._move_number(data)
        self._act(client, data, lambda r, p, now: r.accept_undo(p, n, now))

    def _c_undo_cancel(self, client: Client, data: JSON) -> None:
        n = self._move_number(data)
        self._act(client, data, lambda r, p, now: r.cancel_undo(p, n, now))

    def _c_pause(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.pause(p, now))

    def _c_resume(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.resume(p, now))

    def _c_removed_set(self, client: Client, data: JSON) -> None:
        stones, removed = str(data.get("stones", "")), bool(data.get("removed", True))
        self._act(client, data, lambda r, p, now: r.set_removed(p, stones, removed, now))

    def _c_removed_accept(self, client: Client, data: JSON) -> None:
        stones = str(data.get("stones", ""))
        self._act(client, data, lambda r, p, now: r.accept_removed(p, stones, now))

    def _c_removed_reject(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.reject_removed(p, now))

    def _c_timed_out(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.check_time(now))

    # ----- control API -------------------------------------------------------------------

    async def _control(self, request: web.Request) -> web.StreamResponse:
        return await handle_control(self, request)

    def drop_connections(self, username: str | None = None) -> int:
        """Close sockets (all, or one account's) as a network failure would."""
        dropped = 0
        for client in list(self.clients):
            if username is None or (
                client.account is not None and client.account.username == username
            ):
                # No close frame: the TCP connection just ends, as when a network fails.
                if client.transport is not None:
                    client.transport.abort()
                dropped += 1
        return dropped

    def send_raw(self, text: str, username: str | None = None) -> int:
        """Send any text frame (a malformed one, say) to sockets."""
        sent = 0
        for client in list(self.clients):
            if username is None or (
                client.account is not None and client.account.username == username
            ):
                client.queue.put_nowait(text)
                sent += 1
        return sent

    def add_rest_fault(self, fault: RestFault) -> None:
        self.faults.rest.append(fault)

    def add_event_fault(self, fault: EventFault) -> None:
        self.faults.events.append(fault)
