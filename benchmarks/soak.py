"""Soak: hundreds of games through the emulator with faults injected at random, bounded in time.

The bot daemon (its own process, randomgo behind a wrapper that makes the engine crash or
hang at random genmoves: --crash-rate and --hang-rate per genmove) plays --games 9x9 games,
--parallel at a time, against instant random opponents (one more process), while this
process runs the emulator and injects, at random (seeded) moments: dropped connections (the
bot's, or everyone's), server restarts (games kept through the emulator's state file),
duplicated, delayed and malformed frames (gamedata that cannot be a game among them), REST
429 (with and without Retry-After) and 5xx answers, windows in which the server refuses the
bot's moves, and kill -9 of the daemon (started again with a burst of challenges waiting).
Half the bot's games that reach stone removal get hostile marks (the opponent marks every
stone of the bot's dead); engines may also babble (an endless reply) or leave a child holding
their pipes and crash (--babble-rate, --orphan-rate). Time controls are short enough
that a hung engine (killed when the bot's clock is nearly out) costs seconds, not minutes.
The bot is a real daemon process (`python -m ogsbot.cli run -c <generated config>`, its log
at DEBUG).

It prints the counts (games started / finished / with a good SGF, how each ended, faults by
kind, engine failures and restarts, reconnects, time losses, resignations caused by failures,
the daemon's memory at each checkpoint, log lines scanned and secret hits) and checks:

- every game started finishes, and no challenge is left unanswered;
- every finished game has its SGF (`<id>-*.sgf`, not `-incomplete`), which sgfmill reads, with
  the server's number of moves and winner;
- the bot loses no game on time, and the daemon neither dies nor leaves engine processes
  behind (none per game once the games are over; a pool keeps its own);
- the daemon's memory does not grow without bound: over the second half of the games (same
  load), its resident memory grows less than --max-growth MB;
- never more bot games at once than max_games (bursts and restarts included); no game scored
  with the bot's stones dead on hostile marks; at most 6 tries of a move per refusal window;
  no engine child left alive;
- the bot's API key (or a 12-character piece of it) appears nowhere in the daemon's stderr, its
  log file or the SGF files.

Exit status 1 with a line per failed requirement ("FAILED: ...") if any fails, else 0.

    .venv/bin/python benchmarks/soak.py [--games 300] [--parallel 12] [--seconds 600]
        [--seed 1] [--fault-interval 1.0] [--crash-rate 0.005] [--hang-rate 0.001]
        [--manager per_game|pool] [--log-level DEBUG] [--keep]

--seconds bounds the time in which games are started; games in play then get --grace more
seconds to finish. The default run takes about 2-5 minutes on 2 cores (more when the
machine is busy). The child role
`opponents` (this file run as `soak.py opponents ...`) is started by the script itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    BOT,
    RANDOMGO,
    Child,
    DaemonProcess,
    cancel_on_sigterm,
    create_humans,
    kill_children,
    machine_load,
    make_emulator,
    rss_mb,
)

JSON = dict[str, Any]

# Time controls the opponents offer (one chosen at random per game). A hung engine is killed
# `time_margin` seconds before the bot's clock runs out, so a hang costs 8 to 17 s here, and
# the margin (4 s) is what a restarted engine has to replay the game and answer.
TIME_CONTROLS: list[JSON] = [
    {"system": "fischer", "initial_time": 15, "time_increment": 5, "max_time": 20},
    {"system": "simple", "per_move": 12},
    {"system": "byoyomi", "main_time": 5, "period_time": 8, "periods": 2},
]
TIME_MARGIN = 4.0

# The engine the daemon runs: randomgo, but each process draws (seeded, from a shared counter)
# the genmove at which it will crash and the one at which it will hang, each genmove having
# the same chance, whichever the manager (a pooled process plays many games). Written into
# the run's folder.
WRAPPER = '''\
"""randomgo that may crash or hang at a random genmove (written by benchmarks/soak.py)."""
import fcntl, math, os, random, sys


def first_hit(rng, chance):
    """The genmove (from 1) at which an event of this chance per genmove first happens."""
    if chance <= 0:
        return 0
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - chance))


FOLDER = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(FOLDER, "engine-starts.log"), "a+") as log:
    fcntl.flock(log, fcntl.LOCK_EX)
    log.seek(0)
    number = sum(1 for _ in log) + 1
    rng = random.Random(f"{SEED}:{number}")
    faults = []
    planned = {}
    for kind, rate in (("crash", CRASH_RATE), ("hang", HANG_RATE), ("babble", BABBLE_RATE),
                       ("orphan", ORPHAN_RATE)):
        at = first_hit(rng, rate)
        if at and at < 100000 and at not in planned:
            planned[at] = kind
    faults = [f"{kind}-at={at}" for at, kind in sorted(planned.items())]
    log.write(f"{number} {os.getpid()} {' '.join(faults)}\\n")
argv = [sys.executable, RANDOMGO, "--seed", str(rng.getrandbits(31))]
for fault in faults:
    argv += ["--misbehave", fault]
os.execv(sys.executable, argv)
'''

# Frames that are not what OGS sends: not JSON, not an array, wrong shapes, wrong types.
# "{game}" is replaced by the id of a game in play.
MALFORMED = [
    '["game/oops", {"unterminated',
    "this is not json",
    '{"an": "object"}',
    "[]",
    '[42, "x"]',
    "[null]",
    '["active_game", "not an object"]',
    '["active_game", {"id": "x"}]',
    '["notification", ["a", "list"]]',
    '["notification", {"type": "challenge", "challenge_id": "nan"}]',
    '["game/{game}/gamedata", {"nonsense": true}]',
    '["game/{game}/gamedata", "a string"]',
    '["game/{game}/clock", "ticking"]',
    '["game/{game}/clock", {"current_player": "nobody"}]',
    '["game/{game}/move", {"move": "zz"}]',
    '["game/{game}/move", null]',
    '["game/{game}/phase", 17]',
    '["game/{game}/removed_stones", []]',
    '["game/{game}/undo_requested", "many"]',
    '["game/{game}/chat", {"line": null}]',
    '["game/{game}/error", {"not": "a string"}]',
    '["game/0/move", {"move": "dd", "move_number": 1}]',
    '[123456789, {"id": 1}]',
    '["net/pong", {"client": "x"}]',
    # gamedata that cannot be a game: refused at the edge, the game resynced, never stored
    '["game/{game}/gamedata", {"game_id": {game}, "width": 0, "height": 9, "moves": []}]',
    '["game/{game}/gamedata", {"game_id": {game}, "width": 1000, "height": 1000, "moves": []}]',
    '["game/{game}/gamedata", {"game_id": {game}, "width": 1e300, "height": 9, "moves": []}]',
    '["game/{game}/gamedata", {"game_id": {game}, "width": 9, "height": 9, "moves": [], '
    '"initial_state": {"black": "zzqq!", "white": 17}}]',
    '["game/{game}/gamedata", {"game_id": {game}, "width": 9, "height": 9, "moves": [], '
    '"phase": "halftime"}]',
    '["game/{game}/phase", "stone removal"]',
    '["game/{game}/phase", "overtime"]',
]

# Fault kinds and their weights.
FAULTS = {
    "drop_bot": 4,
    "drop_all": 1,
    "restart": 1,
    "malformed": 4,
    "duplicate": 2,
    "delay": 1,
    "rest_429": 2,
    "rest_5xx": 2,
    "refuse_moves": 1,  # the server refuses the bot's moves for a few seconds
    "kill9": 1,  # the daemon is killed (SIGKILL) and started again, with challenges waiting
}
REFUSE_SECONDS = (1.0, 3.0)  # how long a refusal fault lasts
HOSTILE_CHANCE = 0.5  # of a bot game entering stone removal: the opponent marks all its stones
BURST = 8  # challenges waiting for the daemon when it comes back after a kill -9
RESTART_GAP = 15.0  # seconds at least between two server restarts


# ----- the opponents (a child process) ---------------------------------------------------------


def opponents_child(args: argparse.Namespace, url: str) -> Child:
    child = Child("opponents")
    child.argv = [
        sys.executable,
        str(Path(__file__).resolve()),
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


async def _opponents(args: argparse.Namespace) -> JSON:
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


@dataclass
class Injector:
    """Injects faults into the emulator at random moments, and counts them."""

    emulator: Any
    rng: random.Random
    interval: float
    counts: Counter[str] = field(default_factory=Counter)
    malformed: Counter[str] = field(default_factory=Counter)
    last_restart: float = 0.0
    restart_task: asyncio.Task[None] | None = None  # shielded: a cancel never stops it halfway
    restart_seconds: list[float] = field(default_factory=list)  # how long each restart took
    daemon: Any = None  # the DaemonProcess, for kill -9
    killing: bool = False  # the daemon is down on purpose: not a death
    kill_spans: list[tuple[float, float]] = field(default_factory=list)  # down, back (wall)
    stray_after_kills: int = 0  # engines a killed daemon left behind (killed here)
    refuse_until: float = 0.0
    refusal_windows: int = 0
    refused: Counter[tuple[int, int]] = field(default_factory=Counter)  # (window, game) -> n
    hostile: dict[int, tuple[float, set[Any]]] = field(default_factory=dict)  # game -> when, stones
    burst_humans: int = 0

    def live_games(self) -> list[int]:
        bot = self.emulator.bot_id
        return [
            r.game_id
            for r in self.emulator.games.values()
            if not r.finished and bot in (r.black.id, r.white.id)
        ]

    async def run(self) -> None:
        kinds = list(FAULTS)
        weights = [FAULTS[k] for k in kinds]
        while True:
            await asyncio.sleep(self.rng.expovariate(1 / self.interval))
            kind = self.rng.choices(kinds, weights)[0]
            if kind in ("restart", "kill9") and (
                time.monotonic() - self.last_restart < RESTART_GAP or self.killing
            ):
                kind = "drop_bot"
            await self.inject(kind)

    def install_refusals(self) -> None:
        """The server refuses the bot's moves while `refuse_until` lasts (counted per game)."""
        from ogsbot.sandbox.referee import Referee, RefereeError

        original = Referee.move
        injector = self

        def move(referee: Any, player_id: int, point: Any, now: float) -> Any:
            if player_id == injector.emulator.bot_id and time.monotonic() < injector.refuse_until:
                injector.refused[(injector.refusal_windows, referee.game_id)] += 1
                raise RefereeError("illegal_move", "refused by the soak (a refusal fault)")
            return original(referee, player_id, point, now)

        Referee.move = move  # type: ignore[method-assign,assignment]

    def install_hostile_marks(self) -> None:
        """As a game with the bot enters stone removal, its opponent (at HOSTILE_CHANCE)
        marks every stone of the bot's dead, before anyone can accept."""
        from ogsbot.sandbox.referee import Referee

        original = Referee._enter_stone_removal
        injector = self

        def enter(referee: Any, now: float) -> Any:
            events = original(referee, now)
            bot = injector.emulator.bot_id
            ours = bot in (referee.black.id, referee.white.id)
            if ours and injector.rng.random() < HOSTILE_CHANCE:
                events = [*events, *injector.hostile_marks(referee)]
            return events

        Referee._enter_stone_removal = enter  # type: ignore[method-assign,assignment]

    def hostile_marks(self, referee: Any) -> list[Any]:
        """The opponent's marks on every stone of the bot's: the events to send."""
        bot = self.emulator.bot_id
        color = "b" if referee.black.id == bot else "w"
        opponent = referee.white.id if color == "b" else referee.black.id
        from ogsbot.ogs.coords import pack_ogs

        stones = {p for p, c in referee.state.board.stones() if c == color}
        self.hostile[referee.game_id] = (time.time(), stones)
        self.counts["hostile_marks"] += 1
        if not stones:
            return []
        size = referee.settings.width, referee.settings.height
        packed = pack_ogs(sorted(stones), *size)
        return list(referee.set_removed(opponent, packed, True, time.time()))

    async def kill9(self) -> None:
        """SIGKILL the daemon mid-game, leave challenges waiting, start it again."""
        daemon = self.daemon
        if daemon is None or daemon.proc is None or daemon.proc.returncode is not None:
            return
        self.killing = True
        self.last_restart = time.monotonic()
        down = time.time()
        try:
            engines = daemon.note_engines()
            daemon.proc.send_signal(signal.SIGKILL)
            await daemon.proc.wait()
            # Its engines run in sessions of their own: a hung one outlives a killed daemon
            # (what an init process or the operator then ends). Counted, and ended here.
            await asyncio.sleep(0.5)
            for pid in engines:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                    self.stray_after_kills += 1
            self.burst()
            await daemon.start()
            await asyncio.sleep(3.0)
        finally:
            self.killing = False
            self.kill_spans.append((down, time.time()))

    def burst(self) -> None:
        """Challenges from new players, waiting for the daemon when it logs in again: the
        limits hold for them as for any (their players never move: they lose on time)."""
        from ogsbot.ogs.challenge import ChallengeRequest
        from ogsbot.ogs.models import TimeControl

        emulator = self.emulator
        bot = emulator.accounts.by_id[emulator.bot_id]
        tc = TimeControl.from_json(TIME_CONTROLS[0])
        for _ in range(BURST):
            self.burst_humans += 1
            name = f"burst{self.burst_humans}"
            human = emulator.add_human(name, f"pw-{name}-0123456789")
            request = ChallengeRequest(tc, opponent=BOT, width=9, height=9)
            emulator.create_challenge(human, bot, request.to_json())

    async def _restart(self) -> None:
        start = time.monotonic()
        await self.emulator.restart()
        self.restart_seconds.append(time.monotonic() - start)

    async def inject(self, kind: str) -> None:
        from ogsbot.sandbox.faults import EventFault, RestFault

        emulator, rng = self.emulator, self.rng
        if kind == "drop_bot":
            emulator.drop_connections(BOT)
        elif kind == "drop_all":
            emulator.drop_connections(None)
        elif kind == "restart":
            self.last_restart = time.monotonic()
            self.restart_task = asyncio.create_task(self._restart())
            await asyncio.shield(self.restart_task)
        elif kind == "malformed":
            template = rng.choice(MALFORMED)
            games = self.live_games()
            if "{game}" in template and not games:
                template = MALFORMED[0]
            text = template.replace("{game}", str(rng.choice(games)) if games else "0")
            emulator.send_raw(text, BOT)
            self.malformed[template] += 1
        elif kind == "duplicate":
            seconds = rng.uniform(1, 4)
            emulator.add_event_fault(
                EventFault("game/", duplicate=rng.randint(1, 2), until=time.monotonic() + seconds)
            )
        elif kind == "delay":
            seconds = rng.uniform(1, 3)
            emulator.add_event_fault(
                EventFault("game/", delay=rng.uniform(0.05, 0.3), until=time.monotonic() + seconds)
            )
        elif kind == "rest_429":
            emulator.add_rest_fault(
                RestFault(
                    "/api/v1/me/challenges",
                    429,
                    count=rng.randint(1, 2),
                    retry_after=rng.choice([None, 0.5, 1.0, 2.0]),
                    method="POST",
                )
            )
        elif kind == "refuse_moves":
            self.refusal_windows += 1
            self.refuse_until = time.monotonic() + rng.uniform(*REFUSE_SECONDS)
        elif kind == "kill9":
            await self.kill9()
        elif kind == "rest_5xx":
            emulator.add_rest_fault(
                RestFault(
                    rng.choice(["/api/v1/me/challenges", "/api/v1/"]),
                    rng.choice([500, 502, 503]),
                    count=rng.randint(1, 3),
                )
            )
        self.counts[kind] += 1


