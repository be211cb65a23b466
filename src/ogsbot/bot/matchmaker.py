"""Challenging other bots when the bot is idle (`matchmaking:`), within OGS's rules for bots:
a bot may challenge bots; ogsbot never challenges a human.

Opponents come from OGS's `active-bots` list (only connected bots, each with the config it
advertises), filtered by the operator's `opponents`/`exclude` and each game's rank range, and
by what the bot's config says it accepts (`bot_offers.refusal`), so a game it would refuse is
never proposed. One challenge at a time, kept alive while it waits `wait` seconds, then
withdrawn; a cooldown per opponent and a cap per 24 hours, both kept across restarts in the
record (`match_record`) with the declines, so a bot is not asked again for what it refused.
No challenge goes out while the bot plays (or has offers open for) `max_games - reserve`
games: those slots are for human challengers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

from loguru import logger

from ogsbot.bot.bot_offers import fingerprint, read_config, refusal
from ogsbot.bot.config import SeekOffer
from ogsbot.bot.daemon_state import DaemonState, Outgoing
from ogsbot.bot.match_record import Decline, MatchRecord, Sent
from ogsbot.bot.seeker import offer_request
from ogsbot.ogs.errors import OGSError

MATCH_EVERY = 1.0  # s between two looks
RANK_EVERY = 3600.0  # s between two asks of the server for the bot's own rank
RECORD_NAME = "matchmaking.json"


def game_key(offer: SeekOffer) -> str:
    """A proposed game as the record names it: what a bot may decline it for."""
    height = offer.height or offer.width
    ranked = "ranked" if offer.ranked else "unranked"
    komi = "auto" if offer.komi is None else f"{offer.komi:g}"
    clock = json.dumps(offer.time_control, sort_keys=True)
    return (
        f"{offer.width}x{height} {offer.rules} {ranked} handicap {offer.handicap} "
        f"komi {komi} {clock}"
    )


def _plain(text: object, limit: int = 300) -> str:
    """Text from another program as the record and the status show it: printable, short."""
    return "".join(c if c.isprintable() else "?" for c in str(text or ""))[:limit]


def _is_bot(entry: dict[str, Any]) -> bool:
    """OGS lists bots only; an entry whose `ui_class` says otherwise is never challenged."""
    ui_class = entry.get("ui_class")
    return ui_class is None or "bot" in str(ui_class).split()


def _names(refs: tuple[str | int, ...]) -> set[str]:
    return {str(r).lower() for r in refs}


class Matchmaker(DaemonState):
    """Sends one challenge at a time to a bot that accepts it, while the bot is idle."""

    _record: MatchRecord | None = None
    _my_rank: float | None = None
    _rank_asked = -RANK_EVERY
    _idle_since = 0.0
    _known_games: frozenset[int] = frozenset()
    _next_game = 0

    def _on_active_bots(self, event: str, data: Any) -> None:
        if isinstance(data, dict):
            self.active_bots = data

    def _on_offer_rejected(self, event: str, data: Any) -> None:
        """A `gameOfferRejected` notification: the bot challenged said no."""
        out = self.outgoing
        if not isinstance(data, dict) or data.get("type") != "gameOfferRejected" or out is None:
            return
        if data.get("challenge_id") != out.challenge_id and data.get("game_id") != out.game_id:
            return
        self.outgoing = None
        self.client.stop_keepalive(out.challenge_id)
        details = data.get("rejection_details")
        code = details.get("rejection_code") if isinstance(details, dict) else None
        code = _plain(code, 60) if isinstance(code, str) else ""
        message = _plain(data.get("message"))
        self.metrics.bot_challenges.labels("declined").inc()
        logger.info(
            "bot {} declined challenge {}: {} {!r}", out.username, out.challenge_id, code, message
        )
        if self._record is not None:
            self._record.add_decline(
                Decline(
                    opponent=out.opponent,
                    username=out.username,
                    at=time.time(),
                    code=code,
                    message=message,
                    game=out.game,
                    config=out.config,
                )
            )

    def matchmaking_status(self) -> dict[str, Any] | None:
        """The challenge waiting, the challenges of the last 24 hours, the last declines."""
        mm = self.config.matchmaking
        if not mm.games:
            return None
        record = self.record()
        out = self.outgoing
        return {
            "outgoing": None
            if out is None
            else {
                "challenge": out.challenge_id,
                "opponent": out.username,
                "speed": out.speed,
                "waiting": round(time.monotonic() - out.sent, 1),
            },
            "sent_today": record.sent_today(),
            "daily_limit": mm.daily_limit,
            "bots_online": sum(1 for key in self.active_bots if key != str(self._my_id())),
            "declines": [
                {"opponent": d.username, "code": d.code, "message": d.message, "at": d.at}
                for d in record.data.declines[-5:]
            ],
        }

    async def _match_loop(self) -> None:
        self._idle_since = time.monotonic()
        try:
            while True:
                await asyncio.sleep(MATCH_EVERY)
                try:
                    await self._match_once()
                except OGSError as exc:  # the next look tries again
                    logger.warning("matchmaking: {}", exc)
        finally:
            await self._withdraw_outgoing("the bot stops")

    async def _match_once(self) -> None:
        games = frozenset(self.games)
        if games - self._known_games:
            self._idle_since = time.monotonic()
        self._known_games = games
        out = self.outgoing
        if out is not None:
            await self._follow(out)
        elif self._may_challenge():
            await self._challenge_someone()

    def _matching(self) -> bool:
        return (
            bool(self.config.matchmaking.games)
            and not (self.stopping or self.draining)
            and self.config.challenges.accept_new
        )

    def _may_challenge(self) -> bool:
        mm = self.config.matchmaking
        if not self._matching() or self.client.realtime is None:
            return False
        if time.monotonic() - self._idle_since < mm.idle_after:
            return False
        if not self.room_for(None, slots=mm.reserve):
            return False
        return self.record().sent_today() < mm.daily_limit

    def record(self) -> MatchRecord:
        """The record, read at first use (and again when the config names another file)."""
        configured = self.config.matchmaking.record
        path = Path(configured) if configured else Path(self.config.game.sgf_dir) / RECORD_NAME
        if self._record is None or self._record.path != path:
            self._record = MatchRecord(path)
        return self._record

    async def _follow(self, out: Outgoing) -> None:
        """Accepted (its game is played), withdrawn when not answered in time or when the
        bot can no longer take it; a decline comes as a notification."""
        if out.game_id in self.games or out.game_id in self.finished:
            self.outgoing = None
            self.metrics.bot_challenges.labels("accepted").inc()
            logger.info("bot {} accepted challenge {}", out.username, out.challenge_id)
        elif time.monotonic() - out.sent >= self.config.matchmaking.wait:
            await self._withdraw_outgoing(f"not answered in {self.config.matchmaking.wait:g} s")
        elif not self._matching() or self.overbooked():
            await self._withdraw_outgoing("the bot takes no more games")

    async def _withdraw_outgoing(self, why: str) -> None:
        out, self.outgoing = self.outgoing, None
        if out is None or out.game_id in self.games or out.game_id in self.finished:
            return
        with contextlib.suppress(OGSError):
            await self.client.cancel_challenge(out.challenge_id)
        self.metrics.bot_challenges.labels("withdrawn").inc()
        logger.info("challenge {} to bot {} withdrawn: {}", out.challenge_id, out.username, why)

    async def _rank(self) -> float:
        now = time.monotonic()
        if self._my_rank is None or now - self._rank_asked >= RANK_EVERY:
            self._rank_asked = now
            me = await self.client.call(self.client.rest.me)
            self._my_rank = float(me.get("ranking") or 0.0)
        return self._my_rank

    async def _challenge_someone(self) -> None:
        my_rank = await self._rank()
        games = self.config.matchmaking.games
        for turn in range(len(games)):
            offer = games[(self._next_game + turn) % len(games)]
            picked = self._pick(offer, my_rank)
            if picked is not None:
                self._next_game += turn + 1
                await self._send(offer, *picked)
                return

    def _my_id(self) -> int:
        realtime = self.client.realtime
        return int(realtime.user.get("id", 0)) if realtime is not None else 0

    def _pick(self, offer: SeekOffer, my_rank: float) -> tuple[dict[str, Any], str] | None:
        """The bot to propose `offer` to (the one asked least recently) and the fingerprint
        of its config; None when no connected bot would take it now."""
        mm = self.config.matchmaking
        my_id = self._my_id()
        wanted, excluded = _names(mm.opponents), _names(mm.exclude)
        request = offer_request(offer)
        if not self.room_for(request.speed, slots=mm.reserve):
            return None
        key, now = game_key(offer), time.time()
        record = self.record()
        found: list[tuple[float, float, dict[str, Any], str]] = []
        for entry in self.active_bots.values():
            if not isinstance(entry, dict) or not _is_bot(entry):
                continue
            try:
                bot_id, rank = int(entry["id"]), float(entry.get("ranking") or 0.0)
            except (KeyError, TypeError, ValueError):
                continue
            names = {str(bot_id), str(entry.get("username", "")).lower()}
            if bot_id == my_id or names & excluded or (wanted and not names & wanted):
                continue
            if not offer.rank_range.low <= rank <= offer.rank_range.high:
                continue
            if now - record.last_sent_to(bot_id) < mm.cooldown:
                continue
            config = read_config(entry.get("config"))
            if config is None or refusal(config, request, my_rank) is not None:
                continue
            digest = fingerprint(entry.get("config"))
            if record.blocking(bot_id, key, digest, mm.retry_declined_after, now) is not None:
                continue
            found.append((record.last_sent_to(bot_id), self.rng.random(), entry, digest))
        if not found:
            return None
        _, _, entry, digest = min(found, key=lambda f: (f[0], f[1]))
        return entry, digest

    async def _send(self, offer: SeekOffer, entry: dict[str, Any], digest: str) -> None:
        bot_id, username = int(entry["id"]), _plain(entry.get("username"), 60)
        request = offer_request(offer, opponent=bot_id)
        record = self.record()
        try:
            challenge_id, game_id = await self.client.create_challenge(request)
        except OGSError as exc:
            # Not tried again with this bot before retry_declined_after: no loop on a refusal.
            self.metrics.bot_challenges.labels("failed").inc()
            logger.error("challenge to bot {} refused by the server: {}", username, exc)
            failed = Decline(
                opponent=bot_id,
                username=username,
                at=time.time(),
                code="",
                message=_plain(exc),
                game=game_key(offer),
                config=digest,
            )
            record.add_decline(failed)
            return
        self.outgoing = Outgoing(
            challenge_id, game_id, bot_id, username, offer, request.speed, game_key(offer), digest
        )
        record.add_sent(
            Sent(opponent=bot_id, username=username, at=time.time(), challenge=challenge_id)
        )
        self.metrics.bot_challenges.labels("sent").inc()
        logger.info(
            "challenged bot {} ({}): {} {}x{} {}: challenge {}",
            username,
            entry.get("ranking"),
            offer.name,
            request.width,
            request.height,
            request.speed,
            challenge_id,
        )
