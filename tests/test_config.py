"""The bot's YAML configuration: loading, every class of error, the API key, the schema."""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from ogsbot.bot.config import (
    HIDDEN,
    BoardSizes,
    ChallengeRules,
    Config,
    ConfigError,
    EngineConfig,
    GameConfig,
    LogConfig,
    Problem,
    Range,
    config_schema,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.yaml"
GNUGO = Path("/usr/games/gnugo")
ENGINE = [sys.executable, "-c", "pass"]
KEY = "s3cr3t-API-key-0xC0FFEE"
ENV = {"OGSBOT_API_KEY": KEY}

needs_gnugo = pytest.mark.skipif(
    not os.access(GNUGO, os.X_OK), reason="the example's engine, /usr/games/gnugo, is missing"
)


def minimal(**top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"engine": {"command": list(ENGINE)}}
    data.update(top)
    return data


def problems_of(data: object, env: dict[str, str] | None = None, **kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, ENV if env is None else env, **kwargs)
    return caught.value


def only_problem(data: object, env: dict[str, str] | None = None) -> Problem:
    error = problems_of(data, env)
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the example file ---------------------------------------------------------------------


@needs_gnugo
def test_example_file_loads() -> None:
    config = load_config(EXAMPLE, env={"OGSBOT_API_KEY": "x"})
    assert config.api_key.get_secret_value() == "x"
    assert config.engine.command[0] == str(GNUGO)
    assert config.engine.name == "GNU Go"
    assert config.source == EXAMPLE
    assert [p.name for p in config.engine_profiles] == ["small-boards"]
    assert config.game.sgf_dir == str(ROOT / "sgf")


@needs_gnugo
def test_example_file_shows_the_defaults() -> None:
    """The example sets every option to its default: its comments cannot drift from code."""
    config = load_config(EXAMPLE, env={"OGSBOT_API_KEY": "x"})
    assert config.challenges == ChallengeRules()
    assert replace(config.game, sgf_dir="sgf") == GameConfig()
    assert config.log == LogConfig()
    defaults = EngineConfig(command=())
    for f in fields(EngineConfig):
        if f.name not in ("command", "name"):
            assert getattr(config.engine, f.name) == getattr(defaults, f.name), f.name
    assert (config.server, config.hidden, config.shutdown_wait) == (
        "https://online-go.com",
        False,
        600.0,
    )


def test_example_file_documents_every_option() -> None:
    """Every key of the schema is set in the example, and every key line has a comment."""
    data = yaml.safe_load(EXAMPLE.read_text())
    missing = [path for path in schema_paths(config_schema()) if not has_path(data, path)]
    assert missing == []
    text = EXAMPLE.read_text()
    assert text.startswith("# ogsbot configuration example\n#\n# How to use this file:")
    for key in ("api_key", "api_key_file"):
        assert re.search(rf"^# {key}: ", text, re.MULTILINE), key


def schema_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        if key in ("api_key", "api_key_file", "engine_profiles"):
            continue  # commented out / a list: checked separately
        out.append(path)
        out.extend(schema_paths(sub, path))
    return out


def has_path(data: Any, path: str) -> bool:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def test_empty_config_gives_the_dataclass_defaults() -> None:
    config = parse_config(minimal(), ENV, base_dir="/srv/bot")
    assert config.challenges == ChallengeRules()
    assert config.log == LogConfig()
    assert replace(config.game, sgf_dir="sgf") == GameConfig()
    assert config.game.sgf_dir == "/srv/bot/sgf"
    assert config.engine == EngineConfig(command=tuple(ENGINE))
    assert config.engine_profiles == ()
    assert config.challenges.speeds["blitz"].allowed is False
    assert all(config.challenges.speeds[s].allowed for s in ("rapid", "live", "correspondence"))


def test_every_speed_has_a_range_for_every_parameter_of_every_system() -> None:
    expected = {
        "fischer": {"initial_time", "time_increment", "max_time"},
        "byoyomi": {"main_time", "period_time", "periods"},
        "canadian": {"main_time", "period_time", "stones_per_period"},
        "simple": {"per_move"},
        "absolute": {"total_time"},
    }
    speeds = ChallengeRules().speeds
    assert set(speeds) == {"blitz", "rapid", "live", "correspondence"}
    for speed, rules in speeds.items():
        assert {k: set(v) for k, v in rules.ranges.items()} == expected, speed
        for system, params in rules.ranges.items():
            for name, allowed in params.items():
                assert 0 <= allowed.low <= allowed.high, (speed, system, name)


def test_partial_speed_settings_merge_with_the_defaults() -> None:
    data = minimal(challenges={"speeds": {"live": {"fischer": {"time_increment": [1, 5]}}}})
    live = parse_config(data, ENV).challenges.speeds["live"]
    assert live.ranges["fischer"]["time_increment"] == Range(1, 5)
    assert live.ranges["fischer"]["initial_time"] == Range(10, 3600)
    assert live.ranges["byoyomi"]["periods"] == Range(1, 10)
    assert live.allowed and live.max_games == 3


# --- every class of error -------------------------------------------------------------------


def test_unknown_key_suggests_the_close_one() -> None:
    problem = only_problem({"engine": {"comand": list(ENGINE), "command": list(ENGINE)}})
    assert problem.path == "engine.comand"
    assert "did you mean 'command'?" in problem.allowed
    assert "engine.comand: got " in problem.describe()


def test_unknown_key_found_elsewhere_and_gtp2ogs_names() -> None:
    error = problems_of(minimal(game={"max_games": 3}, blacklist=[1], allowed_board_sizes="all"))
    by_path = {p.path: p for p in error.problems}
    assert "did you mean challenges.max_games?" in by_path["game.max_games"].allowed
    assert "use challenges.block_list" in by_path["blacklist"].allowed
    assert "use challenges.board_sizes" in by_path["allowed_board_sizes"].allowed


def test_wrong_type() -> None:
    problem = only_problem(minimal(challenges={"ranked": "yes please"}))
    assert (problem.path, problem.value, problem.allowed) == (
        "challenges.ranked",
        "yes please",
        "true or false",
    )
    problem = only_problem(minimal(shutdown_wait="ten minutes"))
    assert problem.path == "shutdown_wait"
    assert problem.allowed == "a number >= 0"
    problem = only_problem(minimal(challenges={"max_handicap": True}))
    assert problem.path == "challenges.max_handicap"  # a bool is no integer


def test_a_whole_float_is_an_integer() -> None:
    config = parse_config(
        {"engine": {"command": list(ENGINE), "pool_size": 4.0}, "game": {"undo": 2.0}}, ENV
    )
    assert (config.engine.pool_size, config.game.undo) == (4, 2)
    assert only_problem({"engine": {"command": list(ENGINE), "pool_size": 4.5}}).path == (
        "engine.pool_size"
    )


def test_value_out_of_range() -> None:
    problem = only_problem({"engine": {"command": list(ENGINE), "pool_size": 0}})
    assert problem.path == "engine.pool_size"
    assert problem.value == 0
    assert problem.allowed == "an integer from 1 to 64"
    problem = only_problem(minimal(challenges={"board_sizes": [9, 26]}))
    assert problem.path == "challenges.board_sizes[1]"
    assert "from 1 to 25" in problem.allowed


def test_min_above_max() -> None:
    data = minimal(challenges={"speeds": {"blitz": {"fischer": {"time_increment": [10, 5]}}}})
    problem = only_problem(data)
    assert problem.path == "challenges.speeds.blitz.fischer.time_increment"
    assert problem.value == [10, 5]
    assert "low <= high" in problem.allowed
    problem = only_problem(minimal(challenges={"rank_range": ["1d", "5k"]}))
    assert problem.path == "challenges.rank_range"
    assert "lower rank first" in problem.allowed


def test_bad_enum_value() -> None:
    problem = only_problem({"engine": {"command": list(ENGINE), "manager": "shared"}})
    assert problem.path == "engine.manager"
    assert problem.allowed == "one of 'per_game', 'pool'"
    problem = only_problem(minimal(challenges={"rules": ["chinese", "french"]}))
    assert problem.path == "challenges.rules[1]"
    assert "'japanese'" in problem.allowed


def test_engine_not_found() -> None:
    problem = only_problem({"engine": {"command": "no-such-engine-ogsbot --gtp"}})
    assert problem.path == "engine.command"
    assert problem.value == "no-such-engine-ogsbot"
    assert "not found on PATH" in problem.allowed


def test_engine_path_not_found(tmp_path: Path) -> None:
    problem = only_problem({"engine": {"command": ["./missing-engine"]}}, None)
    assert "missing-engine was not found" in problem.allowed


def test_engine_not_executable(tmp_path: Path) -> None:
    program = write(tmp_path / "engine.sh", "#!/bin/sh\n")
    program.chmod(stat.S_IRUSR | stat.S_IWUSR)
    error = problems_of({"engine": {"command": [str(program)]}})
    assert len(error.problems) == 1
    assert "is not executable" in error.problems[0].allowed
    assert f"chmod +x {program}" in str(error)


def test_relative_engine_path_starts_at_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engines = tmp_path / "engines"
    engines.mkdir()
    program = write(engines / "engine.sh", "#!/bin/sh\n")
    program.chmod(0o755)
    config_file = write(tmp_path / "bot.yaml", "engine:\n  command: engines/engine.sh --gtp\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(config_file, ENV)
    assert config.engine.command == (str(program), "--gtp")


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    program = write(tmp_path / "engine", "#!/bin/sh\n")
    program.chmod(0o755)
    config = parse_config({"engine": {"command": ["~/engine", "~/weights.bin"]}}, ENV)
    assert config.engine.command == (str(program), str(tmp_path / "weights.bin"))


def test_missing_api_key() -> None:
    problem = only_problem(minimal(), env={})
    assert problem.path == "api_key"
    assert "OGSBOT_API_KEY" in problem.allowed
    assert "api_key_file" in problem.allowed


def test_missing_engine_command() -> None:
    problem = only_problem({}, None)
    assert problem.path == "engine.command"
    assert "got nothing" in problem.describe()


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bot.yaml", "engine:\n  command: [gnugo\nhidden: false\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 7)
    assert "line 3, column 7" in str(caught.value)
    assert str(path) in str(caught.value)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "bot.yaml", "hidden: true\nengine: {command: x}\nhidden: false\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert "'hidden' twice" in str(problem.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml", ENV)
    assert "nope.yaml" in str(caught.value)


def test_not_a_mapping() -> None:
    problem = only_problem(["engine"])
    assert problem.path == ""
    assert "mapping" in problem.allowed


def test_several_errors_are_reported_together() -> None:
    data = {
        "engine": {"command": "no-such-engine-ogsbot", "manager": "shared"},
        "challenges": {"komi": [5, 1], "rankd": True, "board_sizes": "round"},
        "game": {"undo": "maybe", "greeting": "Hi {name}"},
        "log": {"level": "loud"},
    }
    error = problems_of(data, env={})
    paths = [p.path for p in error.problems]
    assert paths == [
        "engine.command",
        "engine.manager",
        "challenges.komi",
        "challenges.rankd",
        "challenges.board_sizes",
        "game.undo",
        "game.greeting",
        "log.level",
        "api_key",
    ]
    lines = str(error).splitlines()
    assert lines[0] == "9 problems in the configuration:"
    assert len(lines) == 10
    for line, path in zip(lines[1:], paths, strict=True):
        assert line.startswith(f"  - {path}: got ")
        assert "; allowed: " in line
    assert "did you mean 'ranked'?" in lines[4]
    assert "{opponent}" in lines[7]


# --- the API key ----------------------------------------------------------------------------


def test_api_key_inline() -> None:
    assert parse_config(minimal(api_key=KEY), {}).api_key.get_secret_value() == KEY


def test_api_key_from_file(tmp_path: Path) -> None:
    write(tmp_path / "key.txt", f"  {KEY}\n")
    config = parse_config(minimal(api_key_file="key.txt"), {}, base_dir=tmp_path)
    assert config.api_key.get_secret_value() == KEY


def test_api_key_from_env() -> None:
    assert parse_config(minimal(), ENV).api_key.get_secret_value() == KEY


def test_env_wins_over_the_file(tmp_path: Path) -> None:
    write(tmp_path / "key.txt", "from-the-file")
    assert parse_config(minimal(api_key="inline-key"), ENV).api_key.get_secret_value() == KEY
    config = parse_config(minimal(api_key_file="key.txt"), ENV, base_dir=tmp_path)
    assert config.api_key.get_secret_value() == KEY


def test_api_key_and_api_key_file_together_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "key.txt", "from-the-file")
    error = problems_of(minimal(api_key=KEY, api_key_file="key.txt"), {}, base_dir=tmp_path)
    assert [p.path for p in error.problems] == ["api_key_file"]
    assert KEY not in str(error)


