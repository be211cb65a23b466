"""A small Go board model for OGS games: any size, captures, ko rules, OGS scoring.

sgfmill's board is square only, allows self-capture, knows no ko and counts every stone
alive, so the emulator's referee and the client's live game use this instead.

Conventions follow :mod:`ogsbot.ogs.coords`: a point is ``(x, y)``, ``x`` the column from
the left and ``y`` the row from the top, both from 0; a pass is ``None``.  Colours are the
strings ``"b"`` and ``"w"`` (as in sgfmill); an empty point is ``None``.

Pieces:

- :class:`Board`: stones on a ``width x height`` grid (1..25 each), ``play`` with captures.
- :class:`Ruleset` and :func:`ruleset`: what each OGS ruleset name means (sources inline).
- :class:`GameState`: a board plus whose turn, prisoners, passes and the positions seen,
  so it can enforce simple ko and positional or situational superko; ``undo`` and a cheap
  ``copy``.
- :func:`score`: OGS's ``score`` object for a finished game, given the dead stones.
- :func:`estimate_dead`: a conservative guess at the dead stones of a finished game.

Positions are identified by Zobrist hashes (64-bit, from a fixed seed per board size), so
replaying a 300-move 19x19 game takes a few milliseconds.  Two different positions share a
hash with probability about 2**-64 per pair; the ko checks accept that risk.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, TypeAlias

from ogsbot.ogs.coords import MAX_BOARD_SIZE, Point, pack_ogs, xy_to_gtp

__all__ = [
    "RULESET_NAMES",
    "Board",
    "Color",
    "GameState",
    "HandicapCompensation",
    "IllegalMoveError",
    "IllegalReason",
    "KoRule",
    "PlayerScore",
    "Ruleset",
    "Score",
    "estimate_dead",
    "opponent",
    "ruleset",
    "score",
]

Color: TypeAlias = Literal["b", "w"]
"""A stone colour: ``"b"`` black, ``"w"`` white."""

KoRule: TypeAlias = Literal["simple", "positional", "situational"]
"""Which repetitions are illegal: the immediate ko recapture only, or any earlier board
(positional superko), or any earlier board with the same player to move (situational)."""

HandicapCompensation: TypeAlias = Literal["none", "per_stone", "per_stone_minus_one"]
"""Points white gets for black's handicap stones under area scoring."""

IllegalReason: TypeAlias = Literal["off board", "occupied", "suicide", "ko", "superko"]
"""Why a move is illegal, as carried by :class:`IllegalMoveError`."""

_EMPTY: Final = 0
_BLACK: Final = 1
_WHITE: Final = 2
_COLORS: Final[tuple[None, Color, Color]] = (None, "b", "w")
_NAMES: Final = ("empty", "black", "white")


def opponent(color: Color) -> Color:
    """The other colour."""
    return "w" if _code(color) == _BLACK else "b"


def _code(color: object) -> int:
    """Internal colour code (1 black, 2 white) of ``"b"``/``"w"``; anything else is an error."""
    if color == "b":
        return _BLACK
    if color == "w":
        return _WHITE
    raise ValueError(f"colour must be 'b' or 'w', not {color!r}")


def _check_size(width: object, height: object) -> tuple[int, int]:
    """Validate a board size; height None means square.  Errors name the bad value."""
    if height is None:
        height = width
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"board {name} must be an int, not {type(value).__name__}: {value!r}")
        if not 1 <= value <= MAX_BOARD_SIZE:
            raise ValueError(
                f"board {name} {value} is not supported: it must be 1..{MAX_BOARD_SIZE}"
            )
    assert isinstance(width, int) and isinstance(height, int)
    return width, height


@dataclass(frozen=True)
class _Geometry:
    """Immutable per-size tables shared by every board of that size."""

    neighbours: tuple[tuple[int, ...], ...]
    keys: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # Zobrist, by colour code
    to_move_keys: tuple[int, int, int]  # mixed into situational-superko keys, by colour code


