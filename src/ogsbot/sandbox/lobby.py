"""Challenges from creation to a game or a refusal: notifications, seek graph and keepalives.

REST (create, accept, decline, cancel), automatch and the keepalive timers all change
challenges through the lobby, so each change tells the same people the same way.
"""

from __future__ import annotations

import time

from loguru import logger

from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.challenges import ChallengeRecord
from ogsbot.sandbox.games import GameHost
from ogsbot.sandbox.keepalive import KEEPALIVE_TIMEOUT, ChallengeKeepalive
from ogsbot.sandbox.referee import GameSettings, Referee, free_handicap_placement
from ogsbot.sandbox.seekgraph import SeekGraph
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON


class Lobby:
    """Pending challenges and what becomes of them."""

    def __init__(
        self,
        state: ServerState,
        games: GameHost,
        seekgraph: SeekGraph,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
    ) -> None:
        self.state = state
        self.games = games
        self.seekgraph = seekgraph
        self.keepalive = ChallengeKeepalive(state, self.withdraw_challenge, keepalive_timeout)

    def create_challenge(
        self, challenger: Account, challenged: Account | None, body: JSON
    ) -> ChallengeRecord:
        """Create a challenge (open when `challenged` is None) and notify the challenged,
        or the seek graph's watchers."""
        challenge_id, game_id = self.state.next_ids()
        challenge = ChallengeRecord.from_request(
            body,
            challenge_id=challenge_id,
            game_id=game_id,
            challenger=challenger,
            challenged=challenged,
        )
        self.state.challenges[challenge.id] = challenge
        if challenged is not None:
            self.state.notify(challenged.id, challenge.notification())
        self.seekgraph.created(challenge)
        return challenge

    def _forget_challenge(self, challenge: ChallengeRecord) -> bool:
        """The challenge is no longer pending; False if it was not."""
        pending = self.state.challenges.pop(challenge.id, None) is not None
        self.keepalive.forget(challenge.id)
        if challenge.challenged is not None and challenge.notification_id:
            self.state.unnotify(challenge.challenged.id, challenge.notification_id)
        return pending

    def drop_challenge(self, challenge: ChallengeRecord) -> None:
        """Cancelled, declined or withdrawn: gone without a game."""
        if self._forget_challenge(challenge):
            self.seekgraph.deleted(challenge)

    def withdraw_challenge(self, challenge: ChallengeRecord, reason: str) -> None:
        """The server takes a challenge back (its creator stopped keeping it alive)."""
        logger.info("challenge {} withdrawn: {}", challenge.id, reason)
        self.drop_challenge(challenge)

    def decline(
        self, challenge: ChallengeRecord, by: Account, message: str, details: JSON | None
    ) -> None:
        """Refuse a challenge: the challenger is told why, as OGS's site tells a human."""
        self.drop_challenge(challenge)
        now = time.time()
        record = {
            "challenge_id": challenge.id,
            "game_id": challenge.game_id,
            "by": by.id,
            "challenger": challenge.challenger.id,
            "message": message,
            "rejection_details": details,
            "time": now,
        }
        self.state.declines.append(record)
        self.state.send_notification(
            challenge.challenger.id,
            "gameOfferRejected",
            now,
            game_id=challenge.game_id,
            challenge_id=challenge.id,
            name=challenge.name,
            message=message,
            rejection_details=details,
            user=by.player_json(),
        )

    def start_game(self, challenge: ChallengeRecord, acceptor: Account) -> Referee:
        """Turn an accepted challenge into a game in play, and tell both players."""
        listed = self._forget_challenge(challenge)
        black, white, handicap, komi = challenge.resolve(acceptor, self.state.rng)
        settings = game_settings(challenge, handicap, komi)
        now = time.time()
        referee = self.games.new_referee(challenge.game_id, black, white, settings, now)
        self.state.games[referee.game_id] = referee
        if listed:
            self.seekgraph.started(challenge, referee)
        self.state.notify_players(
            referee,
            "gameStarted",
            now,
            game_name=settings.name,
            black=black.username,
            white=white.username,
        )
        self.games.open(referee, now)
        logger.info(
            "game {} started: {} (black) vs {} (white), {}x{} {} komi {} handicap {}",
            referee.game_id,
            black.username,
            white.username,
            settings.width,
            settings.height,
            settings.rules,
            komi,
            handicap,
        )
        return referee


def game_settings(challenge: ChallengeRecord, handicap: int, komi: float) -> GameSettings:
    """The settings of the game an accepted challenge becomes (handicap and komi resolved)."""
    width, height = challenge.width, challenge.height
    return GameSettings(
        width=width,
        height=height,
        rules=challenge.rules,
        komi=komi,
        handicap=handicap,
        free_handicap_placement=free_handicap_placement(challenge.rules, width, height),
        time_control=challenge.time_control.with_speed(width, height),
        ranked=challenge.ranked,
        name=challenge.name,
        private=challenge.private,
        disable_analysis=challenge.disable_analysis,
    )