def test_missing_or_empty_key_file(tmp_path: Path) -> None:
    problem = only_problem(minimal(api_key_file=str(tmp_path / "none.txt")), {})
    assert problem.path == "api_key_file"
    write(tmp_path / "empty.txt", "\n")
    error = problems_of(minimal(api_key_file="empty.txt"), {}, base_dir=tmp_path)
    assert "empty" in str(error)


def test_api_key_never_in_repr_or_payload() -> None:
    config = parse_config(minimal(api_key=KEY), {})
    assert KEY not in repr(config)
    assert KEY not in str(config)
    assert "api_key" not in repr(config)
    assert KEY not in repr(config.bot_config_payload())


def test_api_key_never_in_error_text(tmp_path: Path) -> None:
    # An inline key next to other problems, a misspelled key name, a key of the wrong type.
    error = problems_of(minimal(api_key=KEY, hidden="no"), {})
    assert KEY not in str(error) and "hidden" in str(error)
    error = problems_of(minimal(apikey=KEY), {})
    assert KEY not in str(error)
    assert any(p.value == HIDDEN for p in error.problems)
    error = problems_of(minimal(bot={"command": ["x"], "apikey": KEY}), {})
    assert KEY not in str(error) and "'command'" in str(error)
    error = problems_of(minimal(api_key=123456789), {})
    assert "123456789" not in str(error)
    assert error.problems[0].value == HIDDEN
    # The env key repeated by mistake in another value.
    error = problems_of(minimal(server=KEY), ENV)
    assert KEY not in str(error)
    # A YAML syntax error on the key's own line (pyyaml quotes the line in its messages).
    path = write(tmp_path / "bot.yaml", f'api_key: "{KEY}\nengine: {{command: x}}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert KEY not in str(caught.value)
    path = write(tmp_path / "bot2.yaml", f"api_key: {KEY}\n  engine: [\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert KEY not in str(caught.value)


# --- values of every form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "allowed", "refused"),
    [
        ([9, 13, 19], [(9, 9), (13, 13), (19, 19)], [(7, 7), (19, 9)]),
        ("all", [(9, 9), (19, 7), (25, 25)], []),
        ("square", [(7, 7), (21, 21)], [(19, 9)]),
        ({"width": [9, 19], "height": [5, 9]}, [(19, 9), (9, 5)], [(5, 5), (19, 13)]),
    ],
)
def test_board_size_forms(
    value: Any, allowed: list[tuple[int, int]], refused: list[tuple[int, int]]
) -> None:
    sizes = parse_config(minimal(challenges={"board_sizes": value}), ENV).challenges.board_sizes
    assert isinstance(sizes, BoardSizes)
    for width, height in allowed:
        assert sizes.allows(width, height), (width, height)
    for width, height in refused:
        assert not sizes.allows(width, height), (width, height)


def test_board_size_range_keys_are_checked() -> None:
    problem = only_problem(minimal(challenges={"board_sizes": {"widht": [9, 19]}}))
    assert problem.path == "challenges.board_sizes.widht"
    assert "did you mean 'width'?" in problem.allowed


@pytest.mark.parametrize(("value", "expected"), [("never", "never"), ("always", "always"), (2, 2)])
def test_undo_forms(value: Any, expected: Any) -> None:
    assert parse_config(minimal(game={"undo": value}), ENV).game.undo == expected


def test_undo_refuses_negative() -> None:
    assert only_problem(minimal(game={"undo": -1})).path == "game.undo"


def test_command_as_string_or_list() -> None:
    config = parse_config({"engine": {"command": f"{sys.executable} -c 'print(1)'"}}, ENV)
    assert config.engine.command == (sys.executable, "-c", "print(1)")
    config = parse_config({"engine": {"command": [sys.executable, "--level", 5]}}, ENV)
    assert config.engine.command == (sys.executable, "--level", "5")


def test_rank_range_from_text() -> None:
    rules = parse_config(minimal(challenges={"rank_range": ["10k", "5d"]}), ENV).challenges
    assert rules.rank_range == Range(20, 34)
    assert 25 in rules.rank_range and 19.5 not in rules.rank_range


def test_range_contains() -> None:
    assert 5 in Range(1, 5) and 1.0 in Range(1, 5)
    assert 5.01 not in Range(1, 5)
    assert True not in Range(0, 5)
    assert "3" not in Range(0, 5)


def test_paths_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    data = minimal(game={"sgf_dir": "games"}, log={"file": "logs/bot.log", "level": "debug"})
    data["engine"]["cwd"] = "work"
    config = parse_config(data, ENV, base_dir=tmp_path)
    assert config.game.sgf_dir == str(tmp_path / "games")
    assert config.log.file == str(tmp_path / "logs" / "bot.log")
    assert config.log.level == "DEBUG"
    assert config.engine.cwd == str(tmp_path / "work")
    assert only_problem({"engine": {"command": list(ENGINE), "cwd": "/no/such/dir"}}).path == (
        "engine.cwd"
    )


def test_server_url_is_checked() -> None:
    config = parse_config(minimal(server="http://127.0.0.1:8080/"), ENV)
    assert config.server == "http://127.0.0.1:8080"
    assert only_problem(minimal(server="online-go.com")).path == "server"


def test_block_and_allow_lists_take_ids_and_names() -> None:
    rules = parse_config(minimal(challenges={"block_list": [12, "Troll"]}), ENV).challenges
    assert rules.block_list == (12, "Troll")
    assert only_problem(minimal(challenges={"allow_list": [1.5]})).path == (
        "challenges.allow_list[0]"
    )


# --- engines per game -----------------------------------------------------------------------


def profiles_config() -> Config:
    data = {
        "engine": {"command": list(ENGINE), "name": "main", "env": {"A": "1"}, "time_margin": 2},
        "engine_profiles": [
            {"name": "nine", "board_sizes": [9], "engine": {"name": "small", "env": {"B": 2}}},
            {"speeds": ["blitz", "rapid"], "engine": {"name": "fast", "command_timeout": 5}},
            {"time_systems": ["byoyomi"], "speeds": ["live"], "engine": {"name": "byo"}},
        ],
    }
    return parse_config(data, ENV)


@pytest.mark.parametrize(
    ("width", "height", "speed", "system", "name"),
    [
        (9, 9, "live", "fischer", "small"),
        (9, 9, "blitz", "fischer", "small"),  # the first match wins
        (19, 9, "live", "fischer", "main"),  # 19 is not listed
        (19, 19, "rapid", "fischer", "fast"),
        (19, 19, "live", "byoyomi", "byo"),
        (19, 19, "correspondence", "byoyomi", "main"),  # both criteria must match
        (19, 19, "live", "fischer", "main"),
    ],
)
def test_engine_for_picks_the_first_matching_profile(
    width: int, height: int, speed: str, system: str, name: str
) -> None:
    assert profiles_config().engine_for(width, height, speed, system).name == name


def test_profiles_merge_with_the_main_engine() -> None:
    config = profiles_config()
    small = config.engine_for(9, 9, "live", "fischer")
    assert small.command == tuple(ENGINE)
    assert small.env == {"A": "1", "B": "2"}
    assert small.time_margin == 2.0
    fast = config.engine_for(19, 19, "rapid", "fischer")
    assert fast.command_timeout == 5.0 and fast.env == {"A": "1"}
    assert [p.name for p in config.engine_profiles] == ["nine", "profile-2", "profile-3"]


def test_profile_without_criteria_and_bad_profile_keys() -> None:
    data = minimal(engine_profiles=[{"engine": {"name": "x"}}, {"speeds": ["slow"], "engin": {}}])
    paths = [p.path for p in problems_of(data).problems]
    assert paths == [
        "engine_profiles[1].speeds[0]",
        "engine_profiles[1].engin",
        "engine_profiles[0]",
    ]


def test_a_main_engine_problem_is_reported_once_not_again_for_each_profile() -> None:
    data = {
        "engine": {"command": list(ENGINE), "start_timeout": 0},
        "engine_profiles": [
            {"speeds": ["blitz"], "engine": {"name": 3}},
            {"speeds": ["live"], "engine": {"start_timeout": -1}},
        ],
    }
    paths = [p.path for p in problems_of(data).problems]
    assert paths == [
        "engine.start_timeout",
        "engine_profiles[0].engine.name",
        "engine_profiles[1].engine.start_timeout",
    ]


# --- OGS's bot/config -----------------------------------------------------------------------

PAYLOAD_KEYS = {
    "hidden",
    "allowed_time_control_systems",
    "allowed_board_sizes",
    "allowed_blitz_settings",
    "allowed_rapid_settings",
    "allowed_live_settings",
    "allowed_correspondence_settings",
    "allow_ranked",
    "allow_unranked",
    "allowed_rank_range",
    "allow_ranked_handicap",
    "allow_unranked_handicap",
    "allowed_komi_range",
    "decline_new_challenges",
    "min_move_time",
    "max_games_per_player",
    "_config_version",
    "bot_id",
    "username",
}


def test_bot_config_payload_defaults() -> None:
    payload = parse_config(minimal(api_key=KEY), {}).bot_config_payload(42, "gnubot")
    assert set(payload) == PAYLOAD_KEYS - {"allowed_blitz_settings"}  # blitz is off
    assert (payload["bot_id"], payload["username"]) == (42, "gnubot")
    assert payload["_config_version"] == 2
    assert payload["hidden"] is False and payload["decline_new_challenges"] is False
    assert payload["allowed_board_sizes"] == [9, 13, 19]
    assert payload["allowed_live_settings"] == {
        "simple": {"per_move_time_range": [10, 300]},
        "byoyomi": {
            "main_time_range": [0, 3600],
            "period_time_range": [10, 300],
            "periods_range": [1, 10],
        },
        "fischer": {
            "initial_time_range": [10, 3600],
            "max_time_range": [5, 7200],
            "time_increment_range": [10, 300],
        },
        "concurrent_games": 3,
    }
    assert payload["allowed_rank_range"] == ["30k", "9p"]
    assert payload["allowed_komi_range"] == [-99, 99]
    assert payload["min_move_time"] == 1500
    assert payload["max_games_per_player"] == 1
    text = repr(payload)
    assert KEY not in text and sys.executable not in text and "command" not in text


def test_bot_config_payload_follows_the_config() -> None:
    data = minimal(
        hidden=False,
        challenges={
            "accept_new": False,
            "board_sizes": {"width": [5, 19], "height": [5, 19]},
            "rank_range": ["15k", "2d"],
            "time_systems": ["byoyomi", "canadian"],
            "speeds": {"blitz": {"allowed": True, "max_games": 2}},
        },
        game={"min_move_time": 0.25},
    )
    payload = parse_config(data, ENV).bot_config_payload()
    assert payload["hidden"] is True  # not accepting challenges hides the bot, like gtp2ogs
    assert payload["decline_new_challenges"] is True
    # goban's type has sizes, "all" or "square": the square sizes the ranges allow
    assert payload["allowed_board_sizes"] == list(range(5, 20))
    assert payload["allowed_rank_range"] == ["15k", "2d"]
    assert payload["allowed_time_control_systems"] == ["byoyomi"]  # OGS's type has no canadian
    assert set(payload["allowed_blitz_settings"]) == {"byoyomi", "concurrent_games"}
    assert payload["allowed_blitz_settings"]["concurrent_games"] == 2
    assert payload["min_move_time"] == 250


# --- the JSON Schema ------------------------------------------------------------------------

TOP_KEYS = {
    "server",
    "api_key",
    "api_key_file",
    "engine",
    "engine_profiles",
    "challenges",
    "matchmaking",
    "game",
    "log",
    "shutdown_wait",
    "hidden",
    "watch_config",
    "status",
    "seek",
}


def test_schema_shape() -> None:
    schema = config_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == TOP_KEYS
    engine = schema["properties"]["engine"]
    assert engine["required"] == ["command"]
    assert engine["properties"]["manager"]["enum"] == ["per_game", "pool"]
    assert engine["properties"]["pool_size"] == {
        "description": engine["properties"]["pool_size"]["description"],
        "type": "integer",
        "minimum": 1,
        "maximum": 64,
        "default": 1,
    }
    speeds = schema["properties"]["challenges"]["properties"]["speeds"]["properties"]
    assert speeds["blitz"]["properties"]["allowed"]["default"] is False
    assert speeds["live"]["properties"]["canadian"]["properties"]["stones_per_period"][
        "default"
    ] == [1, 25]


def test_schema_has_descriptions_everywhere() -> None:
    undocumented: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if not sub.get("description"):
                    undocumented.append(f"{path}.{key}")
            for key, sub in node.items():
                walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                walk(sub, f"{path}[{index}]")

    walk(config_schema(), "$")
    assert undocumented == []


def test_schema_defaults_are_the_defaults() -> None:
    props = config_schema()["properties"]
    assert props["challenges"]["properties"]["board_sizes"]["default"] == [9, 13, 19]
    assert props["challenges"]["properties"]["rank_range"]["default"] == ["30k", "9p"]
    assert props["game"]["properties"]["undo"]["default"] == "never"
    assert props["game"]["properties"]["min_move_time"]["default"] == GameConfig().min_move_time
    assert props["log"]["properties"]["file"]["default"] is None
    assert props["shutdown_wait"]["default"] == 600


@needs_gnugo
def test_example_validates_against_the_schema() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert schema_errors(config_schema(), data) == []


@pytest.mark.parametrize(
    "data",
    [
        {"engine": {"command": "x", "manager": "shared"}},
        {"engine": {"command": "x"}, "bogus": 1},
        {"engine": {}},
        {"engine": {"command": "x"}, "challenges": {"komi": [1, 2, 3]}},
        {"engine": {"command": "x"}, "challenges": {"board_sizes": "round"}},
        {"engine": {"command": "x"}, "game": {"undo": -1}},
        {"engine": {"command": "x"}, "hidden": "no"},
    ],
)
def test_schema_refuses_what_validation_refuses(data: dict[str, Any]) -> None:
    assert schema_errors(config_schema(), data) != []
    with pytest.raises(ConfigError):
        parse_config(data, ENV)


def schema_errors(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """A small JSON Schema checker: the keywords config_schema() uses."""
    errors: list[str] = []
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(s, value, path)]
        if len(matching) != 1:
            errors.append(f"{path}: matches {len(matching)} of oneOf")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(is_type(value, t) for t in types):
            return [*errors, f"{path}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: {value} <= {schema['exclusiveMinimum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1 << 30):
            errors.append(f"{path}: {len(value)} items")
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            errors.append(f"{path}: repeated items")
        if "items" in schema:
            for index, item in enumerate(value):
                errors += schema_errors(schema["items"], item, f"{path}[{index}]")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: {key} is required")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                errors += schema_errors(props[key], item, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unknown key {key}")
            elif isinstance(extra, dict):
                errors += schema_errors(extra, item, f"{path}.{key}")
    return errors


def is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(
        value,
        {"string": str, "boolean": bool, "null": type(None), "array": list, "object": dict}[name],
    )


# --- hostile YAML ------------------------------------------------------------------------

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)


