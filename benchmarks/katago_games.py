"""KataGo games: N simultaneous 9x9 games on the emulator, KataGo at a fixed number of visits.

Three ways to run KataGo for N games at once (N = 1, 4, 16, 64 by default), each in a fresh
emulator and a fresh daemon, against instant random opponents (fischer 600+30, so no game
should lose on time unless the bridge is wrong):

    per_game   one `katago gtp` process per game          (engine.manager: per_game)
    pool       --pool-size `katago gtp` processes shared   (engine.manager: pool)
    analysis   one `katago analysis` process for all games (engine.kind: katago-analysis)

The same visits per move everywhere (--visits): GTP's maxVisits, the analysis engine's
max_visits. Each run waits until every game has had a bot move (engines started), then
measures for --seconds (or until the bot made --moves-per-game moves per game): bot moves per
second, the bot's answer latency p50/p99 (the server sending the opponent's move -> the server
receiving the bot's, each game's first move excluded), the peak memory (RSS) of the daemon
and everything it started, KataGo's NN evaluations and playouts per second (from its own log,
logSearchInfo), the games lost on time and the least clock time the bot had left at a move.
Then the opponents resign their games (so the engines stop as after a game) and the daemon
is stopped. A last phase plays a few games one after another, one engine per game, without
and with a spare engine started ahead (engine.spare), and prints each game's first move
latency (game start -> the bot's first move on the server).

    .venv/bin/python benchmarks/katago_games.py [--games 1,4,16,64]
        [--setups per_game,pool,analysis] [--visits 8] [--seconds 60] [--moves-per-game M]
        [--pool-size 2] [--analysis-threads 16] [--max-memory MB] [--first-move-games 4]
        [--katago BIN] [--model M] [--gtp-config C] [--analysis-config C] [--quick]

On a machine with a GPU: --katago pointing at its KataGo build, --model at a network, and
--gtp-config / --analysis-config at its configs (the benchmark overrides maxVisits and the
log settings, and for the analysis engine numAnalysisThreads and nnMaxBatchSize, and with
--analysis-nn-buffer the size of its NN buffers: KataGo's default is 19x19, which makes a
9x9 query cost a 19x19 evaluation; the installed analysis.cfg has 9x9 ones). Default:
scripts/install-katago's install in .cache/katago. A setup whose estimated memory
(--engine-mb per KataGo process until one is measured) exceeds --max-memory (default 80% of
MemAvailable) is skipped, with the reason printed. --quick: N = 1 and 4, 20 s each.
What runs where: this process runs the emulator and samples /proc; the daemon runs as
`python -m ogsbot.cli run -c <generated config>`, KataGo as its children; the opponents in
one more process (harness.py). Every figure is printed, none is checked.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    BotMove,
    DaemonProcess,
    cancel_on_sigterm,
    daemon_config,
    emulator_with_bot,
    kill_children,
    machine_load,
    opponents_child,
    outcomes,
    pct,
    run_main,
    until,
    wait_idle,
    wait_ready,
)
from katago_setup import (
    SETUPS,
    KataGo,
    MemoryBook,
    count_ready,
    describe,
    estimate_mb,
    find_katago,
    first_moves_s,
    footprint,
    katago_version,
    mem_available_mb,
    processes,
    resign_all,
    window_figures,
)

JSON = dict[str, Any]
SIZE = 9
TIME_CONTROL = {"system": "fischer", "initial_time": 600, "time_increment": 30, "max_time": 1200}
PROBED = re.compile(r"engine .*: sizes ")  # the daemon's line once it knows what KataGo plays
NOT_PROBED = re.compile(r"engine .* could not be started to learn what it plays.*")


class RunFailed(Exception):
    """The daemon cannot play: the run is skipped, with this reason."""


@dataclass
class Bot:
    """The emulator with the daemon on it, KataGo's logs in `log_dir`."""

    emulator: Any
    url: str
    daemon: DaemonProcess
    log_dir: Path
    command: list[str]
    memory: MemoryBook = field(default_factory=MemoryBook)
    probe_s: float = math.nan  # daemon start -> it knows what KataGo plays


