"""What every realtime feature of the emulator shares: a connection, a refusal, a field check.

Kept apart from server.py so that feature modules (seek graph, automatch, keepalive, ...)
can name these without importing the server, which imports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ogsbot.sandbox.accounts import Account

JSON = dict[str, Any]


class ProtocolError(Exception):
    """A realtime command the server refuses: sent back as the reply's error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(eq=False)
class Client:
    """One WebSocket connection and what it has joined."""

    id: int
    ws: web.WebSocketResponse
    transport: asyncio.Transport | None = None
    account: Account | None = None
    games: set[int] = field(default_factory=set)
    chat_games: set[int] = field(default_factory=set)  # joined with chat: true
    channels: set[str] = field(default_factory=set)  # subscriptions: seek graph, automatch
    deferred: list[tuple[str, Any]] = field(default_factory=list)
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    writer: asyncio.Task[None] | None = None


Command = Callable[[Client, JSON], Any]


@dataclass(frozen=True)
class ReplyOrEvent:
    """A command's answer that depends on how it was asked: `reply` when the frame carried
    an id, else the event `event` with `event_data` (OGS's `hostinfo`, which the site sends
    without an id and reads as an event)."""

    reply: Any
    event: str
    event_data: Any


def account_of(client: Client) -> Account:
    """The logged-in account (the server lets only `PUBLIC` commands through without one)."""
    if client.account is None:
        raise ProtocolError("not_authenticated", "authenticate first")
    return client.account


def int_field(data: JSON, key: str, command: str) -> int:
    """`data[key]` as an int (a JSON number or numeric string, not a bool); else a refusal
    that names the field."""
    value = data.get(key)
    if isinstance(value, bool) or value is None:
        raise ProtocolError("bad_request", f"{command}: {key} is missing or not a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProtocolError("bad_request", f"{command}: {key} is not a number: {value!r}") from None


def number_field(data: JSON, key: str, command: str) -> int | float:
    """`data[key]`, a finite number >= 0 (not a bool), as sent; else a refusal naming it."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError("bad_request", f"{command}: {key} is missing or not a number")
    if not 0 <= value < float("inf"):
        raise ProtocolError("bad_request", f"{command}: {key} must be >= 0, got {value!r}")
    return value
