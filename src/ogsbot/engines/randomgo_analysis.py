"""randomgo's KataGo analysis-engine side (`randomgo --analysis`): the JSON-lines protocol of
`katago analysis`, answered with random legal moves, for testing an analysis backend.

One JSON query a line on stdin, one JSON result a line on stdout, "Started, ready to begin
handling requests" on stderr once ready. Results come out of order: each query takes a
random share of `--delay` (from a fifth to twice it) in a thread of its own. As KataGo does:
a line that is not a query object gets `{"error": ...}`; a query without a string `id`, or
with a missing or bad field or an illegal move, gets `{"error", "field", "id"}` and no
result; an unknown field gets a `{"warning", "field", "id"}` and the query still runs;
`query_version` and `terminate` are answered by echoing them, and a terminated query that had
not finished ends with `noResults`. `--misbehave KIND-at=N` counts queries: crash exits with
status 3, hang never answers that query, garbage writes a line that is not JSON, illegal
makes an occupied point the best move, refuse refuses its moves as illegal (field `moves`).
"""

from __future__ import annotations

import json
import random
import sys
import threading
from typing import Any, TextIO

from .randomgo_args import GtpError, parse_vertex
from .randomgo_board import Point, Position, format_point
from .randomgo_faults import Misbehaviour

READY = "Started, ready to begin handling requests"
VERSION = "1.17.2-randomgo"
QUERY_FIELDS = frozenset(
    {
        "id", "moves", "initialStones", "initialPlayer", "rules", "komi", "boardXSize",
        "boardYSize", "analyzeTurns", "maxVisits", "includeOwnership", "includePolicy",
        "overrideSettings", "priority", "priorities", "reportDuringSearchEvery",
        "whiteHandicapBonus", "avoidMoves", "allowMoves", "rootPolicyTemperature",
    }
)  # fmt: skip


