"""Finding games with the async client, as OGS's site does it in 2026: live challenges kept
alive, the seek graph, open challenges, automatch (humans only), and a game's latency and
refused moves. Everything runs against the emulator on this test's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.automatch import AutomatchPreferences, SizeSpeed
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.errors import OGSError, OGSGameError
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.realtime import ReconnectPolicy
from ogsbot.ogs.rest import challenge_ids
from ogsbot.sandbox.server import Emulator

from support import until

QUICK = ReconnectPolicy(first=0.05, factor=2.0, longest=0.5)
LIVE = TimeControl("fischer", initial_time=300, time_increment=10, max_time=600)
CORRESPONDENCE = TimeControl("fischer", initial_time=86400, time_increment=3600, max_time=172800)
KEEPALIVE_TIMEOUT = 1.0  # the emulator withdraws a live challenge gone quiet this long
BOT_KEY = "finder-bot-api-key-0123456789"

Login = Callable[[str], Awaitable[AsyncOGSClient]]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(challenge_keepalive_timeout=KEEPALIVE_TIMEOUT)
    await emulator.start()
    for name in ("ann", "ben", "cat"):
        emulator.add_human(name, f"{name}-password-123", ranking=20)
    emulator.add_bot("finderbot", api_key=BOT_KEY)
    yield emulator
    await emulator.stop()


def human_client(emu: Emulator, name: str) -> AsyncOGSClient:
    return AsyncOGSClient(
        emu.url,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        username=name,
        password=f"{name}-password-123",
        reconnect=QUICK,
    )


@pytest.fixture
async def login(emu: Emulator) -> AsyncIterator[Login]:
    """A connected client for a human of the emulator's, or for the bot ("finderbot")."""
    made: list[AsyncOGSClient] = []

    async def make(name: str) -> AsyncOGSClient:
        if name == "finderbot":
            client = AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK)
        else:
            client = human_client(emu, name)
        made.append(client)
        await client.connect()
        return client

    yield make
    for client in made:
        await client.close()


def account_id(emu: Emulator, name: str) -> int:
    account = emu.accounts.by_name(name)
    assert account is not None
    return account.id


# ----- live challenges and their keepalive ----------------------------------------------


async def test_a_live_challenge_is_kept_alive_until_withdrawn(emu: Emulator, login: Login) -> None:
    ann = await login("ann")
    ann.keepalive_interval = KEEPALIVE_TIMEOUT / 5  # the site's 1 s against OGS's patience
    challenge_id, _ = await ann.create_challenge(ChallengeRequest(LIVE, opponent="ben"))
    # Three times the emulator's patience: the keepalives hold it.
    await asyncio.sleep(3 * KEEPALIVE_TIMEOUT)
    assert challenge_id in emu.challenges
    ann.stop_keepalive(challenge_id)  # as a script that went away
    await until(lambda: challenge_id not in emu.challenges, 5, "the quiet challenge withdrawn")


async def test_a_live_challenge_made_before_connecting_is_kept_alive_once_connected(
    emu: Emulator,
) -> None:
    """The usage text creates its challenge first and connects the socket after."""
    ann = human_client(emu, "ann")  # not connected yet
    try:
        ann.keepalive_interval = KEEPALIVE_TIMEOUT / 5
        challenge_id, _ = await ann.create_challenge(ChallengeRequest(LIVE, opponent="ben"))
        assert challenge_id not in ann._keepalives
        await ann.connect()
        assert challenge_id in ann._keepalives
        await asyncio.sleep(2 * KEEPALIVE_TIMEOUT)
        assert challenge_id in emu.challenges
    finally:
        await ann.close()


