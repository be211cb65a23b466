"""The daemon's status page in a real headless browser (Debian's chromium): the boards show
the stones the server holds, with the engines and challenges, a hostile opponent's name is
text and never HTML, and a screenshot goes to the test artifacts."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from ogsbot.bot.daemon import Daemon
from ogsbot.sandbox.server import Emulator
from test_daemon import bot_config, emu, human_game, running
from test_seeking import FISCHER
from test_spectator import ARTIFACTS, browse

from support import randomgo_argv, until

__all__ = ["emu"]

EVIL = '<img src=x onerror="document.title=1">'  # a hostile opponent's username
ESCAPED = '&lt;img src=x onerror="document.title=1"&gt;'


async def test_the_page_shows_each_game_as_the_server_holds_it(
    emu: Emulator, tmp_path: Path
) -> None:
    status = {"enabled": True, "port": 0}
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}, status=status))
    emu.add_human(EVIL, "pw-evil-0123456789", ranking=20)
    async with running(daemon):
        referee, human = await human_game(emu, daemon, name=EVIL)
        for point in ((4, 4), (2, 6), (6, 2)):
            number = referee.state.move_number
            emu.broadcast_game(referee, referee.move(human, point, time.time()))
            await until(lambda n=number: referee.state.move_number == n + 2, 10, "a bot move")
        server = daemon.status_server
        assert server is not None
        url = f"http://127.0.0.1:{server.port}/"
        dom = await browse(url, "--dump-dom")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "status-page.png"
        shot.unlink(missing_ok=True)
        await browse(url, f"--screenshot={shot}", "--window-size=900,800")
    assert 'data-ready="yes"' in dom
    board = re.search(rf'<svg[^>]*data-game-id="{referee.game_id}".*?</svg>', dom, re.S)
    assert board is not None, dom[:2000]
    shown = {
        (int(x), int(y), c)
        for x, y, c in re.findall(
            r'data-x="(\d+)" data-y="(\d+)" data-color="([bw])"', board.group(0)
        )
    }
    assert shown == {(x, y, c) for (x, y), c in referee.state.board.stones()}
    assert len(shown) == 6
    # the name is text on the page: escaped in the DOM, never an element
    assert f"Game {referee.game_id} vs {ESCAPED}" in dom and "move 6" in dom
    assert "<img" not in dom
    assert "accepted" in dom and "pid " in dom
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


async def test_the_page_shows_open_challenges_and_matchmaking_with_names_as_text(
    emu: Emulator, tmp_path: Path
) -> None:
    """An open challenge, and matchmaking's count and declines; a decline from a bot with a
    hostile name and message, kept in the record, is shown as text."""
    record = tmp_path / "record.json"
    decline = {
        "opponent": 9,
        "username": EVIL,
        "at": time.time() - 60,
        "code": "board_size_not_allowed",
        "message": EVIL,
        "game": "9x9",
        "config": "c",
    }
    record.write_text(json.dumps({"sent": [], "declines": [decline]}))
    offer = {"time_control": FISCHER, "width": 9}
    daemon = Daemon(
        bot_config(
            emu,
            tmp_path,
            engine={"command": randomgo_argv(1)},
            status={"enabled": True, "port": 0},
            seek={"offers": [offer], "max_open": 1},
            matchmaking={"games": [offer], "record": str(record), "daily_limit": 7},
        )
    )
    async with running(daemon):
        await until(lambda: bool(daemon.open_offers), 10, "an open challenge")
        [challenge_id] = daemon.open_offers
        assert daemon.status_server is not None
        dom = await browse(f"http://127.0.0.1:{daemon.status_server.port}/", "--dump-dom")
    assert 'data-ready="yes"' in dom
    assert f"open challenge {challenge_id}" in dom
    assert "matchmaking: 0/7 challenges in 24 h" in dom
    assert f"declined by {ESCAPED}" in dom and "board_size_not_allowed" in dom
    assert "<img" not in dom
