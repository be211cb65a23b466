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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RANDOMGO = [sys.executable, str(ROOT / "src" / "ogsbot" / "engines" / "randomgo.py")]
BOT = "benchbot"
GENEROUS = {"system": "fischer", "initial_time": 3600, "time_increment": 60, "max_time": 7200}
CLK_TCK = os.sysconf("SC_CLK_TCK")

JSON = dict[str, Any]


# ----- figures ------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> str:
    """p50 / p90 / p99 / max of milliseconds, as one table cell."""
    return " ".join(f"{pct(values, q):7.2f}" for q in (50, 90, 99, 100))


# ----- /proc ----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (VmRSS), MB; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, seconds; None when it is gone."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reaped_children_cpu(pid: int) -> float:
    """CPU time of the children `pid` has reaped (cutime + cstime), seconds."""
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK if fields is not None else math.nan


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(int(entry))
        if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


# ----- the emulator, timed at the server ---------------------------------------------------


@dataclass
class BotMove:
    """One move of the bot as the server received it."""

    game_id: int
    number: int  # the move's number in the game (1 = first move)
    at: float  # perf_counter when the frame reached the server
    latency_ms: float | None  # since the opponent's move was sent to the bot
    left_s: float | None  # clock time the bot still had when its move arrived (before increment)


@dataclass
class Refused:
    game_id: int
    text: str


def make_emulator(**kwargs: Any) -> Any:
    """A `TimedEmulator` (imported here so the child roles start without the server)."""
    from ogsbot.sandbox.server import Client, Emulator

    class TimedEmulator(Emulator):
        """The emulator, noting when it sends the opponent's move to the bot and when the
        bot's answer arrives, and how much clock the bot had left then."""

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.bot_id = -1
            self.opp_sent: dict[int, tuple[int, float]] = {}  # game -> (move number, sent at)
            self.bot_moves: list[BotMove] = []
            self.refused: list[Refused] = []

        async def _writer(self, client: Client) -> None:
            while True:
                frame = await client.queue.get()
                if frame is None or client.ws.closed:
                    return
                try:
                    await client.ws.send_str(frame)
                except (ConnectionError, RuntimeError):
                    return
                account = client.account
                if (
                    account is not None
                    and account.id == self.bot_id
                    and frame.startswith('["game/')
                    and frame.find('/move", ', 7, 48) > 0
                ):
                    self._sent_move(frame, time.perf_counter())

        def _sent_move(self, frame: str, at: float) -> None:
            data = json.loads(frame)[1]
            game_id, number = int(data["game_id"]), int(data["move_number"])
            referee = self.games.get(game_id)
            if referee is None or number > len(referee.state.moves):
                return
            color = referee.state.moves[number - 1][0]
            if referee.account(color).id != self.bot_id:
                self.opp_sent[game_id] = (number, at)

        async def _on_frame(self, client: Client, text: str) -> None:
            account = client.account
            if account is None or account.id != self.bot_id or not text.startswith('["game/move"'):
                await super()._on_frame(client, text)
                return
            at = time.perf_counter()
            try:
                game_id = int(json.loads(text)[1]["game_id"])
            except (ValueError, KeyError, TypeError, IndexError):
                game_id = 0
            referee = self.games.get(game_id)
            if referee is None:
                await super()._on_frame(client, text)
                return
            before = referee.state.move_number
            color = referee.color_of(self.bot_id)
            tc = referee.settings.time_control
            available = referee.times[color].available(tc) if color is not None else None
            await super()._on_frame(client, text)
            moves = referee.state.moves
            if referee.state.move_number == before + 1 and moves and moves[-1][0] == color:
                elapsed = referee.move_times[-1] / 1000
                left = None if available is None else available - elapsed
                sent = self.opp_sent.pop(game_id, None)
                latency = (at - sent[1]) * 1000 if sent and sent[0] == before else None
                self.bot_moves.append(BotMove(game_id, before + 1, at, latency, left))
            else:
                self.refused.append(Refused(game_id, text[:120]))

    return TimedEmulator(**kwargs)


