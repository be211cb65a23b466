"""Challenge + current load -> accept, or decline with OGS's rejection code and a message.

`decide()` is a pure function: it evaluates every rule (so `Decision.checks` explains each
one) and declines with the first failing rule in this order: block list, accepting new
challenges, bots / humans, board size, rules, ranked / unranked, handicap, komi, rank,
time control system, speed, each time parameter of the system, games of that speed, total
games, games with this opponent. A challenger on the allow list is accepted whatever failed
(the checks record what was overridden). A rule that cannot be evaluated (odd input: a
garbled time control, a missing object) fails with a clear reason instead of raising.

Rejection codes are exactly OGS's (online-go.com `ChallengeModal.types.ts`, see
`REJECTION_CODES`). OGS's site shows its own translated sentence for a code it knows and
our `message` only for codes it does not know; so where OGS has no code we pick the one
whose sentence stays true:

- another bot or a human when the bot does not play them: `blacklisted` ("The operator of
  this bot will not let you play against it"), with `details["reason"]`;
- a ruleset the bot does not play: `not_accepting_new_challenges` (`RULES_REJECTION_CODE`),
  with `details["reason"] = "rules_not_allowed"`;
- the total game limit: `not_accepting_new_challenges`;
- fischer's initial time and absolute's total time: `main_time_out_of_range`; canadian's
  stones per period: `periods_out_of_range`;
- an unknown or unreadable time control or speed: `time_control_system_not_allowed`.

A challenger is a bot when the word "bot" is one of the classes in `ui_class` (OGS marks
bot accounts so; its site tests `ui_class` for "bot"), since notifications carry no is_bot
flag. A professional ranks above every amateur (1036 + N, as OGS numbers pros). A rank bound
includes every ranking OGS displays as that rank: with `rank_range: [10k, 2d]` a player
ranked 31.9 (shown as 2d) is accepted, one ranked 32.0 (3d) is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ogsbot.bot.config import TIME_PARAMETERS, ChallengeRules, Range
from ogsbot.ogs.models import PRO_RANK_BASE, SPEEDS, Challenge, Player, rank_to_text

__all__ = [
    "REJECTION_CODES",
    "RULES_REJECTION_CODE",
    "RULE_NAMES",
    "Decision",
    "Load",
    "RuleCheck",
    "decide",
    "explain",
    "is_bot",
    "player_rank",
]

REJECTION_CODES = (
    "blacklisted",
    "board_size_not_square",
    "board_size_not_allowed",
    "handicap_not_allowed",
    "unranked_not_allowed",
    "ranked_not_allowed",
    "blitz_not_allowed",
    "too_many_blitz_games",
    "rapid_not_allowed",
    "too_many_rapid_games",
    "live_not_allowed",
    "too_many_live_games",
    "correspondence_not_allowed",
    "too_many_correspondence_games",
    "time_control_system_not_allowed",
    "time_increment_out_of_range",
    "period_time_out_of_range",
    "periods_out_of_range",
    "main_time_out_of_range",
    "max_time_out_of_range",
    "per_move_time_out_of_range",
    "player_rank_out_of_range",
    "not_accepting_new_challenges",
    "too_many_games_for_player",
    "komi_out_of_range",
)
"""OGS's rejection codes (online-go.com ChallengeModal.types.ts, plus the two rapid ones)."""

RULES_REJECTION_CODE = "not_accepting_new_challenges"
"""OGS has no code for a ruleset mismatch; this one's sentence stays true."""

OPPONENT_REJECTION_CODE = "blacklisted"
"""OGS has no code for "no bots" / "no humans"; this one's sentence stays true."""

RULE_NAMES = (
    "block_list",
    "accept_new",
    "opponent",
    "board_size",
    "rules",
    "ranked",
    "handicap",
    "komi",
    "rank",
    "time_system",
    "speed",
    "time_parameters",
    "games_per_speed",
    "total_games",
    "games_per_player",
    "allow_list",
)
"""Every rule `decide` evaluates, in order; time parameters are `time_parameters.<name>`."""

