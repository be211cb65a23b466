"""What another bot's advertised config says of a proposed game (`bot_offers.refusal`), and
the matchmaking record (`match_record`).

The config read back is ogsbot's own `bot/config`: for every game below, what `refusal`
predicts from it must be what ogsbot's own `decide` answers, so a game the other bot would
decline is never proposed."""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ogsbot.bot.bot_offers import fingerprint, read_config, refusal
from ogsbot.bot.config import parse_config
from ogsbot.bot.match_record import DAY, Decline, MatchRecord, Sent
from ogsbot.bot.matchmaker import bot_entry
from ogsbot.bot.rules import Load, decide
from ogsbot.ogs.challenge import ChallengeRequest, time_control_from_json
from ogsbot.ogs.models import Challenge
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.challenges import ChallengeRecord

ENV = {"OGSBOT_API_KEY": "k" * 24}
FISCHER = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}
RULES = {
    "board_sizes": [9, 19],
    "ranked": True,
    "unranked": True,
    "handicap_ranked": False,
    "rank_range": ["25k", "5d"],
    "time_systems": ["fischer", "byoyomi"],
    "speeds": {
        "blitz": {"allowed": False},
        "live": {"fischer": {"time_increment": [5, 60], "initial_time": [60, 1200]}},
    },
}


def request(**fields: Any) -> ChallengeRequest:
    tc = time_control_from_json(fields.pop("time_control", FISCHER))
    return ChallengeRequest(time_control=tc, **{"width": 9, "height": 9, **fields})


def own_answer(req: ChallengeRequest, challenger_rank: float) -> str | None:
    """What ogsbot's own rules answer this challenge with (None: accepted)."""
    config = parse_config({"engine": {"command": [sys.executable]}, "challenges": RULES}, ENV)
    me = Account(1, "proposer", ranking=challenger_rank, is_bot=True)
    them = Account(2, "other", is_bot=True)
    record = ChallengeRecord.from_request(
        req.to_json(), challenge_id=1, game_id=2, challenger=me, challenged=them
    )
    decision = decide(Challenge.from_json(record.notification()), config.challenges, Load())
    return None if decision.accept else decision.code


CASES = [
    ("accepted", {}, 20.0),
    ("board size", {"width": 13, "height": 13}, 20.0),
    ("not square", {"width": 9, "height": 19}, 20.0),
    ("ranked handicap", {"ranked": True, "handicap": 2}, 20.0),
    ("unranked handicap", {"handicap": 2}, 20.0),
    ("blitz", {"time_control": {**FISCHER, "initial_time": 30, "time_increment": 2}}, 20.0),
    ("increment", {"time_control": {**FISCHER, "time_increment": 90, "max_time": 900}}, 20.0),
    ("system", {"time_control": {"system": "simple", "per_move": 30}}, 20.0),
    ("rank too low", {"ranked": True}, 2.0),
    ("rank too high", {"ranked": True}, 38.0),
]


@pytest.mark.parametrize(("case", "fields", "rank"), CASES, ids=[c[0] for c in CASES])
def test_the_advertised_config_predicts_the_bots_own_answer(
    case: str, fields: dict[str, Any], rank: float
) -> None:
    config = parse_config({"engine": {"command": [sys.executable]}, "challenges": RULES}, ENV)
    advertised = read_config(json.loads(json.dumps(config.bot_config_payload(7, "other"))))
    assert advertised is not None
    req = request(**fields)
    assert refusal(advertised, req, rank) == own_answer(req, rank)


def test_a_config_that_cannot_be_read_makes_no_candidate() -> None:
    assert read_config("not a config") is None
    assert read_config({"allowed_board_sizes": {"nine": 9}}) is None
    assert read_config({"allow_ranked": "maybe"}) is None
    hidden = read_config({"hidden": True})
    assert hidden is not None
    assert refusal(hidden, request(), 20) == "not_accepting_new_challenges"


# ----- the record ----------------------------------------------------------------------------


def decline(code: str, at: float, game: str = "g", config: str = "c") -> Decline:
    return Decline(opponent=5, username="b", at=at, code=code, message="", game=game, config=config)


def test_a_passing_decline_expires_and_one_for_a_setting_holds_while_the_config_does(
    tmp_path: Path,
) -> None:
    now = time.time()
    record = MatchRecord(tmp_path / "m.json")
    record.add_decline(decline("too_many_live_games", now - 100))
    assert record.blocking(5, "other game", "c", retry_after=200, now=now) is not None
    assert record.blocking(5, "other game", "c", retry_after=50, now=now) is None
    record.add_decline(decline("board_size_not_allowed", now - 10 * DAY, game="19x19"))
    assert record.blocking(5, "19x19", "c", retry_after=0, now=now) is not None
    assert record.blocking(5, "9x9", "c", retry_after=0, now=now) is None  # another game
    assert record.blocking(5, "19x19", "changed", retry_after=0, now=now) is None
    assert record.blocking(6, "19x19", "c", retry_after=0, now=now) is None  # another bot
    again = MatchRecord(tmp_path / "m.json")  # read back from the file
    assert again.blocking(5, "19x19", "c", retry_after=0, now=now) is not None


