"""OGS models: every sample parsed and checked, round trips, ranks, speeds, garbage."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ogsbot.ogs.models import (
    PRO_RANK_BASE,
    ActiveGame,
    Challenge,
    ChatLine,
    Clock,
    GameData,
    Move,
    MoveEvent,
    Player,
    PlayerClock,
    TimeControl,
    UndoRequest,
    rank_to_text,
    speed_of_move_time,
    text_to_rank,
)

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"


def load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


# --- every sample, with values from the file ---------------------------------------------

Parser = Callable[[Any], Any]
CHECKS: dict[str, tuple[Parser, Callable[[Any], None]]] = {}

# Samples with no model of their own, and why.
NOT_MODELLED = {
    "client-game-undo-request-legacy-1.json": "legacy client->server undo; no model needed",
    "client-game-undo-accept-legacy-1.json": "legacy client->server undo; no model needed",
}


def sample(name: str, parser: Parser) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    def register(check: Callable[[Any], None]) -> Callable[[Any], None]:
        assert name not in CHECKS, name
        CHECKS[name] = (parser, check)
        return check

    return register


# notifications


@sample("notification-challenge-fischer-1.json", Challenge.from_json)
def check_challenge_fischer(c: Challenge) -> None:
    assert c.notification_id == "787:118a6213-4371-4fbf-9574-11c8016e86d8"
    assert (c.challenge_id, c.game_id, c.player_id, c.timestamp) == (4878, 8374, 787, 1593029394)
    assert c.challenger.id == 786 and c.challenger.username == "testuser"
    assert c.challenger.rank == pytest.approx(10.51848380474934)
    assert c.challenger.rating == pytest.approx(1190.142)  # sent as the string "1190.142"
    assert c.challenger.ui_class == "" and not c.challenger.professional
    assert c.challenger.ratings["overall"]["deviation"] == pytest.approx(147.528546071068)
    assert c.challenger.rank_text == "20k"
    tc = c.time_control
    assert (tc.system, tc.speed, tc.initial_time, tc.time_increment, tc.max_time) == (
        "fischer",
        "live",
        120,
        30,
        300,
    )
    assert c.komi is None and c.automatic_komi and not c.automatic_handicap
    assert (c.rules, c.ranked, c.aga_rated, c.challenger_color) == (
        "chinese",
        False,
        False,
        "automatic",
    )
    assert (c.width, c.height, c.disable_analysis, c.handicap) == (19, 19, False, 0)
    assert c.min_ranking is None and c.max_ranking is None


@sample("notification-challenge-byoyomi-1.json", Challenge.from_json)
def check_challenge_byoyomi(c: Challenge) -> None:
    assert c.notification_id.startswith("785246:")
    assert (c.challenge_id, c.game_id, c.challenger.id) == (1, 1, 1)
    assert c.challenger.username == "Some User" and c.challenger.ui_class == "timeout"
    assert c.challenger.country == "un" and c.challenger.icon is not None
    assert c.challenger.rank_text == "4d"  # ranking 33.09...
    assert c.ranked
    tc = c.time_control
    assert (tc.system, tc.main_time, tc.period_time, tc.periods) == ("byoyomi", 1200, 30, 5)


@sample("notification-challenge-canadian-1.json", Challenge.from_json)
def check_challenge_canadian(c: Challenge) -> None:
    assert (c.challenge_id, c.game_id, c.timestamp) == (4550, 7671, 1589982486)
    assert c.challenger.ui_class == "provisional"
    assert c.challenger.ratings["overall"]["games_played"] == 0
    assert c.challenger.rank_text == "13k"  # ranking 17.7495...
    tc = c.time_control
    assert (tc.system, tc.main_time, tc.period_time, tc.stones_per_period) == (
        "canadian",
        3600,
        3300,
        1,
    )


@sample("notification-challenge-fixture-gtp2ogs.json", Challenge.from_json)
def check_challenge_fixture(c: Challenge) -> None:
    assert (c.notification_id, c.challenge_id, c.challenger.username) == ("1", 1, "human")
    assert c.komi == 7.5 and c.ranked and c.challenger_color == "white"
    assert c.timestamp == 0


# REST and seekgraph challenges


@sample("rest-ui-overview-challenge-1.json", Challenge.from_json)
def check_rest_overview(c: Challenge) -> None:
    assert c.challenge_id == 8849956  # the id POST /me/challenges/<id>/accept takes
    assert c.notification_id == "" and c.game_id == 27296949
    assert c.challenger.id == 765826 and c.challenger.username == "hakhoa"
    assert c.challenger.icon is not None and c.challenger.icon.endswith("-32.png")
    assert c.komi == 6.5  # the string "6.50"
    assert c.handicap == -1 and c.automatic_handicap
    assert (c.rules, c.width, c.height, c.disable_analysis) == ("nz", 9, 9, True)
    tc = c.time_control  # time_control_parameters is a JSON-encoded string here
    assert (tc.system, tc.speed, tc.pause_on_weekends) == ("fischer", "correspondence", True)
    assert (tc.initial_time, tc.time_increment, tc.max_time) == (259200, 86400, 604800)
    assert c.challenger_color == "black" and not c.aga_rated


@sample("rest-challenge-create-request-1.json", Challenge.from_json)
def check_rest_create(c: Challenge) -> None:
    assert (c.min_ranking, c.max_ranking) == (7, 18)
    assert c.handicap == 3  # the string "3"
    assert c.komi is None  # komi_auto "automatic"
    assert (c.rules, c.challenger_color, c.ranked) == ("japanese", "white", False)
    tc = c.time_control
    assert (tc.system, tc.main_time, tc.period_time, tc.periods) == ("byoyomi", 2400, 30, 5)
    assert c.challenger == Player()


@sample("seekgraph-challenge-1.json", Challenge.from_json)
def check_seekgraph(c: Challenge) -> None:
    assert (c.challenge_id, c.game_id) == (28448023, 62661221)
    assert c.challenger.id == 655163 and c.challenger.username == "Spidermonkey"
    assert c.challenger.rank == pytest.approx(25.223410705952766)
    assert not c.challenger.professional  # pro: 0
    assert c.challenger.rank_text == "5k"
    assert (c.min_ranking, c.max_ranking) == (23, 27)
    assert (c.time_control.system, c.time_control.per_move) == ("simple", 20)
    assert (c.width, c.height, c.rules, c.ranked) == (9, 9, "japanese", True)


@sample("seekgraph-challenge-rengo-1.json", Challenge.from_json)
def check_seekgraph_rengo(c: Challenge) -> None:
    assert c.challenger.username == "zzbaebae" and c.challenger.rank_text == "3k"
    assert (c.min_ranking, c.max_ranking) == (-1000, 1000)
    assert (c.time_control.per_move, c.speed) == (72000, "correspondence")


# active games


@sample("active_game-1.json", ActiveGame.from_json)
def check_active_game(g: ActiveGame) -> None:
    assert (g.id, g.phase, g.player_to_move, g.move_number) == (49898542, "play", 1168335, 155)
    assert g.paused is False  # sent as 0
    assert g.black.username == "15bTurboLeela" and g.black.id == 602660
    assert g.black.rank_text == "5d" and g.white.rank_text == "2k"
    assert g.black.accepted is False and g.black.ratings["version"] == 5
    assert g.white.id == 1168335 and g.color_of(1168335) == "white"
    assert (g.time_per_move, g.speed, g.clock_expiration) == (44, "live", 1672861447086)
    assert g.bot_game and not g.rengo and g.komi == 0.5 and g.handicap == 0
    assert g.participants == (602660, 1168335) and g.in_end and g.malkovich_present
    assert g.dropped_player == 0 and g.group_ids == ()


@sample("active_game-fixture-gtp2ogs.json", ActiveGame.from_json)
def check_active_game_fixture(g: ActiveGame) -> None:
    assert (g.id, g.name, g.move_number) == (1, "Friendly Match", 0)
    assert g.time_per_move == 89280 and g.speed == "correspondence"
    assert g.komi is None and g.clock_expiration is None and g.participants == ()
    assert g.color_of(1) == "black" and g.color_of(3) is None


# clocks


@sample("clock-fischer-1.json", Clock.from_json)
def check_clock_fischer(c: Clock) -> None:
    assert (c.game_id, c.current_player, c.current_color) == (10815255, 478486, "white")
    assert (c.last_move, c.expiration, c.now) == (1512400997908, 1512404597908, 1512400997909)
    assert c.entry("black") == PlayerClock(thinking_time=3600)
    assert c.entry(478486) is c.white_time and c.title == "Vuk Bozovic"


@sample("clock-fischer-2.json", Clock.from_json)
def check_clock_fischer_2(c: Clock) -> None:
    assert c.current_color == "white" and c.now is None and c.paused_since is None
    assert c.entry(797416) == PlayerClock(thinking_time=1800, skip_bonus=False)


@sample("clock-fischer-paused-1.json", Clock.from_json)
def check_clock_fischer_paused(c: Clock) -> None:
    assert c.now == c.paused_since == 1603094929101
    assert c.paused_since < c.last_move  # a stale value, the game was not paused
    assert c.black_time is not None
    assert c.black_time.thinking_time == pytest.approx(30.298000000000435)
    assert c.pause is None


@sample("clock-byoyomi-1.json", Clock.from_json)
def check_clock_byoyomi(c: Clock) -> None:
    assert c.current_color == "black"
    assert c.entry("b") == PlayerClock(thinking_time=5481.462000000001, periods=5, period_time=30)


@sample("clock-byoyomi-overtime-1.json", Clock.from_json)
def check_clock_byoyomi_overtime(c: Clock) -> None:
    black = c.entry(761457)
    assert black is not None and (black.thinking_time, black.periods) == (0, 2)
    assert c.current_color == "white"


@sample("clock-simple-1.json", Clock.from_json)
def check_clock_simple(c: Clock) -> None:
    assert c.black_time == PlayerClock(raw=10)  # per_move, player not on move
    assert c.white_time == PlayerClock(raw=1593517569475)  # == expiration, player on move
    assert c.white_time.raw == c.expiration


@sample("clock-no-player-times-1.json", Clock.from_json)
def check_clock_no_times(c: Clock) -> None:
    assert c.black_time is None and c.white_time is None
    assert c.entry(419331) is None and c.entry("white") is None
    assert c.current_color == "white"


@sample("clock-stone-removal-1.json", Clock.from_json)
def check_clock_stone_removal(c: Clock) -> None:
    assert c.stone_removal_mode and not c.start_mode
    assert c.stone_removal_expiration == 1600747125281
    assert (c.expiration_delta, c.pause_delta) == (604800000, 0)


def _parse_shapes(data: Any) -> dict[str, Any]:
    return {
        key: TimeControl.from_json(value) if key.endswith("_time") else PlayerClock.from_json(value)
        for key, value in data.items()
    }


@sample("clock-player-time-shapes-fixture-gtp2ogs.json", _parse_shapes)
def check_shapes(shapes: dict[str, Any]) -> None:
    assert shapes["canadian_clock"] == PlayerClock(12345, moves_left=10, block_time=3600)
    assert shapes["canadian_overtime1"].block_time == 200
    assert shapes["byoYomi_overtime1"] == PlayerClock(0, periods=1, period_time=3600)
    assert shapes["simple_clock"] == PlayerClock(raw=12345)
    assert shapes["absolute_time"].total_time == 86400 and shapes["none_time"].system == "none"
    # no speed in these: derived like OGS
    speeds = {k: v.derived_speed() for k, v in shapes.items() if isinstance(v, TimeControl)}
    assert speeds == {
        "fischer_time": "correspondence",  # 86400/90 + 3600
        "byoYomi_time": "correspondence",  # 86400/90 + 3600
        "simple_time": "correspondence",  # 12345
        "canadian_time": "live",  # 86400/90 + 3600/10 = 1320
        "absolute_time": "live",  # 86400/90 = 960
        "none_time": "correspondence",
    }
    raw = load("clock-player-time-shapes-fixture-gtp2ogs.json")
    assert shapes["canadian_clock"].to_json("canadian") == raw["canadian_clock"]
    assert shapes["byoYomi_clock"].to_json("byoyomi") == raw["byoYomi_clock"]
    assert shapes["absolute_clock"].to_json("absolute") == raw["absolute_clock"]
    assert shapes["simple_clock"].to_json("simple") == 12345


# game data


@sample("gamedata-live-fischer-1.json", GameData.from_json)
def check_gd_live_fischer(g: GameData) -> None:
    assert (g.game_id, g.game_name, g.width, g.height, g.komi) == (
        10815255,
        "Vuk Bozovic",
        9,
        9,
        5.5,
    )
    assert g.moves == (Move(4, 3, 8562), Move(2, 6, 798024))
    assert g.black.egf == pytest.approx(-96.631) and g.black.rank_text == "22k"
    assert g.to_move() == "black" and g.clock is not None and g.clock.current_color == "black"
    assert g.color_of(478486) == "white" and g.to_move_player_id() == 481097
    assert g.private and g.disable_analysis and g.free_handicap_placement
    assert not g.score_handicap  # absent in this 2017 payload: defaulted


@sample("gamedata-corr-fischer-1.json", GameData.from_json)
def check_gd_corr_fischer(g: GameData) -> None:
    assert g.time_control.speed == ""  # 2019: no speed key
    assert g.speed == "correspondence" and g.time_control.derived_speed() == "correspondence"
    assert g.black.username == "Pasbot" and g.black_player_id == 619703
    assert g.moves == (Move(15, 3, 1476942),)
    assert g.to_move() == "white" and g.is_turn_of(612079) and not g.is_turn_of(619703)
    assert g.superko_algorithm == "ssk" and g.allow_superko and g.score_prisoners


@sample("gamedata-handicap-corr-none-1.json", GameData.from_json)
def check_gd_handicap_none(g: GameData) -> None:
    assert (g.handicap, g.rules, g.free_handicap_placement) == (8, "aga", False)
    assert g.initial_state_black == "jdjpdjpjddpppddp" and g.initial_state_white == ""
    assert g.initial_player == "white" and len(g.moves) == 11
    assert g.move_colors()[:2] == ("white", "black")
    assert g.to_move() == "black"
    assert g.time_control.system == "none" and g.time_control.speed == "correspondence"
    assert g.clock is not None and g.clock.black_time is None and g.clock.white_time is None
    assert (g.state_version, g.malkovich_present) == (23, False)
    assert set(g.player_pool) == {358577, 1010740}
    assert g.player_pool[358577].username == "GGERKK"
    assert g.aga_handicap_scoring and g.white_must_pass_last


@sample("gamedata-handicap-live-byoyomi-1.json", GameData.from_json)
def check_gd_handicap_byoyomi(g: GameData) -> None:
    assert (g.handicap, g.free_handicap_placement, g.initial_player) == (2, True, "black")
    assert g.initial_state_black == "" and len(g.moves) == 17
    assert g.move_colors()[:4] == ("black", "black", "white", "black")
    assert g.to_move() == "black" == g.clock.current_color  # type: ignore[union-attr]
    assert g.clock is not None and g.clock.black_time is not None
    assert g.clock.black_time.thinking_time == pytest.approx(3233.3259999999996)
    assert g.white.rank_text == "9d" and g.black.rank_text == "1d"


@sample("gamedata-handicap-live-byoyomi-2.json", GameData.from_json)
def check_gd_handicap_8(g: GameData) -> None:
    assert (g.handicap, len(g.moves)) == (8, 81)
    assert g.move_colors()[:9] == ("black",) * 8 + ("white",)
    assert g.to_move() == "black" and g.color_of(592684) == "white"
    assert g.white.username == "kata-bot" and g.superko_algorithm == "csk"


@sample("gamedata-handicap-live-byoyomi-overtime-1.json", GameData.from_json)
def check_gd_handicap_overtime(g: GameData) -> None:
    assert (g.handicap, len(g.moves)) == (5, 57)
    assert g.to_move() == "white" and g.is_turn_of(592684)
    assert g.clock is not None and g.clock.entry("black") == PlayerClock(0, 2, 60)


@sample("gamedata-handicap-live-fischer-1.json", GameData.from_json)
def check_gd_handicap_fischer(g: GameData) -> None:
    assert (g.handicap, len(g.moves), g.to_move()) == (5, 185, "white")
    tc = g.time_control
    assert (tc.initial_time, tc.time_increment, tc.max_time) == (1800, 30, 1800)
    assert g.handicap_moves_left() == 0 and g.handicap_moves_left(3) == 2


@sample("gamedata-stone-removal-1.json", GameData.from_json)
def check_gd_stone_removal(g: GameData) -> None:
    assert g.phase == "stone removal" and len(g.moves) == 42
    assert g.moves[-1].is_pass and g.moves[-2].is_pass and g.moves[-1].point is None
    assert g.moves[-1].to_json() == [-1, -1, 4793]
    assert g.removed.startswith("cahaiafbgb") and len(g.removed) % 2 == 0
    assert g.pause_control == {"stone-removal": True, "vacation-314459": True}
    assert g.paused_since == 1600660724340
    assert g.clock is not None and g.clock.stone_removal_mode


@sample("gamedata-finished-scored-1.json", GameData.from_json)
def check_gd_scored(g: GameData) -> None:
    assert g.finished and (g.outcome, g.winner) == ("56.5 points", 314459)
    assert g.end_time == 1583938533 and g.tournament_id == 50283 and g.rules == "korean"
    assert g.score is not None and g.score["white"]["total"] == 126.5
    assert g.black.accepted_stones == g.removed
    assert len(g.moves) == 257


@sample("gamedata-finished-scored-2.json", GameData.from_json)
def check_gd_scored_15x17(g: GameData) -> None:
    assert (g.width, g.height) == (15, 17)
    assert (g.outcome, g.winner) == ("9.5 points", 796361)
    assert g.white.accepted_strict_seki_mode is False
    assert g.free_handicap_placement and g.handicap == 0 and g.to_move() == "black"


@sample("gamedata-finished-resign-handicap-byoyomi-1.json", GameData.from_json)
def check_gd_resign_handicap(g: GameData) -> None:
    assert (g.outcome, g.winner, g.initial_player) == ("Resignation", 749506, "white")
    assert g.initial_state_black == "pddp" and g.handicap == 2
    assert g.move_colors()[0] == "white" and len(g.moves) == 137


@sample("gamedata-finished-resign-simple-1.json", GameData.from_json)
def check_gd_resign_simple(g: GameData) -> None:
    assert (g.time_control.system, g.time_control.per_move) == ("simple", 10)
    assert g.clock is not None and g.clock.black_time == PlayerClock(raw=10)
    assert g.to_move() == "white" and g.winner == 778820


@sample("gamedata-finished-resign-fischer-1.json", GameData.from_json)
def check_gd_resign_fischer(g: GameData) -> None:
    assert g.black.professional and g.black.rank_text == "1p"  # rank 37 with the pro flag
    assert g.white.rank_text == "2p"
    assert g.pause_control == {} and g.raw["pauses_left_28147"] == 4
    assert (g.outcome, g.winner, g.end_time) == ("Resignation", 655950, 1603107599)
    assert g.superko_algorithm == "noresult"


@sample("gamedata-rengo-1.json", GameData.from_json)
def check_gd_rengo(g: GameData) -> None:
    assert g.rengo and len(g.moves) == 45
    first = g.moves[0]
    assert (first.x, first.y, first.time, first.color, first.played_by) == (
        15,
        3,
        54199,
        None,
        1526,
    )
    assert g.moves[1].blur == 49927
    assert g.moves[0].to_json() == [
        15,
        3,
        54199,
        None,
        {"sgf_downloaded_by": [], "played_by": 1526},
    ]
    assert [p.id for p in g.rengo_teams.black] == [1765, 1526]
    assert g.color_of(1526) == "black" and g.color_of(1767) == "white"  # team members
    assert g.black.rank == pytest.approx(24.303382182144386) and g.black.professional is False
    assert g.black.icon is not None and set(g.player_pool) == {1526, 1765, 1767, 1769}


@sample("gamedata-rengo-2.json", GameData.from_json)
def check_gd_rengo_2(g: GameData) -> None:
    assert len(g.rengo_teams.black) == 3 and len(g.rengo_teams.white) == 1
    assert g.moves[-1].played_by == 1765
    assert g.moves[-1].extra is not None and "player_update" in g.moves[-1].extra
    assert g.to_move() == "white" and g.clock is not None and g.clock.current_player == 1769


@sample("gamedata-partial-1.json", GameData.from_json)
def check_gd_partial(g: GameData) -> None:
    assert g.game_id == 0 and g.moves == () and g.clock is None  # missing: defaulted
    assert (g.superko_algorithm, g.state_version, g.start_time) == ("csk", 370, 1684507158)
    assert g.malkovich_present and g.score_handicap and g.free_handicap_placement
    assert g.player_pool[625990].username == "20bTurboLz-Elf-v1"


@sample("gamedata-fixture-gtp2ogs.json", GameData.from_json)
def check_gd_fixture(g: GameData) -> None:
    assert g.moves == () and g.to_move() == "black" and g.komi == 7.5
    assert g.clock is not None and g.clock.start_mode
    assert g.to_move_player_id() == 1 and g.color_of(2) == "white"


# move, chat and client samples


@sample("move-event-1.json", MoveEvent.from_json)
def check_move_event(e: MoveEvent) -> None:
    assert e == MoveEvent(9774756, 22, Move(15, 5, 27504829))


@sample("move-event-2.json", MoveEvent.from_json)
def check_move_event_2(e: MoveEvent) -> None:
    assert (e.game_id, e.move_number, e.move.point, e.move.time) == (10815434, 7, (4, 6), 11599)


@sample("game-chat-main-1.json", ChatLine.from_json)
def check_chat_main(c: ChatLine) -> None:
    assert (c.channel, c.body, c.move_number, c.date) == ("main", "thanks", 200, 1603107606)
    assert c.player.id == 28147 and c.player.professional  # professional: 1
    assert c.player.rank_text == "1p"


@sample("game-chat-spectator-analysis-1.json", ChatLine.from_json)
def check_chat_analysis(c: ChatLine) -> None:
    assert c.channel == "spectator" and isinstance(c.body, dict)
    assert c.body["type"] == "analysis" and c.body["moves"] == "crgpfqgqfrgrdrhognfm"
    assert c.player.professional is False and c.player.rank_text == "1k"


def _client_move(data: Any) -> Move:
    return Move.from_ogs(data["move"])


@sample("client-game-move-legacy-1.json", _client_move)
def check_client_move(m: Move) -> None:
    assert m == Move(1, 6) and m.to_ogs() == "bg"


@sample("client-game-move-legacy-2.json", _client_move)
def check_client_move_2(m: Move) -> None:
    assert m == Move(6, 6) and m.to_ogs() == "gg"


def test_every_sample_is_checked() -> None:
    files = {p.name for p in SAMPLES.glob("*.json")}
    assert files == set(CHECKS) | set(NOT_MODELLED)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_sample_values(name: str) -> None:
    parser, check = CHECKS[name]
    check(parser(load(name)))


ROUND_TRIP = [
    name
    for name, (parser, _) in CHECKS.items()
    if parser
    in (
        GameData.from_json,
        Clock.from_json,
        Challenge.from_json,
        ActiveGame.from_json,
        MoveEvent.from_json,
        ChatLine.from_json,
    )
]


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_round_trip(name: str) -> None:
    parser, _ = CHECKS[name]
    parsed = parser(load(name))
    again = type(parsed).from_json(json.loads(json.dumps(parsed.to_json())))
    assert again == parsed


@pytest.mark.parametrize(
    "name", sorted(n for n in ROUND_TRIP if n.startswith(("clock-", "move-event")))
)
def test_clock_and_move_events_are_sent_exactly_as_received(name: str) -> None:
    parser, _ = CHECKS[name]
    assert parser(load(name)).to_json() == load(name)


@pytest.mark.parametrize("name", sorted(n for n in ROUND_TRIP if n.startswith("gamedata-")))
def test_gamedata_to_json_keeps_every_modelled_value(name: str) -> None:
    raw = load(name)
    out = GameData.from_json(raw).to_json()
    for key in ("moves", "initial_state", "time_control", "clock", "removed", "score"):
        if key in raw:
            expected = raw[key]
            if key == "time_control":
                expected = {k: v for k, v in expected.items() if k in out[key]}
            assert out[key] == expected, key
    for key in ("game_id", "phase", "komi", "handicap", "winner", "outcome", "end_time"):
        if key in raw:
            assert out[key] == raw[key], key


def test_notification_to_json_has_the_notification_shape() -> None:
    raw = load("notification-challenge-fischer-1.json")
    out = Challenge.from_json(raw).to_json()
    assert set(out) == set(raw)
    assert {k: out[k] for k in raw if k != "user"} == {k: raw[k] for k in raw if k != "user"}
    assert set(out["user"]) == set(raw["user"])


def test_objects_are_hashable_and_raw_stays_out_of_repr() -> None:
    g = GameData.from_json(load("gamedata-rengo-1.json"))
    assert hash(g) == hash(GameData.from_json(load("gamedata-rengo-1.json")))
    assert "raw={" not in repr(g) and g.raw["game_id"] == 11289
    resigned = GameData.from_json(load("gamedata-finished-resign-fischer-1.json"))
    assert resigned.raw["pauses_left_28147"] == 4 and "pauses_left" not in repr(resigned)


# --- speeds ------------------------------------------------------------------------------

SPEED_SAMPLES = [
    name
    for name in sorted(CHECKS)
    if name.startswith(("gamedata-", "notification-", "rest-", "seekgraph-"))
]


@pytest.mark.parametrize("name", SPEED_SAMPLES)
def test_derived_speed_matches_every_speed_ogs_sent(name: str) -> None:
    parsed = CHECKS[name][0](load(name))
    tc: TimeControl = parsed.time_control
    if not tc.speed:
        pytest.skip("no speed in this payload")
    assert tc.derived_speed() == tc.speed
    assert tc.derived_speed(parsed.width, parsed.height) == tc.speed


@pytest.mark.parametrize(
    "name", ["rest-ui-overview-challenge-1.json", "seekgraph-challenge-1.json"]
)
def test_average_move_time_is_the_servers_time_per_move(name: str) -> None:
    raw = load(name)
    game = raw.get("game", raw)
    tc = Challenge.from_json(raw).time_control
    assert tc.average_move_time() == game["time_per_move"]


def test_server_time_per_move_ignores_the_board_size() -> None:
    tc = Challenge.from_json(load("rest-ui-overview-challenge-1.json")).time_control
    assert tc.average_move_time() == 89280  # 259200/90 + 86400, as the server sent
    assert tc.average_move_time(9, 9) == 95495  # goban with the size: 259200/28.5 + 86400


@pytest.mark.parametrize(
    ("seconds", "speed"),
    [
        (0, "correspondence"),
        (1, "blitz"),
        (9.99, "blitz"),
        (10, "live"),
        (3599, "live"),
        (3600, "correspondence"),
        (86400, "correspondence"),
    ],
)
def test_speed_of_move_time(seconds: float, speed: str) -> None:
    assert speed_of_move_time(seconds) == speed


@pytest.mark.parametrize(
    ("tc", "seconds", "speed"),
    [
        ({"system": "fischer", "initial_time": 30, "time_increment": 5}, 5, "blitz"),
        ({"system": "byoyomi", "main_time": 600, "period_time": 30}, 37, "live"),
        (
            {"system": "canadian", "main_time": 0, "period_time": 60, "stones_per_period": 10},
            6,
            "blitz",
        ),
        ({"system": "canadian", "main_time": 0, "period_time": 60}, 60, "live"),
        ({"system": "absolute", "total_time": 900}, 10, "live"),
        ({"system": "simple", "per_move": 86400}, 86400, "correspondence"),
        ({"system": "none"}, 0, "correspondence"),
        ({"system": "byoyomi", "main_time": 45, "period_time": 0}, 1, "blitz"),  # 0.5 rounds up
    ],
)
def test_average_move_time_and_speed(tc: dict[str, Any], seconds: int, speed: str) -> None:
    parsed = TimeControl.from_json(tc)
    assert parsed.average_move_time() == seconds
    assert parsed.derived_speed() == parsed.effective_speed() == speed
    assert parsed.with_speed().speed == speed
    assert TimeControl.from_json(parsed.to_json()) == parsed
    assert "speed" not in parsed.to_json()
    assert parsed.with_speed().to_json()["speed"] == speed


def test_speed_as_sent_wins_over_the_derived_one() -> None:
    tc = TimeControl.from_json({"system": "simple", "per_move": 5, "speed": "rapid"})
    assert tc.effective_speed() == "rapid" and tc.derived_speed() == "blitz"


# --- ranks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("30k", 0.0),
        ("25k", 5.0),
        ("5k", 25.0),
        ("1k", 29.0),
        ("1d", 30.0),
        ("3d", 32.0),
        ("9d", 38.0),
        ("1p", 1037.0),
        ("9p", 1045.0),
        ("5K", 25.0),
        (" 5 kyu ", 25.0),
        ("3 Dan", 32.0),
        ("2 pro", 1038.0),
        ("7.1k", 22.9),
        ("4.3d", 33.3),
    ],
)
def test_text_to_rank(text: str, rank: float) -> None:
    assert text_to_rank(text) == pytest.approx(rank)


@pytest.mark.parametrize(
    ("rank", "professional", "text"),
    [
        (0, False, "30k"),
        (5, False, "25k"),
        (25, False, "5k"),
        (25.223410705952766, False, "5k"),
        (29.0, False, "1k"),
        (29.5, False, "1k"),
        (29.99, False, "1k"),
        (30, False, "1d"),
        (30.9, False, "1d"),
        (38, False, "9d"),
        (38.9, False, "9d"),
        (-5, False, "35k"),
        (1037, False, "1p"),
        (1045, True, "9p"),
        (37, True, "1p"),
        (38, True, "2p"),
        (-1000, False, "?"),
    ],
)
def test_rank_to_text(rank: float, professional: bool, text: str) -> None:
    assert rank_to_text(rank, professional) == text


def test_rank_to_text_with_tenths() -> None:
    assert rank_to_text(22.9, tenths=True) == "7.1k"
    assert rank_to_text(33.35, tenths=True) == "4.3d"
    assert rank_to_text(25, tenths=True) == "5.0k"


LABELS = [f"{n}k" for n in range(30, 0, -1)] + [f"{n}d" for n in range(1, 10)]


@pytest.mark.parametrize("label", [*LABELS, *(f"{n}p" for n in range(1, 10))])
def test_rank_labels_round_trip(label: str) -> None:
    assert rank_to_text(text_to_rank(label)) == label


def test_ranks_are_ordered_and_pros_follow_ogs_not_gtp2ogs() -> None:
    ranks = [text_to_rank(label) for label in LABELS]
    assert ranks == sorted(ranks) and ranks == [float(r) for r in range(39)]
    assert text_to_rank("1p") == PRO_RANK_BASE + 1 != 999  # gtp2ogs maps any "Np" to 999
    assert text_to_rank("1p") > text_to_rank("9d")


@pytest.mark.parametrize(
    "bad", ["", "5", "k", "0k", "31k", "0d", "10d", "1.5p", "0p", "10p", "5x", "five k", "-3k"]
)
def test_invalid_rank_text_is_named(bad: str) -> None:
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        text_to_rank(bad)


@pytest.mark.parametrize("bad", [None, 5, ["5k"]])
def test_rank_text_that_is_not_text(bad: Any) -> None:
    with pytest.raises(ValueError, match="rank"):
        text_to_rank(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "5k"])
def test_rank_to_text_needs_a_number(bad: Any) -> None:
    with pytest.raises(ValueError, match="rank"):
        rank_to_text(bad)


# --- moves and turn order ----------------------------------------------------------------


def test_move_forms() -> None:
    assert Move.from_json([3, 4]) == Move(3, 4)
    assert Move.from_json([3, 4]).to_json() == [3, 4]
    assert Move.from_json([-1, -1, 250]).is_pass
    assert Move.from_json((3.0, 4, 10.5)) == Move(3, 4, 10.5)
    rengo = [1, 2, 30, None, {"played_by": 7, "blur": 9}]
    assert Move.from_json(rengo).to_json() == rengo
    jgof = Move.from_json({"x": 1, "y": 2, "timedelta": 30, "played_by": 7, "edited": False})
    assert (jgof.point, jgof.time, jgof.played_by, jgof.color) == ((1, 2), 30, 7, None)
    assert Move.from_json(jgof.to_json()) == jgof
    assert Move.from_json({"x": 0, "y": 0, "color": 2}).to_json() == [0, 0, None, 2, None]
    assert Move.from_ogs("..", time=5) == Move.passing(5) and Move.passing().to_ogs() == ".."
    assert Move.from_ogs("ai").point == (0, 8)  # OGS letters include i


@pytest.mark.parametrize(
    "bad", ["dd", [], [1], [1, "a"], [1.5, 2], [True, 2], {"x": 1}, {"y": 1, "x": None}, None, 3]
)
def test_bad_moves_raise(bad: Any) -> None:
    with pytest.raises(ValueError, match="move"):
        Move.from_json(bad)


@pytest.mark.parametrize("bad", ["d", "ddd", "DD", "d1", "!d", 5])
def test_bad_ogs_letters_raise(bad: Any) -> None:
    with pytest.raises(ValueError, match="move"):
        Move.from_ogs(bad)


def game(moves: list[list[int]], **fields: Any) -> GameData:
    return GameData.from_json({"initial_player": "black", "moves": moves, **fields})


M = [3, 3, 100]
P = [-1, -1, 100]


@pytest.mark.parametrize(
    ("fields", "moves", "expected"),
    [
        ({}, [], "black"),
        ({}, [M], "white"),
        ({}, [M, M], "black"),
        ({"initial_player": "white"}, [], "white"),
        ({"initial_player": "white", "handicap": 9}, [M], "black"),  # fixed handicap
        ({"handicap": 2, "free_handicap_placement": True}, [], "black"),
        ({"handicap": 2, "free_handicap_placement": True}, [M], "black"),
        ({"handicap": 2, "free_handicap_placement": True}, [M, M], "white"),
        ({"handicap": 2, "free_handicap_placement": True}, [M, M, M], "black"),
        ({"handicap": 4, "free_handicap_placement": True}, [M, M, M], "black"),
        ({"handicap": 4, "free_handicap_placement": True}, [M, M, M, M], "white"),
        ({"handicap": 1, "free_handicap_placement": True}, [M], "white"),  # 1 is no stones
        ({"handicap": 2, "free_handicap_placement": True}, [P], "black"),  # pass skipped
        ({"handicap": 2, "free_handicap_placement": True}, [M, P], "black"),
        ({"handicap": 2, "free_handicap_placement": True}, [M, M, P], "black"),
        ({"handicap": 2, "free_handicap_placement": False}, [M, M], "black"),
    ],
)
def test_to_move(fields: dict[str, Any], moves: list[list[int]], expected: str) -> None:
    g = game(moves, **fields)
    assert g.to_move() == expected
    assert len(g.move_colors()) == len(moves)


def goban_walk(g: GameData) -> tuple[tuple[str, ...], str]:
    """goban's own replay, one move at a time: the reference the short cuts must match."""
    colors: list[str] = []
    player = g.initial_player
    placed = 0
    for move in g.moves:
        colors.append(player)
        left = max(0, g.handicap - placed) if g.free_handicap_placement else 0
        if move.is_pass and left > 0:
            continue
        if left < 2:
            player = "white" if player == "black" else "black"
        placed += 1
    return tuple(colors), player


