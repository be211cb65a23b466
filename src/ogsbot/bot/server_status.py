"""What OGS is told about the bot: its rules (`bot/config`), its load (`bot/status`), and a
heartbeat file and a status line for the operator."""

from __future__ import annotations

import asyncio
import time

from loguru import logger

from ogsbot.bot.daemon_state import DaemonState
from ogsbot.bot.rules import Load
from ogsbot.gtp.analysis_service import EndpointStatus

SPEEDS = ("blitz", "rapid", "live", "correspondence")

HEARTBEAT_EVERY = 5.0  # s between two touches of the heartbeat file


class ServerStatus(DaemonState):
    """The daemon's part that keeps OGS (and the operator) told of its rules and load."""

    def _on_connect(self) -> None:
        self._send_config()
        self._last_status = None
        self._send_status()  # at once: OGS counts the bot's load from this, not 0.5 s later

    def _send_config(self) -> None:
        realtime = self.client.realtime
        if realtime is None:
            return
        user = realtime.user
        payload = self.config.bot_config_payload(
            int(user.get("id") or 0), str(user.get("username") or "")
        )
        if self.winding_down:
            payload = {**payload, "decline_new_challenges": True}
        realtime.send("bot/config", payload)

    def _send_status(self) -> Load:
        """Tell OGS the games running per speed, when that changed since it was last told."""
        load = self.load()
        status = {f"ongoing_{s}_count": load.by_speed.get(s, 0) for s in SPEEDS}
        realtime = self.client.realtime
        if status != self._last_status and realtime is not None and realtime.connected:
            realtime.send("bot/status", status)
            self._last_status = status
        return load

    async def _status_loop(self) -> None:
        last_line = time.monotonic()
        last_beat = 0.0
        while True:
            await asyncio.sleep(0.5)
            load = self._send_status()
            if self.draining and not self.stopping and not self.games and not load.total:
                logger.info("the last game has ended: stopping, as asked (stop --after-games)")
                self.stop()
            if self.heartbeat is not None and time.monotonic() - last_beat >= HEARTBEAT_EVERY:
                last_beat = time.monotonic()
                try:
                    self.heartbeat.touch()
                except OSError as exc:
                    logger.warning("cannot touch the heartbeat file {}: {}", self.heartbeat, exc)
            interval = self.config.log.status_interval
            if interval and time.monotonic() - last_line >= interval:
                last_line = time.monotonic()
                speeds = ", ".join(f"{s} {n}" for s, n in sorted(load.by_speed.items())) or "none"
                logger.info(
                    "status: {} game(s) ({}), {} engine process(es){}, {} finished, {} declined",
                    load.total,
                    speeds,
                    self.manager.processes,
                    endpoints_text(self.manager.analysis.status()),
                    len(self.finished),
                    len(self.declined),
                )


def endpoints_text(endpoints: list[EndpointStatus]) -> str:
    """The analysis endpoints for the status line: which are up, and their load."""
    if not endpoints:
        return ""
    parts = [
        f"{e.name} {'up' if e.up else 'DOWN'}"
        + (f" ({e.in_flight} in flight)" if e.in_flight else "")
        + (f", {e.restarts} restart(s)" if e.restarts else "")
        for e in endpoints
    ]
    return " (analysis: " + "; ".join(parts) + ")"
