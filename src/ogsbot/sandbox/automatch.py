"""Automatch ("Quick match"): OGS pairs two players' requests and starts their game.

A human sends `automatch/find_match` with AutomatchPreferences: the board size, speed and
clock system combinations it takes, the rank range of acceptable opponents, and ruleset and
handicap wishes, each "required", "preferred" or "no-preference". When another account's
request fits, a ranked game starts with the site's clock for that size, speed and system
(online-go.com's SPEED_OPTIONS) and both accounts get `automatch/start {uuid, game_id}`.
Bots may not use automatch (OGS's rules for bot accounts): their requests are refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.challenges import RULES, ChallengeRecord
from ogsbot.sandbox.lobby import Lobby
from ogsbot.sandbox.state import ServerState
from ogsbot.sandbox.wire import JSON, Client, Command, ProtocolError, account_of

AVAILABLE = "automatch/available"  # in Client.channels
CONDITIONS = ("required", "preferred", "no-preference")
HANDICAPS = ("enabled", "disabled")
MIN_RANK, MAX_RANK = 5, 38  # online-go.com's bounded_rank: 25k to 9d
_DAY = 86400

# online-go.com src/views/Play/SPEED_OPTIONS.ts: size -> speed -> system -> parameters.
_Systems = dict[str, dict[str, int]]  # system -> parameters
_BLITZ = {
    "fischer": {"initial_time": 30, "time_increment": 5, "max_time": 300},
    "byoyomi": {"main_time": 30, "periods": 5, "period_time": 10},
}
_CORRESPONDENCE = {
    "fischer": {"initial_time": 3 * _DAY, "time_increment": _DAY, "max_time": 7 * _DAY},
}


def _clocks(increment: int, initial_time: int, max_time: int, main_time: int) -> _Systems:
    """A rapid or live speed's fischer and byoyomi clocks (byoyomi: 5 periods of 30 s)."""
    return {
        "fischer": {
            "initial_time": initial_time,
            "time_increment": increment,
            "max_time": max_time,
        },
        "byoyomi": {"main_time": main_time, "periods": 5, "period_time": 30},
    }


def _size(rapid: tuple[int, int, int], live: tuple[int, int, int]) -> dict[str, _Systems]:
    """One board size's clocks. Blitz and correspondence are the same on every size; rapid
    (7 s increment) and live (10 s) are given as (fischer initial_time, fischer max_time,
    byoyomi main_time)."""
    return {
        "blitz": _BLITZ,
        "rapid": _clocks(7, *rapid),
        "live": _clocks(10, *live),
        "correspondence": _CORRESPONDENCE,
    }


TIME_SETTINGS: dict[str, dict[str, _Systems]] = {
    "9x9": _size(rapid=(120, 1200, 120), live=(180, 1800, 300)),
    "13x13": _size(rapid=(180, 1800, 180), live=(300, 1800, 600)),
    "19x19": _size(rapid=(300, 3000, 300), live=(600, 3600, 1200)),
}


def bounded_rank(ranking: float) -> float:
    return min(MAX_RANK, max(MIN_RANK, ranking))


def time_control(size: str, speed: str, system: str) -> TimeControl:
    """The clock an automatch game of this size, speed and system is played with."""
    params = TIME_SETTINGS[size][speed][system]
    return TimeControl.from_json({"system": system, "speed": speed, **params})


@dataclass(frozen=True)
class Option:
    size: str
    speed: str
    system: str


@dataclass(frozen=True)
class Wish:
    """A ruleset or handicap wish: how much it matters, and what."""

    condition: str
    value: str


@dataclass
class Request:
    """One account's pending `automatch/find_match`."""

    uuid: str
    account: Account
    options: tuple[Option, ...]
    lower_rank_diff: float
    upper_rank_diff: float
    rules: Wish
    handicap: Wish
    created: float  # epoch seconds
    preferences: JSON  # as sent (checked), what automatch/entry replays

    @property
    def live(self) -> bool:
        return any(o.speed != "correspondence" for o in self.options)

    def accepts_rank(self, ranking: float) -> bool:
        mine = bounded_rank(self.account.ranking)
        other = bounded_rank(ranking)
        return mine - self.lower_rank_diff <= other <= mine + self.upper_rank_diff

    def available(self) -> JSON:
        """The `automatch/available/add` entry others see."""
        account = self.account
        return {
            "uuid": self.uuid,
            "preferences": self.preferences,
            "player": {
                "id": account.id,
                "username": account.username,
                "ranking": account.ranking,
                "bounded_rank": bounded_rank(account.ranking),
            },
            "created": int(self.created * 1000),
        }


