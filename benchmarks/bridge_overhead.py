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
        [--size 9] [--profile-moves 2000 | --no-profile] [--rate 400]
        [--timeout 600]

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
import contextlib
import resource
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from harness import (
    BOT,
    RANDOMGO,
    BotMove,
    DaemonProcess,
    Monitor,
    cancel_on_sigterm,
    cpu_seconds,
    daemon_config,
    floor_child,
    kill_children,
    latencies,
    machine_load,
    opponents_child,
    outcomes,
    parse_raw_profile,
    pct,
    reaped_children_cpu,
    summary,
    wait_idle,
    wait_ready,
)

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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=1000, help="bot moves to measure")
    parser.add_argument("--parallel", type=int, default=1, help="games at once (default 1)")
    parser.add_argument("--tries", type=int, default=1000, help="round trips for each floor")
    parser.add_argument("--profile-moves", type=int, default=2000)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--size", type=int, default=9, help="board size (default 9)")
    parser.add_argument("--timeout", type=float, default=600, help="bound on each phase, s")
    args = parser.parse_args()
    cancel_on_sigterm()
    print(machine_load(), flush=True)

    from harness import make_emulator

    workdir = Path(tempfile.mkdtemp(prefix="bridge-overhead-"))
    emulator = make_emulator(stone_removal_timeout=30)
    api_key = secrets.token_hex(16)
    emulator.bot_id = emulator.add_bot(BOT, api_key=api_key).id
    url = await emulator.start()
    daemon = DaemonProcess(
        daemon_config(
            url, api_key, workdir, engine=RANDOMGO, max_games=max(10, args.parallel), size=args.size
        ),
        workdir,
    )
    monitor = Monitor(emulator, daemon)
    sampler: asyncio.Task[None] | None = None
    spy: asyncio.subprocess.Process | None = None
    try:
        floor = await floor_child(url, args.tries, RANDOMGO).start_and_wait(args.timeout)
        await daemon.start()
        await wait_ready(emulator, daemon)
        sampler = asyncio.create_task(monitor.run())

        # Phase 1: the measurement, nothing attached to the daemon.
        cpu0, reaped0 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
        emu0 = time.process_time()
        wall0 = time.perf_counter()
        phase1 = await play_phase(emulator, url, args, args.moves, "a")
        wall1 = time.perf_counter()
        cpu1, reaped1 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
        emu1 = time.process_time()
        measured = latencies(emulator)
        bot_moves1 = len(emulator.bot_moves)
        firsts: dict[int, BotMove] = {}
        for move in emulator.bot_moves:
            firsts.setdefault(move.game_id, move)
        steady = [
            m.latency_ms
            for m in emulator.bot_moves
            if m.latency_ms is not None and firsts[m.game_id] is not m
        ]
        result1 = outcomes(emulator)

        # Phase 2: the same again with py-spy sampling the daemon.
        profile_path = workdir / "daemon-profile.txt"
        measured2: list[float] = []
        bot_moves2 = 0
        cpu2 = cpu1
        pyspy = shutil.which("py-spy") or shutil.which(
            "py-spy", path=str(Path(sys.executable).parent)
        )
        if not args.no_profile and pyspy is None:
            print("py-spy is not installed (.venv/bin/pip install py-spy): no profile")
        if not args.no_profile and pyspy is not None:
            spy = await asyncio.create_subprocess_exec(
                pyspy, "record", "--pid", str(daemon.pid), "--rate", str(args.rate),
                "--format", "raw", "--output", str(profile_path), "--nonblocking",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.0)  # py-spy attaches
            cpu_start = cpu_seconds(daemon.pid) or 0.0
            await play_phase(emulator, url, args, args.profile_moves, "b")
            cpu2 = (cpu_seconds(daemon.pid) or 0.0) - cpu_start
            spy.send_signal(signal.SIGINT)
            await asyncio.wait_for(spy.wait(), 30)
            spy = None
            measured2 = latencies(emulator)[len(measured) :]
            bot_moves2 = len(emulator.bot_moves) - bot_moves1
        peak_engines = int(monitor.peak("engines"))
        peak_rss = monitor.peak("rss_mb")
    finally:
        if spy is not None and spy.returncode is None:
            spy.kill()
            await spy.wait()
        if sampler is not None:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        await kill_children()
        stopped = await daemon.stop()
        await emulator.stop()

    daemon_cpu = cpu1 - cpu0
    engines_cpu = reaped1 - reaped0
    wall = wall1 - wall0
    per_move = daemon_cpu / max(1, bot_moves1) * 1000
    problems = daemon.log_problems()
    print(f"bridge overhead: randomgo bot vs random opponent, {args.size}x{args.size}, "
          f"fischer 3600+60, "
          f"{args.parallel} game(s) at a time; daemon pid {daemon.pid}")  # fmt: skip
    print(f"phase 1: {phase1.get('games', 0)} games, {bot_moves1} bot moves "
          f"({len(measured)} answering an opponent's move) in {wall:.1f} s")  # fmt: skip
    print()
    print(f"{'round trip (ms)':52} {'n':>6} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    rows = [
        ("opponent move sent -> bot move received (server)", measured),
        ("  without each game's first (engine start)", steady),
        ("  phase 2, with py-spy sampling the daemon", measured2),
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
    p50 = pct(steady, 50)
    print(f"\nfloor of one bot move (genmove p50 + ping p50): {floor_sum:.2f} ms; "
          f"bridge p50 {p50:.2f} ms = {p50 / floor_sum:.1f}x the floor")  # fmt: skip
    print()
    print(f"{'CPU, phase 1':40} {'seconds':>8} {'ms/bot move':>12}")
    emu_cpu = emu1 - emu0
    opp_cpu = float(phase1.get("cpu_s", 0.0))
    for label, seconds in [
        ("daemon (python -m ogsbot.cli run)", daemon_cpu),
        ("its engines (randomgo, reaped)", engines_cpu),
        ("emulator (this process)", emu_cpu),
        ("opponents (one process)", opp_cpu),
    ]:
        print(f"{label:40} {seconds:8.2f} {seconds / max(1, bot_moves1) * 1000:12.2f}")
    print(f"{'(wall time, 2 cores)':40} {wall:8.2f} {wall / max(1, bot_moves1) * 1000:12.2f}")
    print()
    print(f"daemon RSS peak {peak_rss:.1f} MB; engine processes at most {peak_engines}; "
          f"games finished {result1['finished']}/{result1['games']}, bot time losses "
          f"{result1['bot_time_losses']}, bot resignations {result1['bot_resigned']}, "
          f"moves refused {len(emulator.refused)}; daemon stopped by {stopped}")  # fmt: skip
    if problems:
        print("daemon log warnings/errors:")
        for text, count in problems.most_common(8):
            print(f"  {count:4d} x {text}")
    if bot_moves2:
        print_profile(profile_path, bot_moves2, cpu2 / bot_moves2 * 1000, args.rate)
    else:
        print(f"\n(daemon CPU per bot move, phase 1: {per_move:.2f} ms)")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("interrupted (its processes were stopped)") from None
