"""One soak run: the emulator, the daemon process, the opponents' process and the faults."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    BOT,
    Child,
    DaemonProcess,
    create_humans,
    kill_children,
    make_emulator,
    rss_mb,
)
from soak_faults import JSON, TIME_CONTROLS, TIME_MARGIN, Injector, write_wrapper

# ----- the opponents (a child process) ---------------------------------------------------------


def opponents_child(args: argparse.Namespace, url: str) -> Child:
    child = Child("opponents")
    child.argv = [
        sys.executable,
        str(Path(__file__).resolve().with_name("soak.py")),
        "opponents",
        "--url",
        url,
        "--slots",
        str(args.parallel),
        "--games",
        str(args.games),
        "--seconds",
        str(args.seconds),
        "--game-timeout",
        str(args.game_timeout),
        "--seed",
        str(args.seed),
    ]
    return child


async def opponents(args: argparse.Namespace) -> JSON:
    """Play `games` games against the bot, `slots` at a time; one record per challenge."""
    from ogsbot.sandbox.players import Opponent, challenge_request

    deadline = time.monotonic() + args.seconds
    records: list[JSON] = []
    started = 0
    names = [(f"soak{n}", f"pw-soak{n}-{secrets.token_hex(4)}") for n in range(1, args.slots + 1)]
    await create_humans(args.url, names)

    async def play_slot(index: int) -> None:
        nonlocal started
        name, password = names[index]
        while started < args.games and time.monotonic() < deadline:
            started += 1
            number = started
            rng = random.Random(f"{args.seed}:{number}")
            tc = rng.choice(TIME_CONTROLS)
            request = challenge_request({"size": 9, "rules": "chinese", "time_control": tc})
            opponent = Opponent(args.url, name, password, "random", seed=rng.getrandbits(31))
            record: JSON = {"number": number, "slot": name, "tc": tc["system"], "game_id": None}
            records.append(record)
            try:
                _, game_id = await asyncio.wait_for(opponent.challenge(BOT, request), 60)
                record["game_id"] = game_id
                game = await asyncio.wait_for(
                    opponent.play(game_id, start_timeout=90), args.game_timeout
                )
                if game is None:
                    record["result"] = "declined"
                    await asyncio.sleep(1.0)
                    continue
                gd = game.gamedata
                record["result"] = "finished" if game.finished else "unfinished"
                record["outcome"] = gd.outcome if gd is not None else ""
            except TimeoutError:
                record["result"] = "timeout"
            except Exception as exc:
                record["result"] = f"error: {type(exc).__name__}: {exc}"[:200]
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(opponent.close(), 10)

    await asyncio.gather(*(play_slot(i) for i in range(args.slots)))
    return {"records": records}


# ----- faults ------------------------------------------------------------------------------------


IDLE_WAIT = 120.0  # s: the longest the idle sample waits for the last games to end


@dataclass
class Sample:
    t: float
    rss_mb: float
    finished: int  # the bot's games finished on the server so far
    active: int  # the bot's games in play on the server
    engines: int  # the daemon's child processes


def bot_games(emulator: Any) -> list[Any]:
    bot = emulator.bot_id
    return [r for r in emulator.games.values() if bot in (r.black.id, r.white.id)]


async def sample_daemon(
    emulator: Any, daemon: DaemonProcess, samples: list[Sample], injector: Injector
) -> None:
    start = time.perf_counter()
    while True:
        rss = rss_mb(daemon.pid)
        if rss is None or (daemon.proc is not None and daemon.proc.returncode is not None):
            if injector.killing:  # killed on purpose: it comes back
                await asyncio.sleep(0.5)
                continue
            return  # the daemon is gone: the main task notices
        games = bot_games(emulator)
        finished = sum(1 for r in games if r.finished)
        engines = len(daemon.note_engines())
        t = time.perf_counter() - start
        samples.append(Sample(t, rss, finished, len(games) - finished, engines))
        await asyncio.sleep(0.5)


# ----- the run ---------------------------------------------------------------------------------


def pool_size(args: argparse.Namespace) -> int:
    return max(1, int(args.parallel) // 4)


def soak_config(url: str, api_key: str, workdir: Path, args: argparse.Namespace) -> JSON:
    ranges = {
        "fischer": {
            "initial_time": [1, 3600],
            "time_increment": [0, 300],
            "max_time": [1, 7200],
        },
        "simple": {"per_move": [1, 300]},
        "byoyomi": {"main_time": [0, 3600], "period_time": [1, 300], "periods": [1, 10]},
    }
    limit = args.parallel * 2
    speeds = {
        speed: {"allowed": True, "max_games": limit, **ranges}
        for speed in ("blitz", "rapid", "live")
    }
    engine: JSON = {
        "command": [sys.executable, str(workdir / "flakygo.py")],
        "name": "flakygo",
        "time_margin": TIME_MARGIN,
        "command_timeout": 10,
        "start_timeout": 20,
        "quit_grace": 2,
    }
    if args.manager == "analysis":  # one process for every game, as KataGo's analysis engine
        engine.update(kind="katago-analysis", resign_winrate=0)
    else:
        engine.update(manager=args.manager, pool_size=pool_size(args))
    return {
        "server": url,
        "api_key": api_key,
        "engine": engine,
        "challenges": {
            "board_sizes": [9],
            "max_games": limit,
            "max_games_per_player": 0,
            "time_systems": ["fischer", "simple", "byoyomi"],
            "speeds": speeds,
        },
        "game": {"min_move_time": 0, "sgf_dir": str(workdir / "sgf")},
        "log": {
            "level": args.log_level,
            "file": str(workdir / "logs" / "daemon-file.log"),
            "status_interval": 30,
        },
        "shutdown_wait": 20,
    }


async def wait_games_over(emulator: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = emulator.bot_status.get(emulator.bot_id) or {}
        if all(r.finished for r in bot_games(emulator)) and not any(status.values()):
            return
        await asyncio.sleep(0.25)


@dataclass
class Run:
    """What a run leaves behind for the report."""

    workdir: Path
    api_key: str
    wall: float = 0.0
    opponents: JSON = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    idle: Sample | None = None
    stopped: str = ""
    returncode: int | None = None
    died: bool = False
    faults: Counter[str] = field(default_factory=Counter)
    malformed: Counter[str] = field(default_factory=Counter)
    restart_seconds: list[float] = field(default_factory=list)
    games: list[Any] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    injector: Any = None


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait for each; the list is emptied."""
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    tasks.clear()


