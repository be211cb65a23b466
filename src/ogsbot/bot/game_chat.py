"""What the bot says in a game: greeting, farewell and the engine's analysis, within limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from ogsbot.bot.analysis import ChatLimiter, ChatMessage, parse_line
from ogsbot.bot.seat import my_color
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import GameData
from ogsbot.ogs.sgf import sgf_result

if TYPE_CHECKING:
    from loguru import Logger


def result_text(gd: GameData | None) -> str:
    """The game's result as an SGF `RE` says it ("B+R"), else the server's outcome."""
    if gd is None:
        return ""
    return sgf_result(gd) or gd.outcome


def placeholders(game: Game, engine_name: str) -> dict[str, str]:
    """What `{opponent}`, `{engine}` and `{result}` stand for in this game's messages."""
    gd = game.gamedata
    opponent = ""
    if gd is not None:
        opponent = (gd.white if my_color(game) == "black" else gd.black).username
    return {"opponent": opponent, "engine": engine_name, "result": result_text(gd)}


class GameChat:
    """The bot's lines in one game's chat; an engine's stderr never floods it."""

    def __init__(self, game: Game, log: Logger = logger) -> None:
        self.game = game
        self.greeted = False
        self.last_analysis: ChatMessage | None = None  # posted once, with the move
        self.limiter = ChatLimiter()
        self._log = log

    def say(self, template: str, placeholders: Callable[[], dict[str, str]]) -> None:
        """Post `template` with its `{opponent}`, `{engine}`, `{result}` filled in."""
        if not template:
            return
        try:
            text = template.format(**placeholders())
        except (KeyError, IndexError, ValueError) as exc:
            self._log.warning("chat template {!r} is broken: {}", template, exc)
            return
        self.game.chat(text)

    def greet(self, template: str, placeholders: Callable[[], dict[str, str]]) -> None:
        """Say hello once, at the start of a game (not when joining one well under way)."""
        gd = self.game.gamedata
        if self.greeted or gd is None:
            return
        self.greeted = True
        if self.game.move_number < 2 + max(0, gd.handicap):
            self.say(template, placeholders)

    def on_stderr(self, line: str, *, enabled: bool) -> None:
        """An engine's stderr line: analysis is kept for the move, chat lines posted."""
        gd = self.game.gamedata
        if gd is None or not enabled or gd.disable_analysis:
            return
        message = parse_line(line, gd.width, gd.height, self.game.move_number)
        if message is None:
            return
        if isinstance(message.body, dict):
            self.last_analysis = message  # posted once, with the move
        elif self.limiter.allow(message, self.game.move_number):
            self.game.chat(message.body, message.channel)

    def post_analysis(self) -> None:
        """Post the analysis of the move just played, if any and if the limits allow."""
        message, self.last_analysis = self.last_analysis, None
        if message is not None and self.limiter.allow(message, self.game.move_number):
            self.game.chat(message.body, message.channel)
        dropped = self.limiter.take_dropped()
        if dropped:
            self._log.info("{} engine chat line(s) not posted (at most a few a minute)", dropped)