@pytest.mark.parametrize("seed", range(40))
def test_move_colors_match_goban_walk(seed: int) -> None:
    rng = random.Random(seed)
    moves = [rng.choice([M, M, P]) for _ in range(rng.randrange(0, 30))]
    g = game(
        moves,
        handicap=rng.randrange(0, 6),
        free_handicap_placement=rng.random() < 0.7,
        initial_player=rng.choice(["black", "white"]),
    )
    assert (g.move_colors(), g.to_move()) == goban_walk(g)


def test_with_move_and_players() -> None:
    g = GameData.from_json(load("gamedata-fixture-gtp2ogs.json"))
    g2 = g.with_move(Move(3, 3, 1000))
    assert g.moves == () and g2.moves == (Move(3, 3, 1000),) and g2.to_move() == "white"
    assert g2.player("white").username == "human" and g2.players["black"].id == 1
    assert g.color_of(0) is None and g.color_of(99) is None and not g.is_turn_of(99)


# --- clocks ------------------------------------------------------------------------------


def test_clock_entry_rejects_strangers_and_bad_colours() -> None:
    c = Clock.from_json(load("clock-fischer-1.json"))
    with pytest.raises(ValueError, match="player 5 is neither"):
        c.entry(5)
    with pytest.raises(ValueError, match="'red'"):
        c.entry("red")


