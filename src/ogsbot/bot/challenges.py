"""Answering challenges: by the rules and the load of now, a place reserved for each accepted
one, and a failed answer tried again later."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from loguru import logger

from ogsbot.bot.abilities import engine_unavailable, rengo_refusal
from ogsbot.bot.daemon_state import RESERVE_FOR, DaemonState, Reservation
from ogsbot.bot.rules import Decision, RuleCheck, decide, speed_of
from ogsbot.bot.session import spec_for
from ogsbot.bot.status_report import ChallengeAnswer
from ogsbot.ogs.errors import OGSError, OGSNotFound
from ogsbot.ogs.models import Challenge

# Seconds before answering again a challenge whose answer failed (after the REST client's own
# retries): the challenge is still there, and its challenger waits for an answer.
ANSWER_RETRIES = (5.0, 15.0, 45.0, 120.0)


class ChallengeAnswers(DaemonState):
    """The daemon's part that answers challenge notifications."""

    def _on_notification(self, event: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "challenge":
            self._spawn(self._answer(data), f"challenge-{data.get('challenge_id')}")
        elif kind not in ("delete", None):
            realtime = self.client.realtime
            if realtime is not None and data.get("id"):
                realtime.send("notification/delete", {"notification_id": data["id"]})

    async def _answer(self, data: dict[str, Any], attempt: int = 0) -> None:
        try:
            challenge = Challenge.from_json(data)
        except ValueError as exc:
            logger.warning("a challenge notification could not be read: {}", exc)
            return
        cid = challenge.challenge_id
        if cid in self._seen_challenges:
            return
        self._seen_challenges.add(cid)
        await self._settled.wait()  # the games in play at login count in the load
        decision = self._decide(challenge)
        if decision.accept:
            refusal = rengo_refusal(data) or await self._engine_refusal(challenge)
            decision = self._decide(challenge, refusal)  # the load of now, after the wait
        # Decided and counted in one step (no await between): a challenge answered at the
        # same time sees this one in the load.
        place = challenge.game_id or -cid
        if decision.accept:
            self.reserved[place] = Reservation(speed_of(challenge), challenge.challenger.id)
        try:
            await self._send_answer(challenge, decision, place, attempt)
        except OGSNotFound:
            self.reserved.pop(place, None)
            logger.info("challenge {} is gone (withdrawn or taken): dropped", cid)
        except OGSError as exc:
            self.reserved.pop(place, None)
            # Not answered: a notification sent again (after a reconnect) is answered afresh,
            # and so is this one in a while, with the rules and the load of then.
            self._seen_challenges.discard(cid)
            if attempt >= len(ANSWER_RETRIES) or self.stopping:
                logger.error("answering challenge {} failed: {}; giving up", cid, exc)
                return
            wait = ANSWER_RETRIES[attempt]
            logger.error("answering challenge {} failed: {}; again in {:g} s", cid, exc, wait)
            self._spawn(self._answer_later(data, wait, attempt + 1), f"challenge-{cid}-again")

    async def _send_answer(
        self, challenge: Challenge, decision: Decision, place: int, attempt: int
    ) -> None:
        """Accept or decline on the server, and say so in the log."""
        cid = challenge.challenge_id
        who = f"{challenge.challenger.username} ({challenge.challenger.rank_text})"
        rest = self.client.rest
        if attempt == 0:
            board = f"{challenge.width}x{challenge.height}"
            answer = ChallengeAnswer(
                time.time(), cid, who, board, decision.accept, decision.code or ""
            )
            self.answers.append(answer)
            result = "accepted" if decision.accept else "declined"
            self.metrics.challenges.labels(result, decision.code or "").inc()
        if decision.accept:
            logger.info(
                "accepting challenge {} from {}: {}x{} {} {}",
                cid,
                who,
                challenge.width,
                challenge.height,
                challenge.rules,
                challenge.time_control.system,
            )
            await self.client.call(rest.accept_challenge, cid)
            if place in self.reserved:  # kept until the game arrives, or for a while
                self.reserved[place].until = time.monotonic() + RESERVE_FOR
        else:
            logger.info(
                "declining challenge {} from {}: {} ({})",
                cid,
                who,
                decision.message,
                decision.code,
            )
            if attempt == 0:
                self.declined.append((cid, decision.code))
            await self.client.call(
                rest.decline_challenge, cid, decision.message, decision.code, decision.details
            )

    def _decide(self, challenge: Challenge, refusal: RuleCheck | None = None) -> Decision:
        """The rules' answer with the load of now; `refusal` (what the engine or the bridge
        cannot play) declines even a challenger on the allow list."""
        rules = self.config.challenges
        if self.winding_down:
            rules = replace(rules, accept_new=False)
        decision = decide(challenge, rules, self.load())
        if decision.accept and refusal is not None:
            return Decision(
                False,
                refusal.code,
                refusal.message,
                dict(refusal.details),
                (*decision.checks, refusal),
            )
        return decision

    async def _engine_refusal(self, challenge: Challenge) -> RuleCheck | None:
        """Why the engine that would play this challenge cannot, if it cannot."""
        engine = self.config.engine_for(
            int(challenge.width),
            int(challenge.height),
            speed_of(challenge),
            challenge.time_control.system,
        )
        abilities = await self.abilities.get(spec_for(engine, "probe"))
        if abilities is None:
            return engine_unavailable()
        return abilities.refusal(challenge)

    async def _answer_later(self, data: dict[str, Any], wait: float, attempt: int) -> None:
        await asyncio.sleep(wait)
        await self._answer(data, attempt)