_PARAMETER_CODES = {
    ("fischer", "initial_time"): "main_time_out_of_range",
    ("fischer", "time_increment"): "time_increment_out_of_range",
    ("fischer", "max_time"): "max_time_out_of_range",
    ("byoyomi", "main_time"): "main_time_out_of_range",
    ("byoyomi", "period_time"): "period_time_out_of_range",
    ("byoyomi", "periods"): "periods_out_of_range",
    ("canadian", "main_time"): "main_time_out_of_range",
    ("canadian", "period_time"): "period_time_out_of_range",
    ("canadian", "stones_per_period"): "periods_out_of_range",
    ("simple", "per_move"): "per_move_time_out_of_range",
    ("absolute", "total_time"): "main_time_out_of_range",
}

_PARAMETER_NAMES = {
    "initial_time": "initial time",
    "time_increment": "time increment",
    "max_time": "maximum time",
    "main_time": "main time",
    "period_time": "period time",
    "periods": "number of periods",
    "stones_per_period": "number of stones per period",
    "per_move": "time per move",
    "total_time": "total time",
}

_RULESET_NAMES = {
    "japanese": "Japanese",
    "korean": "Korean",
    "chinese": "Chinese",
    "aga": "AGA",
    "ing": "Ing",
    "nz": "New Zealand",
}

# The code a rule declines with when it cannot even be evaluated.
_FALLBACK_CODES = {
    "block_list": "blacklisted",
    "accept_new": "not_accepting_new_challenges",
    "opponent": OPPONENT_REJECTION_CODE,
    "board_size": "board_size_not_allowed",
    "rules": RULES_REJECTION_CODE,
    "ranked": "ranked_not_allowed",
    "handicap": "handicap_not_allowed",
    "komi": "komi_out_of_range",
    "rank": "player_rank_out_of_range",
    "time_system": "time_control_system_not_allowed",
    "speed": "time_control_system_not_allowed",
    "time_parameters": "time_control_system_not_allowed",
    "games_per_speed": "not_accepting_new_challenges",
    "total_games": "not_accepting_new_challenges",
    "games_per_player": "too_many_games_for_player",
}


@dataclass(frozen=True)
class Load:
    """The games the bot plays now: in total, per speed and per opponent id."""

    total: int = 0
    by_speed: dict[str, int] = field(default_factory=dict, hash=False)
    by_player: dict[int, int] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RuleCheck:
    """One rule's verdict. `detail` is for the operator; `message` (failing rules only) is
    the sentence for the challenger; `code` and `details` go to OGS when this rule decides."""

    rule: str
    ok: bool
    detail: str
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False)
    message: str = ""


@dataclass(frozen=True)
class Decision:
    """Accept or decline; for a decline, OGS's `code`, a sentence and `details`."""

    accept: bool
    code: str | None
    message: str
    details: dict[str, Any] = field(hash=False)
    checks: tuple[RuleCheck, ...] = ()

    @property
    def deciding(self) -> RuleCheck | None:
        """The failing check that declined the challenge, if any."""
        if self.accept:
            return None
        return next((c for c in self.checks if not c.ok), None)


# --- helpers ----------------------------------------------------------------------------


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


_RANK_EPS = 1e-9


def _shown(rank: float, bound: float) -> float:
    """The rank as OGS displays it, at the precision of `bound`: amateur ranks are shown
    floored (31.9 is "2d", 22.95 is "7.1k" in tenths), so a bound covers every rank shown
    as it. Professional ranks are shown as they are."""
    if rank > 900 or rank < -900:
        return rank
    step = 1.0 if float(bound).is_integer() else 0.1
    return math.floor(rank / step + _RANK_EPS) * step


