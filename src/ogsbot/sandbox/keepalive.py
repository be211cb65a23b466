"""`challenge/keepalive`: a live challenge lasts as long as its creator waits for an answer.

The site sends `{challenge_id, game_id}` about once a second while its "waiting for
opponent" dialog is open, for live, rapid and blitz challenges that are not invite-only. When
the keepalives stop (the page was closed, the connection lost), OGS withdraws the challenge.
A challenge that never received a keepalive is left alone: scripts and bots create
challenges over REST with no socket at all, and correspondence ones never need one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ogsbot.sandbox.challenges import ChallengeRecord
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, account_of, int_field

KEEPALIVE_TIMEOUT = 10.0  # seconds without a keepalive before a watched challenge goes
LIVE_SPEEDS = ("blitz", "rapid", "live")


def needs_keepalive(challenge: ChallengeRecord) -> bool:
    """Whether OGS expects keepalives for this challenge (the site's `open_now`)."""
    speed = challenge.time_control.effective_speed(challenge.width, challenge.height)
    return speed in LIVE_SPEEDS and not challenge.invite_only


class ChallengeKeepalive:
    """One timer per kept-alive challenge, pushed back by each keepalive; at its end the
    challenge goes through `withdraw(challenge, reason)` (the lobby's)."""

    def __init__(
        self,
        state: ServerState,
        withdraw: Callable[[ChallengeRecord, str], None],
        timeout: float = KEEPALIVE_TIMEOUT,
    ) -> None:
        self._state = state
        self._withdraw = withdraw
        self.timeout = timeout
        self._timers: dict[int, asyncio.TimerHandle] = {}

    def commands(self) -> dict[str, Command]:
        return {"challenge/keepalive": self._keepalive}

    def _keepalive(self, client: Client, data: JSON) -> None:
        challenge_id = int_field(data, "challenge_id", "challenge/keepalive")
        account = account_of(client)
        challenge = self._state.challenges.get(challenge_id)
        # Keepalives for a challenge just accepted or declined still come for a moment:
        # not an error (the site would show an alert for an ERROR).
        if challenge is None or challenge.challenger.id != account.id:
            return
        if needs_keepalive(challenge):
            self._arm(challenge)

    def _arm(self, challenge: ChallengeRecord) -> None:
        self.forget(challenge.id)
        loop = asyncio.get_running_loop()
        self._timers[challenge.id] = loop.call_later(self.timeout, self._expire, challenge.id)

    def _expire(self, challenge_id: int) -> None:
        self._timers.pop(challenge_id, None)
        challenge = self._state.challenges.get(challenge_id)
        if challenge is not None:
            reason = f"no keepalive for {self.timeout:g} s"
            self._withdraw(challenge, reason)

    def forget(self, challenge_id: int) -> None:
        """The challenge is gone (started, declined, cancelled): stop watching it."""
        handle = self._timers.pop(challenge_id, None)
        if handle is not None:
            handle.cancel()

    def stop(self) -> None:
        """The server stops: no timer outlives it."""
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
