"""The REST client (`ogsbot.ogs.rest`) against the real emulator over real sockets.

The emulator runs on its own event loop in a background thread; `OGSRest` is called from the
test thread, as the daemon calls it from worker threads. Every request and response on the
wire is recorded through a `requests` response hook, and `sleep` is a fake that records the
waits, so retries and backoff are checked exactly and cost no time.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
import requests
from loguru import logger
from sgfmill import sgf

from ogsbot.ogs.challenge import time_control_from_json
from ogsbot.ogs.coords import xy_to_ogs
from ogsbot.ogs.errors import (
    OGSAuthError,
    OGSConnectionError,
    OGSError,
    OGSNotFound,
    OGSRateLimited,
    OGSRequestError,
    OGSServerError,
    redact,
)
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.rest import (
    APIKeyLogin,
    ChallengeRequest,
    Login,
    OGSRest,
    PasswordLogin,
    RetryPolicy,
)
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.server import Emulator

T = TypeVar("T")

# Secrets with characters that change when URL-, form- or JSON-encoded: a leak of an encoded
# form is a leak too.
API_KEY = "bot-key+0123/4567=89ab&cdef"
PASSWORD = 'pa ss+w/rd&=%42"x'
BOB_PASSWORD = "bob-Secret-Pass-9"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)

TIME_CONTROLS = {
    "fischer": TimeControl(
        system="fischer", speed="live", initial_time=300, time_increment=7, max_time=900
    ),
    "byoyomi": TimeControl(
        system="byoyomi", pause_on_weekends=True, main_time=600, period_time=30, periods=5
    ),
    "canadian": TimeControl(
        system="canadian", main_time=900, period_time=300, stones_per_period=10
    ),
    "simple": TimeControl(system="simple", per_move=45),
    "absolute": TimeControl(system="absolute", total_time=1800),
    "none": TimeControl(system="none", speed="correspondence"),
}


# ----- the emulator on a background loop ------------------------------------------------


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=event_loop.run_forever, name="emulator", daemon=True)
    thread.start()
    yield event_loop
    event_loop.call_soon_threadsafe(event_loop.stop)
    thread.join(5)
    event_loop.close()


@dataclass
class Exchange:
    """One request as it went on the wire, and the status and body that came back."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int
    content: bytes

    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class Recorder:
    """A `requests.Session` whose every response is recorded with the request behind it."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.session = requests.Session()
        self.session.hooks["response"].append(self._hook)
        self._lock = threading.Lock()

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        parts = urlsplit(str(request.url))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        with self._lock:
            self.exchanges.append(
                Exchange(
                    str(request.method),
                    parts.path,
                    parse_qs(parts.query),
                    dict(request.headers),
                    body,
                    response.status_code,
                    response.content,
                )
            )

    def api(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.path.startswith("/api/")]

    def grants(self) -> list[tuple[str, int]]:
        """(grant type, status) of every OAuth2 token request, in order."""
        return [
            (e.form().get("grant_type", ""), e.status)
            for e in self.exchanges
            if e.path.startswith("/oauth2/token")
        ]

    def tokens(self) -> list[str]:
        """Every access and refresh token the server handed out."""
        found: list[str] = []
        for e in self.exchanges:
            if e.path.startswith("/oauth2/token") and e.status == 200:
                body = json.loads(e.content)
                found += [body["access_token"], body["refresh_token"]]
        return found


@dataclass
class Client:
    rest: OGSRest
    recorder: Recorder
    waits: list[float] = field(default_factory=list)


class Sandbox:
    """One emulator, with the accounts every test uses: a bot and two humans."""

    def __init__(self, loop: asyncio.AbstractEventLoop, emu: Emulator) -> None:
        self.loop = loop
        self.emu = emu
        self.url = emu.url
        self.bot: Account = self.call(emu.add_bot, "testbot", api_key=API_KEY)
        self.alice: Account = self.call(emu.add_human, "alice", PASSWORD)
        self.bob: Account = self.call(emu.add_human, "bob", BOB_PASSWORD)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `function` on the emulator's loop (its state belongs to that thread)."""

        async def go() -> T:
            return function(*args, **kwargs)

        return self.run(go())

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.post(f"{self.url}/_sandbox/{path}", json=body or {}, timeout=5)
        response.raise_for_status()
        return response.json()

    def fault(
        self,
        path_prefix: str,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        method: str = "",
    ) -> None:
        body: dict[str, Any] = {"path_prefix": path_prefix, "status": status, "count": count}
        if retry_after is not None:
            body["retry_after"] = retry_after
        if method:
            body["method"] = method
        self.control("faults/rest", body)

    def faults_left(self) -> list[int]:
        """The counts the REST faults in force have left."""
        return self.call(lambda: [f.count for f in self.emu.faults.rest])

    def client(
        self,
        login: Login | None,
        *,
        server: str | None = None,
        retry: RetryPolicy = FAST,
        timeout: float = 5.0,
        rng: random.Random | None = None,
    ) -> Client:
        recorder = Recorder()
        waits: list[float] = []
        rest = OGSRest(
            server or self.url,
            login,
            timeout=timeout,
            retry=retry,
            session=recorder.session,
            sleep=waits.append,
            rng=rng or random.Random(7),
        )
        return Client(rest, recorder, waits)

    def as_bot(self, **kwargs: Any) -> Client:
        return self.client(APIKeyLogin(API_KEY), **kwargs)

    def as_alice(self, **kwargs: Any) -> Client:
        return self.client(PasswordLogin(CLIENT_ID, CLIENT_SECRET, "alice", PASSWORD), **kwargs)

    def as_bob(self, **kwargs: Any) -> Client:
        return self.client(PasswordLogin(CLIENT_ID, CLIENT_SECRET, "bob", BOB_PASSWORD), **kwargs)


