"""A game in progress on a board: turns, prisoners, passes, ko and superko, undo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ogsbot.ogs.coords import Point
from ogsbot.ogs.rulesets import Ruleset, as_ruleset
from ogsbot.ogs.stones import BLACK, WHITE, Board, Color, IllegalMoveError, color_code, opponent

__all__ = ["GameState"]


@dataclass(frozen=True, slots=True)  # thousands per game: no __dict__ each
class _Ply:
    """What undo needs to reverse one move or pass."""

    color: Color
    point: Point | None
    index: int
    removed: tuple[int, ...]
    suicide: bool
    to_move_before: Color
    passes_before: int


class GameState:
    """A game in progress: board, turn, prisoners, passes and every position seen.

    ``play`` enforces the ruleset's suicide and ko rules; ``undo`` takes back one move or
    pass exactly; ``copy`` is independent and cheap (O(board + moves)).  Turn order is not
    enforced: ``play`` takes the colour, and ``to_move`` is simply the opponent of the last
    mover, because OGS lets black place free handicap stones as consecutive moves.
    """

    __slots__ = (
        "_board",
        "_hashes",
        "_passes",
        "_plies",
        "_prisoners",
        "_rules",
        "_seen",
        "_seen_situations",
        "_to_move",
    )

    def __init__(
        self,
        width: int,
        height: int | None = None,
        rules: Ruleset | str = "japanese",
        *,
        black: Iterable[Point] = (),
        white: Iterable[Point] = (),
        to_move: Color = "b",
    ) -> None:
        """Start a game; ``black``/``white`` are setup stones (OGS ``initial_state``)."""
        self._rules = as_ruleset(rules)
        self._board = Board(width, height)
        for point in black:
            self._board.set(point, "b")
        for point in white:
            self._board.set(point, "w")
        color_code(to_move)
        self._to_move: Color = to_move
        self._passes = 0
        self._prisoners = [0, 0, 0]  # by colour code: stones that colour has captured
        self._plies: list[_Ply] = []
        start = self._board.position_hash
        self._hashes = [start]
        self._seen = {start: 1}
        self._seen_situations = {self._situation(start, to_move): 1}

    @property
    def board(self) -> Board:
        """The live board; treat it as read-only (``board.copy()`` to experiment)."""
        return self._board

    @property
    def rules(self) -> Ruleset:
        return self._rules

    @property
    def width(self) -> int:
        return self._board.width

    @property
    def height(self) -> int:
        return self._board.height

    @property
    def to_move(self) -> Color:
        return self._to_move

    @property
    def consecutive_passes(self) -> int:
        return self._passes

    @property
    def prisoners(self) -> dict[Color, int]:
        """Stones each colour has captured in play (OGS ``black_prisoners``/``white_prisoners``)."""
        return {"b": self._prisoners[BLACK], "w": self._prisoners[WHITE]}

    @property
    def moves(self) -> list[tuple[Color, Point | None]]:
        """Every move so far as (colour, point or None for a pass)."""
        return [(ply.color, ply.point) for ply in self._plies]

    @property
    def move_number(self) -> int:
        return len(self._plies)

    def _situation(self, position: int, to_move: Color) -> int:
        return position ^ self._board._geo.to_move_keys[color_code(to_move)]

    def _remember(self, position: int, to_move: Color) -> None:
        self._hashes.append(position)
        self._seen[position] = self._seen.get(position, 0) + 1
        situation = self._situation(position, to_move)
        self._seen_situations[situation] = self._seen_situations.get(situation, 0) + 1

    def _forget(self, position: int, to_move: Color) -> None:
        self._hashes.pop()
        for seen, key in (
            (self._seen, position),
            (self._seen_situations, self._situation(position, to_move)),
        ):
            if seen[key] == 1:
                del seen[key]
            else:
                seen[key] -= 1

    def play(self, color: Color, point: Point | None) -> list[Point]:
        """Play a stone (or pass with None); return the points removed, row by row from the top.

        Removed stones are captures, or the mover's own chain for an allowed suicide.
        Raises IllegalMoveError (a ValueError) and leaves the state unchanged when the move
        is off the board, occupied, a forbidden suicide, or breaks the ko rule.
        """
        code = color_code(color)
        board = self._board
        next_to_move: Color = "w" if code == BLACK else "b"
        if point is None:
            self._plies.append(_Ply(color, None, -1, (), False, self._to_move, self._passes))
            self._passes += 1
            self._to_move = next_to_move
            self._remember(board.position_hash, next_to_move)
            return []
        index = board._move_index(color, point)
        removed, suicide = board._place(index, code, self._rules.suicide_allowed)
        position = board.position_hash
        retakes_ko = len(self._hashes) >= 2 and position == self._hashes[-2]
        ko_rule = self._rules.ko_rule
        if ko_rule == "simple":
            repeats = retakes_ko
        elif ko_rule == "positional":
            repeats = position in self._seen
        else:
            repeats = self._situation(position, next_to_move) in self._seen_situations
        if repeats:
            board._unplace(index, code, removed, suicide)
            raise IllegalMoveError(
                "ko" if retakes_ko else "superko", color, point, board.width, board.height
            )
        self._prisoners[BLACK + WHITE - code if suicide else code] += len(removed)
        self._plies.append(
            _Ply(color, point, index, tuple(removed), suicide, self._to_move, self._passes)
        )
        self._passes = 0
        self._to_move = next_to_move
        self._remember(position, next_to_move)
        return [board._point(i) for i in sorted(removed)]

    def reset_passes(self) -> None:
        """Count passes from zero again, e.g. when play resumes after a rejected stone removal,
        so that one more pass does not end the game at once.  Not itself undoable."""
        self._passes = 0

    def check(self, color: Color, point: Point | None) -> None:
        """Raise IllegalMoveError if the move is illegal; never changes the state."""
        self.play(color, point)
        self.undo()

    def is_legal(self, color: Color, point: Point | None) -> bool:
        """Whether the move is legal now (a pass always is)."""
        try:
            self.check(color, point)
        except IllegalMoveError:
            return False
        return True

    def legal_moves(self, color: Color) -> list[Point]:
        """Every legal point for a colour, row by row from the top (passes not included)."""
        cells = self._board._cells
        return [
            point
            for index, point in enumerate(self._board.points())
            if not cells[index] and self.is_legal(color, point)
        ]

    def undo(self) -> tuple[Color, Point | None]:
        """Take back the last move or pass; return it.  IndexError if there is none."""
        if not self._plies:
            raise IndexError("nothing to undo: no moves have been played")
        ply = self._plies.pop()
        self._forget(self._hashes[-1], opponent(ply.color))
        if ply.point is not None:
            code = color_code(ply.color)
            self._board._unplace(ply.index, code, ply.removed, ply.suicide)
            self._prisoners[BLACK + WHITE - code if ply.suicide else code] -= len(ply.removed)
        self._to_move = ply.to_move_before
        self._passes = ply.passes_before
        return ply.color, ply.point

    def copy(self) -> GameState:
        new = GameState.__new__(GameState)
        new._rules = self._rules
        new._board = self._board.copy()
        new._to_move = self._to_move
        new._passes = self._passes
        new._prisoners = self._prisoners.copy()
        new._plies = self._plies.copy()
        new._hashes = self._hashes.copy()
        new._seen = self._seen.copy()
        new._seen_situations = self._seen_situations.copy()
        return new

    def __repr__(self) -> str:
        return (
            f"<GameState {self.width}x{self.height} {self._rules.name} move {self.move_number}, "
            f"{self._to_move} to move>"
        )
