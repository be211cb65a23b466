"""Many games at once: K simultaneous 9x9 games with instant players, for each engine manager.

The bot (randomgo engine, min_move_time 0, fischer 3600+60 so no clock matters) plays K games
at once against K random opponents. For each manager (`per_game`: one engine process per game;
`pool`: --pool-size processes shared by all games) it prints the server's moves per second
(all games together, while all K run, and over the whole run), the bot's answer latency (as
bridge_overhead.py measures it: the server sending the opponent's move -> the server receiving
the bot's move), the daemon's resident memory (at start, at peak, after the games, per game,
and how it grows with the number of games), its engine processes (children in /proc), and the
games lost on time or to errors (both must be 0).

    .venv/bin/python benchmarks/many_games.py --games K [K ...] [--manager per_game|pool|both]
        [--pool-size N] [--rounds R] [--timeout 900]

e.g. `--games 10 50 200` runs the three sizes for both managers, each in a fresh emulator and
a fresh daemon. `--rounds R` plays the K games R times in the same daemon and prints its memory
and engine processes after each round (does memory come back, do engines pile up?); the other
figures are from the first round. Each run takes from about 15 s (K = 10) to about 90 s
(K = 200) per round; every wait is bounded by --timeout (per round). What runs where (the 2
cores are shared by all of them): this process runs the emulator and samples /proc every
--interval seconds; the daemon runs as `python -m ogsbot.cli run -c <generated config>` in its
own process, its engines are its children; the K opponents run as K `Opponent` objects in one
more process (harness.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import (
    RANDOMGO,
    DaemonProcess,
    Monitor,
    Sample,
    cancel_on_sigterm,
    cpu_seconds,
    daemon_config,
    emulator_with_bot,
    kill_children,
    machine_load,
    opponents_child,
    outcomes,
    pct,
    reaped_children_cpu,
    run_main,
    steady_latencies,
    summary,
    wait_idle,
    wait_ready,
)


def steady_rate(samples: list[Sample], games: int) -> tuple[float, float, int]:
    """Server moves per second while the most games ran at once: (rate, seconds, games)."""
    if not samples:
        return math.nan, 0.0, 0
    most = max(s.active for s in samples)
    full = [s for s in samples if s.active >= max(1, math.floor(0.95 * most))]
    if len(full) < 2:
        return math.nan, 0.0, most
    seconds = full[-1].t - full[0].t
    return (full[-1].moves - full[0].moves) / seconds if seconds else math.nan, seconds, most


def rss_per_game(samples: list[Sample], start: Sample) -> float:
    """(RSS when the most games ran - RSS before any) / those games, MB."""
    busiest = max(samples, key=lambda s: (s.active, s.rss_mb))
    return (busiest.rss_mb - start.rss_mb) / max(1, busiest.active)


def growth(samples: list[Sample], start_rss: float, games: int) -> list[tuple[int, float, float]]:
    """(games running, daemon RSS, engines RSS) when the running games first reached each
    quarter of K: how memory grows with the number of games."""
    rows = []
    for quarter in (0.25, 0.5, 0.75, 1.0):
        target = max(1, round(quarter * games))
        reached = next((s for s in samples if s.active >= target), None)
        if reached is not None:
            rows.append((reached.active, reached.rss_mb, reached.engines_rss_mb))
    return rows


async def play_first_round(
    emulator: Any,
    url: str,
    daemon: DaemonProcess,
    monitor: Monitor,
    games: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The daemon started and the K games played once: the row's speed, CPU and memory."""
    await daemon.start()
    await wait_ready(emulator, daemon)
    await asyncio.sleep(0.5)  # the daemon settles (imports, first status)
    first = monitor.sample()
    assert first is not None
    monitor.start()
    cpu0, reaped0 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
    emu0, wall0 = time.process_time(), time.perf_counter()
    rusage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = opponents_child(url, slots=games, games=games)
    await child.start()
    opp = await child.result(args.timeout)
    rusage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall1 = time.perf_counter()
    await wait_idle(emulator, timeout=30)
    await asyncio.sleep(1.5)  # per_game engines stop, status settles
    last = monitor.sample()
    cpu1, reaped1 = cpu_seconds(daemon.pid) or 0.0, reaped_children_cpu(daemon.pid)
    live = sum(cpu_seconds(pid) or 0.0 for pid in daemon.note_engines())  # pooled ones
    emu1 = time.process_time()
    return {
        "first_round_moves": len(emulator.bot_moves),
        "samples": list(monitor.samples),
        "round_one": outcomes(emulator),
        "opponents": opp,
        "wall": wall1 - wall0,
        "start": first,
        "end": last,
        "daemon_cpu": cpu1 - cpu0,
        "engines_cpu": reaped1 - reaped0 + live,
        "emulator_cpu": emu1 - emu0,
        "opponents_cpu": rusage1.ru_utime + rusage1.ru_stime - rusage0.ru_utime - rusage0.ru_stime,
    }


