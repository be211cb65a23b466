"""`hostinfo` and the site's network diagnostics (`net/connects`, `net/timeout`, ...).

The site sends `hostinfo` without an id on every connect and reads the answer as a
`hostinfo` event; a client that asks with an id gets a reply that also names the server's
version. The `net/*` reports are one-way: OGS collects them and answers nothing, so the
emulator keeps the latest few for inspection and answers nothing either.
"""

from __future__ import annotations

import socket
import time
from collections import deque
from typing import Any

from ogsbot import __version__
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ReplyOrEvent

REPORTS = ("net/connects", "net/timeout", "net/route_latency", "net/unrecoverable_error")
KEPT_REPORTS = 1000


class Diagnostics:
    """The server's own vitals, and what clients report about their connection."""

    PUBLIC = frozenset({"hostinfo", *REPORTS})  # guests' sockets send them too

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self.hostname = socket.gethostname()
        self.started = time.monotonic()
        # (account id or None, command, data), newest last.
        self.reports: deque[tuple[int | None, str, Any]] = deque(maxlen=KEPT_REPORTS)

    def commands(self) -> dict[str, Command]:
        table: dict[str, Command] = {"hostinfo": self._hostinfo}
        table.update({name: self._report_of(name) for name in REPORTS})
        return table

    def mark_started(self) -> None:
        """The server (re)started listening: uptime counts from now."""
        self.started = time.monotonic()

    def _hostinfo(self, client: Client, data: JSON) -> ReplyOrEvent:
        info = {
            "hostname": self.hostname,
            "clients": len(self._state.clients),
            "uptime": int(time.monotonic() - self.started),
        }
        return ReplyOrEvent(
            reply={**info, "ggs-version": f"ogsbot-emulator {__version__}"},
            event="hostinfo",
            event_data=info,
        )

    def _report_of(self, name: str) -> Command:
        def report(client: Client, data: JSON) -> None:
            account_id = client.account.id if client.account is not None else None
            self.reports.append((account_id, name, data))

        return report
