"""One game from connect to SGF: replay, clock, genmove, upload, stone removal, chat.

The path of a move: the server's events keep `Game` current; on the bot's turn the session
leases an engine, brings its board up to date (only the missing moves when it can), sends
the time commands, asks `genmove` with a timeout from the bot's own clock, checks the move
is legal, waits out `min_move_time`, and uploads it. Engine failures restart the engine and
try again; after too many in a row the bot resigns and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from ogsbot.bot.analysis import ChatLimiter, ChatMessage, parse_line
from ogsbot.bot.config import Config, EngineConfig
from ogsbot.bot.handicap import fixed_handicap_points
from ogsbot.gtp.clock import available_time, time_commands
from ogsbot.gtp.engine import GTPReply
from ogsbot.gtp.errors import EngineError, GTPError
from ogsbot.gtp.managers import EngineHandle, EngineManager, EngineSpec, spec_from
from ogsbot.ogs.board import Color, GameState
from ogsbot.ogs.coords import RESIGN, GtpMove, Point, parse_gtp_move, unpack_ogs, xy_to_gtp
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData, Move, PlayerClock, UndoRequest
from ogsbot.ogs.sgf import game_sgf, sgf_result

KATAGO_RULES = {
    "japanese": "japanese",
    "korean": "korean",
    "chinese": "chinese-ogs",
    "aga": "aga",
    "nz": "new-zealand",
    "ing": "chinese",
}
REPLAY_ALLOWANCE = 0.01  # s per replayed command, on top of the time to think (GNU Go: 0.05 ms)
ACK_TIMEOUT = 30.0
RESYNC_WAIT = 10.0  # s for the fresh gamedata a resync asked for, then it is asked again
PROPOSAL_ECHO_WAIT = 10.0  # s; past it the bot judges the server's marks again
RECORD_EVERY = 1.0  # s between two writes of a game's record while it is played
# A move the server refuses is not sent again at once: the waits grow (s) and, past the last,
# the bot stops acting in the game until its position changes (a refusal it cannot explain
# would otherwise loop refuse -> resync -> genmove -> move thousands of times a second).
REFUSAL_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
# Seconds between two tries after an engine failure, as far as the clock allows.
FAILURE_BACKOFF = (0.2, 0.5, 1.0, 2.0)
WAKE_EVERY = 5.0  # s: the longest the loop sleeps without an event


class EngineGaveUp(Exception):
    """The engine failed too many times in a row in this game."""


@dataclass(frozen=True)
class Position:
    """What an engine's board holds: the game's setup and its moves, as GTP colour/vertex."""

    game_id: int
    setup: tuple[Any, ...]
    moves: tuple[tuple[str, str], ...]


def engine_spec(engine: EngineConfig, label: str) -> EngineSpec:
    return spec_from(
        engine.command,
        cwd=engine.cwd,
        env=dict(engine.env),
        start_timeout=engine.start_timeout,
        command_timeout=engine.command_timeout,
        quit_grace=engine.quit_grace,
        idle_timeout=engine.idle_timeout,
        pool_size=engine.pool_size if engine.manager == "pool" else 0,
        label=label,
    )


def sgf_filename(gamedata: GameData) -> str:
    """`<game id>-<black>-vs-<white>.sgf`, with names made safe for any file system."""

    def safe(name: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "unknown"

    return (
        f"{gamedata.game_id}-{safe(gamedata.black.username)}-vs-{safe(gamedata.white.username)}.sgf"
    )


def save_record(folder: Path, gamedata: GameData, *, incomplete: bool = False) -> Path:
    """Write the game's SGF in `folder`; a whole record replaces the partial one (named
    `-incomplete.sgf`) written as the game went.

    Crash-safe: the text goes to a temporary file that then replaces the record in one
    step, so a kill at any moment leaves the old record or the new one, never a torn or
    empty file. Text that cannot be UTF-8 (a lone surrogate) is replaced, not fatal."""
    folder.mkdir(parents=True, exist_ok=True)
    name = sgf_filename(gamedata)
    partial = folder / name.replace(".sgf", "-incomplete.sgf")
    path = partial if incomplete else folder / name
    data = game_sgf(gamedata).encode("utf-8", errors="replace")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if not incomplete:
        partial.unlink(missing_ok=True)
    return path


class GameSession:
    """Plays one game for the bot until it is over."""

    def __init__(
        self,
        game: Game,
        config: Config,
        manager: EngineManager,
        *,
        sgf_dir: Path | None,
    ) -> None:
        self.game = game
        self.config = config
        self.manager = manager
        self.sgf_dir = sgf_dir
        self.failures = 0
        self.undos_granted = 0
        self._undo_answered: UndoRequest | None = None  # the request last answered
        self.resumed_pause: float | None = None
        self.greeted = False
        self.sgf_path: Path | None = None
        self.removal_answered: str | None = None
        self.removal_proposed: tuple[set[Point], float] | None = None
        self.said_cannot_judge = False
        self.turn_started = 0.0
        self.last_analysis: ChatMessage | None = None
        self.chat_limiter = ChatLimiter()  # an engine's stderr never floods the game chat
        self.engine_name = ""
        self.refused_time: set[str] = set()
        self.resync_since: float | None = None
        self.resigned_at: float | None = None
        self.refusals = 0  # moves refused in a row
        self.hold_until = 0.0  # no move before this (monotonic), after a refusal
        self.stalled_at: int | None = None  # the move number where refusals made the bot stop
        self._held: tuple[list[GtpMove], int] | None = None  # a move kept through a pause
        self._known: Position | None = None
        self._recorded: tuple[int, str] | None = None  # (moves, phase) in the record on disk
        self._recorded_at = -RECORD_EVERY
        self._known_last: Move | None = None
        self._log = logger.bind(game=game.game_id)

    # ----- the loop ---------------------------------------------------------------------

    @property
    def game_id(self) -> int:
        return self.game.game_id

    async def run(self) -> None:
        """Play until the game is finished; always save what there is."""
        ended_badly = True
        try:
            await self._loop()
            ended_badly = False
        except asyncio.CancelledError:
            ended_badly = not self.game.finished
            raise
        finally:
            try:
                self._save_sgf(incomplete=ended_badly and not self.game.finished)
            finally:
                await self.manager.finish(self.game_id)  # the engine stops, whatever failed

    async def _loop(self) -> None:
        game = self.game
        realtime = game.realtime
        self._greet()
        while not game.finished:
            if not realtime.connected:
                await realtime.wait_connected()
                continue
            acted = await self._step()
            self._record_as_it_goes()
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
                if self._record_due():
                    wake = min(wake, max(0.01, self._recorded_at + RECORD_EVERY - now))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wake):
                        await game.next_event()
        self._farewell()
        self._log.info("game {} over: {} ({})", self.game_id, self._result_text(), game.outcome)

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
            return await self._stone_removal()
        if game.phase != "play" or game.ending:
            return False
        if self.resigned_at is not None and time.monotonic() - self.resigned_at < ACK_TIMEOUT:
            return False  # the server's word on our resignation is on its way: no more moves
        self.removal_answered = self.removal_proposed = None  # a removal rejected: play again
        if self._resume_if_paused_too_long():
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

    def _my_color(self) -> str | None:
        gd = self.game.gamedata
        return gd.color_of(self.game.my_id) if gd is not None else None

    def _my_turn(self) -> bool:
        """By the server's word (`Game.my_turn`: the clock's `current_player` while no move
        has come since it, else the moves), never while the game is paused."""
        return self.game.gamedata is not None and self.game.my_turn and not self._paused()

    def _paused(self) -> bool:
        gd = self.game.gamedata
        clock = self.game.clock
        if clock is not None and clock.pause is not None and clock.pause.paused:
            return True
        return bool(gd is not None and gd.pause_control and "paused" in gd.pause_control)

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
                break
            except (EngineError, GTPError) as exc:
                self.failures += 1
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
        if self._genmove_timeout(engine_config) > 4 * wait + engine_config.time_margin:
            await asyncio.sleep(wait)

    async def _think(self, engine_config: EngineConfig) -> list[GtpMove]:
        """The engine's move (or handicap stones), checked legal; raises on engine failure.

        The opponent's moves, the clock and `genmove` go to the engine in one write: one
        round trip per turn, which is most of what the bridge adds to a fast engine's move.
        A replay or undos, where refusals happen (komi, rules, handicap, undo), go first on
        their own, so a refusal never costs a genmove on a wrong board.
        """
        game = self.game
        spec = engine_spec(engine_config, f"engine-{self.game_id}")
        deadline = self._deadline()
        async with self.manager.lease(
            self.game_id, spec, self._on_stderr, deadline=deadline
        ) as handle:
            # Read after the lease: a pooled engine can take long to come free.
            gd, state, number = game.gamedata, game.state, game.move_number
            if gd is None or state is None or not self._my_turn() or game.phase != "play":
                return []  # the game moved on (or ended) while this turn waited
            color: Color = "b" if self._my_color() == "black" else "w"
            left = gd.handicap_moves_left()
            free_handicap = color == "b" and left >= 2 and left == gd.handicap
            engine = handle.engine
            if not self.engine_name:
                self.engine_name = engine_config.name or f"{engine.name} {engine.version}".strip()
            if free_handicap and not engine.knows("place_free_handicap"):
                # The engine's board is left as it is: the next turn's sync plays the stones.
                return list(self._fixed_handicap(gd, state))
            target, sync = self._sync_commands(handle, gd)
            if any(not command.startswith("play ") for command in sync):
                await self._sync(handle, target, sync, engine_config)
                sync = []
            clock = self._time_commands(handle, gd, color, engine_config)
            final = f"genmove {color.upper()}"
            if free_handicap:
                final = f"place_free_handicap {gd.handicap}"
            self.last_analysis = None
            timeout = self._genmove_timeout(engine_config) + len(sync) * REPLAY_ALLOWANCE
            replies = await engine.batch([*sync, *clock, final], timeout=timeout, check=False)
            self._synced(handle, target, replies[: len(sync)])
            self._clock_answered(clock, replies[len(sync) : -1])
            reply = replies[-1].check()
            if self._moved_on(gd, number, state):
                # The game moved on while the engine thought (fresh gamedata after a refusal,
                # a gap): its answer is for a position gone, and no fault of the engine's.
                # Its board holds the move; the next turn's sync takes it back or replays.
                handle.position = None
                self._log.info("the position changed during genmove: thinking again")
                return []
            moves: list[GtpMove]
            if free_handicap:
                moves = list(self._handicap_stones(handle, gd, state, final, reply))
            else:
                legal = state.is_legal
                w, h = gd.width, gd.height
                move = engine.read_move(
                    final, reply, width=w, height=h, legal=lambda p: legal(color, p)
                )
                moves = [move]
            position = handle.position
            for move in moves:
                if move is not RESIGN:
                    position = self._extend(position, color, move, gd)
            handle.position = position
            return moves

    def _moved_on(self, gd: GameData, number: int, before: GameState | None) -> bool:
        """Whether the game is no longer at the position a turn began with. Fresh gamedata
        with the same moves (a reconnect's re-join) leaves the answer good."""
        game = self.game
        if game.resyncing or game.move_number != number:
            return True
        return game.state is not before and (
            game.gamedata is None or game.gamedata.moves != gd.moves
        )

    def _fixed_handicap(self, gd: GameData, state: GameState) -> list[Point]:
        """The usual handicap points, for an engine that cannot choose free ones."""
        points = fixed_handicap_points(gd.width, gd.height, gd.handicap)
        if points is None or not all(state.is_legal("b", p) for p in points):
            raise GTPError(
                "place_free_handicap",
                f"the engine cannot choose {gd.handicap} handicap stones on "
                f"{gd.width}x{gd.height}, and they have no usual points",
            )
        self._log.info("placing the usual {} handicap stones for the engine", gd.handicap)
        return points

    def _handicap_stones(
        self, handle: EngineHandle, gd: GameData, state: GameState, command: str, reply: str
    ) -> list[Point]:
        """The stones of a `place_free_handicap` reply, checked, as the moves to upload."""
        points: list[Point] = []
        trial = state.copy()
        for vertex in reply.split():
            point = parse_gtp_move(vertex, gd.width, gd.height)
            if not isinstance(point, tuple) or not trial.is_legal("b", point):
                handle.position = None  # whatever the engine placed, replay from scratch
                raise GTPError(command, f"bad stone {vertex!r} in {reply!r}")
            trial.play("b", point)
            points.append(point)
        if len(points) != gd.handicap:
            handle.position = None
            raise GTPError(command, f"{len(points)} stones in {reply!r}")
        return points

    def _genmove_timeout(self, engine_config: EngineConfig) -> float:
        """The bot's remaining time on the server's clock, less the margin, and never more
        than `genmove_timeout`: a hang is found on a bound of its own, not the clock's."""
        left = self._time_left()
        bound = engine_config.genmove_timeout
        if left is None:
            return bound
        return max(1.0, min(bound, left - engine_config.time_margin))

    def _time_left(self) -> float | None:
        """Seconds before the bot loses on time (None: no clock)."""
        gd = self.game.gamedata
        assert gd is not None
        entry, elapsed = self._clock_reading(self._my_color() or "black", stops_in_pause=False)
        return available_time(gd.time_control, entry, elapsed)

    def _clock_reading(
        self, color: str, *, stops_in_pause: bool
    ) -> tuple[PlayerClock | None, float]:
        """`color`'s clock entry and the seconds since the clock's last move (none counted
        while paused when `stops_in_pause`)."""
        clock = self.game.clock
        if clock is None:
            return None, 0.0
        entry = None
        with contextlib.suppress(ValueError):
            entry = clock.entry(color)
        elapsed = 0.0
        if clock.last_move and not (stops_in_pause and self._paused()):
            elapsed = self.game.realtime.server_time() - clock.last_move / 1000
        return entry, elapsed

    def _deadline(self) -> float | None:
        """When the bot's clock runs out (monotonic): pooled engines serve it in that order."""
        left = self._time_left()
        return None if left is None else time.monotonic() + left

    def _time_commands(
        self, handle: EngineHandle, gd: GameData, color: Color, engine_config: EngineConfig
    ) -> list[str]:
        """The clock as the first kind of time commands this engine knows and has not refused."""
        if not engine_config.send_time:
            return []
        side = "black" if color == "b" else "white"
        entry, elapsed = self._clock_reading(side, stops_in_pause=True)
        groups = time_commands(
            gd.time_control,
            entry,
            color,
            elapsed=elapsed,
            margin=engine_config.time_margin,
            kata_systems=handle.engine.kata_time_systems,
        )
        for group in groups:
            verb = group[0].split(None, 1)[0] if group else ""
            if verb and handle.engine.knows(verb) and verb not in self.refused_time:
                return list(group)
        return []

    def _clock_answered(self, sent: list[str], replies: list[GTPReply]) -> None:
        """A refused kind of time command is not sent again: the next turn tries the next."""
        refused = next((r for r in replies if not r.ok), None)
        if refused is not None:
            self.refused_time.add(sent[0].split(None, 1)[0])
            self._log.debug("the engine refuses {!r}: {}", refused.command, refused.text)

    # ----- keeping the engine's board right -----------------------------------------------

    def _setup(self, gd: GameData) -> tuple[Any, ...]:
        return (
            gd.width,
            gd.height,
            gd.komi,
            gd.rules,
            gd.initial_state_black,
            gd.initial_state_white,
        )

    def _target(self, gd: GameData) -> Position:
        """The game's position as GTP, extended from the last turn's (not rebuilt each turn)."""
        setup = self._setup(gd)
        moves = gd.moves
        known = self._known
        n = len(known.moves) if known is not None else 0
        if not (
            known is not None
            and known.game_id == gd.game_id
            and known.setup == setup
            and n <= len(moves)
            and (n == 0 or moves[n - 1] is self._known_last)
        ):
            known, n = Position(gd.game_id, setup, ()), 0
        if n < len(moves) or known is not self._known:
            colors = gd.move_colors()
            new = tuple(
                (
                    "B" if colors[i] == "black" else "W",
                    "pass" if move.is_pass else xy_to_gtp((move.x, move.y), gd.width, gd.height),
                )
                for i, move in enumerate(moves[n:], start=n)
            )
            known = Position(gd.game_id, setup, known.moves + new)
            self._known, self._known_last = known, (moves[-1] if moves else None)
        return known

    def _extend(self, position: Any, color: Color, move: Point | None, gd: GameData) -> Position:
        base = position if isinstance(position, Position) else self._target(gd)
        vertex = "pass" if move is None else xy_to_gtp(move, gd.width, gd.height)
        return Position(base.game_id, base.setup, (*base.moves, (color.upper(), vertex)))

    def _sync_commands(self, handle: EngineHandle, gd: GameData) -> tuple[Position, list[str]]:
        """What brings the engine's board to the game's: a few plays or undos, else a replay."""
        target = self._target(gd)
        have = handle.position
        if (
            isinstance(have, Position)
            and have.game_id == target.game_id
            and have.setup == target.setup
        ):
            n = len(have.moves)
            if target.moves[:n] == have.moves:
                return target, [f"play {c} {v}" for c, v in target.moves[n:]]
            if (
                have.moves[: len(target.moves)] == target.moves
                and n - len(target.moves) <= 2
                and handle.engine.knows("undo")
            ):
                return target, ["undo"] * (n - len(target.moves))
        return target, self._replay_commands(handle, gd, target)

    def _synced(self, handle: EngineHandle, target: Position, replies: list[GTPReply]) -> None:
        """Record the engine's board; after a refusal it is unknown, so the next turn replays."""
        refused = next((r for r in replies if not r.ok), None)
        if refused is not None:
            handle.position = None
            raise GTPError(refused.command, refused.text)
        handle.position = target

    async def _sync(
        self,
        handle: EngineHandle,
        target: Position,
        commands: list[str],
        engine_config: EngineConfig,
    ) -> None:
        """Bring the engine's board to `target` in a round trip of its own."""
        timeout = engine_config.command_timeout + len(commands) * REPLAY_ALLOWANCE
        replies = await handle.engine.batch(commands, timeout=timeout, check=False)
        self._synced(handle, target, replies)

    def _replay_commands(self, handle: EngineHandle, gd: GameData, target: Position) -> list[str]:
        engine = handle.engine
        w, h = gd.width, gd.height
        size = f"boardsize {w}" if w == h else f"rectangular_boardsize {w} {h}"
        commands = [size, "clear_board", f"komi {gd.komi:g}"]
        if self._engine_config().send_rules and engine.knows("kata-set-rules") and gd.rules:
            commands.append(f"kata-set-rules {KATAGO_RULES.get(gd.rules, 'japanese')}")
        black = [xy_to_gtp(p, w, h) for p in unpack_ogs(gd.initial_state_black, w, h)]
        white = [xy_to_gtp(p, w, h) for p in unpack_ogs(gd.initial_state_white, w, h)]
        moves = list(target.moves)
        # Free handicap stones open the game as black moves; they are handicap, not moves.
        placed = 0
        if gd.free_handicap_placement and gd.handicap >= 2:
            while placed < min(gd.handicap, len(moves)) and moves[placed][0] == "B":
                placed += 1
        stones = black + [v for _, v in moves[:placed]]
        moves = moves[placed:]
        if len(stones) >= 2 and not white and engine.knows("set_free_handicap"):
            commands.append("set_free_handicap " + " ".join(stones))
        else:
            commands += [f"play B {v}" for v in stones] + [f"play W {v}" for v in white]
        commands += [f"play {c} {v}" for c, v in moves]
        self._log.debug("replaying {} moves into the engine", len(target.moves))
        return commands

    # ----- uploading ------------------------------------------------------------------------

    async def _upload(self, moves: list[GtpMove], number: int) -> None:
        game = self.game
        gd = game.gamedata
        assert gd is not None
        delay = self.config.game.min_move_time - (time.monotonic() - self.turn_started)
        if delay > 0 and gd.speed != "blitz":
            await asyncio.sleep(delay)
        if self._paused():
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
            before = game.move_number
            game.move(move)
            self._post_analysis()

            def answered(g: Game, n: int = before) -> bool:
                return g.move_number > n or g.finished or bool(g.last_error)

            try:
                await game.wait_for(answered, ACK_TIMEOUT)
            except TimeoutError:
                self._log.warning(
                    "no answer to move {} in {:.0f} s: resync", before + 1, ACK_TIMEOUT
                )
                game.resync()
                return
            if game.last_error:
                self._refused(before, game.last_error)
                game.last_error = ""
                game.resync()
                return
            self.refusals = 0
            self.hold_until = 0.0
        self._log.debug("move {} played", number + 1)

    def _refused(self, number: int, error: str) -> None:
        """Back off after a refused move; past the last backoff, stop acting in this game
        until its position changes, and say why."""
        self.refusals += 1
        if self.refusals > len(REFUSAL_BACKOFF):
            self.stalled_at = self.game.move_number
            self._log.error(
                "the server refused move {} {} times in a row (last: {}): the bot stops "
                "acting in this game until its position changes",
                number + 1,
                self.refusals,
                error,
            )
            return
        wait = REFUSAL_BACKOFF[self.refusals - 1]
        self.hold_until = time.monotonic() + wait
        self._log.error(
            "the server refused move {}: {}; trying again in {:g} s", number + 1, error, wait
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

    def _resign(self) -> None:
        self.resigned_at = time.monotonic()
        self.game.resign()

    # ----- stone removal, undo, pause ----------------------------------------------------

    async def _stone_removal(self) -> bool:
        game = self.game
        gd = game.gamedata
        if gd is None or self.removal_answered == game.removed:
            return False
        proposed = self.removal_proposed
        if proposed is not None:
            marked, since = proposed
            server = set(unpack_ogs(game.removed, gd.width, gd.height))
            if server == marked:
                self._accept_removal()
                return True
            echo_due = self.removal_answered is None  # nothing accepted since the proposal
            if echo_due and time.monotonic() - since < PROPOSAL_ECHO_WAIT:
                return False  # our marks are not all back from the server: accept after them
            self.removal_proposed = None  # the opponent changed the marks since: judge again
        dead = None
        if self.config.game.stone_removal == "engine":
            dead = await self._engine_dead_stones(gd)
        server = set(unpack_ogs(game.removed, gd.width, gd.height))  # as it is after the wait
        if dead is None:
            # No verdict of the engine's: the bot's own stones are never given away on the
            # opponent's (or the estimator's) word alone. Marks on the opponent's stones only
            # cost the opponent, so they stand; the bot's own are unmarked.
            mine = self._my_stones()
            if not server & mine:
                self._accept_removal()
                return True
            dead = server - mine
            self._cannot_judge(len(server & mine))
        elif dead == server:
            self._accept_removal()
            return True
        self.removal_proposed = (dead, time.monotonic())
        self.removal_answered = None
        self._log.info("proposing {} dead stones (server marked {})", len(dead), len(server))
        if dead - server:
            game.set_removed(sorted(dead - server), removed=True)
        if server - dead:
            game.set_removed(sorted(server - dead), removed=False)
        return True

    def _my_stones(self) -> set[Point]:
        """The points where the bot has stones now."""
        state, mine = self.game.state, self._my_color()
        if state is None or mine is None:
            return set()
        color: Color = "b" if mine == "black" else "w"
        return {point for point, stone in state.board.stones() if stone == color}

    def _cannot_judge(self, count: int) -> None:
        """Say once, in words, why the bot does not accept the marks."""
        self._log.warning(
            "{} of the bot's stones are marked dead and nothing here can judge them: "
            "unmarking them, not accepting",
            count,
        )
        if not self.said_cannot_judge:
            self.said_cannot_judge = True
            self.game.chat(
                "I cannot judge which of my stones are dead in this game, so I do not accept "
                "them being marked dead; the server's rules decide the result."
            )

    def _accept_removal(self) -> None:
        self.removal_answered = self.game.removed
        self.game.accept_removed()

    async def _engine_dead_stones(self, gd: GameData) -> set[Point] | None:
        engine_config = self._engine_config()
        spec = engine_spec(engine_config, f"engine-{self.game_id}")
        try:
            async with self.manager.lease(self.game_id, spec) as handle:
                if not handle.engine.knows("final_status_list"):
                    return None
                target, commands = self._sync_commands(handle, gd)
                await self._sync(handle, target, commands, engine_config)
                reply = await handle.engine.send("final_status_list dead")
        except (EngineError, GTPError) as exc:
            self._log.warning("the engine cannot list dead stones: {}", exc)
            return None
        dead: set[Point] = set()
        for vertex in reply.split():
            with contextlib.suppress(ValueError):
                point = parse_gtp_move(vertex, gd.width, gd.height)
                if isinstance(point, tuple):
                    dead.add(point)
        return dead

    def _answer_undo(self) -> bool | None:
        """Answer the opponent's pending undo request by the policy: True granted, False
        refused, None when there is none (or it is stale, ours, or answered already).

        Since 2025-10 OGS lets a player take back their move and the bot's reply in one
        request (`count` 2); a granted request takes back all of its moves, and the engine
        follows with as many `undo`s (or a replay) on the next turn. The game keeps the
        request until the server settles it: its accept may not repeat the count.
        """
        game = self.game
        request = game.pending_undo
        gd = game.gamedata
        if request is None or request == self._undo_answered or gd is None:
            return None
        if request.move_number != game.move_number or not 0 < request.moves <= len(gd.moves):
            return None
        if request.requested_by is not None:
            if request.requested_by == game.my_id:
                return None  # our own request
        else:  # the old form names no one: the move it takes back must be the opponent's
            if gd.move_colors()[-request.moves] == self._my_color():
                return None
        policy = self.config.game.undo
        allowed = policy == "always" or (isinstance(policy, int) and self.undos_granted < policy)
        self._undo_answered = request
        moves = f"{request.moves} moves" if request.moves > 1 else "a move"
        if allowed:
            self.undos_granted += 1
            self._log.info("granting an undo of {} at move {}", moves, request.move_number)
            game.undo_accept()
            return True
        self._log.info(
            "not granting an undo of {} at move {} (policy: {})", moves, request.move_number, policy
        )
        return False

    def _resume_if_paused_too_long(self) -> bool:
        gd = self.game.gamedata
        if gd is None or not gd.pause_control:
            return False
        paused = gd.pause_control.get("paused")
        if not isinstance(paused, dict) or paused.get("pausing_player_id") == self.game.my_id:
            return False
        since = gd.paused_since
        if since is None and self.game.clock is not None:
            since = self.game.clock.paused_since
        if since is None:
            return False
        if since == self.resumed_pause:
            return False  # asked already; the server's answer is on its way
        if self.game.realtime.server_time() - since / 1000 < self.config.game.max_pause:
            return False
        self.resumed_pause = since
        self._log.info(
            "the opponent paused for over {:.0f} s: resuming", self.config.game.max_pause
        )
        self.game.resume()
        return True

    # ----- chat and records ----------------------------------------------------------------

    def _placeholders(self) -> dict[str, str]:
        gd = self.game.gamedata
        opponent = ""
        if gd is not None:
            mine = self._my_color()
            opponent = (gd.white if mine == "black" else gd.black).username
        return {
            "opponent": opponent,
            "engine": self.engine_name or self._engine_config().name or "my engine",
            "result": self._result_text(),
        }

    def _say(self, template: str) -> None:
        if not template:
            return
        try:
            text = template.format(**self._placeholders())
        except (KeyError, IndexError, ValueError) as exc:
            self._log.warning("chat template {!r} is broken: {}", template, exc)
            return
        self.game.chat(text)

    def _greet(self) -> None:
        gd = self.game.gamedata
        if self.greeted or gd is None:
            return
        self.greeted = True
        if self.game.move_number < 2 + max(0, gd.handicap):
            self._say(self.config.game.greeting)

    def _farewell(self) -> None:
        self._say(self.config.game.farewell)

    def _result_text(self) -> str:
        gd = self.game.gamedata
        if gd is None:
            return ""
        return sgf_result(gd) or gd.outcome

    def _on_stderr(self, line: str) -> None:
        gd = self.game.gamedata
        if gd is None or not self.config.game.analysis_chat or gd.disable_analysis:
            return
        message = parse_line(line, gd.width, gd.height, self.game.move_number)
        if message is None:
            return
        if isinstance(message.body, dict):
            self.last_analysis = message  # posted once, with the move
        elif self.chat_limiter.allow(message, self.game.move_number):
            self.game.chat(message.body, message.channel)

    def _post_analysis(self) -> None:
        message, self.last_analysis = self.last_analysis, None
        if message is not None and self.chat_limiter.allow(message, self.game.move_number):
            self.game.chat(message.body, message.channel)
        dropped = self.chat_limiter.take_dropped()
        if dropped:
            self._log.info("{} engine chat line(s) not posted (at most a few a minute)", dropped)

    def _save_sgf(self, *, incomplete: bool, quiet: bool = False) -> None:
        """Save the record; never raises (a record that cannot be written is logged)."""
        gd = self.game.gamedata
        if self.sgf_dir is None or gd is None or (not gd.finished and not incomplete):
            return
        try:
            self.sgf_path = save_record(self.sgf_dir, gd, incomplete=incomplete)
        except OSError as exc:
            self._log.error("could not save the SGF: {}", exc)
            return
        except Exception:
            self._log.exception("could not write the SGF of this game's data")
            return
        self._recorded = (len(gd.moves), gd.phase)
        if not quiet:
            self._log.info("saved {}", self.sgf_path)

    def _record_due(self) -> bool:
        """Whether the record on disk is behind the game."""
        gd = self.game.gamedata
        return not (
            gd is None
            or gd.finished
            or self.sgf_dir is None
            or self._recorded == (len(gd.moves), gd.phase)
        )

    def _record_as_it_goes(self) -> None:
        """Keep `-incomplete.sgf` current, at most every `RECORD_EVERY` s: however the
        daemon stops (kill -9 included), the game has a record, which the next start
        completes from the server if the game ended meanwhile."""
        if not self._record_due():
            return
        now = time.monotonic()
        if now - self._recorded_at < RECORD_EVERY:
            return
        self._recorded_at = now
        self._save_sgf(incomplete=True, quiet=True)
