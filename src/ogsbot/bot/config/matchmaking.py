"""The `matchmaking:` section: challenging other bots when the bot is idle (see
`ogsbot.bot.matchmaker`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from ogsbot.bot.config.paths import OutputFile
from ogsbot.bot.config.sections import OPTIONS
from ogsbot.bot.config.seek import SeekOffer
from ogsbot.bot.config.values import Integer, NoneIsEmpty, Number, Seconds, UserRef


@dataclass(frozen=True, config=OPTIONS)
class MatchmakingConfig:
    """Challenges to other bots (OGS lets a bot challenge bots; never a human), one at a
    time, while the bot has been idle and has room for them."""

    games: tuple[SeekOffer, ...] = ()
    """The games to propose, in turn, each as a `seek` offer (its rank_range: the ranks of
    bots it is proposed to); [] for no matchmaking."""
    opponents: Annotated[tuple[UserRef, ...], NoneIsEmpty] = ()
    """The bots to challenge (usernames or ids); []: any bot OGS lists as connected. Only
    connected bots are challenged, and only with games their advertised config accepts."""
    exclude: Annotated[tuple[UserRef, ...], NoneIsEmpty] = ()
    """Bots never to challenge (usernames or ids)."""
    idle_after: Seconds = 120.0
    """Seconds without a new game before the bot challenges a bot."""
    reserve: Annotated[Integer, Field(ge=0)] = 1
    """Game slots kept for human challengers: no challenge while the bot plays (or has open
    offers for) challenges.max_games - reserve games."""
    cooldown: Annotated[Seconds, Field(le=2592000)] = 3600.0
    """Seconds before the same bot is challenged again (at most 30 days)."""
    daily_limit: Annotated[Integer, Field(ge=0)] = 24
    """Challenges sent in any 24 hours, at most."""
    wait: Annotated[Number, Field(gt=0)] = 60.0
    """Seconds a challenge waits for an answer; then it is withdrawn."""
    retry_declined_after: Annotated[Number, Field(ge=60, le=2592000)] = 21600.0
    """Seconds before a bot that declined for a passing reason (too many games, not
    accepting now) is asked again; a decline for a setting (board size, clock, ranked...) is
    not asked again with that game until the bot's advertised config changes (at most 30
    days)."""
    record: OutputFile = None
    """The file of challenges sent and declines received, kept across restarts; null:
    matchmaking-<bot id>.json in game.sgf_dir (kept in memory only when sgf_dir is "")."""
