"""What the benchmarks share: a timed emulator, a latency proxy, child processes, /proc.

Not a benchmark itself. The benchmarks run the emulator in their own process and start, as
separate processes, the bot daemon (`python -m ogsbot.cli run -c <generated config>`), the
opponents (this file's `opponents` role: many `Opponent` objects in one process) and the
floor measurements (this file's `floor` role). The children's roles, for reference:

    .venv/bin/python benchmarks/harness.py opponents --url URL --bot NAME --slots S --games G
    .venv/bin/python benchmarks/harness.py floor --url URL --tries 1000

"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from emulator_figures import BotMove, Refused, latencies, outcomes
from latency_proxy import LatencyProxy
from proc_stats import (
    children,
    cmdline,
    cpu_seconds,
    machine_load,
    pct,
    proc_stat,
    reaped_children_cpu,
    rss_mb,
    summary,
)
from profiles import Profile, parse_raw_profile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RANDOMGO = [sys.executable, str(ROOT / "src" / "ogsbot" / "engines" / "randomgo.py")]
BOT = "benchbot"
GENEROUS = {"system": "fischer", "initial_time": 3600, "time_increment": 60, "max_time": 7200}
CLK_TCK = os.sysconf("SC_CLK_TCK")

JSON = dict[str, Any]

__all__ = [
    "BOT",
    "GENEROUS",
    "RANDOMGO",
    "BotMove",
    "Child",
    "DaemonProcess",
    "LatencyProxy",
    "Monitor",
    "Profile",
    "Refused",
    "Sample",
    "cancel_on_sigterm",
    "children",
    "cmdline",
    "cpu_seconds",
    "create_humans",
    "daemon_config",
    "floor_child",
    "kill_children",
    "latencies",
    "machine_load",
    "make_emulator",
    "opponents_child",
    "outcomes",
    "parse_raw_profile",
    "pct",
    "reaped_children_cpu",
    "rss_mb",
    "summary",
    "wait_idle",
    "wait_ready",
]


def make_emulator(**kwargs: Any) -> Any:
    """A `TimedEmulator` (imported here so the child roles start without the server)."""
    from timed_emulator import TimedEmulator

    return TimedEmulator(**kwargs)


def daemon_config(
    url: str,
    api_key: str,
    workdir: Path,
    *,
    engine: Sequence[str],
    manager: str = "per_game",
    pool_size: int = 1,
    max_games: int = 20,
    speeds: JSON | None = None,
    size: int = 9,
) -> JSON:
    """The bot's config: what `ogsbot run -c` reads (JSON is YAML)."""
    return {
        "server": url,
        "api_key": api_key,
        "engine": {
            "command": list(engine),
            "name": Path(engine[-1]).name if "randomgo" in engine[-1] else "engine",
            "manager": manager,
            "pool_size": pool_size,
        },
        "challenges": {
            "board_sizes": [size],
            "max_games": max_games,
            "max_games_per_player": 0,
            "speeds": speeds or {"live": {"allowed": True, "max_games": max_games}},
        },
        "game": {"min_move_time": 0, "sgf_dir": str(workdir / "sgf")},
        "log": {"level": "INFO", "status_interval": 0},
        "shutdown_wait": 10,
    }


def _open_log(path: Path) -> BinaryIO:
    return open(path, "ab")  # a daemon started again (after a kill) adds to the same log


