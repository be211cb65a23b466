"""A connection's own realtime commands: `authenticate`, `net/ping`, `bot/status`, notifications.

What a socket says about itself rather than about a game: who it is (and, at once, its
games and notifications), that it is alive, a bot's load, a notification read. A bot's
config is active_bots.py's.
"""

from __future__ import annotations

import time

from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError


def _bot(client: Client) -> Account:
    account = client.account
    if account is None or not account.is_bot:
        raise ProtocolError("not_a_bot", "only bot accounts may send this")
    return account


class AccountCommands:
    """Logging a socket in, and what it tells the server about itself."""

    PUBLIC = frozenset({"authenticate", "net/ping"})  # answered before authenticate

    def __init__(self, state: ServerState) -> None:
        self._state = state

    def commands(self) -> dict[str, Command]:
        return {
            "authenticate": self._authenticate,
            "net/ping": self._ping,
            "bot/status": self._bot_status,
            "notification/delete": self._notification_delete,
            "chat/join": lambda client, data: None,
            "chat/part": lambda client, data: None,
        }

    def _authenticate(self, client: Client, data: JSON) -> JSON:
        accounts = self._state.accounts
        account: Account | None = None
        if data.get("bot_apikey"):
            account = accounts.by_api_key(str(data["bot_apikey"]))
            if account is not None and not account.is_bot:
                account = None
        elif data.get("jwt"):
            account = accounts.by_jwt(str(data["jwt"]))
        if account is None:
            raise ProtocolError("invalid_auth", "authentication failed: unknown API key or JWT")
        client.account = account
        now = time.time()
        for referee in self._state.games_of(account.id, active=True):
            client.deferred.append(("active_game", referee.active_game(now)))
        for notification in list(self._state.notifications.get(account.id, {}).values()):
            client.deferred.append(("notification", notification))
        return {"id": account.id, "username": account.username}

    def _ping(self, client: Client, data: JSON) -> None:
        pong = {"client": data.get("client"), "server": int(time.time() * 1000)}
        self._state.push(client, "net/pong", pong)

    def _bot_status(self, client: Client, data: JSON) -> None:
        self._state.bot_status[_bot(client).id] = dict(data)

    def _notification_delete(self, client: Client, data: JSON) -> None:
        assert client.account is not None
        notification_id = data.get("notification_id")
        if not isinstance(notification_id, str):
            raise ProtocolError("bad_request", "notification/delete: notification_id is missing")
        self._state.notifications.get(client.account.id, {}).pop(notification_id, None)
