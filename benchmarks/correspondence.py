"""Correspondence scale: N open correspondence games (default 2,000) and a pool of 2 engines.

The emulator (in this process) holds --games 19x19 correspondence games between the bot and
--opponents opponent accounts, made directly (`Emulator.create_game`, what
`POST /_sandbox/games` does) as if long under way: 10..150 random legal moves already played,
the bot black or white at random (so it is to move in about half), time controls mixed
(fischer 3 days + 1 day/move max 7 days, simple 2 days/move, byoyomi 5 days + 5 x 1 day),
rules mixed (japanese, chinese, aga). The daemon (`ogsbot run`, engine randomgo, `engine.manager:
pool`, `pool_size` --pool-size) then goes through four phases, each timed at the server:

1. cold start: from spawning the daemon to its login, to its `game/connect` for every game
   (joined), and to its move in every game where it is to move;
2. live: opponents (in this process, through the referee: no sockets) answer in --live games
   while the daemon runs, one every 10 ms; the bot's answer latency (server sent the move ->
   server got the answer);
3. stop: SIGTERM, and how long the daemon takes to exit;
4. while it is down, opponents answer in --replies of the games; then resume: the same
   timings as 1 after starting the daemon again.

Through all of it: the daemon's RSS (and per game: RSS with all games joined minus the RSS of
the same daemon logged in with no game, measured first), its CPU time, and its engine
processes (children in /proc; must never exceed the pool size). --profile runs py-spy on the
daemon through the resume and prints where its CPU went.

    .venv/bin/python benchmarks/correspondence.py [--games 2000] [--pool-size 2]
        [--opponents 200] [--live 200] [--replies 0.5] [--profile] [--timeout 600]

Takes one to two minutes with the defaults on a 2-core machine; every wait is bounded by
--timeout. What runs where: this process runs the emulator, the opponents' moves and the
/proc sampling; the daemon runs as `python -m ogsbot.cli run -c <generated config>`, its
randomgo engines as its children.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
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
    machine_load,
    parse_raw_profile,
    pct,
    rss_mb,
    run_main,
    until,
)

from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.referee import GameSettings

DAY = 86400
TIME_CONTROLS = [  # (share, time control)
    (0.5, {"system": "fischer", "initial_time": 3 * DAY, "time_increment": DAY,
           "max_time": 7 * DAY}),
    (0.3, {"system": "simple", "per_move": 2 * DAY}),
    (0.2, {"system": "byoyomi", "main_time": 5 * DAY, "period_time": DAY, "periods": 5}),
]  # fmt: skip
RULES = ["japanese", "chinese", "aga"]


@dataclass
class Phase:
    """What the server saw of one start of the daemon."""

    name: str
    games: int = 0
    to_move: set[int] = field(default_factory=set)  # games where the bot was to move at start
    started: float = 0.0  # perf_counter when the daemon was spawned
    login: float = math.nan  # seconds from `started`
    joined: float = math.nan  # every game joined
    moved: float = math.nan  # a move in every game of `to_move`
    first_move: float = math.nan
    rss_joined: float = math.nan  # MB when every game was joined and moved
    rss_settled: float = math.nan  # MB 2 s later
    rss_peak: float = math.nan
    engines_peak: int = 0
    cpu: float = math.nan  # daemon CPU seconds until `moved`
    missing: int = 0  # games not joined / not moved by the timeout


class Watch:
    """Timestamps the bot's `authenticate` and `game/connect` frames at the server."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.login: float | None = None
        self.joined: dict[int, float] = {}
        commands = emulator._commands
        auth, connect = commands["authenticate"], commands["game/connect"]

        def authenticate(client: Any, data: Any) -> Any:
            result = auth(client, data)
            if client.account is not None and client.account.id == emulator.bot_id:
                self.login = time.perf_counter()
            return result

        def game_connect(client: Any, data: Any) -> Any:
            if client.account is not None and client.account.id == emulator.bot_id:
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    self.joined.setdefault(int(data["game_id"]), time.perf_counter())
            return connect(client, data)

        commands["authenticate"] = authenticate
        commands["game/connect"] = game_connect

    def reset(self) -> None:
        self.login = None
        self.joined = {}


