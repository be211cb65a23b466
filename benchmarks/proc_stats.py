"""Figures the benchmarks print, and what /proc says of a process: memory, CPU, children."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


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


def proc_stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, seconds; None when it is gone."""
    fields = proc_stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reaped_children_cpu(pid: int) -> float:
    """CPU time of the children `pid` has reaped (cutime + cstime), seconds."""
    fields = proc_stat(pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK if fields is not None else math.nan


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = proc_stat(int(entry))
        if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def machine_load() -> str:
    """The load average before the run: other work on the machine skews every timing."""
    one, five, _ = os.getloadavg()
    cores = os.cpu_count()
    return f"load average before the run: {one:.2f} (1 min), {five:.2f} (5 min); {cores} cores"
