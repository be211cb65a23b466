"""Which bots are connected, with what each says it accepts: OGS's `active-bots` push.

A bot tells the server its rules with `bot/config` (goban's `BotConfigV2`); the server
broadcasts `active-bots` (`{[id]: user & {config}}`) to every socket whenever the list
changes, and gives it to each new socket, and the site builds its computer-opponent list
from it. A bot is listed while one of its sockets is open, from its first `bot/config` on,
unless its config says `hidden`. The API key gtp2ogs sends in its config is never kept.
"""

from __future__ import annotations

from typing import Any

from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError

EVENT = "active-bots"


class ActiveBots:
    """The connected bots' list, and telling every socket when it changes."""

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._shown: set[str] = set()  # the ids the last broadcast listed

    def commands(self) -> dict[str, Command]:
        return {"bot/config": self._bot_config}

    def listing(self) -> dict[str, Any]:
        """`{str(id): user & {config}}` of every listed bot."""
        online = {
            client.account.id: client.account
            for client in self._state.clients
            if client.account is not None and client.account.is_bot
        }
        out: dict[str, Any] = {}
        for bot_id, account in sorted(online.items()):
            config = self._state.bot_config.get(bot_id)
            if config is None or config.get("hidden"):
                continue
            out[str(bot_id)] = {**account.player_json(), "config": config}
        return out

    def greet(self, client: Client) -> None:
        """A new socket gets the list at once (when there is anyone on it)."""
        listing = self.listing()
        if listing:
            self._state.push(client, EVENT, listing)

    def left(self, client: Client) -> None:
        """A socket closed: if it was a listed bot's last one, everyone hears it left."""
        account = client.account
        if account is not None and account.is_bot and set(self.listing()) != self._shown:
            self.broadcast()

    def broadcast(self) -> None:
        listing = self.listing()
        self._shown = set(listing)
        for client in list(self._state.clients):
            self._state.push(client, EVENT, listing)

    def _bot_config(self, client: Client, data: JSON) -> None:
        account = client.account
        if account is None or not account.is_bot:
            raise ProtocolError("not_a_bot", "only bot accounts may send this")
        # gtp2ogs sends its whole config, API key included: never keep that.
        config = {k: v for k, v in data.items() if k != "apikey"}
        changed = self._state.bot_config.get(account.id) != config
        self._state.bot_config[account.id] = config
        if changed or str(account.id) not in self._shown:
            self.broadcast()
