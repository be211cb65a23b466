"""A challenge to create, in the shape OGS's own site posts it, checked before it is sent.

OGS answers a challenge whose time control lacks a parameter with a bare error, or worse
creates a game no one can play; so a time system's parameters are checked here and a
missing one is named. The site's rules are followed: a ranked challenge (or one with
automatic handicap) has automatic komi and then sends no `komi` key at all, and the time
control carries its `speed` and the legacy `time_control` key.

`seed_challenge` reads `ogsapi`'s `create_challenge` keywords, and the other spellings its
docs use, into a `ChallengeRequest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from ogsbot.ogs.errors import OGSBadArgument, OGSUnknownKeyword
from ogsbot.ogs.models import TIME_PARAMETERS, TIME_SYSTEMS, TimeControl

_MAY_BE_ZERO = frozenset({("fischer", "time_increment"), ("byoyomi", "main_time")})
_MAY_BE_ZERO |= {("canadian", "main_time")}

# What the seed library filled in when a system was named without its parameters.
SEED_TIME_DEFAULTS: dict[str, dict[str, float]] = {
    "byoyomi": {"main_time": 2400, "period_time": 30, "periods": 5},
    "fischer": {"initial_time": 2400, "time_increment": 30},
}

# ogsapi 1.3.0's create_challenge keywords, and its docs' spellings, as ours.
SEED_CHALLENGE_KEYWORDS = {
    "ruleset": "rules",
    "game_rules": "rules",
    "game_name": "name",
    "game_ranked": "ranked",
    "game_width": "width",
    "game_height": "height",
    "game_handicap": "handicap",
    "game_komi": "komi",
    "game_private": "private",
    "game_disable_analysis": "disable_analysis",
    "game_initial_state": "initial_state",
    "game_time_control": "time_control",
    "challenger_color": "color",
    "min_rank": "min_ranking",
    "max_rank": "max_ranking",
    "fischer_initial_time": "initial_time",
    "fischer_time_initial_time": "initial_time",
    "fisher_time_initial_time": "initial_time",
    "fischer_time_increment": "time_increment",
    "fischer_max_time": "max_time",
    "fischer_time_max_time": "max_time",
    "byoyomi_main_time": "main_time",
    "byoyomi_period_time": "period_time",
    "byoyomi_periods": "periods",
    "byoyomi_periods_min": "periods_min",
    "byoyomi_periods_max": "periods_max",
}
_TIME_KEYWORDS = frozenset(
    {p for params in TIME_PARAMETERS.values() for p in params} | {"speed", "pause_on_weekends"}
)


def check_time_control(tc: TimeControl) -> None:
    """Raise `OGSBadArgument` (a ValueError) naming the first parameter `tc` lacks or gets wrong."""
    if tc.system not in TIME_SYSTEMS:
        raise OGSBadArgument(
            f"time control system {tc.system!r} is not one of {', '.join(TIME_SYSTEMS)}"
        )
    for name in TIME_PARAMETERS.get(tc.system, ()):
        value = getattr(tc, name)
        if value < 0 or (value == 0 and (tc.system, name) not in _MAY_BE_ZERO):
            allowed = ">= 0" if (tc.system, name) in _MAY_BE_ZERO else "> 0"
            raise OGSBadArgument(
                f"a {tc.system} time control needs {name} {allowed}, not {value:g}"
                f" (its parameters: {', '.join(TIME_PARAMETERS[tc.system])})"
            )
    if tc.system == "fischer" and tc.max_time < tc.initial_time:
        raise OGSBadArgument(
            f"a fischer time control needs max_time >= initial_time ({tc.initial_time:g}),"
            f" not {tc.max_time:g}"
        )


def time_control_from_json(data: Mapping[str, Any]) -> TimeControl:
    """A time control from an OGS-style object, every parameter of its system required."""
    system = str(data.get("system") or data.get("time_control") or "").lower()
    if not system:
        raise OGSBadArgument(f"a time control needs a system ({', '.join(TIME_SYSTEMS)})")
    missing = [name for name in TIME_PARAMETERS.get(system, ()) if data.get(name) is None]
    if missing:
        raise OGSBadArgument(
            f"a {system} time control needs {', '.join(missing)}: missing"
            f" (its parameters: {', '.join(TIME_PARAMETERS[system])})"
        )
    tc = TimeControl.from_json({**data, "system": system})
    check_time_control(tc)
    return tc


@dataclass(frozen=True)
class ChallengeRequest:
    """A challenge to create: to `opponent` (a username or player id), or open when None."""

    time_control: TimeControl
    opponent: str | int | None = None
    name: str = "Friendly Match"
    rules: str = "japanese"
    ranked: bool = False
    width: int = 19
    height: int = 19
    handicap: int = 0  # -1: automatic
    komi: float | None = None  # None: automatic
    color: str = "automatic"  # the challenger's colour: automatic, random, black, white
    disable_analysis: bool = False
    private: bool = False
    min_ranking: int = -1000
    max_ranking: int = 1000
    aga_ranked: bool = False
    invite_only: bool = False
    initial_state: Mapping[str, Any] | None = field(default=None, hash=False)
    periods_min: int | None = None  # byoyomi: the range a challenger may pick from (site)
    periods_max: int | None = None

    def __post_init__(self) -> None:
        check_time_control(self.time_control)  # the rest the server judges, in its words

    @property
    def automatic_komi(self) -> bool:
        """As the site decides: ranked games and automatic handicap always have it."""
        return self.komi is None or self.ranked or self.handicap < 0

    @property
    def speed(self) -> str:
        return self.time_control.effective_speed(self.width, self.height)

    @property
    def needs_keepalive(self) -> bool:
        """OGS withdraws a live open challenge whose creator stops saying it is still there
        (the site sends `challenge/keepalive` each second); correspondence and invite-only
        challenges wait."""
        return self.speed != "correspondence" and not self.invite_only

    def to_json(self) -> dict[str, Any]:
        """The body OGS's site posts to create a challenge."""
        if self.komi is not None and self.automatic_komi:
            logger.warning(
                "komi {} dropped: OGS gives a ranked challenge (or automatic handicap) "
                "automatic komi",
                self.komi,
            )
        tc = self.time_control.with_speed(self.width, self.height).to_json()
        if self.time_control.system == "byoyomi":
            for key in ("periods_min", "periods_max"):
                if getattr(self, key) is not None:
                    tc[key] = getattr(self, key)
        game: dict[str, Any] = {
            "name": self.name,
            "rules": self.rules,
            "ranked": self.ranked,
            "width": self.width,
            "height": self.height,
            "handicap": self.handicap,
            "komi_auto": "automatic" if self.automatic_komi else "custom",
            "disable_analysis": self.disable_analysis,
            "initial_state": dict(self.initial_state) if self.initial_state else None,
            "private": self.private,
            "rengo": False,
            "pause_on_weekends": tc["pause_on_weekends"],
            "time_control": tc["system"],
            "time_control_parameters": tc,
        }
        if not self.automatic_komi:
            game["komi"] = self.komi
        return {
            "initialized": False,
            "min_ranking": self.min_ranking,
            "max_ranking": self.max_ranking,
            "challenger_color": self.color,
            "rengo_auto_start": 0,
            "aga_ranked": self.aga_ranked,
            "invite_only": self.invite_only,
            "game": game,
        }


