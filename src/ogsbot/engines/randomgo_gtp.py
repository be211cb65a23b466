"""randomgo's GTP side: the command set and its replies, one line at a time (see randomgo_args)."""

from __future__ import annotations

import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from .randomgo_args import GtpError, fixed_handicap_points, parse_colour, parse_int, parse_vertex
from .randomgo_board import (
    Key,
    Point,
    Position,
    format_point,
    format_score,
    sorted_for_reply,
)
from .randomgo_faults import (
    Misbehaviour,
    babble_forever,
    hang_forever,
    leave_an_orphan_and_crash,
)

NAME = "randomgo"
VERSION = "1.0"
MIN_SIZE = 2
MAX_SIZE = 25


class _AlreadyReplied(Exception):
    """The reply was written by a misbehaviour; write nothing more."""


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
