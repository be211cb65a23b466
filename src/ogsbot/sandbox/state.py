"""What the emulated server holds (accounts, challenges, games, sockets) and how it tells people.

Every room of the emulator (REST API, realtime commands, lobby, games, control API, built-in
players, spectator page) works on this one object, so none of them needs server.py, which
wires them together.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from ogsbot.sandbox.accounts import Account, Accounts
from ogsbot.sandbox.challenges import ChallengeRecord
from ogsbot.sandbox.faults import EventFault, Faults, RestFault
from ogsbot.sandbox.referee import BOT_SCORING_DELAY, STONE_REMOVAL_TIMEOUT, Referee
from ogsbot.sandbox.wire import JSON, Client, ProtocolError


class ServerState:
    """The emulated server's data, its open sockets, and its background jobs."""

    def __init__(
        self, host: str, port: int, state_file: str | Path | None, seed: int | None
    ) -> None:
        """Where it serves, the file it keeps its state in, and the seed of its randomness;
        `Emulator` (server.py) sets the rest of its settings."""
        self.host = host
        self.port = port
        self.state_file = Path(state_file) if state_file else None
        # What each new game gets (Referee's arguments of the same names).
        self.stone_removal_timeout = STONE_REMOVAL_TIMEOUT
        self.bot_scoring_delay = BOT_SCORING_DELAY
        self.rng = random.Random(seed)
        self.accounts = Accounts()
        self.challenges: dict[int, ChallengeRecord] = {}
        self.games: dict[int, Referee] = {}
        self.notifications: dict[int, dict[str, JSON]] = {}
        self.bot_config: dict[int, JSON] = {}
        self.bot_status: dict[int, JSON] = {}
        self.declines: list[JSON] = []
        self.friends: dict[int, set[int]] = {}
        self.friend_requests: dict[int, set[int]] = {}  # to -> from
        self.received: list[tuple[int, str, Any]] = []  # (account id, command, data) from bots
        self.faults = Faults()
        self.clients: set[Client] = set()
        # Ids differ from run to run (as on OGS), so records of earlier runs are not overwritten.
        self.next_challenge_id = 5000 + int(time.time()) % 100_000 * 10
        self.next_game_id = 70000 + int(time.time()) % 1_000_000 * 10
        self._background: set[asyncio.Future[None]] = set()

    @property
    def url(self) -> str:
        """The server's base URL (what a bot takes as its `server`)."""
        return f"http://{self.host}:{self.port}"

    # ----- background jobs ----------------------------------------------------------------

    def spawn(self, coroutine: Awaitable[None]) -> None:
        """Run a background job of the server's (a built-in opponent, a restart)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def cancel_background(self) -> None:
        """Cancel every background job and give them time to clean up (an opponent stops its
        engine) before the loop goes away."""
        jobs = list(self._background)
        for task in jobs:
            task.cancel()
        if jobs:
            await asyncio.wait(jobs, timeout=10)

    # ----- state file ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget accounts, challenges, games and notifications (before a reload)."""
        self.accounts = Accounts()
        self.challenges = {}
        self.games = {}
        self.notifications = {}

    def save_state(self) -> None:
        """Write accounts, challenges and games to the state file as JSON."""
        assert self.state_file is not None
        data = {
            "accounts": [a.to_state() for a in self.accounts.by_id.values()],
            "games": [r.to_state() for r in self.games.values()],
            "challenges": [c.to_state() for c in self.challenges.values()],
            "next_game": self.next_game_id,
            "next_challenge": self.next_challenge_id,
            "notifications": {str(k): v for k, v in self.notifications.items()},
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.state_file)

    def load_state(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text())
        for entry in data.get("accounts", []):
            account = Account.from_state(entry)
            self.accounts.by_id[account.id] = account
            self.accounts._next_id = max(self.accounts._next_id, account.id + 1)
        for entry in data.get("games", []):
            referee = Referee.from_state(entry, self.accounts.by_id)
            self.games[referee.game_id] = referee
        for entry in data.get("challenges", []):
            challenge = ChallengeRecord.from_state(entry, self.accounts.by_id)
            self.challenges[challenge.id] = challenge
        self.next_game_id = int(data.get("next_game", self.next_game_id))
        self.next_challenge_id = int(data.get("next_challenge", self.next_challenge_id))
        self.notifications = {int(k): v for k, v in data.get("notifications", {}).items()}

    # ----- accounts, ids and lookups --------------------------------------------------------

    def add_bot(self, username: str, api_key: str | None = None, ranking: float = 20.0) -> Account:
        return self.accounts.add(username, is_bot=True, api_key=api_key, ranking=ranking)

    def add_human(self, username: str, password: str, ranking: float = 15.0) -> Account:
        return self.accounts.add(username, password=password, ranking=ranking)

    def next_ids(self) -> tuple[int, int]:
        """A new (challenge id, game id) pair: every game starts as a challenge on OGS."""
        ids = self.next_challenge_id, self.next_game_id
        self.next_challenge_id += 1
        self.next_game_id += 1
        return ids

    def games_of(self, account_id: int, *, active: bool | None = None) -> list[Referee]:
        """The account's games: all, or only those in play (`active`) or over (not `active`)."""
        return [
            r
            for r in self.games.values()
            if account_id in (r.black.id, r.white.id) and (active is None or active != r.finished)
        ]

    def referee_for(self, data: JSON) -> Referee:
        """The game a realtime command names by `game_id`; else a refusal."""
        try:
            game_id = int(data["game_id"])
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("bad_request", "game_id is missing or not a number") from None
        referee = self.games.get(game_id)
        if referee is None:
            raise ProtocolError("game_not_found", f"game {game_id} does not exist")
        return referee

    # ----- notifications and pushes ---------------------------------------------------------

    def send_notification(self, account_id: int, kind: str, now: float, **fields: Any) -> None:
        """Send the account a new notification of type `kind`, as OGS shapes one."""
        notification = {
            "id": f"{account_id}:{self.rng.getrandbits(64):016x}",
            "type": kind,
            "player_id": account_id,
            "timestamp": int(now),
            "read": 0,
            **fields,
        }
        self.notify(account_id, notification)

    def notify_players(self, referee: Referee, kind: str, now: float, **fields: Any) -> None:
        """Send both players of a game a notification of type `kind` about it."""
        for account in referee.players:
            self.send_notification(account.id, kind, now, game_id=referee.game_id, **fields)

    def notify(self, account_id: int, notification: JSON) -> None:
        """Store a notification and push it to the account's open sockets."""
        self.notifications.setdefault(account_id, {})[notification["id"]] = notification
        self.push_to_account(account_id, "notification", notification)

    def unnotify(self, account_id: int, notification_id: str) -> None:
        if self.notifications.get(account_id, {}).pop(notification_id, None) is not None:
            self.push_to_account(
                account_id, "notification", {"id": notification_id, "type": "delete"}
            )

    def push_to_account(self, account_id: int, event: str, data: Any) -> None:
        for client in list(self.clients):
            if client.account is not None and client.account.id == account_id:
                self.push(client, event, data)

    def push_to_game(self, game_id: int, suffix: str, data: Any) -> None:
        """Send `game/<id>/<suffix>` to every socket in the game; chat, as on OGS, only to
        those who joined it with chat: true."""
        room = "chat_games" if suffix == "chat" else "games"
        event = f"game/{game_id}/{suffix}"
        for client in list(self.clients):
            if game_id in getattr(client, room):
                self.push(client, event, data)

    def push_active_game(self, referee: Referee, now: float) -> None:
        """Tell both players' game lists how the game stands."""
        entry = referee.active_game(now)
        for account in referee.players:
            self.push_to_account(account.id, "active_game", entry)

    def push(self, client: Client, event: str, data: Any) -> None:
        """Queue an event for one socket (through any injected event fault)."""
        fault = self.faults.event_fault(event)
        frame = json.dumps([event, data])
        if fault is None:
            client.queue.put_nowait(frame)
            return
        copies = 1 + fault.duplicate
        if fault.delay > 0:
            loop = asyncio.get_running_loop()
            for _ in range(copies):
                loop.call_later(fault.delay, client.queue.put_nowait, frame)
        else:
            for _ in range(copies):
                client.queue.put_nowait(frame)

    # ----- faults ---------------------------------------------------------------------------

    def _clients_of(self, username: str | None) -> list[Client]:
        return [
            client
            for client in list(self.clients)
            if username is None
            or (client.account is not None and client.account.username == username)
        ]

    def drop_connections(self, username: str | None = None) -> int:
        """Close sockets (all, or one account's) as a network failure would."""
        clients = self._clients_of(username)
        for client in clients:
            # No close frame: the TCP connection just ends, as when a network fails.
            if client.transport is not None:
                client.transport.abort()
        return len(clients)

    def send_raw(self, text: str, username: str | None = None) -> int:
        """Send any text frame (a malformed one, say) to sockets."""
        clients = self._clients_of(username)
        for client in clients:
            client.queue.put_nowait(text)
        return len(clients)

    def add_rest_fault(self, fault: RestFault) -> None:
        self.faults.rest.append(fault)

    def add_event_fault(self, fault: EventFault) -> None:
        self.faults.events.append(fault)
