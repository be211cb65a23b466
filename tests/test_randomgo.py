"""engines/randomgo.py, the random GTP engine used by the tests, driven through raw pipes.

Nothing here imports ogsbot: the engine is checked against sgfmill and, where it is installed,
against GNU Go.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sgfmill import boards, common

RANDOMGO = Path(__file__).resolve().parent.parent / "engines" / "randomgo.py"
GNUGO = shutil.which("gnugo") or (
    "/usr/games/gnugo" if os.path.exists("/usr/games/gnugo") else None
)

Point = tuple[int, int]


class Gtp:
    """A randomgo process with a line-level GTP driver (timeouts through select)."""

    def __init__(self, *options: str, stderr: int | object = subprocess.DEVNULL) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(RANDOMGO), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,  # type: ignore[arg-type]
        )
        self.buffer = b""
        self.next_id = 1

    def send(self, text: str | bytes) -> None:
        """Write raw text to the engine's stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def read_reply(self, timeout: float = 5.0) -> bytes | None:
        """The next reply up to and including its blank line; None on timeout; EOFError at EOF."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError(self.buffer)
            self.buffer += chunk
        reply, self.buffer = self.buffer.split(b"\n\n", 1)
        return reply + b"\n\n"

    def ask(self, command: str, timeout: float = 5.0) -> tuple[bool, str]:
        """Send ``<id> command``; check the id echo; return (success, payload)."""
        command_id = self.next_id
        self.next_id += 1
        self.send(f"{command_id} {command}\n")
        reply = self.read_reply(timeout)
        assert reply is not None, f"no reply to {command!r}"
        text = reply.decode()
        head = text[0]
        assert head in "=?", text
        prefix = f"{head}{command_id} "
        assert text.startswith(prefix), f"{text!r} does not start with {prefix!r}"
        return head == "=", text[len(prefix) : -2]

    def ok(self, command: str) -> str:
        """A command that must succeed; its payload."""
        success, payload = self.ask(command)
        assert success, f"{command!r} failed: {payload}"
        return payload

    def fails(self, command: str) -> str:
        """A command that must fail; its message."""
        success, payload = self.ask(command)
        assert not success, f"{command!r} succeeded: {payload!r}"
        return payload

    def close(self) -> None:
        """Kill the process if it still runs and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()


@pytest.fixture
def spawn() -> Iterator[Callable[..., Gtp]]:
    """Start randomgo processes; every one is killed at the end of the test."""
    started: list[Gtp] = []

    def start(*options: str, stderr: int | object = subprocess.DEVNULL) -> Gtp:
        engine = Gtp(*options, stderr=stderr)
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.close()


# --- sgfmill helpers ---------------------------------------------------------------------------


def neighbours(size: int, point: Point) -> list[Point]:
    row, col = point
    candidates = [(row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)]
    return [(r, c) for r, c in candidates if 0 <= r < size and 0 <= c < size]


def is_suicide(board: boards.Board, colour: str, point: Point) -> bool:
    """sgfmill allows self-capture: play on a copy and see whether the stone survived."""
    trial = board.copy()
    trial.play(point[0], point[1], colour)
    return trial.get(point[0], point[1]) is None


def is_own_eye(board: boards.Board, colour: str, point: Point) -> bool:
    return all(board.get(r, c) == colour for r, c in neighbours(board.side, point))


def position_key(board: boards.Board) -> tuple[tuple[str | None, ...], ...]:
    return tuple(tuple(board.get(r, c) for c in range(board.side)) for r in range(board.side))


def repeats(board: boards.Board, colour: str, point: Point, seen: set[object]) -> bool:
    trial = board.copy()
    trial.play(point[0], point[1], colour)
    return position_key(trial) in seen


def vertex(text: str, size: int) -> Point | None:
    point: Point | None = common.move_from_vertex(text, size)
    return point


def stones_from_showboard(payload: str, size: int) -> dict[Point, str]:
    """Parse randomgo's showboard diagram (X black, O white) into {point: colour}."""
    stones = {}
    for line in payload.splitlines():
        parts = line.split()
        if len(parts) == size + 2 and parts[0].isdigit():
            row = int(parts[0]) - 1
            for col, symbol in enumerate(parts[1:-1]):
                if symbol in "XO":
                    stones[(row, col)] = "b" if symbol == "X" else "w"
    return stones


