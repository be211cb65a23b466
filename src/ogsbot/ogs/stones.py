"""Stones on a Go board of any size, with captures: what sgfmill's square board lacks.

Conventions follow :mod:`ogsbot.ogs.coords`: a point is ``(x, y)``, ``x`` the column from
the left and ``y`` the row from the top, both from 0; a pass is ``None``.  Colours are the
strings ``"b"`` and ``"w"`` (as in sgfmill); an empty point is ``None``.

Positions are identified by Zobrist hashes (64-bit, from a fixed seed per board size), so
replaying a 300-move 19x19 game takes a few milliseconds.  Two different positions share a
hash with probability about 2**-64 per pair; the ko checks accept that risk.

:mod:`ogsbot.ogs.game_state` and :mod:`ogsbot.ogs.scoring` read a board's cells and
tables directly (``_cells``, ``_geo``, ``_index``...): they are this model's other halves.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, TypeAlias

from ogsbot.ogs.coords import MAX_BOARD_SIZE, Point, xy_to_gtp

__all__ = ["Board", "Color", "IllegalMoveError", "IllegalReason", "opponent"]

Color: TypeAlias = Literal["b", "w"]
"""A stone colour: ``"b"`` black, ``"w"`` white."""

IllegalReason: TypeAlias = Literal["off board", "occupied", "suicide", "ko", "superko"]
"""Why a move is illegal, as carried by :class:`IllegalMoveError`."""

# Colour codes in a board's cells, and what they stand for.
EMPTY: Final = 0
BLACK: Final = 1
WHITE: Final = 2
COLORS: Final[tuple[None, Color, Color]] = (None, "b", "w")
_NAMES: Final = ("empty", "black", "white")


def opponent(color: Color) -> Color:
    """The other colour."""
    return "w" if color_code(color) == BLACK else "b"


def color_code(color: object) -> int:
    """Internal colour code (1 black, 2 white) of ``"b"``/``"w"``; anything else is an error."""
    if color == "b":
        return BLACK
    if color == "w":
        return WHITE
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
        super().__init__(f"{_NAMES[color_code(color)]} {where} is illegal: {why}")


class Board:
    """Stones on a width x height grid; ``play`` captures, ``set`` places without rules.

    Mutable; ``copy`` is cheap.  Equal boards (same size and stones) compare equal and
    share ``position_hash``.
    """

    __slots__ = ("_cells", "_geo", "_hash", "_height", "_width")

    def __init__(self, width: int, height: int | None = None) -> None:
        self._width, self._height = _check_size(width, height)
        self._geo = _geometry(self._width, self._height)
        self._cells = [EMPTY] * (self._width * self._height)
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
        return COLORS[self._cells[self._index(point)]]

    def set(self, point: Point, color: Color | None) -> None:
        """Put a stone (or None to clear) without captures or legality checks: for setup."""
        self._put(self._index(point), EMPTY if color is None else color_code(color))

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
                yield self._point(index), COLORS[code]  # type: ignore[misc]

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
                if v == EMPTY:
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
                if v == EMPTY:
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
        other = BLACK + WHITE - code
        removed: list[int] = []
        for n in neighbours[index]:
            if cells[n] == other:
                dead = self._dead_chain(n)
                if dead is not None:
                    other_keys = keys[other]
                    for s in dead:
                        cells[s] = EMPTY
                        self._hash ^= other_keys[s]
                    removed.extend(dead)
        if removed:
            return removed, False
        for n in neighbours[index]:
            if cells[n] == EMPTY:
                return removed, False
        own = self._dead_chain(index)
        if own is None:
            return removed, False
        if not allow_suicide:
            cells[index] = EMPTY
            self._hash ^= keys[code][index]
            color = COLORS[code]
            assert color is not None
            raise IllegalMoveError("suicide", color, self._point(index), self._width, self._height)
        own_keys = keys[code]
        for s in own:
            cells[s] = EMPTY
            self._hash ^= own_keys[s]
        return own, True

    def _unplace(self, index: int, code: int, removed: Iterable[int], suicide: bool) -> None:
        """Undo ``_place``: put the removed stones back and lift the played one."""
        back = code if suicide else BLACK + WHITE - code
        for s in removed:
            self._put(s, back)
        self._put(index, EMPTY)

    def play(self, color: Color, point: Point, *, allow_suicide: bool = False) -> list[Point]:
        """Play a stone with captures; return the points it removed, row by row from the top.

        The removed stones are the opponent's, or, for an allowed suicide, the mover's own
        chain (including the stone just played).  Raises IllegalMoveError when the point is
        off the board or occupied, or for suicide unless allowed.  No ko check: a Board has
        no history; use GameState for that.
        """
        code = color_code(color)
        index = self._move_index(color, point)
        removed, _ = self._place(index, code, allow_suicide)
        return [self._point(i) for i in sorted(removed)]
