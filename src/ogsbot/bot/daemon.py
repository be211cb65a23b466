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
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loguru import logger

from ogsbot.bot.abilities import AbilityBook, engine_unavailable, rengo_refusal
from ogsbot.bot.config import Config, ConfigError, EngineConfig, load_config, reload_config
from ogsbot.bot.instance import InstanceLock, default_lock_dir
from ogsbot.bot.logs import LogSetup, LogSetupError
from ogsbot.bot.rules import Decision, Load, RuleCheck, decide, speed_of
from ogsbot.bot.session import GameSession, engine_spec, save_record
from ogsbot.gtp.managers import EngineManager
from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.errors import OGSError, OGSNotFound
from ogsbot.ogs.models import ActiveGame, Challenge, GameData
from ogsbot.ogs.realtime import Realtime

SPEEDS = ("blitz", "rapid", "live", "correspondence")
# Seconds before answering again a challenge whose answer failed (after the REST client's own
# retries): the challenge is still there, and its challenger waits for an answer.
ANSWER_RETRIES = (5.0, 15.0, 45.0, 120.0)
# Seconds between cancellations of a session that a quit-now stop has not ended yet: one
# cancellation can be lost (Python 3.11's asyncio.wait_for drops one that lands as its wait
# ends, and the session then plays on), and the next one cuts short a graceful engine stop.
CANCEL_AGAIN = 0.5
# Seconds an accepted challenge keeps its place in the load while its game has not arrived
# (as an `active_game` push) yet; past it the place is given up.
RESERVE_FOR = 120.0
HEARTBEAT_EVERY = 5.0  # s between two touches of the heartbeat file


@dataclass
class Reservation:
    """A challenge decided for acceptance: it counts against every limit from the moment it
    is decided, not once its game arrives, so challenges answered together cannot all pass."""

    speed: str
    opponent: int
    until: float = field(default_factory=lambda: time.monotonic() + RESERVE_FOR)


@dataclass
class Running:
    """A game the daemon plays, and its task."""

    task: asyncio.Task[None]
    session: GameSession | None = None
    speed: str = ""
    opponent: int = 0
    started: float = field(default_factory=time.monotonic)


