"""The checks on the game a challenge offers: board size, rules, ranked, handicap, komi."""

from __future__ import annotations

from ogsbot.bot.config import ChallengeRules
from ogsbot.bot.rules.verdicts import RULES_REJECTION_CODE, Load, RuleCheck, fail, ok
from ogsbot.bot.rules.words import plain, range_words, word_list
from ogsbot.ogs.models import Challenge

RULESET_NAMES = {
    "japanese": "Japanese",
    "korean": "Korean",
    "chinese": "Chinese",
    "aga": "AGA",
    "ing": "Ing",
    "nz": "New Zealand",
}


def check_board_size(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    sizes = r.board_sizes
    width, height = int(c.width), int(c.height)
    board = f"{width}x{height}"
    if sizes.allows(width, height):
        return [ok("board_size", f"{board} is allowed ({sizes.describe()})")]
    allowed = sizes.to_ogs()
    if width != height and sizes.square_only:
        return [
            fail(
                "board_size",
                "board_size_not_square",
                f"{board} is not square; allowed: {sizes.describe()}",
                "This bot only plays on square boards.",
                allowed=allowed,
                value=board,
            )
        ]
    return [
        fail(
            "board_size",
            "board_size_not_allowed",
            f"{board} is not among {sizes.describe()}",
            f"This bot only plays on {sizes.describe()}.",
            allowed=allowed,
            value=board,
        )
    ]


def check_rules(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    name = str(c.rules).lower()
    if name in r.rules:
        return [ok("rules", f"{name} rules are allowed")]
    labels = [RULESET_NAMES.get(x, x) for x in r.rules]
    return [
        fail(
            "rules",
            RULES_REJECTION_CODE,
            f"rules {c.rules!r} are not among {', '.join(r.rules)}",
            f"This bot only plays with {word_list(labels, 'or')} rules.",
            reason="rules_not_allowed",
            allowed=list(r.rules),
            value=c.rules,
        )
    ]


def check_ranked(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    if c.ranked and not r.ranked:
        return [
            fail(
                "ranked",
                "ranked_not_allowed",
                "ranked game, and ranked is false",
                "This bot does not play ranked games.",
                value=True,
            )
        ]
    if not c.ranked and not r.unranked:
        return [
            fail(
                "ranked",
                "unranked_not_allowed",
                "unranked game, and unranked is false",
                "This bot does not play unranked games.",
                value=False,
            )
        ]
    return [ok("ranked", "ranked game" if c.ranked else "unranked game")]


def check_handicap(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    handicap = int(c.handicap)
    kind = "ranked" if c.ranked else "unranked"
    if handicap == 0:
        return [ok("handicap", "no handicap")]
    allowed_here = r.handicap_ranked if c.ranked else r.handicap_unranked
    if not allowed_here:
        what = "automatic handicap" if handicap < 0 else f"handicap {handicap}"
        return [
            fail(
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
                fail(
                    "handicap",
                    "handicap_not_allowed",
                    "automatic handicap, and automatic_handicap is false",
                    "This bot does not accept automatic handicap; please choose the handicap.",
                    value="automatic",
                    allowed=r.max_handicap,
                )
            ]
        return [ok("handicap", "automatic handicap (max_handicap cannot be checked)")]
    if handicap > r.max_handicap:
        return [
            fail(
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
    return [ok("handicap", f"handicap {handicap} (at most {r.max_handicap})")]


def check_komi(c: Challenge, r: ChallengeRules, load: Load) -> list[RuleCheck]:
    allowed = r.komi.as_list()
    if c.komi is None:
        if r.automatic_komi:
            return [ok("komi", "automatic komi")]
        return [
            fail(
                "komi",
                "komi_out_of_range",
                "automatic komi, and automatic_komi is false",
                f"This bot needs the komi set, from {range_words(r.komi)}.",
                value=None,
                allowed=allowed,
            )
        ]
    komi = float(c.komi)
    if komi in r.komi:
        return [ok("komi", f"komi {plain(komi)} is within {r.komi}")]
    return [
        fail(
            "komi",
            "komi_out_of_range",
            f"komi {plain(komi)} is outside {r.komi}",
            f"This bot only plays with komi from {range_words(r.komi)}.",
            value=plain(komi),
            allowed=allowed,
        )
    ]
