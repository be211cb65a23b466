"""Typed OGS errors: each carries what was asked and what the server said, never a secret.

Nothing in the client swallows these. Messages are built from the method, the path (never
the query string or body, where credentials travel) and the server's own message, which
`redact` cleans of any secret the client knows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus


def _forms(secret: str) -> list[str]:
    """A secret as it may appear in text: as is, URL-encoded (a query string, a form body,
    which `requests` puts in its exception messages) and JSON-escaped. Longest first."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every known secret (of four characters or more) replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in _forms(secret):
                text = text.replace(form, "***")
    return text


class OGSError(Exception):
    """Anything that went wrong talking to OGS."""


class OGSRequestError(OGSError):
    """A REST call failed: HTTP status (0 when no response came), method, path, message."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        where = f"{method} {path}"
        what = f"HTTP {status}" if status else "no response"
        super().__init__(
            f"{where} failed: {what}: {message}" if message else f"{where} failed: {what}"
        )
        self.status = status
        self.method = method
        self.path = path
        self.message = message


class OGSAuthError(OGSRequestError):
    """401/403, or a login that was refused: wrong API key, password or expired token."""


class OGSNotFound(OGSRequestError):
    """404: the player, game or challenge does not exist (any more)."""


class OGSRateLimited(OGSRequestError):
    """429 after every retry; `retry_after` is what the server last asked for, in seconds."""

    def __init__(
        self, status: int, method: str, path: str, message: str, retry_after: float | None
    ) -> None:
        super().__init__(status, method, path, message)
        self.retry_after = retry_after


class OGSServerError(OGSRequestError):
    """5xx after every retry."""


class OGSConnectionError(OGSRequestError):
    """No response at all after every retry: refused, reset, DNS, or a timeout."""


class OGSRealtimeError(OGSError):
    """The realtime server answered a request with an error, or never answered."""

    def __init__(self, command: str, code: str, message: str) -> None:
        super().__init__(f"{command}: {code}: {message}" if code else f"{command}: {message}")
        self.command = command
        self.code = code
        self.message = message


class OGSRealtimeTimeout(OGSRealtimeError):
    """A realtime request got no reply in time."""

    def __init__(self, command: str, timeout: float) -> None:
        super().__init__(command, "timeout", f"no reply within {timeout:g} s")
        self.timeout = timeout


class OGSNotConnected(OGSRealtimeError):
    """A request needs a live connection and there is none (closed, or never opened)."""

    def __init__(self, command: str, reason: str = "not connected") -> None:
        super().__init__(command, "not_connected", reason)


class OGSLoginRequired(OGSError, ValueError):
    """A call needs a login (the realtime API, the account's own data) and none was given."""


class OGSGameError(OGSError):
    """The server refused something done in a game: joining one that does not exist, a move
    out of turn, on an occupied point or a ko, in a finished game, by a spectator...

    `message` is the server's own words (its `game/<id>/error` event)."""

    def __init__(self, game_id: int, action: str, message: str) -> None:
        super().__init__(f"game {game_id}: {action}: {message}")
        self.game_id = game_id
        self.action = action
        self.message = message


class OGSTimeout(OGSError, TimeoutError):
    """A wait of the synchronous client ran out (a game state, a match, a reply)."""


class OGSClientClosed(OGSError, RuntimeError):
    """The client was closed: what was waiting is cut short, and nothing more can be done."""


class OGSBadArgument(OGSError, ValueError):
    """An argument the client refuses before sending anything (a challenge missing a time
    parameter, a move off the board...), with what is wrong and what is allowed."""


class OGSUnknownKeyword(OGSError, TypeError):
    """A keyword argument neither ogsbot nor ogsapi knows."""
