"""The seek graph: open challenges as OGS lists them, and who may take one.

`seek_graph/connect {channel: "global"}` answers with a `seekgraph/global` list of every
open challenge; from then on each new open challenge, each deletion (`{challenge_id,
delete: true}`) and each start (`{challenge_id, game_started: true, ...}`) is pushed to the
socket, until `seek_graph/disconnect`. Direct and invite-only challenges are never listed:
OGS shows them only to the invited.
"""

from __future__ import annotations

import time
from typing import Any

from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.challenges import ChallengeRecord
from ogsbot.sandbox.clocks import time_per_move
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError

CHANNEL = "seek_graph/global"  # in Client.channels


def listed(challenge: ChallengeRecord) -> bool:
    """Whether the challenge is on the seek graph: open to anyone, not by invitation only."""
    return challenge.challenged is None and not challenge.invite_only


def challenge_entry(challenge: ChallengeRecord) -> JSON:
    """A SeekgraphChallengeMessage (goban's fields), plus `rank`, `pro` and `created`, which
    online-go.com's own type and real payloads also carry."""
    user = challenge.challenger
    tc = challenge.time_control
    return {
        "challenge_id": challenge.id,
        "user_id": user.id,
        "username": user.username,
        "ranking": user.ranking,
        "professional": user.professional,
        "rank": user.ranking,
        "pro": 1 if user.professional else 0,
        "min_rank": challenge.min_ranking,
        "max_rank": challenge.max_ranking,
        "game_id": challenge.game_id,
        "name": challenge.name,
        "ranked": challenge.ranked,
        "handicap": challenge.handicap,
        "komi": challenge.komi,
        "komi_auto": "automatic" if challenge.komi is None else "custom",
        "rules": challenge.rules,
        "width": challenge.width,
        "height": challenge.height,
        "challenger_color": challenge.challenger_color,
        "disable_analysis": challenge.disable_analysis,
        "time_control": tc.system,
        "time_control_parameters": tc.to_json(),
        "time_per_move": time_per_move(tc),
        "rengo": False,
        "rengo_nominees": [],
        "rengo_black_team": [],
        "rengo_white_team": [],
        "rengo_participants": [],
        "rengo_casual_mode": False,
        "rengo_auto_start": False,
        "invite_only": challenge.invite_only,
        "uuid": challenge.uuid,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(challenge.created)),
    }


def started_entry(challenge: ChallengeRecord, referee: Referee) -> JSON:
    """A SeekgraphStartedMessage: the challenge became game `referee`."""
    tc = referee.settings.time_control
    return {
        "challenge_id": challenge.id,
        "game_started": True,
        "game_id": referee.game_id,
        "creator": challenge.challenger.id,
        "black": referee.black.player_json(),
        "white": referee.white.player_json(),
        "time_control": tc.system,
        "time_control_parameters": tc.to_json(),
    }


class SeekGraph:
    """Subscriptions to the global seek graph, and what they are told."""

    PUBLIC = frozenset({"seek_graph/connect", "seek_graph/disconnect"})  # guests see it too

    def __init__(self, state: ServerState) -> None:
        self._state = state

    def commands(self) -> dict[str, Command]:
        return {"seek_graph/connect": self._connect, "seek_graph/disconnect": self._disconnect}

    def open_challenges(self) -> list[ChallengeRecord]:
        """Every challenge on the seek graph, oldest first."""
        return [c for c in self._state.challenges.values() if listed(c)]

    def refusal(self, challenge: ChallengeRecord, acceptor: Account) -> str | None:
        """Why `acceptor` may not take the open challenge, or None if they may.

        OGS's rules: bots do not accept custom games made by others, and the challenger's
        rank range holds.
        """
        if acceptor.is_bot:
            return "Bot accounts may not accept open challenges."
        if not challenge.min_ranking <= acceptor.ranking <= challenge.max_ranking:
            return (
                f"Your rank ({acceptor.ranking:g}) is outside this challenge's range "
                f"({challenge.min_ranking} to {challenge.max_ranking})."
            )
        return None

    def created(self, challenge: ChallengeRecord) -> None:
        if listed(challenge):
            self._broadcast([challenge_entry(challenge)])

    def deleted(self, challenge: ChallengeRecord) -> None:
        if listed(challenge):
            self._broadcast([{"challenge_id": challenge.id, "delete": True}])

    def started(self, challenge: ChallengeRecord, referee: Referee) -> None:
        if listed(challenge):
            self._broadcast([started_entry(challenge, referee)])

    def _broadcast(self, messages: list[Any]) -> None:
        for client in list(self._state.clients):
            if CHANNEL in client.channels:
                self._state.push(client, "seekgraph/global", messages)

    def _channel(self, data: JSON, command: str) -> None:
        channel = data.get("channel", "global")
        if channel != "global":
            raise ProtocolError("bad_request", f"{command}: channel must be 'global'")

    def _connect(self, client: Client, data: JSON) -> None:
        self._channel(data, "seek_graph/connect")
        client.channels.add(CHANNEL)
        entries = [challenge_entry(c) for c in self.open_challenges()]
        self._state.push(client, "seekgraph/global", entries)

    def _disconnect(self, client: Client, data: JSON) -> None:
        self._channel(data, "seek_graph/disconnect")
        client.channels.discard(CHANNEL)