def bot_config(
    url: str, api_key: str, workdir: Path, command: list[str], setup: str, games: int, **kw: Any
) -> JSON:
    """The daemon's config: KataGo for `setup`, `games` games at once, live or rapid."""
    limits = {"allowed": True, "max_games": games}
    config = daemon_config(
        url,
        api_key,
        workdir,
        engine=command,
        manager="pool" if setup == "pool" else "per_game",
        pool_size=kw.get("pool_size", 1),
        spare=kw.get("spare", 0),
        max_games=games,
        speeds={"live": limits, "rapid": limits},
        size=SIZE,
    )
    engine = config["engine"]
    engine.update(name="KataGo", start_timeout=600, command_timeout=120)
    if setup == "analysis":
        for key in ("manager", "pool_size", "spare"):
            engine.pop(key)
        engine.update(kind="katago-analysis", max_visits=kw["visits"])
    return config


def log_match(daemon: DaemonProcess, *patterns: re.Pattern[str]) -> str | None:
    """The first line of the daemon's log one of `patterns` finds, if any."""
    text = daemon.log_path.read_text(errors="replace")
    found = [m for m in (p.search(text) for p in patterns) if m is not None]
    return min(found, key=lambda m: m.start()).group(0) if found else None


async def start_bot(
    kg: KataGo, setup: str, games: int, args: argparse.Namespace, spare: int = 0
) -> Bot:
    """A fresh emulator and daemon for `setup`; returns once the daemon knows what KataGo
    plays (its probe done) and `spare` engines are ready, so neither takes CPU from a game."""
    workdir = Path(tempfile.mkdtemp(prefix=f"katago-{setup}-{games}-"))
    log_dir = workdir / "katago-logs"
    log_dir.mkdir()
    if setup == "analysis":
        threads = min(games, args.analysis_threads) if args.analysis_threads else 0
        command = kg.analysis_command(log_dir, threads, args.analysis_nn_buffer, workdir)
    else:
        command = kg.gtp_command(log_dir)
    emulator, url, api_key = await emulator_with_bot()
    config = bot_config(
        url, api_key, workdir, command, setup, games,
        pool_size=args.pool_size, spare=spare, visits=kg.visits,
    )  # fmt: skip
    bot = Bot(emulator, url, DaemonProcess(config, workdir), log_dir, command)
    started = time.perf_counter()
    try:
        await bot.daemon.start()
        await wait_ready(emulator, bot.daemon, timeout=120)
        await until(lambda: log_match(bot.daemon, PROBED, NOT_PROBED) is not None, 900)
        line = log_match(bot.daemon, PROBED, NOT_PROBED)
        if line is None or NOT_PROBED.match(line):
            raise RunFailed(f"the daemon's probe of KataGo failed: {line or 'no answer'}")
        bot.probe_s = time.perf_counter() - started
        await until(lambda: count_ready(log_dir) >= 1 + spare, 300)
    except BaseException:
        await stop_bot(bot)
        raise
    return bot


async def stop_bot(bot: Bot) -> str:
    """The opponents gone, their games resigned (the engines stop as after a game), the
    daemon stopped: how it stopped."""
    await kill_children()
    resign_all(bot.emulator)
    await wait_idle(bot.emulator, timeout=60)
    stopped = await bot.daemon.stop()
    await bot.emulator.stop()
    return stopped


async def sample_memory(bot: Bot) -> None:
    while True:
        bot.memory.add(footprint(bot.daemon.pid))
        await asyncio.sleep(1.0)


# ----- one run: N games at once --------------------------------------------------------------


async def measure(bot: Bot, games: int, args: argparse.Namespace) -> JSON:
    """Warm-up (every game has moved), then the window: its figures."""
    emulator = bot.emulator
    child = opponents_child(
        bot.url, slots=games, games=10_000, time_control=TIME_CONTROL, size=SIZE
    )
    await child.start()
    begun = time.perf_counter()
    warm = await until(
        lambda: len({m.game_id for m in emulator.bot_moves}) >= games, args.warmup_timeout
    )
    start = time.perf_counter()
    in_window = len(emulator.bot_moves)
    wanted = games * args.moves_per_game if args.moves_per_game else math.inf
    await until(
        lambda: len(emulator.bot_moves) - in_window >= wanted,
        args.seconds,
    )
    end = time.perf_counter()
    to_epoch = time.time() - time.perf_counter()
    return {
        "warm": warm,
        "warmup_s": start - begun,
        "start": start,
        "end": end,
        "epochs": (start + to_epoch, end + to_epoch),
        "moves": list(emulator.bot_moves),
        "outcomes": outcomes(emulator),
        "first_moves_s": first_moves_s(emulator),
    }


