"""Replay a 300-move 19x19 game into GNU Go, one command at a time and pipelined.

Prints the median time of each way over several runs and their ratio. The game is made
fresh and deterministic by randomgo playing itself (seed 1), so no file is needed.

    .venv/bin/python benchmarks/gtp_replay.py [--runs 9] [--moves 300] [--engine gnugo|randomgo]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from ogsbot.engines import RANDOMGO_FILE
from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.coords import RESIGN, xy_to_gtp

ROOT = Path(__file__).resolve().parent.parent
RANDOMGO = [sys.executable, str(RANDOMGO_FILE)]  # the installed package's engine


def gnugo() -> list[str]:
    found = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    if not found:
        raise SystemExit("GNU Go is not installed (apt-get install gnugo)")
    return [found, "--mode", "gtp", "--level", "0"]


async def make_game(moves: int, size: int = 19) -> list[str]:
    """`moves` play commands of a legal game, randomgo against itself."""
    commands: list[str] = []
    async with GTPEngine([*RANDOMGO, "--seed", "1"]) as engine:
        await engine.batch([f"boardsize {size}", "clear_board"])
        color = "B"
        while len(commands) < moves:
            move = await engine.genmove(color, width=size)
            if move is RESIGN:
                raise SystemExit("randomgo resigned before the game was long enough")
            commands.append(f"play {color} {xy_to_gtp(move, size)}")
            color = "W" if color == "B" else "B"
    return commands


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await run()
    return time.perf_counter() - start


async def replay_times(engine: GTPEngine, commands: list[str]) -> tuple[float, float]:
    """One replay of `commands` one command at a time, then one pipelined: seconds each."""

    async def one_by_one() -> None:
        for command in commands:
            await engine.send(command)

    async def pipelined() -> None:
        await engine.batch(commands)

    return await timed(one_by_one), await timed(pipelined)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--engine", choices=("gnugo", "randomgo"), default="gnugo")
    args = parser.parse_args()

    plays = await make_game(args.moves)
    setup = ["boardsize 19", "clear_board", "komi 6.5"]
    argv = gnugo() if args.engine == "gnugo" else RANDOMGO
    async with GTPEngine(argv) as engine:
        await engine.batch(setup + plays)  # warm up the process and the page cache
        sequential, batched = [], []
        for _ in range(args.runs):
            one, batch = await replay_times(engine, setup + plays)
            sequential.append(one)
            batched.append(batch)

    seq, pipe = statistics.median(sequential), statistics.median(batched)
    print(f"engine: {engine.name} {engine.version}; {len(plays)} moves of 19x19 + 3 setup commands")
    print(f"runs: {args.runs} each (median)")
    print(f"one command at a time: {seq * 1000:8.1f} ms")
    print(f"pipelined (one batch): {pipe * 1000:8.1f} ms")
    print(f"ratio: {seq / pipe:.1f}x faster pipelined")


if __name__ == "__main__":
    asyncio.run(main())
