"""Built-in opponents: ordinary OGS clients (ogsbot's own library) that challenge a bot and play.

An opponent logs in with a password like a human, challenges the bot over REST, plays its
moves with a GTP engine (`gnugo`, or any GTP command line) or at random, and accepts the
stone removal. Tests and the sandbox demo use it as the world a bot lives in.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import secrets
import shlex
import shutil
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from ogsbot.engines import randomgo_argv
from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.board import Color, GameState
from ogsbot.ogs.coords import RESIGN, Point, unpack_ogs, xy_to_gtp
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import TimeControl
from ogsbot.ogs.rest import ChallengeRequest
from ogsbot.sandbox.state import ServerState

# The clock of a game the control API asks for with none: fischer 600 s + 10 s, at most 1200 s.
DEFAULT_TIME_CONTROL = {
    "system": "fischer",
    "initial_time": 600,
    "time_increment": 10,
    "max_time": 1200,
}


def random_move(state: GameState, color: Color, rng: random.Random) -> Point | None:
    """A random legal move that does not fill one of the player's own eyes; None passes."""
    board = state.board
    candidates = []
    for point in board.points():
        if board.get(point) is not None:
            continue
        x, y = point
        around = [
            (x + dx, y + dy)
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= x + dx < state.width and 0 <= y + dy < state.height
        ]
        if all(board.get(p) == color for p in around):
            continue  # an eye: filling it is how random players kill themselves
        candidates.append(point)
    rng.shuffle(candidates)
    for point in candidates:
        if state.is_legal(color, point):
            return point
    return None


def engine_argv(engine: str) -> list[str] | None:
    """The command line for an opponent engine name; None means a built-in player."""
    if engine in ("random", "resign"):
        return None
    if engine == "gnugo":
        found = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
        if found is None:
            raise ValueError("opponent 'gnugo' needs GNU Go installed (Debian package gnugo)")
        return [found, "--mode", "gtp", "--level", "1"]
    if engine == "randomgo":
        return randomgo_argv()  # the installed package's, not a path into a source tree
    argv = shlex.split(engine)
    if not argv:
        raise ValueError("opponent engine is empty")
    return argv


class RemovalAnswers:
    """Accepts each stone-removal state of a game once, whatever events follow.

    A state is the marks as they stand after the latest `removed_stones` or `phase` event:
    the opponent's own acceptance, a clock or a chat line is no new state, so it is never
    answered again (an answer per event would echo the server's acceptance back for ever).
    """

    def __init__(self, game: Game) -> None:
        self.game = game
        self.changes = 0  # removed_stones and phase events so far
        self.answered: tuple[int, str] | None = None
        self.close = game.add_handler(self._on_event)

    def _on_event(self, game: Game, suffix: str, data: Any) -> None:
        if suffix in ("removed_stones", "phase"):
            self.changes += 1

    def accept_once(self) -> bool:
        """Accept the marks if this state has no answer yet; True when it was sent now."""
        game = self.game
        state = (self.changes, game.removed)
        if game.phase != "stone removal" or state == self.answered:
            return False
        self.answered = state
        game.accept_removed()
        return True


