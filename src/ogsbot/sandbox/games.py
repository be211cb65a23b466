"""Games in play: how each is opened, how its clock ends it, and who hears what happens in it.

The referee decides; this module carries its events to the sockets, keeps one timer a game
for the clock (or the stone removal) running out, and makes games with no challenge.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from loguru import logger

from ogsbot.ogs.coords import Point
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.referee import Event, GameSettings, Referee
from ogsbot.sandbox.state import ServerState


class GameHost:
    """The server's side of every game in play: openings, broadcasts and clock timers."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.timers: dict[int, asyncio.TimerHandle] = {}  # game id -> its deadline's timer

    def new_referee(
        self, game_id: int, black: Account, white: Account, settings: GameSettings, now: float
    ) -> Referee:
        """A referee with the server's stone-removal timeout and bot scoring delay."""
        return Referee(
            game_id,
            black,
            white,
            settings,
            now,
            stone_removal_timeout=self.state.stone_removal_timeout,
            bot_scoring_delay=self.state.bot_scoring_delay,
        )

    def open(self, referee: Referee, now: float) -> None:
        """A new game is in play: its players' game lists are told and its clock runs."""
        self.state.push_active_game(referee, now)
        self.schedule(referee)

    def create_game(
        self,
        black: Account,
        white: Account,
        settings: GameSettings,
        moves: Sequence[Point | None] = (),
        *,
        random_moves: int = 0,
        rng: random.Random | None = None,
    ) -> Referee:
        """A game in play at once, with no challenge: what a server that has run for a while
        holds (the control API's `POST /_sandbox/games`, and benchmarks with many games).

        `moves` are played first, then `random_moves` random legal stones (never a pass); all
        of them took no time on the clock, which starts now for the player to move. The
        players get the `active_game` push (a connected bot joins at once) but no
        notification. An illegal move raises RefereeError and no game is made.
        """
        now = time.time()
        state = self.state
        referee = self.new_referee(state.next_game_id, black, white, settings, now)
        referee.play_setup(moves)
        if random_moves > 0:
            referee.random_moves(random_moves, rng or state.rng)
        state.next_game_id += 1
        state.games[referee.game_id] = referee
        self.open(referee, now)
        logger.debug(
            "game {} created: {} (black) vs {} (white), {}x{}, {} moves played",
            referee.game_id,
            black.username,
            white.username,
            settings.width,
            settings.height,
            referee.state.move_number,
        )
        return referee

    def broadcast(self, referee: Referee, events: list[Event]) -> None:
        """Send a referee's events to everyone in the game, then the players' game lists."""
        state = self.state
        now = time.time()
        for suffix, data in events:
            state.push_to_game(referee.game_id, suffix, data)
        if events:
            state.push_active_game(referee, now)
        if referee.finished and any(name == "phase" for name, _ in events):
            state.notify_players(
                referee, "gameEnded", now, outcome=referee.outcome, winner=referee.winner
            )
            logger.info("game {} over: {}", referee.game_id, referee.outcome)
        self.schedule(referee)

    def schedule(self, referee: Referee) -> None:
        """Arm the timer that ends the game on time (or ends a silent stone removal)."""
        handle = self.timers.pop(referee.game_id, None)
        if handle is not None:
            handle.cancel()
        deadline = referee.deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - time.time()) + 0.001
        self.timers[referee.game_id] = loop.call_later(delay, self._on_deadline, referee)

    def schedule_all(self) -> None:
        """Arm every game's timer (the server starts, with games from its state file)."""
        for referee in self.state.games.values():
            self.schedule(referee)

    def _on_deadline(self, referee: Referee) -> None:
        self.timers.pop(referee.game_id, None)
        events = referee.check_time(time.time())
        if events:
            self.broadcast(referee, events)
        else:
            self.schedule(referee)

    def stop(self) -> None:
        """The server stops: no timer outlives it."""
        for handle in self.timers.values():
            handle.cancel()
        self.timers.clear()
