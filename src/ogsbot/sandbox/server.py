"""The local OGS emulator: REST under /api/v1 and the realtime WebSocket on one port.

It speaks OGS's protocol as OGS speaks it (see `shared/ogs-protocol.md` and the samples in
`tests/data/ogs-samples`), so any OGS client can play through it: ours, or OGS's own
gtp2ogs with `--server`. A control API under `/_sandbox/` plays the world around a bot:
accounts, challenges from built-in opponents, game state, and faults on demand.

This module only wires the rooms (one module each, all working on `ServerState`) into one
aiohttp app, and starts, stops and restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path

from aiohttp import WSMsgType, web
from loguru import logger

from ogsbot.sandbox.account_commands import AccountCommands
from ogsbot.sandbox.active_bots import ActiveBots
from ogsbot.sandbox.automatch import Automatch
from ogsbot.sandbox.control import ControlApi
from ogsbot.sandbox.diagnostics import Diagnostics
from ogsbot.sandbox.game_commands import GameCommands
from ogsbot.sandbox.games import GameHost
from ogsbot.sandbox.keepalive import KEEPALIVE_TIMEOUT
from ogsbot.sandbox.latency import GameLatency
from ogsbot.sandbox.lobby import Lobby
from ogsbot.sandbox.realtime import RealtimeProtocol
from ogsbot.sandbox.referee import BOT_SCORING_DELAY, STONE_REMOVAL_TIMEOUT
from ogsbot.sandbox.rest_api import RestApi
from ogsbot.sandbox.seekgraph import SeekGraph
from ogsbot.sandbox.spectator import PAGE
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import Client, Command, ProtocolError

__all__ = ["Client", "Emulator", "ProtocolError"]

CLOSE_WAIT = 2.0  # seconds a client gets to answer the close of a stopping server


class Emulator(ServerState):
    """The emulated OGS server: its state, served over HTTP and WebSocket."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_file: str | Path | None = None,
        stone_removal_timeout: float = STONE_REMOVAL_TIMEOUT,
        seed: int | None = None,
        challenge_keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        bot_scoring_delay: float = BOT_SCORING_DELAY,
    ) -> None:
        """`challenge_keepalive_timeout`: seconds after its last `challenge/keepalive` that a
        live challenge whose creator sent keepalives is withdrawn. `bot_scoring_delay`:
        seconds after the passes that a game with a bot is scored as marked, accepted or not
        (OGS scores bot games itself)."""
        super().__init__(host, port, state_file, seed)
        self.stone_removal_timeout = stone_removal_timeout
        self.bot_scoring_delay = bot_scoring_delay
        self.game_host = GameHost(self)
        self.seekgraph = SeekGraph(self)
        self.lobby = Lobby(self, self.game_host, self.seekgraph, challenge_keepalive_timeout)
        self.keepalive = self.lobby.keepalive
        self.automatch = Automatch(self, self.lobby)
        self.active_bots = ActiveBots(self)
        self.diagnostics = Diagnostics(self)
        self.latency = GameLatency(self)
        self.rest = RestApi(self, self.lobby, self.seekgraph)
        self.control = ControlApi(self, self.game_host, self.restart_soon)
        self.realtime = RealtimeProtocol(self, *self._command_table())
        # What tests and tools call on the emulator itself (the rooms use lobby and game host).
        self.create_challenge = self.lobby.create_challenge
        self.start_game = self.lobby.start_game
        self.create_game = self.game_host.create_game
        self.broadcast_game = self.game_host.broadcast
        self._commands = self.realtime.commands  # tests swap a handler in it
        self._timers = self.game_host.timers  # game id -> its deadline timer (tests cancel one)
        self._ids = itertools.count(1)  # of sockets
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()
        if self.state_file is not None and self.state_file.exists():
            self.load_state()

    def _command_table(self) -> tuple[dict[str, Command], frozenset[str]]:
        """Every realtime command by name, and those answered before authenticate."""
        rooms = (
            AccountCommands(self),
            self.active_bots,
            GameCommands(self, self.game_host),
            self.diagnostics,
            self.latency,
            self.seekgraph,
            self.keepalive,
            self.automatch,
        )
        commands: dict[str, Command] = {}
        for room in rooms:
            commands.update(room.commands())
        public = AccountCommands.PUBLIC | Diagnostics.PUBLIC | SeekGraph.PUBLIC | Automatch.PUBLIC
        return commands, public

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self.rest.middleware])
        app.router.add_get("/", self._root)
        app.router.add_get("/ws", self._root)
        app.router.add_route("POST", "/oauth2/token", self.rest.token)
        app.router.add_route("POST", "/oauth2/token/", self.rest.token)
        app.router.add_route("*", "/api/v1/{tail:.*}", self.rest.handle)
        app.router.add_route("*", "/_sandbox/{tail:.*}", self.control.handle)
        return app

    # ----- sockets --------------------------------------------------------------------

    async def _root(self, request: web.Request) -> web.StreamResponse:
        """The realtime socket, or for a browser the spectator page."""
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=1 << 22)
        if ws.can_prepare(request).ok:
            await ws.prepare(request)
            await self._serve_socket(ws, request.transport)
            return ws
        return web.Response(text=PAGE, content_type="text/html")

    async def _serve_socket(
        self, ws: web.WebSocketResponse, transport: asyncio.Transport | None
    ) -> None:
        client = Client(next(self._ids), ws, transport)
        client.writer = asyncio.create_task(self._writer(client))
        self.clients.add(client)
        self.active_bots.greet(client)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_frame(client, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.discard(client)
            self.active_bots.left(client)
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
        await self.realtime.handle_frame(client, text)

    async def _close_sockets(self) -> None:
        """Close every socket at once, each given CLOSE_WAIT to answer (a client that does not
        read its socket never answers); then its connection is cut."""
        closing = {
            client: asyncio.ensure_future(
                client.ws.close(code=1001, message=b"server shutting down")
            )
            for client in list(self.clients)
        }
        if closing:
            await asyncio.wait(closing.values(), timeout=CLOSE_WAIT)
        for client, close in closing.items():
            if not close.done():
                close.cancel()
                if client.transport is not None:
                    client.transport.abort()

    # ----- lifecycle ------------------------------------------------------------------

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
        self.game_host.schedule_all()
        self.diagnostics.mark_started()
        logger.info("OGS emulator listening on {}", self.url)
        return self.url

    async def stop(self, *, keep_jobs: bool = False) -> None:
        """Close every connection and stop serving (state is saved when a file is set).

        Background jobs (built-in opponents) are cancelled unless `keep_jobs`: a restart keeps
        them, and they reconnect like any client.
        """
        if not keep_jobs:
            await self.cancel_background()
        self.game_host.stop()
        self.keepalive.stop()
        if self._runner is not None:
            # First no new connection: a client that reconnects at once would otherwise get
            # in while the others are being closed, and hold the shutdown for a minute.
            for site in list(self._runner.sites):
                await site.stop()
        await self._close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state_file is not None:
            self.save_state()

    async def restart(self) -> None:
        """Stop and start again on the same port, keeping every game (through the state file)."""
        await self.stop(keep_jobs=True)
        if self.state_file is not None:
            self.reset()
            self.automatch.clear()  # requests are not saved: they hold accounts of the old state
            self.load_state()
        await self.start()

    def restart_soon(self) -> None:
        """Restart after the current request has been answered (the control API's way)."""
        self.spawn(self.restart())