async def test_no_keepalive_for_a_game_that_started_before_the_socket(emu: Emulator) -> None:
    """The usage text's order: challenge, accepted at once, socket connected after."""
    ann = human_client(emu, "ann")  # not connected yet
    try:
        challenge_id, game_id = await ann.create_challenge(ChallengeRequest(LIVE, opponent="ben"))
        ben_account, ann_account = emu.accounts.by_name("ben"), emu.accounts.by_name("ann")
        assert ben_account is not None and ann_account is not None
        emu.start_game(emu.challenges[challenge_id], ben_account)
        await ann.connect()  # the game's active_game push comes with the login
        await until(lambda: challenge_id not in ann._keepalives, 5, "no keepalive left")
        assert game_id in emu.games
    finally:
        await ann.close()


async def test_keepalive_stops_when_the_game_starts(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    challenge_id, game_id = await ann.create_challenge(ChallengeRequest(LIVE, opponent="ben"))
    assert challenge_id in ann._keepalives
    await ben.call(ben.rest.accept_challenge, challenge_id)
    await until(lambda: challenge_id not in ann._keepalives, 5, "the keepalive to stop")
    assert game_id in emu.games


async def test_a_correspondence_challenge_needs_no_keepalive(emu: Emulator, login: Login) -> None:
    ann = await login("ann")
    challenge_id, _ = await ann.create_challenge(ChallengeRequest(CORRESPONDENCE, opponent="ben"))
    assert challenge_id not in ann._keepalives


async def test_cancel_challenge_withdraws_it(emu: Emulator, login: Login) -> None:
    ann = await login("ann")
    challenge_id, _ = await ann.create_challenge(ChallengeRequest(LIVE, opponent="ben"))
    await ann.cancel_challenge(challenge_id)
    assert challenge_id not in emu.challenges and challenge_id not in ann._keepalives


def test_a_challenge_reply_names_its_game_as_a_number_or_an_object() -> None:
    assert challenge_ids({"challenge": 5, "game": 7}) == (5, 7)
    assert challenge_ids({"challenge": "5", "game": {"id": 7, "name": "x"}}) == (5, 7)
    with pytest.raises(OGSError, match="without challenge and game ids"):
        challenge_ids({"challenge": 5})


# ----- open challenges and the seek graph -------------------------------------------------


async def test_the_seek_graph_follows_open_challenges(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    changes: list[tuple[str, int]] = []
    graph = await ben.seek_graph(lambda kind, entry: changes.append((kind, entry["challenge_id"])))
    first, _ = await ann.create_challenge(ChallengeRequest(CORRESPONDENCE))
    second, second_game = await ann.create_challenge(ChallengeRequest(CORRESPONDENCE))
    await graph.wait_for(lambda g: {first, second} <= set(g.entries), 5)
    assert {c.challenge_id for c in graph.challenges} >= {first, second}
    listed = await ben.call(ben.rest.open_challenges)
    assert {first, second} <= {
        c["challenge_id"] if "challenge_id" in c else c["id"] for c in listed
    }

    await ann.cancel_challenge(first)
    await graph.wait_for(lambda g: first not in g.entries, 5)
    await ben.call(ben.rest.accept_open_challenge, second)
    await graph.wait_for(lambda g: second not in g.entries, 5)
    assert graph.started[second] == second_game
    assert ("delete", first) in changes and ("started", second) in changes
    graph.disconnect()


async def test_a_bot_may_not_accept_an_open_challenge(emu: Emulator, login: Login) -> None:
    ann, bot = await login("ann"), await login("finderbot")
    challenge_id, _ = await ann.create_challenge(ChallengeRequest(CORRESPONDENCE))
    with pytest.raises(OGSError):
        await bot.call(bot.rest.accept_open_challenge, challenge_id)
    assert challenge_id in emu.challenges


# ----- automatch ----------------------------------------------------------------------------


async def test_automatch_pairs_two_humans(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    options = (SizeSpeed("9x9", "live", "fischer"),)
    ann_uuid = await ann.find_match(AutomatchPreferences(options=options))
    ben_uuid = await ben.find_match(AutomatchPreferences(options=options))
    ann_game, ben_game = await asyncio.gather(
        ann.wait_match(ann_uuid, 5), ben.wait_match(ben_uuid, 5)
    )
    assert ann_game == ben_game and ann_game in emu.games
    players = {emu.games[ann_game].black.username, emu.games[ann_game].white.username}
    assert players == {"ann", "ben"}


async def test_a_match_found_before_wait_match_is_not_missed(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    ann_uuid = await ann.find_match(AutomatchPreferences())
    await ben.find_match(AutomatchPreferences())
    await until(lambda: bool(emu.games), 5, "the match")
    await asyncio.sleep(0.2)  # automatch/start has reached ann before she waits
    assert await ann.wait_match(ann_uuid, 5) in emu.games


async def test_automatch_can_be_cancelled(emu: Emulator, login: Login) -> None:
    ann = await login("ann")
    uuid = await ann.find_match(AutomatchPreferences())
    waiting = asyncio.ensure_future(ann.wait_match(uuid, 5))
    await ann.cancel_match(uuid)
    with pytest.raises(OGSError, match="cancelled"):
        await waiting


async def test_a_bot_may_not_use_automatch(emu: Emulator, login: Login) -> None:
    bot = await login("finderbot")
    with pytest.raises(OGSError, match="bot accounts"):
        await bot.find_match(AutomatchPreferences())
    with pytest.raises(OGSError, match="bot accounts"):
        await bot.cancel_match()


def test_automatch_preferences_are_goban_s() -> None:
    prefs = AutomatchPreferences(options=(SizeSpeed("19x19", "rapid", "byoyomi"),), uuid="u1")
    assert prefs.to_json() == {
        "uuid": "u1",
        "size_speed_options": [{"size": "19x19", "speed": "rapid", "system": "byoyomi"}],
        "lower_rank_diff": 3,
        "upper_rank_diff": 3,
        "rules": {"condition": "no-preference", "value": "japanese"},
        "handicap": {"condition": "preferred", "value": "enabled"},
    }
    with pytest.raises(ValueError, match="7x7"):
        SizeSpeed("7x7")


# ----- in a game: refusals, latency ----------------------------------------------------------


async def started_game(emu: Emulator, ann: AsyncOGSClient, ben: AsyncOGSClient) -> int:
    challenge_id, game_id = await ann.create_challenge(
        ChallengeRequest(LIVE, opponent="ben", width=9, height=9, color="black")
    )
    await ben.call(ben.rest.accept_challenge, challenge_id)
    return game_id


async def test_a_refused_move_can_be_awaited(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    game_id = await started_game(emu, ann, ben)
    ann_game, ben_game = await ann.join(game_id), await ben.join(game_id)
    played = await ann_game.play("E5")
    assert played.point == (4, 4)
    with pytest.raises(OGSGameError, match="turn") as refused:
        await ann_game.play("D4")  # ben's turn
    assert refused.value.game_id == game_id
    with pytest.raises(OGSGameError):
        await ben_game.play("E5")  # occupied
    assert emu.games[game_id].state.move_number == 1


async def test_latency_is_sent_and_shown(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    game_id = await started_game(emu, ann, ben)
    ann_game, ben_game = await ann.join(game_id), await ben.join(game_id)
    ann.realtime.latency = 0.042  # type: ignore[union-attr]
    ann_game.send_latency()
    ann_id = account_id(emu, "ann")
    await ben_game.wait_for(lambda g: ann_id in g.latencies, 5)
    assert ben_game.latencies[ann_id] == 42


async def test_a_game_can_be_cancelled_at_its_start_only(emu: Emulator, login: Login) -> None:
    ann, ben = await login("ann"), await login("ben")
    game_id = await started_game(emu, ann, ben)
    ann_game = await ann.join(game_id)
    ann_game.cancel()
    await ann_game.wait_for(lambda g: g.finished, 5)
    assert ann_game.outcome == "Cancellation" and not emu.games[game_id].settings.ranked
