"""What each engine can play, learnt once, so a challenge it cannot play is declined.

A challenge the engine cannot play (a size its `boardsize` refuses, a rectangular board
without `rectangular_boardsize`, a free handicap it cannot place) used to be accepted and
then resigned in a millisecond, after three "failures" of the same refused command. The
daemon starts each configured engine once, asks `list_commands` and tries every board size
OGS offers, and declines such challenges with OGS's rejection code instead. An analysis
engine is asked a few one-visit queries on empty boards through its shared service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loguru import logger

from ogsbot.bot.rules import RuleCheck
from ogsbot.gtp.analysis_process import AnalysisError
from ogsbot.gtp.analysis_service import AnalysisService, AnalysisServices, AnalysisSpec
from ogsbot.gtp.errors import EngineError, GTPError
from ogsbot.gtp.managers import EngineSpec
from ogsbot.ogs.models import Challenge

OGS_SIZES = range(1, 26)  # OGS offers boards of 1 to 25 lines a side
PROBE_AGAIN = 60.0  # s before an engine that failed its probe is tried again
PROBE_QUERY_TIMEOUT = 10.0  # s for a one-visit query of an analysis engine that is up
AnySpec = EngineSpec | AnalysisSpec


@dataclass(frozen=True)
class Abilities:
    """The GTP commands an engine knows and the square sizes its `boardsize` accepts."""

    commands: frozenset[str]
    sizes: frozenset[int]

    def refusal(self, challenge: Challenge) -> RuleCheck | None:
        """The failing check when the engine cannot play this challenge, else None."""
        width, height = int(challenge.width), int(challenge.height)
        board = f"{width}x{height}"
        if width != height and "rectangular_boardsize" not in self.commands:
            return RuleCheck(
                "engine",
                False,
                f"{board}: the engine has no rectangular_boardsize",
                "board_size_not_square",
                {"value": board},
                "This bot's engine only plays on square boards.",
            )
        if width == height and width not in self.sizes:
            largest = max(self.sizes, default=0)
            return RuleCheck(
                "engine",
                False,
                f"{board}: the engine refuses boardsize {width}",
                "board_size_not_allowed",
                {"value": board},
                f"This bot's engine cannot play on {board} (it plays up to {largest}x{largest}).",
            )
        return None


def rengo_refusal(notification: Mapping[str, Any]) -> RuleCheck | None:
    """Rengo is declined: the bridge plays one player per colour (see the README)."""
    game = notification.get("game")
    flags = [notification.get("rengo")]
    if isinstance(game, Mapping):
        flags.append(game.get("rengo"))
    if any(flag in (True, 1, "true", "1") for flag in flags):
        return RuleCheck(
            "rengo",
            False,
            "a rengo game",
            "not_accepting_new_challenges",
            {"value": "rengo"},
            "This bot does not play rengo.",
        )
    return None


async def probe_analysis(service: AnalysisService, timeout: float) -> Abilities:
    """The sizes the analysis engine plays, from a few one-visit queries on empty boards (it
    refuses a size its build cannot play; they run from 2, or 1, up to its largest, found
    by halving), and a rectangular board. Few queries: they share the engine with games."""

    waits = [timeout]  # the first query waits for the start; the others for one visit

    async def plays(width: int, height: int) -> bool:
        wait = waits[-1]
        waits.append(min(timeout, PROBE_QUERY_TIMEOUT))
        try:
            await service.query(_empty_board(width, height), wait)
        except AnalysisError:
            return False
        except TimeoutError:
            # KataGo takes a board larger than its NN buffers (maxBoardXSizeForNNBuffer) and
            # never answers: the search thread that took it is lost, so the process starts
            # afresh, and the size counts as one it cannot play.
            logger.error(
                "the analysis engine did not answer a one-visit {}x{} query in {:g} s (is "
                "its maxBoardXSizeForNNBuffer smaller?): starting it again; such boards are "
                "declined",
                width,
                height,
                wait,
            )
            await service.restart()
            return False
        return True

    smallest, largest = 2, max(OGS_SIZES)
    if not await plays(smallest, smallest):
        return Abilities(frozenset(), frozenset())
    if not await plays(largest, largest):
        low, high = smallest, largest  # plays low, not high
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if await plays(middle, middle) else (low, middle)
        largest = low
    sizes = set(range(smallest, largest + 1))
    if await plays(1, 1):
        sizes.add(1)
    rectangular = largest >= 13 and await plays(9, 13)
    commands = frozenset({"rectangular_boardsize"} if rectangular else ())
    return Abilities(commands, frozenset(sizes))


def _empty_board(width: int, height: int) -> dict[str, Any]:
    return {
        "moves": [],
        "rules": "japanese",
        "komi": 6.5,
        "boardXSize": width,
        "boardYSize": height,
        "maxVisits": 1,
        "priority": -(2**30),  # after every game's query
    }


async def probe(spec: EngineSpec) -> Abilities:
    """Start the engine, ask what it knows and which sizes it takes, and stop it."""
    engine = spec.make(lambda line: None)
    async with engine:
        commands = [f"boardsize {n}" for n in OGS_SIZES]
        replies = await engine.batch(commands, timeout=spec.command_timeout, check=False)
        sizes = frozenset(n for n, reply in zip(OGS_SIZES, replies, strict=True) if reply.ok)
        return Abilities(engine.commands, sizes)


class AbilityBook:
    """Each engine's abilities, probed once per distinct command (and again after a
    failure, at most every `PROBE_AGAIN` s)."""

    def __init__(self, services: AnalysisServices) -> None:
        """`services`: the engine manager's, so a probe uses the processes games use."""
        self._probes: dict[AnySpec, asyncio.Task[Abilities | None]] = {}
        self._failed_at: dict[AnySpec, float] = {}
        self._services = services

    def start(self, spec: AnySpec) -> None:
        """Begin probing `spec` in the background, unless it is known or being probed."""
        failed = self._failed_at.get(spec)
        if spec in self._probes and (failed is None or time.monotonic() - failed < PROBE_AGAIN):
            return
        self._failed_at.pop(spec, None)
        self._probes[spec] = asyncio.create_task(self._probe(spec), name=f"probe-{spec.label}")

    async def get(self, spec: AnySpec) -> Abilities | None:
        """The engine's abilities; None when it cannot be started or answer."""
        self.start(spec)
        return await asyncio.shield(self._probes[spec])

    async def _probe(self, spec: AnySpec) -> Abilities | None:
        try:
            if isinstance(spec, AnalysisSpec):
                service = self._services.get(spec)
                abilities = await probe_analysis(service, spec.start_timeout)
            else:
                abilities = await probe(spec)
        except (EngineError, GTPError, OSError) as exc:
            self._failed_at[spec] = time.monotonic()
            logger.error(
                "engine {} could not be started to learn what it plays: {}", spec.label, exc
            )
            return None
        logger.info(
            "engine {}: sizes {}, rectangular boards {}",
            spec.label,
            _sizes_text(abilities.sizes),
            "yes" if "rectangular_boardsize" in abilities.commands else "no",
        )
        return abilities

    async def close(self) -> None:
        for task in self._probes.values():
            task.cancel()
        await asyncio.gather(*self._probes.values(), return_exceptions=True)


def engine_unavailable() -> RuleCheck:
    """The decline for a challenge whose engine cannot be started now."""
    return RuleCheck(
        "engine",
        False,
        "the engine could not be started",
        "not_accepting_new_challenges",
        {},
        "This bot's engine is not available right now; please try again later.",
    )


def _sizes_text(sizes: frozenset[int]) -> str:
    if not sizes:
        return "none"
    ordered = sorted(sizes)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(map(str, ordered))
