"""OGS time controls to GTP time commands: every system, table-driven."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ogsbot.gtp.clock import available_time, gtp_color, time_commands
from ogsbot.ogs.models import PlayerClock, TimeControl

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"

FISCHER = {"system": "fischer", "initial_time": 120, "time_increment": 10, "max_time": 300}
BYOYOMI = {"system": "byoyomi", "main_time": 600, "period_time": 30, "periods": 5}
CANADIAN = {"system": "canadian", "main_time": 600, "period_time": 300, "stones_per_period": 25}
KATA = ("none", "absolute", "byoyomi", "canadian", "fischer", "fischer-capped")


def groups(
    tc: dict[str, Any],
    entry: Any,
    color: str = "B",
    elapsed: float = 0.0,
    margin: float = 1.0,
    kata: tuple[str, ...] = (),
) -> list[tuple[str, ...]]:
    return time_commands(
        TimeControl.from_json(tc),
        PlayerClock.from_json(entry),
        color,
        elapsed=elapsed,
        margin=margin,
        kata_systems=kata,
    )


# (case, time control, clock entry, colour, elapsed, kata systems, expected groups best first)
CASES: list[tuple[str, dict[str, Any], Any, str, float, tuple[str, ...], list[tuple[str, ...]]]] = [
    (
        "fischer, KataGo: fischer-capped with the real clock",
        FISCHER,
        {"thinking_time": 100, "skip_bonus": False},
        "B",
        5.5,
        KATA,
        [
            ("kata-time_settings fischer-capped 120 10 300 -1", "time_left B 93 0"),
            ("kgs-time_settings canadian 110 10 1", "time_left B 83 0"),
            ("time_settings 110 10 1", "time_left B 83 0"),
        ],
    ),
    (
        "fischer, no KataGo: canadian with one stone per increment",
        FISCHER,
        {"thinking_time": 100},
        "white",
        5.5,
        (),
        [
            ("kgs-time_settings canadian 110 10 1", "time_left W 83 0"),
            ("time_settings 110 10 1", "time_left W 83 0"),
        ],
    ),
    (
        "fischer, less than the increment left: overtime of one stone",
        FISCHER,
        {"thinking_time": 8},
        "B",
        2,
        (),
        [
            ("kgs-time_settings canadian 110 10 1", "time_left B 5 1"),
            ("time_settings 110 10 1", "time_left B 5 1"),
        ],
    ),
    (
        "fischer, time nearly gone: never negative",
        FISCHER,
        {"thinking_time": 0.3},
        "B",
        5,
        (),
        [
            ("kgs-time_settings canadian 110 10 1", "time_left B 0 1"),
            ("time_settings 110 10 1", "time_left B 0 1"),
        ],
    ),
    (
        "fischer without max_time: KataGo's uncapped fischer",
        {"system": "fischer", "initial_time": 60, "time_increment": 5},
        None,
        "B",
        0,
        KATA,
        [
            ("kata-time_settings fischer 60 5", "time_left B 59 0"),
            ("kgs-time_settings canadian 55 5 1", "time_left B 54 0"),
            ("time_settings 55 5 1", "time_left B 54 0"),
        ],
    ),
    (
        "fischer without increment is absolute",
        {"system": "fischer", "initial_time": 300, "time_increment": 0, "max_time": 300},
        {"thinking_time": 200},
        "B",
        10,
        (),
        [
            ("kgs-time_settings absolute 300", "time_left B 189 0"),
            ("time_settings 300 0 0", "time_left B 189 0"),
        ],
    ),
    (
        "byoyomi in main time",
        BYOYOMI,
        {"thinking_time": 100, "periods": 5, "period_time": 30},
        "W",
        10,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left W 89 0"),
            ("time_settings 720 30 1", "time_left W 209 0"),
        ],
    ),
    (
        "byoyomi in overtime",
        BYOYOMI,
        {"thinking_time": 0, "periods": 3, "period_time": 30},
        "W",
        12,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left W 17 3"),
            ("time_settings 720 30 1", "time_left W 47 0"),
        ],
    ),
    (
        "byoyomi: a period ran out while thinking",
        BYOYOMI,
        {"thinking_time": 0, "periods": 3, "period_time": 30},
        "W",
        40,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left W 19 2"),
            ("time_settings 720 30 1", "time_left W 19 0"),
        ],
    ),
    (
        "byoyomi: the last period",
        BYOYOMI,
        {"thinking_time": 0, "periods": 1, "period_time": 30},
        "W",
        5,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left W 24 1"),
            ("time_settings 720 30 1", "time_left W 24 1"),
        ],
    ),
    (
        "byoyomi: main time ran out while thinking",
        BYOYOMI,
        {"thinking_time": 5, "periods": 5, "period_time": 30},
        "B",
        8,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left B 26 5"),
            ("time_settings 720 30 1", "time_left B 116 0"),
        ],
    ),
    (
        "byoyomi: main time within the margin is told as a fresh period",
        BYOYOMI,
        {"thinking_time": 1.5, "periods": 5, "period_time": 30},
        "B",
        1,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left B 29 5"),
            ("time_settings 720 30 1", "time_left B 119 0"),
        ],
    ),
    (
        "byoyomi with the period_time_left OGS sometimes sends",
        BYOYOMI,
        {"thinking_time": 0, "periods": 2, "period_time": 30, "period_time_left": 12},
        "B",
        2,
        (),
        [
            ("kgs-time_settings byoyomi 600 30 5", "time_left B 9 2"),
            ("time_settings 720 30 1", "time_left B 9 0"),
        ],
    ),
    (
        "canadian in main time",
        CANADIAN,
        {"thinking_time": 100, "moves_left": 25, "block_time": 300},
        "B",
        10,
        (),
        [
            ("kgs-time_settings canadian 600 300 25", "time_left B 89 0"),
            ("time_settings 600 300 25", "time_left B 89 0"),
        ],
    ),
    (
        "canadian in overtime",
        CANADIAN,
        {"thinking_time": 0, "moves_left": 10, "block_time": 120},
        "B",
        20,
        (),
        [
            ("kgs-time_settings canadian 600 300 25", "time_left B 99 10"),
            ("time_settings 600 300 25", "time_left B 99 10"),
        ],
    ),
    (
        "canadian: main time ran out while thinking",
        CANADIAN,
        {"thinking_time": 5, "moves_left": 25, "block_time": 300},
        "W",
        15,
        (),
        [
            ("kgs-time_settings canadian 600 300 25", "time_left W 289 25"),
            ("time_settings 600 300 25", "time_left W 289 25"),
        ],
    ),
    (
        "simple: the bare number OGS sends is not trusted",
        {"system": "simple", "per_move": 10},
        1593517569475,
        "B",
        3,
        (),
        [
            ("kgs-time_settings canadian 0 10 1", "time_left B 6 1"),
            ("time_settings 0 10 1", "time_left B 6 1"),
        ],
    ),
    (
        "absolute",
        {"system": "absolute", "total_time": 600},
        {"thinking_time": 250},
        "B",
        10,
        (),
        [
            ("kgs-time_settings absolute 600", "time_left B 239 0"),
            ("time_settings 600 0 0", "time_left B 239 0"),
        ],
    ),
    (
        "absolute with no clock entry yet: the whole total",
        {"system": "absolute", "total_time": 600},
        None,
        "W",
        0,
        (),
        [
            ("kgs-time_settings absolute 600", "time_left W 599 0"),
            ("time_settings 600 0 0", "time_left W 599 0"),
        ],
    ),
    (
        "none: no limit, said explicitly",
        {"system": "none", "speed": "correspondence"},
        None,
        "B",
        1000,
        KATA,
        [("kgs-time_settings none",), ("time_settings 0 1 0",)],
    ),
    ("an unknown system gives nothing", {"system": "hourglass"}, None, "B", 0, (), []),
]


@pytest.mark.parametrize(
    ("tc", "entry", "color", "elapsed", "kata", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_time_commands(
    tc: dict[str, Any],
    entry: Any,
    color: str,
    elapsed: float,
    kata: tuple[str, ...],
    expected: list[tuple[str, ...]],
) -> None:
    assert groups(tc, entry, color, elapsed, kata=kata) == expected


@pytest.mark.parametrize(("margin", "told"), [(0.0, 94), (1.0, 93), (3.0, 91), (200.0, 0)])
def test_margin_is_taken_off(margin: float, told: int) -> None:
    best = groups(FISCHER, {"thinking_time": 100}, elapsed=5.5, margin=margin, kata=KATA)[0]
    assert best[1] == f"time_left B {told} 0"


def test_settings_do_not_depend_on_the_clock() -> None:
    """The settings half of a group describes the game, so a shared engine can be reused."""
    a = groups(BYOYOMI, {"thinking_time": 100, "periods": 5, "period_time": 30})
    b = groups(BYOYOMI, {"thinking_time": 0, "periods": 1, "period_time": 30}, elapsed=20)
    assert [g[0] for g in a] == [g[0] for g in b]


def test_told_time_never_exceeds_the_real_time() -> None:
    """Whatever the clock, plain GTP is never told it has more than it really has."""
    for thinking in (0.0, 0.4, 1.5, 29.0, 31.0, 100.0):
        for periods in (1, 2, 5):
            for elapsed in (0.0, 0.7, 10.0, 29.5, 45.0):
                entry = {"thinking_time": thinking, "periods": periods, "period_time": 30}
                # Time until the player loses on time, if it never moved.
                real = thinking + periods * 30 - elapsed
                if real <= 0:
                    continue
                _, time_left = groups(BYOYOMI, entry, elapsed=elapsed, margin=1.0)[1]
                _, _, seconds, stones = time_left.split()
                # The engine believes it can spend main time and then one whole period.
                believed = int(seconds) + (30 if stones == "0" else 0)
                assert believed <= real - 1 + 1e-9 or believed == 0, (entry, elapsed, time_left)


@pytest.mark.parametrize(
    ("gamedata", "clock", "expected"),
    [
        (
            "gamedata-handicap-live-byoyomi-2",
            "clock-byoyomi-1",
            ("kgs-time_settings byoyomi 7200 30 5", "time_left B 5480 0"),
        ),
        (
            "gamedata-handicap-live-byoyomi-overtime-1",
            "clock-byoyomi-overtime-1",
            ("kgs-time_settings byoyomi 300 60 3", "time_left W 174 0"),
        ),
        (
            "gamedata-handicap-live-fischer-1",
            "clock-fischer-2",
            ("kgs-time_settings canadian 1770 30 1", "time_left W 1769 0"),
        ),
        (
            "gamedata-finished-resign-simple-1",
            "clock-simple-1",
            ("kgs-time_settings canadian 0 10 1", "time_left W 9 1"),
        ),
    ],
)
def test_real_ogs_clocks(gamedata: str, clock: str, expected: tuple[str, ...]) -> None:
    """Real payloads: the player to move is found by id, as the daemon will."""
    tc = json.loads((SAMPLES / f"{gamedata}.json").read_text())["time_control"]
    data = json.loads((SAMPLES / f"{clock}.json").read_text())
    color = "black" if data["current_player"] == data["black_player_id"] else "white"
    entry = data[f"{color}_time"]
    assert groups(tc, entry, color, elapsed=0.0)[0] == expected


def test_real_overtime_clock_for_the_player_in_overtime() -> None:
    tc = json.loads((SAMPLES / "gamedata-handicap-live-byoyomi-overtime-1.json").read_text())
    entry = json.loads((SAMPLES / "clock-byoyomi-overtime-1.json").read_text())["black_time"]
    assert groups(tc["time_control"], entry, "black", elapsed=15)[0] == (
        "kgs-time_settings byoyomi 300 60 3",
        "time_left B 44 2",
    )


@pytest.mark.parametrize("bad", ["", "red", "bw", "x"])
def test_bad_colour_is_named(bad: str) -> None:
    with pytest.raises(ValueError, match="colour"):
        gtp_color(bad)


def test_legacy_time_control_key_names_the_system() -> None:
    tc = TimeControl.from_json({"time_control": "absolute", "total_time": "90"})
    assert (tc.system, tc.total_time) == ("absolute", 90.0)
    assert TimeControl.from_json(None).system == "none"


@pytest.mark.parametrize(
    ("tc", "entry", "elapsed", "expected"),
    [
        (FISCHER, {"thinking_time": 100}, 5.5, 94.5),
        (BYOYOMI, {"thinking_time": 100, "periods": 5, "period_time": 30}, 10, 240.0),
        (BYOYOMI, {"thinking_time": 0, "periods": 3, "period_time": 30}, 40, 50.0),
        (CANADIAN, {"thinking_time": 100, "moves_left": 25, "block_time": 300}, 10, 390.0),
        (CANADIAN, {"thinking_time": 0, "moves_left": 10, "block_time": 120}, 20, 100.0),
        ({"system": "simple", "per_move": 10}, 1593517569475, 3, 7.0),
        ({"system": "absolute", "total_time": 600}, None, 10, 590.0),
        ({"system": "none"}, None, 10, None),
        (FISCHER, {"thinking_time": 3}, 5, 0.0),
    ],
)
def test_available_time(
    tc: dict[str, Any], entry: Any, elapsed: float, expected: float | None
) -> None:
    """What the server allows for this move: the ceiling of a genmove timeout."""
    got = available_time(TimeControl.from_json(tc), PlayerClock.from_json(entry), elapsed)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_move_budget_shares_main_time_and_adds_what_overtime_gives() -> None:
    from ogsbot.gtp.clock import move_budget

    def tc(**data: Any) -> TimeControl:
        return TimeControl.from_json(data)

    fischer = tc(system="fischer", initial_time=600, time_increment=10, max_time=600)
    assert move_budget(fischer, PlayerClock(thinking_time=300.0), 0.0, 30, 1.0) == 20.0
    assert move_budget(fischer, PlayerClock(thinking_time=5.0), 0.0, 30, 1.0) == 4.0  # the cap
    simple = tc(system="simple", per_move=12)
    assert move_budget(simple, None, 2.0, 30, 1.0) == 9.0  # 10 s left, less the margin
    byo = tc(system="byoyomi", main_time=300, period_time=30, periods=5)
    assert move_budget(byo, PlayerClock(thinking_time=200.0, periods=5), 0.0, 40, 1.0) == 35.0
    in_periods = PlayerClock(thinking_time=0.0, periods=3, period_time_left=20.0)
    assert move_budget(byo, in_periods, 0.0, 40, 1.0) == 20.0
    canadian = tc(system="canadian", main_time=0, period_time=300, stones_per_period=25)
    block = PlayerClock(thinking_time=0.0, moves_left=10, block_time=100.0)
    assert move_budget(canadian, block, 0.0, 40, 1.0) == 10.0
    absolute = tc(system="absolute", total_time=600)
    assert move_budget(absolute, PlayerClock(thinking_time=120.0), 0.0, 60, 1.0) == 2.0
    assert move_budget(tc(system="none"), None, 0.0, 60, 1.0, untimed=7.0) == 7.0
