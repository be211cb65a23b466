"""Challenging other bots when the bot is idle (`matchmaking:`), within OGS's rules for bots:
a bot may challenge bots; ogsbot never challenges a human.

Opponents come from OGS's `active-bots` list (only connected bots, each with the config it
advertises), filtered by the operator's `opponents`/`exclude` and each game's rank range, and
by what the bot's config says it accepts (`bot_offers.refusal`), so a game it would refuse is
never proposed. One challenge at a time, kept alive while it waits `wait` seconds, then
withdrawn; a cooldown per opponent and a cap per 24 hours, both kept across restarts in the
record (`match_record`) with the declines, so a bot is not asked again for what it refused.
A post that fails counts as a challenge sent and pauses matchmaking (longer after each
failure in a row), so no refusal or outage makes it loop. No challenge goes out while the
bot plays (or has offers open for) `max_games - reserve` games: those slots are for humans.
"""

from __future__ import annotations

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
from ogsbot.ogs.errors import OGSError, OGSNotFound, OGSRequestError
from ogsbot.ogs.models.fields import as_number

MATCH_EVERY = 1.0  # s between two looks
RANK_EVERY = 3600.0  # s between two asks of the server for the bot's own rank
FAILED_PAUSE = (60.0, 3600.0)  # s of pause after a failed post: the first, the most
REJECTIONS_KEPT = 50  # refusals kept by game id, for one that comes before its post's answer


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


def plain(text: object, limit: int = 300) -> str:
    """Text from another program as the record and the status show it: printable, short."""
    return "".join(c if c.isprintable() else "?" for c in str(text or "")[:limit])


def bot_entry(key: object, entry: object) -> tuple[int, float] | None:
    """(id, rank) of an `active-bots` entry that is surely a bot; None for anything else
    (a human is never challenged: `ui_class` must say bot, the id must be the entry's key)."""
    if not isinstance(entry, dict) or "bot" not in str(entry.get("ui_class", "")).split():
        return None
    bot_id, rank = entry.get("id"), as_number(entry.get("ranking"))
    if type(bot_id) is not int or bot_id <= 0 or str(bot_id) != str(key):
        return None
    return bot_id, rank if rank is not None else 0.0


def _names(refs: tuple[str | int, ...]) -> set[str]:
    return {str(r).lower() for r in refs}


def _same(value: object, expected: int) -> bool:
    number = as_number(value)
    return number is not None and number == expected