def test_the_daily_count_is_of_the_last_24_hours(tmp_path: Path) -> None:
    now = time.time()
    record = MatchRecord(tmp_path / "m.json")
    for hours in (1, 23, 25, 100):
        record.add_sent(Sent(opponent=5, username="b", at=now - hours * 3600, challenge=hours))
    assert record.sent_today(now) == 2
    assert record.last_sent_to(5) == now - 3600


def test_a_damaged_record_is_set_aside_and_matchmaking_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"sent": [{"opponent": "x"}]')
    record = MatchRecord(path)
    assert record.data.sent == [] and (tmp_path / "m.json.bad").exists()
    record.add_sent(Sent(opponent=1, username="a", at=time.time(), challenge=1))
    assert json.loads(path.read_text())["sent"][0]["username"] == "a"
    path.write_bytes(b'{"sent": [], "declines": [], "x": "\xff\xfe"}')  # not UTF-8
    assert MatchRecord(path).data.sent == []
    assert (tmp_path / "m.json.bad").read_bytes().endswith(b'"\xff\xfe"}')


def test_entries_dated_ahead_are_dropped_and_a_record_not_kept_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.json"
    ahead = {"opponent": 5, "username": "b", "at": time.time() + 10 * DAY, "challenge": 1}
    path.write_text(json.dumps({"sent": [ahead], "declines": []}))
    record = MatchRecord(path)
    assert record.sent_today() == 0 and record.last_sent_to(5) == 0.0
    memory = MatchRecord(tmp_path / "none.json", keep=False)
    memory.add_sent(Sent(opponent=1, username="a", at=time.time(), challenge=1))
    assert memory.sent_today() == 1 and not (tmp_path / "none.json").exists()


def test_a_record_that_cannot_be_written_is_logged_not_raised(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    record = MatchRecord(tmp_path / "file" / "m.json")  # its folder is a file
    record.add_sent(Sent(opponent=1, username="a", at=time.time(), challenge=1))
    assert record.sent_today() == 1


def test_a_fingerprint_changes_with_the_config_only() -> None:
    config = {"allowed_board_sizes": [9], "hidden": False}
    shuffled = dict(random.Random(1).sample(sorted(config.items()), 2))
    assert fingerprint(config) == fingerprint(shuffled)
    assert fingerprint(config) != fingerprint({**config, "allowed_board_sizes": [9, 19]})


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("5", {"id": 5, "username": "h", "ranking": 10}),  # no ui_class: not shown a bot
        ("5", {"id": 5, "ui_class": "", "ranking": 10}),
        ("5", {"id": 5, "ui_class": "robot", "ranking": 10}),
        ("5", {"id": 5.0, "ui_class": "bot"}),
        ("1", {"id": True, "ui_class": "bot"}),
        ("-3", {"id": -3, "ui_class": "bot"}),
        ("6", {"id": 5, "ui_class": "bot"}),  # the key says another account
        ("5", "not an entry"),
    ],
)
def test_an_entry_not_surely_a_bot_is_no_candidate(key: str, entry: object) -> None:
    assert bot_entry(key, entry) is None


def test_a_bot_entry_gives_its_id_and_rank() -> None:
    assert bot_entry("5", {"id": 5, "ui_class": "bot supporter", "ranking": 12.5}) == (5, 12.5)
    assert bot_entry("5", {"id": 5, "ui_class": "bot", "ranking": "x"}) == (5, 0.0)


def test_what_gtp2ogs_configs_say() -> None:
    """gtp2ogs's board ranges are read; a speed with no games at once is not played; a
    system a BotConfigV2 cannot describe is never proposed."""
    fischer = {"fischer": {"max_time_range": [0, 9999]}, "concurrent_games": 2}
    config = read_config(
        {
            "allowed_board_sizes": {"width_range": [9, 13], "height_range": [9, 13]},
            "allowed_live_settings": fischer,
            "allowed_blitz_settings": {**fischer, "concurrent_games": 0},
        }
    )
    assert config is not None
    assert refusal(config, request(), 20) is None
    assert refusal(config, request(width=19, height=19), 20) == "board_size_not_allowed"
    blitz = {**FISCHER, "initial_time": 30, "time_increment": 2}
    assert refusal(config, request(time_control=blitz), 20) == "blitz_not_allowed"
    canadian = {"system": "canadian", "main_time": 600, "period_time": 300, "stones_per_period": 20}
    assert refusal(config, request(time_control=canadian), 20) == "time_control_system_not_allowed"
