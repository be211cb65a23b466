"""Replay through the daemon: a 300-move 19x19 game resumed by the bot, timed at the server.

gtp_replay.py times replaying a 300-move game into GNU Go straight through `GTPEngine`, one
command at a time and pipelined. Here the same game (randomgo against itself, seed 1, as
there) is made in the emulator (`Emulator.create_game`) with the bot black and to move, and
the figure is taken through the daemon's own resume path: the time from the server sending
the game's gamedata to the bot (its `game/connect`) to the bot's move reaching the server
(join -> session -> engine lease -> full replay -> time commands -> genmove -> upload).

Two ways (median printed):
- warm: a running daemon (pool of 1) whose engine holds another game meets the game (it is
  created while the daemon is connected: the `active_game` push makes it join). Nothing but
  the replay, the genmove and the bridge is in the figure; --runs times;
- cold: the daemon is started with the game waiting (a daemon restart): the engine process
  start comes on top (the daemon's own start is not counted: the clock starts when the
  server sends the gamedata); --cold-runs times.

The same script measures, straight through `GTPEngine` on the same engine and position, the
figures to compare with: the replay one command at a time and pipelined (gtp_replay.py's
figure), `genmove B` on the position, alone and after the time commands the daemon sends (so
the engine's thinking can be taken off), the engine start, and a fresh engine doing it all in
one batch. "daemon beyond the engine" = warm - pipelined replay - (time commands + genmove),
and cold - fresh engine; and, less sensitive to other work on the machine, the median of
(each warm run - the same replay + time + genmove batch sent to a second process of the same
engine just before it).

    .venv/bin/python benchmarks/resume_replay.py [--engine gnugo|randomgo|both] [--runs 9]
        [--cold-runs 5] [--moves 300] [--timeout 120]

Takes about a minute with the defaults (GNU Go and randomgo). On a shared machine the
figures of a few hundred ms move by tens of ms from run to run (GNU Go's genmove most).
What runs where: this process runs the emulator and the direct GTPEngine measurements (before
the daemon starts); the daemon runs as `python -m ogsbot.cli run -c <generated config>` with
its engine as its child.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from gtp_replay import RANDOMGO, gnugo, make_game, replay_times, timed
from harness import DaemonProcess, daemon_config, emulator_with_bot, machine_load, run_main

from ogsbot.gtp.clock import time_commands
from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.coords import Point, parse_gtp_move, xy_to_gtp
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.referee import GameSettings

ROOT = Path(__file__).resolve().parent.parent
SIZE = 19
LIVE = {"system": "fischer", "initial_time": 3600, "time_increment": 60, "max_time": 7200}


def source_state() -> str:
    """The commit measured, and the files under src/ changed since (others may be editing)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "src"],
            capture_output=True, text=True, check=True,
        ).stdout.split("\n")  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "source: not a git checkout"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"source: commit {head}" + (
        f" + uncommitted changes in {', '.join(changed)}" if changed else ""
    )


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


def clock_commands(engine: GTPEngine) -> list[str]:
    """The time commands the daemon sends before genmove in these games (its first choice
    the engine knows), the whole initial time left."""
    tc = TimeControl.from_json(LIVE)
    for group in time_commands(tc, None, "b"):
        if all(engine.knows(command.split()[0]) for command in group):
            return list(group)
    return []


async def direct_figures(argv: list[str], plays: list[str], runs: int) -> dict[str, Any]:
    """Replay (one by one, pipelined), genmove on the position, engine start: via GTPEngine."""
    setup = [f"boardsize {SIZE}", "clear_board", "komi 6.5"]
    starts, fresh = [], []
    for _ in range(3):
        engine = GTPEngine(argv)
        start = time.perf_counter()
        await engine.start()
        starts.append(time.perf_counter() - start)
        await engine.batch([*setup, *plays, *clock_commands(engine), "genmove B"])
        fresh.append(time.perf_counter() - start)
        await engine.stop()
    async with GTPEngine(argv) as engine:
        await engine.batch(setup + plays)  # warm up
        sequential, batched, genmoves, clocked = [], [], [], []
        clock = clock_commands(engine)
        for _ in range(runs):
            one, batch = await replay_times(engine, setup + plays)
            sequential.append(one)
            batched.append(batch)
            start = time.perf_counter()
            await engine.send("genmove B")
            genmoves.append(time.perf_counter() - start)
            await engine.send("undo")
            start = time.perf_counter()
            await engine.batch([*clock, "genmove B"])
            clocked.append(time.perf_counter() - start)
        name = f"{engine.name} {engine.version}"
    return {
        "name": name,
        "start": starts,
        "sequential": sequential,
        "pipelined": batched,
        "genmove": genmoves,
        "clocked": clocked,
        "clock": clock,
        "fresh": fresh,
    }


