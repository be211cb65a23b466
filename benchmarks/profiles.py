"""py-spy: a recording of the daemon started and stopped, and its raw (folded) output read
into functions and stacks."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


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


class PySpy:
    """`py-spy record` of one process into a raw profile; `--nonblocking`: it never pauses the
    process, and counts only running threads."""

    def __init__(self, program: str, rate: int, output: Path) -> None:
        self.program = program
        self.rate = rate
        self.output = output
        self.proc: asyncio.subprocess.Process | None = None

    @staticmethod
    def find() -> str | None:
        """py-spy on the PATH or beside this interpreter (a venv's bin), else None."""
        return shutil.which("py-spy") or shutil.which(
            "py-spy", path=str(Path(sys.executable).parent)
        )

    async def attach(self, pid: int) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            self.program, "record", "--pid", str(pid), "--rate", str(self.rate),
            "--format", "raw", "--output", str(self.output), "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def finish(self) -> None:
        """SIGINT, as Ctrl-C: py-spy writes the profile and exits (waited for up to 30 s)."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.proc.wait(), 30)
            self.proc = None

    async def kill(self) -> None:
        """Kill it if it still runs (after an error or a cancel)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