async def play_more_rounds(
    emulator: Any, url: str, monitor: Monitor, games: int, args: argparse.Namespace, opp: Any
) -> list[tuple[float, int]]:
    """Rounds 2..R in the same daemon: its RSS and engines after each (is memory given back?).
    Their opponents' declines, failures and timeouts are added to `opp`."""
    rounds = []
    for number in range(2, args.rounds + 1):
        child = opponents_child(url, slots=games, games=games, prefix=f"r{number}opp")
        await child.start()
        more = await child.result(args.timeout)
        for key in ("declined", "failed", "timeout"):
            opp[key] = opp.get(key, 0) + more.get(key, 0)
        await wait_idle(emulator, timeout=30)
        await asyncio.sleep(1.5)
        after = monitor.sample()
        if after is not None:
            rounds.append((after.rss_mb, after.engines))
    return rounds


def bot_move_figures(emulator: Any, daemon: DaemonProcess, first_round_moves: int) -> Any:
    """The first round's bot moves (latency, rate) and how every round ended."""
    moves = emulator.bot_moves[:first_round_moves]
    return {
        "latency_all": [m.latency_ms for m in moves if m.latency_ms is not None],
        "latency_steady": steady_latencies(moves),
        "bot_moves": len(moves),
        "bot_span": moves[-1].at - moves[0].at if len(moves) > 1 else math.nan,
        "outcomes": outcomes(emulator),
        "refused": len(emulator.refused),
        "problems": daemon.log_problems(),
        "engines_seen": len(daemon.engine_pids),
    }


async def run_one(games: int, manager: str, pool_size: int, args: argparse.Namespace) -> Any:
    """K games at once with this manager, in a fresh emulator and daemon: a row for `report`."""
    workdir = Path(tempfile.mkdtemp(prefix=f"many-games-{games}-{manager}-"))
    emulator, url, api_key = await emulator_with_bot()
    config = daemon_config(
        url,
        api_key,
        workdir,
        engine=RANDOMGO,
        manager=manager,
        pool_size=pool_size,
        max_games=games,
    )
    daemon = DaemonProcess(config, workdir)
    monitor = Monitor(emulator, daemon, interval=args.interval)
    row: dict[str, Any] = {"games": games, "manager": manager, "pool_size": pool_size}
    try:
        row.update(await play_first_round(emulator, url, daemon, monitor, games, args))
        end: Sample | None = row["end"]
        rounds = [(end.rss_mb, end.engines)] if end is not None else []
        more = await play_more_rounds(emulator, url, monitor, games, args, row["opponents"])
        row["rounds"] = rounds + more
    finally:
        await monitor.stop()
        await kill_children()
        row["stopped"] = await daemon.stop()
        await emulator.stop()
        row["all_samples"] = list(monitor.samples)
    row.update(bot_move_figures(emulator, daemon, row["first_round_moves"]))
    return row