def play_random_game(engine: Gtp, size: int, max_moves: int = 2000) -> tuple[boards.Board, int]:
    """Self-play to two passes; check every move with sgfmill. Returns the board and move count."""
    board = boards.Board(size)
    seen: set[object] = {position_key(board)}
    ko: Point | None = None
    ko_colour: str | None = None
    colour = "b"
    passes = moves = 0
    while passes < 2:
        assert moves < max_moves, "game did not end"
        reply = engine.ok(f"genmove {colour}")
        point = vertex(reply, size)
        if point is None:
            passes += 1
            # a pass only when nothing else is left: every empty point is an own eye,
            # suicide, the forbidden ko point or a repetition of an earlier position
            for r, c in board.board_points:
                if board.get(r, c) is None:
                    p = (r, c)
                    assert (
                        is_own_eye(board, colour, p)
                        or is_suicide(board, colour, p)
                        or (p == ko and colour == ko_colour)
                        or repeats(board, colour, p, seen)
                    ), f"{colour} passed but {common.format_vertex(p)} was playable"
            ko = ko_colour = None
        else:
            passes = 0
            assert board.get(*point) is None, f"{reply} is occupied"
            assert not (point == ko and colour == ko_colour), f"{reply} retakes the ko"
            assert not is_own_eye(board, colour, point), f"{reply} fills an own eye"
            assert not is_suicide(board, colour, point), f"{reply} is suicide"
            assert not repeats(board, colour, point, seen), f"{reply} repeats a position"
            ko = board.play(point[0], point[1], colour)
            ko_colour = "w" if colour == "b" else "b"
            seen.add(position_key(board))
        moves += 1
        colour = "w" if colour == "b" else "b"
    return board, moves


def check_end_of_game(engine: Gtp, board: boards.Board, komi: float) -> None:
    """randomgo's board, final_score and final_status_list agree with sgfmill."""
    size = board.side
    shown = stones_from_showboard(engine.ok("showboard"), size)
    expected = {(r, c): board.get(r, c) for r, c in board.board_points if board.get(r, c)}
    assert shown == expected
    margin = board.area_score() - komi  # sgfmill: area scoring, every stone alive
    score = "0" if margin == 0 else f"{'B' if margin > 0 else 'W'}+{abs(margin):g}"
    assert engine.ok("final_score") == score
    assert engine.ok("final_status_list dead") == ""
    assert engine.ok("final_status_list seki") == ""
    alive = engine.ok("final_status_list alive").split()
    assert sorted(alive) == sorted(common.format_vertex(p) for p in expected)


# --- protocol ----------------------------------------------------------------------------------


