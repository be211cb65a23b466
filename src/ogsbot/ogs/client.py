"""OGS clients: `AsyncOGSClient` for asyncio programs, `OGSClient` for plain scripts.

`OGSClient` keeps the seed library's API (`OGSClient(client_id, client_secret, username,
password)`, `user_vitals()`, `socket_connect(callback)`, `sock.game_connect(game_id,
callback)`, ...) but runs on a private event loop thread, raises instead of swallowing, is a
context manager, and never hangs the program at exit. Callbacks receive (event name, data).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from loguru import logger

from ogsbot.ogs.game import Game, GameHandler
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.realtime import ConnectCallback, Handler, Realtime
from ogsbot.ogs.rest import (
    PRODUCTION,
    APIKeyLogin,
    ChallengeRequest,
    Login,
    OGSRest,
    PasswordLogin,
)

T = TypeVar("T")
Callback = Callable[[str, Any], Any]

# The seed library's create_challenge keywords (and its docs' spellings), as ours.
SEED_CHALLENGE_KEYWORDS = {
    "ruleset": "rules",
    "game_rules": "rules",
    "game_name": "name",
    "game_ranked": "ranked",
    "game_width": "width",
    "game_height": "height",
    "game_handicap": "handicap",
    "game_komi": "komi",
    "game_private": "private",
    "game_disable_analysis": "disable_analysis",
    "challenger_color": "color",
    "min_rank": "min_ranking",
    "max_rank": "max_ranking",
    "fischer_initial_time": "initial_time",
    "fischer_time_initial_time": "initial_time",
    "fisher_time_initial_time": "initial_time",
    "fischer_time_increment": "time_increment",
    "fischer_max_time": "max_time",
    "fischer_time_max_time": "max_time",
    "byoyomi_main_time": "main_time",
    "byoyomi_period_time": "period_time",
    "byoyomi_periods": "periods",
}


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
    """REST (run in threads) and realtime (on this loop) for one account.

    Subscribe with `on` / `on_prefix` / `on_connect` before `connect()`: the server pushes
    `active_game` and `notification` events with the login, before `connect()` returns.
    """

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
        """Open (once) the realtime connection and authenticate."""
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
        return self.realtime

    async def join(
        self, game_id: int, *, chat: bool = False, on_event: GameHandler | None = None
    ) -> Game:
        """Join a game (connecting first if needed) and return it once its gamedata is in."""
        realtime = await self.connect()
        game = self.games.get(game_id)
        if game is None:
            game = Game(realtime, game_id, chat=chat, on_event=on_event)
            self.games[game_id] = game
        elif on_event is not None:
            game.add_handler(on_event)
        return await game.connect()

    def leave(self, game_id: int) -> None:
        game = self.games.pop(game_id, None)
        if game is not None:
            game.disconnect()

    async def disconnect(self) -> None:
        """Leave every game and close the realtime connection; REST calls still work."""
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


class _LoopThread:
    """A private event loop on a daemon thread; the process never waits for it at exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="ogsbot-loop", daemon=True
        )
        self.thread.start()

    def on_loop(self) -> bool:
        """True in the loop's own thread: where callbacks run."""
        return threading.current_thread() is self.thread

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if not self.thread.is_alive() or self.loop.is_closed():
            coroutine.close()
            raise RuntimeError("the OGS client is closed")
        if self.on_loop():
            coroutine.close()
            raise RuntimeError(
                "this call waits for the network and cannot run inside an event callback "
                "(the callback would wait for itself); call it from your own thread"
            )
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the loop; at once when already there (from a callback)."""
        if self.on_loop():
            return function()

        async def wrapper() -> T:
            return function()

        return self.run(wrapper())

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            if self.on_loop():
                return  # closed from a callback: the loop stops once the callback returns
            self.thread.join(timeout=5)
        if not self.thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


class SyncGame:
    """A live game for scripts: the seed's OGSGame methods on top of `Game`."""

    def __init__(self, game: Game, loop: _LoopThread) -> None:
        self._game = game
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._game, name)

    def _do(self, action: Callable[[], None]) -> None:
        self._loop.call(action)

    def move(self, move: str | tuple[int, int] | None) -> None:
        """Play "D4" (GTP), "dd" (OGS) or (x, y); None or "pass" passes."""
        self._do(lambda: self._game.move(move))

    def pass_turn(self) -> None:
        self._do(self._game.pass_turn)

    def resign(self) -> None:
        self._do(self._game.resign)

    def undo(self) -> None:
        self._do(self._game.undo_request)

    def accept_undo(self) -> None:
        self._do(self._game.undo_accept)

    def cancel_undo(self) -> None:
        self._do(self._game.undo_cancel)

    def pause(self) -> None:
        self._do(self._game.pause)

    def resume(self) -> None:
        self._do(self._game.resume)

    def send_chat(self, message: str, chat_type: str = "main") -> None:
        self._do(lambda: self._game.chat(message, chat_type))

    def accept_removed(self) -> None:
        self._do(self._game.accept_removed)

    def reject_removed(self) -> None:
        self._do(self._game.reject_removed)

    def claim_timeout(self) -> None:
        self._do(self._game.claim_timeout)

    def wait_for(self, predicate: Callable[[Game], bool], timeout: float | None = None) -> None:
        """Block until `predicate(game)` holds."""
        self._loop.run(self._game.wait_for(predicate, timeout))

    def disconnect(self) -> None:
        self._do(self._game.disconnect)


