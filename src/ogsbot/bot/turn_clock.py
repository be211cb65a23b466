"""The bot's time on the server's clock: the genmove bound, the pool deadline, GTP time commands."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from loguru import Logger

from ogsbot.bot.config import EngineConfig
from ogsbot.bot.seat import is_paused, my_color
from ogsbot.gtp.clock import available_time, time_commands
from ogsbot.gtp.engine import GTPReply
from ogsbot.gtp.managers import EngineHandle
from ogsbot.ogs.board import Color
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData, PlayerClock


class TurnClock:
    """Reads the bot's clock for a turn; remembers the kinds of time command refused."""

    def __init__(self, game: Game, log: Logger = logger) -> None:
        self.game = game
        self.refused_time: set[str] = set()
        self._log = log

    def genmove_timeout(self, engine_config: EngineConfig) -> float:
        """The bot's remaining time on the server's clock, less the margin, and never more
        than `genmove_timeout`: a hang is found on a bound of its own, not the clock's."""
        left = self.time_left()
        bound = engine_config.genmove_timeout
        if left is None:
            return bound
        return max(1.0, min(bound, left - engine_config.time_margin))

    def time_left(self) -> float | None:
        """Seconds before the bot loses on time (None: no clock)."""
        gd = self.game.gamedata
        assert gd is not None
        entry, elapsed = self.reading(my_color(self.game) or "black", stops_in_pause=False)
        return available_time(gd.time_control, entry, elapsed)

    def both_left(self) -> dict[str, float | None]:
        """Each colour's seconds left now (None: no limit); only the running clock ticks."""
        gd = self.game.gamedata
        out: dict[str, float | None] = {}
        for color in ("black", "white"):
            entry, elapsed = self.reading(color, stops_in_pause=True)
            running = self.game.clock is not None and self.game.clock.current_color == color
            left = None if gd is None else available_time(gd.time_control, entry, elapsed * running)
            out[color] = None if left is None else round(left, 1)
        return out

    def reading(self, color: str, *, stops_in_pause: bool) -> tuple[PlayerClock | None, float]:
        """`color`'s clock entry and the seconds since the clock's last move (none counted
        while paused when `stops_in_pause`)."""
        clock = self.game.clock
        if clock is None:
            return None, 0.0
        entry = None
        with contextlib.suppress(ValueError):
            entry = clock.entry(color)
        elapsed = 0.0
        if clock.last_move and not (stops_in_pause and is_paused(self.game)):
            elapsed = self.game.realtime.server_time() - clock.last_move / 1000
        return entry, elapsed

    def deadline(self) -> float | None:
        """When the bot's clock runs out (monotonic): pooled engines serve it in that order."""
        left = self.time_left()
        return None if left is None else time.monotonic() + left

    def commands(
        self, handle: EngineHandle, gd: GameData, color: Color, engine_config: EngineConfig
    ) -> list[str]:
        """The clock as the first kind of time commands this engine knows and has not refused."""
        if not engine_config.send_time:
            return []
        side = "black" if color == "b" else "white"
        entry, elapsed = self.reading(side, stops_in_pause=True)
        groups = time_commands(
            gd.time_control,
            entry,
            color,
            elapsed=elapsed,
            margin=engine_config.time_margin,
            kata_systems=handle.engine.kata_time_systems,
        )
        for group in groups:
            verb = group[0].split(None, 1)[0] if group else ""
            if verb and handle.engine.knows(verb) and verb not in self.refused_time:
                return list(group)
        return []

    def answered(self, sent: list[str], replies: list[GTPReply]) -> None:
        """A refused kind of time command is not sent again: the next turn tries the next."""
        refused = next((r for r in replies if not r.ok), None)
        if refused is not None:
            self.refused_time.add(sent[0].split(None, 1)[0])
            self._log.debug("the engine refuses {!r}: {}", refused.command, refused.text)
