"""py-spy's raw (folded) output, read into functions and stacks."""

from __future__ import annotations

import re
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


# ----- main (child roles) --------------------------------------------------------------------