class OGSSocket:
    """The realtime half of `OGSClient`, named and shaped as in the seed."""

    def __init__(self, client: OGSClient, callback: Callback) -> None:
        self._client = client
        self.callback_handler = callback
        self.games: dict[int, SyncGame] = {}
        self._undo: list[Callable[[], None]] = []

    @property
    def clock_drift(self) -> float:
        realtime = self._client._async.realtime
        return realtime.clock_drift if realtime else 0.0

    @property
    def clock_latency(self) -> float:
        realtime = self._client._async.realtime
        return realtime.latency if realtime else 0.0

    def _forward(self, event: str, data: Any) -> None:
        try:
            self.callback_handler(event, data)
        except Exception:
            logger.exception("socket callback failed on {}", event)

    def connect(self) -> None:
        client = self._client._async

        async def go() -> None:
            # Before connecting: the login brings active_game and notification events.
            for event in ("active_game", "notification", "ERROR", "net/pong"):
                self._undo.append(client.on(event, self._forward))
            await client.connect()

        try:
            self._client._loop.run(go(), timeout=60)
        except BaseException:
            self._unsubscribe()
            raise

    def _unsubscribe(self) -> None:
        undo, self._undo = self._undo, []
        if undo:
            self._client._loop.call(lambda: [u() for u in undo])

    def game_connect(self, game_id: int, callback_handler: Callback | None = None) -> SyncGame:
        """Join a game; its events go to `callback_handler(event, data)` (or the socket's)."""
        callback = callback_handler or self.callback_handler

        def forward(game: Game, event: str, data: Any) -> None:
            try:
                callback(event, data)
            except Exception:
                logger.exception("game callback failed on {}", event)

        game = self._client._loop.run(self._client._async.join(game_id, on_event=forward), 60)
        sync = SyncGame(game, self._client._loop)
        self.games[game_id] = sync
        return sync

    def game_disconnect(self, game_id: int) -> None:
        self.games.pop(game_id, None)
        self._client._loop.call(lambda: self._client._async.leave(game_id))

    def host_info(self) -> dict[str, Any]:
        """Where we are connected and how well: url, latency, drift, user."""
        realtime = self._client._async.realtime
        if realtime is None:
            return {}
        return {
            "url": realtime.url,
            "connected": realtime.connected,
            "latency": realtime.latency,
            "clock_drift": realtime.clock_drift,
            "user": dict(realtime.user),
        }

    def ping(self) -> None:
        """Send a `net/ping` now (one goes out every 10 s anyway)."""
        data = {"client": int(time.time() * 1000), "drift": 0, "latency": 0}
        self._client._loop.call(lambda: self._client._async.realtime.send("net/ping", data))  # type: ignore[union-attr]

    def disconnect(self) -> None:
        self.games.clear()
        self._unsubscribe()
        self._client._loop.run(self._client._async.disconnect(), timeout=30)

    def enable_logging(self) -> None:
        enable_logging()

    def disable_logging(self) -> None:
        disable_logging()