def report(row: Any) -> None:
    games, manager = row["games"], row["manager"]
    name = manager if manager == "per_game" else f"pool of {row['pool_size']}"
    samples: list[Sample] = row["samples"]
    start: Sample = row["start"]
    end: Sample | None = row["end"]
    rate, seconds, most = steady_rate(samples, games)
    out = row["outcomes"]  # all rounds: errors and time losses
    first = row["round_one"]  # the first round: speed
    opp = row["opponents"]
    peak = max(samples, key=lambda s: s.rss_mb)
    peak_engines = max((s.engines for s in row["all_samples"]), default=0)
    print(f"\n== {games} games at once, engine manager {name} ==")
    print(f"{'games played / finished (first round)':44} {opp.get('games', 0)} / "
          f"{first['finished']}"
          f" (most at once on the server: {most})")  # fmt: skip
    print(f"{'moves on the server, all games':44} {first['moves']} in {row['wall']:.1f} s")
    print(f"{'moves/s while all ran (server)':44} {rate:.0f} (over {seconds:.1f} s)")
    print(f"{'moves/s over the whole run (server)':44} {first['moves'] / row['wall']:.0f}")
    print(f"{'bot moves/s (server received)':44} {row['bot_moves'] / row['bot_span']:.0f}")
    print(f"{'latency ms (p50 p90 p99 max), all':44} {summary(row['latency_all'])}")
    print(f"{'  without each game first move (engine start)':44} {summary(row['latency_steady'])}")
    print(f"{'daemon RSS MB: start / peak / after games':44} {start.rss_mb:.1f} / "
          f"{peak.rss_mb:.1f} (with {peak.active} games) / "
          f"{end.rss_mb if end else math.nan:.1f}")  # fmt: skip
    per_game = rss_per_game(samples, start)
    print(f"{'daemon RSS per game (busiest - start) / games':44} {per_game:.2f} MB")
    print(f"{'engines RSS MB at peak (sum of children)':44} "
          f"{max(s.engines_rss_mb for s in samples):.1f}")  # fmt: skip
    print(f"{'engine processes: peak / after games / seen':44} {peak_engines} / "
          f"{end.engines if end else '?'} / {row['engines_seen']}")  # fmt: skip
    print(f"{'growth: games running -> daemon RSS, engines':44} " + "; ".join(
        f"{n} -> {d:.0f} MB, {e:.0f} MB" for n, d, e in growth(samples, start.rss_mb, games)
    ))  # fmt: skip
    bot_moves = max(1, row["bot_moves"])
    print(f"{'CPU ms per bot move: daemon, engines':44} {row['daemon_cpu'] / bot_moves * 1000:.2f},"
          f" {row['engines_cpu'] / bot_moves * 1000:.2f}")  # fmt: skip
    print(f"{'CPU ms per bot move: emulator, opponents':44} "
          f"{row['emulator_cpu'] / bot_moves * 1000:.2f}, "
          f"{row['opponents_cpu'] / bot_moves * 1000:.2f}")  # fmt: skip
    errors = (
        out["bot_resigned"] + len(out["unfinished"]) + opp.get("declined", 0)
        + opp.get("failed", 0) + row["refused"] + (1 if opp.get("timeout") else 0)
    )  # fmt: skip
    row["errors"] = errors
    print(f"{'time losses (bot) / lost to errors':44} {out['bot_time_losses']} / {errors}"
          f" (resigned {out['bot_resigned']}, unfinished {len(out['unfinished'])}, declined "
          f"{opp.get('declined', 0)}, opponent failures {opp.get('failed', 0)}, moves refused "
          f"{row['refused']}{', TIMEOUT' if opp.get('timeout') else ''})")  # fmt: skip
    if len(row["rounds"]) > 1:
        print(f"{'after each round of K games: RSS, engines':44} " + "; ".join(
            f"{rss:.1f} MB, {engines}" for rss, engines in row["rounds"]
        ))  # fmt: skip
    print(f"{'daemon stopped by':44} {row['stopped']}")
    for text, count in row["problems"].most_common(6):
        print(f"  daemon log: {count:4d} x {text}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, nargs="+", default=[10])
    parser.add_argument("--manager", choices=("per_game", "pool", "both"), default="both")
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5, help="sampling period, s")
    parser.add_argument(
        "--rounds", type=int, default=1, help="play the K games this many times (memory kept?)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="bound on each run, s")
    args = parser.parse_args()
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    managers = ("per_game", "pool") if args.manager == "both" else (args.manager,)
    rows = []
    for games in args.games:
        for manager in managers:
            row = await run_one(games, manager, args.pool_size, args)
            report(row)
            rows.append(row)
    print(f"\n{'K':>4} {'manager':10} {'moves/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'RSS start':>9} {'peak':>6} {'MB/game':>7} {'engines':>7} {'t-loss':>6} "
          f"{'errors':>6}")  # fmt: skip
    for row in rows:
        samples = row["samples"]
        rate, _, _ = steady_rate(samples, row["games"])
        peak = max(samples, key=lambda s: s.rss_mb)
        per_game = rss_per_game(samples, row["start"])
        name = row["manager"] if row["manager"] == "per_game" else f"pool/{row['pool_size']}"
        print(f"{row['games']:4d} {name:10} {rate:8.0f} {pct(row['latency_steady'], 50):7.2f} "
              f"{pct(row['latency_steady'], 99):7.2f} {row['start'].rss_mb:9.1f} "
              f"{peak.rss_mb:6.1f} {per_game:7.2f} "
              f"{max(s.engines for s in row['all_samples']):7d} "
              f"{row['outcomes']['bot_time_losses']:6d} {row['errors']:6d}")  # fmt: skip


if __name__ == "__main__":
    run_main(main)
