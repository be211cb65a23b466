"""What each OGS ruleset name means for play and scoring (suicide, ko, prisoners, komi)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

__all__ = ["RULESET_NAMES", "HandicapCompensation", "KoRule", "Ruleset", "as_ruleset", "ruleset"]

KoRule: TypeAlias = Literal["simple", "positional", "situational"]
"""Which repetitions are illegal: the immediate ko recapture only, or any earlier board
(positional superko), or any earlier board with the same player to move (situational)."""

HandicapCompensation: TypeAlias = Literal["none", "per_stone", "per_stone_minus_one"]
"""Points white gets for black's handicap stones under area scoring."""


@dataclass(frozen=True)
class Ruleset:
    """What an OGS ruleset name means for play and scoring.

    Every fact comes from online-go/goban ``src/engine/GobanEngine.ts`` (read at commit
    013ad55): ``GobanEngine.fillDefaults`` sets the per-ruleset flags quoted in the field
    docs; ``place`` applies ``allow_self_capture``, ``allow_ko`` (false for every ruleset:
    the simple ko check always runs) and ``allow_superko`` (true means superko is *not*
    checked); ``isBoardRepeating`` implements "ssk" as situational and everything else as
    positional (the type comment: "only psk, ssk, and noresult are implemented, ing and
    csk are treated as psk"); ``computeScore`` counts stones only when ``score_stones``
    and prisoners only when ``score_prisoners``; ``getHandicapPointAdjustmentForWhite``
    gives white ``handicap`` points when ``score_handicap``, ``handicap - 1`` when also
    ``aga_handicap_scoring``.

    One deliberate difference: goban looks back only 30 moves for a superko repetition
    (``MAX_SUPERKO_SEARCH``); this model checks the whole game.
    """

    name: str
    area_scoring: bool
    """Stones on the board count (OGS ``score_stones``); otherwise territory scoring."""
    prisoners_count: bool
    """Captures and dead stones count for the capturer (OGS ``score_prisoners``)."""
    suicide_allowed: bool
    """Multi-stone suicide is a legal move that removes the group (``allow_self_capture``)."""
    ko_rule: KoRule
    """``simple`` when OGS sets ``allow_superko``; else from ``superko_algorithm``."""
    handicap_compensation: HandicapCompensation
    """Points white gets per handicap stone (``score_handicap``, ``aga_handicap_scoring``)."""
    default_komi: float
    """OGS's komi when the game gives none (handicap games keep only its fraction)."""
    white_must_pass_last: bool = False
    """AGA: the game ends on a white pass (``white_must_pass_last``); informative only."""

    @property
    def territory_scoring(self) -> bool:
        return not self.area_scoring

    def white_handicap_points(self, handicap: int) -> int:
        """White's handicap compensation in OGS's ``score.white.handicap``."""
        if handicap < 0:
            raise ValueError(f"handicap must be >= 0, not {handicap}")
        if self.handicap_compensation == "per_stone":
            return handicap
        if self.handicap_compensation == "per_stone_minus_one":
            return max(0, handicap - 1)
        return 0


_RULESETS: Final[tuple[Ruleset, ...]] = (
    # japanese/korean: score_stones=false (territory), score_prisoners default true,
    # allow_superko=true (so only the simple ko check), score_handicap default false.
    Ruleset("japanese", False, True, False, "simple", "none", 6.5),
    Ruleset("korean", False, True, False, "simple", "none", 6.5),
    # chinese: score_prisoners=false, allow_superko=false, superko_algorithm "csk" (run
    # as psk), score_handicap=true.
    Ruleset("chinese", True, False, False, "positional", "per_stone", 7.5),
    # aga: superko_algorithm "ssk", aga_handicap_scoring=true, score_handicap=true,
    # white_must_pass_last=true.
    Ruleset("aga", True, False, False, "situational", "per_stone_minus_one", 7.5, True),
    # ing: allow_self_capture=true, superko_algorithm "ing" (run as psk), komi 7.5,
    # score_handicap=true (goban cites the Ing rules' N-point compensation; goban's older
    # src/GoEngine.ts had komi 8 and no handicap compensation for ing).
    Ruleset("ing", True, False, True, "positional", "per_stone", 7.5),
    # nz: allow_self_capture=true, superko_algorithm "ssk", komi 7, score_handicap
    # left at its default false.
    Ruleset("nz", True, False, True, "situational", "none", 7.0),
)

RULESET_NAMES: Final[tuple[str, ...]] = tuple(r.name for r in _RULESETS)
"""The OGS ruleset names, as gamedata ``rules`` carries them."""


def ruleset(name: str) -> Ruleset:
    """The Ruleset for an OGS ruleset name (case-insensitive, as goban lowercases it)."""
    if not isinstance(name, str):
        raise TypeError(f"ruleset name must be a str, not {type(name).__name__}: {name!r}")
    for rules in _RULESETS:
        if rules.name == name.lower():
            return rules
    raise ValueError(f"unknown ruleset {name!r}: expected one of {', '.join(RULESET_NAMES)}")


def as_ruleset(rules: Ruleset | str) -> Ruleset:
    """A Ruleset as it is, or the one an OGS ruleset name means."""
    return rules if isinstance(rules, Ruleset) else ruleset(rules)