def test_handshake_and_exact_framing(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    engine.send("protocol_version\n")
    assert engine.read_reply() == b"= 2\n\n"
    engine.send("1 name\n")
    assert engine.read_reply() == b"=1 randomgo\n\n"
    engine.send("12 boardsize 9\n")
    assert engine.read_reply() == b"=12 \n\n"
    engine.send("13 foo_unknown_cmd\n")
    assert engine.read_reply() == b"?13 unknown command\n\n"
    engine.send("bar\n")
    assert engine.read_reply() == b"? unknown command\n\n"
    # blank lines, comment lines, tabs, CR and control characters
    engine.send(b"\n   \n# a comment\r\n \t14\tna\x01me  # trailing comment\r\n")
    assert engine.read_reply() == b"=14 randomgo\n\n"
    assert engine.ok("version")
    assert engine.ok("known_command play") == "true"
    assert engine.ok("known_command kgs-time_settings") == "true"
    assert engine.ok("known_command foo") == "false"
    commands = set(engine.ok("list_commands").splitlines())
    assert {
        "protocol_version",
        "name",
        "version",
        "known_command",
        "list_commands",
        "quit",
        "boardsize",
        "clear_board",
        "komi",
        "play",
        "genmove",
        "undo",
        "showboard",
        "time_settings",
        "kgs-time_settings",
        "time_left",
        "fixed_handicap",
        "place_free_handicap",
        "set_free_handicap",
        "final_status_list",
        "final_score",
        "kgs-genmove_cleanup",
        "reg_genmove",
    } <= commands
    engine.send("99 quit\n")
    assert engine.read_reply() == b"=99 \n\n"
    assert engine.proc.wait(timeout=5) == 0


def test_exits_at_end_of_input(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    assert engine.proc.stdin is not None
    engine.proc.stdin.close()
    assert engine.proc.wait(timeout=5) == 0


def test_boardsize_and_komi(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    for size in (2, 9, 13, 19, 25):
        engine.ok(f"boardsize {size}")
    engine.ok("boardsize 9 9")
    for bad in ("1", "26", "0", "-3", "abc", "9 13", ""):
        engine.fails(f"boardsize {bad}")
    assert engine.fails("boardsize 42") == "unacceptable size"
    engine.ok("komi 6.5")
    engine.ok("komi -3")
    engine.fails("komi abc")
    engine.fails("komi nan")


def test_play_validation(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    engine.ok("boardsize 8")
    engine.ok("clear_board")
    engine.ok("play B D4")
    engine.ok("play white e5")
    engine.ok("play b PASS")
    engine.ok("play w pass")
    assert engine.fails("play B D4") == "illegal move"  # occupied
    assert engine.fails("play W D4") == "illegal move"
    for bad in ("B I5", "W Z99", "B J1", "B A9", "B A0", "W resign", "X D5", "B", "B D5 E5"):
        engine.fails(f"play {bad}")
    engine.ok("play B H8")  # the corner of an 8x8 board


def test_suicide_refused_and_capture_allowed(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    engine.ok("boardsize 9")
    engine.ok("play B A2")
    engine.ok("play B B1")
    assert engine.fails("play W A1") == "illegal move"  # single-stone suicide
    engine.ok("play W A3")
    engine.ok("play W B2")
    engine.ok("play W C1")
    engine.ok("play W A1")  # captures A2 and B1: not suicide
    stones = stones_from_showboard(engine.ok("showboard"), 9)
    assert (1, 0) not in stones and (0, 1) not in stones
    assert stones[(0, 0)] == "w"
    assert engine.ok("final_status_list dead") == ""
    # a multi-stone suicide
    engine.ok("clear_board")
    for v in ("A3", "B2", "C1"):
        engine.ok(f"play W {v}")
    engine.ok("play B A1")
    engine.ok("play B A2")
    assert engine.fails("play B B1") == "illegal move"  # fills the last liberty of A1-A2


def ko_position(engine: Gtp) -> None:
    """Black has just taken a ko at E5; White's D5 retake is forbidden."""
    engine.ok("boardsize 9")
    engine.ok("clear_board")
    for v in ("D6", "C5", "D4"):
        engine.ok(f"play B {v}")
    for v in ("E6", "D5", "F5", "E4"):
        engine.ok(f"play W {v}")
    engine.ok("play B E5")  # captures D5


def test_ko_refused(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    ko_position(engine)
    assert engine.fails("play W D5") == "illegal move"
    engine.ok("play W A1")  # ko threat
    engine.ok("play B A9")
    engine.ok("play W D5")  # the retake is legal now
    assert engine.fails("play B E5") == "illegal move"
    # a pass also lifts the ban
    engine.ok("play B pass")
    engine.ok("play W pass")
    engine.ok("play B E5")
    # undo restores the ban
    engine.ok("undo")
    engine.ok("undo")
    engine.ok("undo")
    assert engine.fails("play B E5") == "illegal move"


def test_genmove_never_retakes_ko_or_plays_suicide(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "3")
    ko_position(engine)
    for _ in range(60):
        move = engine.ok("genmove W")
        assert move != "D5"
        engine.ok("undo")
    # 3x3, black on the four side points: every white move is suicide, so white passes
    engine.ok("boardsize 3")
    engine.ok("clear_board")
    for v in ("B1", "A2", "B3", "C2"):
        engine.ok(f"play B {v}")
    for _ in range(10):
        assert engine.ok("genmove W").lower() == "pass"


def test_genmove_passes_instead_of_filling_own_eyes(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "1")
    engine.ok("boardsize 3")
    engine.ok("clear_board")
    for v in ("A2", "B2", "C2", "B1", "B3"):
        engine.ok(f"play B {v}")
    # A1, C1, A3, C3 are black single-point eyes; all are suicide for white
    assert engine.ok("genmove B").lower() == "pass"
    assert engine.ok("genmove W").lower() == "pass"


# --- games -------------------------------------------------------------------------------------


def test_random_9x9_game_is_legal(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "42")
    engine.ok("boardsize 9")
    engine.ok("clear_board")
    engine.ok("komi 7.5")
    board, moves = play_random_game(engine, 9)
    assert moves > 40
    check_end_of_game(engine, board, 7.5)
    engine.fails("final_status_list foo")


@pytest.mark.parametrize("size", [2, 3, 5, 13])
def test_random_games_on_other_sizes(spawn: Callable[..., Gtp], size: int) -> None:
    engine = spawn("--seed", str(size))
    engine.ok(f"boardsize {size}")
    engine.ok("clear_board")
    engine.ok("komi 0.5")
    board, _ = play_random_game(engine, size, max_moves=3000)
    check_end_of_game(engine, board, 0.5)


def test_kgs_genmove_cleanup_and_reg_genmove(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "9")
    engine.ok("boardsize 9")
    move = engine.ok("reg_genmove b")
    assert vertex(move, 9) is not None
    assert stones_from_showboard(engine.ok("showboard"), 9) == {}  # reg_genmove does not play
    move = engine.ok("kgs-genmove_cleanup b")
    point = vertex(move, 9)
    assert point is not None
    assert stones_from_showboard(engine.ok("showboard"), 9) == {point: "b"}
    engine.fails("genmove x")
    engine.fails("genmove")


def test_seed_makes_games_reproducible(spawn: Callable[..., Gtp]) -> None:
    def moves(seed: int) -> list[str]:
        engine = spawn("--seed", str(seed))
        engine.ok("boardsize 9")
        engine.ok("clear_board")
        return [engine.ok(f"genmove {'bw'[i % 2]}") for i in range(40)]

    first = moves(5)
    assert moves(5) == first
    assert moves(6) != first


def test_undo(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "1")
    engine.ok("boardsize 9")
    engine.fails("undo")
    engine.ok("play B C3")
    engine.ok("genmove W")
    engine.ok("undo")
    assert stones_from_showboard(engine.ok("showboard"), 9) == {(2, 2): "b"}
    engine.ok("undo")
    assert engine.fails("undo") == "cannot undo"
    engine.ok("play B C3")
    engine.ok("clear_board")
    engine.fails("undo")


def test_final_score_formats(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    engine.ok("boardsize 5")
    engine.ok("komi 0")
    assert engine.ok("final_score") == "0"
    engine.ok("komi 0.5")
    assert engine.ok("final_score") == "W+0.5"
    engine.ok("play B C3")  # black owns all 25 points
    assert engine.ok("final_score") == "B+24.5"
    engine.ok("komi 7")
    assert engine.ok("final_score") == "B+18"
    engine.ok("play W C4")  # nothing is territory now: 1 - 1 - 7
    assert engine.ok("final_score") == "W+7"


# --- handicap ----------------------------------------------------------------------------------

FIXED_19 = {
    2: "Q16 D4",
    3: "D16 Q16 D4",
    4: "D16 Q16 D4 Q4",
    5: "D16 Q16 K10 D4 Q4",
    6: "D16 Q16 D10 Q10 D4 Q4",
    7: "D16 Q16 D10 K10 Q10 D4 Q4",
    8: "D16 K16 Q16 D10 Q10 D4 K4 Q4",
    9: "D16 K16 Q16 D10 K10 Q10 D4 K4 Q4",
}


def test_fixed_handicap_shapes(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    engine.ok("boardsize 19")
    for count, expected in FIXED_19.items():
        engine.ok("clear_board")
        assert engine.ok(f"fixed_handicap {count}") == expected
        shown = stones_from_showboard(engine.ok("showboard"), 19)
        assert sorted(shown) == sorted(common.move_from_vertex(v, 19) for v in expected.split())
        assert set(shown.values()) == {"b"}
    assert engine.fails("fixed_handicap 2") == "board not empty"
    engine.ok("clear_board")
    for bad in ("0", "1", "10", "x", ""):
        engine.fails(f"fixed_handicap {bad}")
    engine.ok("boardsize 9")
    assert engine.ok("fixed_handicap 9") == "C7 E7 G7 C5 E5 G5 C3 E3 G3"
    for size, count, expected in ((7, 4, "C5 E5 C3 E3"), (13, 2, "K10 D4"), (8, 2, "F6 C3")):
        engine.ok(f"boardsize {size}")
        assert engine.ok(f"fixed_handicap {count}") == expected
    engine.ok("boardsize 8")
    engine.fails("fixed_handicap 5")  # even sizes: 4 at most
    engine.ok("boardsize 6")
    engine.fails("fixed_handicap 2")  # too small


@pytest.mark.skipif(GNUGO is None, reason="GNU Go is not installed")
def test_fixed_handicap_matches_gnugo(spawn: Callable[..., Gtp]) -> None:
    script = "".join(
        f"boardsize {size}\nclear_board\nfixed_handicap {count}\n"
        for size in range(5, 20)
        for count in range(0, 11)
    )
    assert GNUGO is not None
    gnugo = subprocess.run(
        [GNUGO, "--mode", "gtp", "--level", "0"],
        input=script + "quit\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    engine = spawn()
    engine.send(script + "quit\n")
    ours = b""
    while True:
        try:
            reply = engine.read_reply()
        except EOFError:
            break
        assert reply is not None
        ours += reply
    # both answer '?' for the same requests; the stones match where both succeed
    assert ours.decode() == gnugo.stdout


def test_free_handicap(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "2")
    engine.ok("boardsize 19")
    assert engine.ok("place_free_handicap 3") == "D16 Q16 D4"
    assert engine.fails("place_free_handicap 2") == "board not empty"
    engine.ok("boardsize 9")
    stones = engine.ok("place_free_handicap 12").split()
    assert len(set(stones)) == 12
    assert all(vertex(v, 9) is not None for v in stones)
    assert len(stones_from_showboard(engine.ok("showboard"), 9)) == 12
    assert vertex(engine.ok("genmove w"), 9) is not None
    engine.ok("boardsize 3")
    assert len(engine.ok("place_free_handicap 8").split()) == 8
    engine.ok("clear_board")
    engine.fails("place_free_handicap 9")
    engine.fails("place_free_handicap 1")
    engine.ok("boardsize 19")
    assert engine.ok("set_free_handicap D4 Q16 K10") == ""
    assert sorted(stones_from_showboard(engine.ok("showboard"), 19)) == [(3, 3), (9, 9), (15, 15)]
    engine.fails("set_free_handicap C3 D3")  # not empty
    engine.ok("clear_board")
    for bad in ("D4", "D4 D4", "D4 Z99", "D4 pass", "D4 I5", ""):
        engine.fails(f"set_free_handicap {bad}")
    assert engine.ok("showboard")  # still usable
    engine.ok("set_free_handicap D4 Q16")


# --- time --------------------------------------------------------------------------------------


def test_time_commands(spawn: Callable[..., Gtp]) -> None:
    engine = spawn()
    for good in (
        "time_settings 300 10 1",
        "time_settings 0 0 0",
        "time_settings 600 0 0",
        "kgs-time_settings none",
        "kgs-time_settings absolute 300",
        "kgs-time_settings byoyomi 300 30 5",
        "kgs-time_settings canadian 300 30 25",
        "kgs-time_settings Canadian 0 600 25",
        "time_left W 120 0",
        "time_left black 0 5",
        "time_left b -1 0",
    ):
        engine.ok(good)
    for bad in (
        "time_settings 300 10",
        "time_settings a 10 1",
        "time_settings -1 10 1",
        "time_settings 1.5 10 1",
        "kgs-time_settings",
        "kgs-time_settings fischer 300 10",
        "kgs-time_settings none 5",
        "kgs-time_settings absolute",
        "kgs-time_settings byoyomi 300 30",
        "kgs-time_settings canadian 300 30 x",
        "time_left x 10 0",
        "time_left w 10",
        "time_left w ten 0",
    ):
        engine.fails(bad)


# --- fault injection ---------------------------------------------------------------------------


def test_crash_at(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "1", "--misbehave", "crash-at=2", stderr=subprocess.PIPE)
    engine.ok("boardsize 9")
    engine.ok("genmove b")
    engine.send("7 genmove w\n")
    with pytest.raises(EOFError):
        engine.read_reply()
    assert engine.proc.wait(timeout=5) == 3
    assert engine.proc.stderr is not None
    assert b"crash" in engine.proc.stderr.read()


def test_hang_at(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--misbehave", "hang-at=1")
    engine.ok("boardsize 9")
    engine.send("genmove b\n")
    assert engine.read_reply(timeout=0.4) is None
    engine.send("name\n")
    assert engine.read_reply(timeout=0.1) is None
    assert engine.proc.poll() is None


def test_illegal_at(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "1", "--misbehave", "illegal-at=1", "--misbehave", "illegal-at=3")
    engine.ok("boardsize 9")
    off_board = engine.ok("genmove b")  # empty board: off the board
    with pytest.raises(ValueError):
        common.move_from_vertex(off_board, 9)
    first = engine.ok("genmove b")
    assert vertex(first, 9) is not None
    assert engine.ok("genmove w") == first  # the only occupied point
    assert len(stones_from_showboard(engine.ok("showboard"), 9)) == 1  # nothing was played
    assert vertex(engine.ok("genmove w"), 9) != vertex(first, 9)


def test_garbage_at_then_normal(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--seed", "1", "--misbehave", "garbage-at=1", "--misbehave", "crash-at=3")
    engine.ok("boardsize 9")
    engine.send("5 genmove b\n")
    reply = engine.read_reply()
    assert reply is not None
    assert reply[:1] not in b"=?"
    assert reply == b"this is not gtp\n\n"
    assert engine.ok("name") == "randomgo"
    assert vertex(engine.ok("genmove b"), 9) is not None
    engine.send("genmove w\n")
    with pytest.raises(EOFError):
        engine.read_reply()
    assert engine.proc.wait(timeout=5) == 3


def test_refuse_lists_the_command_but_refuses_it(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--refuse", "kgs-time_settings", "--refuse", "time_left")
    assert "kgs-time_settings" in engine.ok("list_commands").split()
    assert engine.ok("known_command kgs-time_settings") == "true"
    assert engine.fails("kgs-time_settings byoyomi 60 10 3") == "refused on purpose"
    assert engine.fails("time_left b 10 0") == "refused on purpose"
    engine.ok("time_settings 60 10 3")


def test_bad_options_are_rejected() -> None:
    for options in (
        ["--misbehave", "explode-at=1"],
        ["--misbehave", "crash-at=0"],
        ["--delay", "-1"],
    ):
        result = subprocess.run(
            [sys.executable, str(RANDOMGO), *options],
            input="",
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert result.returncode == 2, options
        assert "usage" in result.stderr


def test_delay(spawn: Callable[..., Gtp]) -> None:
    engine = spawn("--delay", "0.3")
    engine.ok("boardsize 9")
    engine.ok("name")
    start = time.monotonic()
    engine.ok("genmove b")
    assert time.monotonic() - start >= 0.3


def test_stderr_chatter(spawn: Callable[..., Gtp], tmp_path: Path) -> None:
    with open(tmp_path / "stderr.txt", "wb") as err:
        engine = spawn("--seed", "1", "--stderr-chatter", stderr=err)
        engine.ok("boardsize 9")
        moves = [engine.ok("genmove b"), engine.ok("genmove w")]
        engine.ok("quit")
        engine.proc.wait(timeout=5)
    lines = (tmp_path / "stderr.txt").read_text().splitlines()
    chats = [line for line in lines if line.startswith("CHAT:Visits ")]
    assert [line.split(" PV ")[1] for line in chats] == moves
    assert len(lines) > len(chats)


def test_stderr_flood_blocks_until_drained(spawn: Callable[..., Gtp]) -> None:
    kib = 1024  # far more than a pipe buffer (64 KiB on Linux)
    engine = spawn("--stderr-flood", str(kib), stderr=subprocess.PIPE)
    engine.send("1 name\n")
    assert engine.read_reply(timeout=0.4) is None  # blocked writing stderr
    assert engine.proc.stderr is not None
    stderr = engine.proc.stderr
    drained: list[int] = []
    drainer = threading.Thread(target=lambda: drained.append(len(stderr.read())), daemon=True)
    drainer.start()
    assert engine.read_reply() == b"=1 randomgo\n\n"
    engine.ok("quit")
    drainer.join(timeout=5)
    assert drained == [kib * 1024]


def test_log_records_commands(spawn: Callable[..., Gtp], tmp_path: Path) -> None:
    log = tmp_path / "commands.log"
    engine = spawn("--log", str(log))
    engine.ok("boardsize 9")
    engine.send("# comment only\n\n")
    engine.ok("kgs-time_settings byoyomi 300 30 5")
    engine.ok("quit")
    engine.proc.wait(timeout=5)
    assert log.read_text().splitlines() == [
        "1 boardsize 9",
        "2 kgs-time_settings byoyomi 300 30 5",
        "3 quit",
    ]