class Timer:
    """Marks when the server sends a game's gamedata to the bot, and when the bot's move
    arrives (the emulator's `bot_moves`)."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.gamedata: dict[int, float] = {}
        connect = emulator._commands["game/connect"]

        def game_connect(client: Any, data: Any) -> Any:
            result = connect(client, data)  # queues gamedata and clock for the bot's socket
            if client.account is not None and client.account.id == emulator.bot_id:
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    self.gamedata.setdefault(int(data["game_id"]), time.perf_counter())
            return result

        emulator._commands["game/connect"] = game_connect

    def moved(self, game_id: int) -> float | None:
        for move in self.emulator.bot_moves:
            if move.game_id == game_id:
                return float(move.at)
        return None

    async def until_moved(self, game_id: int, timeout: float, daemon: DaemonProcess) -> float:
        """Seconds from the gamedata sent to the bot's move received, for `game_id`."""
        deadline = time.monotonic() + timeout
        while (at := self.moved(game_id)) is None:
            if daemon.proc is not None and daemon.proc.returncode is not None:
                raise SystemExit(f"the daemon exited: see {daemon.log_path}")
            if time.monotonic() > deadline:
                raise SystemExit(f"no move in game {game_id} within {timeout:.0f} s")
            await asyncio.sleep(0.005)
        return at - self.gamedata[game_id]


class ReplayBench:
    """The emulator with the bot and an opponent, the game made on it, the daemons started."""

    def __init__(self, emulator: Any, config: dict[str, Any], workdir: Path) -> None:
        self.emulator = emulator
        self.config = config
        self.workdir = workdir
        self.timer = Timer(emulator)
        self.bot = emulator.accounts.by_id[emulator.bot_id]
        self.opponent = emulator.add_human("replayer", "pw-replayer")
        tc = TimeControl.from_json(LIVE).with_speed(SIZE, SIZE)
        self.settings = GameSettings(width=SIZE, height=SIZE, rules="japanese", time_control=tc)
        self.daemons: list[DaemonProcess] = []

    def new_game(self, moves: list[Point | None]) -> int:
        """The bot black and to move after these moves; its id."""
        return int(self.emulator.create_game(self.bot, self.opponent, self.settings, moves).game_id)

    async def start_daemon(self, name: str) -> DaemonProcess:
        (self.workdir / name).mkdir()
        daemon = DaemonProcess(self.config, self.workdir / name)
        self.daemons.append(daemon)
        await daemon.start()
        return daemon

    async def stop(self) -> None:
        for daemon in self.daemons:
            await daemon.stop()
        await self.emulator.stop()


async def time_cold_runs(
    bench: ReplayBench, points: list[Point | None], args: argparse.Namespace
) -> list[float]:
    """Cold: a daemon (re)started with the game waiting, --cold-runs times."""
    seconds = []
    for run in range(args.cold_runs):
        game_id = bench.new_game(points)
        daemon = await bench.start_daemon(f"cold{run}")
        seconds.append(await bench.timer.until_moved(game_id, args.timeout, daemon))
        await daemon.stop()
    return seconds


async def time_warm_runs(
    bench: ReplayBench,
    engine: str,
    argv: list[str],
    points: list[Point | None],
    args: argparse.Namespace,
) -> tuple[list[float], list[float]]:
    """Warm: one running daemon meets the game --runs times. Returns the times and the
    paired differences (each run less the same work straight through GTPEngine)."""
    daemon = await bench.start_daemon("warm")
    warm_up = bench.new_game(points[:2])  # the engine starts and holds another game
    await bench.timer.until_moved(warm_up, args.timeout, daemon)
    # Each warm run is paired with the same work done straight through GTPEngine just
    # before it (replay + time commands + genmove in one batch, in a second process of
    # the same engine): on a shared machine, the load changes less within a pair.
    plays = [f"play {'B' if i % 2 == 0 else 'W'} {vertex}" for i, vertex in enumerate(
        "pass" if p is None else xy_to_gtp(p, SIZE, SIZE) for p in points
    )]  # fmt: skip
    warm_times, paired = [], []
    async with GTPEngine(argv) as reference:
        work = [f"boardsize {SIZE}", "clear_board", "komi 6.5", *plays]
        work += [*clock_commands(reference), "genmove B"]
        await reference.batch(work)
        for _ in range(args.runs):
            await asyncio.sleep(0.3)  # the previous game's session settles
            direct = await timed(lambda: reference.batch(work))
            game_id = bench.new_game(points)
            warm = await bench.timer.until_moved(game_id, args.timeout, daemon)
            warm_times.append(warm)
            paired.append(warm - direct)
    problems = daemon.log_problems()
    for text, count in problems.most_common(4):
        print(f"  daemon log ({engine}): {count} x {text}")
    return warm_times, paired