def test_clock_pause_member() -> None:
    raw = {
        "game_id": 1,
        "current_player": 2,
        "pause": {
            "paused": True,
            "paused_since": 10,
            "pause_control": {"paused": {"pauses_left": 4}},
        },
    }
    c = Clock.from_json(raw)
    assert c.pause is not None and c.pause.paused and c.pause.paused_since == 10
    assert c.pause.pause_control == {"paused": {"pauses_left": 4}}
    assert Clock.from_json(c.to_json()) == c and c.to_json()["pause"] == raw["pause"]


def test_player_clock_shapes_by_system() -> None:
    fischer = PlayerClock(thinking_time=30.5)
    assert fischer.to_json() == {"thinking_time": 30.5, "skip_bonus": False}
    assert fischer.to_json("fischer") == {"thinking_time": 30.5, "skip_bonus": False}
    assert fischer.to_json("absolute") == {"thinking_time": 30.5}
    byo = PlayerClock(0, periods=2, period_time=30, period_time_left=12.5)
    assert byo.to_json() == byo.to_json("byoyomi")
    assert byo.to_json("byoyomi") == {
        "thinking_time": 0,
        "periods": 2,
        "period_time": 30,
        "period_time_left": 12.5,
    }
    clock = Clock(black_time=fischer, white_time=fischer)
    assert "black_time" not in clock.to_json("none")


