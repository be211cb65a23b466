"""Blitz safety: does the bot ever lose on time at fischer 10+1 behind 50 ms of network lag?

The bot plays --games 9x9 blitz games (fischer 10 s + 1 s, max 20 s), --parallel at a time,
with GNU Go --level 1 as its engine, against instant random opponents. Everything between the
bot and the emulator passes through a TCP proxy that delays every byte --latency seconds each
way (so each request and each event is --latency late, a round trip 2 x --latency; REST too).
It prints the losses on time (must be 0) and the least clock time the bot had left when a move
of its reached the server, from the server's own clock (`Referee.times` and `move_times`).

    .venv/bin/python benchmarks/blitz_safety.py [--games 20] [--parallel 2] [--latency 0.05]
        [--level 1] [--timeout 900]

Takes about 3-4 minutes with the defaults (a game lasts 15-40 s); every wait is bounded by
--timeout. What runs where (the 2 cores are shared by all of them): this process runs the
emulator and the latency proxy; the bot runs as `python -m ogsbot.cli run -c <generated
config>` in its own process, GNU Go as its child; the opponents run in one more process
(harness.py opponents), connected straight to the emulator (no lag).
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import (
    DaemonProcess,
    LatencyProxy,
    Monitor,
    cancel_on_sigterm,
    daemon_config,
    emulator_with_bot,
    kill_children,
    machine_load,
    opponents_child,
    outcomes,
    pct,
    run_main,
    summary,
    wait_idle,
    wait_ready,
)

BLITZ = {"system": "fischer", "initial_time": 10, "time_increment": 1, "max_time": 20}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2, help="games at once")
    parser.add_argument("--latency", type=float, default=0.05, help="one-way delay, s")
    parser.add_argument("--level", type=int, default=1, help="GNU Go's --level")
    parser.add_argument("--timeout", type=float, default=900, help="bound on the games, s")
    return parser.parse_args()


def gnugo_command(level: int) -> list[str]:
    """GNU Go in GTP mode at this --level; exits when it is not installed."""
    gnugo = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    if gnugo is None:
        raise SystemExit("GNU Go is not installed (apt-get install gnugo)")
    return [gnugo, "--mode", "gtp", "--level", str(level)]


@dataclass
class BlitzRun:
    """What the games left to report: the server's records, the daemon and its samples."""

    emulator: Any
    daemon: DaemonProcess
    monitor: Monitor
    opponents: dict[str, object]
    stopped: str  # how the daemon was stopped
    wall: float  # seconds from the daemon's start to the end of the clean-up


async def play_blitz(args: argparse.Namespace, engine: list[str]) -> BlitzRun:
    """The daemon, behind the latency proxy, plays the games; everything stopped after."""
    workdir = Path(tempfile.mkdtemp(prefix="blitz-safety-"))
    emulator, url, api_key = await emulator_with_bot()
    proxy = LatencyProxy(emulator.port, args.latency)
    proxy_url = f"http://127.0.0.1:{await proxy.start()}"
    blitz_rules = {
        "allowed": True,
        "max_games": args.parallel,
        "fischer": {"initial_time": [10, 300], "time_increment": [1, 10], "max_time": [10, 600]},
    }
    config = daemon_config(
        proxy_url,
        api_key,
        workdir,
        engine=engine,
        max_games=args.parallel,
        speeds={"blitz": blitz_rules},
    )
    daemon = DaemonProcess(config, workdir)
    monitor = Monitor(emulator, daemon)
    opp: dict[str, object] = {}
    started = time.perf_counter()
    try:
        await daemon.start()
        await wait_ready(emulator, daemon)
        monitor.start()
        child = opponents_child(
            url, slots=args.parallel, games=args.games, time_control=BLITZ, prefix="blitz"
        )
        await child.start()
        opp = await child.result(args.timeout)
        await wait_idle(emulator)
    finally:
        await monitor.stop()
        await kill_children()
        stopped = await daemon.stop()
        await proxy.stop()
        await emulator.stop()
    return BlitzRun(emulator, daemon, monitor, opp, stopped, time.perf_counter() - started)