def create_games(emulator: Any, args: argparse.Namespace) -> dict[str, int]:
    """The bot's correspondence games, as described in the docstring."""
    rng = random.Random(args.seed)
    bot = emulator.accounts.by_id[emulator.bot_id]
    opponents = [
        emulator.add_human(f"corr{n}", f"pw-corr{n}", ranking=rng.uniform(5, 25))
        for n in range(1, args.opponents + 1)
    ]
    shares = [share for share, _ in TIME_CONTROLS]
    systems: dict[str, int] = {}
    for number in range(args.games):
        opponent = opponents[number % len(opponents)]
        tc = TimeControl.from_json(rng.choices([t for _, t in TIME_CONTROLS], shares)[0])
        systems[tc.system] = systems.get(tc.system, 0) + 1
        rules = rng.choice(RULES)
        settings = GameSettings(
            width=19,
            height=19,
            rules=rules,
            komi=7.5 if rules != "japanese" else 6.5,
            time_control=tc.with_speed(19, 19),
            name=f"Correspondence {number + 1}",
        )
        black, white = (bot, opponent) if rng.random() < 0.5 else (opponent, bot)
        emulator.create_game(black, white, settings, random_moves=rng.randint(10, 150), rng=rng)
    return systems


def bot_to_move(emulator: Any) -> set[int]:
    return {
        r.game_id
        for r in emulator.games.values()
        if not r.finished and r.account(r.to_move()).id == emulator.bot_id
    }


def opponents_reply(emulator: Any, game_ids: list[int], rng: random.Random) -> int:
    """The opponent plays a random legal stone in each game (as if through its socket)."""
    played = 0
    for game_id in game_ids:
        referee = emulator.games[game_id]
        mover = referee.account(referee.to_move())
        if referee.finished or mover.id == emulator.bot_id:
            continue
        point = referee.random_point(rng)
        events = referee.move(mover.id, point, time.time())
        emulator.broadcast_game(referee, events)
        played += 1
    return played


async def run_phase(
    name: str,
    emulator: Any,
    daemon: DaemonProcess,
    watch: Watch,
    args: argparse.Namespace,
    on_start: Callable[[int], Awaitable[None]] | None = None,
) -> Phase:
    """Start the daemon; wait until it has joined every game and moved wherever it is to move."""
    phase = Phase(name, games=sum(1 for r in emulator.games.values() if not r.finished))
    phase.to_move = bot_to_move(emulator)
    all_games = {r.game_id for r in emulator.games.values() if not r.finished}
    watch.reset()
    moves_before = len(emulator.bot_moves)
    monitor = Monitor(emulator, daemon, interval=0.25)
    phase.started = time.perf_counter()
    await daemon.start()
    if on_start is not None:
        await on_start(daemon.pid)
    sampler = asyncio.create_task(monitor.run())
    deadline = time.monotonic() + args.timeout
    moved: dict[int, float] = {}
    try:
        while time.monotonic() < deadline:
            if daemon.proc is not None and daemon.proc.returncode is not None:
                raise SystemExit(f"the daemon exited: see {daemon.log_path}")
            for move in emulator.bot_moves[moves_before:]:
                moved.setdefault(move.game_id, move.at)
            moves_before = len(emulator.bot_moves)
            if watch.login is not None and math.isnan(phase.login):
                phase.login = watch.login - phase.started
            if math.isnan(phase.joined) and all_games <= watch.joined.keys():
                phase.joined = max(watch.joined[g] for g in all_games) - phase.started
            if math.isnan(phase.moved) and phase.to_move <= moved.keys():
                phase.moved = (
                    max((moved[g] for g in phase.to_move), default=phase.started) - phase.started
                )
                phase.cpu = cpu_seconds(daemon.pid) or math.nan
            if not math.isnan(phase.joined) and not math.isnan(phase.moved):
                break
            await asyncio.sleep(0.05)
        sample = monitor.sample()
        phase.rss_joined = sample.rss_mb if sample else math.nan
        await asyncio.sleep(2.0)
        sample = monitor.sample()
        phase.rss_settled = sample.rss_mb if sample else math.nan
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    phase.missing = len(all_games - watch.joined.keys()) + len(phase.to_move - moved.keys())
    firsts = [moved[g] for g in phase.to_move if g in moved]
    phase.first_move = min(firsts) - phase.started if firsts else math.nan
    phase.rss_peak = monitor.peak("rss_mb")
    phase.engines_peak = int(monitor.peak("engines"))
    return phase


async def baseline_rss(emulator: Any, daemon: DaemonProcess, watch: Watch) -> float:
    """The daemon's RSS logged in with no game (taken 1.5 s after its login)."""
    watch.reset()
    await daemon.start()
    await until(lambda: watch.login is not None, 60)
    await asyncio.sleep(1.5)
    rss = rss_mb(daemon.pid) or math.nan
    await daemon.stop()
    return rss


