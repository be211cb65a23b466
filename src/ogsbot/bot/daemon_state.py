"""What the daemon keeps while it runs: its games, the places accepted challenges hold, the load."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from ogsbot.bot.abilities import AbilityBook
from ogsbot.bot.analysis_player import analysis_spec
from ogsbot.bot.config import Config, EngineConfig, SeekOffer
from ogsbot.bot.instance import InstanceLock, default_lock_dir
from ogsbot.bot.logs import LogSetup
from ogsbot.bot.metrics import BotMetrics, GameSample, ScrapeState
from ogsbot.bot.rules import Load
from ogsbot.bot.session import GameSession, engine_spec
from ogsbot.bot.status_report import ChallengeAnswer
from ogsbot.gtp.managers import EngineManager
from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.models.fields import as_number

# Seconds an accepted challenge keeps its place in the load while its game has not arrived
# (as an `active_game` push) yet; past it the place is given up.
RESERVE_FOR = 120.0


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


@dataclass
class OpenOffer:
    """An open challenge the bot has on the server (`seek:`)."""

    offer: SeekOffer
    challenge_id: int
    game_id: int
    speed: str


@dataclass
class Outgoing:
    """The challenge the bot has sent another bot (`matchmaking:`), waiting for an answer."""

    challenge_id: int
    game_id: int
    opponent: int
    username: str
    offer: SeekOffer
    speed: str
    game: str  # the game's key in the matchmaking record
    config: str  # the fingerprint of the opponent's advertised config
    sent: float = field(default_factory=time.monotonic)


ANSWERS_KEPT = 20  # challenges answered, kept for `ogsbot status`
UNEXPECTED_PAUSE = 60.0  # s before a loop that failed unexpectedly looks again


class DaemonState:
    """The daemon's tables and connections, shared by its parts (challenges, games, status)."""

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
        self.answers: deque[ChallengeAnswer] = deque(maxlen=ANSWERS_KEPT)  # for the status
        self.open_offers: dict[int, OpenOffer] = {}  # challenge id -> an offer of `seek:`
        self.outgoing: Outgoing | None = None  # a challenge to a bot (`matchmaking:`)
        # Refusals of challenges to bots by game id, newest last: one may come before the
        # post's answer.
        self.rejections: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.posting: list[str] = []  # the speeds of challenges being posted
        self.active_bots: dict[str, Any] = {}  # OGS's `active-bots`: id -> user & config
        self.rng = random.Random()  # ties between opponents
        self.started_at = time.time()
        self.stopping = False
        self.draining = False  # `ogsbot stop --after-games`: no new game, stop after the last
        self._ending = False  # the sessions are being stopped: no new one starts
        self._stop = asyncio.Event()
        self._quit_now = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._seen_challenges: set[int] = set()
        self.reserved: dict[int, Reservation] = {}  # game id -> an accepted challenge's place
        self.abilities = AbilityBook(self.manager.analysis)
        self.metrics = BotMetrics(self._metrics_state)
        self.client.rest.on_error = self._count_rest_error
        # Set once the games in play at login are known: until then a challenge's load
        # would leave them out.
        self._settled = asyncio.Event()
        self._last_status: dict[str, int] | None = None
        self.ready = asyncio.Event()
        self.reload_refused = ""  # why the last reload was refused, for `ogsbot reload`
        # Seconds after the games in play are known before partial records are looked at
        # (the server's pushes of those games come first), then between two looks while
        # some are left.
        self.record_check_delay = 2.0
        self.record_recheck = 60.0

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

    @property
    def winding_down(self) -> bool:
        """Stopping, or draining (`ogsbot stop --after-games`): no new game is taken."""
        return self.stopping or self.draining

    def seeking_games(self) -> bool:
        """Whether the bot goes looking for games (open challenges, matchmaking)."""
        return not self.winding_down and self.config.challenges.accept_new

    def _coming(self) -> list[str]:
        """The speeds of the games that may come: open offers, the challenge sent to a bot,
        and the challenges on their way to the server."""
        coming = [o.speed for o in self.open_offers.values()] + self.posting
        if self.outgoing is not None:
            coming.append(self.outgoing.speed)
        return coming

    def overbooked(self) -> int:
        """How many of the games in play and those that may come do not fit in max_games."""
        over = self.load().total + len(self._coming()) - self.config.challenges.max_games
        return max(0, over)

    def room_for(self, speed: str | None, slots: int = 0) -> bool:
        """Whether one more game (of `speed`) fits with `slots` of `max_games` left free,
        counting the open offers and the challenge sent as games to come."""
        load = self.load()
        rules = self.config.challenges
        coming = self._coming()
        if load.total + len(coming) >= rules.max_games - slots:
            return False
        if speed is None:
            return True
        speed_rules = rules.speeds.get(speed)
        limit = speed_rules.max_games if speed_rules is not None else rules.max_games
        return load.by_speed.get(speed, 0) + coming.count(speed) < limit

    async def look_every(
        self, seconds: float, what: str, look: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `look` every `seconds` until cancelled. A failure is logged and the next look
        tries again (after UNEXPECTED_PAUSE when it was not the server's): never the end of
        the loop while the daemon runs on."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await look()
            except OGSError as exc:
                logger.warning("{}: {}", what, exc)
            except Exception:
                logger.exception("{} failed; looking again in {:g} s", what, UNEXPECTED_PAUSE)
                await asyncio.sleep(UNEXPECTED_PAUSE)

    async def post_challenge(self, request: ChallengeRequest) -> tuple[int, int]:
        """Create a challenge; returns (challenge id, game id). While the post is on its way
        it counts as a game to come, so the open offers and matchmaking cannot both pass the
        room check; a stop during the post waits for it and withdraws what it created."""
        self.posting.append(request.speed)
        post = asyncio.ensure_future(self.client.create_challenge(request))
        try:
            return await asyncio.shield(post)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                challenge_id, _ = await post
                await self.client.cancel_challenge(challenge_id)
                logger.info("challenge {} withdrawn: the bot stops", challenge_id)
            raise
        finally:
            self.posting.remove(request.speed)

    async def cancel_strays(self) -> None:
        """Withdraw the challenges of this account the daemon does not know of: a post whose
        answer never came may still have created one."""
        if self.posting:  # another post is on its way: its challenge is not known yet
            return
        known = set(self.open_offers)
        if self.outgoing is not None:
            known.add(self.outgoing.challenge_id)
        with contextlib.suppress(OGSError):
            for challenge_id in await self.sent_challenge_ids() - known:
                await self.client.cancel_challenge(challenge_id)
                logger.info("challenge {} withdrawn: its post was not answered", challenge_id)

    def my_id(self) -> int:
        """The bot's account id, as the login told it (0 before the login)."""
        realtime = self.client.realtime
        user_id = as_number(realtime.user.get("id")) if realtime is not None else None
        return int(user_id) if user_id is not None else 0

    async def sent_challenge_ids(self) -> set[int]:
        """The ids of the challenges this account has on the server."""
        held = await self.client.call(self.client.rest.sent_challenges, self.my_id())
        return {c["id"] for c in held if isinstance(c.get("id"), int)}

    def matchmaking_status(self) -> dict[str, Any] | None:
        """Matchmaking's part of the status (the matchmaker's); None when it is off."""
        return None

    def _count_rest_error(self, status: int) -> None:
        """From the REST call's thread: prometheus_client's counters are thread-safe."""
        self.metrics.rest_errors.labels(str(status)).inc()

    def _metrics_state(self) -> ScrapeState:
        """What the metrics read at a scrape: the games, engines and connection of now."""
        games = []
        for running in self.games.values():
            session = running.session
            game = session.game if session is not None else None
            if session is None or game is None or game.gamedata is None:
                games.append(GameSample(running.speed, "joining", None))
                continue
            games.append(GameSample(running.speed, game.phase, session.clock.time_left()))
        endpoints = self.manager.analysis.status()
        realtime = self.client.realtime
        return ScrapeState(
            games=games,
            engine_processes=self.manager.processes,
            analysis_endpoints_up=sum(e.up for e in endpoints),
            analysis_endpoints=len(endpoints),
            reconnects=realtime.reconnects if realtime is not None else 0,
            engine_restarts=sum(e["restarts"] for e in self.manager.describe())
            + sum(e.restarts for e in endpoints),
            open_offers=len(self.open_offers),
        )

    def stop(self) -> None:
        """Begin a graceful shutdown; a second call quits at once."""
        if self.stopping:
            logger.warning("second stop request: quitting now (games resume on the next start)")
            self._quit_now.set()
        self.stopping = True
        self._stop.set()

    def _engines(self) -> list[EngineConfig]:
        """The main engine and every profile's."""
        return [self.config.engine, *(p.engine for p in self.config.engine_profiles)]

    def _keep_spares(self) -> None:
        """Engines started ahead, as many as each configured engine asks for (`spare`); an
        analysis engine is started at once, for every game to come."""
        for engine in self._engines():
            if engine.kind == "gtp":
                self.manager.keep_spares(engine_spec(engine, "spare"), engine.spare)
            else:
                self.manager.analysis.get(analysis_spec(engine, "analysis"))

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _sgf_dir(self) -> Path | None:
        """Where records go; None when the operator turned them off (`sgf_dir: ""`)."""
        if not self.config.game.sgf_dir:
            return None
        path = Path(self.config.game.sgf_dir)
        if not path.is_absolute() and self.config.source is not None:
            path = self.config.source.parent / path
        return path
