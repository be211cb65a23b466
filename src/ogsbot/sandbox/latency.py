"""`game/latency`: a player's network latency, shown to everyone watching the game.

The site sends it every 5 s while its user plays; OGS passes it on as
`game/<id>/latency {game_id, player_id, latency}` so the opponent can tell lag from thought.
"""

from __future__ import annotations

from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError, account_of, number_field


class GameLatency:
    """The latest latency (ms) each player reported in each game."""

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self.by_game: dict[int, dict[int, int | float]] = {}  # game id -> player id -> ms

    def commands(self) -> dict[str, Command]:
        return {"game/latency": self._latency}

    def _latency(self, client: Client, data: JSON) -> None:
        referee = self._state.referee_for(data)
        account = account_of(client)
        if referee.color_of(account.id) is None:
            raise ProtocolError("not_a_player", "only the game's players report their latency")
        if data.get("latency") is None:
            return  # an empty report: nothing to pass on (clients use it as a cheap barrier)
        latency = number_field(data, "latency", "game/latency")
        self.by_game.setdefault(referee.game_id, {})[account.id] = latency
        self._state.push_to_game(
            referee.game_id,
            "latency",
            {"game_id": referee.game_id, "player_id": account.id, "latency": latency},
        )
