"""What the benchmarks share: an emulator with the bot on it, child processes, their roles.

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
import json
import secrets
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, ClassVar

from daemon_process import (
    DaemonProcess,
    Monitor,
    Sample,
    daemon_config,
    until,
    wait_idle,
    wait_ready,
)
from emulator_figures import BotMove, Refused, latencies, outcomes, steady_latencies
from latency_proxy import LatencyProxy
from proc_stats import (
    children,
    cmdline,
    cpu_seconds,
    machine_load,
    pct,
    reaped_children_cpu,
    rss_mb,
    summary,
)
from profiles import Profile, PySpy, parse_raw_profile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RANDOMGO = [sys.executable, str(ROOT / "src" / "ogsbot" / "engines" / "randomgo.py")]
BOT = "benchbot"
GENEROUS = {"system": "fischer", "initial_time": 3600, "time_increment": 60, "max_time": 7200}

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
    "PySpy",
    "Refused",
    "Sample",
    "cancel_on_sigterm",
    "children",
    "cmdline",
    "cpu_seconds",
    "create_humans",
    "daemon_config",
    "emulator_with_bot",
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
    "run_main",
    "steady_latencies",
    "summary",
    "until",
    "wait_idle",
    "wait_ready",
]


def make_emulator(**kwargs: Any) -> Any:
    """A `TimedEmulator` (imported here so the child roles start without the server)."""
    from timed_emulator import TimedEmulator

    return TimedEmulator(**kwargs)


async def emulator_with_bot(**kwargs: Any) -> tuple[Any, str, str]:
    """A timed emulator, the bot's account on it (`BOT`), started: (emulator, url, api_key)."""
    emulator = make_emulator(stone_removal_timeout=30, **kwargs)
    api_key = secrets.token_hex(16)
    emulator.bot_id = emulator.add_bot(BOT, api_key=api_key).id
    url = await emulator.start()
    return emulator, url, api_key


def run_main(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a benchmark's `main`; Ctrl-C (or SIGTERM, see `cancel_on_sigterm`) ends it with a
    line, its processes stopped by its own `finally`."""
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("interrupted (its processes were stopped)") from None


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
