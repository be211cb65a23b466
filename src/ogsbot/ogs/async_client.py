"""`AsyncOGSClient`: one OGS account for asyncio programs, REST in threads, realtime on the loop.

Subscribe with `on` / `on_prefix` / `on_any` / `on_connect` before `connect()`: the server
pushes `active_game` and `notification` events with the login, before `connect()` returns.
Live challenges it creates are kept alive (`challenge/keepalive` each second, as OGS's site
does) until their game starts or they are withdrawn; `seek_graph()` follows the open
challenges; `find_match()` is OGS's automatch, for human accounts only (OGS's rules).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from loguru import logger

from ogsbot.ogs.automatch import AutomatchPreferences
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.errors import OGSError, OGSLoginRequired, OGSNotConnected
from ogsbot.ogs.game import Game, GameHandler
from ogsbot.ogs.realtime import ConnectCallback, Handler, Realtime
from ogsbot.ogs.rest import PRODUCTION, APIKeyLogin, Login, OGSRest, PasswordLogin
from ogsbot.ogs.seekgraph import SeekGraph, SeekHandler

T = TypeVar("T")
KEEPALIVE_INTERVAL = 1.0  # seconds between `challenge/keepalive`s, as the site sends them
KEEPALIVE_LIMIT = 3600.0  # a live challenge nobody took in an hour is left to expire


def enable_logging() -> None:
    """Let ogsbot's log lines through loguru (they are off by default, as in the seed)."""
    logger.enable("ogsbot")


def disable_logging() -> None:
    logger.disable("ogsbot")


