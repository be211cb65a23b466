"""The checks on a challenge's clock: time system, speed, each time parameter's range."""

from __future__ import annotations

from ogsbot.bot.config import TIME_PARAMETERS, ChallengeRules
from ogsbot.bot.rules.verdicts import Load, RuleCheck, fail, ok
from ogsbot.bot.rules.words import amount, plain, range_words, word_list
from ogsbot.ogs.models import SPEEDS, Challenge

PARAMETER_CODES = {
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

PARAMETER_NAMES = {
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


def speed_of(challenge: Challenge) -> str:
    return str(challenge.time_control.effective_speed())


def check_time_system(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    system = str(c.time_control.system)
    if system in r.time_systems:
        return [ok("time_system", f"{system} is allowed")]
    if system == "none":
        what = "games without a clock"
    elif system in TIME_PARAMETERS:
        what = f"{system} time"
    else:
        what = f"the time control {system!r}"
    return [
        fail(
            "time_system",
            "time_control_system_not_allowed",
            f"{system!r} is not among {', '.join(r.time_systems)}",
            f"This bot does not play {what}; it plays {word_list(list(r.time_systems), 'or')}.",
            value=system,
            allowed=list(r.time_systems),
        )
    ]


def check_speed(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    speed = speed_of(c)
    allowed = [s for s in SPEEDS if s in r.speeds and r.speeds[s].allowed]
    if speed in allowed:
        return [ok("speed", f"{speed} games are allowed")]
    if speed in SPEEDS:
        return [
            fail(
                "speed",
                f"{speed}_not_allowed",
                f"{speed} is not allowed",
                f"This bot does not play {speed} games.",
                value=speed,
                allowed=allowed,
            )
        ]
    return [
        fail(
            "speed",
            "time_control_system_not_allowed",
            f"unknown speed {speed!r}",
            "This bot cannot tell the speed of this time control.",
            value=speed,
            allowed=allowed,
        )
    ]


def check_time_parameters(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    tc = c.time_control
    system = str(tc.system)
    speed = speed_of(c)
    params = TIME_PARAMETERS.get(system)
    if params is None:
        return [ok("time_parameters", f"system {system!r} has no parameters to check")]
    speed_rules = r.speeds.get(speed)
    if speed_rules is None:
        return [ok("time_parameters", f"not checked: no rules for speed {speed!r}")]
    out: list[RuleCheck] = []
    for param in params:
        rule = f"time_parameters.{param}"
        allowed = speed_rules.range_for(system, param)
        value = getattr(tc, param)
        shown = amount(param, value)
        if allowed is None:
            out.append(ok(rule, f"{system} {param} {shown}: no range set for {speed}"))
        elif value in allowed:
            out.append(
                ok(
                    rule,
                    f"{system} {param} {shown}, within {range_words(allowed, param)} ({speed})",
                )
            )
        else:
            name = PARAMETER_NAMES[param]
            out.append(
                fail(
                    rule,
                    PARAMETER_CODES[(system, param)],
                    f"{system} {param} {shown}, outside {range_words(allowed, param)} ({speed})",
                    f"The {name} ({shown}) is outside this bot's range for {speed} "
                    f"{system} games ({range_words(allowed, param)}).",
                    value=plain(value),
                    allowed=allowed.as_list(),
                    parameter=param,
                    system=system,
                    speed=speed,
                )
            )
    return out
