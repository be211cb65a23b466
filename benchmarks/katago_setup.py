"""KataGo for katago_games.py: its command lines and configs for the three setups, what its
logs say about its searches, the memory of the daemon with everything it started, and the
run's small helpers (polling, resigning the opponents' games on the server, first moves).

Not a benchmark itself. The same visits for every setup: GTP KataGo gets `maxVisits` in
its config (through `-override-config`, over a base config), the analysis engine gets the
engine's `max_visits` (each query's `maxVisits`) and the same in its config.

KataGo's NN evaluations are read from its own log: with `logSearchInfo = true` it logs each
search's "New playouts: P" and "NN rows: R" under a timestamped "MoveNum:" line. As of
KataGo 1.18 the GTP engine clears its evaluator's counters before each genmove (R is that
search's rows) while the analysis engine never does (R is the process's total so far), so
the two are read differently (`cumulative`). Timestamps have one-second resolution.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator_figures import BotMove
from proc_stats import proc_stat, rss_mb

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / ".cache" / "katago"  # where scripts/install-katago puts it
SETUPS = ("per_game", "pool", "analysis")
MAX_TIME = 3600  # s: GTP's maxTime, no bound (the clock is: fischer 600+30)

# A minimal analysis config, when neither --analysis-config nor INSTALL/analysis.cfg exists:
# the same search as the installed gtp.cfg (one search thread, the same NN cache).
ANALYSIS_BASE = """\
logToStderr = false
numAnalysisThreads = 2
numSearchThreadsPerAnalysisThread = 1
nnMaxBatchSize = 2
nnCacheSizePowerOfTwo = 16
nnMutexPoolSizePowerOfTwo = 10
nnRandomize = true
"""


@dataclass(frozen=True)
class KataGo:
    """A KataGo build, its network and the base configs the setups start from."""

    binary: Path
    model: Path
    gtp_config: Path
    analysis_config: Path | None  # None: a minimal one is written in each run's folder
    visits: int

    def gtp_command(self, log_dir: Path) -> list[str]:
        """`katago gtp` with `visits` per genmove and its search logged in `log_dir`; the
        config's maxTime lifted (the installed gtp.cfg's 10 s cut 16 games' searches on 2
        cores to 5 visits), so that the visits bound a search, and the clock the bridge
        sends, as the analysis engine's are bound by its visits and its query's maxTime."""
        overrides = {
            "maxVisits": str(self.visits),
            "maxTime": str(MAX_TIME),
            "ponderingEnabled": "false",
            **_logging(log_dir),
        }
        return [
            str(self.binary),
            "gtp",
            "-model",
            str(self.model),
            "-config",
            str(self.gtp_config),
            "-override-config",
            _joined(overrides),
        ]

    def analysis_command(
        self, log_dir: Path, threads: int, nn_buffer: int, folder: Path
    ) -> list[str]:
        """`katago analysis` logging its searches in `log_dir`, with `threads` positions
        searched at once and batched together (0: as the config says), its NN buffer
        `nn_buffer` lines a side (0: as the config says; KataGo's default is 19, the
        installed analysis.cfg's 9). A buffer the board's size makes a 9x9 search cost a
        9x9 network, as GTP's `boardsize` does; but KataGo 1.18 takes a larger board's
        query and its search thread fails ("Search got from NNEval nnXLen = 9 ... asked to
        search board with larger x or y size"), so the daemon's size probe gives up such a
        size after 10 s and starts the process again (twice for a 9x9 buffer)."""
        config = self.analysis_config
        if config is None:
            config = folder / "analysis.cfg"
            config.write_text(ANALYSIS_BASE + _tuner_line(self.gtp_config))
        overrides = {"maxVisits": str(self.visits), **_logging(log_dir)}
        if nn_buffer:
            overrides["maxBoardXSizeForNNBuffer"] = str(nn_buffer)
            overrides["maxBoardYSizeForNNBuffer"] = str(nn_buffer)
        if threads:
            overrides["numAnalysisThreads"] = str(threads)
            overrides["nnMaxBatchSize"] = str(threads)
        return [
            str(self.binary),
            "analysis",
            "-model",
            str(self.model),
            "-config",
            str(config),
            "-override-config",
            _joined(overrides),
        ]


def _logging(log_dir: Path) -> dict[str, str]:
    return {"logDir": str(log_dir), "logSearchInfo": "true", "logToStderr": "false"}


def _joined(overrides: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in overrides.items())


def _tuner_line(gtp_config: Path) -> str:
    """The OpenCL tuner file the GTP config names, for the analysis engine too."""
    try:
        text = gtp_config.read_text()
    except OSError:
        return ""
    found = re.search(r"^\s*openclTunerFile\s*=.*$", text, re.MULTILINE)
    return found.group(0).strip() + "\n" if found else ""


def find_katago(
    binary: str | None,
    model: str | None,
    gtp_config: str | None,
    analysis_config: str | None,
    visits: int,
) -> KataGo:
    """The build to run: the options given, else scripts/install-katago's install."""
    installed = INSTALL / "analysis.cfg"
    chosen = KataGo(
        binary=Path(binary) if binary else INSTALL / "squashfs-root" / "AppRun",
        model=Path(model) if model else INSTALL / "model.bin.gz",
        gtp_config=Path(gtp_config) if gtp_config else INSTALL / "gtp.cfg",
        analysis_config=(
            Path(analysis_config)
            if analysis_config
            else (installed if installed.exists() else None)
        ),
        visits=visits,
    )
    missing = [
        str(p)
        for p in (chosen.binary, chosen.model, chosen.gtp_config, chosen.analysis_config)
        if p is not None and not p.exists()
    ]
    if missing:
        raise SystemExit(
            f"missing: {', '.join(missing)} (run scripts/install-katago, or give --katago, "
            "--model, --gtp-config, --analysis-config)"
        )
    return chosen


# ----- KataGo's logs -------------------------------------------------------------------------

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}): ")


