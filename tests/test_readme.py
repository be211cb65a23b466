"""The README stays true: every config option and every sandbox option is explained in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ogsbot.bot.config import config_schema
from ogsbot.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def option_names(node: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for key, value in (node.get("properties") or {}).items():
        names.add(key)
        names |= option_names(value)
        items = value.get("items")
        if isinstance(items, dict):
            names |= option_names(items)
    return names


def test_every_config_option_is_in_the_readme() -> None:
    names = option_names(config_schema())
    assert {"server", "engine", "time_increment", "stones_per_period", "undo"} <= names
    missing = sorted(n for n in names if not re.search(rf"\b{re.escape(n)}\b", README))
    assert missing == []


def test_every_command_option_is_in_the_readme() -> None:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subcommands.choices.items():  # type: ignore[union-attr]
        assert f"ogsbot {name}" in README, name
        for action in sub._actions:
            flags = [f for f in action.option_strings if f not in ("-h", "--help")]
            if flags:
                assert any(f in README for f in flags), f"ogsbot {name} {flags}"


def test_the_two_quick_start_commands_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = re.search(r"((?:^    \S.*\n)+)", section, re.M)
    assert first_block is not None
    commands = [line.split()[0] for line in first_block.group(1).splitlines()]
    assert commands == ["scripts/sandbox", "scripts/test"]
    for command in commands:
        assert (root / command).stat().st_mode & 0o111
    assert "scripts/test" in (root / ".ci" / "run").read_text()


def test_the_library_examples_compile_and_name_what_exists() -> None:
    """The README's two library examples (sync and async) parse, and what they import and
    call on the clients exists."""
    import ast

    from ogsbot.ogs.async_client import AsyncOGSClient
    from ogsbot.ogs.client import OGSClient, OGSSocket, SyncGame
    from ogsbot.ogs.game import Game
    from ogsbot.ogs.realtime import Realtime

    section = README.split("## Use the library from a script", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2

    async def no_login() -> dict[str, str]:
        return {}

    game = Game(Realtime("http://127.0.0.1", no_login), 1)  # for its instance attributes
    known = set(vars(game)) | {
        name for cls in (OGSClient, OGSSocket, SyncGame, AsyncOGSClient, Game) for name in dir(cls)
    }
    for block in blocks:
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = __import__(node.module or "", fromlist=[a.name for a in node.names])
                for alias in node.names:
                    assert hasattr(module, alias.name), (node.module, alias.name)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("ogs", "game")
                and node.attr not in ("sock", "rest")
            ):
                assert node.attr in known, node.attr


def schema_defaults(node: dict[str, Any], out: dict[str, set[str]]) -> dict[str, set[str]]:
    """Every option's name with the defaults it has anywhere in the schema, as text."""
    for key, value in (node.get("properties") or {}).items():
        if "default" in value and isinstance(value["default"], bool | int | float | str):
            default = value["default"]
            text = str(default).lower() if isinstance(default, bool) else str(default)
            if isinstance(default, float) and default.is_integer():
                text = str(int(default))
            out.setdefault(key, set()).add(text)
        schema_defaults(value, out)
    return out


def test_the_readme_states_the_models_defaults() -> None:
    """Where the README's option list gives a default ("`key` [value]"), it is the default
    the config's dataclasses declare (the schema is made from them)."""
    defaults = schema_defaults(config_schema(), {})
    section = README.split("### Every config option", 1)[1].split("\n### ", 1)[0]
    stated = re.findall(r"`(\w+)` \[([^\[\]]+)\]", section)
    checked = [(key, value) for key, value in stated if key in defaults]
    assert len(checked) >= 25
    wrong = [(key, value, defaults[key]) for key, value in checked if value not in defaults[key]]
    assert wrong == []