@pytest.fixture
def sandbox(loop: asyncio.AbstractEventLoop) -> Iterator[Sandbox]:
    async def start() -> Emulator:
        emu = Emulator(seed=1)
        await emu.start()
        return emu

    emu = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield Sandbox(loop, emu)
    finally:
        asyncio.run_coroutine_threadsafe(emu.stop(), loop).result(10)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def challenge_request(**kwargs: Any) -> ChallengeRequest:
    kwargs.setdefault("time_control", TIME_CONTROLS["fischer"])
    return ChallengeRequest(**kwargs)


def start_game(sandbox: Sandbox, bot: Client, alice: Client, **kwargs: Any) -> int:
    """Alice challenges the bot (alice black, 9x9 unless told), the bot accepts: the game id."""
    kwargs = {"opponent": "testbot", "width": 9, "height": 9, "color": "black", **kwargs}
    challenge_id, game_id = alice.rest.create_challenge(challenge_request(**kwargs))
    bot.rest.accept_challenge(challenge_id)
    return game_id


# ----- logins ---------------------------------------------------------------------------


def test_api_key_login_learns_bot_id_and_sends_the_key_in_body_or_query(
    sandbox: Sandbox,
) -> None:
    bot = sandbox.as_bot()
    me = bot.rest.me()
    assert me["id"] == sandbox.bot.id
    assert me["username"] == "testbot"
    assert me["is_bot"] is True
    assert bot.rest.bot_id == sandbox.bot.id

    bot.rest.settings()  # GET
    challenge_id, _ = bot.rest.create_challenge(challenge_request())  # POST
    bot.rest.update_profile(sandbox.bot.id, country="se")  # PUT
    bot.rest.delete_challenge(challenge_id)  # DELETE
    assert sandbox.bot.country == "se"
    assert challenge_id not in sandbox.emu.challenges

    exchanges = bot.recorder.api()
    assert [e.method for e in exchanges] == ["GET", "GET", "POST", "PUT", "DELETE"]
    assert all(e.status == 200 for e in exchanges)
    for e in exchanges:
        assert "Authorization" not in e.headers
        assert not any(API_KEY in v or quote_plus(API_KEY) in v for v in e.headers.values())
        if e.method == "GET":
            assert e.query["apikey"] == [API_KEY]
            assert e.body == b""
        else:
            assert "apikey" not in e.query
            assert e.json_body()["apikey"] == API_KEY
    # Once learnt, the bot id goes along with the key (as gtp2ogs sends it).
    assert exchanges[1].query["bot_id"] == [str(sandbox.bot.id)]
    for e in exchanges[2:]:
        assert e.json_body()["bot_id"] == sandbox.bot.id