def show_profile(path: Path, rate: int) -> None:
    profile = parse_raw_profile(path)
    total = profile.total
    if not total:
        print(f"py-spy recorded no samples ({path})")
        return
    print(f"\nprofile of the daemon through the resume (py-spy --nonblocking, {rate} Hz): "
          f"{total} samples = {total / rate:.1f} s of CPU; {path}")  # fmt: skip
    print(f"{'top functions, self time':90} {'share':>6}")
    for function, count in profile.leaf.most_common(15):
        print(f"{function[:90]:90} {count / total:6.1%}")
    print(f"\n{'ogsbot functions, inclusive (callees counted)':90} {'share':>6}")
    ours = [(f, c) for f, c in profile.inclusive.most_common() if "ogsbot/" in f]
    for function, count in ours[:20]:
        print(f"{function[:90]:90} {count / total:6.1%}")


def fmt(seconds: float) -> str:
    return f"{seconds:8.2f}" if not math.isnan(seconds) else "       -"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--opponents", type=int, default=200)
    parser.add_argument("--live", type=int, default=200, help="opponent moves while it runs")
    parser.add_argument(
        "--replies", type=float, default=0.5, help="share of games answered while it is down"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="py-spy on the resume")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--timeout", type=float, default=600, help="bound on each phase, s")
    return parser.parse_args()