def window_row(run: JSON) -> JSON:
    """Moves/s and latency of the window's bot moves (each game's first excluded)."""
    moves: list[BotMove] = run["moves"]
    firsts: dict[int, BotMove] = {}
    for move in moves:
        firsts.setdefault(move.game_id, move)
    inside = [m for m in moves if run["start"] <= m.at < run["end"]]
    seconds = run["end"] - run["start"]
    latency = [
        m.latency_ms for m in inside if m.latency_ms is not None and firsts[m.game_id] is not m
    ]
    left = [m.left_s for m in moves if m.left_s is not None]
    return {
        "seconds": seconds,
        "bot_moves": len(inside),
        "rate": len(inside) / seconds if seconds else math.nan,
        "p50": pct(latency, 50),
        "p99": pct(latency, 99),
        "max": pct(latency, 100),
        "moved": len({m.game_id for m in inside}),
        "min_left": min(left, default=math.nan),
    }


async def run_one(kg: KataGo, setup: str, games: int, args: argparse.Namespace) -> JSON:
    """N games at once in a fresh emulator and daemon: a row of the table."""
    row: JSON = {"setup": setup, "games": games}
    bot = await start_bot(kg, setup, games, args)
    sampler = asyncio.create_task(sample_memory(bot))
    try:
        run = await measure(bot, games, args)
    finally:
        sampler.cancel()
        row["stopped"] = await stop_bot(bot)
    row.update(window_row(run), run=run, command=bot.command, probe_s=bot.probe_s)
    start, end = run["epochs"]
    row["search"] = window_figures(bot.log_dir, start, end, cumulative=setup == "analysis")
    row["memory"] = bot.memory.peak()
    row["per_engine_mb"] = bot.memory.per_engine_mb()
    row["problems"] = bot.daemon.log_problems()
    row["workdir"] = bot.daemon.workdir
    return row


def nn_rates(row: JSON, visits: int) -> tuple[str, str]:
    """NN evaluations/s and playouts/s from KataGo's log, or moves x visits ("~") if the
    log has no search in the window."""
    search, seconds = row["search"], row["seconds"]
    if search.searches:
        return f"{search.rows / seconds:.1f}", f"{search.playouts / seconds:.1f}"
    return "-", f"~{row['bot_moves'] * visits / seconds:.1f}"


def report(row: JSON) -> None:
    """The details of one run, as it ends."""
    run, search, mem = row["run"], row["search"], row["memory"]
    out = run["outcomes"]
    print(f"\n== {row['games']} game(s) at once, {row['setup']} ==")
    print(f"  KataGo: {describe(row['command'])}")
    late = "" if run["warm"] else " (WARM-UP TIMED OUT)"
    print(f"  daemon ready and KataGo probed in {row['probe_s']:.1f} s; every game had moved "
          f"after {run['warmup_s']:.1f} s{late}")  # fmt: skip
    firsts = run["first_moves_s"]
    print(f"  first bot move after the game's start: p50 {pct(firsts, 50):.1f} s, max "
          f"{pct(firsts, 100):.1f} s over {len(firsts)} games")  # fmt: skip
    print(f"  window {row['seconds']:.1f} s: {row['bot_moves']} bot moves, "
          f"{row['moved']}/{row['games']} games moved; latency p50 {row['p50']:.0f} ms, p99 "
          f"{row['p99']:.0f} ms, max {row['max']:.0f} ms")  # fmt: skip
    print(f"  KataGo log: {search.searches} searches in the window, {search.rows} NN rows, "
          f"{search.playouts} playouts ({search.logs} log files, {search.ready} processes "
          f"started); rows/search {search.rows / max(1, search.searches):.1f}")  # fmt: skip
    engine_mb = row["per_engine_mb"] or math.nan
    print(f"  peak memory {mem.total_mb:.0f} MB: daemon {mem.daemon_mb:.0f} MB + "
          f"{mem.engines} processes {mem.engines_mb:.0f} MB ({engine_mb:.0f} MB each)")  # fmt: skip
    print(f"  games finished during the run {out['finished']}/{out['games']}, bot time losses "
          f"{out['bot_time_losses']}, bot resigned {out['bot_resigned']}, least clock left "
          f"at a move {row['min_left']:.0f} s; daemon stopped by {row['stopped']}")  # fmt: skip
    for text, count in row["problems"].most_common(6):
        print(f"  daemon log: {count:4d} x {text}")
    print(f"  files: {row['workdir']}", flush=True)


