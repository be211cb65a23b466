"""`OGSClient`: the synchronous client for scripts, with ogsapi 1.3.0's API.

A script written for ogsapi runs with its import changed to `ogsbot.ogs.client` (and a
`server=` to point elsewhere than OGS): every public class, method and attribute of ogsapi
exists here with compatible names, arguments and return shapes (`README.md` has the table).
Where ogsapi's behaviour was a bug it is not kept: errors raise typed exceptions instead of
returning None, nothing is printed to stdout, callbacks that raise are reported, the socket
re-joins games after a reconnect, and the program never hangs at exit.

Everything runs on a private event loop thread (`loop_thread.LoopThread`): a call from the
script's thread is handed to it and reaches the server at once. Callbacks run in order on a
thread of their own (`loop_thread.CallbackThread`), where they may call anything, blocking
calls included. Programs with an event loop of their own use `AsyncOGSClient` and `Game`.

Its realtime half is `OGSSocket` (`sync_socket`), each game joined there a `SyncGame`
(`sync_game`); this module holds the client itself, its REST calls and its threads' end.
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from ogsbot.ogs.async_client import AsyncOGSClient, disable_logging, enable_logging, make_login
from ogsbot.ogs.automatch import AutomatchPreferences
from ogsbot.ogs.callbacks import Callback, adapt, ignore
from ogsbot.ogs.challenge import seed_challenge
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.game import Game
from ogsbot.ogs.loop_thread import CallbackThread, LoopThread
from ogsbot.ogs.models import Clock, GameData, Player, TimeControl
from ogsbot.ogs.rest import BETA, PRODUCTION, OGSRest
from ogsbot.ogs.sync_game import JOIN_TIMEOUT, MOVE_TIMEOUT, OGSGame, SyncGame
from ogsbot.ogs.sync_socket import OGSSocket

__all__ = [
    "JOIN_TIMEOUT",
    "MOVE_TIMEOUT",
    "AsyncOGSClient",
    "OGSApiException",
    "OGSClient",
    "OGSCredentials",
    "OGSGame",
    "OGSGameClock",
    "OGSGameData",
    "OGSRestAPI",
    "OGSSocket",
    "Player",
    "SyncGame",
    "TimeControl",
    "disable_logging",
    "enable_logging",
    "make_login",
]

# ogsapi's other public classes, under their names, for the scripts that name them (in
# `except` clauses, annotations, isinstance checks): every error ogsbot raises is an
# `OGSApiException`; `ogs.api` is an `OGSRestAPI`; `game.game_data` an `OGSGameData`.
OGSApiException = OGSError
OGSRestAPI = OGSRest
OGSGameData = GameData
OGSGameClock = Clock


class _LogShortcut:
    """The stderr sink of `OGSClient(log_level=...)`.

    loguru's sinks belong to the process, so this one does too: one sink however many
    clients ask, at the last level asked for. loguru's own default sink (still in place when
    the script configured none) is replaced by one that leaves ogsbot's lines to this sink,
    so each line shows once, at the level given.
    """

    sink: int | None = None

    @classmethod
    def set(cls, level: str) -> None:
        level = level.upper()
        logger.level(level)  # an unknown level name raises ValueError here, naming it
        try:
            logger.remove(0)
        except ValueError:
            pass  # the script configured loguru itself: its sinks are left alone
        else:
            logger.add(
                sys.stderr,
                filter=lambda record: not record["name"].startswith("ogsbot"),
                diagnose=False,
            )
        if cls.sink is not None:
            logger.remove(cls.sink)
        # No variables in tracebacks: a REST call's frame holds the API key.
        cls.sink = logger.add(
            sys.stderr, level=level, filter="ogsbot", diagnose=False, backtrace=False
        )
        enable_logging()


@dataclass
class OGSCredentials:
    """Who the client is logged in as (ogsapi's `OGSCredentials`); secrets stay out of repr.

    The tokens are read from the client as they are now (they are renewed). OGS issues no
    `chat_auth` or `notification_auth` any more (`authenticate` covers both): None.
    """

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    user_id: int | None = None
    _client: AsyncOGSClient | None = field(default=None, repr=False, compare=False)
    chat_auth: None = field(default=None, repr=False)
    notification_auth: None = field(default=None, repr=False)

    @property
    def access_token(self) -> str | None:
        return self._client.rest.access_token if self._client else None

    @property
    def refresh_token(self) -> str | None:
        return self._client.rest.refresh_token if self._client else None

    @property
    def user_jwt(self) -> str | None:
        return (self._client.user_jwt or None) if self._client else None

    def __getitem__(self, key: str) -> Any:
        """Also readable as a dict (`credentials["user_id"]`), as ogsbot's first facade was."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


def _shut(loop: LoopThread, callbacks: CallbackThread, client: AsyncOGSClient) -> None:
    """Close the connection and stop the threads: at `close()`, at exit, or when the client
    is dropped unclosed (a `weakref.finalize`, which must not hold the client itself)."""
    try:
        if loop.loop.is_running() and not loop.on_loop():
            loop.run(client.close(), timeout=10)
    except Exception:
        logger.exception("closing the OGS client failed")
    finally:
        loop.stop()
        callbacks.stop()


def _page(results: list[Any]) -> dict[str, Any]:
    """Every result in one page of the shape ogsapi returned (OGS's paged list)."""
    return {"count": len(results), "next": None, "previous": None, "results": results}


class OGSClient:
    """The synchronous client for scripts, with ogsapi's method names.

    Log in with an OAuth2 application and a user's password (ogsapi's four arguments) or,
    for a bot account, `api_key=`. `dev=True` is OGS's beta server (`BETA`).
    """

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        dev: bool = False,
        *,
        api_key: str | None = None,
        server: str = PRODUCTION,
        log_level: str | None = None,
    ) -> None:
        if dev and server == PRODUCTION:
            server = BETA
        if log_level:  # the shortcut: ogsbot's log lines on stderr from this level up, once
            _LogShortcut.set(log_level)
        self._async = AsyncOGSClient(
            server,
            api_key=api_key,
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
        )
        self._loop = LoopThread()
        self._callbacks = CallbackThread()
        # game id -> (the script's handler, the game-side handler that forwards to it)
        self._game_handlers: dict[int, tuple[Callback, Callable[[], None]]] = {}
        self._finalizer = weakref.finalize(self, _shut, self._loop, self._callbacks, self._async)
        self.api = self._async.rest
        self.sock: OGSSocket | None = None
        self.credentials = OGSCredentials(
            client_id, client_secret, username, password, api_key, _client=self._async
        )
        self.api.credentials = self.credentials
        if self._async.login is not None:
            try:
                vitals = self.user_vitals()
            except BaseException:
                self.close()
                raise
            self.credentials.user_id = int(vitals["id"]) if "id" in vitals else None
            self.credentials.username = str(vitals.get("username") or username or "") or None

    def _me(self) -> int:
        if self.credentials.user_id is None:
            self.credentials.user_id = int(self.user_vitals()["id"])
        return self.credentials.user_id

    # ----- game handlers (on the loop) ---------------------------------------------------

    def _set_game_handler(self, game: Game, handler: Callback) -> None:
        """`handler` gets the game's events from now on, instead of the one before."""

        def set_it() -> None:
            self._drop_game_handler(game.game_id)
            forward = adapt(handler)

            def on_game(_: Game, event: str, data: Any) -> None:
                self._callbacks.submit(forward, event, data)

            self._game_handlers[game.game_id] = (handler, game.add_handler(on_game))

        self._loop.call(set_it)

    def _drop_game_handler(self, game_id: int) -> None:
        entry = self._game_handlers.pop(game_id, None)
        if entry is not None:
            with contextlib.suppress(ValueError):
                entry[1]()

    def _handler_of(self, game_id: int) -> Callback:
        entry = self._loop.call(lambda: self._game_handlers.get(game_id))
        return entry[0] if entry is not None else ignore

    # ----- REST, ogsapi's names ---------------------------------------------------------

    def user_vitals(self) -> dict[str, Any]:
        """The logged-in account: id, username, ranking, ratings, about, ..."""
        return self.api.me()

    def user_settings(self) -> dict[str, Any]:
        """The account's settings."""
        return self.api.settings()

    def update_user_settings(
        self,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        private_name: bool | None = None,
        country: str | None = None,
        website: str | None = None,
        about: str | None = None,
    ) -> dict[str, Any]:
        """Change the profile; only the fields given are sent."""
        return self.api.update_profile(
            self._me(),
            username=username,
            first_name=first_name,
            last_name=last_name,
            real_name_is_private=private_name,
            country=country,
            website=website,
            about=about,
        )

    def user_games(self, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """One page of the account's games."""
        return self.api.my_games(page, page_size)

    def user_friends(self, username: str | None = None) -> dict[str, Any]:
        """The friends (`results`: all of them, where ogsapi read the first page)."""
        return _page(self.api.friends(username))

    def send_friend_request(self, username: str) -> dict[str, Any]:
        return self.api.add_friend(int(self.get_player(username)["id"]))

    def remove_friend(self, username: str) -> dict[str, Any]:
        return self.api.remove_friend(int(self.get_player(username)["id"]))

    def active_games(self, player_id: int | None = None) -> list[dict[str, Any]]:
        """The games in play: the account's, or another player's."""
        return self.api.active_games(player_id)

    def get_player(self, player_username: str | int) -> dict[str, Any]:
        """A player by exact username (or id); `OGSNotFound` when there is none."""
        return self.api.player(player_username)

    def get_player_games(self, player_username: str | int) -> dict[str, Any]:
        """One page of a player's games."""
        return self.api.player_games(int(self.get_player(player_username)["id"]))

    def create_challenge(
        self,
        player_username: str | int | None = None,
        time_control: TimeControl | Mapping[str, Any] | str | None = None,
        **game_settings: Any,
    ) -> tuple[int, int]:
        """Create a direct challenge (or an open one with no player); returns
        (challenge id, game id). ogsapi's keywords and its docs' spellings work
        (`challenge.SEED_CHALLENGE_KEYWORDS`); a time system missing a parameter is refused
        before anything is sent. A live challenge is kept alive while the socket is
        connected, as OGS's site does."""
        request = seed_challenge(player_username, time_control, game_settings)
        return self._loop.run(self._async.create_challenge(request), timeout=120)

    def received_challenges(self) -> list[dict[str, Any]]:
        """Challenges others sent this account (every page)."""
        return self.api.received_challenges(self._me())

    receive_challenges = received_challenges  # as ogsapi's docs spell it

    def sent_challenges(self) -> list[dict[str, Any]]:
        """Challenges this account sent (every page)."""
        return self.api.sent_challenges(self._me())

    def accept_challenge(self, challenge_id: int) -> dict[str, Any]:
        return self.api.accept_challenge(challenge_id)

    def decline_challenge(self, challenge_id: int, message: str = "") -> dict[str, Any]:
        return self.api.decline_challenge(challenge_id, message)

    def challenge_details(self, challenge_id: int) -> dict[str, Any]:
        return self.api.challenge(challenge_id)

    def open_challenges(self) -> list[dict[str, Any]]:
        """The open challenges anyone may accept."""
        return self.api.open_challenges()

    def accept_open_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Accept an open challenge (human accounts: OGS's rules forbid it to bots)."""
        return self.api.accept_open_challenge(challenge_id)

    def cancel_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw a challenge this account created."""
        return self._loop.run(self._async.cancel_challenge(challenge_id), timeout=120)

    def game_details(self, game_id: int) -> dict[str, Any]:
        return self.api.game(game_id)

    def game_reviews(self, game_id: int) -> dict[str, Any]:
        """The game's reviews (`results`: all of them)."""
        return _page(self.api.game_reviews(game_id))

    def game_png(self, game_id: int) -> bytes:
        return self.api.game_png(game_id)

    def game_sgf(self, game_id: int) -> str:
        return self.api.game_sgf(game_id)

    # ----- automatch (human accounts) -----------------------------------------------------

    def find_match(self, preferences: AutomatchPreferences | None = None) -> str:
        """Ask OGS's automatch for a game; returns the request's uuid (not for bots)."""
        return self._loop.run(self._async.find_match(preferences or AutomatchPreferences()), 60)

    def wait_match(self, uuid: str, timeout: float | None = None) -> int:
        """Block until automatch starts a game for `uuid`; returns its id."""
        return self._loop.run(self._async.wait_match(uuid, timeout))

    def cancel_match(self, uuid: str | None = None) -> None:
        """Withdraw an automatch request (None: all of this account's)."""
        self._loop.run(self._async.cancel_match(uuid), 60)

    # ----- realtime, ogsapi's names ---------------------------------------------------------

    def socket_connect(self, callback_handler: Callback | None = None) -> None:
        """Open the realtime connection; socket-level events go to `callback_handler`."""
        if self.sock is not None:  # a new callback replaces the old one
            self.sock._unsubscribe()
        sock = OGSSocket(self, callback_handler)
        self.sock = sock  # before connecting: the login's events may reach for it
        try:
            sock.connect()
        except BaseException:
            self.sock = None
            raise

    def socket_disconnect(self) -> None:
        """Close the realtime connection; REST calls still work."""
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.disconnect()

    disconnect_socket = socket_disconnect  # the name ogsapi's usage text uses

    def enable_logging(self) -> None:
        enable_logging()

    def disable_logging(self) -> None:
        disable_logging()

    def close(self) -> None:
        """Disconnect and stop the client's threads; whatever still waits on them is told
        (`OGSClientClosed`). Safe to call twice, from a callback too; runs at exit."""
        self.sock = None
        self._finalizer()

    def __enter__(self) -> OGSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
