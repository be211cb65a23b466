"""The opponent's undo requests and pauses, answered by the operator's policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loguru import logger

from ogsbot.bot.seat import my_color
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import UndoRequest

if TYPE_CHECKING:
    from loguru import Logger


class UndoAndPause:
    """Grants undos up to the policy's count, and ends a pause that lasts too long."""

    def __init__(self, game: Game, log: Logger = logger) -> None:
        self.game = game
        self.undos_granted = 0
        self._undo_answered: UndoRequest | None = None  # the request last answered
        self.resumed_pause: float | None = None
        self._log = log

    def answer_undo(self, policy: str | int) -> bool | None:
        """Answer the opponent's pending undo request by the policy: True granted, False
        refused, None when there is none (or it is stale, ours, or answered already).

        Since 2025-10 OGS lets a player take back their move and the bot's reply in one
        request (`count` 2); a granted request takes back all of its moves, and the engine
        follows with as many `undo`s (or a replay) on the next turn. The game keeps the
        request until the server settles it: its accept may not repeat the count.
        """
        game = self.game
        request = game.pending_undo
        gd = game.gamedata
        if request is None or request == self._undo_answered or gd is None:
            return None
        if request.move_number != game.move_number or not 0 < request.moves <= len(gd.moves):
            return None
        if request.requested_by is not None:
            if request.requested_by == game.my_id:
                return None  # our own request
        else:  # the old form names no one: the move it takes back must be the opponent's
            if gd.move_colors()[-request.moves] == my_color(game):
                return None
        allowed = policy == "always" or (isinstance(policy, int) and self.undos_granted < policy)
        self._undo_answered = request
        moves = f"{request.moves} moves" if request.moves > 1 else "a move"
        if allowed:
            self.undos_granted += 1
            self._log.info("granting an undo of {} at move {}", moves, request.move_number)
            game.undo_accept()
            return True
        self._log.info(
            "not granting an undo of {} at move {} (policy: {})", moves, request.move_number, policy
        )
        return False

    def resume_if_paused_too_long(self, max_pause: float) -> bool:
        """Resume a pause of the opponent's older than `max_pause` s (asked once a pause)."""
        gd = self.game.gamedata
        if gd is None or not gd.pause_control:
            return False
        paused = gd.pause_control.get("paused")
        if not isinstance(paused, dict) or paused.get("pausing_player_id") == self.game.my_id:
            return False
        since = gd.paused_since
        if since is None and self.game.clock is not None:
            since = self.game.clock.paused_since
        if since is None:
            return False
        if since == self.resumed_pause:
            return False  # asked already; the server's answer is on its way
        if self.game.realtime.server_time() - since / 1000 < max_pause:
            return False
        self.resumed_pause = since
        self._log.info("the opponent paused for over {:.0f} s: resuming", max_pause)
        self.game.resume()
        return True
