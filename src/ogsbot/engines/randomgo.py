#!/usr/bin/env python3
"""randomgo: a tiny GTP 2 engine that plays uniformly random legal moves.

It exists for tests and demonstrations: it starts in about 0.1 s, plays in milliseconds,
is deterministic with ``--seed`` and can misbehave on purpose (crash, hang, illegal move, garbage
reply, slow replies, stderr noise) so that a GTP client's error handling can be exercised.

Run it as ``python -m ogsbot.engines.randomgo [options]`` where ogsbot is installed (it ships in
the package, so a wheel or the Docker image has it), or as ``python3 engines/randomgo.py`` in a
checkout. It needs nothing but the standard library (Python 3.11+) and imports nothing from
ogsbot.

Rules: simple ko, no suicide, area scoring with komi, every stone counted alive. genmove picks a
uniformly random legal move among those that do not fill one of the mover's own single-point
eyes and do not repeat an earlier whole-board position (without that, capture cycles can make a
random game endless), and passes when there is none.

Options (see ``--help``):

``--seed N``
    seed of the ``random.Random`` behind genmove and place_free_handicap (default: random).
``--misbehave KIND-at=N``
    KIND is ``crash``, ``hang``, ``illegal`` or ``garbage``; N counts move-generating commands
    (genmove, kgs-genmove_cleanup, reg_genmove) from 1. May be given several times.

    - crash: write a line to stderr and exit with status 3 without replying.
    - hang: never reply, read nothing more, sleep until killed.
    - illegal: reply ``=`` with an occupied point, or an off-board point (``A<size+1>``) when the
      board is empty; the board is not changed.
    - babble: reply ``=`` followed by lines without end (until the reader goes away).
    - orphan: start a child that holds stdout and stderr open (its command line ends with
      ``randomgo-orphan``), then exit without replying.
    - garbage: reply ``this is not gtp`` (followed by the usual blank line) instead of a GTP
      response; no move is played; later commands are answered normally.
``--refuse COMMAND``
    list COMMAND but answer every use of it with ``? refused on purpose``, as an engine does
    that lists a command it cannot take (say, a time system it does not support). Repeatable.
``--delay SECONDS``
    sleep before each move-generating reply.
``--stderr-chatter``
    write KataGo-like lines (``CHAT:Visits ...``) to stderr on each move-generating command.
``--stderr-flood N``
    write N KiB to stderr at startup, before reading any command.
``--log FILE``
    append every command received (after preprocessing) to FILE, one per line.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NoReturn, TextIO

NAME = "randomgo"
VERSION = "1.0"
MIN_SIZE = 2
MAX_SIZE = 25
COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # GTP columns: no I

Point = tuple[int, int]
"""A point as sgfmill has it: (row, col); row 0 is the bottom line (GTP row 1), col 0 is A."""

Key = tuple[tuple[str | None, ...], ...]
"""A whole-board position (the stones only), for repetition checks."""

MISBEHAVIOURS = ("crash", "hang", "illegal", "garbage", "babble", "orphan")


class GtpError(Exception):
    """A command failed: the message becomes the ``?`` reply."""


@dataclass(frozen=True)
class Misbehaviour:
    """One injected fault: ``kind`` happens at the ``at``-th move-generating command."""

    kind: str
    at: int


def parse_misbehaviour(text: str) -> Misbehaviour:
    """Parse ``KIND-at=N`` (argparse type function)."""
    match = re.fullmatch(r"([a-z]+)-at=(\d+)", text.strip())
    if match is None or match.group(1) not in MISBEHAVIOURS or int(match.group(2)) < 1:
        raise argparse.ArgumentTypeError(
            f"expected KIND-at=N with KIND in {', '.join(MISBEHAVIOURS)} and N >= 1, got {text!r}"
        )
    return Misbehaviour(match.group(1), int(match.group(2)))


def format_point(point: Point | None) -> str:
    """GTP vertex of a point; ``pass`` for None."""
    if point is None:
        return "pass"
    row, col = point
    return f"{COLUMNS[col]}{row + 1}"


def parse_vertex(text: str, size: int) -> Point | None:
    """A GTP vertex (any case) on a board of this size; None for pass; else GtpError."""
    match = re.fullmatch(r"([A-HJ-Za-hj-z])(\d{1,2})", text)
    if match is None:
        if text.lower() == "pass":
            return None
        raise GtpError("invalid color or coordinate")
    col = COLUMNS.index(match.group(1).upper())
    row = int(match.group(2)) - 1
    if not (0 <= row < size and col < size):
        raise GtpError("invalid color or coordinate")
    return (row, col)


def parse_colour(text: str) -> str:
    """``b``/``black``/``w``/``white`` (any case) -> ``'b'`` or ``'w'``."""
    lowered = text.lower()
    if lowered in ("b", "black"):
        return "b"
    if lowered in ("w", "white"):
        return "w"
    raise GtpError("invalid color")


def parse_int(text: str, message: str, minimum: int = 0) -> int:
    """A decimal integer >= minimum, else GtpError(message)."""
    if not re.fullmatch(r"[+-]?\d+", text):
        raise GtpError(message)
    value = int(text)
    if value < minimum:
        raise GtpError(message)
    return value


def fixed_handicap_points(size: int, count: int) -> list[Point]:
    """The standard handicap points GNU Go uses, or GtpError("invalid handicap").

    Boards from 7x7; 2..4 stones on 7x7 and even sizes, 2..9 on odd sizes from 9x9. The stones go
    on the third line up to 11x11 and on the fourth line from 12x12.
    """
    if size < 7 or count < 2:
        raise GtpError("invalid handicap")
    maximum = 9 if size % 2 == 1 and size >= 9 else 4
    if count > maximum:
        raise GtpError("invalid handicap")
    low = 3 if size >= 12 else 2
    high = size - 1 - low
    mid = size // 2
    lower_left, upper_right = (low, low), (high, high)
    upper_left, lower_right = (high, low), (low, high)
    centre = (mid, mid)
    left, right = (mid, low), (mid, high)
    top, bottom = (high, mid), (low, mid)
    points = [lower_left, upper_right]
    if count >= 3:
        points.append(upper_left)
    if count >= 4:
        points.append(lower_right)
    if count in (6, 7, 8, 9):
        points += [left, right]
    if count in (8, 9):
        points += [top, bottom]
    if count in (5, 7, 9):
        points.append(centre)
    return points


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


@dataclass
class TimeSettings:
    """The last time settings received (kept only to show that they were understood)."""

    system: str = "none"
    main_time: int = 0
    period_time: int = 0
    stones_or_periods: int = 0


class Engine:
    """The GTP state machine: one ``handle`` call per command line."""

    def __init__(
        self,
        rng: random.Random,
        misbehaviours: Iterable[Misbehaviour] = (),
        delay: float = 0.0,
        chatter: bool = False,
        refuse: Iterable[str] = (),
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        self.rng = rng
        self.misbehaviours = {m.at: m.kind for m in misbehaviours}
        self.delay = delay
        self.chatter = chatter
        self.refuse = frozenset(refuse)
        self.out = out
        self.err = err
        self.position = Position.empty(19)
        # undo stack: the position before each play/genmove, and the position key it added
        self.history: list[tuple[Position, Key | None]] = []
        # how often each position occurred since clear_board (genmove never repeats one)
        self.seen: Counter[Key] = Counter()
        self.reset_history()
        self.komi = 0.0
        self.time_settings = TimeSettings()
        self.time_left: dict[str, tuple[int, int]] = {}
        self.genmove_count = 0
        self.finished = False
        self.commands: dict[str, Callable[[list[str]], str]] = {
            "protocol_version": lambda args: "2",
            "name": lambda args: NAME,
            "version": lambda args: VERSION,
            "known_command": self.cmd_known_command,
            "list_commands": lambda args: "\n".join(self.commands),
            "quit": self.cmd_quit,
            "boardsize": self.cmd_boardsize,
            "clear_board": self.cmd_clear_board,
            "komi": self.cmd_komi,
            "play": self.cmd_play,
            "genmove": self.cmd_genmove,
            "kgs-genmove_cleanup": self.cmd_genmove,
            "reg_genmove": self.cmd_reg_genmove,
            "undo": self.cmd_undo,
            "showboard": lambda args: "\n" + "\n".join(self.position.render()),
            "time_settings": self.cmd_time_settings,
            "kgs-time_settings": self.cmd_kgs_time_settings,
            "time_left": self.cmd_time_left,
            "fixed_handicap": self.cmd_fixed_handicap,
            "place_free_handicap": self.cmd_place_free_handicap,
            "set_free_handicap": self.cmd_set_free_handicap,
            "final_status_list": self.cmd_final_status_list,
            "final_score": self.cmd_final_score,
        }

    # --- the protocol -------------------------------------------------------------------------

    @staticmethod
    def preprocess(raw: str) -> str:
        """GTP preprocessing: drop control characters but tab/newline, tabs to spaces, comments."""
        text = raw.split("#", 1)[0]
        text = "".join(
            " " if ch == "\t" else ch for ch in text if ch == "\t" or ch == "\n" or ord(ch) >= 32
        )
        return text.replace("\x7f", "").strip()

    def handle(self, raw: str) -> None:
        """Process one input line; write the reply (if any) and flush."""
        line = self.preprocess(raw)
        if not line:
            return
        words = line.split()
        command_id = ""
        if words[0].isdigit():
            command_id = words.pop(0)
            if not words:
                self.reply(False, command_id, "syntax error")
                return
        name, args = words[0], words[1:]
        handler = self.commands.get(name)
        if handler is None:
            self.reply(False, command_id, "unknown command")
            return
        if name in self.refuse:
            self.reply(False, command_id, "refused on purpose")
            return
        try:
            payload = handler(args)
        except GtpError as error:
            self.reply(False, command_id, str(error))
            return
        except _AlreadyReplied:
            return
        self.reply(True, command_id, payload)

    def reply(self, success: bool, command_id: str, payload: str) -> None:
        """Write ``=id payload`` or ``?id message`` and the terminating blank line, then flush."""
        self.out.write(f"{'=' if success else '?'}{command_id} {payload}\n\n")
        self.out.flush()

    def chat(self, text: str) -> None:
        """One line to stderr."""
        self.err.write(text + "\n")
        self.err.flush()

    # --- commands -----------------------------------------------------------------------------

    def cmd_known_command(self, args: list[str]) -> str:
        """``true`` if the command is implemented."""
        if len(args) != 1:
            raise GtpError("syntax error")
        return "true" if args[0] in self.commands else "false"

    def cmd_quit(self, args: list[str]) -> str:
        """Reply, then stop reading."""
        self.finished = True
        return ""

    def cmd_boardsize(self, args: list[str]) -> str:
        """New empty board of size 2..25 (``boardsize N`` or ``boardsize N N``)."""
        if not 1 <= len(args) <= 2:
            raise GtpError("boardsize not an integer")
        sizes = [parse_int(a, "boardsize not an integer", minimum=-(10**9)) for a in args]
        size = sizes[0]
        if not MIN_SIZE <= size <= MAX_SIZE or any(s != size for s in sizes):
            raise GtpError("unacceptable size")
        self.position = Position.empty(size)
        self.reset_history()
        return ""

    def cmd_clear_board(self, args: list[str]) -> str:
        """Empty the board, forget captures and history."""
        self.position = Position.empty(self.position.size)
        self.reset_history()
        return ""

    def cmd_komi(self, args: list[str]) -> str:
        """Set komi (a finite float)."""
        if len(args) != 1:
            raise GtpError("komi not a float")
        try:
            komi = float(args[0])
        except ValueError:
            raise GtpError("komi not a float") from None
        if not math.isfinite(komi):
            raise GtpError("komi not a float")
        self.komi = komi
        return ""

    def parse_vertex(self, text: str) -> Point | None:
        """A GTP vertex on this board (None for pass); GtpError otherwise (resign included)."""
        return parse_vertex(text, self.position.size)

    def cmd_play(self, args: list[str]) -> str:
        """Play a legal move or a pass."""
        if len(args) != 2:
            raise GtpError("invalid color or coordinate")
        try:
            colour = parse_colour(args[0])
        except GtpError:
            raise GtpError("invalid color or coordinate") from None
        point = self.parse_vertex(args[1])
        if point is not None and self.position.illegality(colour, point) is not None:
            raise GtpError("illegal move")
        self.record_and_play(colour, point)
        return ""

    def reset_history(self) -> None:
        """Forget undo and repetition history; the current position is the first one."""
        self.history.clear()
        self.seen = Counter([self.position.key()])

    def record_and_play(self, colour: str, point: Point | None) -> None:
        """Play a legal move, keeping what undo and the repetition check need."""
        before = self.position.copy()
        self.position.play(colour, point)
        added = None if point is None else self.position.key()
        if added is not None:
            self.seen[added] += 1
        self.history.append((before, added))

    def choose_move(self, colour: str) -> Point | None:
        """A uniformly random legal move that does not fill an own eye; None to pass.

        Moves that would repeat an earlier whole-board position are skipped too (positional
        superko), otherwise long capture cycles could make a random game last forever.
        """
        position = self.position
        empty = [p for p in position.points() if position.get(p) is None]
        self.rng.shuffle(empty)
        for point in empty:
            if position.is_own_eye(colour, point):
                continue
            if position.illegality(colour, point) is not None:
                continue
            if self.seen[position.key_after(colour, point)] > 0:
                continue
            return point
        return None

    def misbehave(self) -> str | None:
        """Apply the fault planned for this move-generating command, if any.

        Returns the vertex to reply for ``illegal``, ``""`` when the reply was already written
        (garbage), or None when no fault is planned.
        """
        kind = self.misbehaviours.get(self.genmove_count)
        if kind is None:
            return None
        if kind == "crash":
            self.chat(f"randomgo: crashing on purpose at genmove {self.genmove_count}")
            sys.exit(3)
        if kind == "hang":
            hang_forever()
        if kind == "garbage":
            self.out.write("this is not gtp\n\n")
            self.out.flush()
            return ""
        if kind == "babble":
            babble_forever(self.out)
        if kind == "orphan":
            leave_an_orphan_and_crash()
        # illegal
        occupied = self.position.stones()
        if occupied:
            return format_point(occupied[0])
        return f"A{self.position.size + 1}"

    def generate(self, colour_text: list[str], play: bool) -> str | None:
        """Shared body of genmove, kgs-genmove_cleanup and reg_genmove.

        Returns the vertex, or None when the reply was already written (garbage).
        """
        if len(colour_text) != 1:
            raise GtpError("invalid color")
        colour = parse_colour(colour_text[0])
        self.genmove_count += 1
        if self.chatter:
            self.chat(f"randomgo: genmove {colour} #{self.genmove_count}")
        if self.delay > 0:
            time.sleep(self.delay)
        faulty = self.misbehave()
        if faulty == "":
            return None
        if faulty is not None:
            return faulty
        point = self.choose_move(colour)
        if self.chatter:
            winrate = 100 * self.rng.random()
            self.chat(
                f"CHAT:Visits 1 Winrate {winrate:.2f}% ScoreLead 0.0 ScoreStdev 0.0 "
                f"PV {format_point(point)}"
            )
        if play:
            self.record_and_play(colour, point)
        return format_point(point)

    def cmd_genmove(self, args: list[str]) -> str:
        """Generate and play a move (also kgs-genmove_cleanup)."""
        vertex = self.generate(args, play=True)
        if vertex is None:
            raise _AlreadyReplied
        return vertex

    def cmd_reg_genmove(self, args: list[str]) -> str:
        """Generate a move without playing it."""
        vertex = self.generate(args, play=False)
        if vertex is None:
            raise _AlreadyReplied
        return vertex

    def cmd_undo(self, args: list[str]) -> str:
        """Take back the last play/genmove."""
        if not self.history:
            raise GtpError("cannot undo")
        self.position, added = self.history.pop()
        if added is not None:
            self.seen[added] -= 1
        return ""

    def cmd_time_settings(self, args: list[str]) -> str:
        """``time_settings main_time byo_yomi_time byo_yomi_stones`` (non-negative integers)."""
        if len(args) != 3:
            raise GtpError("not three integers")
        main, period, stones = (parse_int(a, "not three integers") for a in args)
        system = "canadian"
        if period == 0 and stones == 0:
            system = "absolute" if main > 0 else "none"
        self.time_settings = TimeSettings(system, main, period, stones)
        return ""

    def cmd_kgs_time_settings(self, args: list[str]) -> str:
        """``kgs-time_settings none|absolute M|byoyomi M P N|canadian M P S``."""
        if not args:
            raise GtpError("syntax error")
        system, values = args[0].lower(), args[1:]
        arity = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if system not in arity:
            raise GtpError("unknown time system")
        if len(values) != arity[system]:
            raise GtpError(f"{system} needs {arity[system]} integer arguments")
        numbers = [parse_int(v, "time values must be non-negative integers") for v in values]
        numbers += [0] * (3 - len(numbers))
        self.time_settings = TimeSettings(system, *numbers)
        return ""

    def cmd_time_left(self, args: list[str]) -> str:
        """``time_left colour time stones``."""
        if len(args) != 3:
            raise GtpError("syntax error")
        colour = parse_colour(args[0])
        seconds = parse_int(args[1], "time and stones not two integers", minimum=-(10**9))
        stones = parse_int(args[2], "time and stones not two integers")
        self.time_left[colour] = (seconds, stones)
        return ""

    def place_handicap(self, points: list[Point]) -> str:
        """Put black stones on an empty board; reply with their vertices."""
        for row, col in points:
            self.position.grid[row][col] = "b"
        self.position.ko_point = self.position.ko_colour = None
        self.reset_history()
        return " ".join(format_point(p) for p in sorted_for_reply(points))

    def cmd_fixed_handicap(self, args: list[str]) -> str:
        """Standard handicap stones (see fixed_handicap_points)."""
        if len(args) != 1:
            raise GtpError("handicap not an integer")
        count = parse_int(args[0], "handicap not an integer", minimum=-(10**9))
        if not self.position.is_empty():
            raise GtpError("board not empty")
        return self.place_handicap(fixed_handicap_points(self.position.size, count))

    def cmd_place_free_handicap(self, args: list[str]) -> str:
        """The fixed points when there are enough of them, then random points."""
        if len(args) != 1:
            raise GtpError("handicap not an integer")
        count = parse_int(args[0], "handicap not an integer", minimum=-(10**9))
        size = self.position.size
        if not self.position.is_empty():
            raise GtpError("board not empty")
        if not 2 <= count < size * size:
            raise GtpError("invalid handicap")
        points: list[Point] = []
        for fixed in range(min(count, 9), 1, -1):
            try:
                points = fixed_handicap_points(size, fixed)
                break
            except GtpError:
                continue
        rest = [p for p in self.position.points() if p not in points]
        points += self.rng.sample(rest, count - len(points))
        return self.place_handicap(points)

    def cmd_set_free_handicap(self, args: list[str]) -> str:
        """Black stones at the given vertices (at least 2, distinct, not pass)."""
        size = self.position.size
        if not self.position.is_empty():
            raise GtpError("board not empty")
        if not 2 <= len(args) < size * size:
            raise GtpError("invalid handicap")
        points: list[Point] = []
        for text in args:
            point = self.parse_vertex(text)
            if point is None:
                raise GtpError("invalid coordinate")
            if point in points:
                raise GtpError("repeated vertex")
            points.append(point)
        self.place_handicap(points)
        return ""

    def cmd_final_status_list(self, args: list[str]) -> str:
        """Every stone is alive: ``alive`` lists all groups (one per line), the others nothing."""
        if len(args) != 1:
            raise GtpError("invalid status")
        status = args[0].lower()
        if status not in ("alive", "dead", "seki"):
            raise GtpError("invalid status")
        if status != "alive":
            return ""
        return "\n".join(
            " ".join(format_point(p) for p in group) for _, group in self.position.groups()
        )

    def cmd_final_score(self, args: list[str]) -> str:
        """Area score with komi, every stone alive: ``B+3.5``, ``W+0.5`` or ``0``."""
        return format_score(self.position.area_score() - self.komi)


def babble_forever(out: TextIO) -> NoReturn:
    """An endless multi-line reply: lines until the reader goes away."""
    try:
        out.write("= ")
        while True:
            out.write("babble " * 16 + "\n")
    except (BrokenPipeError, OSError):
        os._exit(4)


def leave_an_orphan_and_crash() -> NoReturn:
    """Start a child that keeps this engine's stdout and stderr open, then exit: the
    bridge must see the crash though its pipe stays open, and end the child too."""
    subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(3600)", "randomgo-orphan"],
        stdin=subprocess.DEVNULL,
    )
    os._exit(3)


class _AlreadyReplied(Exception):
    """The reply was written by a misbehaviour; write nothing more."""


def format_score(score: float) -> str:
    """``B+3.5`` / ``W+0.5`` / ``0`` from black's margin."""
    if score == 0:
        return "0"
    return f"{'B' if score > 0 else 'W'}+{abs(score):g}"