@cache
def _geometry(width: int, height: int) -> _Geometry:
    """Neighbour lists and Zobrist keys for a size (pure, so memoised)."""
    neighbours = []
    for y in range(height):
        for x in range(width):
            near = []
            if y > 0:
                near.append((y - 1) * width + x)
            if x > 0:
                near.append(y * width + x - 1)
            if x < width - 1:
                near.append(y * width + x + 1)
            if y < height - 1:
                near.append((y + 1) * width + x)
            neighbours.append(tuple(near))
    rng = random.Random(f"ogsbot board {width}x{height}")
    n = width * height
    black = tuple(rng.getrandbits(64) for _ in range(n))
    white = tuple(rng.getrandbits(64) for _ in range(n))
    return _Geometry(
        neighbours=tuple(neighbours),
        keys=((0,) * n, black, white),
        to_move_keys=(0, rng.getrandbits(64), rng.getrandbits(64)),
    )


class IllegalMoveError(ValueError):
    """A move the rules forbid; ``reason`` says which rule, the message says it in words."""

    def __init__(
        self, reason: IllegalReason, color: Color, point: object, width: int, height: int
    ) -> None:
        self.reason: IllegalReason = reason
        self.color: Color = color
        self.point = point
        try:
            where = f"{xy_to_gtp(point, width, height)} {point!r}"  # type: ignore[arg-type]
        except (TypeError, ValueError):
            where = repr(point)
        why = {
            "off board": f"the point is off the {width}x{height} board",
            "occupied": "the point is occupied",
            "suicide": "it is suicide (the stones would have no liberties and capture nothing)",
            "ko": "ko: it would retake the ko immediately",
            "superko": "superko: it would repeat an earlier position",
        }[reason]
        super().__init__(f"{_NAMES[_code(color)]} {where} is illegal: {why}")


