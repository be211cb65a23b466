"""Open challenges the bot keeps on OGS's seek graph (`seek:` in the config), within OGS's
rules for bots: a bot may create open challenges for others to accept; it may not accept
other users' open challenges, nor use automatch.

While the bot has room under `challenges.max_games` (and the offer's speed's `max_games`),
up to `seek.max_open` offers are open; the library keeps live ones alive as the site does.
An offer whose game starts, or that the server no longer lists, makes way for the next one;
all are withdrawn when the bot is full, stops accepting or shuts down. A post the server
refuses is logged with OGS's message and not tried again for `seek.retry_after` seconds.
"""

from __future__ import annotations

import contextlib
import time

from loguru import logger

from ogsbot.bot.config import SeekOffer
from ogsbot.bot.daemon_state import DaemonState, OpenOffer
from ogsbot.ogs.challenge import ChallengeRequest, time_control_from_json
from ogsbot.ogs.errors import OGSError, OGSRequestError

SEEK_EVERY = 1.0  # s between two looks at the offers
CHECK_EVERY = 30.0  # s between two asks of the server for the offers it still holds
MAX_RANKING = 1000  # OGS's "any rank" bound


def offer_request(offer: SeekOffer, opponent: int | None = None) -> ChallengeRequest:
    """The challenge an offer makes: open, or to the player `opponent`."""
    return ChallengeRequest(
        opponent=opponent,
        time_control=time_control_from_json(offer.time_control),
        name=offer.name,
        rules=offer.rules,
        ranked=offer.ranked,
        width=offer.width,
        height=offer.height or offer.width,
        handicap=offer.handicap,
        komi=offer.komi,
        color=offer.color,
        min_ranking=int(offer.rank_range.low),
        max_ranking=min(MAX_RANKING, int(offer.rank_range.high)),
    )


class Seeker(DaemonState):
    """Keeps the configured open challenges posted while the bot has room."""

    _next_offer = 0
    _refused_until = 0.0
    _checked_at = 0.0

    async def _seek_loop(self) -> None:
        try:
            await self.look_every(SEEK_EVERY, "open challenges", self._seek_once)
        finally:
            await self._withdraw_offers(len(self.open_offers), "the bot stops")

    async def _seek_once(self) -> None:
        seek = self.config.seek
        for cid, open_offer in list(self.open_offers.items()):
            if open_offer.game_id in self.games:  # taken: its game is being played
                logger.info("open challenge {} taken: game {}", cid, open_offer.game_id)
                del self.open_offers[cid]
        await self._drop_vanished()
        wanted = seek.max_open if seek.offers and self.seeking_games() else 0
        excess = max(len(self.open_offers) - wanted, self.overbooked())
        if excess and self.open_offers:
            await self._withdraw_offers(excess, "the bot is full")
            return
        while len(self.open_offers) < wanted and time.monotonic() >= self._refused_until:
            offer = seek.offers[self._next_offer % len(seek.offers)]
            self._next_offer += 1
            request = offer_request(offer)
            if not self.room_for(request.speed):
                return
            await self._post(offer, request)

    async def _post(self, offer: SeekOffer, request: ChallengeRequest) -> None:
        try:
            challenge_id, game_id = await self.post_challenge(request)
        except OGSError as exc:
            if isinstance(exc, OGSRequestError) and exc.status == 0:
                await self.cancel_strays()
            self._refused_until = time.monotonic() + self.config.seek.retry_after
            logger.error(
                "open challenge {!r} refused: {}; posted again in {:g} s",
                offer.name,
                exc,
                self.config.seek.retry_after,
            )
            return
        self.open_offers[challenge_id] = OpenOffer(offer, challenge_id, game_id, request.speed)
        logger.info(
            "open challenge {} posted: {} {}x{} {}",
            challenge_id,
            offer.name,
            request.width,
            request.height,
            request.speed,
        )

    async def _drop_vanished(self) -> None:
        """Forget the offers the server no longer holds (expired, or withdrawn there)."""
        if not self.open_offers or time.monotonic() - self._checked_at < CHECK_EVERY:
            return
        self._checked_at = time.monotonic()
        ids = await self.sent_challenge_ids()
        for cid in [c for c in self.open_offers if c not in ids]:
            open_offer = self.open_offers.pop(cid)
            if open_offer.game_id not in self.games:
                logger.info("open challenge {} is gone from the server: posted again", cid)

    async def _withdraw_offers(self, count: int, why: str) -> None:
        for cid in list(self.open_offers)[:count]:
            self.open_offers.pop(cid)
            with contextlib.suppress(OGSError):
                await self.client.cancel_challenge(cid)
            logger.info("open challenge {} withdrawn: {}", cid, why)
