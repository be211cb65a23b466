"""OGS's realtime API: one WebSocket of JSON array frames, kept alive for good.

Out: `[command, data, id?]`. In: events `[name, data]` and replies `[id, data, error?]`.
`request()` awaits the reply to its id; `send()` fires and forgets. Every (re)connect
authenticates first, then runs the `on_connect` callbacks (live games re-join there), then
flushes what was sent while offline. `net/ping` every 10 s measures latency and clock drift,
and a connection whose pongs stop is dropped and replaced (and OGS told, `net/timeout`). A
malformed frame is logged and skipped. Who hears which event is `realtime_handlers`'.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import platform
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from loguru import logger

from ogsbot import __version__
from ogsbot.ogs.errors import (
    OGSAuthError,
    OGSNotConnected,
    OGSRealtimeError,
    OGSRealtimeTimeout,
    redact,
)
from ogsbot.ogs.realtime_handlers import ConnectCallback, Handler, RealtimeHandlers

__all__ = [
    "AuthSource",
    "ConnectCallback",
    "Handler",
    "Realtime",
    "ReconnectPolicy",
    "websocket_url",
]

AuthSource = Callable[[], Awaitable[Mapping[str, Any]]]


def websocket_url(server: str) -> str:
    """The socket URL for a server URL: http -> ws, https -> wss, at the host root."""
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        raise ValueError(f"server must be an http(s) URL like https://online-go.com: {server!r}")
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class ReconnectPolicy:
    """Growing, jittered waits between attempts; reset once a connection has lived a while.

    A connection that logged in and was then lost proves the server is up: the next wait is
    at most step `after_login` (0.4 s by default), however often the connection dropped
    before. Only attempts that fail (refused, silent, no login) go further up the scale.
    """

    first: float = 0.05
    factor: float = 2.0
    longest: float = 10.0
    stable_after: float = 30.0
    after_login: int = 4

    def delay(self, failures: int, rng: random.Random) -> float:
        """The wait before attempt `failures` + 1."""
        base: float = min(self.longest, self.first * self.factor ** max(0, failures - 1))
        return base * rng.uniform(0.5, 1.5)


@dataclass
class _Pending:
    command: str
    future: asyncio.Future[Any]
    sent: bool = False


class Realtime(RealtimeHandlers):
    """A self-healing connection to OGS's realtime server; `on*` subscribe to its events."""

    def __init__(
        self,
        server: str,
        auth: AuthSource,
        *,
        ping_interval: float = 10.0,
        request_timeout: float = 30.0,
        connect_timeout: float = 20.0,
        close_timeout: float = 1.0,
        reconnect: ReconnectPolicy | None = None,
        secrets: Callable[[], list[str]] = list,
        rng: random.Random | None = None,
    ) -> None:
        self.url = websocket_url(server)
        self.ping_interval = ping_interval
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.close_timeout = close_timeout  # how long a closing handshake may take
        self.reconnect = reconnect or ReconnectPolicy()
        self.latency = 0.0  # seconds, from the last pong
        self.clock_drift = 0.0  # seconds the local clock is ahead of the server's
        self.user: dict[str, Any] = {}  # what authenticate answered: id, username
        self.connections = 0  # successful (authenticated) connections so far
        self.last_pong = 0.0  # epoch seconds the last net/pong arrived (0: none yet)
        self._auth = auth
        self._secrets = secrets
        self._rng = rng or random.Random()
        super().__init__()
        self._pending: dict[int, _Pending] = {}
        self._next_id = 1
        self._outbox: deque[tuple[str, int | None]] = deque()
        self._outbox_ready = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._first_result: asyncio.Future[None] | None = None
        self._last_pong = 0.0
        self._closing = False
        self._timed_out: dict[str, Any] | None = None  # the last dead connection, to report

    # ----- public API ------------------------------------------------------------------

    @property
    def reconnects(self) -> int:
        """Connections made again after the first login."""
        return max(0, self.connections - 1)

    @property
    def connected(self) -> bool:
        """True while an authenticated connection is open."""
        return self._connected.is_set()

    def server_time(self) -> float:
        """The server's clock now, in epoch seconds (local clock corrected by the drift)."""
        return time.time() - self.clock_drift

    async def connect(self) -> None:
        """Connect and authenticate; returns once the first connection is ready.

        A refused login raises `OGSAuthError`; any other failure of the first attempt is
        retried like a dropped connection. Later drops are healed in the background.
        """
        if self._runner is not None:
            return
        self._closing = False
        self._session = aiohttp.ClientSession()
        self._first_result = asyncio.get_running_loop().create_future()
        self._runner = asyncio.create_task(self._run(), name="ogs-realtime")
        try:
            await self._first_result
        except BaseException:
            await self.close()
            raise

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until a connection is up (again)."""
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    async def close(self) -> None:
        """Close the connection for good: no reconnect, pending requests fail."""
        self._closing = True
        runner, self._runner = self._runner, None
        if self._ws is not None:
            await self._ws.close()
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        for task in list(self._tasks):
            task.cancel()
        self._fail_pending("connection closed", unsent_too=True)
        self._outbox.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def drop(self) -> None:
        """Close the current connection as if the network had dropped it (it reconnects)."""
        if self._ws is not None:
            await self._ws.close()

    def send(self, command: str, data: Any = None) -> None:
        """Send a command with no reply; queued while a dropped connection heals, sent in
        order. A connection that was closed (or never opened) raises `OGSNotConnected`:
        nothing is dropped without a word, and a later `connect()` sends no stale frames.
        """
        if self._closing or self._runner is None:
            raise OGSNotConnected(command, "the realtime connection is closed")
        self._enqueue(json.dumps([command, data] if data is not None else [command]), None)

    async def request(self, command: str, data: Any = None, timeout: float | None = None) -> Any:
        """Send a command and return the server's reply data; errors raise.

        Sent at once when connected, else when the connection is back. A connection lost
        before the reply raises `OGSNotConnected`, as the server may or may not have seen it.
        """
        if self._closing or self._runner is None:
            raise OGSNotConnected(command, "the connection is closed")
        ident, future = self._expect_reply(command)
        self._enqueue(json.dumps([command, data, ident]), ident)
        limit = self.request_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                return await future
        except TimeoutError:
            raise OGSRealtimeTimeout(command, limit) from None
        finally:
            self._pending.pop(ident, None)

    def _expect_reply(self, command: str, *, sent: bool = False) -> tuple[int, asyncio.Future[Any]]:
        """A fresh request id, and the future its reply will settle."""
        ident = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = _Pending(command, future, sent)
        return ident, future

    # ----- connection loop -----------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            started = time.monotonic()
            logins = self.connections
            try:
                await self._connection()
            except asyncio.CancelledError:
                raise
            except OGSAuthError as exc:
                if self._first_result is not None and not self._first_result.done():
                    self._first_result.set_exception(exc)
                    return
                logger.error("realtime login refused: {}", exc)
            except Exception as exc:
                text = redact(f"{type(exc).__name__}: {exc}", self._secrets())
                logger.warning("realtime connection to {} failed: {}", self.url, text)
            finally:
                self._connected.clear()
                self._ws = None
                self._fail_pending("connection lost")
            if self._closing:
                return
            if time.monotonic() - started > self.reconnect.stable_after:
                failures = 0
            failures += 1
            if self.connections > logins:  # it had logged in: the server is there
                failures = min(failures, max(1, self.reconnect.after_login))
            wait = self.reconnect.delay(failures, self._rng)
            logger.info("reconnecting to {} in {:.2f} s", self.url, wait)
            await asyncio.sleep(wait)

    async def _connection(self) -> None:
        assert self._session is not None
        async with asyncio.timeout(self.connect_timeout):  # a silent server fails the attempt
            ws = await self._session.ws_connect(
                self.url,
                timeout=aiohttp.ClientWSTimeout(ws_close=self.close_timeout),
                heartbeat=None,
            )
        self._ws = ws
        reader = asyncio.create_task(self._read(ws), name="ogs-realtime-read")
        writer: asyncio.Task[None] | None = None
        pinger: asyncio.Task[None] | None = None
        try:
            self.user = await self._authenticate(ws, reader)
            self.connections += 1
            self._last_pong = time.monotonic()
            self._connected.set()
            logger.info(
                "realtime connected to {} as {} (connection {})",
                self.url,
                self.user.get("username", "?"),
                self.connections,
            )
            if self._first_result is not None and not self._first_result.done():
                self._first_result.set_result(None)
            if self._timed_out is not None:  # as the site does: tell OGS why we came back
                report, self._timed_out = self._timed_out, None
                await ws.send_str(json.dumps(["net/timeout", report]))
            # What the callbacks send (re-joins) goes out before what was queued offline.
            queued = list(self._outbox)
            self._outbox.clear()
            for callback in list(self._on_connect):
                self._call(callback)
            self._outbox.extend(queued)
            writer = asyncio.create_task(self._write(ws), name="ogs-realtime-write")
            pinger = asyncio.create_task(self._ping(ws), name="ogs-realtime-ping")
            await reader
        finally:
            for task in (reader, writer, pinger):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            if not ws.closed:
                await ws.close()
            if self.connected and not self._closing:
                logger.warning("realtime connection to {} lost", self.url)

    async def _authenticate(
        self, ws: aiohttp.ClientWebSocketResponse, reader: asyncio.Task[None]
    ) -> dict[str, Any]:
        payload = dict(await self._auth())
        ident, future = self._expect_reply("authenticate", sent=True)
        try:
            # Inside the try: a socket that dies under this write must not leave the future
            # pending, to be failed later with nobody awaiting it.
            await ws.send_str(json.dumps(["authenticate", payload, ident]))
            async with asyncio.timeout(self.connect_timeout):
                done, _ = await asyncio.wait({future, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._pending.pop(ident, None)
        if future not in done:
            raise ConnectionError("the server closed the connection during authenticate")
        try:
            reply = future.result()
        except OGSRealtimeError as exc:
            raise OGSAuthError(401, "WS", "authenticate", exc.message) from None
        if not reply or not isinstance(reply, Mapping):
            raise OGSAuthError(401, "WS", "authenticate", "the server refused the login")
        return dict(reply)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self._frame(message.data)
                # Buffered frames come back without a wait: without a yield here a burst
                # (the gamedata of 2,000 games after a reconnect) would hold every game's
                # turn until its last frame is parsed, a blitz game's included.
                await asyncio.sleep(0)
            elif message.type == aiohttp.WSMsgType.ERROR:
                logger.warning("realtime socket error: {}", ws.exception())
                return

    async def _write(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            while self._outbox:
                frame, ident = self._outbox[0]
                await ws.send_str(frame)
                self._outbox.popleft()
                pending = self._pending.get(ident) if ident is not None else None
                if pending is not None:
                    pending.sent = True
            self._outbox_ready.clear()
            await self._outbox_ready.wait()

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            if time.monotonic() - self._last_pong > 3 * self.ping_interval:
                logger.warning(
                    "no pong for {:.0f} s: dropping the connection", 3 * self.ping_interval
                )
                self._timed_out = self._timeout_report()
                await ws.close()
                return
            await ws.send_str(json.dumps(["net/ping", self._ping_data()]))
            await asyncio.sleep(self.ping_interval)

    def _ping_data(self) -> dict[str, int]:
        """A `net/ping` as the site sends it: its time, and the drift and latency measured."""
        return {
            "client": int(time.time() * 1000),
            "drift": int(self.clock_drift * 1000),
            "latency": int(self.latency * 1000),
        }

    def _timeout_report(self) -> dict[str, Any]:
        """goban's `net/timeout` diagnostics, for a connection dropped for want of pongs."""
        return {
            "route": self.url,
            "ping_interval": int(self.ping_interval * 1000),
            "timeout_delay": int(3 * self.ping_interval * 1000),
            "latency": int(self.latency * 1000),
            "times_connected": self.connections,
            "in_live_game": False,
            "device_info": {
                "mobile": False,
                "manufacturer": "",
                "os_name": platform.system(),
                "browser_name": "ogsbot",
                "useragent": f"ogsbot/{__version__}",
            },
        }

    def ping(self) -> None:
        """Send a `net/ping` now (one goes out every `ping_interval` anyway)."""
        self.send("net/ping", self._ping_data())

    # ----- frames --------------------------------------------------------------------

    def _frame(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            logger.warning("skipping a realtime frame that is not JSON: {!r}", text[:200])
            return
        if not isinstance(frame, list) or not frame:
            logger.warning("skipping a realtime frame that is not an array: {!r}", text[:200])
            return
        head = frame[0]
        if isinstance(head, int) and not isinstance(head, bool):
            self._reply(
                head, frame[1] if len(frame) > 1 else None, frame[2] if len(frame) > 2 else None
            )
        elif isinstance(head, str):
            self._event(head, frame[1] if len(frame) > 1 else None)
        else:
            logger.warning("skipping a realtime frame of unknown form: {!r}", text[:200])

    def _reply(self, ident: int, data: Any, error: Any) -> None:
        pending = self._pending.pop(ident, None)
        if pending is None or pending.future.done():
            logger.debug("reply to unknown or expired request {}", ident)
            return
        if error:
            code = str(error.get("code", "")) if isinstance(error, Mapping) else ""
            message = str(error.get("message", error)) if isinstance(error, Mapping) else str(error)
            pending.future.set_exception(OGSRealtimeError(pending.command, code, message))
        else:
            pending.future.set_result(data)

    def _event(self, name: str, data: Any) -> None:
        if name == "net/pong" and isinstance(data, Mapping):
            self._pong(data)
        elif name == "ERROR":
            logger.error("realtime server error: {}", data)
        elif name == "net/timeout":
            logger.warning("realtime server reports a timeout: {}", data)
        self._dispatch(name, data)

    def _pong(self, data: Mapping[str, Any]) -> None:
        now = time.time() * 1000
        try:
            client, server = float(data["client"]), float(data["server"])
        except (KeyError, TypeError, ValueError):
            logger.warning("malformed net/pong: {!r}", data)
            return
        latency = max(0.0, now - client)
        self.latency = latency / 1000
        self.clock_drift = (now - latency / 2 - server) / 1000
        self._last_pong = time.monotonic()
        self.last_pong = now / 1000

    def _enqueue(self, frame: str, ident: int | None) -> None:
        self._outbox.append((frame, ident))
        self._outbox_ready.set()

    def _fail_pending(self, reason: str, *, unsent_too: bool = False) -> None:
        """Fail the requests whose frames went out on a connection that is gone.

        Those still in the outbox wait for the next connection, unless `unsent_too`.
        """
        for ident, item in list(self._pending.items()):
            if item.sent or unsent_too:
                del self._pending[ident]
                if not item.future.done():
                    item.future.set_exception(OGSNotConnected(item.command, reason))