@dataclass
class Search:
    at: float  # epoch seconds (whole seconds) when KataGo logged it
    rows: int  # "NN rows": this search's, or the process's total (analysis engine)
    playouts: int  # "New playouts": this search's


def read_searches(path: Path) -> list[Search]:
    """The searches one KataGo log records (with logSearchInfo), in order."""
    searches: list[Search] = []
    at = math.nan
    playouts = 0
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        stamp = STAMP.match(line)
        if stamp is not None:
            at = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S%z").timestamp()
        elif line.startswith("New playouts: "):
            playouts = int(line.split(": ", 1)[1])
        elif line.startswith("NN rows: "):
            searches.append(Search(at, int(line.split(": ", 1)[1]), playouts))
            playouts = 0
    return searches


@dataclass
class SearchFigures:
    searches: int  # searches logged in the window
    rows: int  # NN evaluations in the window
    playouts: int
    logs: int  # log files read
    ready: int  # processes that said they were ready


def window_figures(log_dir: Path, start: float, end: float, *, cumulative: bool) -> SearchFigures:
    """What KataGo's logs in `log_dir` say about the searches ended in [start, end)
    (epoch seconds)."""
    figures = SearchFigures(0, 0, 0, 0, 0)
    for path in sorted(log_dir.glob("*.log")):
        figures.logs += 1
        searches = read_searches(path)
        inside = [s for s in searches if start <= s.at < end]
        figures.searches += len(inside)
        figures.playouts += sum(s.playouts for s in inside)
        if cumulative:
            before = max((s.rows for s in searches if s.at < start), default=0)
            figures.rows += max((s.rows for s in searches if s.at < end), default=0) - before
        else:
            figures.rows += sum(s.rows for s in inside)
    figures.ready = count_ready(log_dir)
    return figures


