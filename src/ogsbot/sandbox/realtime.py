"""The realtime protocol: a frame in, its command run, the reply or refusal out.

OGS's frames are JSON arrays `[command, data?, id?]`; a reply is `[id, result]` or
`[id, null, error]`. Which commands exist is the rooms' business (their `commands()`), and
the sockets are server.py's; this module reads a frame, checks the login, runs the command
and queues what it answers.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from loguru import logger

from ogsbot.sandbox.referee import RefereeError
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import Client, Command, ProtocolError, ReplyOrEvent


class RealtimeProtocol:
    """The command table every socket shares, and how a frame is answered."""

    def __init__(
        self, state: ServerState, commands: dict[str, Command], public: frozenset[str]
    ) -> None:
        """`commands`: every command by name; `public`: those answered before authenticate."""
        self._state = state
        self.commands = commands
        self.public = public

    async def handle_frame(self, client: Client, text: str) -> None:
        """Run one command. Whatever a frame carries, the socket lives on: a refusal, a
        malformed field or a failing handler is answered with an error (the reply's when the
        frame carried an id, else a `game/<id>/error` or `ERROR` event)."""
        push = self._state.push
        try:
            frame = json.loads(text)
        except ValueError:
            logger.warning("client {} sent a frame that is not JSON: {!r}", client.id, text[:100])
            push(client, "ERROR", "malformed frame: not JSON")
            return
        if not isinstance(frame, list) or not frame or not isinstance(frame[0], str):
            logger.warning("client {} sent a malformed frame: {!r}", client.id, text[:100])
            push(client, "ERROR", "malformed frame: expected [command, data?, id?]")
            return
        command = frame[0]
        data = frame[1] if len(frame) > 1 else None
        ident = frame[2] if len(frame) > 2 else None
        try:
            result = self._run(client, command, data)
        except (ProtocolError, RefereeError) as exc:
            self._refuse(client, command, data, ident, exc.code, str(exc))
            return
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            message = f"malformed {command}: {exc}"
            self._refuse(client, command, data, ident, "bad_request", message)
            return
        except Exception as exc:
            logger.exception("client {}: {} failed", client.id, command)
            self._refuse(client, command, data, ident, "server_error", f"{command} failed: {exc}")
            return
        if isinstance(result, ReplyOrEvent):
            if ident is None:
                push(client, result.event, result.event_data)
            result = result.reply
        if ident is not None:
            client.queue.put_nowait(json.dumps([ident, result]))
        deferred, client.deferred = client.deferred, []
        for event, payload in deferred:  # what follows the reply (authenticate's pushes)
            push(client, event, payload)

    def _run(self, client: Client, command: str, data: Any) -> Any:
        handler = self.commands.get(command)
        if handler is None:
            raise ProtocolError("unknown_command", f"unknown command {command!r}")
        if command not in self.public and client.account is None:
            raise ProtocolError("not_authenticated", "authenticate first")
        if client.account is not None and client.account.is_bot:
            self._state.received.append((client.account.id, command, data))
        return handler(client, data if isinstance(data, dict) else {})

    def _refuse(
        self, client: Client, command: str, data: Any, ident: Any, code: str, message: str
    ) -> None:
        client.deferred = []
        if ident is not None:
            error = {"code": code, "message": message}
            client.queue.put_nowait(json.dumps([ident, None, error]))
            return
        game_id = data.get("game_id") if isinstance(data, dict) else None
        if command.startswith("game/") and isinstance(game_id, int | str):
            with contextlib.suppress(ValueError):
                self._state.push(client, f"game/{int(game_id)}/error", message)
                return
        self._state.push(client, "ERROR", message)
