"""Matchmaking (`matchmaking:`) on the emulator with real daemons: a bot challenges the bots
OGS lists as connected, one challenge at a time, within its cooldown, daily cap and reserve,
never a human, never again for what a bot declined (across a restart), and leaves nothing
behind when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ogsbot.bot.daemon import Daemon
from ogsbot.bot.status_report import render
from ogsbot.sandbox.faults import RestFault
from ogsbot.sandbox.server import Emulator
from test_daemon import bot_config, running
from test_seeking import OFFER, human

from support import randomgo_argv, until

KEYS = {name: f"{name}-key-0123456789abcdef" for name in ("alpha", "bravo", "charlie", "delta")}


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    server = Emulator(seed=5, state_file=tmp_path / "emulator.json")
    for rank, name in enumerate(KEYS):
        server.add_bot(name, api_key=KEYS[name], ranking=18 + rank)
    await server.start()
    yield server
    await server.stop()


def config(emu: Emulator, tmp_path: Path, name: str, **overrides: Any) -> Any:
    base = tmp_path / name
    base.mkdir(exist_ok=True)
    return bot_config(
        emu,
        base,
        api_key=KEYS[name],
        engine={"command": randomgo_argv(len(name))},
        game={"min_move_time": 0, "sgf_dir": str(base / "sgf")},
        **overrides,
    )


def matchmaking(**settings: Any) -> dict[str, Any]:
    return {"games": [OFFER], "idle_after": 0, "wait": 5, **settings}


def record_of(tmp_path: Path, name: str) -> dict[str, Any]:
    paths = list((tmp_path / name / "sgf").glob("matchmaking-*.json"))  # -<bot id>.json
    assert len(paths) <= 1
    data: dict[str, Any] = json.loads(paths[0].read_text()) if paths else {}
    return data


def sent_to(tmp_path: Path, name: str) -> list[str]:
    return [s["username"] for s in record_of(tmp_path, name).get("sent", [])]


def listed(emu: Emulator) -> set[str]:
    return {entry["username"] for entry in emu.active_bots.listing().values()}


class Watch:
    """Every challenge a bot creates on the server, as it is created: whom it went to, and
    the most the bot had pending at once."""

    def __init__(self, emu: Emulator, name: str) -> None:
        self.emu, self.name = emu, name
        self.challenged: list[str] = []
        self.most_at_once = 0

    @contextlib.contextmanager
    def running(self) -> Iterator[Watch]:
        lobby = self.emu.lobby
        create = lobby.create_challenge

        def watched(challenger: Any, challenged: Any, body: Any) -> Any:
            challenge = create(challenger, challenged, body)
            if challenger.username == self.name:
                self.challenged.append(challenged.username if challenged else "(open)")
                pending = len(pending_from(self.emu, self.name))
                self.most_at_once = max(self.most_at_once, pending)
            return challenge

        lobby.create_challenge = watched  # type: ignore[method-assign]
        try:
            yield self
        finally:
            del lobby.create_challenge


def pending_from(emu: Emulator, name: str) -> list[Any]:
    return [c for c in emu.challenges.values() if c.challenger.username == name]


async def test_three_bots_limits_cooldowns_and_the_decline_record(
    emu: Emulator, tmp_path: Path
) -> None:
    """alpha seeks games; bravo takes them; charlie blocks alpha. alpha asks each once (the
    cooldown), one at a time, never the human online, records charlie's decline, and after a
    restart with no cooldown asks bravo again but never charlie."""
    bravo = Daemon(config(emu, tmp_path, "bravo", challenges={"max_games_per_player": 5}))
    charlie = Daemon(config(emu, tmp_path, "charlie", challenges={"block_list": ["alpha"]}))
    hugo = await human(emu, "hugo")
    alpha_config = config(emu, tmp_path, "alpha", matchmaking=matchmaking(cooldown=3600))
    try:
        async with running(bravo), running(charlie):
            await until(lambda: listed(emu) == {"bravo", "charlie"}, 10, "both bots listed")
            with Watch(emu, "alpha").running() as watch:
                alpha = Daemon(alpha_config)
                async with running(alpha) as task:
                    await until(lambda: len(sent_to(tmp_path, "alpha")) == 2, 20, "two challenges")
                    await until(
                        lambda: bool(record_of(tmp_path, "alpha").get("declines")), 10, "decline"
                    )
                    await asyncio.sleep(2)  # the cooldown: neither is asked again
                    assert sorted(sent_to(tmp_path, "alpha")) == ["bravo", "charlie"]
                    assert not task.done()
                    text = render(alpha.status())
                    assert "matchmaking: 2/24 challenges in 24 h, 2 bot(s) online" in text
                    assert "declined by charlie: blacklisted" in text
                    counts = {
                        result: alpha.metrics.registry.get_sample_value(
                            "ogsbot_bot_challenges_total", {"result": result}
                        )
                        for result in ("sent", "accepted", "declined")
                    }
                    assert counts == {"sent": 2, "accepted": 1, "declined": 1}
                assert not pending_from(emu, "alpha")  # nothing left behind
            [decline] = record_of(tmp_path, "alpha")["declines"]
            assert (decline["username"], decline["code"]) == ("charlie", "blacklisted")
            assert watch.most_at_once == 1
            assert sorted(watch.challenged) == ["bravo", "charlie"]  # never hugo, the human
            games = [r for r in emu.games.values() if {"alpha", "bravo"} <= player_names(r)]
            assert len(games) == 1

            # Restarted with no cooldown: bravo is asked again and again (the least recently
            # asked goes first), charlie never.
            again = config(emu, tmp_path, "alpha", matchmaking=matchmaking(cooldown=0))
            with Watch(emu, "alpha").running() as watch:
                async with running(Daemon(again)):
                    await until(
                        lambda: sent_to(tmp_path, "alpha").count("bravo") >= 3, 30, "bravo again"
                    )
            assert "charlie" not in watch.challenged
            assert sent_to(tmp_path, "alpha").count("charlie") == 1
    finally:
        await hugo.close()


def player_names(referee: Any) -> set[str]:
    return {account.username for account in referee.players}


async def test_no_challenge_at_max_games_minus_reserve_nor_past_the_daily_cap(
    emu: Emulator, tmp_path: Path
) -> None:
    """alpha plays a game with a human that does not move: with max_games 2 and reserve 1 it
    challenges no one; a daily cap already reached (in the record from an earlier run) stops
    it too, while a cap with room lets it challenge."""
    bravo = Daemon(config(emu, tmp_path, "bravo"))
    hugo = await human(emu, "hugo")
    try:
        async with running(bravo):
            await until(lambda: listed(emu) == {"bravo"}, 10, "bravo listed")
            alpha_account = emu.accounts.by_name("alpha")
            hugo_account = emu.accounts.by_name("hugo")
            assert alpha_account is not None and hugo_account is not None
            referee = emu.create_game(hugo_account, alpha_account, correspondence_settings())
            reserve = config(
                emu,
                tmp_path,
                "alpha",
                challenges={"max_games": 2},
                matchmaking=matchmaking(reserve=1),
            )
            async with running(Daemon(reserve)) as _:
                await until(lambda: referee.game_id in daemon_games(emu, "alpha"), 10, "the game")
                await asyncio.sleep(2.5)
                assert sent_to(tmp_path, "alpha") == []
            # The cap: two challenges in the last 24 h already.
            alpha_id = alpha_account.id
            record = tmp_path / "alpha" / "sgf" / f"matchmaking-{alpha_id}.json"
            now = time.time()
            sent = [
                {"opponent": 1, "username": "old", "at": now - 3600 * h, "challenge": h}
                for h in (1, 2)
            ]
            record.write_text(json.dumps({"sent": sent, "declines": []}))

            def capped(limit: int) -> Daemon:
                settings = matchmaking(daily_limit=limit)
                return Daemon(config(emu, tmp_path, "alpha", matchmaking=settings))

            async with running(capped(2)):
                await asyncio.sleep(2.5)
            assert sent_to(tmp_path, "alpha") == ["old", "old"]
            async with running(capped(3)):
                await until(lambda: "bravo" in sent_to(tmp_path, "alpha"), 10, "a challenge")
    finally:
        await hugo.close()


def correspondence_settings() -> Any:
    from ogsbot.ogs.models import TimeControl
    from ogsbot.sandbox.referee import GameSettings

    tc = TimeControl.from_json(
        {"system": "fischer", "initial_time": 86400, "time_increment": 3600, "max_time": 86400}
    )
    return GameSettings(width=9, height=9, time_control=tc.with_speed(9, 9))


def daemon_games(emu: Emulator, name: str) -> set[int]:
    return {r.game_id for r in emu.games.values() if name in player_names(r) and not r.finished}


async def test_a_challenge_not_answered_is_withdrawn_and_a_refused_post_not_repeated(
    emu: Emulator, tmp_path: Path
) -> None:
    """delta advertises a config but never answers: alpha's challenge is withdrawn after
    `wait`. A post the server refuses pauses matchmaking: no loop on a refusal, nor a post
    to every bot in turn."""
    async with aiohttp.ClientSession() as http:
        delta = await http.ws_connect(emu.url.replace("http://", "ws://") + "/")
        await delta.send_str(json.dumps(["authenticate", {"bot_apikey": KEYS["delta"]}]))
        await delta.send_str(json.dumps(["bot/config", advertised()]))
        await until(lambda: listed(emu) == {"delta"}, 10, "delta listed")
        quick = config(emu, tmp_path, "alpha", matchmaking=matchmaking(wait=1.5, cooldown=0))
        with Watch(emu, "alpha").running() as watch:
            async with running(Daemon(quick)):
                await until(lambda: watch.challenged == ["delta"], 10, "the challenge")
                await until(lambda: not pending_from(emu, "alpha"), 5, "withdrawn")
        # Every post refused now, and a second bot online: one post, then a pause, not a
        # post to each bot in turn (the refusal is also delta's decline).
        charlie = await http.ws_connect(emu.url.replace("http://", "ws://") + "/")
        await charlie.send_str(json.dumps(["authenticate", {"bot_apikey": KEYS["charlie"]}]))
        await charlie.send_str(json.dumps(["bot/config", advertised()]))
        await until(lambda: listed(emu) == {"delta", "charlie"}, 10, "charlie listed")
        emu.add_rest_fault(RestFault("/api/v1/players/", 403, count=100, method="POST"))
        before = len(sent_to(tmp_path, "alpha"))
        daemon = Daemon(quick)
        async with running(daemon):
            await until(lambda: len(sent_to(tmp_path, "alpha")) == before + 1, 10, "a post")
            await asyncio.sleep(3)
            status = daemon.matchmaking_status()
            assert status is not None and status["paused"] > 50
        assert len(sent_to(tmp_path, "alpha")) == before + 1  # counted, and not repeated
        [decline] = record_of(tmp_path, "alpha")["declines"]
        assert "403" in decline["message"]
        await charlie.close()
        await delta.close()


def advertised() -> dict[str, Any]:
    """A bot config (goban's BotConfigV2) that takes alpha's 9x9 live game."""
    fischer = {
        "initial_time_range": [10, 3600],
        "max_time_range": [10, 7200],
        "time_increment_range": [1, 300],
    }
    return {
        "hidden": False,
        "allowed_board_sizes": [9],
        "allowed_time_control_systems": ["fischer"],
        "allowed_live_settings": {"fischer": fischer, "concurrent_games": 2},
        "allow_ranked": True,
        "allow_unranked": True,
        "allowed_rank_range": ["30k", "9d"],
        "_config_version": 2,
    }


async def test_left_alone_with_bots_and_a_human_it_keeps_busy_within_every_limit(
    emu: Emulator, tmp_path: Path
) -> None:
    """alpha has open offers and matchmaking; a human takes every open challenge it posts
    and never moves. Sampled all along: alpha never has more games in play and to come than
    max_games, never more than one challenge out, challenges bots only; it keeps busy (games
    from both), and when it stops nothing of it is left on the server."""
    bravo = Daemon(config(emu, tmp_path, "bravo", challenges={"max_games_per_player": 5}))
    hugo = await human(emu, "hugo")
    alpha = Daemon(
        config(
            emu,
            tmp_path,
            "alpha",
            challenges={"max_games": 3},
            seek={"offers": [OFFER], "max_open": 1},
            matchmaking=matchmaking(reserve=1, cooldown=0),
        )
    )
    worst = {"in_play_and_pending": 0, "out_at_once": 0}

    def sample() -> None:
        mine = pending_from(emu, "alpha")
        direct = [c for c in mine if c.challenged is not None]
        in_play = len(daemon_games(emu, "alpha"))
        worst["in_play_and_pending"] = max(worst["in_play_and_pending"], in_play + len(mine))
        worst["out_at_once"] = max(worst["out_at_once"], len(direct))

    async def take_open_challenges() -> None:
        while True:
            sample()
            for challenge in pending_from(emu, "alpha"):
                if challenge.challenged is None:
                    with contextlib.suppress(Exception):
                        await hugo.call(hugo.rest.accept_open_challenge, challenge.id)
            await asyncio.sleep(0.05)

    try:
        async with running(bravo):
            await until(lambda: listed(emu) == {"bravo"}, 10, "bravo listed")
            with Watch(emu, "alpha").running() as watch:
                async with running(alpha):
                    taker = asyncio.ensure_future(take_open_challenges())
                    try:
                        await until(lambda: "bravo" in watch.challenged, 15, "a bot challenged")
                        await until(lambda: len(with_human(emu, "alpha")) >= 2, 15, "human games")
                        await asyncio.sleep(3)
                    finally:
                        taker.cancel()
                assert not pending_from(emu, "alpha")  # nothing left behind
        assert set(watch.challenged) <= {"bravo", "(open)"}  # never hugo directly
        assert worst["in_play_and_pending"] <= 3
        assert worst["out_at_once"] <= 1
    finally:
        await hugo.close()


def with_human(emu: Emulator, name: str) -> list[int]:
    return [
        r.game_id
        for r in emu.games.values()
        if name in player_names(r) and "hugo" in player_names(r)
    ]


async def test_an_entry_that_is_not_a_bot_is_never_challenged(
    emu: Emulator, tmp_path: Path
) -> None:
    """A human in the list of bots (a server's mistake) with a config that takes alpha's
    game, and named in `opponents`: never challenged."""
    hugo = await human(emu, "hugo")
    account = emu.accounts.by_name("hugo")
    assert account is not None
    entry = {**account.player_json(), "config": advertised()}
    assert entry["ui_class"] == ""
    emu.active_bots.listing = lambda: {str(account.id): entry}  # type: ignore[method-assign]
    alpha = config(emu, tmp_path, "alpha", matchmaking=matchmaking(opponents=["hugo"]))
    try:
        with Watch(emu, "alpha").running() as watch:
            daemon = Daemon(alpha)
            async with running(daemon):
                await until(lambda: bool(daemon.active_bots), 10, "the list")
                await asyncio.sleep(2.5)
        assert watch.challenged == []
    finally:
        await hugo.close()


async def raw_bot(http: aiohttp.ClientSession, emu: Emulator, name: str) -> Any:
    """A bot that says what it accepts and never answers a challenge."""
    ws = await http.ws_connect(emu.url.replace("http://", "ws://") + "/")
    await ws.send_str(json.dumps(["authenticate", {"bot_apikey": KEYS[name]}]))
    await ws.send_str(json.dumps(["bot/config", advertised()]))
    return ws


async def test_on_a_slow_server_posts_count_before_their_answer_and_a_stop_withdraws_them(
    emu: Emulator, tmp_path: Path
) -> None:
    """Every post answered 0.8 s late. With max_games 1, the open offer and the challenge to
    a bot are never both out (a post on its way counts as a game to come); a stop while a
    post is on its way withdraws the challenge it created."""
    emu.add_rest_fault(RestFault("/api/v1/", 200, count=1000, method="POST", delay=0.8))
    async with aiohttp.ClientSession() as http:
        delta = await raw_bot(http, emu, "delta")
        await until(lambda: listed(emu) == {"delta"}, 10, "delta listed")
        both = config(
            emu,
            tmp_path,
            "alpha",
            challenges={"max_games": 1},
            seek={"offers": [OFFER], "max_open": 1},
            matchmaking=matchmaking(reserve=0),
        )
        with Watch(emu, "alpha").running() as watch:
            async with running(Daemon(both)):
                await asyncio.sleep(4)
        assert len(watch.challenged) >= 1 and watch.most_at_once == 1
        alone = config(emu, tmp_path, "alpha", matchmaking=matchmaking(wait=0.5, cooldown=0))
        with Watch(emu, "alpha").running() as watch:
            async with running(Daemon(alone)):
                await until(lambda: len(watch.challenged) >= 2, 20, "posts")
                await until(lambda: posting(emu), 10, "a post on its way")
            assert not pending_from(emu, "alpha")  # the one on its way was withdrawn
        await delta.close()


def posting(emu: Emulator) -> bool:
    """Whether one of alpha's challenges is still on its way (created, answer not yet sent):
    its creation is the newest of the server's and less than 0.5 s old."""
    newest = max(emu.challenges.values(), key=lambda c: c.created, default=None)
    return newest is not None and time.time() - newest.created < 0.5


async def test_a_decline_that_comes_before_the_posts_answer_is_kept(
    emu: Emulator, tmp_path: Path
) -> None:
    """charlie declines at once; the post's answer comes 1 s later: the decline is kept."""
    charlie = Daemon(config(emu, tmp_path, "charlie", challenges={"block_list": ["alpha"]}))
    emu.add_rest_fault(RestFault("/api/v1/players/", 200, count=1000, method="POST", delay=1))
    async with running(charlie):
        await until(lambda: listed(emu) == {"charlie"}, 10, "charlie listed")
        alpha = Daemon(config(emu, tmp_path, "alpha", matchmaking=matchmaking()))
        async with running(alpha):
            await until(lambda: bool(record_of(tmp_path, "alpha").get("declines")), 10, "decline")
            assert alpha.outgoing is None
    [decline] = record_of(tmp_path, "alpha")["declines"]
    assert decline["code"] == "blacklisted"
    assert alpha.metrics.registry.get_sample_value(
        "ogsbot_bot_challenges_total", {"result": "withdrawn"}
    ) in (None, 0)


async def test_a_post_never_answered_has_the_challenge_it_made_withdrawn(
    emu: Emulator, tmp_path: Path
) -> None:
    """The server creates the challenge but its answer comes after the client gave up (a
    0.5 s REST timeout here): the daemon finds the challenge among its own and withdraws it."""
    emu.add_rest_fault(RestFault("/api/v1/players/", 200, count=1, method="POST", delay=2))
    async with aiohttp.ClientSession() as http:
        delta = await raw_bot(http, emu, "delta")
        await until(lambda: listed(emu) == {"delta"}, 10, "delta listed")
        daemon = Daemon(config(emu, tmp_path, "alpha", matchmaking=matchmaking()))
        daemon.client.rest.timeout = 0.5
        with Watch(emu, "alpha").running() as watch:
            async with running(daemon):
                await until(lambda: watch.challenged == ["delta"], 10, "the post")
                await until(lambda: not pending_from(emu, "alpha"), 10, "withdrawn")
                assert daemon.outgoing is None
                await asyncio.sleep(1)
            assert watch.challenged == ["delta"]  # one post, then the pause
        await delta.close()