class OGSClient:
    """The synchronous client for scripts, with the seed library's method names."""

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        *,
        api_key: str | None = None,
        server: str = PRODUCTION,
        dev: bool = False,
        log_level: str | None = None,
    ) -> None:
        if dev and server == PRODUCTION:
            server = "https://beta.online-go.com"
        self._log_sink: int | None = None
        if log_level:  # the seed's shortcut: our log lines on stderr from this level up
            self._log_sink = logger.add(sys.stderr, level=log_level.upper(), filter="ogsbot")
            enable_logging()
        self._loop = _LoopThread()
        self._async = AsyncOGSClient(
            server,
            api_key=api_key,
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
        )
        self.api = self._async.rest
        self.sock: OGSSocket | None = None
        self._closed = False
        atexit.register(self.close)
        self.credentials = {"username": username, "user_id": None}
        if self._async.login is not None:
            try:
                self.credentials["user_id"] = self.user_vitals().get("id")
            except BaseException:
                self.close()
                raise

    # seed names, REST
    def user_vitals(self) -> dict[str, Any]:
        return self.api.me()

    def user_settings(self) -> dict[str, Any]:
        return self.api.settings()

    def user_games(self, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        return self.api.my_games(page, page_size)

    def user_friends(self, username: str | None = None) -> list[Any]:
        return self.api.friends(username)

    def active_games(self, player_id: int | None = None) -> list[dict[str, Any]]:
        return self.api.active_games(player_id)

    def get_player(self, player: str | int) -> dict[str, Any]:
        return self.api.player(player)

    def get_player_games(self, player: str | int) -> dict[str, Any]:
        return self.api.player_games(int(self.get_player(player)["id"]))

    def create_challenge(
        self,
        player_username: str | int | None = None,
        *,
        time_control: TimeControl | dict[str, Any] | str = "byoyomi",
        **settings: Any,
    ) -> tuple[int, int]:
        """Create a challenge; returns (challenge id, game id).

        `time_control` is a `TimeControl`, an OGS time-control dict, or a system name with
        its parameters as keywords (`main_time=600, period_time=30, periods=5`). Other
        keywords are `ChallengeRequest` fields: rules, ranked, width, height, handicap, komi,
        color, name, private, disable_analysis, min_ranking, max_ranking. The seed library's
        names work too (`ruleset`, `game_width`, `fischer_time_increment`, ...: see
        `SEED_CHALLENGE_KEYWORDS`).
        """
        for seed_name, name in SEED_CHALLENGE_KEYWORDS.items():
            if seed_name in settings:
                value = settings.pop(seed_name)
                settings.setdefault(name, value)
        if settings.pop("game_komi_auto", False) is True:
            settings["komi"] = None
        tc_keys = {
            "initial_time", "time_increment", "max_time", "main_time", "period_time",
            "periods", "stones_per_period", "per_move", "total_time", "speed",
        }  # fmt: skip
        tc_fields = {k: settings.pop(k) for k in list(settings) if k in tc_keys}
        if isinstance(time_control, TimeControl):
            tc = time_control
        elif isinstance(time_control, dict):
            tc = TimeControl.from_json(time_control)
        else:
            defaults = {
                "byoyomi": {"main_time": 2400, "period_time": 30, "periods": 5},
                "fischer": {"initial_time": 2400, "time_increment": 30, "max_time": 4800},
            }.get(time_control, {})
            tc = TimeControl.from_json({"system": time_control, **defaults, **tc_fields})
        request = ChallengeRequest(time_control=tc, opponent=player_username, **settings)
        return self.api.create_challenge(request)

    def received_challenges(self) -> list[dict[str, Any]]:
        return self.api.received_challenges(int(self.credentials["user_id"] or 0))

    receive_challenges = received_challenges  # as the seed's docs spell it

    def sent_challenges(self) -> list[dict[str, Any]]:
        return self.api.sent_challenges(int(self.credentials["user_id"] or 0))

    def accept_challenge(self, challenge_id: int) -> dict[str, Any]:
        return self.api.accept_challenge(challenge_id)

    def decline_challenge(self, challenge_id: int, message: str = "") -> dict[str, Any]:
        return self.api.decline_challenge(challenge_id, message)

    def challenge_details(self, challenge_id: int) -> dict[str, Any]:
        return self.api.challenge(challenge_id)

    def game_details(self, game_id: int) -> dict[str, Any]:
        return self.api.game(game_id)

    def game_reviews(self, game_id: int) -> list[Any]:
        return self.api.game_reviews(game_id)

    def game_png(self, game_id: int) -> bytes:
        return self.api.game_png(game_id)

    def game_sgf(self, game_id: int) -> str:
        return self.api.game_sgf(game_id)

    # seed names, realtime
    def socket_connect(self, callback_handler: Callback) -> None:
        """Open the realtime connection; socket-level events go to `callback_handler`."""
        if self.sock is not None:  # a new callback replaces the old one
            self.sock._unsubscribe()
        sock = OGSSocket(self, callback_handler)
        sock.connect()
        self.sock = sock

    def socket_disconnect(self) -> None:
        if self.sock is not None:
            self.sock.disconnect()
            self.sock = None

    def enable_logging(self) -> None:
        enable_logging()

    def disable_logging(self) -> None:
        disable_logging()

    def close(self) -> None:
        """Disconnect and stop the background loop; safe to call twice (also runs at exit)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._loop.loop.is_running():
                self._loop.run(self._async.close(), timeout=10)
        except Exception:
            logger.exception("closing the OGS client failed")
        finally:
            self._loop.stop()
            self.sock = None
            atexit.unregister(self.close)
            if self._log_sink is not None:
                logger.remove(self._log_sink)
                self._log_sink = None

    def __enter__(self) -> OGSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
