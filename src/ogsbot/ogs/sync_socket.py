"""`OGSSocket`: the realtime half of the synchronous client, named and shaped as ogsapi's."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ogsbot.ogs.async_client import AsyncOGSClient, disable_logging, enable_logging
from ogsbot.ogs.callbacks import Callback, EventCallback, adapt, ignore
from ogsbot.ogs.errors import OGSNotConnected
from ogsbot.ogs.game import Game
from ogsbot.ogs.loop_thread import SyncProxy
from ogsbot.ogs.realtime import Realtime
from ogsbot.ogs.seekgraph import SeekGraph
from ogsbot.ogs.sync_game import JOIN_TIMEOUT, SyncGame

if TYPE_CHECKING:
    from ogsbot.ogs.client import OGSClient

__all__ = ["OGSSocket"]


class OGSSocket:
    """The realtime half of `OGSClient`, named and shaped as ogsapi's `OGSSocket`.

    Every event the server sends reaches `callback_handler`, except those of games joined
    with a handler of their own.
    """

    def __init__(self, client: OGSClient, callback_handler: Callback | None = None) -> None:
        self._client = client
        self.credentials = client.credentials
        self.games: dict[int, SyncGame] = {}
        self.last_issued_ping = 0.0  # epoch ms of the last ping() (ogsapi's name)
        self._handler: Callback = callback_handler or ignore
        self._forward: EventCallback = adapt(self._handler)
        self._subscriptions: list[Callable[[], None]] = []

    @property
    def callback_handler(self) -> Callback:
        """The socket's events go here; a new one may be set at any time."""
        return self._handler

    @callback_handler.setter
    def callback_handler(self, handler: Callback) -> None:
        self._handler, self._forward = handler, adapt(handler)

    @property
    def _async(self) -> AsyncOGSClient:
        return self._client._async

    @property
    def socket(self) -> SyncProxy[Realtime] | None:
        """ogsapi's name for the connection itself."""
        realtime = self._async.realtime
        return SyncProxy(realtime, self._client._loop) if realtime is not None else None

    @property
    def connected(self) -> bool:
        """True while the connection is up (it heals by itself after a drop)."""
        realtime = self._async.realtime
        return realtime is not None and realtime.connected

    @property
    def clock_drift(self) -> float:
        """Milliseconds the local clock is ahead of the server's (ogsapi's unit)."""
        realtime = self._async.realtime
        return realtime.clock_drift * 1000 if realtime else 0.0

    @property
    def clock_latency(self) -> float:
        """Round trip to the server in milliseconds, from the last pong."""
        realtime = self._async.realtime
        return realtime.latency * 1000 if realtime else 0.0

    @property
    def last_ping(self) -> float:
        """Epoch milliseconds the last pong arrived (0: none yet)."""
        realtime = self._async.realtime
        return realtime.last_pong * 1000 if realtime else 0.0

    def _on_event(self, event: str, data: Any) -> None:
        """On the loop: an event for the socket's callback, unless a game's handler has it."""
        if event.startswith("game/"):
            game_id = event.split("/", 2)[1]
            if game_id.isdigit() and int(game_id) in self._client._game_handlers:
                return
        self._client._callbacks.submit(self._forward, event, data)

    def socket_callbacks(self) -> None:
        """Attach the socket's handlers (`connect()` does; calling it again changes nothing)."""
        if not self._subscriptions:
            self._subscriptions.append(self._async.on_any(self._on_event))

    def connect(self) -> None:
        """Connect and log in; the events that come with the login reach the callback."""
        self._client._loop.call(self.socket_callbacks)
        try:
            self._client._loop.run(self._async.connect(), timeout=60)
        except BaseException:
            self._unsubscribe()
            raise

    def _unsubscribe(self) -> None:
        subscriptions, self._subscriptions = self._subscriptions, []
        if subscriptions:
            self._client._loop.call(lambda: [undo() for undo in subscriptions])

    def notification_connect(self) -> None:
        """Kept for ogsapi scripts: OGS subscribes notifications at `authenticate` now."""

    def chat_connect(self) -> None:
        """Kept for ogsapi scripts: OGS connects chat at `authenticate` now."""

    def game_connect(self, game_id: int, callback_handler: Callback | None = None) -> SyncGame:
        """Join a game; its events go to `callback_handler` (or the socket's), from its first
        gamedata on. Joining again replaces the handler. A game the server will not show
        raises `OGSGameError` with its message at once."""
        client = self._client
        game_id = int(game_id)
        handler = callback_handler or self.callback_handler

        async def join() -> Game:
            game = await self._async.game(game_id)
            client._set_game_handler(game, handler)
            try:
                return await self._async.join(game_id)
            except BaseException:
                client._drop_game_handler(game_id)
                raise

        game = client._loop.run(join(), JOIN_TIMEOUT + 5)
        sync = SyncGame(game, client)
        self.games[game_id] = sync
        return sync

    def game_disconnect(self, game_id: int) -> None:
        """Leave a game: no more of its events."""
        self.games.pop(int(game_id), None)

        def leave() -> None:
            self._client._drop_game_handler(int(game_id))
            self._async.leave(int(game_id))

        self._client._loop.call(leave)

    def host_info(self) -> dict[str, Any]:
        """The server's `{hostname, clients, uptime, ggs-version}` (OGS's `hostinfo`)."""
        return self._client._loop.run(self._async.hostinfo(), timeout=35)

    def ping(self) -> None:
        """Send a `net/ping` now with the measured drift and latency; the pong updates
        `clock_latency`, `clock_drift` and `last_ping` (one goes out every 10 s anyway)."""
        realtime = self._async.realtime
        if realtime is None:
            raise OGSNotConnected("net/ping", "the socket is not connected")
        self.last_issued_ping = time.time() * 1000
        self._client._loop.call(realtime.ping)

    def seek_graph(self, callback_handler: Callback | None = None) -> SyncProxy[SeekGraph]:
        """Follow the open challenges (`.entries`, `.challenges`); each change also goes to
        `callback_handler(kind, entry)` with kind "add", "delete" or "started"."""
        handler = None
        if callback_handler is not None:
            forward = adapt(callback_handler)

            def handler(kind: str, entry: Any) -> None:
                self._client._callbacks.submit(forward, kind, entry)

        graph = self._client._loop.run(self._async.seek_graph(handler), timeout=35)
        return SyncProxy(graph, self._client._loop)

    def disconnect(self) -> None:
        """Leave every game and close the connection; REST calls still work."""
        self.games.clear()
        self._client._loop.call(self._client._game_handlers.clear)
        self._unsubscribe()
        self._client._loop.run(self._async.disconnect(), timeout=30)

    def enable_logging(self) -> None:
        enable_logging()

    def disable_logging(self) -> None:
        disable_logging()