# --- tolerance and garbage ---------------------------------------------------------------


def test_missing_fields_are_defaulted_and_unknown_ones_ignored() -> None:
    assert GameData.from_json({}) == GameData()
    assert Clock.from_json({"surprise": [1, 2]}) == Clock()
    assert ActiveGame.from_json({"paused": 1, "komi": "6.5"}).paused is True
    assert ActiveGame.from_json({"paused": "false"}).paused is False
    assert ActiveGame.from_json({"paused": True, "komi": "6.5"}).komi == 6.5
    assert Player.from_json({"id": "12", "pro": 1, "rank": "3.5"}) == Player(
        id=12, rank=3.5, professional=True
    )
    assert Challenge.from_json({"komi": "bad", "handicap": None}).handicap == 0
    g = GameData.from_json({"clock": "garbage", "players": 5, "time_control": [1], "moves": None})
    assert g.clock is None and g.black == Player() and g.time_control == TimeControl()


def test_time_control_string_forms() -> None:
    text = load("rest-ui-overview-challenge-1.json")["game"]["time_control_parameters"]
    assert isinstance(text, str)
    assert TimeControl.from_json(text).initial_time == 259200
    assert TimeControl.from_json("fischer") == TimeControl(system="fischer")
    assert TimeControl.from_json("") == TimeControl() == TimeControl.from_json(None)


