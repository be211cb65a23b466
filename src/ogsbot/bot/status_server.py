"""The daemon's small web server (`status:` in the config, off by default): its status page
(`/`, every game as a live board), the status as JSON (`/status.json`, what `ogsbot status
--json` prints) and Prometheus's /metrics, made by prometheus_client from the daemon's own
registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ogsbot.bot.metrics import BotMetrics
from ogsbot.bot.status_page import PAGE
from ogsbot.bot.status_report import status_dumps


class StatusServer:
    """Serves the page (/), its JSON (/status.json) and /metrics on `host`:`port` while the
    daemon runs."""

    def __init__(
        self, metrics: BotMetrics, status: Callable[[], dict[str, Any]], host: str, port: int
    ) -> None:
        self.metrics = metrics
        self._status = status
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/status.json", self._status_json)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self._runner.addresses:  # port 0: the one given
            self.port = int(self._runner.addresses[0][1])
        logger.info("status page on http://{}:{}/ (metrics at /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def _status_json(self, request: web.Request) -> web.Response:
        return web.json_response(self._status(), dumps=status_dumps)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.metrics.registry)
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
