"""Free handicap stones for an engine that cannot choose them: the usual points, as GTP's
`fixed_handicap` places them, instead of three failures and a resignation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ogsbot.bot.daemon import Daemon
from ogsbot.bot.handicap import fixed_handicap_points
from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.coords import parse_gtp_move
from ogsbot.sandbox.server import Emulator
from test_daemon import bot_config, challenge, emu, running

from support import gnugo_argv, until

__all__ = ["emu"]

NO_FREE_HANDICAP = Path(__file__).parent / "data" / "engines" / "no_free_handicap.py"


async def test_the_usual_points_are_gtps_fixed_handicap() -> None:
    """Checked against GNU Go's `fixed_handicap` on every size and count GTP defines, and
    None exactly where GNU Go refuses."""
    async with GTPEngine(gnugo_argv()) as gnugo:
        for size in range(7, 20):
            for stones in range(2, 10):
                replies = await gnugo.batch(
                    [f"boardsize {size}", "clear_board", f"fixed_handicap {stones}"], check=False
                )
                ours = fixed_handicap_points(size, size, stones)
                if not replies[-1].ok:
                    assert ours is None, (size, stones)
                    continue
                theirs = {parse_gtp_move(v, size, size) for v in replies[-1].text.split()}
                assert ours is not None and set(ours) == theirs, (size, stones)
    assert fixed_handicap_points(9, 7, 2) is None
    assert fixed_handicap_points(19, 19, 10) is None


async def test_free_handicap_with_an_engine_that_cannot_choose_the_stones(
    emu: Emulator, tmp_path: Path
) -> None:
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    bot.ranking = 10  # much weaker than the opponent: the bot takes black and the stones
    argv = [sys.executable, str(NO_FREE_HANDICAP), "--seed", "4"]
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv}))
    async with running(daemon):
        game_id = await challenge(emu, rules="chinese", handicap=3, ranking=25, color="white")
        await until(lambda: game_id in emu.games, 20, "the game")
        referee = emu.games[game_id]
        await until(lambda: referee.state.move_number >= 5, 60, "the stones and a few moves")
        assert referee.settings.free_handicap_placement
        stones = {p for c, p in referee.state.moves[:3]}
        assert [c for c, _ in referee.state.moves[:3]] == ["b", "b", "b"]
        assert stones == set(fixed_handicap_points(9, 9, 3) or [])


@pytest.mark.parametrize("size", [5, 6])
def test_no_usual_points_below_7x7(size: int) -> None:
    assert fixed_handicap_points(size, size, 2) is None