def count_ready(log_dir: Path) -> int:
    """KataGo processes whose log says they are ready for commands or queries."""
    marks = ("GTP ready", "Started, ready to begin handling requests")
    count = 0
    for path in log_dir.glob("*.log"):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        count += any(mark in text for mark in marks)
    return count


# ----- memory of the daemon and all it started --------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children...), one pass over /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = proc_stat(int(entry))
            if fields is not None and fields[0] != "Z":
                parents.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Footprint:
    """One reading: the daemon's RSS, its descendants' (the engines), how many, MB."""

    daemon_mb: float
    engines_mb: float
    engines: int

    @property
    def total_mb(self) -> float:
        return self.daemon_mb + self.engines_mb


def footprint(pid: int) -> Footprint | None:
    daemon = rss_mb(pid)
    if daemon is None:
        return None
    below = [rss_mb(p) for p in descendants(pid)]
    sizes = [size for size in below if size is not None]
    return Footprint(daemon, sum(sizes), len(sizes))


@dataclass
class MemoryBook:
    """Readings over a run; the peak is the run's memory."""

    readings: list[Footprint] = field(default_factory=list)

    def add(self, reading: Footprint | None) -> None:
        if reading is not None:
            self.readings.append(reading)

    def peak(self) -> Footprint:
        return max(self.readings, key=lambda r: r.total_mb, default=Footprint(0.0, 0.0, 0))

    def per_engine_mb(self) -> float | None:
        """Engine RSS per process when the most ran, MB (None before any ran)."""
        busiest = max(self.readings, key=lambda r: (r.engines, r.engines_mb), default=None)
        if busiest is None or not busiest.engines:
            return None
        return busiest.engines_mb / busiest.engines


def processes(setup: str, games: int, pool_size: int) -> int:
    """KataGo processes a setup runs for `games` games at once."""
    if setup == "per_game":
        return games
    if setup == "pool":
        return min(pool_size, games)
    return 1


def estimate_mb(setup: str, games: int, pool_size: int, engine_mb: float) -> float:
    """Memory the setup should take: the daemon (about 80 MB and 1 MB a game) and its
    KataGo processes (the analysis engine's with half again for its batches and queue)."""
    engines = processes(setup, games, pool_size) * engine_mb
    if setup == "analysis":
        engines *= 1.5
    return 80 + games + engines


def mem_available_mb() -> float:
    """MemAvailable from /proc/meminfo, MB."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return math.nan


def describe(command: Sequence[str]) -> str:
    """A command line for the output, the repository's paths shortened."""
    return " ".join(command).replace(str(ROOT) + "/", "")


# ----- the run's helpers -------------------------------------------------------------------


def resign_all(emulator: Any, only: Callable[[Any], bool] = lambda r: True) -> int:
    """Resign, for the bot's opponents, their games still in play (those `only` picks)."""
    from ogsbot.sandbox.referee import RefereeError

    resigned = 0
    for referee in list(emulator.games.values()):
        if referee.finished or not only(referee):
            continue
        mine = referee.black.id == emulator.bot_id
        opponent = referee.white.id if mine else referee.black.id
        try:
            events = referee.resign(opponent, time.time())
        except RefereeError:
            continue
        emulator.game_host.broadcast(referee, events)
        resigned += 1
    return resigned


def first_moves_s(emulator: Any) -> list[float]:
    """Each game's first bot move, seconds after the game started on the server."""
    to_epoch = time.time() - time.perf_counter()
    firsts: dict[int, BotMove] = {}
    for move in emulator.bot_moves:
        firsts.setdefault(move.game_id, move)
    return [m.at + to_epoch - emulator.games[m.game_id].start_time for m in firsts.values()]


def katago_version(kg: KataGo) -> str:
    try:
        done = subprocess.run(
            [str(kg.binary), "version"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return done.stdout.splitlines()[0] if done.stdout else "unknown"
