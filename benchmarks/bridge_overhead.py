"""Bridge overhead: the server sends the opponent's move; how soon does the bot's answer arrive?

With an instant engine (randomgo) and an instant opponent (the built-in random player), the
time between the emulator writing the opponent's `game/<id>/move` to the bot's socket and the
bot's `game/move` reaching the emulator is what the bridge itself costs: the daemon's event
handling, its session, the GTP round trips and the WebSocket both ways. It is measured at the
server, over at least --moves bot moves (9x9 games played one after another, or --parallel at
once), with the floors next to it: one GTP command to randomgo through `GTPEngine`, and one
`net/ping` -> `net/pong` round trip to the same server. A second phase plays --profile-moves more
moves with py-spy sampling the daemon (`--nonblocking`: it never pauses the daemon, and counts
only running threads), and prints where its CPU goes per move.

    .venv/bin/python benchmarks/bridge_overhead.py [--moves 1000] [--parallel 1] [--tries 1000]
        [--size 9] [--spare 0] [--profile-moves 2000 | --no-profile] [--rate 400]
        [--timeout 600]

Each game's first answer waits for its engine to start, unless `--spare N` keeps engines
started ahead (`engine.spare`): run it with `--spare 0` and `--spare 1` to compare.

Needs py-spy for the profile (`.venv/bin/pip install py-spy`; without it the profile is
skipped). Takes about 30 s on 9x9 (a few minutes with --size 19); every wait is bounded by
--timeout. What runs where (the 2 cores are shared by all of them): this process runs the
emulator (the timestamps are taken in it); the bot runs as `python -m ogsbot.cli run -c
<generated config>` in its own process, its
randomgo engines as its children; the opponents run in one more process (harness.py
opponents); the floors are measured from a process of their own before the daemon starts.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    RANDOMGO,
    DaemonProcess,
    Monitor,
    PySpy,
    cancel_on_sigterm,
    cpu_seconds,
    daemon_config,
    emulator_with_bot,
    floor_child,
    kill_children,
    latencies,
    machine_load,
    opponents_child,
    outcomes,
    parse_raw_profile,
    pct,
    reaped_children_cpu,
    run_main,
    steady_latencies,
    summary,
    wait_idle,
    wait_ready,
)

JSON = dict[str, Any]

# Where a function's file puts it, for the per-module table (first match wins).
MODULES = [
    ("aiohttp/", "aiohttp (WebSocket frames, HTTP)"),
    ("json/", "json (encode/decode)"),
    ("loguru/", "loguru (logging)"),
    ("asyncio/", "asyncio (event loop, tasks, pipes)"),
    ("selectors", "selectors (epoll)"),
    ("ogsbot/ogs/models.py", "ogsbot.ogs.models (GameData, Clock...)"),
    ("ogsbot/ogs/stones.py", "ogsbot.ogs.board (legality, captures)"),
    ("ogsbot/ogs/game_state.py", "ogsbot.ogs.board (legality, captures)"),
    ("ogsbot/ogs/scoring.py", "ogsbot.ogs.board (legality, captures)"),
    ("ogsbot/ogs/game.py", "ogsbot.ogs.game (Game events)"),
    ("ogsbot/ogs/game_events.py", "ogsbot.ogs.game (Game events)"),
    ("ogsbot/ogs/game_view.py", "ogsbot.ogs.game (Game events)"),
    ("ogsbot/ogs/realtime.py", "ogsbot.ogs.realtime (frames, handlers)"),
    ("ogsbot/ogs/realtime_handlers.py", "ogsbot.ogs.realtime (frames, handlers)"),
    ("ogsbot/ogs/coords.py", "ogsbot.ogs.coords"),
    ("ogsbot/bot/session.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/engine_board.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/turn_clock.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/seat.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/game_chat.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/record.py", "ogsbot.bot.session (the turn)"),
    ("ogsbot/bot/daemon.py", "ogsbot.bot.daemon (active_game, status)"),
    ("ogsbot/bot/daemon_state.py", "ogsbot.bot.daemon (active_game, status)"),
    ("ogsbot/bot/games.py", "ogsbot.bot.daemon (active_game, status)"),
    ("ogsbot/bot/server_status.py", "ogsbot.bot.daemon (active_game, status)"),
    ("ogsbot/bot/config.py", "ogsbot.bot.config"),
    ("ogsbot/gtp/", "ogsbot.gtp (engine I/O, clock, manager)"),
    ("ogsbot/", "ogsbot (other)"),
    ("threading", "threading"),
    ("", "other (stdlib, interpreter)"),
]


def module_of(function: str) -> str:
    file = function.rsplit("(", 1)[-1]
    return next(label for needle, label in MODULES if needle in file)


async def play_phase(
    emulator: Any, url: str, args: argparse.Namespace, moves: int, prefix: str
) -> dict[str, Any]:
    """Opponents play until the bot has made `moves` moves; the opponents' answer + CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = opponents_child(
        url, slots=args.parallel, games=10_000, bot_moves=moves, prefix=prefix, size=args.size
    )
    await child.start()
    result = await child.result(args.timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_s"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    await wait_idle(emulator)
    return result


# What a sample of the daemon was doing, from its whole stack (first marker found wins).
STAGES = [
    ("GameSession._target", "turn: the game's whole move list rebuilt as GTP (_sync/_target)"),
    ("GTPEngine._write", "turn: commands written to the engine's stdin (pipe write)"),
    ("GTPEngine._read_stdout", "engine replies read and matched (_read_stdout)"),
    ("GameSession._upload", "turn: move uploaded, echo awaited (_upload)"),
    ("GameSession.", "turn: the rest of the session (_step, _think, clock, legality)"),
    ("EngineManager.", "engine manager (lease, release, idle reaper)"),
    ("Daemon._on_active_game", "event: active_game push, parsed then dropped"),
    ("Game._on_move", "event: move (GameData.with_move, move colours, board)"),
    ("Game._on_event", "event: clock and the others (Game._on_event)"),
    ("Realtime._frame", "realtime: JSON decode and handler dispatch"),
    ("Realtime._read", "realtime: WebSocket frames read (aiohttp)"),
    ("Realtime._write", "realtime: WebSocket frames written (aiohttp)"),
    ("Daemon._status_loop", "daemon: bot/status loop"),
    ("(threading.py)", "other threads (REST calls: accepting challenges)"),
    ("EpollSelector.select", "event loop: epoll_wait (the syscall, wake-ups)"),
    ("", "event loop: scheduling, callbacks, the rest"),
]


def stage_of(stack: list[str]) -> str:
    return next(label for marker, label in STAGES if any(marker in f for f in stack))


def print_profile(path: Path, bot_moves: int, cpu_per_move_ms: float, rate: int) -> None:
    profile = parse_raw_profile(path)
    total = profile.total
    if not total:
        print(f"py-spy recorded no samples ({path})")
        return
    per_move_us = cpu_per_move_ms * 1000

    def row(label: str, count: int, width: int) -> None:
        share = count / total
        print(f"{label[:width]:{width}} {share:6.1%} {share * per_move_us:8.0f}")

    print(
        f"\nprofile of the daemon (py-spy, {rate} Hz, {total} non-idle samples ="
        f" {total / rate:.2f} s over {bot_moves} bot moves; {path})"
    )
    print("µs/move = share of the samples x the daemon's CPU per bot move in the profiled phase")
    print("(--nonblocking: samples are running threads only, so they match the CPU time; a")
    print(f"few stacks are read partially: {profile.partial / total:.0%} here, each is classified")
    print("by the frames it has)\n")
    stages: Counter[str] = Counter()
    for stack, count in profile.stacks:
        stages[stage_of(stack)] += count
    print(f"{'where the daemon spends a move (by stack)':70} {'share':>6} {'µs/move':>8}")
    for label, count in stages.most_common():
        row(label, count, 70)
    by_module: Counter[str] = Counter()
    for function, count in profile.leaf.items():
        by_module[module_of(function)] += count
    print(f"\n{'self time by module':70} {'share':>6} {'µs/move':>8}")
    for module, count in by_module.most_common():
        row(module, count, 70)
    print(f"\n{'top functions, self time':86} {'share':>6} {'µs/move':>8}")
    for function, count in profile.leaf.most_common(15):
        row(function, count, 86)
    print(f"\n{'top ogsbot functions, inclusive (callees counted)':86} {'share':>6} {'µs/move':>8}")
    ours = [(f, c) for f, c in profile.inclusive.most_common() if "ogsbot/" in f]
    for function, count in [(f, c) for f, c in ours if c < 0.6 * total][:20]:
        row(function, count, 86)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=1000, help="bot moves to measure")
    parser.add_argument("--parallel", type=int, default=1, help="games at once (default 1)")
    parser.add_argument("--tries", type=int, default=1000, help="round trips for each floor")
    parser.add_argument("--profile-moves", type=int, default=2000)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--size", type=int, default=9, help="board size (default 9)")
    parser.add_argument(
        "--spare", type=int, default=0, help="engine.spare: engines started ahead (default 0)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="bound on each phase, s")
    return parser.parse_args()


@dataclass
class Measured:
    """Phase 1: the bot's answers timed at the server, and the CPU each process spent."""

    opponents: JSON  # the opponents' answer, with their CPU seconds ("cpu_s")
    bot_moves: int
    latencies: list[float]  # the bot's answers to an opponent's move, ms
    steady: list[float]  # the same without each game's first (engine start)
    firsts: list[float]  # each game's first answer alone
    outcomes: JSON
    wall: float
    daemon_cpu: float
    engines_cpu: float  # the daemon's reaped children: its randomgo engines
    emulator_cpu: float


async def measure(
    emulator: Any, url: str, daemon: DaemonProcess, args: argparse.Namespace
) -> Measured:
    """Phase 1: the measurement, nothing attached to the daemon."""
    cpu0, reaped0 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
    emu0 = time.process_time()
    wall0 = time.perf_counter()
    opponents = await play_phase(emulator, url, args, args.moves, "a")
    wall1 = time.perf_counter()
    cpu1, reaped1 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
    emu1 = time.process_time()
    return Measured(
        opponents=opponents,
        bot_moves=len(emulator.bot_moves),
        latencies=latencies(emulator),
        steady=steady_latencies(emulator.bot_moves),
        firsts=steady_latencies(emulator.bot_moves, first=True),
        outcomes=outcomes(emulator),
        wall=wall1 - wall0,
        daemon_cpu=cpu1 - cpu0,
        engines_cpu=reaped1 - reaped0,
        emulator_cpu=emu1 - emu0,
    )


@dataclass
class Profiled:
    """Phase 2: the moves played with py-spy sampling the daemon."""

    path: Path
    bot_moves: int = 0
    latencies: list[float] = field(default_factory=list)
    daemon_cpu: float = 0.0


def find_profiler(args: argparse.Namespace, workdir: Path) -> PySpy | None:
    """py-spy for phase 2, unless --no-profile or it is not installed (then said so)."""
    if args.no_profile:
        return None
    program = PySpy.find()
    if program is None:
        print("py-spy is not installed (.venv/bin/pip install py-spy): no profile")
        return None
    return PySpy(program, args.rate, workdir / "daemon-profile.txt")


async def profile_phase(
    emulator: Any,
    url: str,
    daemon: DaemonProcess,
    args: argparse.Namespace,
    spy: PySpy,
    measured: Measured,
) -> Profiled:
    """Phase 2: the same again with py-spy sampling the daemon."""
    await spy.attach(daemon.pid)
    await asyncio.sleep(1.0)  # py-spy attaches
    cpu_start = cpu_seconds(daemon.pid) or 0.0
    await play_phase(emulator, url, args, args.profile_moves, "b")
    daemon_cpu = (cpu_seconds(daemon.pid) or 0.0) - cpu_start
    await spy.finish()
    return Profiled(
        spy.output,
        bot_moves=len(emulator.bot_moves) - measured.bot_moves,
        latencies=latencies(emulator)[len(measured.latencies) :],
        daemon_cpu=daemon_cpu,
    )


@dataclass
class BridgeRun:
    """Both phases, the floors and what the daemon's monitor saw, once all is stopped."""

    emulator: Any
    daemon: DaemonProcess
    floor: JSON  # the floors' round trips, ms, by name
    measured: Measured
    profiled: Profiled | None
    peak_rss: float
    peak_engines: int
    stopped: str  # how the daemon was stopped
    spare: int  # engines started ahead (--spare)


async def run_bridge(args: argparse.Namespace) -> BridgeRun:
    """The floors, then the daemon through phase 1 and (unless --no-profile) phase 2."""
    workdir = Path(tempfile.mkdtemp(prefix="bridge-overhead-"))
    emulator, url, api_key = await emulator_with_bot()
    daemon = DaemonProcess(
        daemon_config(
            url,
            api_key,
            workdir,
            engine=RANDOMGO,
            spare=args.spare,
            max_games=max(10, args.parallel),
            size=args.size,
        ),
        workdir,
    )
    monitor = Monitor(emulator, daemon)
    spy: PySpy | None = None
    profiled: Profiled | None = None
    try:
        floor = await floor_child(url, args.tries, RANDOMGO).start_and_wait(args.timeout)
        await daemon.start()
        await wait_ready(emulator, daemon)
        monitor.start()
        measured = await measure(emulator, url, daemon, args)
        spy = find_profiler(args, workdir)
        if spy is not None:
            profiled = await profile_phase(emulator, url, daemon, args, spy, measured)
        peak_engines = int(monitor.peak("engines"))
        peak_rss = monitor.peak("rss_mb")
    finally:
        if spy is not None:
            await spy.kill()
        await monitor.stop()
        await kill_children()
        stopped = await daemon.stop()
        await emulator.stop()
    return BridgeRun(
        emulator, daemon, floor, measured, profiled, peak_rss, peak_engines, stopped, args.spare
    )


def print_round_trips(run: BridgeRun) -> None:
    """The bot's answer time beside the floors, and the bridge's as a multiple of them."""
    floor, measured = run.floor, run.measured
    profiled = run.profiled.latencies if run.profiled is not None else []
    print(f"{'round trip (ms)':52} {'n':>6} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    rows = [
        ("opponent move sent -> bot move received (server)", measured.latencies),
        ("  without each game's first (engine start)", measured.steady),
        (f"  each game's first alone (spare engines: {run.spare})", measured.firsts),
        ("  phase 2, with py-spy sampling the daemon", profiled),
        ("floor: GTP `name` to randomgo (GTPEngine)", floor.get("gtp_name", [])),
        ("floor: GTP `genmove b`, empty 9x9 board", floor.get("gtp_genmove", [])),
        ("floor: WebSocket net/ping -> net/pong", floor.get("ws_ping", [])),
        ("GTP turn as the session sends it: 1 batch of 4", floor.get("turn_1_batch", [])),
        ("  the same 4 commands in 3 round trips", floor.get("turn_3_trips", [])),
    ]
    for label, values in rows:
        if values:
            print(f"{label:52} {len(values):6d} {summary(values)}")
    floor_sum = pct(floor.get("gtp_genmove", []), 50) + pct(floor.get("ws_ping", []), 50)
    p50 = pct(measured.steady, 50)
    print(f"\nfloor of one bot move (genmove p50 + ping p50): {floor_sum:.2f} ms; "
          f"bridge p50 {p50:.2f} ms = {p50 / floor_sum:.1f}x the floor")  # fmt: skip


def print_cpu(measured: Measured) -> None:
    """Phase 1's CPU by process, in all and per bot move."""
    bot_moves = max(1, measured.bot_moves)
    print(f"{'CPU, phase 1':40} {'seconds':>8} {'ms/bot move':>12}")
    for label, seconds in [
        ("daemon (python -m ogsbot.cli run)", measured.daemon_cpu),
        ("its engines (randomgo, reaped)", measured.engines_cpu),
        ("emulator (this process)", measured.emulator_cpu),
        ("opponents (one process)", float(measured.opponents.get("cpu_s", 0.0))),
    ]:
        print(f"{label:40} {seconds:8.2f} {seconds / bot_moves * 1000:12.2f}")
    wall = measured.wall
    print(f"{'(wall time, 2 cores)':40} {wall:8.2f} {wall / bot_moves * 1000:12.2f}")


def print_daemon_state(run: BridgeRun) -> None:
    """The daemon's memory and engines, how the games ended, its log's warnings and errors."""
    result, refused = run.measured.outcomes, len(run.emulator.refused)
    print(f"daemon RSS peak {run.peak_rss:.1f} MB; engine processes at most {run.peak_engines}; "
          f"games finished {result['finished']}/{result['games']}, bot time losses "
          f"{result['bot_time_losses']}, bot resignations {result['bot_resigned']}, "
          f"moves refused {refused}; daemon stopped by {run.stopped}")  # fmt: skip
    problems = run.daemon.log_problems()
    if problems:
        print("daemon log warnings/errors:")
        for text, count in problems.most_common(8):
            print(f"  {count:4d} x {text}")


async def main() -> None:
    args = parse_args()
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    run = await run_bridge(args)
    measured, profiled = run.measured, run.profiled
    print(f"bridge overhead: randomgo bot vs random opponent, {args.size}x{args.size}, "
          f"fischer 3600+60, "
          f"{args.parallel} game(s) at a time; daemon pid {run.daemon.pid}")  # fmt: skip
    games, answers = measured.opponents.get("games", 0), len(measured.latencies)
    print(f"phase 1: {games} games, {measured.bot_moves} bot moves "
          f"({answers} answering an opponent's move) in {measured.wall:.1f} s")  # fmt: skip
    print()
    print_round_trips(run)
    print()
    print_cpu(measured)
    print()
    print_daemon_state(run)
    if profiled is not None and profiled.bot_moves:
        per_move_ms = profiled.daemon_cpu / profiled.bot_moves * 1000
        print_profile(profiled.path, profiled.bot_moves, per_move_ms, args.rate)
    else:
        per_move = measured.daemon_cpu / max(1, measured.bot_moves) * 1000
        print(f"\n(daemon CPU per bot move, phase 1: {per_move:.2f} ms)")


if __name__ == "__main__":
    run_main(main)
