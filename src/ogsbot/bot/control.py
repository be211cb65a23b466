"""The daemon's control endpoint: HTTP on a Unix socket that only its user can reach.

`ogsbot status`, `stop`, `reload`, `games`, `resign` and `message` ask a running daemon
through it. The socket lies in the
instance lock's folder (`$XDG_RUNTIME_DIR/ogsbot` or a per-user temporary folder, mode 0700),
named like the lock after the server and the API key (hashed), and is itself mode 0600: the
operator's own account reaches it, nobody else on the machine does, and no port is opened.
aiohttp serves and asks on Unix sockets (`web.UnixSite`, `UnixConnector`): no protocol of our
own.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from loguru import logger

from ogsbot.bot.status_report import status_dumps

JSON = dict[str, Any]
ASK_TIMEOUT = 10.0  # s a command waits for the daemon's answer


class ControlError(Exception):
    """A command the daemon did not carry out; the message says why."""


class NotRunning(ControlError):
    """No daemon answers on the control socket."""


class ControlServer:
    """Serves the daemon's status and takes its commands on `path`."""

    def __init__(
        self,
        path: Path,
        status: Callable[[], JSON],
        stop: Callable[[bool], None],
        reload: Callable[[], str | None],
        act: Callable[[int, str, str], str | None],
    ) -> None:
        self.path = path
        self._status = status
        self._stop = stop
        self._reload = reload
        self._act = act  # (game id, "resign" | "message", text) -> None, or why not
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/status", self._get_status)
        app.router.add_post("/stop", self._post_stop)
        app.router.add_post("/reload", self._post_reload)
        app.router.add_post("/games/{game_id:[0-9]+}/{action:resign|message}", self._post_game)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a daemon killed with -9: the lock says it is gone
        old = os.umask(0o177)  # the socket is born 0600: no moment when others may connect
        try:
            await web.UnixSite(self._runner, str(self.path)).start()
        finally:
            os.umask(old)
        logger.debug("control socket {}", self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _get_status(self, request: web.Request) -> web.Response:
        return web.json_response(self._status(), dumps=status_dumps)

    async def _post_stop(self, request: web.Request) -> web.Response:
        body = await _body(request)
        after_games = bool(body.get("after_games"))
        self._stop(after_games)
        return web.json_response({"stopping": True, "after_games": after_games})

    async def _post_reload(self, request: web.Request) -> web.Response:
        refused = self._reload()
        return web.json_response({"reloaded": refused is None, "why": refused or ""})

    async def _post_game(self, request: web.Request) -> web.Response:
        body = await _body(request)
        game_id, action = int(request.match_info["game_id"]), request.match_info["action"]
        text = body.get("text", "")
        if action == "message" and (not isinstance(text, str) or not text.strip()):
            raise web.HTTPBadRequest(text="a message needs a text")
        refused = self._act(game_id, action, str(text))
        if refused is not None:
            return web.json_response({"done": False, "why": refused}, status=409)
        return web.json_response({"done": True})


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return data


async def ask(path: Path, method: str, route: str, body: JSON | None = None) -> JSON:
    """The daemon's answer to one command; NotRunning when no daemon listens on `path`."""
    timeout = aiohttp.ClientTimeout(total=ASK_TIMEOUT)
    connector = aiohttp.UnixConnector(path=str(path))
    try:
        async with (
            aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
            http.request(method, f"http://ogsbot{route}", json=body) as reply,
        ):
            if reply.status == 409:  # the daemon says why it cannot
                refused: JSON = await reply.json()
                return refused
            if reply.status >= 400:  # a command it could not take: its words
                why = (await reply.text()).strip() or reply.reason or "refused"
                raise ControlError(f"the daemon refused {method} {route}: {why}")
            answer: JSON = await reply.json()
            return answer
    except aiohttp.ClientConnectionError as exc:
        raise NotRunning(
            f"no ogsbot is running for this bot here (socket {path} does not answer: {exc})"
        ) from None
    except TimeoutError:
        raise ControlError(
            f"the daemon did not answer {method} {route} within {ASK_TIMEOUT:g} s "
            f"(socket {path}); it may be stuck: see its log"
        ) from None
