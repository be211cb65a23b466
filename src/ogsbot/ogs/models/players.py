"""Players as OGS describes them in games, challenges, lists and chat; rengo teams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from ogsbot.ogs.models.fields import (
    Color,
    as_bool,
    as_number,
    first_present,
    json_number,
    object_copy,
    put_present,
    read_optional_bool,
    read_optional_number,
    read_optional_str,
    read_str,
    require_object,
    utf8_safe,
)
from ogsbot.ogs.models.lenient import nested
from ogsbot.ogs.models.ranks import rank_to_text


@dataclass(frozen=True)
class Player:
    """A user as OGS describes one in games, challenges, game lists and chat.

    The keys differ by context and era, and all are read: `rank` (game data, active_game,
    seekgraph) or `ranking` (notifications, rengo, REST, chat); `professional` or `pro` (0/1);
    `icon_url`, `icon-url` or `icon`; `id`, `user_id` (seekgraph) or `player_id` (chat).
    `rating` is the string OGS sends in notifications ("1009.541"), as a number; `ratings`
    is kept raw. `accepted*` come from stone removal and active_game.
    """

    id: int = 0
    username: str = ""
    rank: float = 0.0
    professional: bool = False
    ui_class: str | None = None
    country: str | None = None
    icon: str | None = None
    rating: float | None = None
    ratings: dict[str, Any] = field(default_factory=dict, hash=False)
    egf: float | None = None
    accepted: bool | None = None
    accepted_stones: str | None = None
    accepted_strict_seki_mode: bool | None = None

    @property
    def ranking(self) -> float:
        """The same number as `rank` (OGS calls it `ranking` in some payloads)."""
        return self.rank

    @property
    def rank_text(self) -> str:
        """The rank label, "5k", "3d" or "1p" (`rank_to_text`)."""
        return rank_to_text(self.rank, self.professional)

    @classmethod
    def from_json(cls, data: object) -> Player:
        """Parse a player object; a bare number is taken as a player id (rengo team lists)."""
        if isinstance(data, int | float) and not isinstance(data, bool):
            return cls(id=int(data))
        data = require_object(data, "player")
        ident = as_number(first_present(data, "id", "user_id", "player_id"))
        rank = as_number(first_present(data, "ranking", "rank"))
        icon = first_present(data, "icon_url", "icon-url", "icon")
        return cls(
            id=int(ident) if ident is not None else 0,
            username=read_str(data, "username") or read_str(data, "name"),
            rank=rank if rank is not None else 0.0,
            professional=as_bool(first_present(data, "professional", "pro")),
            ui_class=read_optional_str(data, "ui_class"),
            country=read_optional_str(data, "country"),
            icon=utf8_safe(icon) if isinstance(icon, str) else None,
            rating=read_optional_number(data, "rating"),
            ratings=object_copy(data.get("ratings")) or {},
            egf=read_optional_number(data, "egf"),
            accepted=read_optional_bool(data, "accepted"),
            accepted_stones=read_optional_str(data, "accepted_stones"),
            accepted_strict_seki_mode=read_optional_bool(data, "accepted_strict_seki_mode"),
        )

    def to_json(self, *, rank_key: Literal["rank", "ranking"] = "rank") -> dict[str, Any]:
        """The player object; game data and active_game use `rank`, notifications `ranking`."""
        out: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            rank_key: json_number(self.rank),
            "professional": self.professional,
        }
        put_present(
            out,
            {
                "ui_class": self.ui_class,
                "country": self.country,
                "icon_url": self.icon,
                "rating": self.rating,
                "egf": self.egf,
                "accepted": self.accepted,
                "accepted_stones": self.accepted_stones,
                "accepted_strict_seki_mode": self.accepted_strict_seki_mode,
            },
        )
        if self.ratings:
            out["ratings"] = dict(self.ratings)
        return out


@dataclass(frozen=True)
class RengoTeams:
    """Rengo teams, each a tuple of players in playing order."""

    black: tuple[Player, ...] = ()
    white: tuple[Player, ...] = ()

    @classmethod
    def from_json(cls, data: object) -> RengoTeams:
        if not isinstance(data, Mapping):
            return cls()
        return cls(
            black=lenient_players(data.get("black")), white=lenient_players(data.get("white"))
        )

    def to_json(self, *, rank_key: Literal["rank", "ranking"] = "ranking") -> dict[str, Any]:
        return {
            "black": [p.to_json(rank_key=rank_key) for p in self.black],
            "white": [p.to_json(rank_key=rank_key) for p in self.white],
        }

    def color_of(self, player_id: int) -> Color | None:
        if any(p.id == player_id for p in self.black):
            return "black"
        if any(p.id == player_id for p in self.white):
            return "white"
        return None


def lenient_players(value: object) -> tuple[Player, ...]:
    """A list of player objects or ids; anything unreadable is skipped."""
    if not isinstance(value, list | tuple):
        return ()
    out = []
    for item in value:
        try:
            out.append(Player.from_json(item))
        except ValueError:
            continue
    return tuple(out)


def lenient_player(value: object, default_id: int = 0) -> Player:
    try:
        return Player.from_json(value)
    except ValueError:
        return Player(id=default_id)


PlayerField = Annotated[Player, nested(Player, lenient_player)]
"""A player field of a lenient model: what cannot be read is a bare player."""
Teams = Annotated[RengoTeams, nested(RengoTeams, RengoTeams.from_json)]