@pytest.mark.parametrize("bad", [[1, 2], "{nope", "[1]", 5, True])
def test_time_control_garbage(bad: Any) -> None:
    with pytest.raises(ValueError, match="time control: expected a JSON object"):
        TimeControl.from_json(bad)


@pytest.mark.parametrize(
    ("parser", "name"),
    [
        (GameData.from_json, "gamedata"),
        (Clock.from_json, "clock"),
        (Challenge.from_json, "challenge"),
        (ActiveGame.from_json, "active_game"),
        (Player.from_json, "player"),
        (MoveEvent.from_json, "move event"),
        (ChatLine.from_json, "chat event"),
    ],
)
@pytest.mark.parametrize("bad", [None, [1, 2], "gamedata", True, b"{}"])
def test_payloads_that_are_not_objects_are_named(parser: Parser, name: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=f"{name}: expected a JSON object"):
        parser(bad)


def test_unreadable_moves_are_errors_naming_their_index() -> None:
    with pytest.raises(ValueError, match=r"moves\[1\]"):
        GameData.from_json({"moves": [[1, 2, 3], ["x", 2]]})
    with pytest.raises(ValueError, match="moves: expected a list"):
        GameData.from_json({"moves": "ddpp"})
    with pytest.raises(ValueError, match="no move"):
        MoveEvent.from_json({"game_id": 1, "move_number": 2})


def test_undo_events_in_both_forms() -> None:
    """OGS's undo events: a bare move number before 2025-10, an object since (with who asked
    and how many moves)."""
    assert UndoRequest.from_json(7) == UndoRequest(7)
    assert UndoRequest.from_json("7") == UndoRequest(7)
    new = {"move_number": 8, "requested_by": 12, "undo_move_count": 2}
    assert UndoRequest.from_json(new) == UndoRequest(8, 12, 2)
    assert UndoRequest.from_json(UndoRequest(8, 12, 2).to_json()) == UndoRequest(8, 12, 2)
    assert UndoRequest.from_json({"move_number": 3}) == UndoRequest(3)
    with pytest.raises(ValueError, match="move_number"):
        UndoRequest.from_json({"undo_move_count": 2})
    with pytest.raises(ValueError, match="not a move number"):
        UndoRequest.from_json([1, 2])
