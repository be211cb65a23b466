"""The end of a game: which stones are dead, by the engine's word, never the bot's own on
the opponent's word alone."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from loguru import logger

from ogsbot.bot.seat import my_stones
from ogsbot.ogs.coords import Point, parse_gtp_move, unpack_ogs
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData

if TYPE_CHECKING:
    from loguru import Logger

PROPOSAL_ECHO_WAIT = 10.0  # s; past it the bot judges the server's marks again

EngineVerdict = Callable[[GameData], Awaitable[set[Point] | None]]
"""The dead stones by the engine's `final_status_list` (None: it cannot say)."""


def dead_stones_in(reply: str, width: int, height: int) -> set[Point]:
    """The points of a `final_status_list dead` reply (what is not a point is skipped)."""
    dead: set[Point] = set()
    for vertex in reply.split():
        with contextlib.suppress(ValueError):
            point = parse_gtp_move(vertex, width, height)
            if isinstance(point, tuple):
                dead.add(point)
    return dead


class StoneRemoval:
    """Accepts the server's dead-stone marks, or proposes its own, once per set of marks."""

    def __init__(self, game: Game, log: Logger = logger) -> None:
        self.game = game
        self.answered: str | None = None  # the marks last accepted
        self.proposed: tuple[set[Point], float] | None = None  # our marks, and when
        self.said_cannot_judge = False
        self._log = log

    def reset(self) -> None:
        """The game is played again (a removal was rejected): judge afresh at its end."""
        self.answered = self.proposed = None

    async def step(self, engine_verdict: EngineVerdict | None) -> bool:
        """Answer the marks as they stand; False when there is nothing to do."""
        game = self.game
        gd = game.gamedata
        if gd is None or self.answered == game.removed:
            return False
        proposed = self.proposed
        if proposed is not None:
            marked, since = proposed
            server = set(unpack_ogs(game.removed, gd.width, gd.height))
            if server == marked:
                self._accept()
                return True
            echo_due = self.answered is None  # nothing accepted since the proposal
            if echo_due and time.monotonic() - since < PROPOSAL_ECHO_WAIT:
                return False  # our marks are not all back from the server: accept after them
            self.proposed = None  # the opponent changed the marks since: judge again
        dead = None
        if engine_verdict is not None:
            dead = await engine_verdict(gd)
        server = set(unpack_ogs(game.removed, gd.width, gd.height))  # as it is after the wait
        if dead is None:
            # No verdict of the engine's: the bot's own stones are never given away on the
            # opponent's (or the estimator's) word alone. Marks on the opponent's stones only
            # cost the opponent, so they stand; the bot's own are unmarked.
            mine = my_stones(game)
            if not server & mine:
                self._accept()
                return True
            dead = server - mine
            self._cannot_judge(len(server & mine))
        elif dead == server:
            self._accept()
            return True
        self.proposed = (dead, time.monotonic())
        self.answered = None
        self._log.info("proposing {} dead stones (server marked {})", len(dead), len(server))
        if dead - server:
            game.set_removed(sorted(dead - server), removed=True)
        if server - dead:
            game.set_removed(sorted(server - dead), removed=False)
        return True

    def _cannot_judge(self, count: int) -> None:
        """Say once, in words, why the bot does not accept the marks."""
        self._log.warning(
            "{} of the bot's stones are marked dead and nothing here can judge them: "
            "unmarking them, not accepting",
            count,
        )
        if not self.said_cannot_judge:
            self.said_cannot_judge = True
            self.game.chat(
                "I cannot judge which of my stones are dead in this game, so I do not accept "
                "them being marked dead; the server's rules decide the result."
            )

    def _accept(self) -> None:
        self.answered = self.game.removed
        self.game.accept_removed()