@dataclass
class Opponent:
    """One scripted player: its account, its engine and the games it plays."""

    server: str
    username: str
    password: str
    engine: str = "random"
    seed: int | None = None
    client: AsyncOGSClient = field(init=False)
    rng: random.Random = field(init=False)

    started: dict[int, asyncio.Event] = field(init=False, default_factory=dict)
    declined: dict[int, dict[str, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.client = AsyncOGSClient(
            self.server,
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            username=self.username,
            password=self.password,
        )
        self.rng = random.Random(self.seed)

    def _event(self, game_id: int) -> asyncio.Event:
        return self.started.setdefault(game_id, asyncio.Event())

    async def connect(self) -> None:
        """Log in and listen for games starting or offers refused (before challenging)."""
        realtime = await self.client.connect()

        def on_active(event: str, data: Any) -> None:
            if isinstance(data, dict) and isinstance(data.get("id"), int):
                self._event(data["id"]).set()

        def on_notification(event: str, data: Any) -> None:
            if isinstance(data, dict) and data.get("type") == "gameOfferRejected":
                game_id = int(data.get("game_id", 0))
                self.declined[game_id] = data
                self._event(game_id).set()

        realtime.on("active_game", on_active)
        realtime.on("notification", on_notification)

    async def challenge(self, bot: str, request: ChallengeRequest) -> tuple[int, int]:
        """Challenge `bot`; returns (challenge id, game id)."""
        await self.connect()
        request = dataclasses.replace(request, opponent=bot)
        return await self.client.call(self.client.rest.create_challenge, request)

    async def wait_started(self, game_id: int, timeout: float) -> bool:
        """Wait for the bot's answer: True when the game started, False when it declined."""
        async with asyncio.timeout(timeout):  # not wait_for: it may lose a cancellation
            await self._event(game_id).wait()
        return game_id not in self.declined

    async def play(self, game_id: int, start_timeout: float = 600.0) -> Game | None:
        """Wait for the game to start, then play it to the end; None if the bot declined."""
        if not await self.wait_started(game_id, start_timeout):
            details = self.declined[game_id].get("rejection_details") or {}
            logger.info(
                "{}: the bot declined game {}: {}",
                self.username,
                game_id,
                details.get("rejection_code") or self.declined[game_id].get("message"),
            )
            return None
        game = await self.client.join(game_id)
        argv = engine_argv(self.engine)
        engine = GTPEngine(argv, label=f"opponent-{game_id}") if argv else None
        try:
            if engine is not None:
                await engine.start()
            await self._play(game, engine)
        finally:
            if engine is not None:
                await engine.stop()
        return game

    async def _play(self, game: Game, engine: GTPEngine | None) -> None:
        removal = RemovalAnswers(game)
        try:
            await self._play_moves(game, engine, removal)
        finally:
            removal.close()

    async def _play_moves(
        self, game: Game, engine: GTPEngine | None, removal: RemovalAnswers
    ) -> None:
        while not game.finished:
            removal_answered = removal.accept_once()  # the server's events tell what follows
            if not removal_answered and game.my_turn and game.state is not None:
                number = game.move_number
                move = await self._choose(game, engine)
                if move is RESIGN:
                    game.resign()
                else:
                    game.move(move)

                def answered(g: Game, n: int = number) -> bool:
                    return g.move_number != n or g.finished or g.last_error != ""

                with contextlib.suppress(TimeoutError):
                    await game.wait_for(answered, 30)
                if game.last_error:
                    logger.warning("opponent {}: {}", self.username, game.last_error)
                    game.last_error = ""
                continue
            with contextlib.suppress(TimeoutError):
                await game.next_event(5)

    async def _choose(self, game: Game, engine: GTPEngine | None) -> Point | Any | None:
        state = game.state
        assert state is not None and game.gamedata is not None
        color: Color = "b" if game.my_color == "black" else "w"
        if self.engine == "resign":
            return RESIGN  # a challenger that only wants to see the bot accept
        opponent_passed = bool(game.moves) and game.moves[-1].is_pass
        if engine is None or state.width != state.height:
            move = random_move(state, color, self.rng)
            if opponent_passed and game.move_number > state.width * state.height // 2:
                return None  # a random player agrees to end a long game
            return move
        gd = game.gamedata
        size = state.width
        commands = [f"boardsize {size}", "clear_board", f"komi {gd.komi}"]
        for stone in unpack_ogs(gd.initial_state_black, size, size):
            commands.append(f"play B {xy_to_gtp(stone, size)}")
        for c, point in state.moves:
            commands.append(f"play {c.upper()} {xy_to_gtp(point, size)}")
        await engine.batch(commands)
        return await engine.genmove(
            color.upper(), width=size, legal=lambda p: state.is_legal(color, p)
        )

    async def close(self) -> None:
        await self.client.close()


async def start_opponent(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """The control API's `POST /_sandbox/challenges`: an opponent challenges a bot and plays."""
    bot = str(body["bot"])
    if state.accounts.by_name(bot) is None:
        raise ValueError(f"no bot named {bot!r}")
    username = str(body.get("username") or f"opponent-{secrets.token_hex(3)}")
    password = secrets.token_hex(8)
    account = state.accounts.by_name(username)
    if account is None:
        state.add_human(username, password, ranking=float(body.get("ranking", 15.0)))
    elif account.password:
        password = account.password
    else:
        raise ValueError(f"{username!r} is a bot account and cannot be a built-in opponent")
    request = challenge_request(body)
    seed = body.get("seed")
    opponent = Opponent(
        state.url,
        username,
        password,
        str(body.get("opponent", "random")),
        seed=int(seed) if seed is not None else None,
    )
    challenge_id, game_id = await opponent.challenge(bot, request)

    async def play() -> None:
        try:
            await opponent.play(game_id)
        except Exception:
            logger.exception("built-in opponent {} failed in game {}", username, game_id)
        finally:
            await opponent.close()

    state.spawn(play())
    return {"challenge_id": challenge_id, "game_id": game_id, "opponent": username}


def challenge_request(body: dict[str, Any]) -> ChallengeRequest:
    """The challenge a control-API body describes (defaults: 9x9, fischer 600+10)."""
    tc = TimeControl.from_json(body.get("time_control") or DEFAULT_TIME_CONTROL)
    komi = body.get("komi")
    return ChallengeRequest(
        time_control=tc,
        name=str(body.get("name", "Sandbox game")),
        rules=str(body.get("rules", "japanese")),
        ranked=bool(body.get("ranked", False)),
        width=int(body.get("width", body.get("size", 9))),
        height=int(body.get("height", body.get("size", 9))),
        handicap=int(body.get("handicap", 0)),
        komi=float(komi) if komi is not None else None,
        color=str(body.get("color", "automatic")),
    )
