"""randomgo's board: stones, captures, simple ko, whole-board keys and the area score."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # GTP columns: no I

Point = tuple[int, int]
"""A point as sgfmill has it: (row, col); row 0 is the bottom line (GTP row 1), col 0 is A."""

Key = tuple[tuple[str | None, ...], ...]
"""A whole-board position (the stones only), for repetition checks."""


def format_point(point: Point | None) -> str:
    """GTP vertex of a point; ``pass`` for None."""
    if point is None:
        return "pass"
    row, col = point
    return f"{COLUMNS[col]}{row + 1}"


def sorted_for_reply(points: Iterable[Point]) -> list[Point]:
    """Order points like GNU Go does: top row first, left to right."""
    return sorted(points, key=lambda p: (-p[0], p[1]))


@dataclass
class Position:
    """A square board with captures, simple ko and capture counts.

    ``grid[row][col]`` is ``'b'``, ``'w'`` or None, with sgfmill's orientation (row 0 at the
    bottom); the tests cross-check this model against sgfmill.
    """

    size: int
    grid: list[list[str | None]]
    ko_point: Point | None = None
    ko_colour: str | None = None  # the colour that may not play at ko_point
    captures: dict[str, int] = field(default_factory=lambda: {"b": 0, "w": 0})

    @classmethod
    def empty(cls, size: int) -> Position:
        """An empty board of the given size."""
        return cls(size, [[None] * size for _ in range(size)])

    def copy(self) -> Position:
        """An independent copy (for undo and trial moves)."""
        return Position(
            self.size,
            [row[:] for row in self.grid],
            self.ko_point,
            self.ko_colour,
            dict(self.captures),
        )

    def points(self) -> list[Point]:
        """All points, bottom row first."""
        return [(row, col) for row in range(self.size) for col in range(self.size)]

    def key(self) -> Key:
        """The stones on the board, hashable."""
        return tuple(tuple(row) for row in self.grid)

    def key_after(self, colour: str, point: Point) -> Key:
        """The stones after ``colour`` plays the legal move ``point`` (self is unchanged)."""
        trial = self.copy()
        trial.play(colour, point)
        return trial.key()

    def get(self, point: Point) -> str | None:
        """``'b'``, ``'w'`` or None."""
        return self.grid[point[0]][point[1]]

    def neighbours(self, point: Point) -> list[Point]:
        """Orthogonal neighbours on the board."""
        row, col = point
        result = []
        if row > 0:
            result.append((row - 1, col))
        if row < self.size - 1:
            result.append((row + 1, col))
        if col > 0:
            result.append((row, col - 1))
        if col < self.size - 1:
            result.append((row, col + 1))
        return result

    def group_and_liberties(self, point: Point) -> tuple[set[Point], set[Point]]:
        """The solidly connected group at an occupied point, and its liberties."""
        colour = self.get(point)
        group = {point}
        liberties: set[Point] = set()
        stack = [point]
        while stack:
            for neighbour in self.neighbours(stack.pop()):
                value = self.get(neighbour)
                if value is None:
                    liberties.add(neighbour)
                elif value == colour and neighbour not in group:
                    group.add(neighbour)
                    stack.append(neighbour)
        return group, liberties

    def groups(self) -> list[tuple[str, list[Point]]]:
        """Every group on the board as (colour, points), in board order."""
        seen: set[Point] = set()
        result = []
        for point in sorted_for_reply(self.points()):
            colour = self.get(point)
            if colour is None or point in seen:
                continue
            group, _ = self.group_and_liberties(point)
            seen |= group
            result.append((colour, sorted_for_reply(group)))
        return result

    def illegality(self, colour: str, point: Point) -> str | None:
        """Why ``colour`` may not play at ``point`` (``occupied``, ``ko``, ``suicide``) or None."""
        if self.get(point) is not None:
            return "occupied"
        if point == self.ko_point and colour == self.ko_colour:
            return "ko"
        for neighbour in self.neighbours(point):
            value = self.get(neighbour)
            if value is None:
                return None
            _, liberties = self.group_and_liberties(neighbour)
            if value == colour and liberties != {point}:
                return None  # connects to a group that keeps a liberty
            if value != colour and liberties == {point}:
                return None  # captures
        return "suicide"

    def is_own_eye(self, colour: str, point: Point) -> bool:
        """True if every neighbour of the empty ``point`` is a stone of ``colour``."""
        return all(self.get(n) == colour for n in self.neighbours(point))

    def play(self, colour: str, point: Point | None) -> None:
        """Play a legal move (or pass, None): captures, ko and capture counts are updated."""
        self.ko_point = self.ko_colour = None
        if point is None:
            return
        opponent = "w" if colour == "b" else "b"
        self.grid[point[0]][point[1]] = colour
        captured: set[Point] = set()
        for neighbour in self.neighbours(point):
            if self.get(neighbour) == opponent and neighbour not in captured:
                group, liberties = self.group_and_liberties(neighbour)
                if not liberties:
                    captured |= group
        for row, col in captured:
            self.grid[row][col] = None
        self.captures[colour] += len(captured)
        if len(captured) == 1:
            group, liberties = self.group_and_liberties(point)
            if len(group) == 1 and liberties == captured:
                (self.ko_point,) = captured
                self.ko_colour = opponent

    def stones(self) -> list[Point]:
        """The occupied points, bottom row first."""
        return [p for p in self.points() if self.get(p) is not None]

    def is_empty(self) -> bool:
        """True if there is no stone on the board."""
        return not any(any(row) for row in self.grid)

    def area_score(self) -> int:
        """Black area minus white area, every stone alive (empty regions count for the colour
        that alone borders them)."""
        score = {"b": 0, "w": 0}
        seen: set[Point] = set()
        for point in self.points():
            colour = self.get(point)
            if colour is not None:
                score[colour] += 1
                continue
            if point in seen:
                continue
            region = {point}
            borders: set[str] = set()
            stack = [point]
            while stack:
                for neighbour in self.neighbours(stack.pop()):
                    value = self.get(neighbour)
                    if value is not None:
                        borders.add(value)
                    elif neighbour not in region:
                        region.add(neighbour)
                        stack.append(neighbour)
            seen |= region
            if len(borders) == 1:
                score[borders.pop()] += len(region)
        return score["b"] - score["w"]

    def render(self) -> list[str]:
        """An ASCII diagram, one line per row, with no blank lines."""
        letters = "   " + " ".join(COLUMNS[: self.size])
        lines = [letters]
        symbols = {None: ".", "b": "X", "w": "O"}
        for row in range(self.size - 1, -1, -1):
            cells = " ".join(symbols[self.get((row, col))] for col in range(self.size))
            lines.append(f"{row + 1:2d} {cells} {row + 1:2d}")
        lines.append(letters)
        lines.append(
            f"Black (X) captured {self.captures['b']}, White (O) captured {self.captures['w']}"
        )
        if self.ko_point is not None:
            lines.append(f"Ko: {format_point(self.ko_point)} is forbidden for {self.ko_colour}")
        return lines


def format_score(score: float) -> str:
    """``B+3.5`` / ``W+0.5`` / ``0`` from black's margin."""
    if score == 0:
        return "0"
    return f"{'B' if score > 0 else 'W'}+{abs(score):g}"