class QueryError(Exception):
    """A query refused: `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def position_of(query: dict[str, Any]) -> tuple[Position, str]:
    """The board a query describes, and the player to move; QueryError when it is wrong."""
    size = query.get("boardXSize")
    if not isinstance(size, int) or not 2 <= size <= 25:
        raise QueryError("boardXSize", "boardXSize must be an integer from 2 to 25")
    if query.get("boardYSize") != size:
        raise QueryError("boardYSize", "randomgo plays square boards only")
    if not isinstance(query.get("rules"), str | dict):
        raise QueryError("rules", "Could not parse rules")
    moves = query.get("moves")
    if not isinstance(moves, list):
        raise QueryError("moves", "moves must be an array of [player, location]")
    position = Position.empty(size)
    to_move = str(query.get("initialPlayer", "B")).lower()[:1] or "b"
    stones = query.get("initialStones") or []
    for turn, item in enumerate([*stones, *moves]):
        colour, point = _move(
            item, size, turn - len(stones), "initialStones" if turn < len(stones) else "moves"
        )
        reason = point is not None and position.illegality(colour, point)
        if reason:
            raise QueryError("moves", f"Illegal move {turn - len(stones)}: {item[1]}")
        position.play(colour, point)
        if turn >= len(stones):
            to_move = "w" if colour == "b" else "b"
    return position, to_move


def _move(item: Any, size: int, turn: int, field: str) -> tuple[str, Point | None]:
    if not (isinstance(item, list) and len(item) == 2 and all(isinstance(i, str) for i in item)):
        raise QueryError(field, f"Could not parse move {turn}: {item!r}")
    colour = item[0].lower()[:1]
    if colour not in ("b", "w"):
        raise QueryError(field, f"Could not parse player {turn}: {item[0]!r}")
    try:
        return colour, parse_vertex(item[1], size)
    except GtpError:
        raise QueryError(field, f"Could not parse move {turn}: {item[1]!r}") from None


class AnalysisServer:
    """Reads queries, answers each from a thread after its delay, writes one line at a time."""

    def __init__(
        self,
        out: TextIO,
        rng: random.Random,
        delay: float,
        faults: list[Misbehaviour],
        hopeless: bool = False,
    ) -> None:
        self.out = out
        self.hopeless = hopeless  # every position lost for the side to move
        self.rng = rng
        self.delay = delay
        self.faults = {fault.at: fault.kind for fault in faults}
        self.queries = 0
        self.lock = threading.Lock()
        self.pending: dict[str, threading.Event] = {}  # id -> set when terminated
        self.threads: list[threading.Thread] = []  # answering, but a hung one

    def write(self, data: dict[str, Any] | str) -> None:
        with self.lock:
            self.out.write((data if isinstance(data, str) else json.dumps(data)) + "\n")
            self.out.flush()

    def handle(self, line: str) -> None:
        try:
            query = json.loads(line)
        except ValueError:
            self.write({"error": "Could not parse json"})
            return
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            self.write({"error": 'Request must have a string "id" field'})
            return
        action = query.get("action")
        if action is not None:
            self.act(query, str(action))
            return
        self.queries += 1
        fault = self.faults.get(self.queries)
        if fault == "crash":
            sys.stderr.write(f"randomgo: crashing on purpose at query {self.queries}\n")
            sys.stderr.flush()
            raise SystemExit(3)
        if fault == "refuse" and query.get("moves"):
            error = "Illegal move 1: as this engine's rules read the game, on purpose"
            self.write({"error": error, "field": "moves", "id": query["id"]})
            return
        for field in sorted(set(query) - QUERY_FIELDS):
            self.write({"warning": "Unexpected or unused field", "field": field, "id": query["id"]})
        try:
            position, to_move = position_of(query)
        except QueryError as error:
            self.write({"error": str(error), "field": error.field, "id": query["id"]})
            return
        stop = threading.Event()
        self.pending[query["id"]] = stop
        wait = self.delay * self.rng.uniform(0.2, 2.0)
        args = (query, position, to_move, stop, wait, fault)
        thread = threading.Thread(target=self.answer, args=args, daemon=True)
        thread.start()
        if fault != "hang":
            self.threads.append(thread)

    def act(self, query: dict[str, Any], action: str) -> None:
        if action == "query_version":
            self.write({**query, "version": VERSION, "git_hash": "randomgo"})
        elif action == "terminate":
            self.write(query)
            stop = self.pending.get(str(query.get("terminateId")))
            if stop is not None:
                stop.set()
        elif action in ("terminate_all", "clear_cache"):
            self.write(query)
            for stop in list(self.pending.values()):
                stop.set()
        else:
            self.write({"error": f"Unknown action {action}", "field": "action", "id": query["id"]})

    def answer(
        self,
        query: dict[str, Any],
        position: Position,
        to_move: str,
        stop: threading.Event,
        wait: float,
        fault: str | None,
    ) -> None:
        terminated = stop.wait(None if fault == "hang" else wait)
        self.pending.pop(query["id"], None)
        turn = len(query["moves"])
        if terminated:
            self.write(
                {"id": query["id"], "isDuringSearch": False, "noResults": True, "turnNumber": turn}
            )
            return
        if fault == "garbage":
            self.write("this is not JSON {")
            return
        self.write(self.result(query, position, to_move, turn, fault == "illegal"))

    def result(
        self, query: dict[str, Any], position: Position, to_move: str, turn: int, illegal: bool
    ) -> dict[str, Any]:
        legal = [p for p in position.points() if not position.illegality(to_move, p)]
        self.rng.shuffle(legal)
        choices: list[Point | None] = [*legal[:4], None]
        if illegal and position.stones():
            choices[0] = position.stones()[0]
        visits = int(query.get("maxVisits") or 100)
        infos = []
        for order, point in enumerate(choices):
            value = 1.0 / (order + 1)
            infos.append(
                {
                    "move": format_point(point),
                    "order": order,
                    "visits": max(1, int(visits * value / 2)),
                    "winrate": round(self.rng.random(), 4),
                    "scoreLead": round(self.rng.uniform(-20, 20), 2),
                    "prior": round(value / 2, 4),
                    "playSelectionValue": round(visits * value, 2),
                    "pv": [format_point(point)],
                }
            )
        best = infos[0]
        if self.hopeless:  # for black, as reportAnalysisWinratesAs BLACK asks
            best["winrate"], best["scoreLead"] = (0.01, -30.0) if to_move == "b" else (0.99, 30.0)
        root = {"winrate": best["winrate"], "scoreLead": best["scoreLead"], "visits": visits}
        out: dict[str, Any] = {
            "id": query["id"],
            "isDuringSearch": False,
            "turnNumber": turn,
            "moveInfos": infos,
            "rootInfo": {**root, "currentPlayer": to_move.upper()},
        }
        if query.get("includeOwnership"):
            out["ownership"] = ownership(position)
        return out


def ownership(position: Position) -> list[float]:
    """Every stone alive, as randomgo's `final_status_list` says: 1 for a black stone, -1
    for a white one, 0 for an empty point; row by row from the top, as KataGo's."""
    size, owner = position.size, {"b": 1.0, "w": -1.0}
    return [
        owner.get(position.get((size - 1 - top, col)) or "", 0.0)
        for top in range(size)
        for col in range(size)
    ]


def serve(
    stdin: TextIO,
    stdout: TextIO,
    rng: random.Random,
    delay: float,
    faults: list[Misbehaviour],
    hopeless: bool = False,
    log: TextIO | None = None,
) -> int:
    """Answer queries until stdin ends, then the ones in flight (as KataGo does without
    -quit-without-waiting; a hung one is left); the exit status. Each line read is
    appended to `log`."""
    server = AnalysisServer(stdout, rng, delay, faults, hopeless)
    sys.stderr.write(READY + "\n")
    sys.stderr.flush()
    for line in stdin:
        if log is not None:
            log.write(line)
            log.flush()
        if line.strip():
            server.handle(line)
    for thread in server.threads:
        thread.join()
    return 0
