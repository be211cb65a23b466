"""Shared helpers for tests that drive real engines."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from loguru import logger
from sgfmill import boards

from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.coords import RESIGN, GtpMove, Point, xy_to_gtp, xy_to_sgf

ROOT = Path(__file__).resolve().parent.parent
RANDOMGO = ROOT / "engines" / "randomgo.py"


async def until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Wait until `predicate()` holds, polling; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def gnugo_path() -> str:
    """GNU Go's binary; Debian puts it in /usr/games, which root's PATH lacks."""
    found = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    assert found, "GNU Go is not installed: run scripts/test, which installs Debian's gnugo"
    return found


def gnugo_argv(seed: int = 1, level: int = 1) -> list[str]:
    return [gnugo_path(), "--mode", "gtp", "--level", str(level), "--seed", str(seed)]


def randomgo_argv(seed: int = 1, *extra: str) -> list[str]:
    return [sys.executable, str(RANDOMGO), "--seed", str(seed), *extra]


class Referee:
    """A square board checked with sgfmill: occupied points, suicide and simple ko."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.board = boards.Board(size)
        self.ko: tuple[int, int] | None = None

    def legal(self, color: str, point: Point) -> bool:
        """Whether `color` may play at `point`, tried on a copy of the board."""
        rowcol = xy_to_sgf(point, self.size)
        assert rowcol is not None
        if self.board.get(*rowcol) is not None or rowcol == self.ko:
            return False
        trial = self.board.copy()
        trial.play(*rowcol, color.lower()[0])
        return trial.get(*rowcol) is not None

    def play(self, color: str, move: Point | None) -> None:
        if move is None:
            self.ko = None
            return
        assert self.legal(color, move), f"{color} {xy_to_gtp(move, self.size)} is illegal"
        rowcol = xy_to_sgf(move, self.size)
        assert rowcol is not None
        self.ko = self.board.play(*rowcol, color.lower()[0])


async def play_game(
    black: GTPEngine, white: GTPEngine, size: int = 9, max_moves: int = 400
) -> list[GtpMove]:
    """A whole game between two engines, every move checked legal; ends at two passes."""
    referee = Referee(size)
    for engine in (black, white):
        await engine.batch([f"boardsize {size}", "clear_board", "komi 7"])
    moves: list[GtpMove] = []
    players = {"B": black, "W": white}
    color = "B"
    while len(moves) < max_moves:
        engine = players[color]
        move = await engine.genmove(color, width=size, legal=lambda p, c=color: referee.legal(c, p))
        moves.append(move)
        if move is RESIGN:
            break
        referee.play(color, move)
        other = players["W" if color == "B" else "B"]
        await other.send(f"play {color} {xy_to_gtp(move, size)}")
        if len(moves) >= 2 and moves[-1] is None and moves[-2] is None:
            break
        color = "W" if color == "B" else "B"
    return moves


@contextlib.contextmanager
def logged(level: str, form: Callable[[Any], Any] = str) -> Iterator[list[Any]]:
    """What ogsbot logs at `level` and above while the block runs, each line as `form`
    makes it of loguru's message (the whole line by default)."""
    seen: list[Any] = []
    logger.enable("ogsbot")
    sink = logger.add(lambda message: seen.append(form(message)), level=level)
    try:
        yield seen
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")


class Raw:
    """A bare-bones OGS realtime client: frames in, frames out, nothing else."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 1

    async def send(self, command: str, data: Any = None, *, ident: bool = False) -> int | None:
        frame: list[Any] = [command] if data is None else [command, data]  # goban's forms
        number = None
        if ident:
            number = self.next_id
            self.next_id += 1
            frame = [command, data, number]
        await self.ws.send_str(json.dumps(frame))
        return number

    async def recv(self, timeout: float = 5.0) -> list[Any]:
        message = await asyncio.wait_for(self.ws.receive(), timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        frame: list[Any] = json.loads(message.data)
        return frame

    async def until(self, name: str | int, timeout: float = 5.0) -> list[Any]:
        """Frames until one whose head is `name`; returns that one."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            if frame[0] == name:
                return frame

    async def request(self, command: str, data: Any = None) -> list[Any]:
        number = await self.send(command, data, ident=True)
        assert number is not None
        return await self.until(number)


def analysis_query(**fields: Any) -> dict[str, Any]:
    """A KataGo analysis query on 9x9 after B D4, W E5, with `fields` over it."""
    return {
        "moves": [["B", "D4"], ["W", "E5"]],
        "rules": "chinese",
        "komi": 7.5,
        "boardXSize": 9,
        "boardYSize": 9,
        **fields,
    }