def _rank_label(rank: float) -> str:
    if rank > 900:
        return rank_to_text(rank)
    return rank_to_text(rank, tenths=not float(rank).is_integer())


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _seconds(value: float) -> str:
    """Seconds for a sentence: "30 s", "5 min", "2 h", "3 days"."""
    number = float(value)
    for size, unit in ((86400, " days"), (3600, " h"), (60, " min")):
        if number >= size and number % size == 0:
            count = int(number // size)
            return f"{count}{' day' if unit == ' days' and count == 1 else unit}"
    return f"{_plain(number)} s"


def _amount(parameter: str, value: float) -> str:
    return str(_plain(value)) if parameter in ("periods", "stones_per_period") else _seconds(value)


def _on_list(player: Player, entries: tuple[str | int, ...]) -> bool:
    name = player.username.casefold()
    for entry in entries:
        if isinstance(entry, int) and not isinstance(entry, bool):
            if player.id and entry == player.id:
                return True
        elif isinstance(entry, str) and name and entry.casefold() == name:
            return True
    return False


def _who(player: Player) -> str:
    return f"{player.username or '?'} (id {player.id})"


def _range_words(allowed: Range, parameter: str = "") -> str:
    if parameter:
        return f"{_amount(parameter, allowed.low)} to {_amount(parameter, allowed.high)}"
    return f"{_plain(allowed.low)} to {_plain(allowed.high)}"


def _words(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _ok(rule: str, detail: str) -> RuleCheck:
    return RuleCheck(rule, True, detail)


def _fail(rule: str, code: str, detail: str, message: str, **details: Any) -> RuleCheck:
    return RuleCheck(rule, False, detail, code, details, message)


def _speed(challenge: Challenge) -> str:
    return str(challenge.time_control.effective_speed())


# --- the rules --------------------------------------------------------------------------

Check = Callable[[Challenge, ChallengeRules, Load], list[RuleCheck]]


def _block_list(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if _on_list(c.challenger, r.block_list):
        return [
            _fail(
                "block_list",
                "blacklisted",
                f"{_who(c.challenger)} is on the block list",
                "The operator of this bot does not let you play against it.",
                value=c.challenger.username or c.challenger.id,
            )
        ]
    return [_ok("block_list", "not on the block list")]


def _accept_new(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if not r.accept_new:
        return [
            _fail(
                "accept_new",
                "not_accepting_new_challenges",
                "accept_new is false",
                "This bot is not accepting new challenges at the moment.",
            )
        ]
    return [_ok("accept_new", "accepting new challenges")]


def _opponent(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    bot = is_bot(c.challenger)
    kind = "a bot" if bot else "a human"
    how = f"ui_class {c.challenger.ui_class!r}"
    if bot and not r.bots:
        return [
            _fail(
                "opponent",
                OPPONENT_REJECTION_CODE,
                f"the challenger is a bot ({how}) and bots is false",
                "This bot does not play against other bots.",
                reason="bots_not_allowed",
            )
        ]
    if not bot and not r.humans:
        return [
            _fail(
                "opponent",
                OPPONENT_REJECTION_CODE,
                f"the challenger is a human ({how}) and humans is false",
                "This bot only plays against other bots.",
                reason="humans_not_allowed",
            )
        ]
    return [_ok("opponent", f"the challenger is {kind} ({how})")]


def _board_size(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    sizes = r.board_sizes
    width, height = int(c.width), int(c.height)
    board = f"{width}x{height}"
    if sizes.allows(width, height):
        return [_ok("board_size", f"{board} is allowed ({sizes.describe()})")]
    allowed = sizes.to_ogs()
    if width != height and sizes.square_only:
        return [
            _fail(
                "board_size",
                "board_size_not_square",
                f"{board} is not square; allowed: {sizes.describe()}",
                "This bot only plays on square boards.",
                allowed=allowed,
                value=board,
            )
        ]
    return [
        _fail(
            "board_size",
            "board_size_not_allowed",
            f"{board} is not among {sizes.describe()}",
            f"This bot only plays on {sizes.describe()}.",
            allowed=allowed,
            value=board,
        )
    ]


def _rules(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    name = str(c.rules).lower()
    if name in r.rules:
        return [_ok("rules", f"{name} rules are allowed")]
    labels = [_RULESET_NAMES.get(x, x) for x in r.rules]
    return [
        _fail(
            "rules",
            RULES_REJECTION_CODE,
            f"rules {c.rules!r} are not among {', '.join(r.rules)}",
            f"This bot only plays with {_words(labels, 'or')} rules.",
            reason="rules_not_allowed",
            allowed=list(r.rules),
            value=c.rules,
        )
    ]


def _ranked(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if c.ranked and not r.ranked:
        return [
            _fail(
                "ranked",
                "ranked_not_allowed",
                "ranked game, and ranked is false",
                "This bot does not play ranked games.",
                value=True,
            )
        ]
    if not c.ranked and not r.unranked:
        return [
            _fail(
                "ranked",
                "unranked_not_allowed",
                "unranked game, and unranked is false",
                "This bot does not play unranked games.",
                value=False,
            )
        ]
    return [_ok("ranked", "ranked game" if c.ranked else "unranked game")]


def _handicap(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    handicap = int(c.handicap)
    kind = "ranked" if c.ranked else "unranked"
    if handicap == 0:
        return [_ok("handicap", "no handicap")]
    allowed_here = r.handicap_ranked if c.ranked else r.handicap_unranked
    if not allowed_here:
        what = "automatic handicap" if handicap < 0 else f"handicap {handicap}"
        return [
            _fail(
                "handicap",
                "handicap_not_allowed",
                f"{what} in a {kind} game, and handicap_{kind} is false",
                f"This bot does not play handicap games when {kind}.",
                value=handicap,
            )
        ]
    if handicap < 0:
        if not r.automatic_handicap:
            return [
                _fail(
                    "handicap",
                    "handicap_not_allowed",
                    "automatic handicap, and automatic_handicap is false",
                    "This bot does not accept automatic handicap; please choose the handicap.",
                    value="automatic",
                    allowed=r.max_handicap,
                )
            ]
        return [_ok("handicap", "automatic handicap (max_handicap cannot be checked)")]
    if handicap > r.max_handicap:
        return [
            _fail(
                "handicap",
                "handicap_not_allowed",
                f"handicap {handicap} is above max_handicap {r.max_handicap}",
                f"This bot plays at most {r.max_handicap} handicap stones."
                if r.max_handicap
                else "This bot does not play handicap games.",
                value=handicap,
                allowed=r.max_handicap,
            )
        ]
    return [_ok("handicap", f"handicap {handicap} (at most {r.max_handicap})")]


def _komi(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    allowed = r.komi.as_list()
    if c.komi is None:
        if r.automatic_komi:
            return [_ok("komi", "automatic komi")]
        return [
            _fail(
                "komi",
                "komi_out_of_range",
                "automatic komi, and automatic_komi is false",
                f"This bot needs the komi set, from {_range_words(r.komi)}.",
                value=None,
                allowed=allowed,
            )
        ]
    komi = float(c.komi)
    if komi in r.komi:
        return [_ok("komi", f"komi {_plain(komi)} is within {r.komi}")]
    return [
        _fail(
            "komi",
            "komi_out_of_range",
            f"komi {_plain(komi)} is outside {r.komi}",
            f"This bot only plays with komi from {_range_words(r.komi)}.",
            value=_plain(komi),
            allowed=allowed,
        )
    ]


def _rank(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if r.rank_applies_to != "all" and not c.ranked:
        return [_ok("rank", "not checked: unranked game (rank_applies_to is 'ranked')")]
    rank = player_rank(c.challenger)
    label = rank_to_text(rank)  # as OGS shows it: whole ranks
    low, high = _rank_label(r.rank_range.low), _rank_label(r.rank_range.high)
    allowed = [low, high]
    if _shown(rank, r.rank_range.low) < r.rank_range.low - _RANK_EPS:
        return [
            _fail(
                "rank",
                "player_rank_out_of_range",
                f"rank {label} ({rank:g}) is below {low}",
                f"Your rank ({label}) is below this bot's minimum ({low}).",
                value=label,
                allowed=allowed,
            )
        ]
    if _shown(rank, r.rank_range.high) > r.rank_range.high + _RANK_EPS:
        return [
            _fail(
                "rank",
                "player_rank_out_of_range",
                f"rank {label} ({rank:g}) is above {high}",
                f"Your rank ({label}) is above this bot's maximum ({high}).",
                value=label,
                allowed=allowed,
            )
        ]
    return [_ok("rank", f"rank {label} is within {low}..{high}")]


def _time_system(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    system = str(c.time_control.system)
    if system in r.time_systems:
        return [_ok("time_system", f"{system} is allowed")]
    if system == "none":
        what = "games without a clock"
    elif system in TIME_PARAMETERS:
        what = f"{system} time"
    else:
        what = f"the time control {system!r}"
    return [
        _fail(
            "time_system",
            "time_control_system_not_allowed",
            f"{system!r} is not among {', '.join(r.time_systems)}",
            f"This bot does not play {what}; it plays {_words(list(r.time_systems), 'or')}.",
            value=system,
            allowed=list(r.time_systems),
        )
    ]


def _speed_rule(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    speed = _speed(c)
    allowed = [s for s in SPEEDS if s in r.speeds and r.speeds[s].allowed]
    if speed in allowed:
        return [_ok("speed", f"{speed} games are allowed")]
    if speed in SPEEDS:
        return [
            _fail(
                "speed",
                f"{speed}_not_allowed",
                f"{speed} is not allowed",
                f"This bot does not play {speed} games.",
                value=speed,
                allowed=allowed,
            )
        ]
    return [
        _fail(
            "speed",
            "time_control_system_not_allowed",
            f"unknown speed {speed!r}",
            "This bot cannot tell the speed of this time control.",
            value=speed,
            allowed=allowed,
        )
    ]


def _time_parameters(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    tc = c.time_control
    system = str(tc.system)
    speed = _speed(c)
    params = TIME_PARAMETERS.get(system)
    if params is None:
        return [_ok("time_parameters", f"system {system!r} has no parameters to check")]
    speed_rules = r.speeds.get(speed)
    if speed_rules is None:
        return [_ok("time_parameters", f"not checked: no rules for speed {speed!r}")]
    out: list[RuleCheck] = []
    for param in params:
        rule = f"time_parameters.{param}"
        allowed = speed_rules.range_for(system, param)
        value = getattr(tc, param)
        shown = _amount(param, value)
        if allowed is None:
            out.append(_ok(rule, f"{system} {param} {shown}: no range set for {speed}"))
        elif value in allowed:
            out.append(
                _ok(
                    rule,
                    f"{system} {param} {shown}, within {_range_words(allowed, param)} ({speed})",
                )
            )
        else:
            name = _PARAMETER_NAMES[param]
            out.append(
                _fail(
                    rule,
                    _PARAMETER_CODES[(system, param)],
                    f"{system} {param} {shown}, outside {_range_words(allowed, param)} ({speed})",
                    f"The {name} ({shown}) is outside this bot's range for {speed} "
                    f"{system} games ({_range_words(allowed, param)}).",
                    value=_plain(value),
                    allowed=allowed.as_list(),
                    parameter=param,
                    system=system,
                    speed=speed,
                )
            )
    return out


def _games_per_speed(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    speed = _speed(c)
    speed_rules = r.speeds.get(speed)
    if speed_rules is None or speed not in SPEEDS:
        return [_ok("games_per_speed", f"not checked: unknown speed {speed!r}")]
    count = int(load.by_speed.get(speed, 0))
    if count >= speed_rules.max_games:
        return [
            _fail(
                "games_per_speed",
                f"too_many_{speed}_games",
                f"{count} {speed} games running, limit {speed_rules.max_games}",
                f"This bot is already playing {count} {speed} games, its limit.",
                count=count,
                allowed=speed_rules.max_games,
            )
        ]
    return [_ok("games_per_speed", f"{count} {speed} games running, limit {speed_rules.max_games}")]


def _total_games(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    count = int(load.total)
    if count >= r.max_games:
        return [
            _fail(
                "total_games",
                "not_accepting_new_challenges",
                f"{count} games running, limit {r.max_games}",
                f"This bot is already playing {count} games, its limit.",
                count=count,
                allowed=r.max_games,
            )
        ]
    return [_ok("total_games", f"{count} games running, limit {r.max_games}")]


def _games_per_player(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    limit = r.max_games_per_player
    count = int(load.by_player.get(c.challenger.id, 0))
    if limit and count >= limit:
        return [
            _fail(
                "games_per_player",
                "too_many_games_for_player",
                f"{_who(c.challenger)} has {count} games running, limit {limit}",
                f"You already have {count} game{'s' if count != 1 else ''} with this bot, "
                "its limit per player.",
                count=count,
                allowed=limit,
            )
        ]
    limit_text = str(limit) if limit else "none"
    return [_ok("games_per_player", f"{count} games with this player, limit {limit_text}")]


_CHECKS: tuple[tuple[str, Check], ...] = (
    ("block_list", _block_list),
    ("accept_new", _accept_new),
    ("opponent", _opponent),
    ("board_size", _board_size),
    ("rules", _rules),
    ("ranked", _ranked),
    ("handicap", _handicap),
    ("komi", _komi),
    ("rank", _rank),
    ("time_system", _time_system),
    ("speed", _speed_rule),
    ("time_parameters", _time_parameters),
    ("games_per_speed", _games_per_speed),
    ("total_games", _total_games),
    ("games_per_player", _games_per_player),
)


def decide(challenge: Challenge, rules: ChallengeRules, load: Load) -> Decision:
    """Evaluate every rule; decline with the first that fails unless the challenger is on
    the allow list. Never raises: a rule that cannot be evaluated fails with the reason."""
    checks: list[RuleCheck] = []
    for name, check in _CHECKS:
        try:
            checks.extend(check(challenge, rules, load))
        except Exception as error:  # odd input must decline, not crash the daemon
            checks.append(
                _fail(
                    name,
                    _FALLBACK_CODES[name],
                    f"could not be checked: {type(error).__name__}: {error}",
                    "This bot could not read this challenge's settings.",
                    reason="unreadable_challenge",
                )
            )
    failing = [check for check in checks if not check.ok]
    try:
        allowed = _on_list(challenge.challenger, rules.allow_list)
    except Exception:
        allowed = False
    if allowed:
        overridden = [str(check.code) for check in failing]
        detail = (
            f"on the allow list: overrides {', '.join(overridden)}"
            if overridden
            else "on the allow list (nothing to override)"
        )
        checks.append(_ok("allow_list", detail))
    else:
        checks.append(_ok("allow_list", "not on the allow list"))
    if not failing or allowed:
        details: dict[str, Any] = {}
        message = "Challenge accepted."
        if failing:
            details["overridden"] = [str(check.code) for check in failing]
            message = "Challenge accepted (the challenger is on the allow list)."
        return Decision(True, None, message, details, tuple(checks))
    first = failing[0]
    return Decision(False, first.code, first.message, dict(first.details), tuple(checks))


def explain(decision: Decision) -> str:
    """A table of every rule's verdict, with the decision on top."""
    if decision.accept:
        head = f"ACCEPT: {decision.message}"
    else:
        head = f"DECLINE ({decision.code}): {decision.message}"
    deciding = decision.deciding
    rows = [("rule", "verdict", "code", "detail")]
    for check in decision.checks:
        if check.ok:
            verdict = "ok"
        elif check is deciding:
            verdict = "FAIL *"
        else:
            verdict = "fail"
        rows.append((check.rule, verdict, check.code or "-", check.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [head, ""]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
        )
    if deciding is not None:
        lines += ["", "* the rule that declined the challenge (the first that failed)"]
    if decision.details:
        lines.append(f"details: {_details_text(decision.details)}")
    return "\n".join(line.rstrip() for line in lines)


def _details_text(details: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in details.items())
