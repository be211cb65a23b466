"""The REST API under `/api/v1`, and OAuth2's `/oauth2/token`, as OGS answers them.

Every endpoint a bot, gtp2ogs or a script calls: the account (`me`, settings, friends), its
challenges (list, accept, decline, cancel, create), players, games (JSON, SGF, PNG) and the
open challenges. Errors are JSON `{detail}` with OGS's status codes; injected REST faults
are answered here first.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.challenges import ChallengeError, ChallengeRecord
from ogsbot.sandbox.lobby import Lobby
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.render import board_png, game_sgf
from ogsbot.sandbox.seekgraph import SeekGraph
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON

MATCH = web.RequestKey("match", dict)
RestHandler = Callable[[web.Request, Account | None, JSON], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_error(status: int, detail: str, **headers: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status, headers=headers or None)


class RestApi:
    """The REST endpoints, dispatched by method and path."""

    def __init__(self, state: ServerState, lobby: Lobby, seekgraph: SeekGraph) -> None:
        self._state = state
        self._lobby = lobby
        self._seekgraph = seekgraph
        self.routes = self._routes()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Injected REST faults first; any HTTP error as JSON."""
        path = request.path
        if path.startswith(("/api/", "/oauth2/")):
            fault = self._state.faults.rest_fault(request.method, path)
            if fault is not None and fault.status < 400:  # slow: carried out, answered late
                response = await self._answer(request, handler)
                await asyncio.sleep(fault.delay)
                return response
            if fault is not None:
                await asyncio.sleep(fault.delay)
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                return _json_error(fault.status, "injected fault", **headers)
        return await self._answer(request, handler)

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The handler's answer; any HTTP error as JSON."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400 and not exc.content_type.endswith("json"):
                return _json_error(exc.status, exc.reason)
            raise

    async def token(self, request: web.Request) -> web.Response:
        """OAuth2's token endpoint: the password and refresh_token grants."""
        form = dict(await request.post())
        accounts = self._state.accounts
        grant = str(form.get("grant_type", ""))
        client_ok = (
            form.get("client_id") == accounts.client_id
            and form.get("client_secret") == accounts.client_secret
        )
        if not client_ok:
            return web.json_response({"error": "invalid_client"}, status=401)
        # As django-oauth-toolkit (OGS) and RFC 6749 do: a refused grant is a 400.
        if grant == "password":
            account = accounts.check_password(
                str(form.get("username", "")), str(form.get("password", ""))
            )
            if account is None:
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Invalid credentials given."},
                    status=400,
                )
            return web.json_response(accounts.issue_tokens(account))
        if grant == "refresh_token":
            tokens = accounts.refresh(str(form.get("refresh_token", "")))
            if tokens is None:
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(tokens)
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    def _routes(self) -> list[tuple[str, re.Pattern[str], RestHandler, bool]]:
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

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer a request under /api/v1/ (the route's `tail` is the path after it)."""
        tail = request.match_info["tail"]
        body = await self._body(request)
        if body is None:
            return _json_error(400, "the request body is not valid JSON")
        for method, pattern, handler, needs_login in self.routes:
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
        known = any(p.fullmatch(tail) for _, p, _, _ in self.routes)
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
            return self._state.accounts.by_access_token(header[7:].strip())
        key = body.get("apikey") or request.query.get("apikey")
        if key:
            return self._state.accounts.by_api_key(str(key))
        return None

    def _paged(self, request: web.Request, items: list[Any]) -> web.Response:
        try:
            page = max(1, int(request.query.get("page", "1")))
            size = max(1, min(100, int(request.query.get("page_size", "10"))))
        except ValueError:
            return _json_error(400, "page and page_size must be numbers")
        start = (page - 1) * size
        base = f"{self._state.url}{request.path}"
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
        return self._paged(request, [self._game_summary(r) for r in self._state.games_of(me.id)])

    async def _r_friends(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        name = request.query.get("username")
        friends = [
            self._state.accounts.by_id[i] for i in sorted(self._state.friends.get(me.id, set()))
        ]
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
        if other_id not in self._state.accounts.by_id or other_id == me.id:
            return _json_error(404, "Player not found.")
        if request.path.rstrip("/").endswith("invitations"):
            if other_id not in self._state.friend_requests.get(me.id, set()):
                return _json_error(404, "No such friend request.")
            self._state.friend_requests[me.id].discard(other_id)
            if not body.get("delete"):
                self._state.friends.setdefault(me.id, set()).add(other_id)
                self._state.friends.setdefault(other_id, set()).add(me.id)
        elif body.get("delete"):
            self._state.friends.get(me.id, set()).discard(other_id)
            self._state.friends.get(other_id, set()).discard(me.id)
        else:
            self._state.friend_requests.setdefault(other_id, set()).add(me.id)
        return web.json_response({"success": True})

    async def _r_challenges(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        mine = [
            c.listing()
            for c in self._state.challenges.values()
            if c.challenger.id == me.id or (c.challenged is not None and c.challenged.id == me.id)
        ]
        return self._paged(request, mine)

    def _challenge_for(self, me: Account, challenge_id: int) -> ChallengeRecord | None:
        challenge = self._state.challenges.get(challenge_id)
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
            refusal = self._seekgraph.refusal(challenge, me)
            if refusal is not None:
                return _json_error(403, refusal)
        referee = self._lobby.start_game(challenge, me)
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
        self._lobby.decline(
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
            self._lobby.drop_challenge(challenge)
        elif challenge.challenged is None:  # someone else's open challenge
            return _json_error(403, "You may only cancel your own challenges.")
        else:
            self._lobby.decline(challenge, me, "", None)
        return web.json_response({"success": True})

    async def _r_open_challenges(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        """The open challenges anyone may see (those on the seek graph)."""
        return self._paged(request, [c.listing() for c in self._seekgraph.open_challenges()])

    async def _r_ui_config(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        return web.json_response(
            {
                "user": me.me_json(),
                "user_jwt": self._state.accounts.issue_jwt(me),
                "chat_auth": "",
                "notification_auth": "",
            }
        )

    async def _r_overview(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        assert me is not None
        now = time.time()
        games = [r.active_game(now) for r in self._state.games_of(me.id, active=True)]
        challenges = [
            c.listing() for c in self._state.challenges.values() if c.challenger.id == me.id
        ]
        return web.json_response({"active_games": games, "challenges": challenges})

    async def _r_players(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        name = request.query.get("username")
        found = list(self._state.accounts.by_id.values())
        if name is not None:
            found = [a for a in found if a.username == name]
        return self._paged(request, [a.player_json() for a in found])

    def _player_or_404(self, request: web.Request) -> Account | None:
        return self._state.accounts.by_id.get(self._id(request))

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
        now = time.time()
        games = [r.active_game(now) for r in self._state.games_of(account.id, active=True)]
        return web.json_response({"user": account.player_json(), "active_games": games})

    async def _r_player_games(
        self, request: web.Request, me: Account | None, body: JSON
    ) -> web.Response:
        account = self._player_or_404(request)
        if account is None:
            return _json_error(404, "Not found.")
        return self._paged(
            request, [self._game_summary(r) for r in self._state.games_of(account.id)]
        )

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
        challenge = self._lobby.create_challenge(me, challenged, body)
        return web.json_response(
            {
                "status": "ok",
                "challenge": challenge.id,
                "uuid": challenge.uuid,
                "game": challenge.game_id,
            }
        )

    def _referee_or_none(self, request: web.Request) -> Referee | None:
        return self._state.games.get(self._id(request))

    async def _r_game(self, request: web.Request, me: Account | None, body: JSON) -> web.Response:
        referee = self._referee_or_none(request)
        if referee is None:
            return _json_error(404, "Not found.")
        now = time.time()
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
