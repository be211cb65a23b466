"""The realtime connection (`ogsbot.ogs.realtime`) over real sockets on 127.0.0.1.

Most tests talk to the emulator. A few need a server that misbehaves on purpose in ways the
emulator will not (never answers a request, never answers pings, answers out of order, a wrong
clock, a peer that hangs): `FakeOGS` below is a tiny aiohttp server of our own for those.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.errors import OGSAuthError, OGSNotConnected, OGSRealtimeError, OGSRealtimeTimeout
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.realtime import Realtime, ReconnectPolicy, websocket_url
from ogsbot.ogs.rest import ChallengeRequest
from ogsbot.sandbox.server import Emulator

from support import until

BOT = "rtbot"
BOT_KEY = "rtbot-api-key-0123456789"
HUMAN = "rthuman"
HUMAN_PASSWORD = "rthuman-password-xyz"
FAKE_KEY = "fake-api-key-abcdef"

# Reconnect quickly, but not instantly: tests that act "while offline" need a window.
QUICK = ReconnectPolicy(first=0.05, factor=2.0, longest=0.5)
SLOW_FIRST = ReconnectPolicy(first=0.5, factor=1.0, longest=0.5)


def key_auth(key: str) -> Callable[[], Awaitable[Mapping[str, Any]]]:
    async def auth() -> Mapping[str, Any]:
        return {"jwt": "", "bot_apikey": key}

    return auth


def jwt_auth(token: str) -> Callable[[], Awaitable[Mapping[str, Any]]]:
    async def auth() -> Mapping[str, Any]:
        return {"jwt": token}

    return auth


# ----- a misbehaving server of our own ---------------------------------------------------------


@dataclass
class FakeOGS:
    """Speaks just enough of OGS's socket protocol, and misbehaves on request.

    Commands: `authenticate` (FAKE_KEY only), `net/ping` (answered unless `answer_pings` is
    off; the server clock is `clock_offset_ms` off), `burst` (`data["count"]` events
    `burst/event` sent back to back), `echo` (replies with its data after
    `data["delay"]` seconds, so replies can overtake each other) and `never` (no reply).
    With `hang_first` the first connection stops reading after authenticate: a dead peer
    that answers neither pings nor the close handshake.
    """

    answer_pings: bool = True
    clock_offset_ms: int = 0
    hang_first: bool = False
    frames: list[list[Any]] = field(default_factory=list)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        self.port = getattr(server, "sockets", [])[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        self._release.set()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._release = asyncio.Event()

    def commands(self, name: str) -> list[list[Any]]:
        return [f for f in self.frames if f[0] == name]

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self.connections += 1
        number = self.connections
        self.sockets.append(ws)
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                command = frame[0]
                data: dict[str, Any] = frame[1] if len(frame) > 1 else {}
                ident: int = frame[2] if len(frame) > 2 else 0
                self.frames.append([command, data, ident])
                if command == "authenticate":
                    if data.get("bot_apikey") == FAKE_KEY:
                        await ws.send_str(json.dumps([ident, {"id": 7, "username": "fakebot"}]))
                    else:
                        error = {"code": "invalid_auth", "message": "bad key"}
                        await ws.send_str(json.dumps([ident, None, error]))
                    if self.hang_first and number == 1:
                        await self._release.wait()  # stop reading: a dead peer
                        return ws
                elif command == "net/ping" and self.answer_pings:
                    server = int(time.time() * 1000) + self.clock_offset_ms
                    pong = {"client": data["client"], "server": server}
                    await ws.send_str(json.dumps(["net/pong", pong]))
                elif command == "burst":
                    for i in range(int(data["count"])):
                        await ws.send_str(json.dumps(["burst/event", {"i": i}]))
                elif command == "echo":
                    task = asyncio.create_task(self._echo(ws, ident, data))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            self.sockets.remove(ws)
        return ws

    async def _echo(self, ws: web.WebSocketResponse, ident: int, data: Any) -> None:
        await asyncio.sleep(float(data.get("delay", 0)))
        await ws.send_str(json.dumps([ident, data]))


# ----- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    emulator.add_bot(BOT, api_key=BOT_KEY)
    emulator.add_human(HUMAN, HUMAN_PASSWORD)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOGS]:
    server = FakeOGS()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def realtimes() -> AsyncIterator[Callable[..., Realtime]]:
    """Make Realtime objects that are closed after the test, whatever happens."""
    made: list[Realtime] = []

    def make(server: str, key: str = BOT_KEY, **options: Any) -> Realtime:
        options.setdefault("reconnect", QUICK)
        realtime = Realtime(server, key_auth(key), **options)
        made.append(realtime)
        return realtime

    yield make
    for realtime in made:
        await realtime.close()


def bot_commands(emu: Emulator, command: str) -> list[Any]:
    """What the test bot sent the emulator with `command`, in order."""
    account = emu.accounts.by_name(BOT)
    assert account is not None
    return [data for who, name, data in emu.received if who == account.id and name == command]


# ----- URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/"),
        ("https://online-go.com", "wss://online-go.com/"),
        ("https://beta.online-go.com/", "wss://beta.online-go.com/"),
        ("https://online-go.com/api/v1/me?x=1#frag", "wss://online-go.com/"),
        ("wss://wsp.online-go.com", "wss://wsp.online-go.com/"),
    ],
)
def test_websocket_url_is_the_host_root_with_a_ws_scheme(server: str, url: str) -> None:
    assert websocket_url(server) == url


@pytest.mark.parametrize(
    "server", ["", "online-go.com", "ftp://online-go.com", "http://", "not a url", "https:///x"]
)
def test_websocket_url_refuses_garbage(server: str) -> None:
    with pytest.raises(ValueError, match="http"):
        websocket_url(server)
    with pytest.raises(ValueError):
        Realtime(server, key_auth(BOT_KEY))


# ----- authentication --------------------------------------------------------------------------


async def test_authenticates_with_an_api_key(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    assert realtime.connected
    assert realtime.connections == 1
    bot = emu.accounts.by_name(BOT)
    assert bot is not None
    assert realtime.user == {"id": bot.id, "username": BOT}
    await until(lambda: any(c.account is bot for c in emu.clients), what="the server's login")


async def test_authenticates_with_a_user_jwt(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    human = emu.accounts.by_name(HUMAN)
    assert human is not None
    realtime = Realtime(emu.url, jwt_auth(emu.accounts.issue_jwt(human)), reconnect=QUICK)
    try:
        await realtime.connect()
        assert realtime.user["username"] == HUMAN
    finally:
        await realtime.close()
    # The client does the same from a password login: ui/config hands it the JWT.
    client = AsyncOGSClient(
        emu.url,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        username=HUMAN,
        password=HUMAN_PASSWORD,
    )
    try:
        connected = await client.connect()
        assert connected.user == {"id": human.id, "username": HUMAN}
    finally:
        await client.close()


async def test_client_subscriptions_made_before_connect_get_the_login_pushes(
    emu: Emulator,
) -> None:
    """The server pushes active_game with the login, before connect() returns."""
    bot = emu.accounts.by_name(BOT)
    human = emu.accounts.by_name(HUMAN)
    assert bot is not None and human is not None
    request = ChallengeRequest(TimeControl.from_json({"system": "none"}), width=9, height=9)
    game_id = emu.start_game(emu.create_challenge(human, bot, request.to_json()), bot).game_id
    client = AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK)
    games: list[int] = []
    connects: list[int] = []
    undo = client.on("active_game", lambda name, data: games.append(data["id"]))
    client.on_connect(lambda: connects.append(1))
    try:
        realtime = await client.connect()
        assert games == [game_id]
        assert connects == [1]
        # Two at once get one connection.
        again = await asyncio.gather(client.connect(), client.connect())
        assert again[0] is realtime and again[1] is realtime
        assert len(emu.clients) == 1
        # Subscriptions carry over to the next connection the client opens.
        await client.disconnect()
        await client.connect()
        assert games == [game_id, game_id]
        assert connects == [1, 1]
        undo()
        emu.drop_connections(BOT)
        await until(lambda: len(connects) == 3, what="the reconnect")
        assert client.realtime is not None and client.realtime.connections == 2
        await asyncio.sleep(0.1)
        assert games == [game_id, game_id]  # unsubscribed
    finally:
        await client.close()


async def test_concurrent_first_connects_share_one_connection(emu: Emulator) -> None:
    client = AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK)
    try:
        first, second = await asyncio.gather(client.connect(), client.connect())
        assert first is second
        assert len(emu.clients) == 1
    finally:
        await client.close()


@pytest.mark.parametrize("auth", [key_auth("wrong-key-123456"), jwt_auth("wrong-jwt-123456")])
async def test_a_refused_login_raises_from_connect(
    emu: Emulator, auth: Callable[[], Awaitable[Mapping[str, Any]]]
) -> None:
    realtime = Realtime(emu.url, auth, reconnect=QUICK)
    with pytest.raises(OGSAuthError, match="authentication failed"):
        await realtime.connect()
    assert not realtime.connected
    await asyncio.sleep(0.3)  # no retrying in the background either
    assert realtime.connections == 0
    assert not emu.clients
    with pytest.raises(OGSNotConnected):
        await realtime.request("net/ping", {"client": 1})


# ----- requests and events ---------------------------------------------------------------------


async def test_replies_are_matched_to_requests_by_id(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(fake.url, FAKE_KEY)
    await realtime.connect()
    # The first asked is answered last: each reply must still reach its own request.
    delays = [0.3, 0.2, 0.1, 0.0]
    replies = await asyncio.gather(
        *(realtime.request("echo", {"n": n, "delay": d}) for n, d in enumerate(delays))
    )
    assert [r["n"] for r in replies] == [0, 1, 2, 3]
    idents = [f[2] for f in fake.commands("echo")]
    assert len(set(idents)) == 4
    assert all(isinstance(i, int) for i in idents)


async def test_a_request_answered_with_an_error_raises_it(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    assert await realtime.request("bot/status", {"ok": True}) is None
    with pytest.raises(OGSRealtimeError) as caught:
        await realtime.request("game/connect", {"game_id": 424242})
    assert caught.value.code == "game_not_found"
    assert caught.value.message == "game 424242 does not exist"
    assert caught.value.command == "game/connect"
    with pytest.raises(OGSRealtimeError) as caught:
        await realtime.request("no/such/command", {})
    assert caught.value.code == "unknown_command"
    assert not isinstance(caught.value, OGSNotConnected | OGSRealtimeTimeout)
    # The connection is fine after errors.
    assert await realtime.request("bot/status", {"ok": True}) is None
    assert realtime.connections == 1


async def test_a_request_without_a_reply_times_out(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(fake.url, FAKE_KEY, request_timeout=0.3)
    await realtime.connect()
    started = time.monotonic()
    with pytest.raises(OGSRealtimeTimeout) as caught:
        await realtime.request("never", {})
    assert 0.25 < time.monotonic() - started < 2.0
    assert caught.value.code == "timeout"
    with pytest.raises(OGSRealtimeTimeout):
        await realtime.request("never", {}, timeout=0.1)
    assert (await realtime.request("echo", {"x": 1}))["x"] == 1
    assert realtime._pending == {}  # nothing left behind


async def test_send_is_fire_and_forget(emu: Emulator, realtimes: Callable[..., Realtime]) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    pongs: list[Any] = []
    realtime.on("net/pong", lambda name, data: pongs.append(data))
    realtime.send("net/ping", {"client": 123})  # returns at once: nothing to wait for
    realtime.send("bot/status", {"seq": 1})  # no id: the server sends no reply
    await until(lambda: any(p["client"] == 123 for p in pongs), what="the pong")
    await until(lambda: bot_commands(emu, "bot/status") == [{"seq": 1}], what="bot/status")
    # An error in a fire-and-forget command comes back as an event, not a reply.
    errors: list[Any] = []
    realtime.on("ERROR", lambda name, data: errors.append(data))
    realtime.send("no/such/command")
    await until(lambda: bool(errors), what="the ERROR event")
    assert "unknown command" in errors[0]


async def test_subscriptions_by_exact_name_and_by_prefix(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    exact: list[tuple[str, Any]] = []
    prefixed: list[tuple[str, Any]] = []
    undo_exact = realtime.on("test/a", lambda name, data: exact.append((name, data)))
    undo_prefix = realtime.on_prefix("test/", lambda name, data: prefixed.append((name, data)))
    for frame in (["test/a", 1], ["test/ab", 2], ["other/a", 3], ["test/a"]):
        emu.send_raw(json.dumps(frame), BOT)
    await until(lambda: len(prefixed) == 3, what="the prefixed events")
    assert exact == [("test/a", 1), ("test/a", None)]
    assert prefixed == [("test/a", 1), ("test/ab", 2), ("test/a", None)]
    seen: list[Any] = []
    realtime.on("sync", lambda name, data: seen.append(data))
    undo_exact()
    undo_prefix()
    emu.send_raw(json.dumps(["test/a", 4]), BOT)
    emu.send_raw(json.dumps(["sync", 1]), BOT)
    await until(lambda: seen == [1], what="the marker event")
    assert len(exact) == 2
    assert len(prefixed) == 3


async def test_a_failing_handler_stops_neither_the_others_nor_the_connection(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    got: list[str] = []

    def broken(name: str, data: Any) -> None:
        raise RuntimeError("handler bug")

    async def broken_async(name: str, data: Any) -> None:
        raise RuntimeError("async handler bug")

    realtime.on("boom", broken)
    realtime.on_prefix("bo", broken_async)
    realtime.on("boom", lambda name, data: got.append(f"exact {data}"))
    realtime.on_prefix("bo", lambda name, data: got.append(f"prefix {data}"))
    emu.send_raw(json.dumps(["boom", 1]), BOT)
    emu.send_raw(json.dumps(["boom", 2]), BOT)
    await until(lambda: len(got) == 4, what="the good handlers")
    assert got == ["exact 1", "prefix 1", "exact 2", "prefix 2"]
    assert realtime.connected and realtime.connections == 1
    assert await realtime.request("bot/status", {}) is None


async def test_malformed_frames_are_skipped(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    seen: list[Any] = []
    realtime.on("after", lambda name, data: seen.append(data))
    realtime.on_prefix(
        "", lambda name, data: None if name in ("after", "net/pong") else seen.append(name)
    )
    # Through the control API, as any tool would (its default frame is cut short)...
    async with aiohttp.ClientSession() as http:
        url = f"{emu.url}/_sandbox/faults/malformed"
        async with http.post(url, json={"username": BOT}) as response:
            assert (await response.json()) == {"sent": 1}
    # ... and straight from the emulator.
    for text in (
        "not json at all",
        '{"an": "object"}',
        "[]",
        "42",
        '"text"',
        "[null, 1]",
        "[true, 1]",
        "[999999, {}]",  # a reply to nothing
    ):
        emu.send_raw(text, BOT)
    emu.send_raw('["after", 1]', BOT)
    await until(lambda: 1 in seen, what="the event after the junk")
    assert seen == [1]
    assert realtime.connected and realtime.connections == 1
    assert await realtime.request("bot/status", {}) is None


# ----- ping, pong and the clock ----------------------------------------------------------------


async def test_pings_measure_latency_and_clock_drift(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url, ping_interval=0.1)
    pongs: list[Any] = []
    realtime.on("net/pong", lambda name, data: pongs.append(data))
    await realtime.connect()
    await until(lambda: len(pongs) >= 4, timeout=3, what="repeated pongs")
    pings = bot_commands(emu, "net/ping")
    assert len(pings) >= 4
    assert set(pings[-1]) == {"client", "drift", "latency"}
    assert abs(pings[-1]["client"] - time.time() * 1000) < 2000
    # Same machine, same clock: a latency of a few ms at most, and (almost) no drift.
    assert 0 < realtime.latency < 0.5
    assert abs(realtime.clock_drift) < 0.05
    assert abs(realtime.server_time() - time.time()) < 0.05


async def test_clock_drift_follows_the_server_clock(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    fake.clock_offset_ms = -5000  # the server's clock is 5 s behind ours
    realtime = realtimes(fake.url, FAKE_KEY, ping_interval=0.1)
    await realtime.connect()
    await until(lambda: realtime.clock_drift > 4, timeout=3, what="the drift")
    assert 4.9 < realtime.clock_drift < 5.1
    assert abs(realtime.server_time() - (time.time() - 5)) < 0.1
    # Later pings tell the server what we measured, in ms.
    await until(lambda: fake.commands("net/ping")[-1][1]["drift"] > 4900, timeout=3)
    assert fake.commands("net/ping")[-1][1]["drift"] < 5100
    # So does a ping sent on demand (the seed's sock.ping() sent 0 and 0).
    before = len(fake.commands("net/ping"))
    realtime.ping()
    await until(lambda: len(fake.commands("net/ping")) > before, timeout=3)
    assert 4900 < fake.commands("net/ping")[before][1]["drift"] < 5100


async def test_no_pong_for_three_intervals_replaces_the_connection(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    fake.hang_first = True
    realtime = realtimes(fake.url, FAKE_KEY, ping_interval=0.2)
    await realtime.connect()
    started = time.monotonic()
    await until(lambda: realtime.connections == 2, timeout=4, what="a new connection")
    elapsed = time.monotonic() - started
    # Not before three intervals without a pong; and not stuck behind the dead peer for long.
    assert 0.55 < elapsed < 2.0, elapsed
    assert fake.connections == 2
    assert realtime.connected
    assert (await realtime.request("echo", {"v": 2}))["v"] == 2
    # The new connection tells OGS why the old one was dropped, as the site does.
    [(_, report, _)] = fake.commands("net/timeout")
    assert (report["ping_interval"], report["timeout_delay"]) == (200, 600)
    assert report["times_connected"] == 1 and report["device_info"]["browser_name"] == "ogsbot"


async def test_pongs_keep_a_quiet_connection_alive(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(fake.url, FAKE_KEY, ping_interval=0.1)
    await realtime.connect()
    await asyncio.sleep(0.8)
    assert realtime.connections == 1
    assert fake.connections == 1


async def test_without_pongs_a_live_connection_is_replaced(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    fake.answer_pings = False  # the peer is alive but never answers pings
    realtime = realtimes(fake.url, FAKE_KEY, ping_interval=0.1)
    await realtime.connect()
    await until(lambda: realtime.connections >= 2, timeout=3, what="a new connection")
    assert fake.connections >= 2


# ----- reconnecting ----------------------------------------------------------------------------


def test_reconnect_delays_grow_with_jitter_and_are_bounded() -> None:
    policy = ReconnectPolicy(first=0.05, factor=2.0, longest=10.0)
    rng = random.Random(1)
    for failures in range(1, 40):
        base = min(10.0, 0.05 * 2.0 ** (failures - 1))
        for _ in range(20):
            assert 0.5 * base <= policy.delay(failures, rng) <= 1.5 * base
    # Growing: the typical (median) delay doubles until it reaches the ceiling.
    medians = []
    for failures in range(1, 12):
        samples = sorted(policy.delay(failures, rng) for _ in range(101))
        medians.append(samples[50])
    assert all(b > a * 1.5 for a, b in itertools.pairwise(medians[:8]))
    assert all(7.0 < m < 13.0 for m in medians[9:])
    # Jittered: attempts at the same count are spread out, not in lockstep.
    spread = {round(policy.delay(3, rng), 6) for _ in range(50)}
    assert len(spread) > 40
    assert policy.delay(0, rng) <= 1.5 * 0.05


async def test_reconnect_backs_off_while_the_server_is_down(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    asked: list[int] = []

    @dataclass(frozen=True)
    class Recording(ReconnectPolicy):
        def delay(self, failures: int, rng: random.Random) -> float:
            asked.append(failures)
            return super().delay(failures, rng)

    realtime = realtimes(fake.url, FAKE_KEY, reconnect=Recording(first=0.02, longest=0.2))
    await realtime.connect()
    await fake.stop()  # the server goes away: every attempt fails for a while
    await until(lambda: len(asked) >= 4, timeout=4, what="repeated attempts")
    assert asked[:4] == [1, 2, 3, 4]
    assert not realtime.connected
    await fake.start()  # back, on the same port
    await realtime.wait_connected(5)
    assert realtime.connections == 2
    assert (await realtime.request("echo", {"back": True}))["back"] is True


async def test_reconnects_after_a_drop_and_delivers_what_was_sent_offline(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url, reconnect=SLOW_FIRST)
    connects: list[int] = []

    def on_connect() -> None:
        connects.append(realtime.connections)
        realtime.send("bot/status", {"seq": f"hello {realtime.connections}"})

    realtime.on_connect(on_connect)
    await realtime.connect()
    assert connects == [1]
    await until(lambda: bot_commands(emu, "bot/status") == [{"seq": "hello 1"}])

    assert emu.drop_connections(BOT) == 1
    await until(lambda: not realtime.connected, what="the client to notice the drop")
    for seq in range(5):
        realtime.send("bot/status", {"seq": seq})
    reply = asyncio.ensure_future(realtime.request("bot/status", {"seq": "request"}))
    await realtime.wait_connected(5)
    assert await asyncio.wait_for(reply, 5) is None  # queued, not failed
    await until(lambda: len(bot_commands(emu, "bot/status")) == 8, what="the queued frames")
    assert connects == [1, 2]
    assert realtime.connections == 2
    bot = emu.accounts.by_name(BOT)
    assert realtime.user == {"id": bot.id if bot else 0, "username": BOT}  # authenticated again
    # The connect callbacks' frames (re-joins) first, then the queue, in order.
    assert bot_commands(emu, "bot/status")[1:] == [
        {"seq": "hello 2"},
        *({"seq": n} for n in range(5)),
        {"seq": "request"},
    ]


async def test_requests_in_flight_fail_when_the_connection_drops(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(fake.url, FAKE_KEY, reconnect=SLOW_FIRST)
    await realtime.connect()
    pending = asyncio.ensure_future(realtime.request("never", {}))
    await until(lambda: bool(fake.commands("never")), what="the request to go out")
    for ws in list(fake.sockets):
        await ws.close()  # the server goes away before answering
    with pytest.raises(OGSNotConnected) as caught:
        await asyncio.wait_for(pending, 3)
    assert caught.value.command == "never"
    await realtime.wait_connected(5)
    assert (await realtime.request("echo", {"after": 1}))["after"] == 1


async def test_requests_in_flight_fail_on_an_emulator_drop(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    """The emulator answers at once, so the drop happens between sending and the reply."""
    realtime = realtimes(emu.url, reconnect=SLOW_FIRST)
    await realtime.connect()
    original = emu._commands["bot/status"]

    def drop_instead(client: Any, data: Any) -> None:
        emu.drop_connections(BOT)

    emu._commands["bot/status"] = drop_instead
    try:
        with pytest.raises(OGSNotConnected):
            await asyncio.wait_for(realtime.request("bot/status", {}), 3)
    finally:
        emu._commands["bot/status"] = original
    await realtime.wait_connected(5)
    assert realtime.connections == 2


async def test_close_stops_reconnecting(emu: Emulator, realtimes: Callable[..., Realtime]) -> None:
    realtime = realtimes(emu.url)
    await realtime.connect()
    await realtime.close()
    assert not realtime.connected
    await asyncio.sleep(0.4)
    assert not emu.clients
    with pytest.raises(OGSNotConnected):
        await realtime.request("bot/status", {})
    with pytest.raises(OGSNotConnected):  # said, not dropped without a word
        realtime.send("bot/status", {"dropped": True})
    await realtime.close()  # twice is fine
    await realtime.connect()  # a fresh start sends nothing stale
    assert await realtime.request("bot/status", {"fresh": True}) is None
    assert bot_commands(emu, "bot/status") == [{"fresh": True}]


async def test_close_while_reconnecting_stops_for_good(
    emu: Emulator, realtimes: Callable[..., Realtime]
) -> None:
    realtime = realtimes(emu.url, reconnect=SLOW_FIRST)
    await realtime.connect()
    queued = asyncio.ensure_future(realtime.request("bot/status", {}))
    emu.drop_connections(BOT)
    await until(lambda: not realtime.connected)
    await realtime.close()
    with pytest.raises(OGSNotConnected):
        await asyncio.wait_for(queued, 2)
    await asyncio.sleep(0.8)  # longer than the reconnect delay
    assert not emu.clients
    assert realtime.connections == 1


async def test_close_does_not_wait_on_a_dead_peer(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    fake.hang_first = True
    realtime = realtimes(fake.url, FAKE_KEY)
    await realtime.connect()
    started = time.monotonic()
    await realtime.close()
    assert time.monotonic() - started < 2.0
    await asyncio.sleep(0.2)
    assert fake.connections == 1


async def test_a_server_that_never_answers_the_handshake_is_retried(
    realtimes: Callable[..., Realtime],
) -> None:
    """TCP accepts, the HTTP upgrade never comes back: the attempt times out and is retried."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    realtime = realtimes(f"http://127.0.0.1:{port}", connect_timeout=0.2)
    attempt = asyncio.ensure_future(realtime.connect())
    try:
        await until(lambda: len(accepted) >= 3, timeout=3, what="repeated attempts")
        assert not attempt.done()  # connect() keeps trying until a server answers
    finally:
        attempt.cancel()
        await realtime.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_prefix_handlers_are_found_by_prefix_in_subscription_order() -> None:
    """Thousands of games each subscribe "game/<id>/": an event reaches only its own
    game's handlers (found by prefix, not by testing every one), in subscription order."""

    async def no_auth() -> dict[str, Any]:
        return {}

    realtime = Realtime("http://127.0.0.1:9", no_auth)
    got: list[str] = []
    undos = {
        game: realtime.on_prefix(f"game/{game}/", lambda n, d, g=game: got.append(f"{g} {n}"))
        for game in range(1, 3001)
    }
    realtime.on_prefix("game/", lambda name, data: got.append(f"all {name}"))
    realtime.on_prefix("game/12/", lambda name, data: got.append(f"second {name}"))
    realtime.on("game/12/move", lambda name, data: got.append(f"exact {name}"))
    realtime._event("game/12/move", {})
    assert got == ["exact game/12/move", "12 game/12/move", "all game/12/move",
                   "second game/12/move"]  # fmt: skip
    got.clear()
    undos[12]()
    realtime._event("game/12/clock", {})
    realtime._event("game/1/clock", {})
    realtime._event("game/30000/clock", {})
    assert got == ["all game/12/clock", "second game/12/clock", "1 game/1/clock",
                   "all game/1/clock", "all game/30000/clock"]  # fmt: skip
    with pytest.raises(ValueError):
        undos[12]()  # undone twice, like `on`'s undo
    for game, undo in undos.items():
        if game != 12:
            undo()
    got.clear()
    realtime._event("game/1/clock", {})
    assert got == ["all game/1/clock"]


async def test_a_burst_of_frames_lets_other_tasks_run_between_frames(
    fake: FakeOGS, realtimes: Callable[..., Realtime]
) -> None:
    """Frames already buffered come back without a wait: the reader yields after each, so
    a burst (2,000 gamedata after a reconnect) never holds a live game's turn until its end."""
    count = 600
    realtime = realtimes(fake.url, FAKE_KEY)
    handled: list[int] = []
    realtime.on("burst/event", lambda name, data: handled.append(data["i"]))
    await realtime.connect()
    seen: list[int] = []

    async def ticker() -> None:
        while len(handled) < count:
            seen.append(len(handled))
            await asyncio.sleep(0)

    realtime.send("burst", {"count": count})
    await asyncio.wait_for(ticker(), 10)
    assert handled == list(range(count))
    between = {n for n in seen if 0 < n < count}
    assert len(between) > count // 2  # not just once per socket read