class Daemon:
    """Keeps a bot playing on one OGS server."""

    def __init__(
        self,
        config: Config,
        *,
        server: str | None = None,
        lock_dir: Path | None = None,
        logs: LogSetup | None = None,
        heartbeat: Path | None = None,
    ) -> None:
        self.config = config
        self.logs = logs  # the log sinks, set again from `log:` on a reload
        self.heartbeat = heartbeat  # touched while the daemon is alive (Docker's HEALTHCHECK)
        self.server = server or config.server
        api_key = config.api_key.get_secret_value()
        self.lock = InstanceLock(lock_dir or default_lock_dir(), self.server, api_key)
        self.client = AsyncOGSClient(self.server, api_key=api_key)
        self.manager = EngineManager()
        self.games: dict[int, Running] = {}
        self.finished: list[int] = []
        self.records: dict[int, Path] = {}  # game id -> its SGF
        self.declined: list[tuple[int, str | None]] = []
        self.stopping = False
        self._ending = False  # the sessions are being stopped: no new one starts
        self._stop = asyncio.Event()
        self._quit_now = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._seen_challenges: set[int] = set()
        self.reserved: dict[int, Reservation] = {}  # game id -> an accepted challenge's place
        self.abilities = AbilityBook()
        # Set once the games in play at login are known: until then a challenge's load
        # would leave them out.
        self._settled = asyncio.Event()
        self._last_status: dict[str, int] | None = None
        self.ready = asyncio.Event()
        # Seconds after the login before partial records are looked at: by then the server
        # has pushed every game still in play, and only those that ended are asked about.
        self.record_check_delay = 30.0

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
        self.client.on_connect(self._on_connect)
        for engine in self._engines():
            self.abilities.start(engine_spec(engine, "probe"))
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
        try:
            await self._settle()
            await self._stop.wait()
            await self._shutdown()
        finally:
            for task in (status, records):
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

    def stop(self) -> None:
        """Begin a graceful shutdown; a second call quits at once."""
        if self.stopping:
            logger.warning("second stop request: quitting now (games resume on the next start)")
            self._quit_now.set()
        self.stopping = True
        self._stop.set()

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
        await self.abilities.close()
        if self._quit_now.is_set():
            self.manager.quit_now()  # the engines left (pooled ones) are killed too
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.manager.close()
        await self.client.close()
        logger.info("stopped")

    def reload(self, path: Path | None = None) -> bool:
        """Load the config file again; a bad one is refused with its errors and the old kept."""
        source = path or self.config.source
        if source is None:
            logger.warning("reload asked, but the config did not come from a file")
            return False
        try:
            # The same overrides as at start (--sgf-dir, -v) apply to the new file.
            new = reload_config(self.config) if path is None else load_config(source)
        except ConfigError as exc:
            logger.error("the new config is refused; keeping the old one:")
            for line in str(exc).splitlines():
                logger.error("  {}", line)
            return False
        except OSError as exc:
            logger.error("cannot read {}: {}; keeping the old config", source, exc)
            return False
        if self.logs is not None:
            try:
                self.logs.apply(new.log)
            except LogSetupError as exc:
                logger.error("the new config is refused; keeping the old one: {}", exc)
                return False
        for warning in new.warnings:
            logger.warning("{}: {}", source, warning)
        self.config = replace(new, api_key=self.config.api_key)
        for running in self.games.values():  # every game plays on with the new config
            if running.session is not None:
                running.session.config = self.config
        specs = [engine_spec(e, "engine") for e in self._engines()]
        self._spawn(self.manager.retire(specs), "retire-engines")  # engines no longer used
        logger.info("config reloaded from {}", source)
        self._send_config()
        return True

    def _engines(self) -> list[EngineConfig]:
        """The main engine and every profile's."""
        return [self.config.engine, *(p.engine for p in self.config.engine_profiles)]

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ----- what OGS is told ------------------------------------------------------------

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
        if self.stopping:
            payload = {**payload, "decline_new_challenges": True}
        realtime.send("bot/config", payload)

    def load(self) -> Load:
        """The games running now and the challenges being accepted, per speed and per
        opponent (paused games included)."""
        # A game that is over no longer counts, even while its engine is being stopped.
        live: list[tuple[str, int]] = [
            (r.speed, r.opponent)
            for r in self.games.values()
            if r.session is None or not r.session.game.finished
        ]
        now = time.monotonic()
        for game_id, place in list(self.reserved.items()):
            if place.until < now or game_id in self.games:
                del self.reserved[game_id]
            else:
                live.append((place.speed, place.opponent))
        by_speed = Counter(speed for speed, _ in live)
        by_player = Counter(opponent for _, opponent in live)
        return Load(total=len(live), by_speed=dict(by_speed), by_player=dict(by_player))

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
                    "status: {} game(s) ({}), {} engine process(es), {} finished, {} declined",
                    load.total,
                    speeds,
                    self.manager.processes,
                    len(self.finished),
                    len(self.declined),
                )

    # ----- challenges ------------------------------------------------------------------

    def _on_notification(self, event: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "challenge":
            self._spawn(self._answer(data), f"challenge-{data.get('challenge_id')}")
        elif kind not in ("delete", None):
            realtime = self.client.realtime
            if realtime is not None and data.get("id"):
                realtime.send("notification/delete", {"notification_id": data["id"]})

    async def _answer(self, data: dict[str, Any], attempt: int = 0) -> None:
        try:
            challenge = Challenge.from_json(data)
        except ValueError as exc:
            logger.warning("a challenge notification could not be read: {}", exc)
            return
        cid = challenge.challenge_id
        if cid in self._seen_challenges:
            return
        self._seen_challenges.add(cid)
        await self._settled.wait()  # the games in play at login count in the load
        decision = self._decide(challenge)
        if decision.accept:
            refusal = rengo_refusal(data) or await self._engine_refusal(challenge)
            decision = self._decide(challenge, refusal)  # the load of now, after the wait
        # Decided and counted in one step (no await between): a challenge answered at the
        # same time sees this one in the load.
        place = challenge.game_id or -cid
        if decision.accept:
            self.reserved[place] = Reservation(speed_of(challenge), challenge.challenger.id)
        who = f"{challenge.challenger.username} ({challenge.challenger.rank_text})"
        rest = self.client.rest
        try:
            if decision.accept:
                logger.info(
                    "accepting challenge {} from {}: {}x{} {} {}",
                    cid,
                    who,
                    challenge.width,
                    challenge.height,
                    challenge.rules,
                    challenge.time_control.system,
                )
                await self.client.call(rest.accept_challenge, cid)
                if place in self.reserved:  # kept until the game arrives, or for a while
                    self.reserved[place].until = time.monotonic() + RESERVE_FOR
            else:
                logger.info(
                    "declining challenge {} from {}: {} ({})",
                    cid,
                    who,
                    decision.message,
                    decision.code,
                )
                if attempt == 0:
                    self.declined.append((cid, decision.code))
                await self.client.call(
                    rest.decline_challenge, cid, decision.message, decision.code, decision.details
                )
        except OGSNotFound:
            self.reserved.pop(place, None)
            logger.info("challenge {} is gone (withdrawn or taken): dropped", cid)
        except OGSError as exc:
            self.reserved.pop(place, None)
            # Not answered: a notification sent again (after a reconnect) is answered afresh,
            # and so is this one in a while, with the rules and the load of then.
            self._seen_challenges.discard(cid)
            if attempt >= len(ANSWER_RETRIES) or self.stopping:
                logger.error("answering challenge {} failed: {}; giving up", cid, exc)
                return
            wait = ANSWER_RETRIES[attempt]
            logger.error("answering challenge {} failed: {}; again in {:g} s", cid, exc, wait)
            self._spawn(self._answer_later(data, wait, attempt + 1), f"challenge-{cid}-again")

    def _decide(self, challenge: Challenge, refusal: RuleCheck | None = None) -> Decision:
        """The rules' answer with the load of now; `refusal` (what the engine or the bridge
        cannot play) declines even a challenger on the allow list."""
        rules = self.config.challenges
        if self.stopping:
            rules = replace(rules, accept_new=False)
        decision = decide(challenge, rules, self.load())
        if decision.accept and refusal is not None:
            return Decision(
                False,
                refusal.code,
                refusal.message,
                dict(refusal.details),
                (*decision.checks, refusal),
            )
        return decision

    async def _engine_refusal(self, challenge: Challenge) -> RuleCheck | None:
        """Why the engine that would play this challenge cannot, if it cannot."""
        engine = self.config.engine_for(
            int(challenge.width),
            int(challenge.height),
            speed_of(challenge),
            challenge.time_control.system,
        )
        abilities = await self.abilities.get(engine_spec(engine, "probe"))
        if abilities is None:
            return engine_unavailable()
        return abilities.refusal(challenge)

    async def _answer_later(self, data: dict[str, Any], wait: float, attempt: int) -> None:
        await asyncio.sleep(wait)
        await self._answer(data, attempt)

    # ----- games -----------------------------------------------------------------------

    def _on_active_game(self, event: str, data: Any) -> None:
        if self._ending:
            return  # stopping: the game resumes on the next start
        if isinstance(data, dict) and data.get("id") in self.games:
            return  # a game being played: every move brings one of these
        try:
            entry = ActiveGame.from_json(data)
        except ValueError as exc:
            logger.warning("an active_game push could not be read: {}", exc)
            return
        if entry.finished or entry.id in self.games or entry.id <= 0:
            return
        self._start_session(entry)

    def _start_session(self, entry: ActiveGame) -> None:
        self.reserved.pop(entry.id, None)  # the place its challenge held is the game's now
        my_id = int(self.client.realtime.user.get("id", 0)) if self.client.realtime else 0
        opponent = entry.white.id if entry.black.id == my_id else entry.black.id

        async def play() -> None:
            game = await self.client.join(entry.id)
            session = GameSession(game, self.config, self.manager, sgf_dir=self._sgf_dir())
            self.games[entry.id].session = session
            gd = game.gamedata
            if gd is not None:
                self.games[entry.id].speed = gd.speed
                logger.info(
                    "game {}: {} vs {}, {}x{} {} komi {:g}, {} {}",
                    entry.id,
                    gd.black.username,
                    gd.white.username,
                    gd.width,
                    gd.height,
                    gd.rules,
                    gd.komi,
                    gd.speed,
                    gd.time_control.system,
                )
            try:
                await session.run()
            finally:
                if session.sgf_path is not None:
                    self.records[entry.id] = session.sgf_path

        task = asyncio.create_task(self._guard(entry.id, play()), name=f"game-{entry.id}")
        self.games[entry.id] = Running(task, speed=entry.speed, opponent=opponent)

    async def _guard(self, game_id: int, coroutine: Any) -> None:
        """Run a game's session; whatever happens, the game leaves the table and logs why."""
        try:
            await coroutine
            self.finished.append(game_id)
        except asyncio.CancelledError:
            logger.info("game {}: session stopped (it resumes when the bot comes back)", game_id)
            raise
        except Exception:
            logger.exception(
                "game {}: the session failed; it is retried on the next active_game", game_id
            )
        finally:
            self.games.pop(game_id, None)
            self.client.leave(game_id)

    async def _complete_records(self) -> None:
        """A game cut off by a stop that ended while the bot was away never comes back as an
        active game: its `-incomplete.sgf` is replaced by the whole record from the server."""
        await asyncio.sleep(self.record_check_delay)
        folder = self._sgf_dir()
        if folder is None or not folder.is_dir():
            return
        for partial in sorted(folder.glob("*-incomplete.sgf")):
            game_id = partial.name.split("-", 1)[0]
            if not game_id.isdigit() or int(game_id) in self.games:
                continue  # in play: its session saves the record when it ends
            try:
                details = await self.client.call(self.client.rest.game, int(game_id))
                gamedata = GameData.from_json(details.get("gamedata"))
            except Exception as exc:  # one bad answer stops neither the others nor shutdown
                logger.warning("game {}: cannot complete its record: {}", game_id, exc)
                continue
            if not gamedata.finished:
                continue  # not pushed as active yet, or paused on the server's side
            try:
                whole = save_record(folder, gamedata)
            except OSError as exc:
                logger.error("game {}: could not save its record: {}", game_id, exc)
                continue
            self.records[gamedata.game_id] = whole
            logger.info("game {} ended while the bot was away: saved {}", game_id, whole)

    def _sgf_dir(self) -> Path | None:
        """Where records go; None when the operator turned them off (`sgf_dir: ""`)."""
        if not self.config.game.sgf_dir:
            return None
        path = Path(self.config.game.sgf_dir)
        if not path.is_absolute() and self.config.source is not None:
            path = self.config.source.parent / path
        return path