def _bad(message: str) -> ProtocolError:
    return ProtocolError("bad_request", f"automatch/find_match: {message}")


def _wish(data: JSON, key: str, values: tuple[str, ...]) -> Wish:
    wish = data.get(key)
    if not isinstance(wish, dict):
        raise _bad(f"{key} must be an object {{condition, value}}")
    condition, value = wish.get("condition"), wish.get("value")
    if condition not in CONDITIONS:
        raise _bad(f"{key}.condition {condition!r} is not one of {', '.join(CONDITIONS)}")
    if value not in values:
        raise _bad(f"{key}.value {value!r} is not one of {', '.join(values)}")
    return Wish(str(condition), str(value))


def _rank_diff(data: JSON, key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 40:
        raise _bad(f"{key} must be a number of ranks from 0 to 40, not {value!r}")
    return float(value)


def _options(data: JSON) -> tuple[Option, ...]:
    raw = data.get("size_speed_options")
    if not isinstance(raw, list) or not raw:
        raise _bad("size_speed_options must be a non-empty list of {size, speed, system}")
    options = []
    for index, entry in enumerate(raw):
        name = f"size_speed_options[{index}]"
        if not isinstance(entry, dict):
            raise _bad(f"{name} must be an object {{size, speed, system}}")
        size, speed, system = entry.get("size"), entry.get("speed"), entry.get("system")
        if size not in TIME_SETTINGS:
            raise _bad(f"{name}.size {size!r} is not one of {', '.join(TIME_SETTINGS)}")
        speeds = TIME_SETTINGS[str(size)]
        if speed not in speeds:
            raise _bad(f"{name}.speed {speed!r} is not one of {', '.join(speeds)}")
        systems = speeds[str(speed)]
        if system not in systems:
            raise _bad(f"{name}.system {system!r}: {speed} games use {', '.join(systems)}")
        options.append(Option(str(size), str(speed), str(system)))
    return tuple(options)


def parse_request(data: JSON, account: Account, now: float) -> Request:
    """Check AutomatchPreferences; a refusal names the field."""
    uuid = data.get("uuid")
    if not isinstance(uuid, str) or not uuid:
        raise _bad("uuid must be a non-empty string")
    options = _options(data)
    lower, upper = _rank_diff(data, "lower_rank_diff"), _rank_diff(data, "upper_rank_diff")
    rules = _wish(data, "rules", RULES)
    handicap = _wish(data, "handicap", HANDICAPS)
    timestamp = data.get("timestamp")
    preferences = {
        "uuid": uuid,
        "size_speed_options": [vars(o) for o in options],
        "timestamp": timestamp if isinstance(timestamp, int | float) else int(now * 1000),
        "lower_rank_diff": data["lower_rank_diff"],
        "upper_rank_diff": data["upper_rank_diff"],
        "rules": vars(rules),
        "handicap": vars(handicap),
    }
    return Request(uuid, account, options, lower, upper, rules, handicap, now, preferences)


def settle(older: Wish, newer: Wish, default: str) -> str | None:
    """The value two wishes agree on; None when both require different values.

    A requirement beats a preference, which beats no preference; between two different
    preferences the older request's wins; with no preference at all, OGS's default.
    """
    rank = {"required": 0, "preferred": 1, "no-preference": 2}
    if older.condition == newer.condition == "required" and older.value != newer.value:
        return None
    first = min((older, newer), key=lambda w: rank[w.condition])  # older first on ties
    return default if first.condition == "no-preference" else first.value


@dataclass(frozen=True)
class Match:
    option: Option
    rules: str
    handicap: bool


def match(older: Request, newer: Request) -> Match | None:
    """The game two requests agree on, or None: other accounts, each in the other's rank
    range, a common size/speed/system (the older request's first choice), and rules and
    handicap wishes that do not clash."""
    if older.account.id == newer.account.id:
        return None
    if not older.accepts_rank(newer.account.ranking):
        return None
    if not newer.accepts_rank(older.account.ranking):
        return None
    option = next((o for o in older.options if o in newer.options), None)
    if option is None:
        return None
    rules = settle(older.rules, newer.rules, "japanese")
    handicap = settle(older.handicap, newer.handicap, "enabled")
    if rules is None or handicap is None:
        return None
    return Match(option, rules, handicap == "enabled")


class Automatch:
    """Pending requests, the sockets watching them, and the games they become."""

    PUBLIC = frozenset({"automatch/available/subscribe", "automatch/available/unsubscribe"})

    def __init__(self, state: ServerState, lobby: Lobby) -> None:
        self._state = state
        self._lobby = lobby
        self.requests: dict[str, Request] = {}  # by uuid, oldest first

    def commands(self) -> dict[str, Command]:
        return {
            "automatch/find_match": self._find_match,
            "automatch/cancel": self._cancel,
            "automatch/list": self._list,
            "automatch/available/subscribe": self._subscribe,
            "automatch/available/unsubscribe": self._unsubscribe,
        }

    def clear(self) -> None:
        self.requests = {}

    def _find_match(self, client: Client, data: JSON) -> None:
        account = account_of(client)
        if account.is_bot:
            raise ProtocolError(
                "bots_not_allowed", "bot accounts may not use automatch (OGS's rules for bots)"
            )
        request = parse_request(data, account, time.time())
        self._remove(request.uuid)  # the same request sent again replaces it
        self._state.push_to_account(account.id, "automatch/entry", request.preferences)
        for other in list(self.requests.values()):
            found = match(other, request)
            if found is not None:
                self._remove(other.uuid)
                self._start(other, request, found)
                return
        self.requests[request.uuid] = request
        self._announce("automatch/available/add", request.available())

    def _start(self, older: Request, newer: Request, found: Match) -> None:
        option = found.option
        size = int(option.size.split("x")[0])
        challenge_id, game_id = self._state.next_ids()
        challenge = ChallengeRecord(
            id=challenge_id,
            game_id=game_id,
            challenger=older.account,
            challenged=newer.account,
            name="Automatch",
            rules=found.rules,
            ranked=True,
            width=size,
            height=size,
            handicap=-1 if found.handicap else 0,
            komi=None,
            time_control=time_control(option.size, option.speed, option.system),
            challenger_color="automatic",
        )
        referee = self._lobby.start_game(challenge, newer.account)
        for request in (older, newer):
            start = {"uuid": request.uuid, "game_id": referee.game_id}
            self._state.push_to_account(request.account.id, "automatch/start", start)
            if option.speed != "correspondence":  # one live game at a time
                for other in self._of(request.account):
                    if other.live:
                        self._drop(other)

    def _of(self, account: Account) -> list[Request]:
        return [r for r in self.requests.values() if r.account.id == account.id]

    def _remove(self, uuid: str) -> Request | None:
        request = self.requests.pop(uuid, None)
        if request is not None:
            self._announce("automatch/available/remove", uuid)
        return request

    def _drop(self, request: Request) -> None:
        """Cancel a request and tell its owner's sockets."""
        if self._remove(request.uuid) is not None:
            self._state.push_to_account(
                request.account.id, "automatch/cancel", {"uuid": request.uuid}
            )

    def _announce(self, event: str, data: Any) -> None:
        for client in list(self._state.clients):
            if AVAILABLE in client.channels:
                self._state.push(client, event, data)

    def _cancel(self, client: Client, data: JSON) -> None:
        account = account_of(client)
        uuid = data.get("uuid")
        if uuid is not None and not isinstance(uuid, str):
            raise ProtocolError("bad_request", "automatch/cancel: uuid must be a string or null")
        for request in self._of(account):
            if uuid is None or request.uuid == uuid:
                self._drop(request)

    def _list(self, client: Client, data: JSON) -> None:
        for request in self._of(account_of(client)):
            self._state.push(client, "automatch/entry", request.preferences)

    def _subscribe(self, client: Client, data: JSON) -> None:
        client.channels.add(AVAILABLE)
        for request in self.requests.values():
            self._state.push(client, "automatch/available/add", request.available())

    def _unsubscribe(self, client: Client, data: JSON) -> None:
        client.channels.discard(AVAILABLE)