# ----- sampling --------------------------------------------------------------------------------


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
    return {
        "server": url,
        "api_key": api_key,
        "engine": {
            "command": [sys.executable, str(workdir / "flakygo.py")],
            "name": "flakygo",
            "manager": args.manager,
            "pool_size": pool_size(args),
            "time_margin": TIME_MARGIN,
            "command_timeout": 10,
            "start_timeout": 20,
            "quit_grace": 2,
        },
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


def write_wrapper(workdir: Path, args: argparse.Namespace) -> None:
    text = WRAPPER
    for name, value in (
        ("SEED", repr(str(args.seed))),
        ("CRASH_RATE", repr(args.crash_rate)),
        ("HANG_RATE", repr(args.hang_rate)),
        ("BABBLE_RATE", repr(args.babble_rate)),
        ("ORPHAN_RATE", repr(args.orphan_rate)),
        ("RANDOMGO", repr(RANDOMGO[-1])),
    ):
        text = re.sub(rf"\b{name}\b", value, text)
    (workdir / "flakygo.py").write_text(text)


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
        await daemon.start()
        deadline = time.monotonic() + 60
        while emulator.bot_id not in emulator.bot_config:
            if daemon.proc is not None and daemon.proc.returncode is not None:
                raise SystemExit(f"the daemon exited at start: see {daemon.log_path}")
            if time.monotonic() > deadline:
                raise SystemExit("the daemon did not log in within 60 s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        injector.daemon = daemon
        injector.install_refusals()
        injector.install_hostile_marks()
        tasks.append(asyncio.create_task(sample_daemon(emulator, daemon, result.samples, injector)))
        tasks.append(asyncio.create_task(injector.run()))
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
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()
        if injector.restart_task is not None:
            await injector.restart_task
        emulator.faults.clear()
        if not result.died:
            await wait_games_over(emulator, 30)
            await asyncio.sleep(2.0)  # engines stop, status settles
            rss = rss_mb(daemon.pid)
            games = bot_games(emulator)
            if rss is not None:
                result.idle = Sample(
                    time.perf_counter() - started,
                    rss,
                    sum(1 for r in games if r.finished),
                    sum(1 for r in games if not r.finished),
                    len(daemon.note_engines()),
                )
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
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


# ----- the report --------------------------------------------------------------------------------


def check_sgf(path: Path, referee: Any, bot_id: int) -> str:
    """What is wrong with the record; "" when it is right."""
    from sgfmill import sgf

    try:
        game = sgf.Sgf_game.from_bytes(path.read_bytes())
        moves = [node.get_move() for node in game.get_main_sequence()]
    except (ValueError, KeyError) as exc:
        return f"unreadable: {exc}"
    played = sum(1 for colour, _ in moves if colour is not None)
    if played != referee.state.move_number:
        return f"{played} moves, the server has {referee.state.move_number}"
    winner = game.get_winner()
    expected = referee.color_of(referee.winner) if referee.winner is not None else None
    if expected is not None and winner != expected[0]:
        return f"winner {winner!r}, the server says {expected}"
    return ""


def scan_secrets(paths: list[Path], api_key: str) -> tuple[int, int, list[str]]:
    """(lines scanned, hits, where) for the key and any 12-character piece of it."""
    pieces = {api_key} | {api_key[i : i + 12] for i in range(0, len(api_key) - 11)}
    lines = hits = 0
    where: list[str] = []
    for path in paths:
        with open(path, errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                if any(piece in line for piece in pieces):
                    hits += 1
                    if len(where) < 10:
                        where.append(f"{path.name}:{number}")
    return lines, hits, where


def ended(referee: Any, bot_id: int) -> str:
    if not referee.finished:
        return "unfinished"
    outcome = str(referee.outcome)
    who = "bot" if referee.winner == bot_id else "opponent"
    if outcome.endswith("points"):
        return f"score, {who} won"
    if outcome == "Resignation":
        return f"resignation, {who} won"
    if outcome == "Timeout":
        return f"timeout, {who} won"
    return f"{outcome or '?'}, {who} won"


def report(args: argparse.Namespace, result: Run, bot_id: int) -> list[str]:
    """Print the counts; returns the failed requirements."""
    failures: list[str] = []
    games = sorted(result.games, key=lambda r: r.game_id)
    records: list[JSON] = result.opponents.get("records", [])
    finished = [r for r in games if r.finished]
    unfinished = [r.game_id for r in games if not r.finished]
    endings = Counter(ended(r, bot_id) for r in games)
    opp_results = Counter(str(rec.get("result", "?")).split(":")[0] for rec in records)
    log_text = result.workdir.joinpath("daemon.log").read_text(errors="replace")

    # SGF records
    sgf_dir = result.workdir / "sgf"
    files = sorted(sgf_dir.glob("*.sgf")) if sgf_dir.exists() else []
    incomplete = [p for p in files if p.name.endswith("-incomplete.sgf")]
    by_game: dict[int, Path] = {}
    for file in files:
        if not file.name.endswith("-incomplete.sgf"):
            by_game[int(file.name.split("-", 1)[0])] = file
    sgf_ok = 0
    sgf_missing: list[int] = []
    sgf_bad: list[str] = []
    for referee in finished:
        path = by_game.get(referee.game_id)
        if path is None:
            sgf_missing.append(referee.game_id)
            continue
        problem = check_sgf(path, referee, bot_id)
        if problem:
            sgf_bad.append(f"{referee.game_id}: {problem}")
        else:
            sgf_ok += 1

    # the engine and the connection, from the daemon's log and the wrapper's
    starts_path = result.workdir / "engine-starts.log"
    starts = starts_path.read_text().splitlines() if starts_path.exists() else []
    failures_by_kind: Counter[str] = Counter()
    for match in re.finditer(r"engine failure \d+/\d+: (.*)", log_text):
        text = match.group(1)
        kind = (
            "crash (exited)"
            if "exited with code" in text
            else "hang (killed after the genmove timeout)"
            if "no reply" in text
            else "illegal move"
            if "answered" in text
            else "not GTP"
            if "not GTP" in text
            else "endless reply (over the bound)"
            if "is over" in text
            else "other: " + text[:60]
        )
        failures_by_kind[kind] += 1
    connections = [
        int(n) for n in re.findall(r"realtime connected to .*\(connection (\d+)\)", log_text)
    ]
    reconnects = max(connections, default=1) - 1
    gave_up = sum(
        1
        for r in games
        if any(
            "my engine failed" in str((line.get("line") or {}).get("body", "")) for line in r.chat
        )
    )
    bot_time_losses = [r.game_id for r in finished if r.outcome == "Timeout" and r.winner != bot_id]

    # memory
    samples = result.samples
    half = math.ceil(len(games) / 2)
    checkpoints: list[tuple[int, Sample]] = []
    step = max(1, math.ceil(args.games / 10))
    for target in range(step, len(games) + step, step):
        hit = next((s for s in samples if s.finished >= min(target, len(games))), None)
        if hit is not None and (not checkpoints or checkpoints[-1][1] is not hit):
            checkpoints.append((min(target, len(games)), hit))
    peak = max(samples, key=lambda s: s.rss_mb) if samples else None
    # The second half at the same load: from the sample where half the games were over, to the
    # last sample with at least half of the slots still busy.
    busy = max(1, args.parallel // 2)
    second = [s for s in samples if s.finished >= half and s.active >= busy]
    growth = (max(s.rss_mb for s in second) - second[0].rss_mb) if len(second) > 1 else math.nan
    slope = math.nan
    if len(second) > 2 and second[-1].finished > second[0].finished:
        n = len(second)
        mx = sum(s.finished for s in second) / n
        my = sum(s.rss_mb for s in second) / n
        sxx = sum((s.finished - mx) ** 2 for s in second)
        if sxx:
            slope = sum((s.finished - mx) * (s.rss_mb - my) for s in second) / sxx * 100

    # secrets
    logs = [result.workdir / "daemon.log", *sorted((result.workdir / "logs").glob("*"))]
    lines, hits, where = scan_secrets([p for p in logs if p.is_file()], result.api_key)
    sgf_lines, sgf_hits, sgf_where = scan_secrets(files, result.api_key)

    w = 54
    print()
    print(f"soak: {args.games} games asked, {args.parallel} at a time, seed {args.seed}, engine "
          f"manager {args.manager}; {result.wall:.0f} s; folder {result.workdir}")  # fmt: skip
    print(f"{'games started (on the server)':{w}} {len(games)}")
    print(f"{'games finished':{w}} {len(finished)}")
    print(f"{'finished games with a good SGF':{w}} {sgf_ok}")
    print(f"{'  SGF missing / wrong':{w}} {len(sgf_missing)} / {len(sgf_bad)}")
    print(f"{'  -incomplete.sgf files (games cut off, then resumed)':{w}} {len(incomplete)}")
    print(f"{'how the games ended':{w}} " + ", ".join(
        f"{k}: {v}" for k, v in sorted(endings.items())))  # fmt: skip
    print(f"{'bot time losses':{w}} {len(bot_time_losses)}")
    print(f"{'bot resignations after engine failures':{w}} {gave_up}")
    if len(records) < args.games:
        print(f"{'stopped by the time bound (--seconds) after':{w}} {len(records)} challenges")
    print(f"{'opponents: challenges made, by result':{w}} {len(records)}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(opp_results.items())))  # fmt: skip
    print(f"{'faults injected, by kind':{w}} {sum(result.faults.values())}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(result.faults.items())))  # fmt: skip
    print(f"{'  malformed frames: kinds sent':{w}} {len(result.malformed)} of {len(MALFORMED)}")
    restarts = result.restart_seconds
    print(f"{'  server restarts: each took (s)':{w}} "
          + (", ".join(f"{s:.1f}" for s in restarts) or "-"))  # fmt: skip
    print(f"{'engine processes started':{w}} {len(starts)}")
    print(f"{'engine failures seen by the daemon, by kind':{w}} {sum(failures_by_kind.values())}"
          + "".join(f"; {k} {v}" for k, v in sorted(failures_by_kind.items())))  # fmt: skip
    first_starts = min(len(games), pool_size(args)) if args.manager == "pool" else len(games)
    print(f"{'engine restarts (starts - first starts)':{w}} {max(0, len(starts) - first_starts)}")
    print(f"{'reconnects of the daemon (realtime logins - 1)':{w}} {reconnects}")
    first = samples[0].rss_mb if samples else math.nan
    print(f"{'daemon RSS MB: start / peak / after the games':{w}} {first:.1f} / "
          f"{peak.rss_mb if peak else math.nan:.1f} (with {peak.active if peak else 0} games) / "
          f"{result.idle.rss_mb if result.idle else math.nan:.1f}")  # fmt: skip
    print(f"{'daemon RSS MB at checkpoints (games finished: MB)':{w}} " + ", ".join(
        f"{n}: {s.rss_mb:.1f}" for n, s in checkpoints))  # fmt: skip
    print(f"{'RSS growth over the 2nd half at full load, MB':{w}} {growth:.1f} "
          f"(slope {slope:+.2f} MB per 100 games; limit {args.max_growth:g} MB)")  # fmt: skip
    print(f"{'engine processes: peak / after the games':{w}} "
          f"{max((s.engines for s in samples), default=0)} / "
          f"{result.idle.engines if result.idle else '?'}")  # fmt: skip
    print(f"{'log lines scanned / secret hits':{w}} {lines} / {hits}"
          f"{' at ' + ', '.join(where) if where else ''}")  # fmt: skip
    print(f"{'SGF lines scanned / secret hits':{w}} {sgf_lines} / {sgf_hits}"
          f"{' at ' + ', '.join(sgf_where) if sgf_where else ''}")  # fmt: skip
    print(f"{'daemon stopped by / exit status':{w}} {result.stopped} / {result.returncode}")
    trust = trust_figures(args, result, bot_id)
    for label, value in trust.lines:
        print(f"{label:{w}} {value}")
    tracebacks = log_text.count("Traceback")
    print(f"{'tracebacks in the daemon log':{w}} {tracebacks}")
    for text, count in result.problems.most_common(12):
        print(f"  daemon log: {count:5d} x {text}")

    # the requirements
    lost_challenges = [rec for rec in records if rec.get("result") not in ("finished",)]
    if result.died:
        failures.append("the daemon died during the run")
    if unfinished:
        failures.append(f"{len(unfinished)} game(s) never finished: {unfinished[:10]}")
    if lost_challenges:
        failures.append(
            f"{len(lost_challenges)} challenge(s) did not end in a finished game: "
            + "; ".join(
                f"#{rec['number']} game {rec.get('game_id')}: {rec.get('result')}"
                for rec in lost_challenges[:5]
            )
        )
    if sgf_missing or sgf_bad:
        failures.append(
            f"{len(sgf_missing)} finished game(s) without an SGF {sgf_missing[:10]}, "
            f"{len(sgf_bad)} with a wrong one {sgf_bad[:5]}"
        )
    if bot_time_losses:
        failures.append(f"the bot lost {len(bot_time_losses)} game(s) on time: {bot_time_losses}")
    if not growth < args.max_growth:
        failures.append(
            f"the daemon's memory grew {growth:.1f} MB over the second half "
            f"(limit {args.max_growth:g} MB)"
        )
    if hits or sgf_hits:
        failures.append(f"the API key appears {hits + sgf_hits} time(s): {where + sgf_where}")
    # One process per game stops with its game; a pool keeps its processes for the next.
    kept = pool_size(args) if args.manager == "pool" else 0
    if result.idle is not None and result.idle.engines > kept:
        failures.append(
            f"{result.idle.engines} engine process(es) left after the games (at most {kept})"
        )
    if result.returncode not in (0,):
        failures.append(f"the daemon exited with status {result.returncode} ({result.stopped})")
    if "stray" in result.stopped:
        failures.append(f"engine processes outlived the daemon: {result.stopped}")
    failures += trust.failures
    return failures


@dataclass
class TrustFigures:
    lines: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def peak_games(games: list[Any]) -> int:
    """The most bot games in play at once (from the server's start and end times)."""
    events = []
    for referee in games:
        events.append((referee.start_time, 1))
        events.append((referee.end_time if referee.end_time is not None else math.inf, -1))
    peak = now = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        now += step
        peak = max(peak, now)
    return peak


def orphan_processes() -> int:
    """Engine children (randomgo's orphan fault) still alive."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += b"randomgo-orphan" in (entry / "cmdline").read_bytes()
    return count


def trust_figures(args: argparse.Namespace, result: Run, bot_id: int) -> TrustFigures:
    """Issue #13's faults: limits under bursts, hostile marks, refusals, kill -9, orphans."""
    out = TrustFigures()
    injector = result.injector
    if injector is None:
        return out
    limit = args.parallel * 2
    peak = peak_games(result.games)
    out.lines.append(("bot games in play at once: peak / max_games", f"{peak} / {limit}"))
    if peak > limit:
        out.failures.append(f"{peak} games at once, over max_games {limit}")
    out.lines.append(("challenges waiting at a login after a kill -9", str(injector.burst_humans)))
    kills = len(injector.kill_spans)
    out.lines.append(
        (
            "daemon killed (SIGKILL) and started again",
            f"{kills}; engines it left: {injector.stray_after_kills} (ended by the soak)",
        )
    )
    by_id = {r.game_id: r for r in result.games}
    judged = wrong = 0
    for game_id, (when, stones) in injector.hostile.items():
        referee = by_id.get(game_id)
        away = any(down <= when <= back + 10 for down, back in injector.kill_spans)
        if referee is None or away or not str(referee.outcome).endswith("points"):
            continue
        judged += 1
        wrong += bool(referee.removed & stones)
    out.lines.append(
        (
            "hostile marks: games / scored with the bot there / lost stones",
            f"{len(injector.hostile)} / {judged} / {wrong}",
        )
    )
    if wrong:
        out.failures.append(f"{wrong} game(s) scored with the bot's stones dead on hostile marks")
    most = max(injector.refused.values(), default=0)
    bound = 6  # session.REFUSAL_BACKOFF has 5 waits: at most 6 tries in one refusal window
    out.lines.append(
        (
            "refusal windows / moves refused / most in one game and window",
            f"{injector.refusal_windows} / {sum(injector.refused.values())} / {most} "
            f"(bound {bound})",
        )
    )
    if most > bound:
        out.failures.append(f"{most} moves refused in one game within one refusal window")
    orphans = orphan_processes()
    out.lines.append(("engine children left alive (orphan fault)", str(orphans)))
    if orphans:
        out.failures.append(f"{orphans} engine child process(es) outlived their engine")
    return out


async def main_async(args: argparse.Namespace) -> int:
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    result = await run(args)
    bot_id = 0
    if result.games:
        first = result.games[0]
        bot_id = first.black.id if first.black.username == BOT else first.white.id
    failures = report(args, result, bot_id)
    print()
    for failure in failures:
        print(f"FAILED: {failure}")
    if not failures:
        print("OK: every requirement met")
        if not args.keep:
            shutil.rmtree(result.workdir, ignore_errors=True)
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    roles = parser.add_subparsers(dest="role")
    opp = roles.add_parser("opponents", help="(internal) the opponents' process")
    opp.add_argument("--url", required=True)
    opp.add_argument("--slots", type=int, default=1)
    opp.add_argument("--games", type=int, default=1)
    opp.add_argument("--seconds", type=float, default=600)
    opp.add_argument("--game-timeout", type=float, default=300)
    opp.add_argument("--seed", type=int, default=1)
    parser.add_argument("--games", type=int, default=300, help="games to play in all")
    parser.add_argument("--parallel", type=int, default=12, help="games at once")
    parser.add_argument("--seconds", type=float, default=600, help="no new game after this")
    parser.add_argument("--grace", type=float, default=120, help="then for games to finish")
    parser.add_argument("--game-timeout", type=float, default=300, help="bound on one game, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fault-interval", type=float, default=1.0, help="mean seconds between faults"
    )
    parser.add_argument(
        "--crash-rate", type=float, default=0.005, help="chance a genmove crashes the engine"
    )
    parser.add_argument(
        "--hang-rate", type=float, default=0.001, help="chance a genmove hangs the engine"
    )
    parser.add_argument(
        "--babble-rate", type=float, default=0.002, help="chance of an endless reply"
    )
    parser.add_argument(
        "--orphan-rate",
        type=float,
        default=0.002,
        help="chance the engine starts a child holding its pipes, then crashes",
    )
    parser.add_argument("--manager", choices=("per_game", "pool"), default="per_game")
    parser.add_argument("--max-growth", type=float, default=10.0, help="MB, second half")
    parser.add_argument("--log-level", default="DEBUG", help="the daemon's log level")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder when OK")
    args = parser.parse_args()
    if args.role == "opponents":
        print(json.dumps(asyncio.run(_opponents(args))), flush=True)
        return
    try:
        code = asyncio.run(main_async(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("interrupted (its processes were stopped)") from None
    raise SystemExit(code)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
