"""The emulator, timed at the server: when the bot's moves arrive, after which opponent's
move, and with how much clock left (imported only where an emulator runs)."""

from __future__ import annotations

import json
import time
from typing import Any

from emulator_figures import BotMove, Refused

from ogsbot.sandbox.server import Client, Emulator

JSON = dict[str, Any]


class TimedEmulator(Emulator):
    """The emulator, noting when it sends the opponent's move to the bot and when the
    bot's answer arrives, and how much clock the bot had left then."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.bot_id = -1
        self.opp_sent: dict[int, tuple[int, float]] = {}  # game -> (move number, sent at)
        self.bot_moves: list[BotMove] = []
        self.refused: list[Refused] = []

    async def _writer(self, client: Client) -> None:
        while True:
            frame = await client.queue.get()
            if frame is None or client.ws.closed:
                return
            try:
                await client.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return
            account = client.account
            if (
                account is not None
                and account.id == self.bot_id
                and frame.startswith('["game/')
                and frame.find('/move", ', 7, 48) > 0
            ):
                self._sent_move(frame, time.perf_counter())

    def _sent_move(self, frame: str, at: float) -> None:
        data = json.loads(frame)[1]
        game_id, number = int(data["game_id"]), int(data["move_number"])
        referee = self.games.get(game_id)
        if referee is None or number > len(referee.state.moves):
            return
        color = referee.state.moves[number - 1][0]
        if referee.account(color).id != self.bot_id:
            self.opp_sent[game_id] = (number, at)

    async def _on_frame(self, client: Client, text: str) -> None:
        account = client.account
        if account is None or account.id != self.bot_id or not text.startswith('["game/move"'):
            await super()._on_frame(client, text)
            return
        at = time.perf_counter()
        try:
            game_id = int(json.loads(text)[1]["game_id"])
        except (ValueError, KeyError, TypeError, IndexError):
            game_id = 0
        referee = self.games.get(game_id)
        if referee is None:
            await super()._on_frame(client, text)
            return
        before = referee.state.move_number
        color = referee.color_of(self.bot_id)
        tc = referee.settings.time_control
        available = referee.times[color].available(tc) if color is not None else None
        await super()._on_frame(client, text)
        moves = referee.state.moves
        if referee.state.move_number == before + 1 and moves and moves[-1][0] == color:
            elapsed = referee.move_times[-1] / 1000
            left = None if available is None else available - elapsed
            sent = self.opp_sent.pop(game_id, None)
            latency = (at - sent[1]) * 1000 if sent and sent[0] == before else None
            self.bot_moves.append(BotMove(game_id, before + 1, at, latency, left))
        else:
            self.refused.append(Refused(game_id, text[:120]))
