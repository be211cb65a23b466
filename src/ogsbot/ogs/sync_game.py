"""`SyncGame`: a live game for scripts (ogsapi's `OGSGame`), each call run on the client's loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ogsbot.ogs.callbacks import Callback
from ogsbot.ogs.game import Game, MoveInput
from ogsbot.ogs.loop_thread import SyncProxy
from ogsbot.ogs.models import GameData, Move
from ogsbot.ogs.realtime import Realtime

if TYPE_CHECKING:
    from ogsbot.ogs.client import OGSClient, OGSCredentials

__all__ = ["JOIN_TIMEOUT", "MOVE_TIMEOUT", "OGSGame", "SyncGame"]

JOIN_TIMEOUT = 30.0  # seconds a game_connect waits for the game
MOVE_TIMEOUT = 30.0  # seconds a move waits for the server's word


class SyncGame(SyncProxy[Game]):
    """A live game for scripts: ogsapi's `OGSGame` methods, and all of `Game`'s.

    Any `Game` attribute or method not named here works too, run on the client's loop.
    `move()` waits for the server's word and raises `OGSGameError` when it refuses the move
    (`wait=False` sends and returns at once, as ogsapi did).
    """

    def __init__(self, game: Game, client: OGSClient) -> None:
        """`client` already forwards the game's events (`game_connect` set the handler)."""
        super().__init__(game, client._loop)
        self._client = client
        self.game_id = game.game_id

    @property
    def callback_handler(self) -> Callback:
        """The game's events go here; a new one may be set at any time."""
        return self._client._handler_of(self.game_id)

    @callback_handler.setter
    def callback_handler(self, handler: Callback) -> None:
        self._client._set_game_handler(self._target, handler)

    @property
    def socket(self) -> SyncProxy[Realtime]:
        """ogsapi's name for the connection the game is followed on."""
        return SyncProxy(self._target.realtime, self._loop)

    @property
    def credentials(self) -> OGSCredentials:
        return self._client.credentials

    @property
    def game_data(self) -> GameData | None:
        """The game as the server last described it (ogsapi's `OGSGameData` names work)."""
        return self._loop.call(lambda: self._target.gamedata)

    def connect(self, timeout: float = JOIN_TIMEOUT) -> SyncGame:
        """Join again (after `disconnect()`) and wait for the gamedata."""
        self._loop.run(self._target.connect(timeout), timeout + 5)
        return self

    def get_gamedata(self, timeout: float = JOIN_TIMEOUT) -> GameData:
        """Ask the server for the whole game again; returns what it sends."""
        return self._loop.run(self._target.refresh(timeout), timeout + 5)

    def move(
        self, move: MoveInput, wait: bool = True, timeout: float = MOVE_TIMEOUT
    ) -> Move | None:
        """Play "D4" (GTP), "dd" (OGS), (x, y), or None / "pass"; returns the move the server
        recorded, or None when not waiting."""
        if not wait:
            self._loop.call(lambda: self._target.move(move))
            return None
        return self._loop.run(self._target.play(move, timeout), timeout + 5)

    def pass_turn(self, wait: bool = True, timeout: float = MOVE_TIMEOUT) -> Move | None:
        """Pass; as `move()`."""
        return self.move(None, wait, timeout)

    def undo(self, move: int | None = None) -> None:
        """Ask to take back the last move (ogsapi's name; `move` is the move number)."""
        self._loop.call(lambda: self._target.undo_request(move))

    def accept_undo(self, move: int | None = None) -> None:
        """Accept the opponent's undo request (all the moves it asks for)."""
        self._loop.call(lambda: self._target.undo_accept(move))

    def cancel_undo(self, move: int | None = None) -> None:
        """Withdraw our undo request."""
        self._loop.call(lambda: self._target.undo_cancel(move))

    def send_chat(self, message: str, chat_type: str = "main", move: int | None = None) -> None:
        """Say `message` in the game's chat: main, malkovich, personal or hidden."""
        self._loop.call(lambda: self._target.chat(message, chat_type, move))

    def wait_for(self, predicate: Callable[[Game], bool], timeout: float | None = None) -> None:
        """Block until `predicate(game)` holds (checked on the loop after every event)."""
        self._loop.run(self._target.wait_for(predicate, timeout))


OGSGame = SyncGame  # ogsapi's name
