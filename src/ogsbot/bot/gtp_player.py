"""A game's turns through a GTP engine: lease a process, bring its board up to date (only
the missing moves when it can), send the clock and `genmove` in one write, check the move.
The session uploads what this returns, as it does the analysis engine's move."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from ogsbot.bot.config import EngineConfig
from ogsbot.bot.engine_board import REPLAY_ALLOWANCE, EngineBoard
from ogsbot.bot.game_chat import GameChat
from ogsbot.bot.handicap import free_handicap_stones, free_handicap_turn, usual_handicap_stones
from ogsbot.bot.seat import moved_on, turn_position, while_in_play
from ogsbot.bot.stone_removal import dead_stones_in
from ogsbot.bot.turn_clock import TurnClock
from ogsbot.gtp.errors import EngineError, GTPError
from ogsbot.gtp.managers import EngineHandle, EngineManager, EngineSpec, spec_from
from ogsbot.gtp.wire import GTPReply
from ogsbot.ogs.board import Color, GameState
from ogsbot.ogs.coords import RESIGN, GtpMove, Point
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData

if TYPE_CHECKING:
    from loguru import Logger


def engine_spec(engine: EngineConfig, label: str) -> EngineSpec:
    """How the engine manager starts the GTP engine `engine` configures."""
    return spec_from(
        engine.command,
        endpoints=engine.endpoints,
        cwd=engine.cwd,
        env=dict(engine.env),
        start_timeout=engine.start_timeout,
        command_timeout=engine.command_timeout,
        quit_grace=engine.quit_grace,
        idle_timeout=engine.idle_timeout,
        pool_size=engine.pool_size if engine.manager == "pool" else 0,
        label=label,
    )


class GtpPlayer:
    """Plays a game's turns through GTP engines leased from the manager; one per game."""

    def __init__(
        self,
        game: Game,
        manager: EngineManager,
        board: EngineBoard,
        clock: TurnClock,
        chat: GameChat,
        on_stderr: Callable[[str], None],
        log: Logger = logger,
    ) -> None:
        self.game = game
        self.manager = manager
        self.board = board
        self.clock = clock
        self.chat = chat
        self.on_stderr = on_stderr
        self.engine_name = ""  # what the engine says it is, learnt at its first turn
        self._log = log

    async def think(self, engine_config: EngineConfig) -> list[GtpMove]:
        """The engine's move (or handicap stones), checked legal; raises on engine failure.

        The opponent's moves, the clock and `genmove` go to the engine in one write: one
        round trip per turn, which is most of what the bridge adds to a fast engine's move.
        A replay or undos, where refusals happen (komi, rules, handicap, undo), go first on
        their own, so a refusal never costs a genmove on a wrong board.
        """
        game = self.game
        spec = engine_spec(engine_config, f"engine-{game.game_id}")
        async with self.manager.lease(
            game.game_id, spec, self.on_stderr, deadline=self.clock.deadline()
        ) as handle:
            # Read after the lease: a pooled engine can take long to come free.
            turn = turn_position(game)
            if turn is None:
                return []
            gd, state, number, color = turn
            free_handicap = free_handicap_turn(gd, color)
            engine = handle.engine
            if not self.engine_name:
                self.engine_name = engine_config.name or f"{engine.name} {engine.version}".strip()
            if free_handicap and not engine.knows("place_free_handicap"):
                # The engine's board is left as it is: the next turn's sync plays the stones.
                return list(usual_handicap_stones(gd, state, self._log))
            target, sync = self.board.sync_commands(handle, gd, send_rules=engine_config.send_rules)
            if any(not command.startswith("play ") for command in sync):
                await self.board.sync(handle, target, sync, engine_config.command_timeout)
                sync = []
            clock = self.clock.commands(handle, gd, color, engine_config)
            final = f"genmove {color.upper()}"
            if free_handicap:
                final = f"place_free_handicap {gd.handicap}"
            self.chat.last_analysis = None
            timeout = self.clock.genmove_timeout(engine_config) + len(sync) * REPLAY_ALLOWANCE
            replies = await self._reply_while_in_play(handle, [*sync, *clock, final], timeout)
            if replies is None:
                return []
            self.board.synced(handle, target, replies[: len(sync)])
            self.clock.answered(clock, replies[len(sync) : -1])
            reply = replies[-1].check()
            if moved_on(game, gd, number, state):
                # The game moved on while the engine thought (fresh gamedata after a refusal,
                # a gap): its answer is for a position gone, and no fault of the engine's.
                # Its board holds the move; the next turn's sync takes it back or replays.
                handle.position = None
                self._log.info("the position changed during genmove: thinking again")
                return []
            return self._read_moves(handle, gd, state, color, final, reply)

    async def _reply_while_in_play(
        self, handle: EngineHandle, commands: list[str], timeout: float
    ) -> list[GTPReply] | None:
        """The engine's replies; None when the game leaves play first (two passes or a
        resignation learnt late). The server scores a bot's game seconds into stone removal,
        which cannot wait for a moot genmove: the engine is stopped, and the end of the game
        gets a fresh one at once."""
        engine = handle.engine
        answered, replies = await while_in_play(
            self.game, engine.batch(commands, timeout=timeout, check=False)
        )
        if answered:
            return replies
        handle.position = None
        await engine.stop(now=True)
        self._log.info("the game left play during genmove: engine stopped")
        return None

    def _read_moves(
        self,
        handle: EngineHandle,
        gd: GameData,
        state: GameState,
        color: Color,
        command: str,
        reply: str,
    ) -> list[GtpMove]:
        """The engine's reply as the moves to upload, checked; its board then holds them."""
        engine = handle.engine
        moves: list[GtpMove]
        if command.startswith("place_free_handicap"):
            moves = list(free_handicap_stones(handle, gd, state, command, reply))
        else:
            legal = state.is_legal
            move = engine.read_move(
                command, reply, width=gd.width, height=gd.height, legal=lambda p: legal(color, p)
            )
            moves = [move]
        position = handle.position
        for move in moves:
            if move is not RESIGN:
                position = self.board.extend(position, color, move, gd)
        handle.position = position
        return moves

    async def dead_stones(self, engine_config: EngineConfig, gd: GameData) -> set[Point] | None:
        """The dead stones by the engine's `final_status_list` (None: it cannot say)."""
        spec = engine_spec(engine_config, f"engine-{self.game.game_id}")
        try:
            async with self.manager.lease(self.game.game_id, spec) as handle:
                if not handle.engine.knows("final_status_list"):
                    return None
                target, commands = self.board.sync_commands(
                    handle, gd, send_rules=engine_config.send_rules
                )
                await self.board.sync(handle, target, commands, engine_config.command_timeout)
                reply = await handle.engine.send("final_status_list dead")
        except (EngineError, GTPError) as exc:
            self._log.warning("the engine cannot list dead stones: {}", exc)
            return None
        return dead_stones_in(reply, gd.width, gd.height)


__all__ = ["GtpPlayer", "engine_spec"]
