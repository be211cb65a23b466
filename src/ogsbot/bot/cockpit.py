"""The daemon's side of `ogsbot status`, `stop` and `reload`: its control socket, and the
status it answers with."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from loguru import logger

from ogsbot.bot.control import JSON, ControlServer
from ogsbot.bot.server_status import ServerStatus
from ogsbot.bot.status_report import answers_json, game_status
from ogsbot.bot.status_server import StatusServer
from ogsbot.ogs.errors import OGSError


class Cockpit(ServerStatus):
    """The control socket and the status snapshot."""

    control: ControlServer | None = None
    status_server: StatusServer | None = None

    async def _start_control(self, reload: Callable[[], bool]) -> None:
        await self._start_status_server()

        def reload_from_control() -> str | None:
            logger.info("reload requested through the control socket")
            return None if reload() else self.reload_refused or "see the log"

        control = ControlServer(
            self.lock.control_path,
            self.status,
            self.stop_from_control,
            reload_from_control,
            self.act_in_game,
        )
        try:
            await control.start()
        except OSError as exc:  # the bot plays on; only `ogsbot status` cannot reach it
            logger.warning("cannot open the control socket {}: {}", control.path, exc)
            return
        self.control = control

    async def _stop_control(self) -> None:
        if self.control is not None:
            await self.control.stop()
            self.control = None
        if self.status_server is not None:
            await self.status_server.stop()
            self.status_server = None

    async def _start_status_server(self) -> None:
        """The metrics endpoint, when the config's `status:` asks for it."""
        options = self.config.status
        if not options.enabled:
            return
        server = StatusServer(self.metrics, self.status, options.host, options.port)
        try:
            await server.start()
        except OSError as exc:  # the bot plays on without its metrics
            logger.error("cannot serve metrics on {}:{}: {}", options.host, options.port, exc)
            return
        self.status_server = server

    def stop_from_control(self, after_games: bool) -> None:
        """`ogsbot stop`: now (gracefully), or once the games in play have ended."""
        if not after_games:
            logger.info("stop requested through the control socket")
            self.stop()
            return
        if not self.draining:
            logger.info("stop requested after the games in play: no new game from now")
            self.draining = True
            self._send_config()  # OGS shows the bot as not taking challenges
            # the status loop stops the daemon once no game is left

    def act_in_game(self, game_id: int, action: str, text: str) -> str | None:
        """`ogsbot resign GAME` / `ogsbot message GAME TEXT`: None when done, else why not."""
        running = self.games.get(game_id)
        session = running.session if running is not None else None
        if session is None or session.game.finished:
            return f"game {game_id} is not being played by this bot"
        try:
            if action == "resign":
                logger.info("game {}: resigning, as the operator asked", game_id)
                session.resign_by_operator()
            else:
                logger.info("game {}: the operator says in the chat: {}", game_id, text)
                session.game.chat(text)
        except OGSError as exc:
            return str(exc)
        return None

    def status(self) -> JSON:
        realtime = self.client.realtime
        user = realtime.user if realtime is not None else {}
        return {
            "bot": user.get("username", ""),
            "server": self.server,
            "pid": os.getpid(),
            "uptime": round(time.time() - self.started_at, 1),
            "stopping": self.stopping,
            "draining": self.draining,
            "games": [
                {
                    **game_status(game_id, running.speed, running.session),
                    "engine_pid": self.manager.pid_for(game_id),
                }
                for game_id, running in sorted(self.games.items())
            ],
            "engines": {
                "processes": self.manager.processes,
                "gtp": self.manager.describe(),
                "waiting": self.manager.waiting,
                "analysis": [vars(e) for e in self.manager.analysis.status()],
            },
            "challenges": answers_json(reversed(self.answers)),
            "offers": [
                {"challenge": o.challenge_id, "name": o.offer.name, "speed": o.speed}
                for o in self.open_offers.values()
            ],
            "matchmaking": self.matchmaking_status(),
            "connection": {
                "connected": realtime is not None and realtime.connected,
                "latency_ms": round((realtime.latency if realtime else 0.0) * 1000, 1),
                "drift_ms": round((realtime.clock_drift if realtime else 0.0) * 1000, 1),
                "reconnects": realtime.reconnects if realtime else 0,
                "rest_errors": dict(sorted(self.metrics.rest_errors_by_status().items())),
            },
            "finished": len(self.finished),
            "declined": len(self.declined),
        }
