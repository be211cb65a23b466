"""The soak's faults: an engine that crashes or hangs at random, and the emulator's at
random moments."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import BOT, RANDOMGO

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

# The engine the daemon runs: randomgo (its analysis-engine side with --manager analysis, a
# crash or a hang then counting queries), but each process draws (seeded, from a shared counter)
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
argv = [sys.executable, RANDOMGO, "--seed", str(rng.getrandbits(31)), *EXTRA]
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


def write_wrapper(workdir: Path, args: argparse.Namespace) -> None:
    text = WRAPPER
    for name, value in (
        ("SEED", repr(str(args.seed))),
        ("CRASH_RATE", repr(args.crash_rate)),
        ("HANG_RATE", repr(args.hang_rate)),
        ("BABBLE_RATE", repr(args.babble_rate)),
        ("ORPHAN_RATE", repr(args.orphan_rate)),
        ("RANDOMGO", repr(RANDOMGO[-1])),
        ("EXTRA", repr(["--analysis"] if args.manager == "analysis" else [])),
    ):
        text = re.sub(rf"\b{name}\b", value, text)
    (workdir / "flakygo.py").write_text(text)


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
