"""What a live game holds, and what it says about whose turn it is and whether it is over.

Whose turn it is by the server's word is `current_player` / `is_turn_of(player_id)`: the
clock's `current_player` while no move has come since that clock, else the active player of
the colour to move (in rengo, teams rotate players within a colour; `player_update` events
keep the active players current).
"""

from __future__ import annotations

from ogsbot.ogs.board import GameState
from ogsbot.ogs.models import ChatLine, Clock, GameData, Move, UndoRequest
from ogsbot.ogs.realtime import Realtime


class GameView:
    """One game's state as the server's events left it; `Game` keeps it and acts on it."""

    def __init__(self, realtime: Realtime, game_id: int, *, chat: bool = False) -> None:
        self.realtime = realtime
        self.game_id = int(game_id)
        self.chat_enabled = chat
        self.gamedata: GameData | None = None
        self.state: GameState | None = None
        self.clock: Clock | None = None
        self.phase = ""
        self.removed = ""
        self.chat_lines: list[ChatLine] = []
        self.pending_undo: UndoRequest | None = None  # the opponent's or ours, pending
        self.latencies: dict[int, float] = {}  # player id -> ms, from `latency` events
        self.last_error = ""
        self.error_count = 0  # `error` events so far: an action waits for this to move
        self.gamedata_count = 0  # how many gamedata objects arrived (resyncs included)
        self._resyncing = False  # a resync was asked for and its gamedata is not in yet
        self.refused_count = 0  # events refused as invalid so far
        self.last_refused = ""  # what the last refused event was and why
        self._clock_moves = -1  # how many moves the game had when `clock` came
        self.joined = False
        self.ending = False  # the server said "finished"; the outcome has not come yet

    @property
    def resyncing(self) -> bool:
        """Fresh gamedata was asked for and is not in yet: what the game holds may be stale."""
        return self._resyncing

    @property
    def undo_requested(self) -> int | None:
        """The move number of the pending undo request, if any (the seed's name)."""
        return self.pending_undo.move_number if self.pending_undo is not None else None

    @undo_requested.setter
    def undo_requested(self, value: int | None) -> None:
        self.pending_undo = None if value is None else UndoRequest(int(value))

    @property
    def my_id(self) -> int:
        return int(self.realtime.user.get("id", 0))

    @property
    def my_color(self) -> str | None:
        """ "black" or "white" for the logged-in player, None for a spectator."""
        return self.gamedata.color_of(self.my_id) if self.gamedata else None

    @property
    def moves(self) -> tuple[Move, ...]:
        return self.gamedata.moves if self.gamedata else ()

    @property
    def move_number(self) -> int:
        return len(self.moves)

    def _clock_player(self) -> int | None:
        """The clock's `current_player`, while no move has come since that clock (a move
        event arrives before its clock) and it names a player of this game."""
        gd, clock = self.gamedata, self.clock
        if (
            gd is not None
            and clock is not None
            and clock.current_player
            and self._clock_moves == len(gd.moves)
            and gd.color_of(clock.current_player) is not None
        ):
            return clock.current_player
        return None

    @property
    def to_move(self) -> str | None:
        """ "black" or "white": whose turn it is (free handicap placement included).

        The clock says it best (rengo teams too), but only while no move has come since: a
        move event arrives before its clock, and in between the clock names the mover.
        """
        if self.gamedata is None:
            return None
        player = self._clock_player()
        if player is not None:
            return self.gamedata.color_of(player)
        return self.gamedata.to_move()

    @property
    def current_player(self) -> int | None:
        """The id of the player to move by the server's word; None before any gamedata.

        The clock's `current_player`, while no move has come since that clock (a move event
        arrives before its clock) and it names a player of this game; else the active player
        of the colour to move (`black_player_id` / `white_player_id`, kept current in rengo
        by `player_update` events)."""
        gd = self.gamedata
        if gd is None:
            return None
        player = self._clock_player()
        return player if player is not None else gd.to_move_player_id()

    def is_turn_of(self, player_id: int) -> bool:
        """Whether `player_id` is to move now by the server's word: the game is in play (and
        not ending) and `current_player` is them. In rengo a player whose team is to move
        while a teammate plays next gets False."""
        return (
            self.phase == "play"
            and not self.ending
            and bool(player_id)
            and self.current_player == player_id
        )

    @property
    def my_turn(self) -> bool:
        """Whether the logged-in player is to move (`is_turn_of(my_id)`)."""
        return self.is_turn_of(self.my_id)

    @property
    def finished(self) -> bool:
        """The game is over and its `outcome` is in (the gamedata says it is finished)."""
        return self.phase == "finished"

    @property
    def outcome(self) -> str:
        return self.gamedata.outcome if self.gamedata else ""

    @property
    def winner(self) -> int | str | None:
        return self.gamedata.winner if self.gamedata else None