def seed_challenge(
    player: str | int | None,
    time_control: TimeControl | Mapping[str, Any] | str | None,
    settings: Mapping[str, Any],
) -> ChallengeRequest:
    """A `ChallengeRequest` from `create_challenge`'s arguments, in ogsapi's names or ours.

    `time_control` is a `TimeControl`, an OGS time-control object, or a system name whose
    parameters come as keywords (`main_time=600`, or ogsapi's `byoyomi_main_time=600`);
    byoyomi and fischer fill in ogsapi's defaults for what is not given (fischer's cap at
    twice the initial time: ogsapi's 300 s was below its own 2400 s start), the other
    systems name what is missing. A keyword neither library knows is an
    `OGSUnknownKeyword` (a TypeError).
    """
    given = dict(settings)
    for seed_name, name in SEED_CHALLENGE_KEYWORDS.items():
        if seed_name in given:
            value = given.pop(seed_name)
            given.setdefault(name, value)
    time_control = given.pop("time_control", time_control)
    komi_auto = given.pop("game_komi_auto", None)
    if komi_auto is True or komi_auto == "automatic":
        given["komi"] = None
    pause = given.pop("pause_on_weekends", None)
    params = {k: given.pop(k) for k in list(given) if k in _TIME_KEYWORDS}
    if pause is not None:
        params["pause_on_weekends"] = bool(pause)
    if isinstance(time_control, TimeControl):
        tc = time_control
    elif isinstance(time_control, Mapping):
        tc = time_control_from_json({**time_control, **params})
    else:
        system = str(time_control or "byoyomi").lower()
        defaults: dict[str, Any] = dict(SEED_TIME_DEFAULTS.get(system, {}))
        if system == "fischer":
            start = params.get("initial_time", defaults["initial_time"])
            defaults["max_time"] = 2 * float(start)
        tc = time_control_from_json({"system": system, **defaults, **params})
    if "komi" in given and given["komi"] is not None:
        given["komi"] = float(given["komi"])
    if "handicap" in given:
        given["handicap"] = int(given["handicap"])
    try:
        return ChallengeRequest(time_control=tc, opponent=player, **given)
    except TypeError:
        known = sorted(set(ChallengeRequest.__dataclass_fields__) | set(SEED_CHALLENGE_KEYWORDS))
        unknown = sorted(set(given) - set(ChallengeRequest.__dataclass_fields__))
        raise OGSUnknownKeyword(
            f"create_challenge() got unknown keyword(s) {', '.join(unknown)};"
            f" known: {', '.join(known)}"
        ) from None