def hang_forever() -> NoReturn:
    """Never reply and never read again; only a signal ends this."""
    while True:
        time.sleep(3600)


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="randomgo",
        description="A GTP 2 engine that plays random legal moves, with fault injection for tests.",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--misbehave",
        type=parse_misbehaviour,
        action="append",
        default=[],
        metavar="KIND-at=N",
        help="crash|hang|illegal|garbage at the N-th genmove (1-based); repeatable",
    )
    parser.add_argument(
        "--refuse",
        action="append",
        default=[],
        metavar="COMMAND",
        help="list COMMAND but refuse every use of it; repeatable",
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="sleep before each genmove reply",
    )
    parser.add_argument(
        "--stderr-chatter",
        action="store_true",
        help="write KataGo-like lines to stderr per genmove",
    )
    parser.add_argument(
        "--stderr-flood", type=int, default=0, metavar="N", help="write N KiB to stderr at startup"
    )
    parser.add_argument("--log", metavar="FILE", help="append every received command to FILE")
    return parser


def flood_stderr(kib: int) -> None:
    """Write ``kib`` KiB of 64-byte lines to stderr (blocks if nobody reads the pipe)."""
    line = "randomgo: stderr flood " + "." * 40 + "\n"  # 64 bytes
    for _ in range(kib * 16):
        sys.stderr.write(line)
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Read GTP commands from stdin until ``quit`` or end of input."""
    options = build_parser().parse_args(argv)
    if options.delay < 0 or options.stderr_flood < 0:
        build_parser().error("--delay and --stderr-flood must not be negative")
    if options.stderr_flood:
        flood_stderr(options.stderr_flood)
    engine = Engine(
        random.Random(options.seed),
        misbehaviours=options.misbehave,
        delay=options.delay,
        chatter=options.stderr_chatter,
        refuse=options.refuse,
    )
    log = open(options.log, "a", encoding="utf-8") if options.log else None  # noqa: SIM115
    try:
        for raw in sys.stdin.buffer:
            text = raw.decode("utf-8", errors="replace")
            if log is not None:
                command = Engine.preprocess(text)
                if command:
                    log.write(command + "\n")
                    log.flush()
            engine.handle(text)
            if engine.finished:
                break
    except BrokenPipeError:
        # the client went away: exit quietly (no "Exception ignored" at interpreter shutdown)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if log is not None:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