async def through_daemon(
    engine: str, argv: list[str], points: list[Point | None], args: argparse.Namespace
) -> dict[str, list[float]]:
    """The game met by the daemon, cold then warm, timed at the server."""
    workdir = Path(tempfile.mkdtemp(prefix=f"resume-replay-{engine}-"))
    emulator, url, api_key = await emulator_with_bot()
    config = daemon_config(
        url, api_key, workdir, engine=argv, manager="pool", pool_size=1, max_games=100, size=SIZE
    )
    config["log"]["level"] = "INFO"  # as a bot runs
    config["shutdown_wait"] = 0  # the open live games would hold every stop
    bench = ReplayBench(emulator, config, workdir)
    try:
        cold = await time_cold_runs(bench, points, args)
        warm, paired = await time_warm_runs(bench, engine, argv, points, args)
    finally:
        await bench.stop()
    return {"warm": warm, "cold": cold, "paired": paired}


async def measure(engine: str, plays: list[str], args: argparse.Namespace) -> None:
    argv = gnugo() if engine == "gnugo" else RANDOMGO
    points: list[Point | None] = []
    for play in plays:
        move = parse_gtp_move(play.split()[2], SIZE, SIZE)
        points.append(move if isinstance(move, tuple) else None)
    direct = await direct_figures(argv, plays, args.runs)
    daemon = await through_daemon(engine, argv, points, args)
    warm, cold = median_ms(daemon["warm"]), median_ms(daemon["cold"])
    pipe, seq = median_ms(direct["pipelined"]), median_ms(direct["sequential"])
    genmove, start = median_ms(direct["genmove"]), median_ms(direct["start"])
    clocked, fresh = median_ms(direct["clocked"]), median_ms(direct["fresh"])
    command = " ".join(Path(a).name if a.startswith("/") else a for a in argv)
    print(f"\n== {direct['name']} (`{command}`): {len(plays)} moves of 19x19, the bot (black)"
          f" to move; medians ==")  # fmt: skip
    rows: list[tuple[str, float, str]] = [
        ("through GTPEngine (as gtp_replay.py):", float("nan"), ""),
        ("  replay one command at a time", seq, f"{args.runs} runs"),
        ("  replay pipelined (one batch)", pipe, f"{args.runs} runs; gtp_replay's figure"),
        ("  genmove B on the position", genmove, f"{args.runs} runs"),
        ("  the daemon's time commands + genmove B", clocked, " ".join(direct["clock"])),
        ("  engine start (process + handshake)", start, "3 runs"),
        ("  fresh engine: start + replay + time + genmove, one batch", fresh, "3 runs"),
        ("through the daemon (gamedata sent -> move received):", float("nan"), ""),
        ("  warm: engine running, holding another game", warm, f"{len(daemon['warm'])} runs"),
        ("  cold: daemon started with the game waiting", cold, f"{len(daemon['cold'])} runs"),
        ("daemon beyond the engine, warm - pipelined - time+genmove", warm - pipe - clocked, ""),
        ("  paired: each warm run - same batch via GTPEngine just before",
         median_ms(daemon["paired"]), "median of the differences"),
        ("daemon beyond the engine, cold - fresh engine", cold - fresh, ""),
    ]  # fmt: skip
    for label, value, note in rows:
        shown = f"{value:8.1f} ms" if value == value else ""
        print(f"{label:62} {shown:11} {note}")
    spread = " ".join(f"{v * 1000:.0f}" for v in sorted(daemon["warm"]))
    print(f"{'  warm runs, sorted (ms)':62} {spread}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("gnugo", "randomgo", "both"), default="both")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=120, help="bound on each wait, s")
    args = parser.parse_args()
    print(machine_load())
    print(source_state(), flush=True)
    plays = await make_game(args.moves)
    engines = ("gnugo", "randomgo") if args.engine == "both" else (args.engine,)
    for engine in engines:
        await measure(engine, plays, args)


if __name__ == "__main__":
    run_main(main)