def latencies(emulator: Any) -> list[float]:
    moves: list[BotMove] = emulator.bot_moves
    return [m.latency_ms for m in moves if m.latency_ms is not None]


def outcomes(emulator: Any, game_ids: Sequence[int] | None = None) -> JSON:
    """How the bot's games ended: totals, time losses, resignations, unfinished."""
    bot_id: int = emulator.bot_id
    games = [
        r
        for r in emulator.games.values()
        if bot_id in (r.black.id, r.white.id) and (game_ids is None or r.game_id in game_ids)
    ]
    result: JSON = {"games": len(games), "finished": 0, "bot_won": 0, "moves": 0}
    result.update(bot_time_losses=0, opp_time_losses=0, bot_resigned=0, unfinished=[])
    for r in games:
        result["moves"] += r.state.move_number
        if not r.finished:
            result["unfinished"].append(r.game_id)
            continue
        result["finished"] += 1
        if r.winner == bot_id:
            result["bot_won"] += 1
        elif r.outcome == "Timeout":
            result["bot_time_losses"] += 1
        elif r.outcome == "Resignation":
            result["bot_resigned"] += 1
        if r.outcome == "Timeout" and r.winner == bot_id:
            result["opp_time_losses"] += 1
    return result


# ----- a TCP proxy that adds latency ---------------------------------------------------------


class LatencyProxy:
    """Forwards TCP connections to 127.0.0.1:`port`, each byte `delay` seconds late each way.

    A pipe, not a throttle: what arrives together leaves together, `delay` later, in order.
    """

    def __init__(self, port: int, delay: float) -> None:
        self.target = port
        self.delay = delay
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers += [writer, up_writer]
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def forward() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.close()
                    return
                dst.write(data)
                with contextlib.suppress(OSError):
                    await dst.drain()

        sender = asyncio.create_task(forward())
        try:
            while True:
                try:
                    data = await src.read(65536)
                except OSError:
                    data = b""
                queue.put_nowait((loop.time() + self.delay, data))
                if not data:
                    break
            await sender
        finally:
            sender.cancel()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            with contextlib.suppress(OSError):
                writer.close()


# ----- the daemon, in its own process -------------------------------------------------------


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
            if (_stat(pid) or ["Z"])[0] != "Z" and cmdline(pid) == command
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


def machine_load() -> str:
    """The load average before the run: other work on the machine skews every timing."""
    one, five, _ = os.getloadavg()
    cores = os.cpu_count()
    return f"load average before the run: {one:.2f} (1 min), {five:.2f} (5 min); {cores} cores"


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


@dataclass
class Profile:
    """py-spy's raw (folded) output, read: functions are "name (file)", lines dropped."""

    total: int = 0
    leaf: Counter[str] = field(default_factory=Counter)  # self samples
    inclusive: Counter[str] = field(default_factory=Counter)  # samples with it on the stack
    stacks: list[tuple[list[str], int]] = field(default_factory=list)
    partial: int = 0  # samples whose stack does not reach a thread's first frame


IDLE = ("_worker (concurrent/", "_do_waitpid (asyncio/")  # threads that only wait


def parse_raw_profile(path: Path) -> Profile:
    profile = Profile()
    frame = re.compile(r"^\s*(.*?) \((.*?)(?::\d+)?\)$")
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        names = []
        for part in stack.split(";"):
            match = frame.match(part)
            if match is None:
                continue
            name, file = match.groups()
            file = re.sub(r"^.*?/(site-packages|src|lib/python3\.\d+)/", "", file)
            names.append(f"{name} ({file})")
        if not names or names[-1].startswith(IDLE):
            continue
        if not names[0].startswith(("_run_module_as_main", "Thread._bootstrap")):
            profile.partial += count
        profile.total += count
        profile.stacks.append((names, count))
        profile.leaf[names[-1]] += count
        for name in set(names):
            profile.inclusive[name] += count
    return profile


# ----- main (child roles) --------------------------------------------------------------------


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
