"""The spectator page in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ogsbot.sandbox.server import Emulator
from ogsbot.sandbox.spectator import live

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: run scripts/test, which installs Debian's chromium"
    return found


async def browse(url: str, *extra: str) -> str:
    """Run headless Chromium on `url` with a fresh profile; return what it printed."""
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=4000",
            *extra,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 90)
    return out.decode("utf-8", "replace")


@pytest.fixture
async def game_in_progress() -> AsyncIterator[tuple[Emulator, int]]:
    """A 9x9 game in play on a running emulator, with captures already on the board."""
    emu = Emulator(seed=5)
    bot = emu.add_bot("bot")
    human = emu.add_human("alice", "pw")
    await emu.start()
    body = {
        "challenger_color": "black",
        "game": {
            "name": "browser test",
            "rules": "japanese",
            "width": 9,
            "height": 9,
            "komi_auto": "custom",
            "komi": 6.5,
            "time_control": "fischer",
            "time_control_parameters": {
                "system": "fischer",
                "initial_time": 600,
                "time_increment": 10,
                "max_time": 900,
            },
        },
    }
    challenge = emu.create_challenge(human, bot, body)
    referee = emu.start_game(challenge, bot)
    now = referee.start_time
    for i, (x, y) in enumerate([(4, 4), (3, 4), (2, 2), (5, 4), (6, 6), (4, 3), (0, 0), (4, 5)]):
        player = referee.account(referee.to_move()).id
        emu.broadcast_game(referee, referee.move(player, (x, y), now + i + 1))
    yield emu, referee.game_id
    await emu.stop()


async def test_the_page_shows_the_stones_the_server_holds(
    game_in_progress: tuple[Emulator, int],
) -> None:
    emu, game_id = game_in_progress
    referee = emu.games[game_id]
    assert referee.state.board.get((4, 4)) is None  # black E5 was captured
    dom = await browse(emu.url + "/", "--dump-dom")
    assert 'data-ready="yes"' in dom
    board = re.search(rf'<svg[^>]*data-game-id="{game_id}".*?</svg>', dom, re.S)
    assert board is not None, dom[:2000]
    shown = {
        (int(x), int(y), c)
        for x, y, c in re.findall(
            r'data-x="(\d+)" data-y="(\d+)" data-color="([bw])"', board.group(0)
        )
    }
    held = {(x, y, c) for (x, y), c in referee.state.board.stones()}
    assert shown == held and len(held) == 7
    assert "alice (black) vs bot (white)" in dom
    assert f"move {referee.state.move_number}" in dom


async def test_screenshot_of_the_page(game_in_progress: tuple[Emulator, int]) -> None:
    emu, _ = game_in_progress
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "spectator.png"
    target.unlink(missing_ok=True)
    await browse(emu.url + "/", f"--screenshot={target}", "--window-size=900,700")
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


async def test_live_json_follows_the_game(game_in_progress: tuple[Emulator, int]) -> None:
    emu, game_id = game_in_progress
    entry = next(g for g in live(emu) if g["id"] == game_id)
    assert entry["move_number"] == 8 and entry["phase"] == "play"
    assert entry["last"] == [4, 5] and entry["to_move"] == "b"
    assert entry["clocks"]["w"].count(":") == 1
