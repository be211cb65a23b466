"""The checks on the bot's load: new challenges at all, games per speed, in total, per player."""

from __future__ import annotations

from ogsbot.bot.config import ChallengeRules
from ogsbot.bot.rules.players import who
from ogsbot.bot.rules.time_control import speed_of
from ogsbot.bot.rules.verdicts import Load, RuleCheck, fail, ok
from ogsbot.ogs.models import SPEEDS, Challenge


def check_accept_new(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if not r.accept_new:
        return [
            fail(
                "accept_new",
                "not_accepting_new_challenges",
                "accept_new is false",
                "This bot is not accepting new challenges at the moment.",
            )
        ]
    return [ok("accept_new", "accepting new challenges")]


def _within(
    name: str, code: str, count: int, limit: int, running: str, sentence: str
) -> list[RuleCheck]:
    """A count of games against its limit: it passes while below it."""
    detail = f"{running}, limit {limit}"
    if count >= limit:
        return [fail(name, code, detail, sentence, count=count, allowed=limit)]
    return [ok(name, detail)]


def check_games_per_speed(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    speed = speed_of(c)
    speed_rules = r.speeds.get(speed)
    if speed_rules is None or speed not in SPEEDS:
        return [ok("games_per_speed", f"not checked: unknown speed {speed!r}")]
    count = int(load.by_speed.get(speed, 0))
    return _within(
        "games_per_speed",
        f"too_many_{speed}_games",
        count,
        speed_rules.max_games,
        f"{count} {speed} games running",
        f"This bot is already playing {count} {speed} games, its limit.",
    )


def check_total_games(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    count = int(load.total)
    return _within(
        "total_games",
        "not_accepting_new_challenges",
        count,
        r.max_games,
        f"{count} games running",
        f"This bot is already playing {count} games, its limit.",
    )


def check_games_per_player(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    count = int(load.by_player.get(c.challenger.id, 0))
    if not r.max_games_per_player:
        return [ok("games_per_player", f"{count} games with this player, limit none")]
    return _within(
        "games_per_player",
        "too_many_games_for_player",
        count,
        r.max_games_per_player,
        f"{who(c.challenger)} has {count} games running"
        if count >= r.max_games_per_player
        else f"{count} games with this player",
        f"You already have {count} game{'s' if count != 1 else ''} with this bot, "
        "its limit per player.",
    )