async def start_daemon(emulator: Any, daemon: DaemonProcess) -> None:
    """Start the daemon and wait until it has logged in (told the server its rules)."""
    await daemon.start()
    deadline = time.monotonic() + 60
    while emulator.bot_id not in emulator.bot_config:
        if daemon.proc is not None and daemon.proc.returncode is not None:
            raise SystemExit(f"the daemon exited at start: see {daemon.log_path}")
        if time.monotonic() > deadline:
            raise SystemExit("the daemon did not log in within 60 s")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)


async def play_games(
    args: argparse.Namespace, url: str, daemon: DaemonProcess, injector: Injector, result: Run
) -> None:
    """The opponents' process plays its games; a daemon that dies (not killed) ends it."""
    child = opponents_child(args, url)
    await child.start()
    waiting = asyncio.create_task(child.result(args.seconds + args.grace + 120))
    while not waiting.done():
        await asyncio.wait({waiting}, timeout=1.0)
        gone = daemon.proc is not None and daemon.proc.returncode is not None
        if gone and not injector.killing:
            result.died = True
            await child.kill()
            break
    if not result.died:
        result.opponents = await waiting


async def idle_sample(emulator: Any, daemon: DaemonProcess, started: float) -> Sample | None:
    """The daemon once the games are over and its engines stopped. The games a kill -9
    left waiting (their challengers never move) end on their clocks: waited for, so that
    their engines are not counted as left over."""
    deadline = time.monotonic() + IDLE_WAIT
    while True:  # challenges left waiting by a late kill -9 can start games meanwhile
        await wait_games_over(emulator, max(0.0, deadline - time.monotonic()))
        await asyncio.sleep(2.0)  # engines stop, status settles
        if all(r.finished for r in bot_games(emulator)) or time.monotonic() > deadline:
            break
    rss = rss_mb(daemon.pid)
    games = bot_games(emulator)
    if rss is None:
        return None
    return Sample(
        time.perf_counter() - started,
        rss,
        sum(1 for r in games if r.finished),
        sum(1 for r in games if not r.finished),
        len(daemon.note_engines()),
    )


async def run(args: argparse.Namespace) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    (workdir / "logs").mkdir()
    write_wrapper(workdir, args)
    emulator = make_emulator(
        stone_removal_timeout=30, state_file=workdir / "emulator-state.json", seed=args.seed
    )
    api_key = secrets.token_urlsafe(24)
    emulator.bot_id = emulator.add_bot(BOT, api_key=api_key).id
    url = await emulator.start()
    result = Run(workdir, api_key)
    daemon = DaemonProcess(soak_config(url, api_key, workdir, args), workdir)
    injector = Injector(emulator, random.Random(args.seed), args.fault_interval)
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    try:
        await start_daemon(emulator, daemon)
        injector.daemon = daemon
        injector.install_refusals()
        injector.install_hostile_marks()
        tasks.append(asyncio.create_task(sample_daemon(emulator, daemon, result.samples, injector)))
        tasks.append(asyncio.create_task(injector.run()))
        await play_games(args, url, daemon, injector, result)
        await cancel_all(tasks)
        if injector.restart_task is not None:
            await injector.restart_task
        emulator.faults.clear()
        if not result.died:
            result.idle = await idle_sample(emulator, daemon, started)
    finally:
        await cancel_all(tasks)
        if injector.restart_task is not None and not injector.restart_task.done():
            with contextlib.suppress(Exception):
                await injector.restart_task
        await kill_children()
        result.stopped = await daemon.stop()
        result.returncode = daemon.proc.returncode if daemon.proc is not None else None
        await emulator.stop()
    result.wall = time.perf_counter() - started
    result.faults = injector.counts
    result.malformed = injector.malformed
    result.restart_seconds = injector.restart_seconds
    result.injector = injector
    result.games = bot_games(emulator)
    result.problems = daemon.log_problems()
    return result
