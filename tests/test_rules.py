"""Challenge rules: a decision matrix built from real OGS challenge notifications."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ogsbot.bot.config import BoardSizes, ChallengeRules, Range, SpeedRules
from ogsbot.bot.config.sections import FischerRanges
from ogsbot.bot.rules import (
    REJECTION_CODES,
    RULE_NAMES,
    RULES_REJECTION_CODE,
    Decision,
    Load,
    decide,
    explain,
    is_bot,
    player_rank,
)
from ogsbot.ogs.models import Challenge, Player, TimeControl, text_to_rank

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"notification-challenge-{name}.json").read_text())
    return data


def challenge(
    name: str = "fischer-1", *, user: dict[str, Any] | None = None, **top: Any
) -> Challenge:
    """A real challenge notification with some fields changed (`user` is merged)."""
    data = copy.deepcopy(sample(name))
    if user:
        data["user"].update(user)
    data.update(top)
    return Challenge.from_json(data)


def tc(system: str, speed: str = "live", **params: float) -> dict[str, Any]:
    return {"system": system, "time_control": system, "speed": speed, **params}


def tc_live(system: str, params: dict[str, float]) -> dict[str, Any]:
    return {"system": system, "time_control": system, "speed": "live", **params}


FISCHER_LIVE = tc("fischer", initial_time=120, time_increment=30, max_time=300)
DEFAULT = ChallengeRules()
FREE = Load()


def with_speed(rules: ChallengeRules, speed: str, **changes: Any) -> ChallengeRules:
    speeds = dict(rules.speeds)
    speeds[speed] = replace(speeds[speed], **changes)
    return replace(rules, speeds=speeds)


# The matrix: (id, challenge, rules, load, accepted, code). The fischer sample is an unranked
# 19x19 chinese live game, komi automatic, from "testuser" (id 786, about 20k, a human).
MATRIX: list[tuple[str, Challenge, ChallengeRules, Load, bool, str | None]] = [
    # the real samples, as they are
    ("fischer sample", challenge("fischer-1"), DEFAULT, FREE, True, None),
    ("byoyomi sample", challenge("byoyomi-1"), DEFAULT, FREE, True, None),
    ("canadian sample", challenge("canadian-1"), DEFAULT, FREE, True, None),
    ("gtp2ogs fixture", challenge("fixture-gtp2ogs"), DEFAULT, FREE, True, None),
    # block list, new challenges, bots and humans
    ("blocked by id", challenge(), replace(DEFAULT, block_list=(786,)), FREE, False, "blacklisted"),
    (
        "blocked by name, any case",
        challenge(),
        replace(DEFAULT, block_list=("TestUser",)),
        FREE,
        False,
        "blacklisted",
    ),
    (
        "other name not blocked",
        challenge(),
        replace(DEFAULT, block_list=("test", 1)),
        FREE,
        True,
        None,
    ),
    (
        "not accepting new",
        challenge(),
        replace(DEFAULT, accept_new=False),
        FREE,
        False,
        "not_accepting_new_challenges",
    ),
    (
        "bot refused",
        challenge(user={"ui_class": "bot"}),
        replace(DEFAULT, bots=False),
        FREE,
        False,
        "blacklisted",
    ),
    (
        "bot with more classes refused",
        challenge(user={"ui_class": "supporter bot"}),
        replace(DEFAULT, bots=False),
        FREE,
        False,
        "blacklisted",
    ),
    (
        "provisional human is no bot",
        challenge("canadian-1"),
        replace(DEFAULT, bots=False),
        FREE,
        True,
        None,
    ),
    ("human refused", challenge(), replace(DEFAULT, humans=False), FREE, False, "blacklisted"),
    (
        "bot welcome where humans are not",
        challenge(user={"ui_class": "bot"}),
        replace(DEFAULT, humans=False),
        FREE,
        True,
        None,
    ),
    # board size
    ("9x9", challenge(width=9, height=9), DEFAULT, FREE, True, None),
    ("7x7", challenge(width=7, height=7), DEFAULT, FREE, False, "board_size_not_allowed"),
    ("19x9", challenge(width=19, height=9), DEFAULT, FREE, False, "board_size_not_square"),
    (
        "19x9 on square",
        challenge(width=19, height=9),
        replace(DEFAULT, board_sizes=BoardSizes("square")),
        FREE,
        False,
        "board_size_not_square",
    ),
    (
        "19x9 in ranges",
        challenge(width=19, height=9),
        replace(DEFAULT, board_sizes=BoardSizes("ranges", (), Range(9, 19), Range(9, 19))),
        FREE,
        True,
        None,
    ),
    (
        "25x25 above ranges",
        challenge(width=25, height=25),
        replace(DEFAULT, board_sizes=BoardSizes("ranges", (), Range(9, 19), Range(9, 19))),
        FREE,
        False,
        "board_size_not_allowed",
    ),
    (
        "21x21 on all",
        challenge(width=21, height=21),
        replace(DEFAULT, board_sizes=BoardSizes("all")),
        FREE,
        True,
        None,
    ),
    # rules
    (
        "aga refused",
        challenge(rules="aga"),
        replace(DEFAULT, rules=("chinese", "japanese")),
        FREE,
        False,
        RULES_REJECTION_CODE,
    ),
    ("chinese allowed", challenge(), replace(DEFAULT, rules=("chinese",)), FREE, True, None),
    # ranked / unranked
    (
        "ranked refused",
        challenge(ranked=True),
        replace(DEFAULT, ranked=False),
        FREE,
        False,
        "ranked_not_allowed",
    ),
    (
        "unranked refused",
        challenge(),
        replace(DEFAULT, unranked=False),
        FREE,
        False,
        "unranked_not_allowed",
    ),
    # handicap
    ("handicap 3", challenge(handicap=3), DEFAULT, FREE, True, None),
    ("handicap 10 above 9", challenge(handicap=10), DEFAULT, FREE, False, "handicap_not_allowed"),
    (
        "handicap in ranked refused",
        challenge(handicap=2, ranked=True),
        replace(DEFAULT, handicap_ranked=False),
        FREE,
        False,
        "handicap_not_allowed",
    ),
    (
        "handicap in unranked still fine",
        challenge(handicap=2),
        replace(DEFAULT, handicap_ranked=False),
        FREE,
        True,
        None,
    ),
    ("automatic handicap", challenge(handicap=-1), DEFAULT, FREE, True, None),
    (
        "automatic handicap refused",
        challenge(handicap=-1),
        replace(DEFAULT, automatic_handicap=False),
        FREE,
        False,
        "handicap_not_allowed",
    ),
    (
        "automatic handicap where handicap is off",
        challenge(handicap=-1),
        replace(DEFAULT, handicap_unranked=False),
        FREE,
        False,
        "handicap_not_allowed",
    ),
    # komi
    ("komi 150", challenge(komi=150), DEFAULT, FREE, False, "komi_out_of_range"),
    ("komi -5.5", challenge(komi=-5.5), replace(DEFAULT, komi=Range(-10, 10)), FREE, True, None),
    (
        "automatic komi refused",
        challenge(komi=None),
        replace(DEFAULT, automatic_komi=False),
        FREE,
        False,
        "komi_out_of_range",
    ),
    (
        "set komi where automatic is refused",
        challenge(komi=6.5),
        replace(DEFAULT, automatic_komi=False),
        FREE,
        True,
        None,
    ),
    # rank: from the challenger's own ranking, not min_ranking (gtp2ogs's fault)
    (
        "20k below 10k in ranked",
        challenge(ranked=True),
        replace(DEFAULT, rank_range=Range(20, 1045)),
        FREE,
        False,
        "player_rank_out_of_range",
    ),
    (
        "20k below 10k, unranked",
        challenge(),
        replace(DEFAULT, rank_range=Range(20, 1045)),
        FREE,
        True,
        None,
    ),
    (
        "20k below 10k, rank applies to all",
        challenge(),
        replace(DEFAULT, rank_range=Range(20, 1045), rank_applies_to="all"),
        FREE,
        False,
        "player_rank_out_of_range",
    ),
    (
        "min_ranking is not the challenger's rank",
        challenge(ranked=True, min_ranking=35),
        replace(DEFAULT, rank_range=Range(0, 30)),
        FREE,
        True,
        None,
    ),
    (
        "4d above 1d",
        challenge("byoyomi-1"),
        replace(DEFAULT, rank_range=Range(0, 30)),
        FREE,
        False,
        "player_rank_out_of_range",
    ),
    (
        "a pro is above 9d",
        challenge(ranked=True, user={"professional": True, "ranking": 38}),
        replace(DEFAULT, rank_range=Range(0, 38.99)),
        FREE,
        False,
        "player_rank_out_of_range",
    ),
    (
        "a pro within 30k..9p",
        challenge(ranked=True, user={"professional": True, "ranking": 38}),
        DEFAULT,
        FREE,
        True,
        None,
    ),
    # time control systems: canadian, absolute and none are handled, not always refused
    (
        "absolute live",
        challenge(time_control=tc("absolute", total_time=1800)),
        DEFAULT,
        FREE,
        True,
        None,
    ),
    (
        "simple live",
        challenge(time_control=tc("simple", per_move=30)),
        DEFAULT,
        FREE,
        True,
        None,
    ),
    (
        "canadian refused",
        challenge("canadian-1"),
        replace(DEFAULT, time_systems=("fischer", "byoyomi")),
        FREE,
        False,
        "time_control_system_not_allowed",
    ),
    (
        "no clock refused by default",
        challenge(time_control=tc("none", "correspondence")),
        DEFAULT,
        FREE,
        False,
        "time_control_system_not_allowed",
    ),
    (
        "no clock allowed",
        challenge(time_control=tc("none", "correspondence")),
        replace(DEFAULT, time_systems=("none",)),
        FREE,
        True,
        None,
    ),
    (
        "no clock, no speed sent",
        challenge(time_control={"system": "none"}),
        replace(DEFAULT, time_systems=("none",)),
        FREE,
        True,
        None,
    ),
    # speeds
    (
        "blitz off by default",
        challenge(
            time_control=tc("fischer", "blitz", initial_time=60, time_increment=2, max_time=120)
        ),
        DEFAULT,
        FREE,
        False,
        "blitz_not_allowed",
    ),
    (
        "blitz on",
        challenge(
            time_control=tc("fischer", "blitz", initial_time=60, time_increment=2, max_time=120)
        ),
        with_speed(DEFAULT, "blitz", allowed=True),
        FREE,
        True,
        None,
    ),
    (
        "rapid",
        challenge(time_control=tc("byoyomi", "rapid", main_time=600, period_time=20, periods=5)),
        DEFAULT,
        FREE,
        True,
        None,
    ),
    (
        "rapid off",
        challenge(time_control=tc("byoyomi", "rapid", main_time=600, period_time=20, periods=5)),
        with_speed(DEFAULT, "rapid", allowed=False),
        FREE,
        False,
        "rapid_not_allowed",
    ),
    (
        "correspondence off",
        challenge(time_control=tc("simple", "correspondence", per_move=86400)),
        with_speed(DEFAULT, "correspondence", allowed=False),
        FREE,
        False,
        "correspondence_not_allowed",
    ),
    # load
    (
        "live games full",
        challenge(),
        DEFAULT,
        Load(total=3, by_speed={"live": 3}),
        False,
        "too_many_live_games",
    ),
    (
        "correspondence games full",
        challenge(time_control=tc("simple", "correspondence", per_move=86400)),
        with_speed(DEFAULT, "correspondence", max_games=2),
        Load(total=2, by_speed={"correspondence": 2}),
        False,
        "too_many_correspondence_games",
    ),
    (
        "a live game free though correspondence is full",
        challenge(),
        with_speed(DEFAULT, "correspondence", max_games=2),
        Load(total=2, by_speed={"correspondence": 2}),
        True,
        None,
    ),
    (
        "total full",
        challenge(),
        replace(DEFAULT, max_games=4),
        Load(total=4, by_speed={"correspondence": 4}),
        False,
        "not_accepting_new_challenges",
    ),
    (
        "already playing this opponent",
        challenge(),
        DEFAULT,
        Load(total=1, by_speed={"live": 1}, by_player={786: 1}),
        False,
        "too_many_games_for_player",
    ),
    (
        "another opponent",
        challenge(),
        DEFAULT,
        Load(total=1, by_speed={"live": 1}, by_player={785: 1}),
        True,
        None,
    ),
    (
        "no per-player limit",
        challenge(),
        replace(DEFAULT, max_games_per_player=0),
        Load(total=1, by_speed={"live": 1}, by_player={786: 5}),
        True,
        None,
    ),
    # the order: the first failing rule decides
    (
        "blocked and wrong board",
        challenge(width=7, height=7),
        replace(DEFAULT, block_list=(786,)),
        FREE,
        False,
        "blacklisted",
    ),
    (
        "board before komi",
        challenge(width=7, height=7, komi=150),
        DEFAULT,
        FREE,
        False,
        "board_size_not_allowed",
    ),
    (
        "time system before the load",
        challenge("canadian-1"),
        replace(DEFAULT, time_systems=("fischer",)),
        Load(total=10, by_speed={"live": 3}),
        False,
        "time_control_system_not_allowed",
    ),
]


@pytest.mark.parametrize(
    ("the_challenge", "rules", "load", "accepted", "code"),
    [row[1:] for row in MATRIX],
    ids=[row[0] for row in MATRIX],
)
def test_decision_matrix(
    the_challenge: Challenge, rules: ChallengeRules, load: Load, accepted: bool, code: str | None
) -> None:
    decision = decide(the_challenge, rules, load)
    assert (decision.accept, decision.code) == (accepted, code), explain(decision)
    assert decision.message
    if not accepted:
        assert decision.code in REJECTION_CODES
        assert decision.deciding is not None and decision.deciding.code == code
    assert_every_rule_checked(decision)


def assert_every_rule_checked(decision: Decision) -> None:
    names = {check.rule.split(".")[0] for check in decision.checks}
    assert names == set(RULE_NAMES)
    assert decision.checks[-1].rule == "allow_list"


# --- each time parameter against its speed's range -----------------------------------------

PARAMETERS = [
    # system, parameters (in range for live), the one set out of range, its code
    (
        "fischer",
        {"initial_time": 120, "time_increment": 30, "max_time": 300},
        ("initial_time", 5),
        "main_time_out_of_range",
    ),
    (
        "fischer",
        {"initial_time": 120, "time_increment": 30, "max_time": 300},
        ("time_increment", 5),
        "time_increment_out_of_range",
    ),
    (
        "fischer",
        {"initial_time": 120, "time_increment": 30, "max_time": 300},
        ("max_time", 9000),
        "max_time_out_of_range",
    ),
    (
        "byoyomi",
        {"main_time": 1200, "period_time": 30, "periods": 5},
        ("main_time", 4000),
        "main_time_out_of_range",
    ),
    (
        "byoyomi",
        {"main_time": 1200, "period_time": 30, "periods": 5},
        ("period_time", 5),
        "period_time_out_of_range",
    ),
    (
        "byoyomi",
        {"main_time": 1200, "period_time": 30, "periods": 5},
        ("periods", 20),
        "periods_out_of_range",
    ),
    (
        "canadian",
        {"main_time": 600, "period_time": 300, "stones_per_period": 10},
        ("main_time", 4000),
        "main_time_out_of_range",
    ),
    (
        "canadian",
        {"main_time": 600, "period_time": 300, "stones_per_period": 10},
        ("period_time", 30),
        "period_time_out_of_range",
    ),
    (
        "canadian",
        {"main_time": 600, "period_time": 300, "stones_per_period": 10},
        ("stones_per_period", 30),
        "periods_out_of_range",
    ),
    ("simple", {"per_move": 30}, ("per_move", 5), "per_move_time_out_of_range"),
    ("absolute", {"total_time": 1800}, ("total_time", 100), "main_time_out_of_range"),
]


@pytest.mark.parametrize(
    ("system", "params", "bad", "code"), PARAMETERS, ids=[f"{p[0]}-{p[2][0]}" for p in PARAMETERS]
)
def test_each_time_parameter_is_checked(
    system: str, params: dict[str, float], bad: tuple[str, float], code: str
) -> None:
    good = decide(challenge(time_control=tc_live(system, params)), DEFAULT, FREE)
    assert good.accept, explain(good)
    name, value = bad
    decision = decide(
        challenge(time_control=tc_live(system, {**params, name: value})), DEFAULT, FREE
    )
    assert (decision.accept, decision.code) == (False, code)
    assert decision.details["parameter"] == name
    assert decision.details["value"] == value
    assert decision.details["speed"] == "live"
    assert decision.details["allowed"] == DEFAULT.speeds["live"].ranges[system][name].as_list()
    failing = [c.rule for c in decision.checks if not c.ok]
    assert failing == [f"time_parameters.{name}"]


def test_the_range_follows_the_speed() -> None:
    """60 s per move is too slow for rapid (5..30) but fine live (10..300)."""
    live = decide(challenge(time_control=tc("simple", "live", per_move=60)), DEFAULT, FREE)
    rapid = decide(challenge(time_control=tc("simple", "rapid", per_move=60)), DEFAULT, FREE)
    assert live.accept
    assert (rapid.accept, rapid.code) == (False, "per_move_time_out_of_range")


def test_a_parameter_without_a_range_is_not_checked() -> None:
    speeds = dict(DEFAULT.speeds)
    speeds["live"] = SpeedRules(True, 3, FischerRanges(time_increment=Range(10, 300)))
    decision = decide(
        challenge(time_control=tc("fischer", initial_time=1, time_increment=30, max_time=1)),
        replace(DEFAULT, speeds=speeds),
        FREE,
    )
    assert decision.accept, explain(decision)


# --- the allow list -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [786, "TESTUSER"])
def test_allow_list_overrides_every_rejection(entry: int | str) -> None:
    rules = replace(
        DEFAULT,
        allow_list=(entry,),
        block_list=(786,),
        accept_new=False,
        board_sizes=BoardSizes(sizes=(9,)),
        max_games=1,
    )
    decision = decide(challenge(komi=150), rules, Load(total=5, by_speed={"live": 5}))
    assert decision.accept and decision.code is None
    assert decision.details["overridden"] == [
        "blacklisted",
        "not_accepting_new_challenges",
        "board_size_not_allowed",
        "komi_out_of_range",
        "too_many_live_games",
        "not_accepting_new_challenges",
    ]
    allow = decision.checks[-1]
    assert allow.rule == "allow_list" and allow.ok
    assert "overrides blacklisted" in allow.detail
    # the failing checks are still recorded as failing
    assert [c.rule for c in decision.checks if not c.ok] == [
        "block_list",
        "accept_new",
        "board_size",
        "komi",
        "games_per_speed",
        "total_games",
    ]


def test_allow_list_of_someone_else_changes_nothing() -> None:
    rules = replace(DEFAULT, allow_list=("someone", 1), board_sizes=BoardSizes(sizes=(9,)))
    decision = decide(challenge(), rules, FREE)
    assert (decision.accept, decision.code) == (False, "board_size_not_allowed")
    assert decision.checks[-1].detail == "not on the allow list"


# --- odd input never raises ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"time_control": "garbage"},
        {"time_control": None},
        {"time_control": {}},
        {"time_control": {"system": "hourglass", "speed": "live"}},
        {"time_control": [1, 2, 3]},
    ],
    ids=["garbled", "null", "empty", "unknown system", "a list"],
)
def test_unreadable_time_control_is_declined_cleanly(changes: dict[str, Any]) -> None:
    decision = decide(challenge(**changes), DEFAULT, FREE)
    assert (decision.accept, decision.code) == (False, "time_control_system_not_allowed")
    assert decision.message.startswith("This bot does not play")
    assert_every_rule_checked(decision)


def test_missing_time_control_is_declined_cleanly() -> None:
    data = sample("fischer-1")
    del data["time_control"]
    decision = decide(Challenge.from_json(data), DEFAULT, FREE)
    assert (decision.accept, decision.code) == (False, "time_control_system_not_allowed")


def test_system_without_its_parameters_is_declined_not_raised() -> None:
    """gtp2ogs threw on a missing sub-object; here the missing values are out of range."""
    decision = decide(challenge(time_control={"system": "byoyomi", "speed": "live"}), DEFAULT, FREE)
    assert (decision.accept, decision.code) == (False, "period_time_out_of_range")
    assert decision.details["value"] == 0


def test_broken_objects_are_declined_not_raised() -> None:
    odd = replace(challenge(), time_control=None, challenger=None)  # type: ignore[arg-type]
    decision = decide(odd, DEFAULT, FREE)
    assert not decision.accept
    assert decision.code == "blacklisted"  # the block list could not be checked: first to fail
    failing = {c.rule for c in decision.checks if not c.ok}
    assert {"block_list", "opponent", "time_system", "speed"} <= failing
    assert all("could not be checked" in c.detail for c in decision.checks if not c.ok)
    assert_every_rule_checked(decision)


def test_unknown_speed_is_declined() -> None:
    decision = decide(challenge(time_control=tc("simple", "turbo", per_move=30)), DEFAULT, FREE)
    assert (decision.accept, decision.code) == (False, "time_control_system_not_allowed")
    assert decision.deciding is not None and decision.deciding.rule == "speed"


# --- messages, details, explain -------------------------------------------------------------


def test_messages_and_details_for_the_challenger() -> None:
    decision = decide(challenge(width=7, height=7), DEFAULT, FREE)
    assert decision.message == "This bot only plays on 9x9, 13x13 and 19x19 boards."
    assert decision.details == {"allowed": [9, 13, 19], "value": "7x7"}
    decision = decide(challenge(), DEFAULT, Load(total=3, by_speed={"live": 3}))
    assert decision.details == {"count": 3, "allowed": 3}
    decision = decide(challenge(rules="ing"), replace(DEFAULT, rules=("chinese", "aga")), FREE)
    assert decision.message == "This bot only plays with Chinese or AGA rules."
    assert decision.details["reason"] == "rules_not_allowed"
    decision = decide(
        challenge(time_control=tc("fischer", initial_time=120, time_increment=5, max_time=300)),
        DEFAULT,
        FREE,
    )
    assert decision.message == (
        "The time increment (5 s) is outside this bot's range for live fischer games "
        "(10 s to 5 min)."
    )
    decision = decide(challenge(ranked=True), replace(DEFAULT, rank_range=Range(20, 38)), FREE)
    assert decision.message == "Your rank (20k) is below this bot's minimum (10k)."
    assert decision.details == {"value": "20k", "allowed": ["10k", "9d"]}


def test_accepted_decision() -> None:
    decision = decide(challenge(), DEFAULT, FREE)
    assert decision == Decision(True, None, "Challenge accepted.", {}, decision.checks)
    assert all(check.ok for check in decision.checks)
    assert decision.deciding is None


def test_explain_mentions_every_rule() -> None:
    decision = decide(challenge(width=19, height=9), DEFAULT, FREE)
    text = explain(decision)
    lines = text.splitlines()
    assert lines[0] == "DECLINE (board_size_not_square): This bot only plays on square boards."
    for name in RULE_NAMES:
        assert any(line.startswith(name) for line in lines), name
    for param in ("initial_time", "time_increment", "max_time"):
        assert f"time_parameters.{param}" in text
    board = next(line for line in lines if line.startswith("board_size"))
    assert "FAIL *" in board and "board_size_not_square" in board
    assert "19x9 is not square" in board
    rules_line = next(line for line in lines if line.startswith("rules"))
    assert " ok " in rules_line
    assert explain(decide(challenge(), DEFAULT, FREE)).startswith("ACCEPT: Challenge accepted.")


def test_bot_detection_and_rank() -> None:
    assert is_bot(Player(ui_class="bot"))
    assert is_bot(Player(ui_class="supporter bot"))
    assert not is_bot(Player(ui_class="robot-fan"))
    assert not is_bot(Player(ui_class=None))
    assert player_rank(Player(rank=25.0)) == 25.0
    assert player_rank(Player(rank=38.0, professional=True)) == 1038.0  # 2p
    assert player_rank(Player(rank=1040.0)) == 1040.0
    assert player_rank(Player(rank=38.9)) < player_rank(Player(rank=37.0, professional=True))


def test_decide_reads_the_time_control_model() -> None:
    """The rules read TimeControl's own fields, so parsed and constructed challenges agree."""
    built = replace(challenge(), time_control=TimeControl("absolute", "live", total_time=1800))
    parsed = challenge(time_control=tc("absolute", total_time=1800))
    assert decide(built, DEFAULT, FREE).accept and decide(parsed, DEFAULT, FREE).accept


