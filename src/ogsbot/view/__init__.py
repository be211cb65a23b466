"""Pictures of a Go board for people: PNG, a browser's SVG, text; for the sandbox and the bot.

It reads only `ogsbot.ogs` (the board model), so the emulator's pages and a daemon's status
page can draw boards the same way.
"""

from ogsbot.view.png import board_png
from ogsbot.view.svg import BOARD_SCRIPT, board_json
from ogsbot.view.text import board_text

__all__ = ["BOARD_SCRIPT", "board_json", "board_png", "board_text"]