def correspondence_config(
    url: str, api_key: str, workdir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """The daemon's config: randomgo in a pool, correspondence only, every game allowed."""
    config = daemon_config(
        url,
        api_key,
        workdir,
        engine=RANDOMGO,
        manager="pool",
        pool_size=args.pool_size,
        max_games=args.games,
        speeds={"correspondence": {"allowed": True, "max_games": args.games}},
        size=19,
    )
    config["log"]["status_interval"] = 10
    return config


def make_games(emulator: Any, args: argparse.Namespace) -> None:
    """The games (`create_games`), and a line on what they are."""
    t0 = time.perf_counter()
    systems = create_games(emulator, args)
    made = time.perf_counter() - t0
    moves = [r.state.move_number for r in emulator.games.values()]
    print(f"{args.games} games 19x19 made in {made:.1f} s (Emulator.create_game): "
          f"{min(moves)}..{max(moves)} moves played (mean {sum(moves) / len(moves):.0f}), "
          f"time controls {systems}, {args.opponents} opponents; "
          f"daemon: randomgo, pool of {args.pool_size}")  # fmt: skip


@dataclass
class Live:
    """Opponents answering while the daemon runs: the bot's answers, timed at the server."""

    moves: int  # the opponents' moves
    latency: list[float]  # ms, server sent the move -> server got the answer
    rss: float  # the daemon's, MB, once it has answered them all


async def live_replies(
    emulator: Any, daemon: DaemonProcess, args: argparse.Namespace, rng: random.Random
) -> Live:
    """Opponents answer in --live games, ten every 0.1 s, until the bot is to move in none."""
    live_ids = rng.sample(sorted(r.game_id for r in emulator.games.values()), args.live)
    answered_before = len(emulator.bot_moves)
    for chunk in range(0, len(live_ids), 10):
        opponents_reply(emulator, live_ids[chunk : chunk + 10], rng)
        await asyncio.sleep(0.1)
    await until(lambda: not bot_to_move(emulator), args.timeout)
    latency = [
        m.latency_ms for m in emulator.bot_moves[answered_before:] if m.latency_ms is not None
    ]
    return Live(len(live_ids), latency, rss_mb(daemon.pid) or math.nan)


def replies_while_down(emulator: Any, args: argparse.Namespace, rng: random.Random) -> int:
    """While the daemon is down, opponents answer in a share (--replies) of the open games."""
    open_ids = sorted(r.game_id for r in emulator.games.values() if not r.finished)
    down_ids = rng.sample(open_ids, int(args.replies * len(open_ids)))
    return opponents_reply(emulator, down_ids, rng)


def find_profiler(args: argparse.Namespace, output: Path) -> PySpy | None:
    """py-spy for the resume when --profile asks for it and it is installed (else said so)."""
    if not args.profile:
        return None
    program = PySpy.find()
    if program is None:
        print("py-spy is not installed: no profile")
        return None
    return PySpy(program, args.rate, output)


@dataclass
class ScaleRun:
    """Every phase's figures, once the daemon and the emulator are stopped."""

    base: float  # the daemon's RSS with no game, MB
    cold: Phase
    live: Live
    stop_how: str  # how the daemon stopped with every game open
    stop_seconds: float
    down_replies: int
    resume: Phase
    engines_seen: int
    stopped: str  # how the daemon was stopped at the end
    daemons: list[DaemonProcess]  # the cold start's and the resume's, for their logs


async def run_scale(args: argparse.Namespace, workdir: Path) -> ScaleRun:
    """The four phases of the docstring, after the daemon's RSS with no game."""
    emulator, url, api_key = await emulator_with_bot()
    watch = Watch(emulator)
    config = correspondence_config(url, api_key, workdir, args)

    def new_daemon(name: str) -> DaemonProcess:
        (workdir / name).mkdir()
        return DaemonProcess(config, workdir / name)

    daemon = new_daemon("baseline")
    rng = random.Random(args.seed + 1)
    spy: PySpy | None = None
    try:
        base = await baseline_rss(emulator, daemon, watch)
        make_games(emulator, args)
        daemon = new_daemon("cold")
        cold = await run_phase("cold start", emulator, daemon, watch, args)
        live = await live_replies(emulator, daemon, args, rng)
        stop_start = time.perf_counter()
        how = await daemon.stop()
        stop_seconds = time.perf_counter() - stop_start
        down_replies = replies_while_down(emulator, args, rng)
        cold_daemon, daemon = daemon, new_daemon("resume")
        spy = find_profiler(args, workdir / "daemon-profile.txt")
        on_start = spy.attach if spy is not None else None
        resume = await run_phase("resume", emulator, daemon, watch, args, on_start)
        if spy is not None:
            await spy.finish()
        engines_seen = len(cold_daemon.engine_pids) + len(daemon.engine_pids)
    finally:
        if spy is not None:
            await spy.kill()
        stopped = await daemon.stop()
        await emulator.stop()
    return ScaleRun(
        base, cold, live, how, stop_seconds, down_replies, resume, engines_seen, stopped,
        [cold_daemon, daemon],
    )  # fmt: skip


def print_phases(base: float, phases: list[Phase]) -> None:
    """One row a start of the daemon, and what the columns mean."""
    print(f"\ndaemon RSS logged in with no game: {base:.1f} MB\n")
    header = (
        f"{'phase':12} {'games':>6} {'to move':>7} {'login s':>8} {'joined s':>8} "
        f"{'1st mv s':>8} {'moved s':>8} {'CPU s':>7} {'RSS MB':>7} {'+2 s':>6} "
        f"{'peak':>6} {'KB/game':>7} {'engines':>7} {'missing':>7}"
    )
    print(header)
    for phase in phases:
        per_game = (phase.rss_settled - base) * 1024 / max(1, phase.games)
        print(f"{phase.name:12} {phase.games:6d} {len(phase.to_move):7d} {fmt(phase.login)} "
              f"{fmt(phase.joined)} {fmt(phase.first_move)} {fmt(phase.moved)} "
              f"{phase.cpu:7.1f} {phase.rss_joined:7.1f} {phase.rss_settled:6.1f} "
              f"{phase.rss_peak:6.1f} {per_game:7.1f} {phase.engines_peak:7d} "
              f"{phase.missing:7d}")  # fmt: skip
    print("(seconds from spawning the daemon; joined: its game/connect for every game reached "
          "the server;\n moved: its move reached the server in every game where it was to "
          "move; CPU: the daemon's\n CPU time until then; RSS at that moment and 2 s later; "
          "KB/game = (RSS 2 s later - RSS with\n no game) / games; engines: the most engine "
          "processes seen at once)")  # fmt: skip


def print_live_stop_and_engines(run: ScaleRun, args: argparse.Namespace, workdir: Path) -> None:
    """The live answers, the stop, the replies while down, the engines and the daemons' logs."""
    live, cold = run.live, run.cold
    print(f"\nlive, {live.moves} opponent moves with {cold.games} games open: bot answer "
          f"latency ms p50 {pct(live.latency, 50):.1f}, p90 {pct(live.latency, 90):.1f}, "
          f"max {pct(live.latency, 100):.1f} ({len(live.latency)} answers); RSS after "
          f"{live.rss:.1f} MB")  # fmt: skip
    print(f"stop (SIGTERM with {cold.games} games open): {run.stop_seconds:.1f} s, {run.stop_how}")
    print(f"while down: opponents answered in {run.down_replies} games")
    print(f"engine processes: at most {max(cold.engines_peak, run.resume.engines_peak)} at once "
          f"(pool size {args.pool_size}), {run.engines_seen} started in all")  # fmt: skip
    print(f"daemon stopped at the end by {run.stopped}; logs in {workdir}/*/daemon.log")
    cold_daemon, resume_daemon = run.daemons
    problems = cold_daemon.log_problems() + resume_daemon.log_problems()
    for text, count in problems.most_common(6):
        print(f"  daemon log: {count:4d} x {text}")


async def main() -> None:
    args = parse_args()
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="correspondence-"))
    run = await run_scale(args, workdir)
    print_phases(run.base, [run.cold, run.resume])
    print_live_stop_and_engines(run, args, workdir)
    profile_path = workdir / "daemon-profile.txt"
    if args.profile and profile_path.exists():
        show_profile(profile_path, args.rate)


if __name__ == "__main__":
    run_main(main)
