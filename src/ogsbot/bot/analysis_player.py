"""A game's turns through KataGo's analysis engine, shared by every game of the daemon.

The analysis engine has no clock, never resigns, never passes by itself and picks no move,
so this owns all of it: the time budget from the game's clock (`move_budget`, sent as
`maxTime`, the game with the least time first by `priority`), the move (sampled with a
temperature, as `genmove`, never illegal), passing back once the position is settled,
resigning only after several hopeless turns past the opening, and a quick second query
when the first misses its time, so the bot still moves in time. The session uploads what
this returns, as it does a GTP engine's move: one path for a move.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loguru import logger

from ogsbot.bot.analysis import ChatMessage, chat_from_answer
from ogsbot.bot.analysis_turn import (
    ResignWatch,
    choose_move,
    dead_from_ownership,
    passes,
    temperature,
    turn_query,
)
from ogsbot.bot.config import EngineConfig
from ogsbot.bot.engine_board import EngineBoard
from ogsbot.bot.game_chat import GameChat
from ogsbot.bot.handicap import free_handicap_turn, usual_handicap_stones
from ogsbot.bot.seat import moved_on, turn_position, while_in_play
from ogsbot.bot.turn_clock import TurnClock
from ogsbot.gtp.analysis_process import AnalysisError
from ogsbot.gtp.analysis_service import AnalysisService, AnalysisServices, AnalysisSpec
from ogsbot.gtp.clock import available_time, move_budget
from ogsbot.gtp.errors import EngineError
from ogsbot.ogs.board import Color, GameState
from ogsbot.ogs.coords import RESIGN, GtpMove, Point, gtp_to_xy, xy_to_gtp
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData

if TYPE_CHECKING:
    from loguru import Logger

QUICK_VISITS = 2  # the second query's visits: the network's own choice, at once (with one
# visit KataGo evaluates the root alone and its answer lists no move)
QUICK_TIME = 0.5  # s of search the quick query may take at most
LATE_AFTER = 1.0  # s past maxTime before a query counts as late (queued behind others)
UNTIMED_PRIORITY = -(2**31) + 1  # KataGo's priorities are ints: an untimed game goes last


def analysis_spec(engine: EngineConfig, label: str) -> AnalysisSpec:
    """How the manager starts the analysis service `engine` configures."""
    return AnalysisSpec(
        (engine.command, *engine.endpoints),
        cwd=engine.cwd,
        env=tuple(sorted(engine.env.items())),
        start_timeout=engine.start_timeout,
        label=label,
    )


def stones_of(state: GameState, gd: GameData) -> list[list[str]]:
    """The stones on the board now, as the query's `initialStones`."""
    return [
        ["B" if color == "b" else "W", xy_to_gtp(point, gd.width, gd.height)]
        for point, color in state.board.stones()
    ]


def moves_to_play(width: int, height: int, move_number: int) -> float:
    """About how many moves the bot still has to play: a game lasts about 0.7 of the
    board's points in moves, half of them the bot's, and never fewer than a tenth of the
    points are left to budget for."""
    area = width * height
    return max(0.1 * area, (0.7 * area - move_number) / 2)


def priority(time_left: float | None) -> int:
    """Least time left, highest priority (KataGo searches the highest first)."""
    if time_left is None:
        return UNTIMED_PRIORITY
    return max(UNTIMED_PRIORITY + 1, -int(time_left * 10))


