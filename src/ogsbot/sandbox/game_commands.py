"""The realtime `game/*` commands: join a game, play, chat, undo, pause, mark dead stones.

Each is read from the frame, handed to the game's referee with the sender and the time, and
the referee's events go to everyone in the game.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from ogsbot.ogs.coords import ogs_to_xy
from ogsbot.sandbox.games import GameHost
from ogsbot.sandbox.referee import Event, Referee, RefereeError
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError

Action = Callable[[Referee, int, float], list[Event]]  # (referee, player id, now) -> events
CHAT_CHANNELS = ("main", "malkovich", "personal", "hidden")


def _move_number(data: JSON) -> int:
    try:
        return int(data["move_number"])
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("bad_request", "move_number is missing or not a number") from None


class GameCommands:
    """What players and watchers send about one game."""

    def __init__(self, state: ServerState, games: GameHost) -> None:
        self._state = state
        self._games = games

    def commands(self) -> dict[str, Command]:
        return {
            "game/connect": self._connect,
            "game/disconnect": self._disconnect,
            "game/move": self._move,
            "game/resign": self._resign,
            "game/cancel": self._cancel,
            "game/chat": self._chat,
            "game/undo/request": self._undo_request,
            "game/undo/accept": self._undo_accept,
            "game/undo/cancel": self._undo_cancel,
            "game/pause": self._pause,
            "game/resume": self._resume,
            "game/removed_stones/set": self._removed_set,
            "game/removed_stones/accept": self._removed_accept,
            "game/removed_stones/reject": self._removed_reject,
            "game/timed_out": self._timed_out,
        }

    def _connect(self, client: Client, data: JSON) -> None:
        referee = self._state.referee_for(data)
        client.games.add(referee.game_id)
        now = time.time()
        prefix = f"game/{referee.game_id}/"
        push = self._state.push
        push(client, prefix + "gamedata", referee.gamedata(now))
        push(client, prefix + "clock", referee.clock(now))
        if data.get("chat"):
            client.chat_games.add(referee.game_id)
            for line in referee.chat:
                push(client, prefix + "chat", line)
        else:
            client.chat_games.discard(referee.game_id)

    def _disconnect(self, client: Client, data: JSON) -> None:
        with contextlib.suppress(ProtocolError, KeyError, TypeError, ValueError):
            client.games.discard(int(data["game_id"]))
            client.chat_games.discard(int(data["game_id"]))

    def _act(self, client: Client, data: JSON, action: Action) -> None:
        referee = self._state.referee_for(data)
        assert client.account is not None
        events = action(referee, client.account.id, time.time())
        self._games.broadcast(referee, events)

    def _move(self, client: Client, data: JSON) -> None:
        move = data.get("move")
        referee = self._state.referee_for(data)
        width, height = referee.settings.width, referee.settings.height
        try:
            if isinstance(move, list) and len(move) >= 2:
                point = None if move[0] < 0 else (int(move[0]), int(move[1]))
            else:
                point = ogs_to_xy(str(move), width, height)
        except (TypeError, ValueError) as exc:
            raise RefereeError("illegal_move", f"cannot read move {move!r}: {exc}") from None
        self._act(client, data, lambda r, p, now: r.move(p, point, now))

    def _resign(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.resign(p, now))

    def _cancel(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.cancel(p, now))

    def _chat(self, client: Client, data: JSON) -> None:
        referee = self._state.referee_for(data)
        account = client.account
        assert account is not None
        channel = str(data.get("type", "main"))
        if channel not in CHAT_CHANNELS:
            raise ProtocolError(
                "bad_request", f"chat type {channel!r} is not main, malkovich, personal or hidden"
            )
        line = {
            "channel": channel,
            "line": {
                "chat_id": f"{referee.game_id}-{len(referee.chat) + 1}",
                "body": data.get("body", ""),
                "date": int(time.time()),
                "move_number": int(data.get("move_number") or referee.state.move_number),
                "player_id": account.id,
                "username": account.username,
                "ranking": account.ranking,
                "professional": account.professional,
                "ui_class": "bot" if account.is_bot else "",
            },
        }
        referee.chat.append(line)
        self._games.broadcast(referee, [("chat", line)])

    def _undo_request(self, client: Client, data: JSON) -> None:
        n = _move_number(data)
        self._act(client, data, lambda r, p, now: r.request_undo(p, n, now))

    def _undo_accept(self, client: Client, data: JSON) -> None:
        n = _move_number(data)
        self._act(client, data, lambda r, p, now: r.accept_undo(p, n, now))

    def _undo_cancel(self, client: Client, data: JSON) -> None:
        n = _move_number(data)
        self._act(client, data, lambda r, p, now: r.cancel_undo(p, n, now))

    def _pause(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.pause(p, now))

    def _resume(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.resume(p, now))

    def _removed_set(self, client: Client, data: JSON) -> None:
        stones, removed = str(data.get("stones", "")), bool(data.get("removed", True))
        self._act(client, data, lambda r, p, now: r.set_removed(p, stones, removed, now))

    def _removed_accept(self, client: Client, data: JSON) -> None:
        stones = str(data.get("stones", ""))
        self._act(client, data, lambda r, p, now: r.accept_removed(p, stones, now))

    def _removed_reject(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.reject_removed(p, now))

    def _timed_out(self, client: Client, data: JSON) -> None:
        self._act(client, data, lambda r, p, now: r.check_time(now))
