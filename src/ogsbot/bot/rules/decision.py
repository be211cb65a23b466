"""Every check in order -> one decision, and the table that explains it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ogsbot.bot.config import ChallengeRules
from ogsbot.bot.rules.game_settings import (
    check_board_size,
    check_handicap,
    check_komi,
    check_ranked,
    check_rules,
)
from ogsbot.bot.rules.load import (
    check_accept_new,
    check_games_per_player,
    check_games_per_speed,
    check_total_games,
)
from ogsbot.bot.rules.players import check_block_list, check_opponent, check_rank, on_list
from ogsbot.bot.rules.time_control import check_speed, check_time_parameters, check_time_system
from ogsbot.bot.rules.verdicts import FALLBACK_CODES, Decision, Load, RuleCheck, fail, ok
from ogsbot.ogs.models import Challenge

Check = Callable[[Challenge, ChallengeRules, Load], list[RuleCheck]]


CHECKS: tuple[tuple[str, Check], ...] = (
    ("block_list", check_block_list),
    ("accept_new", check_accept_new),
    ("opponent", check_opponent),
    ("board_size", check_board_size),
    ("rules", check_rules),
    ("ranked", check_ranked),
    ("handicap", check_handicap),
    ("komi", check_komi),
    ("rank", check_rank),
    ("time_system", check_time_system),
    ("speed", check_speed),
    ("time_parameters", check_time_parameters),
    ("games_per_speed", check_games_per_speed),
    ("total_games", check_total_games),
    ("games_per_player", check_games_per_player),
)


def decide(challenge: Challenge, rules: ChallengeRules, load: Load) -> Decision:
    """Evaluate every rule; decline with the first that fails unless the challenger is on
    the allow list. Never raises: a rule that cannot be evaluated fails with the reason."""
    checks: list[RuleCheck] = []
    for name, check in CHECKS:
        try:
            checks.extend(check(challenge, rules, load))
        except Exception as error:  # odd input must decline, not crash the daemon
            checks.append(
                fail(
                    name,
                    FALLBACK_CODES[name],
                    f"could not be checked: {type(error).__name__}: {error}",
                    "This bot could not read this challenge's settings.",
                    reason="unreadable_challenge",
                )
            )
    failing = [check for check in checks if not check.ok]
    try:
        allowed = on_list(challenge.challenger, rules.allow_list)
    except Exception:
        allowed = False
    if allowed:
        overridden = [str(check.code) for check in failing]
        detail = (
            f"on the allow list: overrides {', '.join(overridden)}"
            if overridden
            else "on the allow list (nothing to override)"
        )
        checks.append(ok("allow_list", detail))
    else:
        checks.append(ok("allow_list", "not on the allow list"))
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