@pytest.mark.parametrize(
    ("ranking", "bounds", "accepted"),
    [
        (31.9, ("10k", "2d"), True),  # shown as 2d: the maximum 2d includes it
        (31.0, ("10k", "2d"), True),
        (32.0, ("10k", "2d"), False),  # 3d
        (20.0, ("10k", "2d"), True),  # 10k, the minimum
        (19.99, ("10k", "2d"), False),  # 11k
        (28.5, ("10k", "2k"), True),  # shown as 2k
        (29.0, ("10k", "2k"), False),  # 1k
        (38.95, ("30k", "9d"), True),  # 9d
        (22.95, ("10k", "7.1k"), True),  # shown as 7.1k in tenths
        (23.0, ("10k", "7.1k"), False),  # 7.0k
        (-1000.0, ("30k", "9d"), False),  # provisional "?": unchanged, below every bound
    ],
)
def test_rank_bounds_include_the_whole_displayed_rank(
    ranking: float, bounds: tuple[str, str], accepted: bool
) -> None:
    rules = replace(DEFAULT, rank_range=Range(text_to_rank(bounds[0]), text_to_rank(bounds[1])))
    decision = decide(challenge(ranked=True, user={"ranking": ranking}), rules, FREE)
    rank_check = next(check for check in decision.checks if check.rule == "rank")
    assert rank_check.ok == accepted, rank_check
    if not accepted:
        assert rank_check.code == "player_rank_out_of_range"