class DaemonProcess:
    """`python -m ogsbot.cli run -c <config>`, its log in a file, stopped without orphans."""

    def __init__(self, config: JSON, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.log_path = workdir / "daemon.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.engine_pids: dict[int, str] = {}  # pid -> command line, against pid reuse

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        path = self.workdir / "bot.yaml"
        path.write_text(json.dumps(self.config, indent=1))
        runner = ["-m", "ogsbot.cli"]
        with _open_log(self.log_path) as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *runner,
                "run",
                "-c",
                str(path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    def note_engines(self) -> list[int]:
        """The daemon's children now (remembered, so none outlives the benchmark)."""
        if self.proc is None or self.proc.returncode is not None:
            return []
        pids = children(self.proc.pid)
        for pid in pids:
            if pid not in self.engine_pids:
                self.engine_pids[pid] = cmdline(pid)
        return pids

    async def stop(self) -> str:
        """SIGTERM (graceful), then SIGKILL; then any engine still alive. Returns what it did."""
        if self.proc is None:
            return "not started"
        self.note_engines()
        how = "exited by itself"
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            how = "SIGTERM"
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                how = "SIGKILL (did not stop in 30 s)"
        stray = [
            pid
            for pid, command in self.engine_pids.items()
            if (proc_stat(pid) or ["Z"])[0] != "Z" and cmdline(pid) == command
        ]
        for pid in stray:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if stray:
            how += f"; killed {len(stray)} stray engine(s)"
        return how

    def log_problems(self) -> Counter[str]:
        """ERROR / WARNING lines of the daemon's log, by message (numbers blanked)."""
        problems: Counter[str] = Counter()
        for line in self.log_path.read_text(errors="replace").splitlines():
            if " ERROR " in line or " WARNING " in line or "Traceback" in line:
                text = line.split(" ", 3)[-1]
                problems[re.sub(r"\d+", "N", text)[:110]] += 1
        return problems


async def wait_ready(emulator: Any, daemon: DaemonProcess, timeout: float = 60) -> None:
    """Until the daemon has sent `bot/config` (its handlers are in place by then)."""
    deadline = time.monotonic() + timeout
    while emulator.bot_id not in emulator.bot_config:
        if daemon.proc is not None and daemon.proc.returncode is not None:
            raise SystemExit(f"the daemon exited: see {daemon.log_path}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the daemon did not log in within {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def wait_idle(emulator: Any, timeout: float = 20) -> None:
    """Until the daemon reports no game running (`bot/status`), or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = emulator.bot_status.get(emulator.bot_id) or {}
        if not any(status.values()):
            return
        await asyncio.sleep(0.1)


# ----- sampling the daemon --------------------------------------------------------------------


@dataclass
class Sample:
    t: float  # perf_counter
    rss_mb: float
    cpu_s: float
    engines: int
    engines_rss_mb: float
    active: int  # the bot's games in play on the server
    moves: int  # moves played on the server so far, all games


@dataclass
class Monitor:
    """Samples the daemon's memory, CPU and children, and the server's games."""

    emulator: Any
    daemon: DaemonProcess
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)

    def sample(self) -> Sample | None:
        pid = self.daemon.pid
        rss, cpu = rss_mb(pid), cpu_seconds(pid)
        if rss is None or cpu is None:
            return None
        engines = self.daemon.note_engines()
        engines_rss = sum(rss_mb(p) or 0.0 for p in engines)
        games = [r for r in self.emulator.games.values() if not r.finished]
        moves = sum(r.state.move_number for r in self.emulator.games.values())
        s = Sample(time.perf_counter(), rss, cpu, len(engines), engines_rss, len(games), moves)
        self.samples.append(s)
        return s

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def peak(self, attr: str) -> float:
        return max((float(getattr(s, attr)) for s in self.samples), default=math.nan)


# ----- child roles -----------------------------------------------------------------------------


class Child:
    """A role of this file run as a child process; its last stdout line is JSON."""

    running: ClassVar[set[Child]] = set()  # so that `kill_children` leaves no orphan

    def __init__(self, role: str, *args: str) -> None:
        self.argv = [sys.executable, str(Path(__file__).resolve()), role, *args]
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> int:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE
        )
        Child.running.add(self)
        return self.proc.pid

    async def result(self, timeout: float) -> JSON:
        """Wait for the child's answer; on timeout it is killed and {"timeout": True} returned."""
        assert self.proc is not None
        try:
            out, _ = await asyncio.wait_for(self.proc.communicate(), timeout)
        except TimeoutError:
            await self.kill()
            return {"timeout": True}
        Child.running.discard(self)
        lines = out.decode().strip().splitlines()
        parsed: JSON = json.loads(lines[-1]) if lines else {"failed": self.proc.returncode}
        return parsed

    async def start_and_wait(self, timeout: float) -> JSON:
        await self.start()
        return await self.result(timeout)

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        Child.running.discard(self)


async def kill_children() -> None:
    """Kill the children still running (after an error, a timeout or a cancel)."""
    for child in list(Child.running):
        await child.kill()


def cancel_on_sigterm() -> None:
    """SIGTERM cancels the main task like Ctrl-C does, so every `finally` cleans up."""
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


def opponents_child(
    url: str,
    *,
    slots: int,
    games: int,
    bot_moves: int = 0,
    time_control: JSON | None = None,
    prefix: str = "opp",
    seed: int = 1,
    size: int = 9,
) -> Child:
    """`slots` opponents in one process, playing `games` games in all, in sequence per slot
    (stopping early once the bot has made `bot_moves` moves, when given)."""
    return Child(
        "opponents",
        "--url",
        url,
        "--bot",
        BOT,
        "--slots",
        str(slots),
        "--games",
        str(games),
        "--bot-moves",
        str(bot_moves),
        "--time-control",
        json.dumps(time_control or GENEROUS),
        "--prefix",
        prefix,
        "--seed",
        str(seed),
        "--size",
        str(size),
    )


async def _opponents(args: argparse.Namespace) -> JSON:
    from ogsbot.sandbox.players import Opponent, challenge_request

    request = challenge_request(
        {"size": args.size, "rules": "chinese", "time_control": json.loads(args.time_control)}
    )
    counts: Counter[str] = Counter()
    started = 0
    lock = asyncio.Lock()
    names = [(f"{args.prefix}{n}", f"pw-{args.prefix}{n}") for n in range(1, args.slots + 1)]
    await create_humans(args.url, names)

    async def play_slot(index: int) -> None:
        nonlocal started
        name, password = names[index]
        while True:
            async with lock:
                if started >= args.games or (
                    args.bot_moves and counts["bot_moves"] >= args.bot_moves
                ):
                    return
                started += 1
                seed = args.seed * 100_000 + started
            opponent = Opponent(args.url, name, password, "random", seed=seed)
            try:
                _, game_id = await opponent.challenge(args.bot, request)
                game = await opponent.play(game_id, start_timeout=120)
                if game is None:  # declined: the challenge is made again, at most 5 times
                    counts["declined"] += 1
                    async with lock:
                        if counts["declined"] <= 5 * args.slots:
                            started -= 1
                    await asyncio.sleep(1.0)
                    continue
                gd = game.gamedata
                if gd is not None:
                    mine = game.my_color
                    counts["bot_moves"] += sum(1 for c in gd.move_colors() if c != mine)
                    counts["moves"] += len(gd.moves)
                counts["games"] += 1
            except Exception as exc:
                counts["failed"] += 1
                print(f"opponent {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                await opponent.close()

    await asyncio.gather(*(play_slot(i) for i in range(args.slots)))
    return dict(counts)


async def create_humans(url: str, accounts: Sequence[tuple[str, str]]) -> None:
    """Human accounts (name, password) on the emulator, through its control API."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for name, password in accounts:
            body = {"username": name, "password": password, "ranking": 15}
            async with http.post(f"{url}/_sandbox/accounts", json=body) as reply:
                if reply.status != 200:
                    raise SystemExit(f"cannot create {name}: {await reply.text()}")


def floor_child(url: str, tries: int, engine: Sequence[str]) -> Child:
    """The floors, measured from a process of their own like the daemon's."""
    return Child("floor", "--url", url, "--tries", str(tries), "--engine", json.dumps(engine))


async def _floor(args: argparse.Namespace) -> JSON:
    import aiohttp

    from ogsbot.gtp.engine import GTPEngine

    tries: int = args.tries
    out: dict[str, list[float]] = defaultdict(list)
    async with GTPEngine(json.loads(args.engine)) as engine:
        await engine.batch(["boardsize 9", "clear_board", "komi 7"])
        for _ in range(50):  # warm-up
            await engine.send("name")
        for _ in range(tries):
            start = time.perf_counter()
            await engine.send("name")
            out["gtp_name"].append((time.perf_counter() - start) * 1000)
        for _ in range(tries):
            await engine.send("clear_board")
            start = time.perf_counter()
            await engine.genmove("B", width=9)
            out["gtp_genmove"].append((time.perf_counter() - start) * 1000)
        # A turn as the session plays it: the opponent's move, the clock and genmove in one
        # pipelined batch; beside it the same four commands in three round trips, as before.
        sync, clock = ["play W A2"], ["kgs-time_settings canadian 3540 60 1", "time_left B 3538 0"]
        for _ in range(tries):
            await engine.send("clear_board")
            start = time.perf_counter()
            await engine.batch(sync)
            await engine.batch(clock)
            await engine.genmove("B", width=9)
            out["turn_3_trips"].append((time.perf_counter() - start) * 1000)
            await engine.send("clear_board")
            start = time.perf_counter()
            await engine.batch([*sync, *clock, "genmove B"])
            out["turn_1_batch"].append((time.perf_counter() - start) * 1000)
    ws_url = url_to_ws(args.url)
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
        for i in range(tries + 50):
            start = time.perf_counter()
            await ws.send_str(json.dumps(["net/ping", {"client": int(time.time() * 1000)}]))
            while True:
                message = await ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise SystemExit(f"the socket closed: {message}")
                if message.data.startswith('["net/pong"'):
                    break
            if i >= 50:
                out["ws_ping"].append((time.perf_counter() - start) * 1000)
    return dict(out)


def url_to_ws(url: str) -> str:
    return url.replace("http://", "ws://", 1).rstrip("/") + "/"


# ----- py-spy ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    roles = parser.add_subparsers(dest="role", required=True)
    opp = roles.add_parser("opponents")
    opp.add_argument("--url", required=True)
    opp.add_argument("--bot", default=BOT)
    opp.add_argument("--slots", type=int, default=1)
    opp.add_argument("--games", type=int, default=1)
    opp.add_argument("--bot-moves", type=int, default=0)
    opp.add_argument("--time-control", default=json.dumps(GENEROUS))
    opp.add_argument("--prefix", default="opp")
    opp.add_argument("--seed", type=int, default=1)
    opp.add_argument("--size", type=int, default=9)
    floor = roles.add_parser("floor")
    floor.add_argument("--url", required=True)
    floor.add_argument("--tries", type=int, default=1000)
    floor.add_argument("--engine", default=json.dumps(RANDOMGO))
    args = parser.parse_args()
    result = asyncio.run(_opponents(args) if args.role == "opponents" else _floor(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
