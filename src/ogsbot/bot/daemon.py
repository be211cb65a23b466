"""The bot daemon: login, challenges, one session per game, status, reload and shutdown.

It logs in with the API key, tells OGS its rules (`bot/config`) and load (`bot/status`),
answers each challenge by the rules (a vanished challenge is logged once and dropped), and
runs a `GameSession` for every active game the server lists, after every reconnect too.
SIGHUP reloads the rules (a bad file is refused and the old rules kept); the first SIGINT or
SIGTERM stops accepting and lets games finish for up to `shutdown_wait` seconds (not
correspondence games: they last days), a second one quits at once (unfinished games resume on
the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any

from loguru import logger

from ogsbot.bot.challenges import ANSWER_RETRIES, ChallengeAnswers
from ogsbot.bot.cockpit import Cockpit
from ogsbot.bot.config import ConfigError, load_config, reload_config
from ogsbot.bot.config_watch import watch_config
from ogsbot.bot.daemon_state import RESERVE_FOR, Reservation, Running
from ogsbot.bot.games import GamesInPlay
from ogsbot.bot.logs import LogSetupError
from ogsbot.bot.matchmaker import Matchmaker
from ogsbot.bot.seeker import Seeker
from ogsbot.bot.server_status import HEARTBEAT_EVERY, SPEEDS, ServerStatus
from ogsbot.bot.session import spec_for
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.realtime import Realtime

__all__ = [
    "ANSWER_RETRIES",
    "CANCEL_AGAIN",
    "HEARTBEAT_EVERY",
    "RESERVE_FOR",
    "SPEEDS",
    "Daemon",
    "Reservation",
    "Running",
]

# Seconds between cancellations of a session that a quit-now stop has not ended yet: one
# cancellation can be lost (Python 3.11's asyncio.wait_for drops one that lands as its wait
# ends, and the session then plays on), and the next one cuts short a graceful engine stop.
CANCEL_AGAIN = 0.5


class Daemon(Cockpit, Matchmaker, Seeker, ChallengeAnswers, GamesInPlay, ServerStatus):
    """Keeps a bot playing on one OGS server."""

    # ----- lifecycle --------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = True) -> int:
        """Run until stopped; returns the exit code. Raises `AlreadyRunning` when another
        daemon plays this bot account on this machine."""
        self.lock.acquire()
        try:
            return await self._run(handle_signals)
        finally:
            self.lock.release()

    async def _run(self, handle_signals: bool) -> int:
        if handle_signals:
            self._install_signals()
        # Subscribed before the login: the server pushes active games and pending
        # challenges right after it.
        self.client.on("notification", self._on_notification)
        self.client.on("active_game", self._on_active_game)
        self.client.on("notification", self._on_offer_rejected)
        self.client.on("active-bots", self._on_active_bots)
        self.client.on_connect(self._on_connect)
        await self._start_control(self.reload)  # `ogsbot status` answers before the login
        for engine in self._engines():
            self.abilities.start(spec_for(engine, "probe"))
        self._keep_spares()
        realtime = await self._connect()
        if realtime is None:
            logger.info("stopped before the server could be reached")
            await self._close()
            return 0
        user = realtime.user
        logger.info(
            "logged in to {} as {} (id {})", self.server, user.get("username"), user.get("id")
        )
        self.ready.set()
        status = asyncio.create_task(self._status_loop(), name="bot-status")
        records = asyncio.create_task(self._complete_records(), name="bot-records")
        seek = asyncio.create_task(self._seek_loop(), name="bot-seek")
        match = asyncio.create_task(self._match_loop(), name="bot-matchmaking")
        if self.config.source is not None:
            self._spawn(watch_config(self.config.source, self._reload_on_change, self._stop),
                        "config-watch")  # fmt: skip
        try:
            await self._settle()
            await self._stop.wait()
            await self._shutdown()
        finally:
            for task in (match, seek, status, records):
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                except Exception:  # logged; the engines and the connection still get closed
                    logger.exception("{} failed", task.get_name())
            await self._close()
        return 0

    async def _connect(self) -> Realtime | None:
        """Log in, for as long as it takes; None when a stop request came first (the server
        can be unreachable for hours, and SIGINT/SIGTERM must still stop the bot)."""
        connect = asyncio.ensure_future(self.client.connect())
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({connect, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not connect.done():
            connect.cancel()
            with contextlib.suppress(asyncio.CancelledError, OGSError):
                await connect
            return None
        return connect.result()

    async def _settle(self) -> None:
        """Start the games in play before answering any challenge: they count in its load.
        The server pushes them after the login too; the list is asked for as well, since
        challenges pending at login come in the same burst."""
        try:
            games = await self.client.call(self.client.rest.active_games)
        except OGSError as exc:
            logger.warning("could not list the games in play: {}; going by the pushes", exc)
            games = []
        for entry in games:
            self._on_active_game("active_game", entry)
        self._settled.set()

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.stop)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, self.reload)

    async def _shutdown(self) -> None:
        # Correspondence games last days: waiting `shutdown_wait` for them to end would only
        # delay every stop of a correspondence bot. They are stopped at once and resume on
        # the next start; the others (live, rapid, blitz) get the time to finish.
        waiting = [r.task for r in self.games.values() if r.speed != "correspondence"]
        logger.info(
            "shutting down: no new challenges; {} game(s) running, {} correspondence game(s) "
            "not waited for (they resume on the next start)",
            len(self.games),
            len(self.games) - len(waiting),
        )
        self._send_config()
        if waiting and not self._quit_now.is_set():
            wait = asyncio.ensure_future(asyncio.wait(waiting, timeout=self.config.shutdown_wait))
            quit_now = asyncio.ensure_future(self._quit_now.wait())
            await asyncio.wait({wait, quit_now}, return_when=asyncio.FIRST_COMPLETED)
            wait.cancel()
            quit_now.cancel()
        await self._stop_sessions()

    async def _stop_sessions(self) -> None:
        """Cancel every session (each saves its record and stops its engine) and wait for
        them all. A quit-now request, before or during this, kills the engines instead of
        asking them to quit, and cancels again every `CANCEL_AGAIN` s a session still running:
        the operator's second Ctrl-C ends the bot within a second or two, whatever the engines
        do and even if a cancellation was lost."""
        self._ending = True
        tasks: set[asyncio.Future[Any]] = {r.task for r in self.games.values()}
        for task in tasks:
            task.cancel()
        quit_now = asyncio.ensure_future(self._quit_now.wait())
        try:
            while tasks and not self._quit_now.is_set():
                _, pending = await asyncio.wait(
                    tasks | {quit_now}, return_when=asyncio.FIRST_COMPLETED
                )
                tasks = pending - {quit_now}
        finally:
            quit_now.cancel()
        if not tasks:
            return
        self.manager.quit_now()
        while True:
            _, tasks = await asyncio.wait(tasks, timeout=CANCEL_AGAIN)
            if not tasks:
                return
            logger.warning("{} game session(s) still running: cancelling again", len(tasks))
            for task in tasks:
                task.cancel()

    async def _close(self) -> None:
        await self._stop_control()
        await self.abilities.close()
        if self._quit_now.is_set():
            self.manager.quit_now()  # the engines left (pooled ones) are killed too
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.manager.close()
        await self.client.close()
        logger.info("stopped")

    def _reload_on_change(self) -> None:
        if self.config.watch_config:
            self.reload()

    def reload(self, path: Path | None = None) -> bool:
        """Load the config file again; a bad one is refused with its errors and the old kept."""
        source = path or self.config.source
        if source is None:
            self.reload_refused = "the config did not come from a file"
            logger.warning("reload asked, but {}", self.reload_refused)
            return False
        try:
            # The same overrides as at start (--sgf-dir, -v) apply to the new file.
            new = reload_config(self.config) if path is None else load_config(source)
        except ConfigError as exc:
            self.reload_refused = str(exc)
            logger.error("the new config is refused; keeping the old one:")
            for line in str(exc).splitlines():
                logger.error("  {}", line)
            return False
        except OSError as exc:
            self.reload_refused = f"cannot read {source}: {exc}"
            logger.error("{}; keeping the old config", self.reload_refused)
            return False
        if self.logs is not None:
            try:
                self.logs.apply(new.log)
            except LogSetupError as exc:
                self.reload_refused = str(exc)
                logger.error("the new config is refused; keeping the old one: {}", exc)
                return False
        for warning in new.warnings:
            logger.warning("{}: {}", source, warning)
        self.config = replace(new, api_key=self.config.api_key)
        for running in self.games.values():  # every game plays on with the new config
            if running.session is not None:
                running.session.config = self.config
        specs = [spec_for(e, "engine") for e in self._engines()]
        self._spawn(self.manager.retire(specs), "retire-engines")  # engines no longer used
        self._keep_spares()
        logger.info("config reloaded from {}", source)
        self._send_config()
        return True
