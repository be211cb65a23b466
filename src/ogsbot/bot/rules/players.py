"""The checks on who challenges: block list, bots or humans, rank."""

from __future__ import annotations

import math

from ogsbot.bot.config import ChallengeRules
from ogsbot.bot.rules.verdicts import OPPONENT_REJECTION_CODE, Load, RuleCheck, fail, ok
from ogsbot.ogs.models import PRO_RANK_BASE, Challenge, Player, rank_to_text


def is_bot(player: Player) -> bool:
    """Whether OGS marks the player as a bot: "bot" among the classes of `ui_class`."""
    return "bot" in (player.ui_class or "").lower().split()


def player_rank(player: Player) -> float:
    """The player's rank as an OGS number, professionals above every amateur (1036 + N)."""
    rank = float(player.rank)
    if rank > 900:
        return rank
    if player.professional:
        return PRO_RANK_BASE + max(1.0, rank - 36) if rank > 36 else PRO_RANK_BASE + 1.0
    return rank


RANK_EPS = 1e-9


def shown_rank(rank: float, bound: float) -> float:
    """The rank as OGS displays it, at the precision of `bound`: amateur ranks are shown
    floored (31.9 is "2d", 22.95 is "7.1k" in tenths), so a bound covers every rank shown
    as it. Professional ranks are shown as they are."""
    if rank > 900 or rank < -900:
        return rank
    step = 1.0 if float(bound).is_integer() else 0.1
    return math.floor(rank / step + RANK_EPS) * step


def rank_label(rank: float) -> str:
    if rank > 900:
        return rank_to_text(rank)
    return rank_to_text(rank, tenths=not float(rank).is_integer())


def on_list(player: Player, entries: tuple[str | int, ...]) -> bool:
    name = player.username.casefold()
    for entry in entries:
        if isinstance(entry, int) and not isinstance(entry, bool):
            if player.id and entry == player.id:
                return True
        elif isinstance(entry, str) and name and entry.casefold() == name:
            return True
    return False


def who(player: Player) -> str:
    return f"{player.username or '?'} (id {player.id})"


def check_block_list(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if on_list(c.challenger, r.block_list):
        return [
            fail(
                "block_list",
                "blacklisted",
                f"{who(c.challenger)} is on the block list",
                "The operator of this bot does not let you play against it.",
                value=c.challenger.username or c.challenger.id,
            )
        ]
    return [ok("block_list", "not on the block list")]


def check_opponent(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    bot = is_bot(c.challenger)
    kind = "a bot" if bot else "a human"
    how = f"ui_class {c.challenger.ui_class!r}"
    if bot and not r.bots:
        return [
            fail(
                "opponent",
                OPPONENT_REJECTION_CODE,
                f"the challenger is a bot ({how}) and bots is false",
                "This bot does not play against other bots.",
                reason="bots_not_allowed",
            )
        ]
    if not bot and not r.humans:
        return [
            fail(
                "opponent",
                OPPONENT_REJECTION_CODE,
                f"the challenger is a human ({how}) and humans is false",
                "This bot only plays against other bots.",
                reason="humans_not_allowed",
            )
        ]
    return [ok("opponent", f"the challenger is {kind} ({how})")]


def check_rank(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if r.rank_applies_to != "all" and not c.ranked:
        return [ok("rank", "not checked: unranked game (rank_applies_to is 'ranked')")]
    rank = player_rank(c.challenger)
    label = rank_to_text(rank)  # as OGS shows it: whole ranks
    low, high = rank_label(r.rank_range.low), rank_label(r.rank_range.high)
    allowed = [low, high]
    if shown_rank(rank, r.rank_range.low) < r.rank_range.low - RANK_EPS:
        return [
            fail(
                "rank",
                "player_rank_out_of_range",
                f"rank {label} ({rank:g}) is below {low}",
                f"Your rank ({label}) is below this bot's minimum ({low}).",
                value=label,
                allowed=allowed,
            )
        ]
    if shown_rank(rank, r.rank_range.high) > r.rank_range.high + RANK_EPS:
        return [
            fail(
                "rank",
                "player_rank_out_of_range",
                f"rank {label} ({rank:g}) is above {high}",
                f"Your rank ({label}) is above this bot's maximum ({high}).",
                value=label,
                allowed=allowed,
            )
        ]
    return [ok("rank", f"rank {label} is within {low}..{high}")]