def yaml_problem(tmp_path: Path, text: str) -> Problem:
    path = write(tmp_path / "bot.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    (problem,) = caught.value.problems
    return problem


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    problem = yaml_problem(tmp_path, BOMB)
    assert "aliases" in str(problem.value) and "alias bomb" in problem.allowed
    assert problem.line is not None


def test_deep_nesting_is_a_config_error(tmp_path: Path) -> None:
    problem = yaml_problem(tmp_path, "engine: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than" in str(problem.value) and problem.line == 1
    # nesting reached through aliases counts too
    chain = "a: &a [[[[[[[[[[1]]]]]]]]]]\nb: &b [[[[[[[[[[*a]]]]]]]]]]\nc: [[[[[[[[[[*b]]]]]]]]]]\n"
    assert "nested more than" in str(yaml_problem(tmp_path, chain).value)


def test_an_alias_to_itself_is_a_config_error(tmp_path: Path) -> None:
    assert "refers to itself" in str(yaml_problem(tmp_path, "a: &a [*a]\n").value)


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    text = (
        f"engine: &main {{command: {ENGINE!r}, name: main}}\n"
        "engine_profiles:\n  - speeds: [blitz]\n    engine: *main\n"
    )
    config = load_config(write(tmp_path / "bot.yaml", text), ENV)
    assert config.engine_profiles[0].engine.name == "main"


# --- paths the bot writes, the API key, warnings, overrides -------------------------------


def test_unwritable_log_file_and_sgf_dir_are_problems(tmp_path: Path) -> None:
    write(tmp_path / "plain", "")
    data = minimal(log={"file": "plain/bot.log"}, game={"sgf_dir": "plain/sgf"})
    error = problems_of(data, base_dir=tmp_path)
    by_path = {p.path: p for p in error.problems}
    assert set(by_path) == {"log.file", "game.sgf_dir"}
    assert str(tmp_path / "plain" / "bot.log") in by_path["log.file"].allowed
    assert str(tmp_path / "plain" / "sgf") in by_path["game.sgf_dir"].allowed
    # the default sgf_dir is checked too, and a folder is no log file
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "sgf", "")
    error = problems_of(minimal(log={"file": "."}), base_dir=tmp_path / "sub")
    assert {p.path for p in error.problems} == {"log.file", "game.sgf_dir"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folders_are_problems(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        error = problems_of(minimal(log={"file": "locked/x.log"}, game={"sgf_dir": "locked"}))
    finally:
        locked.chmod(0o755)
    assert {p.path for p in error.problems} == {"log.file", "game.sgf_dir"}


def test_writable_paths_are_not_created_by_the_check(tmp_path: Path) -> None:
    config = parse_config(
        minimal(log={"file": "logs/bot.log"}, game={"sgf_dir": "games/sgf"}), ENV, tmp_path
    )
    assert config.log.file == str(tmp_path / "logs" / "bot.log")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_log_rotation_is_a_problem() -> None:
    problem = only_problem(minimal(log={"rotation": "10 parsecs"}))
    assert problem.path == "log.rotation" and "'1 day'" in problem.allowed
    for good in ("10 MB", "1 day", "00:00", "1 week"):
        parse_config(minimal(log={"rotation": good}), ENV)


def test_a_missing_key_can_be_a_warning_only(tmp_path: Path) -> None:
    config = parse_config(minimal(), {}, require_api_key=False)
    assert config.api_key.get_secret_value() == ""
    (warning,) = config.warnings
    assert warning.startswith("api_key: no API key yet") and "OGSBOT_API_KEY" in warning
    assert "api_key" in {p.path for p in problems_of(minimal(), {}).problems}


def test_a_key_other_users_can_read_is_warned_about(tmp_path: Path) -> None:
    inline = write(tmp_path / "bot.yaml", f"api_key: {KEY}\nengine: {{command: {ENGINE!r}}}\n")
    inline.chmod(0o644)
    (warning,) = load_config(inline, {}).warnings
    assert str(inline) in warning and "0644" in warning and f"chmod 600 {inline}" in warning
    assert KEY not in warning
    inline.chmod(0o600)
    assert load_config(inline, {}).warnings == ()
    key_file = write(tmp_path / "key.txt", KEY)
    key_file.chmod(0o640)
    other = write(tmp_path / "b.yaml", f"api_key_file: key.txt\nengine: {{command: {ENGINE!r}}}\n")
    (warning,) = load_config(other, {}).warnings
    assert warning.startswith("api_key_file: ") and f"chmod 600 {key_file}" in warning


def test_plain_http_to_another_machine_is_a_warning() -> None:
    (warning,) = parse_config(minimal(server="http://ogs.example.org"), ENV).warnings
    assert warning.startswith("server: ") and "https://" in warning
    assert parse_config(minimal(server="http://127.0.0.1:8080"), ENV).warnings == ()


def test_overrides_replace_the_file_and_survive_a_reload(tmp_path: Path) -> None:
    from ogsbot.bot.config import reload_config

    write(tmp_path / "plain", "")
    path = write(
        tmp_path / "bot.yaml",
        f"engine: {{command: {ENGINE!r}}}\ngame: {{sgf_dir: plain/sgf}}\n",
    )
    elsewhere = tmp_path / "records"
    config = load_config(path, ENV, overrides={"game.sgf_dir": str(elsewhere)})
    assert config.game.sgf_dir == str(elsewhere)
    path.write_text(f"engine: {{command: {ENGINE!r}}}\ngame: {{sgf_dir: plain/sgf, undo: 2}}\n")
    again = reload_config(config, ENV)
    assert again.game.undo == 2 and again.game.sgf_dir == str(elsewhere)
    with pytest.raises(ConfigError, match=r"game\.sgf_dir"):
        load_config(path, ENV)


def test_a_status_page_open_to_other_machines_is_warned_about() -> None:
    base = {"api_key": KEY, "engine": {"command": ENGINE}}
    quiet = parse_config({**base, "status": {"enabled": True}}, env={})
    assert not [w for w in quiet.warnings if w.startswith("status.host")]
    open_ = parse_config({**base, "status": {"enabled": True, "host": "0.0.0.0"}}, env={})
    [warning] = [w for w in open_.warnings if w.startswith("status.host")]
    assert "'0.0.0.0'" in warning and "login" in warning
    off = parse_config({**base, "status": {"enabled": False, "host": "0.0.0.0"}}, env={})
    assert not [w for w in off.warnings if w.startswith("status.host")]


FISCHER_OFFER = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}


def test_a_query_setting_that_is_no_value_is_one_problem_naming_what_is_allowed() -> None:
    problem = only_problem(minimal(engine={"command": list(ENGINE), "query_settings": {"a": [1]}}))
    assert problem.path == "engine.query_settings.a" and problem.value == [1]
    assert "a string, a number or true/false" in problem.allowed


def test_a_time_parameter_that_is_no_number_is_named_with_what_was_written() -> None:
    clock = {**FISCHER_OFFER, "initial_time": "abc"}
    problem = only_problem(minimal(seek={"offers": [{"time_control": clock}]}))
    assert problem.path == "seek.offers[0].time_control"
    assert "initial_time must be a number, not 'abc'" in problem.allowed


def test_a_reserve_that_leaves_matchmaking_no_room_is_a_warning() -> None:
    data = minimal(
        challenges={"max_games": 2},
        matchmaking={"games": [{"time_control": FISCHER_OFFER}], "reserve": 2},
    )
    (warning,) = parse_config(data, ENV).warnings
    assert warning.startswith("matchmaking.reserve: 2 keeps every one of")
    data["matchmaking"]["reserve"] = 1
    assert parse_config(data, ENV).warnings == ()