def print_table(rows: list[JSON], args: argparse.Namespace) -> None:
    print(f"\n{'setup':9} {'N':>3} {'procs':>5} {'moves/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'mem MB':>7} {'NNev/s':>7} {'visit/s':>7} {'t-loss':>6} {'min left':>8} "
          f"{'moved':>6} {'finished':>8} {'1st mv s':>8}")  # fmt: skip
    for row in rows:
        name = row["setup"] if row["setup"] != "pool" else f"pool/{args.pool_size}"
        if "skipped" in row:
            print(f"{name:9} {row['games']:3d} skipped: {row['skipped']}")
            continue
        out = row["run"]["outcomes"]
        nn, visits = nn_rates(row, args.visits)
        procs = processes(row["setup"], row["games"], args.pool_size)
        print(f"{name:9} {row['games']:3d} {procs:5d} {row['rate']:7.2f} {row['p50']:7.0f} "
              f"{row['p99']:7.0f} {row['memory'].total_mb:7.0f} {nn:>7} {visits:>7} "
              f"{out['bot_time_losses']:6d} {row['min_left']:8.0f} "
              f"{row['moved']:3d}/{row['games']:<2d} {out['finished']:8d} "
              f"{pct(row['run']['first_moves_s'], 50):8.1f}")  # fmt: skip


# ----- first moves without and with a spare engine -------------------------------------------


async def first_move_phase(kg: KataGo, spare: int, args: argparse.Namespace) -> list[float]:
    """--first-move-games games one after another, one engine per game and `spare` started
    ahead; each is resigned (by its opponent) --first-move-gap s after the bot's first move
    (the next spare starts meanwhile). Each game's first move, s after its start."""
    bot = await start_bot(kg, "per_game", 1, args, spare=spare)
    emulator = bot.emulator
    games: int = args.first_move_games
    try:
        child = opponents_child(bot.url, slots=1, games=games, time_control=TIME_CONTROL, size=SIZE)
        await child.start()

        def played() -> dict[int, float]:  # game -> its first bot move (perf_counter)
            firsts: dict[int, float] = {}
            for move in emulator.bot_moves:
                firsts.setdefault(move.game_id, move.at)
            return firsts

        gap: float = args.first_move_gap

        def step() -> bool:
            firsts, now = played(), time.perf_counter()
            resign_all(emulator, lambda r: now - firsts.get(r.game_id, now) > gap)
            return len(firsts) >= games

        await until(step, games * (args.first_move_gap + 180))
        return first_moves_s(emulator)
    finally:
        await stop_bot(bot)


# ----- main -------------------------------------------------------------------------------------


