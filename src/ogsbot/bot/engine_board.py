"""What an engine's board holds, and the fewest GTP commands that bring it to the game's.

A turn sends only the moves the engine has not seen (or takes a move or two back with
`undo`); anything else (another game in a pooled engine, a refused command, a changed
setup) is replayed from `boardsize` on. The game's position is extended move by move, not
rebuilt each turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from loguru import Logger

from ogsbot.gtp.engine import GTPReply
from ogsbot.gtp.errors import GTPError
from ogsbot.gtp.managers import EngineHandle
from ogsbot.ogs.board import Color
from ogsbot.ogs.coords import Point, unpack_ogs, xy_to_gtp
from ogsbot.ogs.models import GameData, Move

KATAGO_RULES = {
    "japanese": "japanese",
    "korean": "korean",
    "chinese": "chinese-ogs",
    "aga": "aga",
    "nz": "new-zealand",
    "ing": "chinese",
}
REPLAY_ALLOWANCE = 0.01  # s per replayed command, on top of the time to think (GNU Go: 0.05 ms)


@dataclass(frozen=True)
class Position:
    """What an engine's board holds: the game's setup and its moves, as GTP colour/vertex."""

    game_id: int
    setup: tuple[Any, ...]
    moves: tuple[tuple[str, str], ...]


def setup_of(gd: GameData) -> tuple[Any, ...]:
    """What a replay starts from: any change to it means the board is set up again."""
    return (
        gd.width,
        gd.height,
        gd.komi,
        gd.rules,
        gd.initial_state_black,
        gd.initial_state_white,
    )


class EngineBoard:
    """The game's position as GTP, and the commands that bring an engine's board to it."""

    def __init__(self, log: Logger = logger) -> None:
        self._log = log
        self._known: Position | None = None
        self._known_last: Move | None = None

    def target(self, gd: GameData) -> Position:
        """The game's position as GTP, extended from the last turn's (not rebuilt each turn)."""
        setup = setup_of(gd)
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

    def extend(self, position: Any, color: Color, move: Point | None, gd: GameData) -> Position:
        """`position` (the game's when the engine's is unknown) with one more move."""
        base = position if isinstance(position, Position) else self.target(gd)
        vertex = "pass" if move is None else xy_to_gtp(move, gd.width, gd.height)
        return Position(base.game_id, base.setup, (*base.moves, (color.upper(), vertex)))

    def sync_commands(
        self, handle: EngineHandle, gd: GameData, *, send_rules: bool
    ) -> tuple[Position, list[str]]:
        """What brings the engine's board to the game's: a few plays or undos, else a replay."""
        target = self.target(gd)
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
        return target, self.replay_commands(handle, gd, target, send_rules=send_rules)

    @staticmethod
    def synced(handle: EngineHandle, target: Position, replies: list[GTPReply]) -> None:
        """Record the engine's board; after a refusal it is unknown, so the next turn replays."""
        refused = next((r for r in replies if not r.ok), None)
        if refused is not None:
            handle.position = None
            raise GTPError(refused.command, refused.text)
        handle.position = target

    async def sync(
        self, handle: EngineHandle, target: Position, commands: list[str], command_timeout: float
    ) -> None:
        """Bring the engine's board to `target` in a round trip of its own."""
        timeout = command_timeout + len(commands) * REPLAY_ALLOWANCE
        replies = await handle.engine.batch(commands, timeout=timeout, check=False)
        self.synced(handle, target, replies)

    def replay_commands(
        self, handle: EngineHandle, gd: GameData, target: Position, *, send_rules: bool
    ) -> list[str]:
        """The game from an empty board: size, komi, rules, setup and handicap, moves."""
        engine = handle.engine
        w, h = gd.width, gd.height
        size = f"boardsize {w}" if w == h else f"rectangular_boardsize {w} {h}"
        commands = [size, "clear_board", f"komi {gd.komi:g}"]
        if send_rules and engine.knows("kata-set-rules") and gd.rules:
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