class Board:
    """Stones on a width x height grid; ``play`` captures, ``set`` places without rules.

    Mutable; ``copy`` is cheap.  Equal boards (same size and stones) compare equal and
    share ``position_hash``.
    """

    __slots__ = ("_cells", "_geo", "_hash", "_height", "_width")

    def __init__(self, width: int, height: int | None = None) -> None:
        self._width, self._height = _check_size(width, height)
        self._geo = _geometry(self._width, self._height)
        self._cells = [_EMPTY] * (self._width * self._height)
        self._hash = 0

    @classmethod
    def from_diagram(cls, diagram: str) -> Board:
        """Build a board from rows of ``X`` (black), ``O`` (white) and ``.`` (empty), top row first.

        Whitespace inside a row is ignored, so rows may be written ``"X . O"``.
        """
        rows = ["".join(line.split()) for line in diagram.strip().splitlines()]
        rows = [row for row in rows if row]
        if not rows or len({len(row) for row in rows}) != 1:
            raise ValueError(f"diagram rows must all have the same length: {rows!r}")
        board = cls(len(rows[0]), len(rows))
        for y, row in enumerate(rows):
            for x, char in enumerate(row):
                if char in "Xx":
                    board.set((x, y), "b")
                elif char in "Oo":
                    board.set((x, y), "w")
                elif char != ".":
                    raise ValueError(f"diagram has {char!r} at {(x, y)}; use X, O or .")
        return board

    @property
    def width(self) -> int:
        return self._width

    @property
    def height(self) -> int:
        return self._height

    @property
    def position_hash(self) -> int:
        """Zobrist hash of the stones (0 for an empty board); equal boards hash equal."""
        return self._hash

    def _index(self, point: object) -> int:
        """Flat index of a point; TypeError for a non-point, ValueError when off the board."""
        if not (
            isinstance(point, tuple)
            and len(point) == 2
            and type(point[0]) is int
            and type(point[1]) is int
        ):
            raise TypeError(f"point must be a tuple of two ints (x, y), not {point!r}")
        x: int = point[0]
        y: int = point[1]
        if not (0 <= x < self._width and 0 <= y < self._height):
            raise ValueError(f"point {point!r} is off the {self._width}x{self._height} board")
        return y * self._width + x

    def _point(self, index: int) -> Point:
        return (index % self._width, index // self._width)

    def _put(self, index: int, code: int) -> None:
        """Set one cell and keep the hash in step."""
        keys = self._geo.keys
        old = self._cells[index]
        self._hash ^= keys[old][index] ^ keys[code][index]
        self._cells[index] = code

    def get(self, point: Point) -> Color | None:
        """The colour at a point, or None if it is empty."""
        return _COLORS[self._cells[self._index(point)]]

    def set(self, point: Point, color: Color | None) -> None:
        """Put a stone (or None to clear) without captures or legality checks: for setup."""
        self._put(self._index(point), _EMPTY if color is None else _code(color))

    def copy(self) -> Board:
        new = Board.__new__(Board)
        new._width, new._height, new._geo = self._width, self._height, self._geo
        new._cells = self._cells.copy()
        new._hash = self._hash
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Board):
            return NotImplemented
        return (self._width, self._height, self._cells) == (
            other._width,
            other._height,
            other._cells,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Board.from_diagram('''\n{self}''')"

    def __str__(self) -> str:
        """Rows of X/O/. from the top, as ``from_diagram`` reads them."""
        chars = ".XO"
        w = self._width
        return "".join(
            "".join(chars[c] for c in self._cells[y * w : (y + 1) * w]) + "\n"
            for y in range(self._height)
        )

    def points(self) -> Iterator[Point]:
        """Every point, row by row from the top."""
        for y in range(self._height):
            for x in range(self._width):
                yield (x, y)

    def stones(self) -> Iterator[tuple[Point, Color]]:
        """Every stone with its colour, row by row from the top."""
        for index, code in enumerate(self._cells):
            if code:
                yield self._point(index), _COLORS[code]  # type: ignore[misc]

    def is_empty(self) -> bool:
        return not any(self._cells)

    def _chain(self, start: int) -> tuple[list[int], builtins.set[int]]:
        """The chain through a stone and its liberties, as flat indices."""
        cells, neighbours = self._cells, self._geo.neighbours
        code = cells[start]
        chain, seen, liberties = [start], {start}, builtins.set[int]()
        for p in chain:
            for n in neighbours[p]:
                v = cells[n]
                if v == _EMPTY:
                    liberties.add(n)
                elif v == code and n not in seen:
                    seen.add(n)
                    chain.append(n)
        return chain, liberties

    def _dead_chain(self, start: int) -> list[int] | None:
        """The chain through a stone if it has no liberty, else None (stops at the first one)."""
        cells, neighbours = self._cells, self._geo.neighbours
        code = cells[start]
        chain, seen = [start], {start}
        for p in chain:
            for n in neighbours[p]:
                v = cells[n]
                if v == _EMPTY:
                    return None
                if v == code and n not in seen:
                    seen.add(n)
                    chain.append(n)
        return chain

    def group(self, point: Point) -> frozenset[Point]:
        """The stones connected to the stone at a point (empty set for an empty point)."""
        index = self._index(point)
        if not self._cells[index]:
            return frozenset()
        chain, _ = self._chain(index)
        return frozenset(self._point(i) for i in chain)

    def liberties(self, point: Point) -> frozenset[Point]:
        """The liberties of the chain at a point (empty set for an empty point)."""
        index = self._index(point)
        if not self._cells[index]:
            return frozenset()
        _, liberties = self._chain(index)
        return frozenset(self._point(i) for i in liberties)

    def _move_index(self, color: Color, point: object) -> int:
        """Index of a move's point, or IllegalMoveError if it is off the board or occupied."""
        try:
            index = self._index(point)
        except ValueError:
            raise IllegalMoveError("off board", color, point, self._width, self._height) from None
        if self._cells[index]:
            raise IllegalMoveError("occupied", color, point, self._width, self._height)
        return index

    def _place(self, index: int, code: int, allow_suicide: bool) -> tuple[list[int], bool]:
        """Put a stone on an empty point and resolve captures.

        Returns (removed indices, whether it was a suicide).  Opponent chains without
        liberties go first; only if none did does the mover's own chain die.  Forbidden
        suicide leaves the board as it was and raises IllegalMoveError.
        """
        cells, neighbours, keys = self._cells, self._geo.neighbours, self._geo.keys
        cells[index] = code
        self._hash ^= keys[code][index]
        other = _BLACK + _WHITE - code
        removed: list[int] = []
        for n in neighbours[index]:
            if cells[n] == other:
                dead = self._dead_chain(n)
                if dead is not None:
                    other_keys = keys[other]
                    for s in dead:
                        cells[s] = _EMPTY
                        self._hash ^= other_keys[s]
                    removed.extend(dead)
        if removed:
            return removed, False
        for n in neighbours[index]:
            if cells[n] == _EMPTY:
                return removed, False
        own = self._dead_chain(index)
        if own is None:
            return removed, False
        if not allow_suicide:
            cells[index] = _EMPTY
            self._hash ^= keys[code][index]
            color = _COLORS[code]
            assert color is not None
            raise IllegalMoveError("suicide", color, self._point(index), self._width, self._height)
        own_keys = keys[code]
        for s in own:
            cells[s] = _EMPTY
            self._hash ^= own_keys[s]
        return own, True

    def _unplace(self, index: int, code: int, removed: Iterable[int], suicide: bool) -> None:
        """Undo ``_place``: put the removed stones back and lift the played one."""
        back = code if suicide else _BLACK + _WHITE - code
        for s in removed:
            self._put(s, back)
        self._put(index, _EMPTY)

    def play(self, color: Color, point: Point, *, allow_suicide: bool = False) -> list[Point]:
        """Play a stone with captures; return the points it removed, row by row from the top.

        The removed stones are the opponent's, or, for an allowed suicide, the mover's own
        chain (including the stone just played).  Raises IllegalMoveError when the point is
        off the board or occupied, or for suicide unless allowed.  No ko check: a Board has
        no history; use GameState for that.
        """
        code = _code(color)
        index = self._move_index(color, point)
        removed, _ = self._place(index, code, allow_suicide)
        return [self._point(i) for i in sorted(removed)]


# ---------------------------------------------------------------------------------------
# Rulesets


@dataclass(frozen=True)
class Ruleset:
    """What an OGS ruleset name means for play and scoring.

    Every fact comes from online-go/goban ``src/engine/GobanEngine.ts`` (read at commit
    013ad55): ``GobanEngine.fillDefaults`` sets the per-ruleset flags quoted in the field
    docs; ``place`` applies ``allow_self_capture``, ``allow_ko`` (false for every ruleset:
    the simple ko check always runs) and ``allow_superko`` (true means superko is *not*
    checked); ``isBoardRepeating`` implements "ssk" as situational and everything else as
    positional (the type comment: "only psk, ssk, and noresult are implemented, ing and
    csk are treated as psk"); ``computeScore`` counts stones only when ``score_stones``
    and prisoners only when ``score_prisoners``; ``getHandicapPointAdjustmentForWhite``
    gives white ``handicap`` points when ``score_handicap``, ``handicap - 1`` when also
    ``aga_handicap_scoring``.

    One deliberate difference: goban looks back only 30 moves for a superko repetition
    (``MAX_SUPERKO_SEARCH``); this model checks the whole game.
    """

    name: str
    area_scoring: bool
    """Stones on the board count (OGS ``score_stones``); otherwise territory scoring."""
    prisoners_count: bool
    """Captures and dead stones count for the capturer (OGS ``score_prisoners``)."""
    suicide_allowed: bool
    """Multi-stone suicide is a legal move that removes the group (``allow_self_capture``)."""
    ko_rule: KoRule
    """``simple`` when OGS sets ``allow_superko``; else from ``superko_algorithm``."""
    handicap_compensation: HandicapCompensation
    """Points white gets per handicap stone (``score_handicap``, ``aga_handicap_scoring``)."""
    default_komi: float
    """OGS's komi when the game gives none (handicap games keep only its fraction)."""
    white_must_pass_last: bool = False
    """AGA: the game ends on a white pass (``white_must_pass_last``); informative only."""

    @property
    def territory_scoring(self) -> bool:
        return not self.area_scoring

    def white_handicap_points(self, handicap: int) -> int:
        """White's handicap compensation in OGS's ``score.white.handicap``."""
        if handicap < 0:
            raise ValueError(f"handicap must be >= 0, not {handicap}")
        if self.handicap_compensation == "per_stone":
            return handicap
        if self.handicap_compensation == "per_stone_minus_one":
            return max(0, handicap - 1)
        return 0


_RULESETS: Final[tuple[Ruleset, ...]] = (
    # japanese/korean: score_stones=false (territory), score_prisoners default true,
    # allow_superko=true (so only the simple ko check), score_handicap default false.
    Ruleset("japanese", False, True, False, "simple", "none", 6.5),
    Ruleset("korean", False, True, False, "simple", "none", 6.5),
    # chinese: score_prisoners=false, allow_superko=false, superko_algorithm "csk" (run
    # as psk), score_handicap=true.
    Ruleset("chinese", True, False, False, "positional", "per_stone", 7.5),
    # aga: superko_algorithm "ssk", aga_handicap_scoring=true, score_handicap=true,
    # white_must_pass_last=true.
    Ruleset("aga", True, False, False, "situational", "per_stone_minus_one", 7.5, True),
    # ing: allow_self_capture=true, superko_algorithm "ing" (run as psk), komi 7.5,
    # score_handicap=true (goban cites the Ing rules' N-point compensation; goban's older
    # src/GoEngine.ts had komi 8 and no handicap compensation for ing).
    Ruleset("ing", True, False, True, "positional", "per_stone", 7.5),
    # nz: allow_self_capture=true, superko_algorithm "ssk", komi 7, score_handicap
    # left at its default false.
    Ruleset("nz", True, False, True, "situational", "none", 7.0),
)

RULESET_NAMES: Final[tuple[str, ...]] = tuple(r.name for r in _RULESETS)
"""The OGS ruleset names, as gamedata ``rules`` carries them."""


def ruleset(name: str) -> Ruleset:
    """The Ruleset for an OGS ruleset name (case-insensitive, as goban lowercases it)."""
    if not isinstance(name, str):
        raise TypeError(f"ruleset name must be a str, not {type(name).__name__}: {name!r}")
    for rules in _RULESETS:
        if rules.name == name.lower():
            return rules
    raise ValueError(f"unknown ruleset {name!r}: expected one of {', '.join(RULESET_NAMES)}")


def _resolve(rules: Ruleset | str) -> Ruleset:
    return rules if isinstance(rules, Ruleset) else ruleset(rules)


# ---------------------------------------------------------------------------------------
# Game state


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
        self._rules = _resolve(rules)
        self._board = Board(width, height)
        for point in black:
            self._board.set(point, "b")
        for point in white:
            self._board.set(point, "w")
        _code(to_move)
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
        return {"b": self._prisoners[_BLACK], "w": self._prisoners[_WHITE]}

    @property
    def moves(self) -> list[tuple[Color, Point | None]]:
        """Every move so far as (colour, point or None for a pass)."""
        return [(ply.color, ply.point) for ply in self._plies]

    @property
    def move_number(self) -> int:
        return len(self._plies)

    def _situation(self, position: int, to_move: Color) -> int:
        return position ^ self._board._geo.to_move_keys[_code(to_move)]

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
        code = _code(color)
        board = self._board
        next_to_move: Color = "w" if code == _BLACK else "b"
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
        self._prisoners[_BLACK + _WHITE - code if suicide else code] += len(removed)
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
            code = _code(ply.color)
            self._board._unplace(ply.index, code, ply.removed, ply.suicide)
            self._prisoners[_BLACK + _WHITE - code if ply.suicide else code] -= len(ply.removed)
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


# ---------------------------------------------------------------------------------------
# Scoring


def _plain(number: float) -> float:
    """An integral float as an int, as OGS's JSON writes 70 rather than 70.0."""
    return int(number) if float(number).is_integer() else number


@dataclass(frozen=True)
class PlayerScore:
    """One colour's part of OGS's gamedata ``score``; ``total`` is the sum of the rest."""

    total: float
    stones: int
    territory: int
    prisoners: int
    scoring_positions: str
    handicap: int
    komi: float

    def to_json(self) -> dict[str, object]:
        return {
            "total": _plain(self.total),
            "stones": self.stones,
            "territory": self.territory,
            "prisoners": self.prisoners,
            "scoring_positions": self.scoring_positions,
            "handicap": self.handicap,
            "komi": _plain(self.komi),
        }


@dataclass(frozen=True)
class Score:
    """OGS's gamedata ``score``: ``{"black": PlayerScore, "white": PlayerScore}``."""

    black: PlayerScore
    white: PlayerScore

    @property
    def winner(self) -> Color | None:
        """The colour with more points, None for a tie."""
        if self.black.total == self.white.total:
            return None
        return "b" if self.black.total > self.white.total else "w"

    @property
    def margin(self) -> float:
        return abs(self.black.total - self.white.total)

    @property
    def outcome(self) -> str:
        """OGS's ``outcome`` text for a scored game, e.g. ``"56.5 points"``."""
        return f"{_plain(self.margin)} points"

    def to_json(self) -> dict[str, dict[str, object]]:
        return {"black": self.black.to_json(), "white": self.white.to_json()}


def score(
    state: GameState,
    dead: Iterable[Point],
    rules: Ruleset | str | None,
    komi: float,
    handicap: int = 0,
) -> Score:
    """Score a finished game the way OGS fills gamedata ``score``.

    ``dead`` is the stone-removal set (OGS ``removed``); ``rules`` None means the state's.
    Dead stones come off first and count as prisoners for the other side when the ruleset
    counts prisoners.  Territory is every empty region (dead stones' points included)
    bordered by stones of one colour only; regions touching both colours, or none, are
    neutral.  Area scoring adds the remaining stones.  An *empty* point in ``dead`` is
    counted for nobody: OGS marks seki eyes that way.

    Matches OGS's scorer of the 2019-2020 games in ``tests/data/ogs-samples``: eyes of
    groups in seki count as territory (OGS excludes them only in ``strict_seki_mode``).
    goban has since switched to goscorer, which also drops obvious false eyes; finished
    games with filled dame score the same.  ``scoring_positions`` lists the counted points
    (stones, then territory, for area scoring) in row-major order as today's goban does;
    the samples' older order differs, so compare them as sets.
    """
    rules = state.rules if rules is None else _resolve(rules)
    board = state.board
    cells = board._cells.copy()
    neighbours = board._geo.neighbours
    removed = [0, 0, 0]  # dead stones by colour code
    neutral: set[int] = set()
    for point in dead:
        index = board._index(point)
        if cells[index]:
            removed[cells[index]] += 1
            cells[index] = _EMPTY
        else:
            neutral.add(index)

    owner = [_EMPTY] * len(cells)
    visited = bytearray(len(cells))
    for start, code in enumerate(cells):
        if code or visited[start]:
            continue
        visited[start] = 1
        region, borders = [start], 0
        for p in region:
            for n in neighbours[p]:
                v = cells[n]
                if v:
                    borders |= v
                elif not visited[n]:
                    visited[n] = 1
                    region.append(n)
        if borders in (_BLACK, _WHITE):
            for p in region:
                owner[p] = borders

    stones, territory = [0, 0, 0], [0, 0, 0]
    positions: tuple[list[Point], list[Point], list[Point]] = ([], [], [])
    for index, code in enumerate(cells):
        if code:
            if rules.area_scoring:
                stones[code] += 1
                positions[code].append(board._point(index))
        elif owner[index] and index not in neutral:
            territory[owner[index]] += 1
            positions[owner[index]].append(board._point(index))

    prisoners = [0, 0, 0]
    if rules.prisoners_count:
        prisoners[_BLACK] = state.prisoners["b"] + removed[_WHITE]
        prisoners[_WHITE] = state.prisoners["w"] + removed[_BLACK]
    white_handicap = rules.white_handicap_points(handicap)

    def player(code: int, handicap_points: int, komi_points: float) -> PlayerScore:
        total = stones[code] + territory[code] + prisoners[code] + handicap_points + komi_points
        return PlayerScore(
            total=total,
            stones=stones[code],
            territory=territory[code],
            prisoners=prisoners[code],
            scoring_positions=pack_ogs(positions[code], board.width, board.height),
            handicap=handicap_points,
            komi=komi_points,
        )

    return Score(black=player(_BLACK, 0, 0), white=player(_WHITE, white_handicap, komi))


def estimate_dead(position: GameState | Board) -> set[Point]:
    """Guess the dead stones of a finished game; conservative, it prefers leaving stones alive.

    For each *block* (a colour's stones plus the empty points reachable from them without
    crossing an opponent stone) it marks the block's stones dead only when all hold:

    1. the block has no eye: none of its empty regions touches only its own colour;
    2. it touches the opponent (so removing it leaves an area bordered by the opponent only);
    3. every opponent chain next to it has a liberty outside the block, or at least two
       liberties inside it that touch none of the block's stones.  This keeps both sides of
       an eyeless seki alive: there the surrounding chains live on the shared liberties.

    It reads no tactics: a group with one eye, or one that could still make two, is left
    alive, and dead stones next to a gap that leads to their own side's area are missed.
    Meant for finished games with the dame filled, as an input to ``score`` or a starting
    point for stone removal, not as a judgement on unfinished positions.
    """
    board = position.board if isinstance(position, GameState) else position
    cells, neighbours = board._cells, board._geo.neighbours
    dead: set[Point] = set()
    done = bytearray(len(cells))
    for start, code in enumerate(cells):
        if not code or done[start]:
            continue
        other = _BLACK + _WHITE - code
        block, in_block = [start], {start}
        touches_other = False
        for p in block:
            for n in neighbours[p]:
                v = cells[n]
                if v == other:
                    touches_other = True
                elif n not in in_block:
                    in_block.add(n)
                    block.append(n)
        stones = [p for p in block if cells[p] == code]
        for p in stones:
            done[p] = 1
        if not touches_other or _has_eye(block, cells, neighbours, other):
            continue
        next_to_stones = {n for p in stones for n in neighbours[p] if cells[n] == _EMPTY}
        if _surroundings_safe(board, block, in_block, next_to_stones, other):
            dead.update(board._point(p) for p in stones)
    return dead


def _has_eye(
    block: list[int], cells: list[int], neighbours: tuple[tuple[int, ...], ...], other: int
) -> bool:
    """Whether some empty region of the block touches no opponent stone."""
    seen: set[int] = set()
    for start in block:
        if cells[start] or start in seen:
            continue
        seen.add(start)
        region, touches_other = [start], False
        for p in region:
            for n in neighbours[p]:
                v = cells[n]
                if v == other:
                    touches_other = True
                elif v == _EMPTY and n not in seen:
                    seen.add(n)
                    region.append(n)
        if not touches_other:
            return True
    return False


def _surroundings_safe(
    board: Board, block: list[int], in_block: set[int], next_to_stones: set[int], other: int
) -> bool:
    """Rule 3 of estimate_dead: the opponent chains around the block do not need it."""
    cells, neighbours = board._cells, board._geo.neighbours
    checked: set[int] = set()
    for p in block:
        for n in neighbours[p]:
            if cells[n] != other or n in checked:
                continue
            chain, liberties = board._chain(n)
            checked.update(chain)
            if liberties - in_block:
                continue
            if len(liberties - next_to_stones) < 2:
                return False
    return True