def make_login(
    api_key: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> Login | None:
    """The login the arguments describe; a half-given password login is an error."""
    if api_key:
        return APIKeyLogin(api_key)
    given = [client_id, client_secret, username, password]
    if any(given):
        if not all(given):
            raise ValueError(
                "a password login needs client_id, client_secret, username and password"
            )
        return PasswordLogin(str(client_id), str(client_secret), str(username), str(password))
    return None


class _Subscription:
    """A handler kept by the client and attached to each realtime connection it opens."""

    def __init__(self, attach: Callable[[Realtime], Callable[[], None]]) -> None:
        self.attach = attach
        self.detach: Callable[[], None] | None = None


class AsyncOGSClient:
    """REST (run in threads) and realtime (on this loop) for one account."""

    def __init__(
        self,
        server: str = PRODUCTION,
        *,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        **realtime_options: Any,
    ) -> None:
        self.login = make_login(api_key, client_id, client_secret, username, password)
        self.rest = OGSRest(server, self.login)
        self.server = self.rest.server
        self.realtime_options = realtime_options
        self.realtime: Realtime | None = None
        self.games: dict[int, Game] = {}
        self._jwt = ""  # the realtime login of a password account: a secret like the rest
        self._subscriptions: list[_Subscription] = []
        self._connecting = asyncio.Lock()
        self._keepalives: dict[int, asyncio.Task[None]] = {}
        self._to_keep: dict[int, int] = {}  # live challenges made before connect(): id -> game
        self._over: dict[int, None] = {}  # games that started or were refused (recent ones)
        self._matches: dict[str, asyncio.Future[int]] = {}  # automatch uuid -> game id
        self._graph: SeekGraph | None = None
        self.on("active_game", self._note_over)
        self.on("notification", self._note_over)
        self.on("automatch/start", self._note_match)
        self.on("automatch/cancel", self._note_match)
        self.keepalive_interval = KEEPALIVE_INTERVAL

    @property
    def user_jwt(self) -> str:
        """The realtime login of a password account (from `/ui/config`), once connected."""
        return self._jwt

    def secrets(self) -> list[str]:
        """Everything that must never be printed: the REST ones and the realtime JWT."""
        return [*self.rest.secrets(), *([self._jwt] if self._jwt else [])]

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking REST call in a thread."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def _auth_payload(self) -> dict[str, Any]:
        if isinstance(self.login, APIKeyLogin):
            return {"jwt": "", "bot_apikey": self.login.api_key}
        if isinstance(self.login, PasswordLogin):
            config = await self.call(self.rest.ui_config)
            self._jwt = str(config.get("user_jwt", ""))
            return {"jwt": self._jwt}
        raise ValueError("the realtime API needs a login: an API key, or a password login")

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for this event, on every connection; returns an undo."""
        return self._subscribe(lambda realtime: realtime.on(event, handler))

    def on_prefix(self, prefix: str, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for events whose names start with `prefix`."""
        return self._subscribe(lambda realtime: realtime.on_prefix(prefix, handler))

    def on_any(self, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for every event the server sends."""
        return self._subscribe(lambda realtime: realtime.on_any(handler))

    def on_connect(self, callback: ConnectCallback) -> Callable[[], None]:
        """Call `callback()` after every (re)authentication, the first one included."""
        return self._subscribe(lambda realtime: realtime.on_connect(callback))

    def _subscribe(self, attach: Callable[[Realtime], Callable[[], None]]) -> Callable[[], None]:
        subscription = _Subscription(attach)
        self._subscriptions.append(subscription)
        if self.realtime is not None:
            subscription.detach = attach(self.realtime)

        def undo() -> None:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
            if subscription.detach is not None:
                with contextlib.suppress(ValueError):
                    subscription.detach()
                subscription.detach = None

        return undo

    async def connect(self) -> Realtime:
        """Open (once) the realtime connection and authenticate.

        With no login this raises `OGSLoginRequired` at once: nothing is tried, nothing is
        left retrying in the background.
        """
        if self.login is None:
            raise OGSLoginRequired(
                "the realtime API needs a login: api_key=, or client_id, client_secret, "
                "username and password"
            )
        async with self._connecting:  # two callers at once get one connection
            if self.realtime is None:
                realtime = Realtime(
                    self.server, self._auth_payload, secrets=self.secrets, **self.realtime_options
                )
                for subscription in self._subscriptions:
                    subscription.detach = subscription.attach(realtime)
                self.realtime = realtime  # on_connect callbacks of the first login may use it
                try:
                    await realtime.connect()
                except BaseException:
                    self.realtime = None
                    raise
                if isinstance(self.login, APIKeyLogin):
                    self.rest.bot_id = int(realtime.user.get("id", 0)) or None
                to_keep, self._to_keep = self._to_keep, {}
                for challenge_id, game_id in to_keep.items():
                    self.keep_challenge_alive(challenge_id, game_id)
        return self.realtime

    async def game(self, game_id: int, *, chat: bool = False) -> Game:
        """The game with this id, not joined yet if it is new (handlers may be added before
        `join` so that they see its first gamedata)."""
        realtime = await self.connect()
        game = self.games.get(game_id)
        if game is None:
            game = Game(realtime, game_id, chat=chat)
            self.games[game_id] = game
        return game

    async def join(
        self, game_id: int, *, chat: bool = False, on_event: GameHandler | None = None
    ) -> Game:
        """Join a game (connecting first if needed) and return it once its gamedata is in.

        A join that fails (the server's error, no answer) leaves the game: no handler and
        no re-join stay behind it."""
        game = await self.game(game_id, chat=chat)
        if on_event is not None:
            game.add_handler(on_event)
        try:
            return await game.connect()
        except BaseException:
            if not game.gamedata:
                self.leave(game_id)
            raise

    def leave(self, game_id: int) -> None:
        game = self.games.pop(game_id, None)
        if game is not None:
            game.disconnect()

    # ----- the server, challenges, open challenges, automatch -----------------------------

    async def hostinfo(self) -> dict[str, Any]:
        """The realtime server's `{hostname, clients, uptime, ggs-version}`."""
        realtime = await self.connect()
        reply = await realtime.request("hostinfo", {})
        return dict(reply) if isinstance(reply, dict) else {}

    async def create_challenge(self, challenge: ChallengeRequest) -> tuple[int, int]:
        """Create a challenge; returns (challenge id, game id).

        A live one is kept alive while the realtime connection is open, as the site does
        (see `keep_challenge_alive`); made before `connect()`, from the connection on.
        """
        challenge_id, game_id = await self.call(self.rest.create_challenge, challenge)
        if challenge.needs_keepalive:
            if self.realtime is not None:
                self.keep_challenge_alive(challenge_id, game_id)
            else:  # kept alive from connect() on: OGS needs a socket to hear it
                self._to_keep[challenge_id] = game_id
        return challenge_id, game_id

    def keep_challenge_alive(self, challenge_id: int, game_id: int) -> None:
        """Send `challenge/keepalive` each second until the game starts (it shows up in
        `active_game`), the challenge is refused, withdrawn (`cancel_challenge`) or an hour
        has passed: OGS drops a live challenge whose creator has gone quiet."""
        if challenge_id in self._keepalives or self.realtime is None:
            return
        task = asyncio.ensure_future(self._keepalive(self.realtime, challenge_id, game_id))
        self._keepalives[challenge_id] = task
        task.add_done_callback(lambda _: self._keepalives.pop(challenge_id, None))

    def _note_over(self, event: str, data: Any) -> None:
        """Remember games whose challenges need no keepalive any more: started (an
        `active_game` push, which may come with the login) or refused."""
        if not isinstance(data, dict):
            return
        if event == "active_game":
            game_id = data.get("id")
        elif data.get("type") in ("gameOfferRejected", "challengeCanceled", "gameStarted"):
            game_id = data.get("game_id")
        else:
            return
        if isinstance(game_id, int):
            self._over[game_id] = None
            while len(self._over) > 1000:
                del self._over[next(iter(self._over))]

    def stop_keepalive(self, challenge_id: int) -> None:
        task = self._keepalives.pop(challenge_id, None)
        if task is not None:
            task.cancel()

    async def _keepalive(self, realtime: Realtime, challenge_id: int, game_id: int) -> None:
        payload = {"challenge_id": challenge_id, "game_id": game_id}
        with contextlib.suppress(TimeoutError, OGSNotConnected):
            async with asyncio.timeout(KEEPALIVE_LIMIT):
                while game_id not in self._over:
                    realtime.send("challenge/keepalive", payload)
                    await asyncio.sleep(self.keepalive_interval)

    async def cancel_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw a challenge this account created (and stop keeping it alive)."""
        self.stop_keepalive(challenge_id)
        self._to_keep.pop(challenge_id, None)
        return await self.call(self.rest.cancel_challenge, challenge_id)

    async def seek_graph(self, on_change: SeekHandler | None = None) -> SeekGraph:
        """Follow OGS's open challenges; the graph fills as the server's list comes in.

        One graph per client (one subscription per connection): a second call adds its
        handler to the same graph."""
        realtime = await self.connect()
        if self._graph is None or not self._graph.connected:
            self._graph = SeekGraph(realtime)
            self._graph.connect()
        if on_change is not None:
            self._graph.add_handler(on_change)
        return self._graph

    def _human_only(self, what: str) -> None:
        if isinstance(self.login, APIKeyLogin):
            raise OGSError(
                f"{what}: OGS's rules do not let bot accounts use automatch; a bot finds "
                "games by open challenges (create_challenge with no opponent) or by "
                "challenging other bots"
            )

    async def find_match(self, preferences: AutomatchPreferences) -> str:
        """Ask OGS's automatch for a game (human accounts only); returns the request's uuid.
        `wait_match(uuid)` then waits for the game."""
        self._human_only("find_match")
        realtime = await self.connect()
        self._match(preferences.uuid)  # before sending: the answer may come at once
        realtime.send("automatch/find_match", preferences.to_json())
        return preferences.uuid

    def _match(self, uuid: str) -> asyncio.Future[int]:
        found = self._matches.get(uuid)
        if found is None:
            found = self._matches[uuid] = asyncio.get_running_loop().create_future()
        return found

    def _note_match(self, event: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        uuid = data.get("uuid")
        if event == "automatch/start":
            found = self._matches.get(str(uuid))
            if found is not None and not found.done():
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    found.set_result(int(data["game_id"]))
            return
        for key, found in list(self._matches.items()):  # cancel: this one, or all (null)
            if (uuid is None or key == uuid) and not found.done():
                found.set_exception(OGSError(f"automatch request {key} was cancelled"))
                found.exception()  # retrieved: nobody may be waiting for it

    async def wait_match(self, uuid: str, timeout: float | None = None) -> int:
        """The id of the game automatch started for the request `uuid` (found already, or
        to come)."""
        await self.connect()
        found = self._match(uuid)
        try:
            async with asyncio.timeout(timeout):  # wait_for may lose a cancellation (3.11)
                return await asyncio.shield(found)
        finally:
            if found.done():
                self._matches.pop(uuid, None)

    async def cancel_match(self, uuid: str | None = None) -> None:
        """Withdraw an automatch request (None: every one of this account's)."""
        self._human_only("cancel_match")
        realtime = await self.connect()
        realtime.send("automatch/cancel", {"uuid": uuid})

    async def disconnect(self) -> None:
        """Leave every game and close the realtime connection; REST calls still work."""
        for challenge_id in list(self._keepalives):
            self.stop_keepalive(challenge_id)
        for game_id in list(self.games):
            self.leave(game_id)
        if self.realtime is not None:
            realtime, self.realtime = self.realtime, None
            await realtime.close()

    async def close(self) -> None:
        await self.disconnect()
        self.rest.close()

    async def __aenter__(self) -> AsyncOGSClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