def clock_left_by_game(emulator: Any) -> dict[int, list[float]]:
    """The bot's clock time left when each of its moves arrived (server clock), by game."""
    by_game: dict[int, list[float]] = defaultdict(list)
    for move in emulator.bot_moves:
        if move.left_s is not None:
            by_game[move.game_id].append(move.left_s)
    return by_game


def print_games(emulator: Any, by_game: dict[int, list[float]]) -> None:
    """One row a game: the bot's colour, moves, result, its least and median time left."""
    print(f"{'game':>9} {'bot':>5} {'moves':>5} {'result':24} {'bot time left, s: min':>22} "
          f"{'median':>6}")  # fmt: skip
    for game_id, referee in sorted(emulator.games.items()):
        color = referee.color_of(emulator.bot_id)
        if color is None:
            continue
        winner = referee.color_of(referee.winner) if referee.winner is not None else None
        result = (
            f"{(winner or '?').upper()}+{referee.outcome}" if referee.finished else "unfinished"
        )
        lefts = by_game.get(game_id, [])
        low = f"{min(lefts):22.2f}" if lefts else f"{'-':>22}"
        med = f"{pct(lefts, 50):6.2f}" if lefts else f"{'-':>6}"
        print(f"{game_id:9d} {color.upper():>5} {referee.state.move_number:5d} {result:24} {low} "
              f"{med}")  # fmt: skip


def print_totals(run: BlitzRun, args: argparse.Namespace, all_left: list[float]) -> None:
    """The losses on time, the least time left, the answer times and the daemon's state."""
    emulator, monitor = run.emulator, run.monitor
    out = outcomes(emulator)
    lags = [m.latency_ms for m in emulator.bot_moves if m.latency_ms is not None]
    print(f"{'games finished':52} {out['finished']} / {args.games}")
    print(f"{'bot moves (server received)':52} {len(emulator.bot_moves)}")
    print(f"{'LOSSES ON TIME (bot)':52} {out['bot_time_losses']}")
    print(f"{'opponent time losses':52} {out['opp_time_losses']}")
    print(f"{'least time the bot had left at a move (server clock)':52} "
          f"{min(all_left) if all_left else math.nan:.2f} s")  # fmt: skip
    print(f"{'bot time left at its moves: p1 / p50':52} {pct(all_left, 1):.2f} / "
          f"{pct(all_left, 50):.2f} s")  # fmt: skip
    print(f"{'answer time at the server, ms (p50 p90 p99 max)':52} {summary(lags)}")
    print(f"{'bot resignations / unfinished / moves refused':52} {out['bot_resigned']} / "
          f"{len(out['unfinished'])} / {len(emulator.refused)}")  # fmt: skip
    print(f"{'opponents (declined challenges are made again)':52} {run.opponents}")
    print(f"{'daemon RSS peak / engine processes peak':52} {monitor.peak('rss_mb'):.1f} MB / "
          f"{monitor.peak('engines'):.0f}")  # fmt: skip
    print(f"{'daemon stopped by':52} {run.stopped}")
    for text, count in run.daemon.log_problems().most_common(8):
        print(f"  daemon log: {count:4d} x {text}")


async def main() -> None:
    args = parse_args()
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    engine = gnugo_command(args.level)
    run = await play_blitz(args, engine)
    by_game = clock_left_by_game(run.emulator)
    print(f"blitz safety: {args.games} games 9x9 fischer 10+1 max 20, {args.parallel} at a time; "
          f"bot: GNU Go --level {args.level}; {args.latency * 1000:.0f} ms added each way "
          f"between bot and server; {run.wall:.0f} s")  # fmt: skip
    print()
    print_games(run.emulator, by_game)
    print()
    print_totals(run, args, [x for lefts in by_game.values() for x in lefts])


if __name__ == "__main__":
    run_main(main)
