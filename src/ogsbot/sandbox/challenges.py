"""Challenges on the emulated server: what the challenger asked for, and the game it becomes.

OGS turns "automatic" settings into numbers when a challenge is accepted: the weaker player
takes black, the handicap follows the rank difference and the komi follows the rules. This
module does the same, so a bot sees the same shapes it would see on OGS.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from ogsbot.ogs.board import ruleset
from ogsbot.ogs.models import TIME_PARAMETERS, TIME_SYSTEMS, TimeControl
from ogsbot.sandbox.accounts import Account

RULES = ("japanese", "korean", "chinese", "aga", "ing", "nz")
COLORS = ("automatic", "black", "white", "random")


class ChallengeError(ValueError):
    """A challenge that OGS would refuse to create; the message says which field and why."""


def automatic_komi(rules: str, handicap: int) -> float:
    """OGS's automatic komi: the ruleset's komi, only its half point in a handicap game."""
    komi = ruleset(rules).default_komi
    return komi - math.floor(komi) if handicap > 0 else komi


def _int_field(data: dict[str, Any], key: str, name: str, default: int) -> int:
    """An integer field (a number or numeric string) that may be missing; else refused."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ChallengeError(f"{name} must be a number, not {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ChallengeError(f"{name} must be a number, not {value!r}") from None


def _komi(game: dict[str, Any]) -> float | None:
    """The komi asked for; None when automatic (`komi_auto` "automatic", or no komi given)."""
    raw = game.get("komi")
    mode = game.get("komi_auto")
    if mode is None:
        mode = "automatic" if raw in (None, "") else "custom"
    if mode not in ("automatic", "custom"):
        raise ChallengeError(f"game.komi_auto {mode!r} is not 'automatic' or 'custom'")
    if mode == "automatic":
        return None
    if raw in (None, "") or isinstance(raw, bool):
        raise ChallengeError("game.komi is required when game.komi_auto is 'custom'")
    try:
        komi = float(raw)
    except (TypeError, ValueError):
        raise ChallengeError(f"game.komi {raw!r} is not a number") from None
    if not -100 <= komi <= 100:
        raise ChallengeError(f"game.komi {komi} is not allowed: -100 to 100")
    return komi


def _time_control(game: dict[str, Any]) -> TimeControl:
    """The time control of a challenge body; a missing or bad parameter is refused by name."""
    params = game.get("time_control_parameters") or {}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            raise ChallengeError("game.time_control_parameters is not valid JSON") from None
    if not isinstance(params, dict):
        raise ChallengeError("game.time_control_parameters must be an object")
    system = str(
        params.get("system") or params.get("time_control") or game.get("time_control") or "none"
    ).lower()
    if system not in TIME_SYSTEMS:
        raise ChallengeError(
            f"game.time_control {system!r} is not one of {', '.join(TIME_SYSTEMS)}"
        )
    for key in TIME_PARAMETERS.get(system, ()):
        value = params.get(key)
        name = f"game.time_control_parameters.{key}"
        if value is None:
            raise ChallengeError(f"{name} is required for the {system} time system")
        try:
            number = float(value) if not isinstance(value, bool) else -1.0
        except (TypeError, ValueError):
            number = -1.0
        if not 0 <= number < float("inf"):
            raise ChallengeError(f"{name} must be a number >= 0, not {value!r}")
    try:
        return TimeControl.from_json({**params, "system": system})
    except ValueError as exc:
        raise ChallengeError(f"game.time_control_parameters: {exc}") from None


@dataclass
class ChallengeRecord:
    """A pending challenge, open (no opponent) or direct."""

    id: int
    game_id: int
    challenger: Account
    challenged: Account | None
    name: str
    rules: str
    ranked: bool
    width: int
    height: int
    handicap: int  # -1: automatic
    komi: float | None  # None: automatic
    time_control: TimeControl
    challenger_color: str
    disable_analysis: bool = False
    private: bool = False
    min_ranking: int = -1000
    max_ranking: int = 1000
    created: float = field(default_factory=time.time)
    notification_id: str = ""
    invite_only: bool = False
    uuid: str = field(default_factory=lambda: uuid4().hex)

    @classmethod
    def from_request(
        cls,
        body: dict[str, Any],
        *,
        challenge_id: int,
        game_id: int,
        challenger: Account,
        challenged: Account | None,
    ) -> ChallengeRecord:
        """Parse and check the body OGS's site posts; errors name the field.

        What the site sends as it is is accepted: `komi` left out when `komi_auto` is
        "automatic", `initial_state: null`, `rengo_casual_mode`, and time control parameters
        carrying the legacy `time_control` key and the `periods_min`/`periods_max` bounds.
        """
        game = body.get("game")
        if not isinstance(game, dict):
            raise ChallengeError("'game' must be an object with the game's settings")
        rules = str(game.get("rules", "japanese")).lower()
        if rules not in RULES:
            raise ChallengeError(f"game.rules {rules!r} is not one of {', '.join(RULES)}")
        width = _int_field(game, "width", "game.width", 19)
        height = _int_field(game, "height", "game.height", 19)
        handicap = _int_field(game, "handicap", "game.handicap", 0)
        if not (1 <= width <= 25 and 1 <= height <= 25):
            raise ChallengeError(f"board size {width}x{height} is not allowed: each side 1..25")
        if not -1 <= handicap <= 25:
            raise ChallengeError(f"game.handicap {handicap} is not allowed: -1 (automatic) to 25")
        if game.get("rengo"):
            raise ChallengeError("game.rengo: the emulator has no rengo games")
        initial_state = game.get("initial_state")
        if initial_state and not (
            isinstance(initial_state, dict) and not any(initial_state.values())
        ):
            raise ChallengeError("game.initial_state: the emulator starts from an empty board")
        komi = _komi(game)
        tc = _time_control(game).with_speed(width, height)
        color = str(body.get("challenger_color", "automatic")).lower()
        if color not in COLORS:
            raise ChallengeError(f"challenger_color {color!r} is not one of {', '.join(COLORS)}")
        return cls(
            id=challenge_id,
            game_id=game_id,
            challenger=challenger,
            challenged=challenged,
            name=str(game.get("name") or "Friendly Match"),
            rules=rules,
            ranked=bool(game.get("ranked", False)),
            width=width,
            height=height,
            handicap=handicap,
            komi=komi,
            time_control=tc,
            challenger_color=color,
            disable_analysis=bool(game.get("disable_analysis", False)),
            private=bool(game.get("private", False)),
            min_ranking=_int_field(body, "min_ranking", "min_ranking", -1000),
            max_ranking=_int_field(body, "max_ranking", "max_ranking", 1000),
            invite_only=bool(body.get("invite_only", False)),
        )

    def to_state(self) -> dict[str, Any]:
        """Everything needed to restore the pending challenge after a restart."""
        return {
            "id": self.id,
            "game_id": self.game_id,
            "challenger": self.challenger.id,
            "challenged": self.challenged.id if self.challenged is not None else None,
            "name": self.name,
            "rules": self.rules,
            "ranked": self.ranked,
            "width": self.width,
            "height": self.height,
            "handicap": self.handicap,
            "komi": self.komi,
            "time_control": self.time_control.to_json(),
            "challenger_color": self.challenger_color,
            "disable_analysis": self.disable_analysis,
            "private": self.private,
            "min_ranking": self.min_ranking,
            "max_ranking": self.max_ranking,
            "created": self.created,
            "notification_id": self.notification_id,
            "invite_only": self.invite_only,
            "uuid": self.uuid,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any], accounts: dict[int, Account]) -> ChallengeRecord:
        challenged = data.get("challenged")
        return cls(
            **{
                **data,
                "challenger": accounts[int(data["challenger"])],
                "challenged": accounts[int(challenged)] if challenged is not None else None,
                "time_control": TimeControl.from_json(data["time_control"]),
            }
        )

    def notification(self) -> dict[str, Any]:
        """The `challenge` notification the challenged player receives (OGS's shape)."""
        assert self.challenged is not None
        if not self.notification_id:
            self.notification_id = f"{self.challenged.id}:{uuid4()}"
        user = self.challenger.player_json()
        user["rating"] = f"{user['ratings']['overall']['rating']:.3f}"
        return {
            "id": self.notification_id,
            "type": "challenge",
            "player_id": self.challenged.id,
            "timestamp": int(self.created),
            "read_timestamp": 0,
            "read": 0,
            "aux_delivered": 0,
            "game_id": self.game_id,
            "challenge_id": self.id,
            "user": user,
            "rules": self.rules,
            "ranked": self.ranked,
            "aga_rated": False,
            "disable_analysis": self.disable_analysis,
            "handicap": self.handicap,
            "komi": self.komi,
            "time_control": self.time_control.to_json(),
            "challenger_color": self.challenger_color,
            "width": self.width,
            "height": self.height,
            "min_ranking": self.min_ranking,
            "max_ranking": self.max_ranking,
        }

    def listing(self) -> dict[str, Any]:
        """The entry `GET /api/v1/me/challenges` lists (parameters as a JSON string, as OGS)."""
        return {
            "id": self.id,
            "challenger": self.challenger.player_json(),
            "challenged": self.challenged.player_json() if self.challenged else None,
            "challenger_color": self.challenger_color,
            "min_ranking": self.min_ranking,
            "max_ranking": self.max_ranking,
            "uuid": self.uuid,
            "invite_only": self.invite_only,
            "game": {
                "id": self.game_id,
                "name": self.name,
                "width": self.width,
                "height": self.height,
                "rules": self.rules,
                "ranked": self.ranked,
                "handicap": self.handicap,
                "komi": f"{self.komi:.2f}" if self.komi is not None else None,
                "time_control": self.time_control.system,
                "time_control_parameters": json.dumps(self.time_control.to_json()),
                "disable_analysis": self.disable_analysis,
                "private": self.private,
                "pause_on_weekends": self.time_control.pause_on_weekends,
            },
        }

    def resolve(self, acceptor: Account, rng: random.Random) -> tuple[Account, Account, int, float]:
        """Black, white, handicap and komi once `acceptor` takes the challenge."""
        challenger = self.challenger
        handicap = self.handicap
        if handicap < 0:
            handicap = min(9, max(0, math.floor(abs(challenger.ranking - acceptor.ranking))))
        if self.challenger_color == "black":
            black, white = challenger, acceptor
        elif self.challenger_color == "white":
            black, white = acceptor, challenger
        elif handicap > 0 or self.handicap < 0:  # the weaker takes black (also for "random")
            weaker_is_challenger = challenger.ranking <= acceptor.ranking
            black, white = (
                (challenger, acceptor) if weaker_is_challenger else (acceptor, challenger)
            )
        else:
            black, white = (challenger, acceptor) if rng.random() < 0.5 else (acceptor, challenger)
        komi = self.komi if self.komi is not None else automatic_komi(self.rules, handicap)
        return black, white, handicap, komi
