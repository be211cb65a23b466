"""The emulator's referee: legality, handicap, every clock, phases, scoring and restore."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from ogsbot.ogs.coords import gtp_to_xy, xy_to_gtp
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.referee import GameSettings, PlayerTime, Referee, RefereeError, handicap_points

from support import gnugo_path

T0 = 1_800_000_000.0
BLACK = Account(1, "black-player")
WHITE = Account(2, "white-bot", is_bot=True)


def referee(size: int = 9, now: float = T0, **settings: Any) -> Referee:
    tc = settings.pop("time_control", {"system": "none"})
    game = GameSettings(
        width=settings.pop("width", size),
        height=settings.pop("height", size),
        time_control=TimeControl.from_json(tc),
        **settings,
    )
    return Referee(77, BLACK, WHITE, game, now, stone_removal_timeout=settings.get("srt", 60))


def play(r: Referee, moves: list[str], start: float = T0, step: float = 1.0) -> float:
    """Alternate moves from whoever is to move; returns the time after the last one."""
    now = start
    for vertex in moves:
        now += step
        player = r.account(r.to_move()).id
        point = None if vertex == "pass" else gtp_to_xy(vertex, r.settings.width, r.settings.height)
        r.move(player, point, now)
    return now


def test_move_event_and_clock_shapes() -> None:
    r = referee(
        time_control={"system": "fischer", "initial_time": 60, "time_increment": 5, "max_time": 60}
    )
    events = r.move(BLACK.id, (2, 6), T0 + 3.5)
    names = [name for name, _ in events]
    assert names == ["move", "clock"]
    move = events[0][1]
    assert move == {"game_id": 77, "move_number": 1, "move": [2, 6, 3500]}
    clock = events[1][1]
    assert clock["current_player"] == WHITE.id
    assert clock["black_time"] == {"thinking_time": 60.0, "skip_bonus": False}  # 60-3.5+5, capped
    assert clock["white_time"] == {"thinking_time": 60.0, "skip_bonus": False}
    assert clock["last_move"] == int((T0 + 3.5) * 1000)
    assert clock["expiration"] == int((T0 + 3.5 + 60) * 1000)


@pytest.mark.parametrize(
    ("reason", "moves", "bad", "code"),
    [
        ("occupied", ["E5"], "E5", "illegal_move"),
        ("suicide", ["A2", "pass", "B1"], "A1", "illegal_move"),  # white A1 alone
        ("wrong turn", [], None, "not_your_turn"),
    ],
)
def test_illegal_moves_change_nothing(
    reason: str, moves: list[str], bad: str | None, code: str
) -> None:
    r = referee(rules="japanese")
    now = play(r, moves)
    before = (r.state.move_number, str(r.state.board), r.to_move())
    player = r.account(r.to_move()).id if bad else WHITE.id
    point = gtp_to_xy(bad, 9) if bad else (4, 4)
    with pytest.raises(RefereeError) as caught:
        r.move(player, point, now + 1)
    assert caught.value.code == code
    assert (r.state.move_number, str(r.state.board), r.to_move()) == before


def test_ko_is_refused_and_captures_happen() -> None:
    r = referee()
    # A ko at D5/E5: black captures at E5... set up the classic shape.
    now = play(r, ["D4", "E4", "C5", "F5", "D6", "E6", "pass", "D5", "E5"])  # black takes at E5
    assert r.state.board.get(gtp_to_xy("D5", 9)) is None  # white D5 captured
    with pytest.raises(RefereeError, match="ko"):
        r.move(WHITE.id, gtp_to_xy("D5", 9), now + 1)


def test_not_a_player_and_finished_games_refuse() -> None:
    r = referee()
    with pytest.raises(RefereeError) as caught:
        r.move(999, (0, 0), T0 + 1)
    assert caught.value.code == "not_a_player"
    r.resign(BLACK.id, T0 + 2)
    with pytest.raises(RefereeError) as caught:
        r.move(WHITE.id, (0, 0), T0 + 3)
    assert caught.value.code == "wrong_phase"


def test_resign_ends_at_once() -> None:
    r = referee()
    events = r.resign(WHITE.id, T0 + 5)
    assert [n for n, _ in events] == ["gamedata", "phase", "clock"]  # OGS's order
    data = events[0][1]
    assert (data["phase"], data["outcome"], data["winner"]) == ("finished", "Resignation", BLACK.id)
    assert r.deadline() is None


def test_fixed_handicap_is_in_initial_state_and_white_starts() -> None:
    r = referee(size=19, handicap=4, komi=0.5)
    data = r.gamedata(T0)
    assert data["initial_player"] == "white" and data["free_handicap_placement"] is False
    stones = {xy_to_gtp(p, 19) for p in handicap_points(19, 19, 4)}
    assert stones == {"D4", "Q16", "D16", "Q4"}
    assert len(data["initial_state"]["black"]) == 8
    assert r.to_move() == "w"
    with pytest.raises(RefereeError):
        r.move(BLACK.id, (3, 3), T0 + 1)


def test_handicap_points_match_gnu_go() -> None:
    """The same points GNU Go's fixed_handicap gives, on every size and count it allows."""
    process = subprocess.run(
        [gnugo_path(), "--mode", "gtp"],
        input="".join(
            f"boardsize {size}\nclear_board\nfixed_handicap {count}\n"
            for size in (9, 13, 19)
            for count in range(2, 10)
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    replies = [block for block in process.stdout.split("\n\n") if block.strip()]
    answers = [r for r in replies if r.startswith("=") and r[1:].strip()]
    expected = iter(answers)
    for size in (9, 13, 19):
        for count in range(2, 10):
            gnugo = set(next(expected)[1:].split())
            ours = {xy_to_gtp(p, size) for p in handicap_points(size, size, count)}
            assert ours == gnugo, (size, count)


def test_free_handicap_black_places_then_white() -> None:
    r = referee(size=9, handicap=3, free_handicap_placement=True, rules="chinese", komi=0.5)
    assert r.gamedata(T0)["initial_player"] == "black"
    for i, vertex in enumerate(["C3", "G7", "C7"]):
        assert r.to_move() == "b", i
        r.move(BLACK.id, gtp_to_xy(vertex, 9), T0 + i + 1)
    assert r.to_move() == "w"
    with pytest.raises(RefereeError, match="placed"):
        referee(size=9, handicap=2, free_handicap_placement=True).move(BLACK.id, None, T0 + 1)


# ----- clocks: every system -------------------------------------------------------------

CLOCKS = [
    # system, time control, (elapsed per move...), expected black entry after, lost?
    (
        "fischer",
        {"system": "fischer", "initial_time": 30, "time_increment": 10, "max_time": 35},
        [5, 5],
        {"thinking_time": 35.0, "skip_bonus": False},
        False,
    ),
    (
        "fischer timeout",
        {"system": "fischer", "initial_time": 30, "time_increment": 10, "max_time": 60},
        [31],
        None,
        True,
    ),
    (
        "byoyomi main",
        {"system": "byoyomi", "main_time": 20, "period_time": 10, "periods": 3},
        [5],
        {"thinking_time": 15.0, "periods": 3, "period_time": 10},
        False,
    ),
    (
        "byoyomi periods",
        {"system": "byoyomi", "main_time": 20, "period_time": 10, "periods": 3},
        [45],
        {"thinking_time": 0.0, "periods": 1, "period_time": 10},
        False,
    ),
    (
        "byoyomi timeout",
        {"system": "byoyomi", "main_time": 20, "period_time": 10, "periods": 3},
        [51],
        None,
        True,
    ),
    (
        "canadian main",
        {"system": "canadian", "main_time": 20, "period_time": 30, "stones_per_period": 5},
        [5],
        {"thinking_time": 15.0, "moves_left": 5, "block_time": 30},
        False,
    ),
    (
        "canadian overtime",
        {"system": "canadian", "main_time": 20, "period_time": 30, "stones_per_period": 5},
        [25],
        {"thinking_time": 0.0, "moves_left": 4, "block_time": 25.0},
        False,
    ),
    (
        "canadian timeout",
        {"system": "canadian", "main_time": 20, "period_time": 30, "stones_per_period": 5},
        [51],
        None,
        True,
    ),
    ("simple", {"system": "simple", "per_move": 10}, [9], 10, False),
    ("simple timeout", {"system": "simple", "per_move": 10}, [11], None, True),
    (
        "absolute",
        {"system": "absolute", "total_time": 60},
        [20, 20],
        {"thinking_time": 20.0},
        False,
    ),
    ("absolute timeout", {"system": "absolute", "total_time": 60}, [61], None, True),
]


@pytest.mark.parametrize(
    ("tc", "elapsed", "entry", "lost"), [c[1:] for c in CLOCKS], ids=[c[0] for c in CLOCKS]
)
def test_clock_systems(tc: dict[str, Any], elapsed: list[float], entry: Any, lost: bool) -> None:
    r = referee(time_control=tc)
    now = T0
    for i, seconds in enumerate(elapsed):
        now += seconds
        events = r.move(BLACK.id, (i, 0), now)
        if lost:
            break
        now += 1
        r.move(WHITE.id, (i, 8), now)
    if lost:
        assert r.finished and r.outcome == "Timeout" and r.winner == WHITE.id
        assert [n for n, _ in events][:2] == ["gamedata", "phase"]
        return
    clock = r.clock(now)
    # Simple time: the waiting player's entry is per_move (black is to move again here).
    key = "white_time" if tc["system"] == "simple" else "black_time"
    assert clock[key] == entry


def test_none_has_no_player_times_and_no_deadline() -> None:
    r = referee(time_control={"system": "none"})
    clock = r.clock(T0)
    assert "black_time" not in clock and "white_time" not in clock
    assert r.deadline() is None


def test_simple_clock_quirk_mover_gets_expiration() -> None:
    """OGS sends the player to move the expiration in ms and the other per_move seconds."""
    r = referee(time_control={"system": "simple", "per_move": 10})
    clock = r.clock(T0)
    assert clock["black_time"] == clock["expiration"] == int((T0 + 10) * 1000)
    assert clock["white_time"] == 10


def test_check_time_flags_a_silent_player() -> None:
    r = referee(time_control={"system": "absolute", "total_time": 30})
    assert r.check_time(T0 + 29) == []
    events = r.check_time(T0 + 30.5)
    assert r.outcome == "Timeout" and r.winner == WHITE.id
    assert events[1] == ("phase", "finished")


def test_pause_stops_the_clock() -> None:
    r = referee(time_control={"system": "absolute", "total_time": 30})
    r.pause(WHITE.id, T0 + 10)
    assert r.deadline() is None and r.clock(T0 + 10)["pause"]["paused"] is True
    assert r.check_time(T0 + 100) == []
    r.resume(WHITE.id, T0 + 100)
    assert r.deadline() == pytest.approx(T0 + 120)
    r.move(BLACK.id, (0, 0), T0 + 115)
    assert r.times["b"].thinking_time == pytest.approx(5.0)


def test_player_time_restores_exactly() -> None:
    t = PlayerTime(thinking_time=3.5, periods=2, moves_left=4, block_time=12.0)
    assert PlayerTime(**vars(t)) == t


# ----- undo --------------------------------------------------------------------------------


def test_undo_request_and_accept() -> None:
    r = referee()
    now = play(r, ["E5", "C3"])
    # OGS's form since 2025-10: who asked, and how many moves (white's own last one: 1).
    request = {"move_number": 2, "requested_by": WHITE.id, "undo_move_count": 1}
    assert r.request_undo(WHITE.id, 2, now + 1) == [("undo_requested", request)]
    with pytest.raises(RefereeError):
        r.accept_undo(WHITE.id, 2, now + 2)  # the requester cannot accept
    events = r.accept_undo(BLACK.id, 2, now + 2)
    assert events[0] == ("undo_accepted", {"move_number": 2, "undo_move_count": 1})
    assert r.state.move_number == 1 and r.to_move() == "w"
    assert len(events[1][1]["moves"]) == 1


# ----- phases and scoring ----------------------------------------------------------------


def test_two_passes_start_stone_removal_and_acceptance_scores() -> None:
    r = referee(size=9, komi=6.5, rules="japanese")
    # Black takes the left, white the right: a wall on column E and F.
    moves: list[str] = []
    for row in range(1, 10):
        moves += [f"D{row}", f"F{row}"]
    now = play(r, moves)
    now += 1
    r.move(r.account(r.to_move()).id, None, now)
    events = r.move(r.account(r.to_move()).id, None, now + 1)
    names = [n for n, _ in events]
    assert names == ["move", "phase", "removed_stones", "clock"]
    assert events[1][1] == "stone removal"
    assert events[2][1] == {"removed": True, "stones": "", "all_removed": ""}
    assert r.clock(now + 1)["stone_removal_mode"] is True
    [(name, accepted)] = r.accept_removed(BLACK.id, "", now + 2)
    assert name == "removed_stones_accepted"
    assert (accepted["player_id"], accepted["stones"], accepted["phase"]) == (
        BLACK.id,
        "",
        "stone removal",
    )
    assert accepted["players"]["black"]["accepted_stones"] == ""
    assert accepted["players"]["white"]["accepted_stones"] is None  # not yet
    events = r.accept_removed(WHITE.id, "", now + 3)
    data = dict(events)["gamedata"]
    # Black: columns A-C = 27 points; white: columns G-J = 27 points + 6.5 komi.
    assert data["score"]["black"]["territory"] == 27 and data["score"]["white"]["territory"] == 27
    assert (data["outcome"], data["winner"]) == ("6.5 points", WHITE.id)


def test_silent_stone_removal_times_out_into_a_score() -> None:
    r = Referee(78, BLACK, Account(3, "white-human"), GameSettings(width=5, height=5), T0)
    r.stone_removal_timeout = 60
    now = play(r, ["C3", "pass", "pass"])
    assert r.phase == "stone removal"
    assert r.check_time(now + 30) == []
    events = r.check_time(now + 61)
    assert r.finished and r.outcome.endswith("points")
    assert ("phase", "finished") in events


def test_reject_removal_returns_to_play_and_needs_two_new_passes() -> None:
    r = referee(size=5)
    now = play(r, ["C3", "pass", "pass"])
    r.reject_removed(WHITE.id, now + 1)
    assert r.phase == "play"
    r.move(r.account(r.to_move()).id, None, now + 2)
    assert r.phase == "play"
    r.move(r.account(r.to_move()).id, None, now + 3)
    assert r.phase == "stone removal"


def test_set_removed_changes_the_dead_stones_and_resets_acceptance() -> None:
    r = referee(size=5)
    now = play(r, ["C3", "A1", "pass", "pass"])
    r.set_removed(BLACK.id, "ae", True, now + 1)  # A1 is (0, 4): "ae"
    r.accept_removed(BLACK.id, r._packed(r.removed), now + 1)
    events = r.set_removed(BLACK.id, "cc", False, now + 2)  # C3 lives after all
    assert events[0][1] == {"removed": False, "stones": "cc", "all_removed": "ae"}
    assert r.accepted == {}
    with pytest.raises(RefereeError):
        r.accept_removed(WHITE.id, "", now + 3)  # stale proposal


def gnugo_score(size: int, komi: float, moves: list[str], chinese: bool) -> str:
    argv = [gnugo_path(), "--mode", "gtp", *(["--chinese-rules"] if chinese else [])]
    script = f"boardsize {size}\nclear_board\nkomi {komi}\n"
    color = "B"
    for vertex in moves:
        script += f"play {color} {vertex}\n"
        color = "W" if color == "B" else "B"
    script += "final_score\n"
    out = subprocess.run(argv, input=script, capture_output=True, text=True, check=True).stdout
    return [b for b in out.split("\n\n") if b.strip()][-1].lstrip("= ").strip()


@pytest.mark.parametrize("rules", ["japanese", "chinese"])
def test_scores_agree_with_gnu_go(rules: str) -> None:
    moves: list[str] = []
    for row in range(1, 10):
        moves += [f"D{row}", f"F{row}"]
    moves += ["E1", "E2", "E3", "E4", "E5"]  # fill dame, leaving an even number
    r = referee(size=9, komi=5.5, rules=rules)
    now = play(r, [*moves, "pass", "pass"])
    r.accept_removed(BLACK.id, "", now + 1)
    data = dict(r.accept_removed(WHITE.id, "", now + 2))["gamedata"]
    winner = "B" if data["winner"] == BLACK.id else "W"
    ours = f"{winner}+{data['outcome'].split()[0]}"
    assert ours == gnugo_score(9, 5.5, moves, chinese=rules == "chinese")


def test_non_square_board() -> None:
    r = referee(width=7, height=9)
    data = r.gamedata(T0)
    assert (data["width"], data["height"]) == (7, 9)
    r.move(BLACK.id, (6, 8), T0 + 1)
    with pytest.raises(RefereeError):
        r.move(WHITE.id, (7, 0), T0 + 2)


def test_state_round_trip_rebuilds_the_same_game() -> None:
    r = referee(
        time_control={"system": "byoyomi", "main_time": 60, "period_time": 10, "periods": 3}
    )
    now = play(r, ["E5", "C3", "G7", "pass"], step=7)
    r.chat.append({"channel": "main", "line": {"body": "hi"}})
    copy = Referee.from_state(r.to_state(), {BLACK.id: BLACK, WHITE.id: WHITE})
    assert copy.gamedata(now) == r.gamedata(now)
    assert copy.clock(now) == r.clock(now)
    assert copy.chat == r.chat
