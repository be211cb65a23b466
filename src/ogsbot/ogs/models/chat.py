"""A chat line (`game/<id>/chat`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.models.fields import (
    clean_json,
    json_number,
    read_int,
    read_number,
    read_str,
    require_object,
    utf8_safe,
)
from ogsbot.ogs.models.players import Player, lenient_player


@dataclass(frozen=True)
class ChatLine:
    """A `game/<id>/chat` event: `{channel, line: {...}}`; `body` is text or an object
    (`{type: "analysis", ...}`, `{type: "translated", ...}`). `date` is epoch seconds."""

    channel: str = "main"
    chat_id: str = ""
    date: float = 0.0
    move_number: int = 0
    player: Player = field(default_factory=Player)
    body: str | dict[str, Any] = field(default="", hash=False)

    @classmethod
    def from_json(cls, data: object) -> ChatLine:
        data = require_object(data, "chat event")
        line = data.get("line")
        line = line if isinstance(line, Mapping) else {}
        body = line.get("body")
        return cls(
            channel=read_str(data, "channel") or read_str(line, "channel", "main"),
            chat_id=read_str(line, "chat_id"),
            date=read_number(line, "date"),
            move_number=read_int(line, "move_number"),
            player=lenient_player(line),
            body=clean_json(body)
            if isinstance(body, Mapping)
            else utf8_safe("" if body is None else str(body)),
        )

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "date": json_number(self.date),
            "move_number": self.move_number,
            "player_id": self.player.id,
            "username": self.player.username,
            "ranking": json_number(self.player.rank),
            "professional": self.player.professional,
        }
        if self.player.ratings:
            line["ratings"] = dict(self.player.ratings)
        if self.player.ui_class is not None:
            line["ui_class"] = self.player.ui_class
        line["body"] = dict(self.body) if isinstance(self.body, Mapping) else self.body
        line["chat_id"] = self.chat_id
        return {"channel": self.channel, "line": line}
