"""The `seek:` section: open challenges the bot keeps for others to accept (see
`ogsbot.bot.seeker`)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic.dataclasses import dataclass

from ogsbot.bot.config.sections import OPTIONS, Ruleset
from ogsbot.bot.config.values import (
    Flag,
    Integer,
    Number,
    Range,
    RankRange,
    Side,
    Text,
    refuse,
)
from ogsbot.ogs.challenge import time_control_from_json
from ogsbot.ogs.errors import OGSError
from ogsbot.ogs.models import PRO_RANK_BASE, TIME_PARAMETERS


def _offer_time_control(value: dict[str, Any]) -> dict[str, Any]:
    """An OGS time control as a challenge gives it, checked as the library checks one."""
    for key in TIME_PARAMETERS.get(str(value.get("system", "")), ()):
        given = value.get(key)
        if given is not None and (isinstance(given, bool) or not isinstance(given, int | float)):
            raise refuse(f"an OGS time control ({key} must be a number, not {given!r})")
    try:
        time_control_from_json(value)
    except (OGSError, ValueError, TypeError) as exc:
        raise refuse(f"an OGS time control ({exc})") from None
    return value


OfferTimeControl = Annotated[
    dict[Text, Any],
    AfterValidator(_offer_time_control),
    WithJsonSchema({"type": "object", "required": ["system"]}),
]


@dataclass(frozen=True, config=OPTIONS)
class SeekOffer:
    """One open challenge the bot keeps on OGS's seek graph for others to accept."""

    time_control: OfferTimeControl = dataclasses.field(hash=False)
    """The clock, as OGS gives it: {system: fischer, initial_time: 300, time_increment: 10,
    max_time: 600}, {system: byoyomi, main_time, period_time, periods}, ..."""
    name: Text = "Bot game"
    """The game's name on the seek graph."""
    width: Side = 9
    """The board's width."""
    height: Side | None = None
    """The board's height; null: square."""
    rules: Ruleset = "japanese"
    """The rules."""
    ranked: Flag = False
    """A ranked game."""
    handicap: Annotated[Integer, Field(ge=-1, le=9)] = 0
    """Handicap stones; -1: automatic (from the ranks)."""
    komi: Number | None = None
    """The komi; null: automatic (the rules' usual komi)."""
    color: Literal["automatic", "random", "black", "white"] = "automatic"
    """The bot's colour."""
    rank_range: Annotated[RankRange, Field(json_schema_extra={"default": ["30k", "9p"]})] = Range(
        0.0, float(PRO_RANK_BASE + 9)
    )
    """The ranks that may accept it, [lowest, highest]."""


@dataclass(frozen=True, config=OPTIONS)
class SeekConfig:
    """Open challenges the bot keeps for others to accept (OGS lets a bot create them; it
    may not accept other users' open challenges, nor use automatch)."""

    offers: tuple[SeekOffer, ...] = ()
    """The offers, posted in turn; [] for none."""
    max_open: Annotated[Integer, Field(ge=0, le=10)] = 1
    """Offers open at once, while the bot has room under max_games (and its speed's)."""
    retry_after: Annotated[Number, Field(gt=0)] = 60.0
    """Seconds before an offer the server refused (or could not take) is posted again."""