class AnalysisPlayer:
    """Plays a game's turns through an analysis service; one per game."""

    def __init__(
        self,
        game: Game,
        services: AnalysisServices,
        board: EngineBoard,
        clock: TurnClock,
        chat: GameChat,
        log: Logger = logger,
    ) -> None:
        self.game = game
        self.services = services
        self.board = board
        self.clock = clock
        self.chat = chat
        self.engine_name = ""
        self.watch = ResignWatch()
        self.rng = random.Random()
        self.last_answer: Mapping[str, Any] | None = None
        self._log = log

    async def think(self, engine: EngineConfig, with_chat: bool) -> list[GtpMove]:
        """The move to upload (RESIGN included; none: the position changed during the
        search, or the game left play); raises EngineError on engine failure. The analysis
        chat of the answer is made ready when `with_chat`."""
        turn = turn_position(self.game)
        if turn is None:
            return []
        gd, state, number, color = turn
        if free_handicap_turn(gd, color):
            return list(usual_handicap_stones(gd, state, self._log))  # it places none itself
        self.engine_name = engine.name or "KataGo"
        service = self.services.get(analysis_spec(engine, "analysis"))
        self.chat.last_analysis = None
        searched, move = await while_in_play(
            self.game, self.move(service, engine, gd, state, color)
        )
        if not searched:
            self._log.info("the game left play during the search: search stopped")
            return []
        if moved_on(self.game, gd, number, state):
            self._log.info("the position changed during the search: thinking again")
            return []
        if with_chat and move is not RESIGN:
            self.chat.last_analysis = self.chat_message(color == "b", gd)
        return [move]

    async def move(
        self,
        service: AnalysisService,
        engine: EngineConfig,
        gd: GameData,
        state: GameState,
        color: Color,
    ) -> GtpMove:
        """The move to play now (RESIGN included); raises EngineError when the engine gave
        no answer in time, even to the quick query."""
        number = len(gd.moves)
        target = self.board.target(gd)
        opponent_passed = bool(gd.moves) and gd.moves[-1].is_pass
        entry, elapsed = self.clock.reading(
            "black" if color == "b" else "white", stops_in_pause=True
        )
        left = available_time(gd.time_control, entry, elapsed)
        budget = move_budget(
            gd.time_control,
            entry,
            elapsed,
            moves_to_play(gd.width, gd.height, number),
            engine.time_margin,
        )
        budget = min(budget, engine.genmove_timeout)
        query = turn_query(
            gd,
            target,
            max_visits=engine.max_visits,
            max_time=budget,
            priority=priority(left),
            ownership=opponent_passed,
            overrides=engine.query_settings,
        )
        if not target.moves:
            query["initialPlayer"] = color.upper()
        try:
            answer = await self._ask(service, query, budget, left, engine)
        except AnalysisError as exc:
            if exc.field != "moves":
                raise
            # KataGo's rules refuse a move OGS allowed (a ko or superko read differently):
            # the position alone, without the moves that led to it, is asked instead.
            self._log.warning("the analysis engine refuses the game's moves ({}): asking "
                              "about the position alone", exc)  # fmt: skip
            query = {**query, "moves": [], "initialStones": stones_of(state, gd)}
            query["initialPlayer"] = color.upper()
            answer = await self._ask(service, query, budget, left, engine)
        self.last_answer = answer
        return self._choose(answer, engine, gd, state, color, opponent_passed)

    async def _ask(
        self,
        service: AnalysisService,
        query: dict[str, Any],
        budget: float,
        left: float | None,
        engine: EngineConfig,
    ) -> Mapping[str, Any]:
        """The answer to `query`, or, when it is late, to a quick query of the same
        position within what the clock has left."""
        room = engine.genmove_timeout if left is None else left - engine.time_margin
        wait = max(0.1, min(budget + LATE_AFTER, room - QUICK_TIME - LATE_AFTER))
        try:
            return await service.query(query, wait)
        except TimeoutError:
            pass
        rest = max(0.1, room - wait)  # all the clock has left: an overloaded engine queues
        self._log.warning(
            "the analysis engine missed its {:.1f} s for this move: a quick search instead",
            budget,
        )
        quick = {**query, "maxVisits": QUICK_VISITS, "priority": -UNTIMED_PRIORITY}
        quick["overrideSettings"] = {**query["overrideSettings"], "maxTime": QUICK_TIME}
        try:
            return await service.query(quick, rest)
        except TimeoutError:
            raise EngineError(
                f"the analysis engine answered neither the search nor a quick one in "
                f"{wait + rest:.1f} s"
            ) from None

    def _choose(
        self,
        answer: Mapping[str, Any],
        engine: EngineConfig,
        gd: GameData,
        state: GameState,
        color: Color,
        opponent_passed: bool,
    ) -> GtpMove:
        number = len(gd.moves)
        watch = self.watch
        watch.winrate_below = engine.resign_winrate
        watch.lead_below = -engine.resign_score_lead
        watch.turns = engine.resign_turns
        watch.min_moves = (
            engine.resign_min_moves_correspondence
            if gd.speed == "correspondence"
            else engine.resign_min_moves
        )
        if watch.resigns(answer, color == "b", number):
            self._log.info(
                "resigning: {} turns in a row below {:.0%} and {:g} points behind",
                watch.streak,
                engine.resign_winrate,
                engine.resign_score_lead,
            )
            return RESIGN
        if passes(answer, opponent_passed):
            return None

        def legal(vertex: str) -> bool:
            try:
                point = gtp_to_xy(vertex, gd.width, gd.height)
            except ValueError:
                return False
            return point is None or state.is_legal(color, point)

        temp = temperature(
            number,
            gd.width,
            gd.height,
            engine.temperature,
            engine.temperature_late,
            engine.temperature_halflife,
        )
        if not answer.get("moveInfos"):
            raise EngineError("the analysis engine's answer lists no move")
        vertex = choose_move(answer, temp, self.rng, legal)
        return gtp_to_xy(vertex, gd.width, gd.height)

    def chat_message(self, bot_is_black: bool, gd: GameData) -> ChatMessage | None:
        """The analysis chat of the last answer (None when there is none)."""
        if self.last_answer is None:
            return None
        return chat_from_answer(
            self.last_answer, bot_is_black, gd.width, gd.height, len(gd.moves) + 1
        )

    async def dead_stones(self, engine: EngineConfig, gd: GameData) -> set[Point] | None:
        """The dead stones by the ownership of the final position (no final_status_list);
        None when the engine cannot say."""
        state = self.game.state
        if state is None:
            return None
        service = self.services.get(analysis_spec(engine, "analysis"))
        try:
            return await self._dead_stones(service, engine, gd, state)
        except (EngineError, TimeoutError) as exc:
            self._log.warning("the analysis engine cannot judge the dead stones: {}", exc)
            return None

    async def _dead_stones(
        self, service: AnalysisService, engine: EngineConfig, gd: GameData, state: GameState
    ) -> set[Point]:
        query = turn_query(
            gd,
            self.board.target(gd),
            max_visits=engine.max_visits,
            ownership=True,
            overrides=engine.query_settings,
        )
        answer = await service.query(query, engine.command_timeout)
        ownership = answer.get("ownership")
        if not isinstance(ownership, list):
            raise EngineError("the analysis engine gave no ownership")
        return dead_from_ownership(ownership, state.board.stones(), gd.width)


__all__ = ["AnalysisPlayer", "analysis_spec", "moves_to_play", "priority", "stones_of"]