class Matchmaker(DaemonState):
    """Sends one challenge at a time to a bot that accepts it, while the bot is idle."""

    _record: MatchRecord | None = None
    _my_rank: float | None = None
    _rank_asked = -RANK_EVERY
    _idle_since = 0.0
    _known_games: frozenset[int] = frozenset()
    _next_game = 0
    _paused_until = 0.0
    _failures = 0

    def _on_active_bots(self, event: str, data: Any) -> None:
        if isinstance(data, dict):
            self.active_bots = data

    def _on_offer_rejected(self, event: str, data: Any) -> None:
        """A `gameOfferRejected` notification; it may come before its post's answer."""
        if not isinstance(data, dict) or data.get("type") != "gameOfferRejected":
            return
        game_id = as_number(data.get("game_id"))
        if game_id is not None:
            self.rejections[int(game_id)] = data
            while len(self.rejections) > REJECTIONS_KEPT:
                self.rejections.popitem(last=False)
        out = self.outgoing
        if out is not None and (
            _same(data.get("challenge_id"), out.challenge_id) or _same(game_id, out.game_id)
        ):
            self._declined(out, data)

    def _declined(self, out: Outgoing, data: dict[str, Any]) -> None:
        self.outgoing = None
        self.client.stop_keepalive(out.challenge_id)
        details = data.get("rejection_details")
        code = details.get("rejection_code") if isinstance(details, dict) else None
        code = plain(code, 60) if isinstance(code, str) else ""
        message = plain(data.get("message"))
        self.metrics.bot_challenges.labels("declined").inc()
        logger.info(
            "bot {} declined challenge {}: {} {!r}", out.username, out.challenge_id, code, message
        )
        self._add_decline(out.opponent, out.username, code, message, out.game, out.config)

    def _add_decline(
        self, bot_id: int, username: str, code: str, message: str, game: str, config: str
    ) -> None:
        record = self.record()
        if record is not None:
            record.add_decline(
                Decline(
                    opponent=bot_id,
                    username=username,
                    at=time.time(),
                    code=code,
                    message=message,
                    game=game,
                    config=config,
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
            "sent_today": record.sent_today() if record else 0,
            "daily_limit": mm.daily_limit,
            "bots_online": sum(1 for key in self.active_bots if key != str(self.my_id())),
            "paused": round(max(0.0, self._paused_until - time.monotonic()), 1),
            "declines": [
                {"opponent": d.username, "code": d.code, "message": d.message, "at": d.at}
                for d in (record.data.declines[-5:] if record else [])
            ],
        }

    async def _match_loop(self) -> None:
        self._idle_since = time.monotonic()
        try:
            await self.look_every(MATCH_EVERY, "matchmaking", self._match_once)
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
        return bool(self.config.matchmaking.games) and self.seeking_games()

    def _connected(self) -> bool:
        realtime = self.client.realtime
        return realtime is not None and realtime.connected

    def _may_challenge(self) -> bool:
        mm = self.config.matchmaking
        now = time.monotonic()
        if not self._matching() or not self._connected() or now < self._paused_until:
            return False
        if now - self._idle_since < mm.idle_after:
            return False
        if not self.room_for(None, slots=mm.reserve):
            return False
        record = self.record()
        return record is not None and record.sent_today() < mm.daily_limit

    def record(self) -> MatchRecord | None:
        """The record, read at first use (and again when the config names another file).
        By default `matchmaking-<bot id>.json` in the SGF folder, so bots whose configs
        share a folder keep apart; None before the login tells the bot's id."""
        configured = self.config.matchmaking.record
        if configured:
            path = Path(configured)
        elif self.my_id():
            folder = self.config.game.sgf_dir
            name = f"matchmaking-{self.my_id()}.json"
            path = Path(folder) / name if folder else Path(name)
        else:
            return None
        if self._record is None or self._record.path != path:
            self._record = MatchRecord(path, keep=bool(configured or self.config.game.sgf_dir))
        return self._record

    async def _follow(self, out: Outgoing) -> None:
        """Accepted (its game is played), declined (a notification, possibly before the
        post's answer), withdrawn when not answered in time, when the connection dropped
        (its keepalive with it) or when the bot can no longer take it."""
        rejected = self.rejections.get(out.game_id)
        if out.game_id in self.games or out.game_id in self.finished:
            self.outgoing = None
            self.metrics.bot_challenges.labels("accepted").inc()
            logger.info("bot {} accepted challenge {}", out.username, out.challenge_id)
        elif rejected is not None:
            self._declined(out, rejected)
        elif time.monotonic() - out.sent >= self.config.matchmaking.wait:
            await self._withdraw_outgoing(f"not answered in {self.config.matchmaking.wait:g} s")
        elif not self._connected():
            await self._withdraw_outgoing("the connection dropped")
        elif not self._matching() or self.overbooked():
            await self._withdraw_outgoing("the bot takes no more games")

    async def _withdraw_outgoing(self, why: str) -> None:
        out, self.outgoing = self.outgoing, None
        if out is None or out.game_id in self.games or out.game_id in self.finished:
            return
        try:
            await self.client.cancel_challenge(out.challenge_id)
        except OGSNotFound:  # answered meanwhile: the game (or the refusal) is on its way
            logger.info("challenge {} to bot {}: already answered", out.challenge_id, out.username)
            return
        except OGSError as exc:
            logger.warning("challenge {} could not be withdrawn: {}", out.challenge_id, exc)
        self.metrics.bot_challenges.labels("withdrawn").inc()
        logger.info("challenge {} to bot {} withdrawn: {}", out.challenge_id, out.username, why)

    async def _rank(self) -> float:
        now = time.monotonic()
        if self._my_rank is None or now - self._rank_asked >= RANK_EVERY:
            self._rank_asked = now
            me = await self.client.call(self.client.rest.me)
            self._my_rank = as_number(me.get("ranking")) or 0.0
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

    def _pick(self, offer: SeekOffer, my_rank: float) -> tuple[int, str, float, str] | None:
        """The bot to propose `offer` to, the one asked least recently: (id, username, rank,
        fingerprint of its config); None when no connected bot would take it now."""
        mm = self.config.matchmaking
        record = self.record()
        request = offer_request(offer)
        if record is None or not self.room_for(request.speed, slots=mm.reserve):
            return None
        my_id, wanted, excluded = self.my_id(), _names(mm.opponents), _names(mm.exclude)
        key, now = game_key(offer), time.time()
        found: list[tuple[float, float, tuple[int, str, float, str]]] = []
        for entry_key, entry in list(self.active_bots.items()):
            bot = bot_entry(entry_key, entry)
            if bot is None or bot[0] == my_id:
                continue
            (bot_id, rank), username = bot, plain(entry.get("username"), 60)
            names = {str(bot_id), username.lower()}
            if names & excluded or (wanted and not names & wanted):
                continue
            if not offer.rank_range.low <= rank <= offer.rank_range.high:
                continue
            last = record.last_sent_to(bot_id)
            if now - last < mm.cooldown:
                continue
            config = read_config(entry.get("config"))
            if config is None or refusal(config, request, my_rank) is not None:
                continue
            digest = fingerprint(entry.get("config"))
            if record.blocking(bot_id, key, digest, mm.retry_declined_after, now) is not None:
                continue
            found.append((last, self.rng.random(), (bot_id, username, rank, digest)))
        return min(found)[2] if found else None

    async def _send(
        self, offer: SeekOffer, bot_id: int, username: str, rank: float, digest: str
    ) -> None:
        request = offer_request(offer, opponent=bot_id)
        record = self.record()
        assert record is not None  # _pick found one
        try:
            challenge_id, game_id = await self.post_challenge(request)
        except OGSError as exc:  # counted all the same: against the cap and the cooldown
            record.add_sent(Sent(opponent=bot_id, username=username, at=time.time(), challenge=0))
            await self._post_failed(offer, bot_id, username, digest, exc)
            return
        self._failures = 0
        record.add_sent(
            Sent(opponent=bot_id, username=username, at=time.time(), challenge=challenge_id)
        )
        self.outgoing = Outgoing(
            challenge_id, game_id, bot_id, username, offer, request.speed, game_key(offer), digest
        )
        self.metrics.bot_challenges.labels("sent").inc()
        logger.info(
            "challenged bot {} ({:.1f}): {} {}x{} {}: challenge {}",
            username,
            rank,
            offer.name,
            request.width,
            request.height,
            request.speed,
            challenge_id,
        )
        rejected = self.rejections.get(game_id)
        if rejected is not None:  # refused before the post's answer came
            self._declined(self.outgoing, rejected)

    async def _post_failed(
        self, offer: SeekOffer, bot_id: int, username: str, digest: str, exc: OGSError
    ) -> None:
        """Pause all matchmaking, longer after each failure in a row; a refusal about this
        bot (a 4xx) is kept as its decline; a post never answered may have created the
        challenge, which is looked for and withdrawn."""
        first, most = FAILED_PAUSE
        pause = min(most, first * 2**self._failures)
        self._failures += 1
        self._paused_until = time.monotonic() + pause
        self.metrics.bot_challenges.labels("failed").inc()
        logger.error(
            "challenge to bot {} failed: {}; matchmaking paused {:g} s", username, exc, pause
        )
        status = exc.status if isinstance(exc, OGSRequestError) else None
        if status == 0:
            await self.cancel_strays()
        elif status is not None and 400 <= status < 500 and status not in (408, 429):
            self._add_decline(bot_id, username, "", plain(exc), game_key(offer), digest)