def header(kg: KataGo, args: argparse.Namespace) -> None:
    print(f"katago_games.py, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(machine_load())
    print(f"KataGo: {katago_version(kg)}; {describe([str(kg.binary)])}; model "
          f"{describe([str(kg.model)])}")  # fmt: skip
    base = kg.analysis_config or "a minimal one written in each run's folder"
    threads = f"min(N, {args.analysis_threads})" if args.analysis_threads else "the config's"
    size = args.analysis_nn_buffer
    buffer = f"{size}x{size}" if size else "the config's"
    print(f"base configs: gtp {describe([str(kg.gtp_config)])}, analysis {base}")
    print(f"{args.visits} visits per move; {SIZE}x{SIZE}, fischer 600+30, instant random "
          f"opponents; window {args.seconds:g} s after every game has moved"
          f"{f' or {args.moves_per_game} bot moves per game' if args.moves_per_game else ''}; "
          f"pool of {args.pool_size}; analysis threads {threads}, NN buffer {buffer}; "
          f"memory limit {args.max_memory:.0f} MB", flush=True)  # fmt: skip


async def run_all(kg: KataGo, args: argparse.Namespace) -> list[JSON]:
    """Every setup for every N, those that would not fit in memory skipped."""
    rows: list[JSON] = []
    measured: dict[str, float] = {}  # MB per KataGo process, GTP or analysis, once seen
    for games in args.games:
        for setup in args.setups:
            kind = "analysis" if setup == "analysis" else "gtp"
            engine_mb = measured.get(kind, args.engine_mb)
            need = estimate_mb(setup, games, args.pool_size, engine_mb)
            if need > args.max_memory:
                reason = (
                    f"needs about {need:.0f} MB ({processes(setup, games, args.pool_size)} "
                    f"KataGo x {engine_mb:.0f} MB + daemon) > {args.max_memory:.0f} MB"
                )
                print(f"\n== {games} game(s) at once, {setup}: skipped, {reason}", flush=True)
                rows.append({"setup": setup, "games": games, "skipped": reason})
                continue
            try:
                row = await run_one(kg, setup, games, args)
            except RunFailed as exc:
                print(f"\n== {games} game(s) at once, {setup}: skipped, {exc}", flush=True)
                rows.append({"setup": setup, "games": games, "skipped": str(exc)})
                continue
            report(row)
            if row["per_engine_mb"] is not None:
                measured[kind] = max(measured.get(kind, 0.0), row["per_engine_mb"])
            rows.append(row)
    return rows


def parse_args() -> argparse.Namespace:
    def numbers(text: str) -> list[int]:
        return [int(n) for n in text.split(",") if n]

    def setups(text: str) -> list[str]:
        chosen = [s for s in text.split(",") if s]
        wrong = [s for s in chosen if s not in SETUPS]
        if wrong:
            raise argparse.ArgumentTypeError(f"{wrong}: not in {','.join(SETUPS)}")
        return chosen

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--games", type=numbers, default=[1, 4, 16, 64], help="N, comma-separated")
    add("--setups", type=setups, default=list(SETUPS), help="per_game,pool,analysis")
    add("--visits", type=int, default=8, help="visits per move, every setup")
    add("--seconds", type=float, default=60, help="measuring window, s (after warm-up)")
    add("--moves-per-game", type=int, default=0, help="end the window after N x this moves")
    add("--warmup-timeout", type=float, default=600, help="bound on the warm-up, s")
    add("--pool-size", type=int, default=2, help="GTP processes of the pool setup")
    add("--analysis-threads", type=int, default=16, help="most positions searched at once")
    add("--analysis-nn-buffer", type=int, default=0, help="analysis NN buffer (0: config's)")
    add("--katago", help="KataGo binary (default: install's)")
    add("--model", help="network (default: .cache/katago/model.bin.gz)")
    add("--gtp-config", help="base GTP config (default: .cache/katago/gtp.cfg)")
    add("--analysis-config", help="base analysis config (default: .cache/katago/analysis.cfg)")
    add("--max-memory", type=float, default=0.8 * mem_available_mb(), help="MB")
    add("--engine-mb", type=float, default=300, help="MB per KataGo process, estimate")
    add("--first-move-games", type=int, default=4, help="games per spare setting (0: none)")
    add("--first-move-gap", type=float, default=10, help="s after a first move to resign")
    add("--quick", action="store_true", help="N = 1, 4; 20 s windows; 2 first-move games")
    args = parser.parse_args()
    if args.quick:
        args.games, args.seconds, args.first_move_games = [1, 4], 20, 2
        args.warmup_timeout = min(args.warmup_timeout, 240)
    return args


async def main() -> None:
    args = parse_args()
    cancel_on_sigterm()
    kg = find_katago(args.katago, args.model, args.gtp_config, args.analysis_config, args.visits)
    header(kg, args)
    rows = await run_all(kg, args)
    firsts = []
    for spare in (0, 1) if args.first_move_games else ():
        try:
            firsts.append((spare, await first_move_phase(kg, spare, args)))
        except RunFailed as exc:
            print(f"first moves with spare {spare}: not measured, {exc}")
    print_table(rows, args)
    print("(moves/s, latency, NN evaluations and playouts per second: in the window; memory:")
    print(" peak RSS of the daemon and all it started; min left: least clock the bot had at a")
    print(" move, s; moved: games with a bot move in the window; 1st mv: p50 of each game's first")
    print(" bot move after its start, engines starting while all N games begin)")
    for spare, values in firsts:
        shown = ", ".join(f"{v:.1f}" for v in values)
        wanted = args.first_move_games
        late = "" if len(values) >= wanted else f"; TIMED OUT: {len(values)} of {wanted} games"
        if not values:
            print(f"first move of a game alone, spare {spare}: not measured{late}")
            continue
        print(f"first move of a game alone, one engine per game, spare {spare}: p50 "
              f"{pct(values, 50):.2f} s, max {pct(values, 100):.2f} s ({shown}){late}")  # fmt: skip


if __name__ == "__main__":
    run_main(main)
