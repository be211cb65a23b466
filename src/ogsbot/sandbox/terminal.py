"""A person plays the bot from the terminal: the board after every move, moves typed in.

Moves are GTP vertices (`D4`), `pass` or `resign`. The person is an ordinary OGS client of
the emulator, exactly like the built-in opponents.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from ogsbot.ogs.board import Color
from ogsbot.ogs.coords import RESIGN, parse_gtp_move
from ogsbot.ogs.game import Game
from ogsbot.sandbox.players import Opponent, challenge_request
from ogsbot.sandbox.state import ServerState
from ogsbot.view import board_text


async def _read_line(prompt: str, out: TextIO) -> str:
    print(prompt, end="", file=out, flush=True)
    line: str = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        return "resign"  # end of input: give up the game rather than hang
    return line.strip()


async def _play(game: Game, out: TextIO) -> None:
    shown = -1
    while not game.finished:
        state = game.state
        if state is not None and game.move_number != shown:
            shown = game.move_number
            print(board_text(state), file=out, flush=True)
        if game.phase == "stone removal":
            print("stone removal: accepting the server's proposal", file=out)
            game.accept_removed()
            await game.wait_for(lambda g: g.finished or g.phase != "stone removal", 60)
            continue
        if not game.my_turn or state is None:
            await game.next_event(None)
            continue
        text = await _read_line(f"your move ({game.my_color}): ", out)
        if text.lower() == "resign":
            game.resign()
            await game.wait_for(lambda g: g.finished, 30)
            break
        try:
            move = parse_gtp_move(text, state.width, state.height)
        except ValueError as exc:
            print(f"  {exc}; type a vertex like D4, pass or resign", file=out)
            continue
        if move is RESIGN:
            continue
        color: Color = "b" if game.my_color == "black" else "w"
        if move is not None and not state.is_legal(color, move):
            print(f"  {text} is not a legal move here", file=out)
            continue
        number = game.move_number
        game.move(move)

        def answered(g: Game, n: int = number) -> bool:
            return g.move_number != n or g.finished

        await game.wait_for(answered, 30)
    print(f"game over: {game.outcome}", file=out)


async def play_in_terminal(state: ServerState, body: dict[str, Any], out: TextIO) -> int:
    """Challenge the bot as a person at this terminal; returns the game id once it ends."""
    username = str(body.get("username", "you"))
    password = "terminal"
    if state.accounts.by_name(username) is None:
        state.add_human(username, password)
    player = Opponent(state.url, username, password, "human")
    _, game_id = await player.challenge(str(body["bot"]), challenge_request(body))
    try:
        if not await player.wait_started(game_id, 30):
            print("the bot declined the challenge", file=out)
            return game_id
        game = await player.client.join(game_id)
        await _play(game, out)
    finally:
        await player.close()
    return game_id
