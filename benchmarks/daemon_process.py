"""The bot daemon as a benchmark's child process: its config, start and stop, readiness, and
a monitor sampling its memory, CPU and engines beside the server's games.

One side of what the benchmarks share, apart from harness.py (the child processes, the
emulator with the bot on it), which re-exports every name here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from proc_stats import children, cmdline, cpu_seconds, proc_stat, rss_mb

JSON = dict[str, Any]


def daemon_config(
    url: str,
    api_key: str,
    workdir: Path,
    *,
    engine: Sequence[str],
    manager: str = "per_game",
    pool_size: int = 1,
    spare: int = 0,
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
            "spare": spare,
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


async def until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll `check` every `step` s until it holds (True) or `timeout` s pass (False)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


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
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

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

    def start(self) -> None:
        """Sample every `interval` seconds in the background, until `stop`."""
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        """End the background sampling (if it was started); the samples stay."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def peak(self, attr: str) -> float:
        return max((float(getattr(s, attr)) for s in self.samples), default=math.nan)
