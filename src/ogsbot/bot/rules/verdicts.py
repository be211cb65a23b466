"""The shape of a rule's verdict and of a decision, and OGS's rejection codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

# The code a rule declines with when it cannot even be evaluated.
FALLBACK_CODES = {
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


def ok(rule: str, detail: str) -> RuleCheck:
    return RuleCheck(rule, True, detail)


def fail(rule: str, code: str, detail: str, message: str, **details: Any) -> RuleCheck:
    return RuleCheck(rule, False, detail, code, details, message)