def test_password_login_gets_a_token_and_sends_it_as_bearer(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    assert alice.rest.me()["id"] == sandbox.alice.id

    token_exchange, me_exchange = alice.recorder.exchanges
    assert (token_exchange.method, token_exchange.path) == ("POST", "/oauth2/token/")
    assert token_exchange.form() == {
        "grant_type": "password",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "username": "alice",
        "password": PASSWORD,
    }
    access = json.loads(token_exchange.content)["access_token"]
    assert me_exchange.headers["Authorization"] == f"Bearer {access}"
    assert "apikey" not in me_exchange.query
    assert (
        PASSWORD not in str(me_exchange.query)
        and quote_plus(PASSWORD) not in me_exchange.body.decode()
    )
    # The token is reused, not fetched again for every call.
    alice.rest.settings()
    assert alice.recorder.grants() == [("password", 200)]
    assert alice.recorder.exchanges[-1].headers["Authorization"] == f"Bearer {access}"


def test_wrong_api_key_is_an_auth_error_naming_the_call(sandbox: Sandbox) -> None:
    bot = sandbox.client(APIKeyLogin("not-the-key-0000"))
    with pytest.raises(OGSAuthError) as caught:
        bot.rest.me()
    assert caught.value.status == 401
    assert (caught.value.method, caught.value.path) == ("GET", "/api/v1/me")
    assert "GET /api/v1/me" in str(caught.value)
    assert "not-the-key-0000" not in str(caught.value)
    assert len(bot.recorder.exchanges) == 1
    assert bot.waits == []


def test_wrong_password_is_an_auth_error_naming_the_call(sandbox: Sandbox) -> None:
    alice = sandbox.client(PasswordLogin(CLIENT_ID, CLIENT_SECRET, "alice", "wrong-password"))
    with pytest.raises(OGSAuthError) as caught:
        alice.rest.me()
    assert caught.value.status == 400  # invalid_grant, as OGS and RFC 6749 answer it
    assert (caught.value.method, caught.value.path) == ("POST", "/oauth2/token/")
    assert "POST /oauth2/token/" in str(caught.value)
    assert "Invalid credentials given." in str(caught.value)
    assert "wrong-password" not in str(caught.value)
    assert alice.recorder.grants() == [("password", 400)]
    assert alice.recorder.api() == []
    assert alice.waits == []


def test_wrong_client_id_is_an_auth_error(sandbox: Sandbox) -> None:
    alice = sandbox.client(PasswordLogin("other-client", CLIENT_SECRET, "alice", PASSWORD))
    with pytest.raises(OGSAuthError) as caught:
        alice.rest.me()
    assert caught.value.status == 401
    assert "invalid_client" in str(caught.value)


def test_wrong_client_secret_is_an_auth_error(sandbox: Sandbox) -> None:
    alice = sandbox.client(PasswordLogin(CLIENT_ID, "not-the-secret", "alice", PASSWORD))
    with pytest.raises(OGSAuthError):
        alice.rest.me()


def test_token_endpoint_refusal_with_400_is_an_auth_error(sandbox: Sandbox) -> None:
    """RFC 6749 (and OGS's django-oauth-toolkit) answer invalid_grant with 400, not 401."""
    sandbox.fault("/oauth2/token", 400)
    alice = sandbox.as_alice()
    with pytest.raises(OGSAuthError) as caught:
        alice.rest.me()
    assert caught.value.status == 400
    assert "POST /oauth2/token/" in str(caught.value)
    assert alice.waits == []


# ----- token renewal ----------------------------------------------------------------------


def test_token_renewed_with_the_refresh_token_before_it_expires(sandbox: Sandbox) -> None:
    sandbox.emu.accounts.token_lifetime = 1.0
    alice = sandbox.as_alice()
    alice.rest.me()
    first = alice.recorder.api()[-1].headers["Authorization"]
    alice.rest.me()
    assert alice.recorder.grants() == [("password", 200)]  # still fresh: not renewed
    time.sleep(1.05)
    assert alice.rest.me()["id"] == sandbox.alice.id
    assert alice.recorder.grants() == [("password", 200), ("refresh_token", 200)]
    renewal = [e for e in alice.recorder.exchanges if e.path.startswith("/oauth2/")][-1]
    assert renewal.form()["client_secret"] == CLIENT_SECRET
    assert "password" not in renewal.form()
    # Renewed before the server could refuse the old token: no 401 on the way.
    assert [e.status for e in alice.recorder.api()] == [200, 200, 200]
    assert alice.recorder.api()[-1].headers["Authorization"] != first


def test_stale_token_renewed_on_401_transparently(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    alice.rest.me()
    first = alice.recorder.api()[-1].headers["Authorization"]
    sandbox.control("tokens/expire")
    assert alice.rest.me()["id"] == sandbox.alice.id
    assert alice.recorder.grants() == [("password", 200), ("refresh_token", 200)]
    assert [e.status for e in alice.recorder.api()] == [200, 401, 200]
    assert alice.recorder.api()[1].headers["Authorization"] == first
    assert alice.recorder.api()[2].headers["Authorization"] != first


@pytest.mark.parametrize("refusal", [401, 400])
def test_refused_refresh_token_falls_back_to_the_password(sandbox: Sandbox, refusal: int) -> None:
    alice = sandbox.as_alice()
    alice.rest.me()
    sandbox.control("tokens/expire")
    sandbox.fault("/oauth2/token", refusal, method="POST")
    assert alice.rest.me()["id"] == sandbox.alice.id
    assert alice.recorder.grants() == [
        ("password", 200),
        ("refresh_token", refusal),
        ("password", 200),
    ]
    assert [e.status for e in alice.recorder.api()] == [200, 401, 200]


def test_renewal_that_fails_entirely_raises(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    alice.rest.me()
    sandbox.control("tokens/expire")
    sandbox.fault("/oauth2/token", 401, count=2)
    with pytest.raises(OGSAuthError) as caught:
        alice.rest.me()
    assert caught.value.path == "/oauth2/token/"
    assert alice.recorder.grants() == [("password", 200), ("refresh_token", 401), ("password", 401)]


def test_403_is_an_auth_error_and_does_not_renew_the_token(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    with pytest.raises(OGSAuthError) as caught:
        alice.rest.update_profile(sandbox.bob.id, country="fr")
    assert caught.value.status == 403
    assert "only change your own profile" in caught.value.message
    assert alice.recorder.grants() == [("password", 200)]
    assert [e.status for e in alice.recorder.api()] == [403]
    assert sandbox.bob.country != "fr"


def test_concurrent_calls_with_a_stale_token_renew_it_once(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    alice.rest.me()
    sandbox.control("tokens/expire")
    threads = 8
    barrier = threading.Barrier(threads)

    def call(_: int) -> int:
        barrier.wait(5)
        return int(alice.rest.me()["id"])

    with ThreadPoolExecutor(threads) as pool:
        ids = list(pool.map(call, range(threads)))
    assert ids == [sandbox.alice.id] * threads
    assert alice.recorder.grants() == [("password", 200), ("refresh_token", 200)]


# ----- endpoints ----------------------------------------------------------------------------


def test_me_settings_and_ui_config(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    me = alice.rest.me()
    assert (me["id"], me["username"], me["is_bot"]) == (sandbox.alice.id, "alice", False)
    assert alice.rest.bot_id is None  # only API-key logins carry a bot id
    assert alice.rest.settings()["profile"]["id"] == sandbox.alice.id
    config = alice.rest.ui_config()
    assert config["user"]["id"] == sandbox.alice.id
    assert sandbox.call(sandbox.emu.accounts.by_jwt, config["user_jwt"]) is sandbox.alice


def test_player_by_name_and_by_id(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot()
    by_name = bot.rest.player("alice")
    assert (by_name["id"], by_name["username"]) == (sandbox.alice.id, "alice")
    by_id = bot.rest.player(sandbox.bob.id)
    assert (by_id["id"], by_id["username"]) == (sandbox.bob.id, "bob")
    assert bot.recorder.api()[0].query["username"] == ["alice"]
    with pytest.raises(OGSNotFound) as caught:
        bot.rest.player("nobody-here")
    assert caught.value.status == 404
    assert "nobody-here" in str(caught.value)
    with pytest.raises(OGSNotFound):
        bot.rest.player(999999)
    assert bot.waits == []


def test_player_games_my_games_and_active_games(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    bot.rest.me()
    assert bot.rest.active_games() == []
    assert bot.rest.my_games()["count"] == 0
    game_ids = [start_game(sandbox, bot, alice, name=f"game {i}") for i in range(3)]

    assert [g["id"] for g in bot.rest.active_games()] == game_ids
    assert [g["id"] for g in bot.rest.active_games(sandbox.alice.id)] == game_ids
    assert bot.rest.active_games(sandbox.bob.id) == []
    mine = bot.rest.my_games(page=1, page_size=2)
    assert mine["count"] == 3
    assert [g["id"] for g in mine["results"]] == game_ids[:2]
    assert mine["next"]
    page2 = bot.rest.my_games(page=2, page_size=2)
    assert [g["id"] for g in page2["results"]] == game_ids[2:]
    theirs = bot.rest.player_games(sandbox.alice.id, page_size=10)
    assert [g["id"] for g in theirs["results"]] == game_ids
    assert all(g["black"] == sandbox.alice.id for g in theirs["results"])
    with pytest.raises(OGSNotFound):
        bot.rest.player_games(999999)


def test_friends_of_a_new_account_and_friend_calls(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    assert alice.rest.friends() == []
    assert alice.rest.friends("bob") == []
    assert alice.rest.add_friend(sandbox.bob.id)["success"] is True
    # Bob asks too, so that alice has a request to accept.
    requests_to_alice = sandbox.emu.friend_requests.setdefault(sandbox.alice.id, set())
    sandbox.call(requests_to_alice.add, sandbox.bob.id)
    assert alice.rest.accept_friend_request(sandbox.bob.id)["success"] is True
    assert [f["username"] for f in alice.rest.friends()] == ["bob"]
    assert alice.rest.remove_friend(sandbox.bob.id)["success"] is True
    bodies = [e.json_body() for e in alice.recorder.api() if e.method == "POST"]
    assert bodies == [
        {"player_id": sandbox.bob.id},
        {"from_user": sandbox.bob.id},
        {"delete": True, "player_id": sandbox.bob.id},
    ]
    assert alice.recorder.api()[1].query["username"] == ["bob"]
    assert alice.rest.friends() == []  # removed again


def test_friends_lists_every_page(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    for i in range(12):
        password = f"friend-password-{i}"
        account = sandbox.call(sandbox.emu.add_human, f"friend{i}", password)
        alice.rest.add_friend(account.id)
        friend = sandbox.client(PasswordLogin(CLIENT_ID, CLIENT_SECRET, f"friend{i}", password))
        friend.rest.accept_friend_request(sandbox.alice.id)
    friends = alice.rest.friends()
    assert sorted(f["username"] for f in friends) == sorted(f"friend{i}" for i in range(12))
    assert [f["username"] for f in alice.rest.friends("friend3")] == ["friend3"]


@pytest.mark.parametrize("system", list(TIME_CONTROLS))
def test_create_challenge_open_and_direct_with_every_time_control(
    sandbox: Sandbox, system: str
) -> None:
    tc = TIME_CONTROLS[system]
    alice = sandbox.as_alice()
    settings: dict[str, Any] = {
        "time_control": tc,
        "name": f"{system} game",
        "rules": "chinese",
        "ranked": False,  # a ranked one has automatic komi: see the test below
        "width": 13,
        "height": 11,
        "handicap": 2,
        "komi": 0.5,
        "color": "white",
        "disable_analysis": True,
        "private": True,
        "min_ranking": 5,
        "max_ranking": 30,
    }
    made = {
        "open": alice.rest.create_challenge(ChallengeRequest(**settings)),
        "by name": alice.rest.create_challenge(ChallengeRequest(opponent="testbot", **settings)),
        "by id": alice.rest.create_challenge(ChallengeRequest(opponent=sandbox.bot.id, **settings)),
    }
    assert len({c for c, _ in made.values()}) == 3
    for how, (challenge_id, game_id) in made.items():
        record = sandbox.emu.challenges[challenge_id]
        assert record.game_id == game_id
        assert record.challenger is sandbox.alice
        assert record.challenged is (None if how == "open" else sandbox.bot), how
        # What was asked for, exactly; a speed left out is derived, as OGS derives it.
        assert record.time_control == tc.with_speed(13, 11), how
        assert (record.name, record.rules, record.ranked) == (f"{system} game", "chinese", False)
        assert (record.width, record.height, record.handicap, record.komi) == (13, 11, 2, 0.5)
        assert (record.challenger_color, record.disable_analysis, record.private) == (
            "white",
            True,
            True,
        )
        assert (record.min_ranking, record.max_ranking) == (5, 30)
        listing = alice.rest.challenge(challenge_id)
        listed = TimeControl.from_json(listing["game"]["time_control_parameters"])
        assert listed == tc.with_speed(13, 11)
        assert listing["game"]["time_control"] == system
    notes = sandbox.emu.notifications[sandbox.bot.id].values()
    assert sorted(n["challenge_id"] for n in notes if n["type"] == "challenge") == sorted(
        [made["by name"][0], made["by id"][0]]
    )
    paths = [e.path for e in alice.recorder.api() if e.method == "POST"]
    assert paths == [
        "/api/v1/challenges",
        f"/api/v1/players/{sandbox.bot.id}/challenge",
        f"/api/v1/players/{sandbox.bot.id}/challenge",
    ]


def test_a_ranked_challenge_has_automatic_komi_as_the_site_sends_it(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    challenge_id, _ = alice.rest.create_challenge(
        challenge_request(opponent="testbot", ranked=True, komi=6.5)
    )
    posted = [e.json_body() for e in alice.recorder.api() if e.method == "POST"][-1]
    assert posted["game"]["komi_auto"] == "automatic"
    assert "komi" not in posted["game"]  # omitted, as the site omits it (never null)
    record = sandbox.emu.challenges[challenge_id]
    assert (record.ranked, record.komi) == (True, None)


def test_a_time_control_missing_a_parameter_is_refused_before_it_is_sent(
    sandbox: Sandbox,
) -> None:
    alice = sandbox.as_alice()
    with pytest.raises(ValueError, match="stones_per_period"):
        challenge_request(
            time_control=TimeControl(system="canadian", main_time=600, period_time=300)
        )
    with pytest.raises(ValueError, match="max_time"):
        time_control_from_json({"system": "fischer", "initial_time": 60, "time_increment": 5})
    assert not [e for e in alice.recorder.api() if e.method == "POST"]


def test_automatic_komi_and_handicap_are_sent_as_automatic(sandbox: Sandbox) -> None:
    alice = sandbox.as_alice()
    challenge_id, _ = alice.rest.create_challenge(
        challenge_request(opponent="testbot", handicap=-1, komi=None)
    )
    record = sandbox.emu.challenges[challenge_id]
    assert (record.handicap, record.komi) == (-1, None)


def test_challenges_received_and_sent_across_pages(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    received = [
        alice.rest.create_challenge(challenge_request(opponent="testbot", name=f"r{i}"))[0]
        for i in range(13)
    ]
    sent = [
        bot.rest.create_challenge(challenge_request(opponent="alice", name=f"s{i}"))[0]
        for i in range(3)
    ]
    everything = bot.rest.challenges()
    assert sorted(c["id"] for c in everything) == sorted(received + sent)
    pages = [e.query.get("page") for e in bot.recorder.api() if e.path == "/api/v1/me/challenges"]
    assert pages == [["1"], ["2"]]  # 16 challenges, 10 a page
    assert sorted(c["id"] for c in bot.rest.received_challenges(sandbox.bot.id)) == received
    assert sorted(c["id"] for c in bot.rest.sent_challenges(sandbox.bot.id)) == sent
    assert sorted(c["id"] for c in alice.rest.sent_challenges(sandbox.alice.id)) == received

    details = bot.rest.challenge(received[4])
    assert details["id"] == received[4]
    assert details["challenger"]["id"] == sandbox.alice.id
    assert details["game"]["name"] == "r4"
    with pytest.raises(OGSNotFound):
        bot.rest.challenge(999999)


def test_accept_starts_the_game(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    challenge_id, game_id = alice.rest.create_challenge(
        challenge_request(opponent="testbot", width=9, height=9, color="black")
    )
    assert game_id not in sandbox.emu.games
    result = bot.rest.accept_challenge(challenge_id)
    assert result["game"] == game_id
    referee = sandbox.emu.games[game_id]
    assert (referee.black, referee.white) == (sandbox.alice, sandbox.bot)
    assert challenge_id not in sandbox.emu.challenges
    accept = bot.recorder.api()[-1]
    assert (accept.method, accept.path) == ("POST", f"/api/v1/me/challenges/{challenge_id}/accept")
    with pytest.raises(OGSNotFound):
        bot.rest.accept_challenge(challenge_id)
    # Accepting one's own challenge is a 400, not retried, with the server's reason.
    own_id, _ = alice.rest.create_challenge(challenge_request())
    with pytest.raises(OGSRequestError) as caught:
        alice.rest.accept_challenge(own_id)
    assert caught.value.status == 400
    assert "cannot accept your own challenge" in str(caught.value)


def test_decline_with_message_and_rejection_details(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    challenge_id, game_id = alice.rest.create_challenge(challenge_request(opponent="testbot"))
    bot.rest.decline_challenge(
        challenge_id,
        "19x19 only, please",
        rejection_code="board_size_not_square",
        details={"width": 19, "height": 19},
    )
    assert challenge_id not in sandbox.emu.challenges
    expected_details = {
        "message": "19x19 only, please",
        "rejection_code": "board_size_not_square",
        "details": {"width": 19, "height": 19},
    }
    (decline,) = sandbox.emu.declines
    assert decline["challenge_id"] == challenge_id
    assert decline["by"] == sandbox.bot.id
    assert decline["challenger"] == sandbox.alice.id
    assert decline["message"] == "19x19 only, please"
    assert decline["rejection_details"] == expected_details
    rejected = [
        n
        for n in sandbox.emu.notifications[sandbox.alice.id].values()
        if n["type"] == "gameOfferRejected"
    ]
    assert len(rejected) == 1
    assert rejected[0]["game_id"] == game_id
    assert rejected[0]["message"] == "19x19 only, please"
    assert rejected[0]["rejection_details"] == expected_details
    assert rejected[0]["user"]["id"] == sandbox.bot.id
    # The bot's challenge notification is gone with the challenge.
    assert not [
        n for n in sandbox.emu.notifications[sandbox.bot.id].values() if n["type"] == "challenge"
    ]
    with pytest.raises(OGSNotFound):
        bot.rest.decline_challenge(challenge_id, "again")


def test_decline_without_a_code_sends_only_the_message(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    challenge_id, _ = alice.rest.create_challenge(challenge_request(opponent="testbot"))
    bot.rest.decline_challenge(challenge_id, "busy")
    (decline,) = sandbox.emu.declines
    assert (decline["message"], decline["rejection_details"]) == ("busy", None)


def test_delete_own_challenge(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    challenge_id, _ = alice.rest.create_challenge(challenge_request(opponent="testbot"))
    assert alice.rest.delete_challenge(challenge_id)["success"] is True
    assert challenge_id not in sandbox.emu.challenges
    assert sandbox.emu.declines == []
    assert not [
        n for n in sandbox.emu.notifications[sandbox.bot.id].values() if n["type"] == "challenge"
    ]
    assert alice.recorder.api()[-1].method == "DELETE"
    with pytest.raises(OGSNotFound):
        alice.rest.delete_challenge(challenge_id)
    assert bot.rest.challenges() == []


def play(sandbox: Sandbox, game_id: int, moves: list[tuple[int, int] | None]) -> None:
    """Play moves in a game, alternating from black, straight on the emulator's referee."""

    def go() -> None:
        referee = sandbox.emu.games[game_id]
        for move in moves:
            player = referee.black if referee.to_move() == "b" else referee.white
            sandbox.emu.broadcast_game(referee, referee.move(player.id, move, time.time()))

    sandbox.call(go)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data[-8:-4] == b"IEND"
    return width, height


def test_game_details_reviews_png_and_sgf(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    moves: list[tuple[int, int] | None] = [(2, 2), (6, 6), (2, 6), None]
    game_id = start_game(sandbox, bot, alice, rules="chinese", komi=7.5, name="REST test")
    play(sandbox, game_id, moves)

    details = alice.rest.game(game_id)
    assert details["id"] == game_id
    assert details["players"]["black"]["id"] == sandbox.alice.id
    assert details["players"]["white"]["id"] == sandbox.bot.id
    gamedata = details["gamedata"]
    assert gamedata["game_id"] == game_id
    assert (gamedata["width"], gamedata["height"], gamedata["rules"]) == (9, 9, "chinese")
    assert gamedata["komi"] == 7.5
    assert [m[:2] for m in gamedata["moves"]] == [[2, 2], [6, 6], [2, 6], [-1, -1]]
    assert gamedata["time_control"]["system"] == "fischer"

    assert alice.rest.game_reviews(game_id) == []

    assert png_size(alice.rest.game_png(game_id)) == (200, 200)  # (9 + 1) * 20 px

    text = alice.rest.game_sgf(game_id)
    assert isinstance(text, str)
    game = sgf.Sgf_game.from_string(text)
    assert game.get_size() == 9
    root = game.get_root()
    assert root.get("PB") == "alice"
    assert root.get("PW") == "testbot"
    assert game.get_komi() == 7.5
    played = [node.get_move() for node in game.get_main_sequence()[1:]]
    assert played == [
        ("b", (6, 2)),  # sgfmill rows count from the bottom: (x 2, y 2) is row 9 - 1 - 2
        ("w", (2, 6)),
        ("b", (2, 2)),
        ("w", None),
    ]
    assert xy_to_ogs((2, 2), 9, 9) in text

    for call in (
        alice.rest.game,
        alice.rest.game_png,
        alice.rest.game_sgf,
        alice.rest.game_reviews,
    ):
        with pytest.raises(OGSNotFound):
            call(999999)


def test_png_of_a_rectangular_board(sandbox: Sandbox) -> None:
    bot, alice = sandbox.as_bot(), sandbox.as_alice()
    game_id = start_game(sandbox, bot, alice, width=13, height=7)
    assert png_size(bot.rest.game_png(game_id)) == (280, 160)


# ----- errors, retries and backoff --------------------------------------------------------


def test_404_is_not_retried(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot()
    sandbox.fault("/api/v1/me", 404, count=3)
    with pytest.raises(OGSNotFound) as caught:
        bot.rest.me()
    assert caught.value.status == 404
    assert sandbox.faults_left() == [2]  # one call reached the server
    assert bot.waits == []


def test_429_waits_as_long_as_retry_after_says(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(retry=RetryPolicy(attempts=4, base_delay=0.01))
    sandbox.fault("/api/v1/me/settings", 429, count=2, retry_after=7)
    assert bot.rest.settings()["profile"]["id"] == sandbox.bot.id
    assert bot.waits == [7.0, 7.0]
    assert [e.status for e in bot.recorder.api()] == [429, 429, 200]
    assert sandbox.faults_left() == []


class _RateLimitedOnce(BaseHTTPRequestHandler):
    """429 with Retry-After as an HTTP date 30 s ahead on the first GET, then 200 `{}`."""

    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            self.send_response(429)
            self.send_header("Retry-After", email.utils.formatdate(time.time() + 30, usegmt=True))
            self.send_header("Content-Length", "0")
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
        self.end_headers()
        if type(self).calls > 1:
            self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_429_with_retry_after_as_an_http_date(sandbox: Sandbox) -> None:
    """No emulator fault sends a date (RFC 9110 allows one): a plain server in the test does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RateLimitedOnce)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = sandbox.as_bot(server=url, retry=RetryPolicy(attempts=2, base_delay=0.01))
        assert client.rest.settings() == {}
    finally:
        server.shutdown()
        server.server_close()
    (wait,) = client.waits
    assert 28.0 <= wait <= 30.0


def test_429_without_retry_after_backs_off(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(retry=RetryPolicy(attempts=3, base_delay=2.0), rng=ConstantRng())
    sandbox.fault("/api/v1/me", 429, count=1)
    bot.rest.me()
    assert bot.waits == [2.0]


def test_429_with_a_too_long_retry_after_is_raised_at_once(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(retry=RetryPolicy(attempts=5, max_retry_after=300))
    sandbox.fault("/api/v1/me", 429, count=5, retry_after=301)
    with pytest.raises(OGSRateLimited) as caught:
        bot.rest.me()
    assert caught.value.status == 429
    assert caught.value.retry_after == 301
    assert bot.waits == []
    assert sandbox.faults_left() == [4]


def test_429_every_time_is_raised_after_every_attempt(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(retry=RetryPolicy(attempts=3))
    sandbox.fault("/api/v1/me", 429, count=10, retry_after=1)
    with pytest.raises(OGSRateLimited) as caught:
        bot.rest.me()
    assert caught.value.retry_after == 1
    assert bot.waits == [1.0, 1.0]
    assert sandbox.faults_left() == [7]


class ConstantRng(random.Random):
    """Jitter switched off: uniform(a, b) is always the middle of the range."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


def test_500_retried_with_exponential_backoff_and_jitter(sandbox: Sandbox) -> None:
    policy = RetryPolicy(attempts=5, base_delay=0.5, max_delay=30.0)
    bot = sandbox.as_bot(retry=policy, rng=random.Random(42))
    sandbox.fault("/api/v1/me", 500, count=3)
    assert bot.rest.me()["id"] == sandbox.bot.id
    assert [e.status for e in bot.recorder.api()] == [500, 500, 500, 200]
    jitter = random.Random(42)
    expected = [0.5 * 2**n * jitter.uniform(0.5, 1.5) for n in range(3)]
    assert bot.waits == pytest.approx(expected)
    assert bot.waits != pytest.approx([0.5, 1.0, 2.0])  # jittered
    assert sandbox.faults_left() == []


def test_backoff_doubles_up_to_max_delay(sandbox: Sandbox) -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=1.5)
    bot = sandbox.as_bot(retry=policy, rng=ConstantRng())
    sandbox.fault("/api/v1/me", 503, count=5)
    bot.rest.me()
    assert bot.waits == [0.5, 1.0, 1.5, 1.5, 1.5]


def test_jitter_never_goes_past_max_delay() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    rng = random.Random(3)
    delays = [policy.delay(attempt, rng) for attempt in range(1, 8) for _ in range(50)]
    assert max(delays) <= 4.0
    assert min(delays) >= 0.5


def test_500_every_time_raises_after_exactly_the_attempts(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(retry=RetryPolicy(attempts=3, base_delay=0.01))
    sandbox.fault("/api/v1/me", 500, count=10)
    with pytest.raises(OGSServerError) as caught:
        bot.rest.me()
    assert caught.value.status == 500
    assert "GET /api/v1/me" in str(caught.value)
    assert "injected fault" in str(caught.value)
    assert sandbox.faults_left() == [7]
    assert len(bot.waits) == 2


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_server_that_never_answers_times_out(sandbox: Sandbox, silent_server: int) -> None:
    server = f"http://127.0.0.1:{silent_server}"
    bot = sandbox.as_bot(server=server, timeout=0.2, retry=RetryPolicy(attempts=2))
    started = time.monotonic()
    with pytest.raises(OGSConnectionError) as caught:
        bot.rest.me()
    assert time.monotonic() - started < 2.0
    assert caught.value.status == 0
    assert "GET /api/v1/me" in str(caught.value)
    assert "timed out" in str(caught.value).lower()
    assert len(bot.waits) == 1  # a GET is retried


def test_a_post_that_times_out_is_not_sent_again(sandbox: Sandbox, silent_server: int) -> None:
    """The server may have acted on it: a second accept or create must not be sent blind."""
    server = f"http://127.0.0.1:{silent_server}"
    bot = sandbox.as_bot(server=server, timeout=0.2, retry=RetryPolicy(attempts=3))
    with pytest.raises(OGSConnectionError) as caught:
        bot.rest.accept_challenge(1234)
    assert "POST /api/v1/me/challenges/1234/accept" in str(caught.value)
    assert bot.waits == []


def test_connection_refused(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot(server=f"http://127.0.0.1:{free_port()}", retry=RetryPolicy(attempts=3))
    with pytest.raises(OGSConnectionError) as caught:
        bot.rest.me()
    assert caught.value.status == 0
    assert "GET /api/v1/me" in str(caught.value)
    assert "refused" in str(caught.value).lower()
    assert len(bot.waits) == 2
    text = str(caught.value)
    for form in (API_KEY, quote(API_KEY, safe=""), quote_plus(API_KEY)):
        assert form not in text


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"rules": "chess"}, "game.rules 'chess' is not one of"),
        ({"width": 30, "height": 30}, "board size 30x30 is not allowed"),
        ({"color": "purple"}, "challenger_color 'purple'"),
    ],
)
def test_other_4xx_not_retried_with_the_servers_message(
    sandbox: Sandbox, settings: dict[str, Any], reason: str
) -> None:
    alice = sandbox.as_alice()
    with pytest.raises(OGSRequestError) as caught:
        alice.rest.create_challenge(challenge_request(**settings))
    assert type(caught.value) is OGSRequestError
    assert caught.value.status == 400
    assert reason in caught.value.message
    assert "POST /api/v1/challenges" in str(caught.value)
    assert [e.status for e in alice.recorder.api()] == [400]
    assert alice.waits == []
    assert sandbox.emu.challenges == {}


# ----- secrets ------------------------------------------------------------------------------


def test_redact_removes_every_encoded_form_of_a_secret() -> None:
    text = " | ".join(
        [API_KEY, quote(API_KEY, safe=""), quote_plus(API_KEY), json.dumps(PASSWORD), "abc"]
    )
    cleaned = redact(text, [API_KEY, PASSWORD, "abc"])  # "abc": too short to be a secret
    assert cleaned == '*** | *** | *** | "***" | abc'


def test_a_server_message_that_echoes_a_secret_is_redacted(sandbox: Sandbox) -> None:
    bot = sandbox.as_bot()
    with pytest.raises(OGSRequestError) as caught:
        bot.rest.create_challenge(challenge_request(rules=API_KEY))
    assert API_KEY in bot.recorder.api()[-1].content.decode()  # the server did echo it
    assert caught.value.message.startswith("game.rules '***' is not one of")
    assert API_KEY not in str(caught.value)


def test_no_secret_in_any_log_line_or_error(sandbox: Sandbox, silent_server: int) -> None:
    lines: list[str] = []
    errors: list[str] = []
    tokens: list[str] = []
    jwts: list[str] = []

    def expect(kind: type[OGSError], call: Callable[[], Any]) -> None:
        with pytest.raises(kind) as caught:
            call()
        errors.extend([str(caught.value), repr(caught.value), caught.value.args[0]])

    sink = logger.add(
        lambda message: lines.append(str(message)), level="TRACE", format="{message} {extra}"
    )
    logger.enable("ogsbot")
    try:
        bot, alice = sandbox.as_bot(), sandbox.as_alice()
        bot.rest.me()
        alice.rest.me()
        jwts.append(alice.rest.ui_config()["user_jwt"])
        game_id = start_game(sandbox, bot, alice)
        bot.rest.game(game_id)
        bot.rest.challenges()
        expect(OGSNotFound, lambda: bot.rest.game(999999))
        expect(OGSRequestError, lambda: bot.rest.create_challenge(challenge_request(width=30)))
        expect(OGSRequestError, lambda: bot.rest.create_challenge(challenge_request(rules=API_KEY)))
        sandbox.fault("/api/v1/me", 429, count=1, retry_after=1)
        sandbox.fault("/api/v1/me/settings", 500, count=1)
        bot.rest.me()
        alice.rest.settings()
        sandbox.fault("/api/v1/me", 503, count=10)
        expect(OGSServerError, bot.rest.me)
        expect(OGSServerError, alice.rest.me)
        sandbox.control("faults/clear")
        # renewal: on 401, by refresh token, then by password when the refresh is refused
        sandbox.control("tokens/expire")
        alice.rest.me()
        sandbox.control("tokens/expire")
        sandbox.fault("/oauth2/token", 401)
        alice.rest.me()
        tokens += alice.recorder.tokens()
        # wrong credentials
        expect(OGSAuthError, sandbox.client(APIKeyLogin(API_KEY[::-1])).rest.me)
        wrong = PasswordLogin(CLIENT_ID, CLIENT_SECRET, "alice", PASSWORD[::-1])
        expect(OGSAuthError, sandbox.client(wrong).rest.me)
        # no response at all, with the key in the URL of a GET and the body of a POST
        dead = f"http://127.0.0.1:{free_port()}"
        expect(OGSConnectionError, sandbox.as_bot(server=dead).rest.me)
        expect(OGSConnectionError, lambda: sandbox.as_bot(server=dead).rest.accept_challenge(1))
        expect(OGSConnectionError, sandbox.as_alice(server=dead).rest.me)
        silent = f"http://127.0.0.1:{silent_server}"
        expect(OGSConnectionError, sandbox.as_bot(server=silent, timeout=0.1).rest.me)
        for client in (bot, alice):
            errors.append(repr(client.rest.login))
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")

    assert len(tokens) == 6  # three logins or renewals, each an access and a refresh token
    text = "\n".join(lines + errors)
    # The capture did see the calls and the failures (so an empty capture cannot pass).
    assert "GET /api/v1/me -> 200" in text
    assert "retrying" in text
    assert "refresh token refused" in text
    assert "Connection" in text and "HTTP 401" in text
    secrets = [API_KEY, PASSWORD, CLIENT_SECRET, *tokens, *jwts]
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}:
            assert form not in text, f"a secret leaked: {form[:4]}..."


# --- redirects and plain http -----------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Records (method, path, body) on its server; answers a path in its server's
    `redirects` with that (status, Location), anything else with 200 `{}`."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server: Any = self.server
        server.seen.append((self.command, urlsplit(self.path).path, body))
        redirect = server.redirects.get(urlsplit(self.path).path)
        if redirect is not None:
            self.send_response(redirect[0])
            self.send_header("Location", redirect[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class _Site:
    url: str
    seen: list[tuple[str, str, bytes]]
    server: Any

    def redirect(self, path: str, status: int, location: str) -> None:
        self.server.redirects[path] = (status, location)


@pytest.fixture
def two_sites() -> Iterator[tuple[_Site, _Site]]:
    """Two real HTTP servers on 127.0.0.1, on two ports: two origins."""
    sites = []
    for _ in range(2):
        server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen = []
        server.redirects = {}
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        sites.append(_Site(f"http://127.0.0.1:{server.server_address[1]}", server.seen, server))
    try:
        yield sites[0], sites[1]
    finally:
        for site in sites:
            site.server.shutdown()
            site.server.server_close()


ACCEPT_7 = "/api/v1/me/challenges/7/accept"


@pytest.mark.parametrize("status", [307, 308, 302])
def test_a_redirect_to_another_origin_is_refused(
    two_sites: tuple[_Site, _Site], status: int
) -> None:
    home, other = two_sites
    home.redirect(ACCEPT_7, status, f"{other.url}{ACCEPT_7}")
    rest = OGSRest(home.url, APIKeyLogin(API_KEY), retry=RetryPolicy(attempts=2))
    with pytest.raises(OGSRequestError) as caught:
        rest.accept_challenge(7)
    text = str(caught.value)
    assert "another origin" in text and other.url in text and "not followed" in text
    assert other.seen == []  # the key never reached the other server
    assert len(home.seen) == 1  # and the refusal is not retried
    for secret in (API_KEY, quote_plus(API_KEY), quote(API_KEY, safe="")):
        assert secret not in text


def test_a_redirect_to_another_scheme_is_refused(two_sites: tuple[_Site, _Site]) -> None:
    home, _ = two_sites
    home.redirect("/api/v1/me", 308, f"https://127.0.0.1:{urlsplit(home.url).port}/api/v1/me")
    rest = OGSRest(home.url, APIKeyLogin(API_KEY), retry=RetryPolicy(attempts=1))
    with pytest.raises(OGSRequestError, match="another origin"):
        rest.me()


def test_a_redirect_on_the_same_origin_is_followed_with_the_body(
    two_sites: tuple[_Site, _Site],
) -> None:
    home, other = two_sites
    home.redirect(ACCEPT_7, 308, "/api/v1/moved/accept")
    rest = OGSRest(home.url, APIKeyLogin(API_KEY), retry=RetryPolicy(attempts=1))
    assert rest.accept_challenge(7) == {}
    first, second = home.seen
    assert first[:2] == ("POST", ACCEPT_7)
    assert second[:2] == ("POST", "/api/v1/moved/accept")
    assert json.loads(second[2])["apikey"] == API_KEY  # 308 keeps the method and the body
    assert other.seen == []


def test_plain_http_to_another_machine_is_warned_about() -> None:
    from ogsbot.ogs.rest import insecure_server_warning

    for local in ("http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:80"):
        assert insecure_server_warning(local) is None
    assert insecure_server_warning("https://online-go.com") is None
    warning = insecure_server_warning("http://ogs.example.org")
    assert warning is not None and "http://ogs.example.org" in warning and "https" in warning
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}")
    logger.enable("ogsbot")
    try:
        OGSRest("http://ogs.example.org")
        OGSRest("http://127.0.0.1:9")
    finally:
        logger.remove(sink)
    assert len(lines) == 1 and "unencrypted" in lines[0]
