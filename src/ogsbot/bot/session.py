"""One game from connect to end: the loop, and the one path of a move.

The path of a move: the server's events keep `Game` current; on the bot's turn the session
asks the game's engine for a move: a GTP engine (`gtp_player`: lease a process, bring its
board up to date, time commands and `genmove` bounded by the bot's own clock) or KataGo's
analysis engine shared by every game (`analysis_player`: one query, the bridge owning the
clock, the move choice, passing and resigning). Either way the move is checked legal, waits
out `min_move_time` and is uploaded here. Engine failures restart the engine and try again;
after too many in a row the bot resigns and says why. The rest of a game has modules of its
own: `stone_removal`, `undo_and_pause`, `game_chat`, `record`, `turn_clock` and
`engine_board`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from loguru import logger

from ogsbot.bot.analysis_player import AnalysisPlayer, analysis_spec
from ogsbot.bot.config import Config, EngineConfig
from ogsbot.bot.engine_board import EngineBoard
from ogsbot.bot.game_chat import GameChat, placeholders, result_text
from ogsbot.bot.gtp_player import GtpPlayer, engine_spec
from ogsbot.bot.metrics import BotMetrics
from ogsbot.bot.record import GameRecord, save_record, sgf_filename
from ogsbot.bot.seat import is_paused, my_color, my_turn
from ogsbot.bot.status_report import clocks_line
from ogsbot.bot.stone_removal import StoneRemoval
from ogsbot.bot.turn_clock import TurnClock
from ogsbot.bot.undo_and_pause import UndoAndPause
from ogsbot.gtp.analysis_service import AnalysisSpec
from ogsbot.gtp.errors import EngineError, GTPError
from ogsbot.gtp.managers import EngineManager, EngineSpec
from ogsbot.ogs.coords import RESIGN, GtpMove, Point
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData

__all__ = [
    "ACK_TIMEOUT",
    "FAILURE_BACKOFF",
    "REFUSAL_BACKOFF",
    "RESYNC_WAIT",
    "WAKE_EVERY",
    "EngineGaveUp",
    "GameSession",
    "engine_spec",
    "save_record",
    "sgf_filename",
    "spec_for",
]

ACK_TIMEOUT = 30.0
RESYNC_WAIT = 10.0  # s for the fresh gamedata a resync asked for, then it is asked again
# A move the server refuses is not sent again at once: the waits grow (s) and, past the last,
# the bot stops acting in the game until its position changes (a refusal it cannot explain
# would otherwise loop refuse -> resync -> genmove -> move thousands of times a second).
REFUSAL_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
MIN_REFUSAL_WAIT = 0.1  # s: the backoff's floor when the clock shortens it
REFUSAL_SAFETY = 0.5  # s of the clock no wait after a refusal reaches into
STALL_ONLY_WITH = 30.0  # s: with less on the clock, refusals never stop the bot for good
LAST_TRIES_EVERY = 0.5  # s between tries past the backoffs, with the clock short
# Seconds between two tries after an engine failure, as far as the clock allows.
FAILURE_BACKOFF = (0.2, 0.5, 1.0, 2.0)
WAKE_EVERY = 5.0  # s: the longest the loop sleeps without an event
PROGRESS_EVERY = 20  # moves between two INFO lines with both clocks


class EngineGaveUp(Exception):
    """The engine failed too many times in a row in this game."""


def spec_for(engine: EngineConfig, label: str) -> EngineSpec | AnalysisSpec:
    """How the manager starts `engine`, by its kind."""
    if engine.kind == "gtp":
        return engine_spec(engine, label)
    return analysis_spec(engine, label)


class GameSession:
    """Plays one game for the bot until it is over."""

    def __init__(
        self,
        game: Game,
        config: Config,
        manager: EngineManager,
        *,
        sgf_dir: Path | None,
        metrics: BotMetrics,
    ) -> None:
        self.game = game
        self.metrics = metrics  # the daemon's
        self.config = config  # set anew by the daemon on a reload
        self.manager = manager
        self._log = logger.bind(game=game.game_id)
        self.board = EngineBoard(self._log)
        self.clock = TurnClock(game, self._log)
        self.chat = GameChat(game, self._log)
        self.record = GameRecord(sgf_dir, self._log)
        self.removal = StoneRemoval(game, self._log)
        self.requests = UndoAndPause(game, self._log)
        self.gtp = GtpPlayer(
            game, manager, self.board, self.clock, self.chat, self._on_stderr, self._log
        )
        self.analysis = AnalysisPlayer(
            game, manager.analysis, self.board, self.clock, self.chat, self._log
        )
        self.failures = 0
        self.turn_started = 0.0
        self.last_think: float | None = None  # s the engine took for the last move
        self._progress_logged = 0  # the last progress line's move number, in twenties
        self.resync_since: float | None = None
        self.resigned_at: float | None = None
        self.refusals = 0  # moves refused in a row
        self.refused_at = -1  # the move number they were refused at
        self.hold_until = 0.0  # no move before this (monotonic), after a refusal
        self.stalled_at: int | None = None  # the move number where refusals made the bot stop
        self._held: tuple[list[GtpMove], int] | None = None  # a move kept through a pause

    @property
    def game_id(self) -> int:
        return self.game.game_id

    @property
    def sgf_path(self) -> Path | None:
        """The record last written, if any."""
        return self.record.path

    # ----- the loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """Play until the game is finished; always save what there is."""
        ended_badly = True
        try:
            gd = self.game.gamedata
            mine = my_color(self.game)
            opponent = "" if gd is None else (gd.white if mine == "black" else gd.black).username
            # Engine lines say the game too; the JSON log also has the opponent.
            with logger.contextualize(game=self.game_id, opponent=opponent or None):
                await self._loop()
            ended_badly = False
        except asyncio.CancelledError:
            ended_badly = not self.game.finished
            raise
        finally:
            try:
                incomplete = ended_badly and not self.game.finished
                self.record.save(self.game.gamedata, incomplete=incomplete)
            finally:
                await self.manager.finish(self.game_id)  # the engine stops, whatever failed

    async def _loop(self) -> None:
        game = self.game
        realtime = game.realtime
        self.chat.greet(self.config.game.greeting, self._placeholders)
        while not game.finished:
            if not realtime.connected:
                await realtime.wait_connected()
                continue
            acted = await self._step()
            self.record.keep_current(game.gamedata)
            if acted:
                await asyncio.sleep(0)  # an action never starves the loop, whatever it awaited
            else:
                # Not `next_event(5.0)`: its asyncio.wait_for, on Python 3.11, loses a
                # cancellation that lands as an event comes, and the session would play on
                # through the daemon's stop.
                wake = WAKE_EVERY
                now = time.monotonic()
                if self.hold_until:
                    wake = min(wake, max(0.01, self.hold_until - now))
                if self.record.due(game.gamedata):
                    wake = min(wake, max(0.01, self.record.next_write() - now))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wake):
                        await game.next_event()
        self.chat.say(self.config.game.farewell, self._placeholders)
        result = result_text(game.gamedata)
        self._log.info("game {} over: {} ({})", self.game_id, result, game.outcome)

    async def _step(self) -> bool:
        """Do the one thing the game needs now; False when there is nothing to do."""
        game = self.game
        gd = game.gamedata
        if gd is None or game.state is None:
            game.resync()
            return False
        if game.resyncing:  # what the game holds may be stale: acting on it gets refused
            now = time.monotonic()
            if self.resync_since is None:
                self.resync_since = now
            elif now - self.resync_since > RESYNC_WAIT:
                self._log.warning("no fresh gamedata in {:.0f} s: asking again", RESYNC_WAIT)
                self.resync_since = now
                game.resync()
            return False
        self.resync_since = None
        if game.phase == "stone removal":
            by_engine = self.config.game.stone_removal == "engine"
            return await self.removal.step(self._engine_dead_stones if by_engine else None)
        if game.phase != "play" or game.ending:
            return False
        if self.resigned_at is not None and time.monotonic() - self.resigned_at < ACK_TIMEOUT:
            return False  # the server's word on our resignation is on its way: no more moves
        self.removal.reset()  # a removal rejected: play again
        if self.requests.resume_if_paused_too_long(self.config.game.max_pause):
            return True
        if self._answer_undo() is not None:
            return True
        if self._my_turn() and not self._holding():
            await self._turn()
            return True
        return False

    def _holding(self) -> bool:
        """Whether refused moves keep the bot from acting now: it waits out a backoff, or
        stopped at this move number until the position changes."""
        number = self.game.move_number
        if self.stalled_at is not None:
            if self.stalled_at == number:
                return True
            self.stalled_at = None
            self.refusals = 0
        return time.monotonic() < self.hold_until

    def _my_turn(self) -> bool:
        return my_turn(self.game)

    def _answer_undo(self) -> bool | None:
        return self.requests.answer_undo(self.config.game.undo)

    def _placeholders(self) -> dict[str, str]:
        engine = self.engine_name or self._engine_config().name or "my engine"
        return placeholders(self.game, engine)

    @property
    def engine_name(self) -> str:
        """What the game's engine says it is ("" before its first turn)."""
        if self.game.gamedata is None:
            return ""
        player = self.gtp if self._engine_config().kind == "gtp" else self.analysis
        return player.engine_name

    def engine_config_name(self) -> str:
        """The configured name of the game's engine (before it has played)."""
        return self._engine_config().display_name if self.game.gamedata else ""

    def _on_stderr(self, line: str) -> None:
        self.chat.on_stderr(line, enabled=self.config.game.analysis_chat)

    # ----- a turn ----------------------------------------------------------------------

    def _engine_config(self) -> EngineConfig:
        gd = self.game.gamedata
        assert gd is not None
        return self.config.engine_for(gd.width, gd.height, gd.speed, gd.time_control.system)

    async def _turn(self) -> None:
        game = self.game
        gd = game.gamedata
        assert gd is not None
        self.turn_started = time.monotonic()
        number = game.move_number
        held, self._held = self._held, None
        if held is not None and held[1] == number:
            self.turn_started = 0.0  # min_move_time was waited out before the pause
            await self._upload(held[0], number)  # thought before a pause: sent now
            return
        engine_config = self._engine_config()
        while True:
            try:
                moves = await self._think(engine_config)
                self.last_think = round(time.monotonic() - self.turn_started, 3)
                self.metrics.think.labels(engine_config.kind).observe(self.last_think)
                break
            except (EngineError, GTPError) as exc:
                self.failures += 1
                self.metrics.engine_failures.labels(engine_config.kind).inc()
                self._log.error(
                    "engine failure {}/{}: {}", self.failures, engine_config.max_failures, exc
                )
                if self.failures >= engine_config.max_failures:
                    self._give_up(exc)
                    return
                await self._pause_after_failure(engine_config)
                if game.gamedata is None or game.move_number != number or game.finished:
                    return  # the game moved on while the engine was failing
        self.failures = 0
        if moves:  # none: the position changed under the engine; the next step looks again
            await self._upload(moves, number)

    async def _pause_after_failure(self, engine_config: EngineConfig) -> None:
        """A short wait before the next try, growing with the failures, when the clock
        leaves room for it: an engine that failed at once may be restarting, or the machine
        may be briefly overloaded; three tries in a millisecond would resign for nothing."""
        wait = FAILURE_BACKOFF[min(self.failures, len(FAILURE_BACKOFF)) - 1]
        if self.clock.genmove_timeout(engine_config) > 4 * wait + engine_config.time_margin:
            await asyncio.sleep(wait)

    async def _think(self, engine_config: EngineConfig) -> list[GtpMove]:
        """The moves to upload (none: the position changed under the engine, or the game
        left play); raises on engine failure. A GTP engine's or the analysis engine's."""
        if engine_config.kind == "gtp":
            return await self.gtp.think(engine_config)
        return await self.analysis.think(engine_config, self.config.game.analysis_chat)

    # ----- uploading ------------------------------------------------------------------------

    async def _upload(self, moves: list[GtpMove], number: int) -> None:
        game = self.game
        gd = game.gamedata
        assert gd is not None
        delay = self.config.game.min_move_time - (time.monotonic() - self.turn_started)
        if delay > 0 and gd.speed != "blitz":
            await asyncio.sleep(delay)
        if is_paused(game):
            # Paused meanwhile (during min_move_time, or while the engine thought): the
            # server would refuse the move. It is kept and sent when the game resumes.
            self._held = (moves, number)
            self._log.info("the game was paused before the move went out: it waits")
            return
        for move in moves:
            if game.finished or game.phase != "play":
                return
            if self._answer_undo():
                return  # the opponent takes the move back: ours answered a position now gone
            if move is RESIGN:
                self._log.info("the engine resigns")
                self._resign()
                return
            before, errors = game.move_number, game.error_count
            game.move(move)
            speed = gd.speed
            self.metrics.moves.labels(speed).inc()
            if self.turn_started:
                latency = time.monotonic() - self.turn_started
                self.metrics.move_latency.labels(speed).observe(latency)
            self.chat.post_analysis()

            def answered(g: Game, n: int = before, seen: int = errors) -> bool:
                # An error counts only if it came after this move went out: one left from
                # an earlier move (a late duplicate) is not a refusal of this one.
                return g.move_number > n or g.finished or g.error_count > seen

            try:
                await game.wait_for(answered, ACK_TIMEOUT)
            except TimeoutError:
                self._log.warning(
                    "no answer to move {} in {:.0f} s: resync", before + 1, ACK_TIMEOUT
                )
                game.resync()
                return
            if game.error_count > errors and game.move_number <= before:
                self._refused(before, game.last_error)
                game.last_error = ""
                game.resync()
                return
            self.refusals = 0
            self.hold_until = 0.0
        self._log.debug("move {} played", number + 1)
        if (number + 1) // PROGRESS_EVERY > self._progress_logged:
            self._progress_logged = (number + 1) // PROGRESS_EVERY
            self._log.info("move {}: {}", number + 1, clocks_line(self.clock.both_left()))

    def _refused(self, number: int, error: str) -> None:
        """Back off after a refused move; past the last backoff, stop acting in this game
        until its position changes, and say why. Never waited out into a loss on time:
        each wait leaves half the clock for the next try, and with the clock short the bot
        keeps trying (twice a second at most) instead of stopping, which would lose."""
        if number != self.refused_at:  # a streak is one move's: the last one went through
            self.refusals, self.refused_at = 0, number
        self.refusals += 1
        left = self.clock.time_left() if self.game.gamedata is not None else None
        if self.refusals > len(REFUSAL_BACKOFF):
            if left is None or left > STALL_ONLY_WITH:
                self.stalled_at = self.game.move_number
                self._log.error(
                    "the server refused move {} {} times in a row (last: {}): the bot stops "
                    "acting in this game until its position changes",
                    number + 1,
                    self.refusals,
                    error,
                )
                return
            wait = LAST_TRIES_EVERY
        else:
            wait = REFUSAL_BACKOFF[self.refusals - 1]
        if left is not None:
            wait = min(wait, max(MIN_REFUSAL_WAIT, (left - REFUSAL_SAFETY) / 2))
        self.hold_until = time.monotonic() + wait
        self._log.error(
            "the server refused move {}: {}; trying again in {:.3g} s", number + 1, error, wait
        )

    def _give_up(self, error: Exception) -> None:
        game = self.game
        # In words only: the error (an engine's stderr, paths, a host name) goes to the log,
        # never to the public game chat.
        message = f"Sorry, my engine failed {self.failures} times in a row; I resign this game."
        self._log.error("resigning after {} engine failures; the last: {}", self.failures, error)
        with contextlib.suppress(OGSError):
            game.chat(message)
        self._resign()
        self.failures = 0

    def resign_by_operator(self) -> None:
        """The operator resigns the game (`ogsbot resign`): no move is sent after it."""
        self._resign()

    def _resign(self) -> None:
        self.resigned_at = time.monotonic()
        self.game.resign()

    # ----- the engine at the game's end ---------------------------------------------------

    async def _engine_dead_stones(self, gd: GameData) -> set[Point] | None:
        """The dead stones by the engine's word (None: it cannot say)."""
        engine_config = self._engine_config()
        if engine_config.kind == "gtp":
            return await self.gtp.dead_stones(engine_config, gd)
        return await self.analysis.dead_stones(engine_config, gd)
