"""The Go board model's public names in one place: ``from ogsbot.ogs.board import ...``.

OGS allows boards of any size up to 25x25 and rules that forbid suicide and repeated
positions; sgfmill's board is square only, allows self-capture, knows no ko and counts every
stone alive, so the emulator's referee and the client's live game use this model instead.
It is four modules, each with one job:

- :mod:`ogsbot.ogs.stones`: :class:`Board`, stones on a ``width x height`` grid (1..25
  each), ``play`` with captures; :data:`Color`, :func:`opponent`, :class:`IllegalMoveError`.
- :mod:`ogsbot.ogs.rulesets`: :class:`Ruleset` and :func:`ruleset`, what each OGS ruleset
  name means (sources inline).
- :mod:`ogsbot.ogs.game_state`: :class:`GameState`, a board plus whose turn, prisoners,
  passes and the positions seen, so it can enforce simple ko and positional or situational
  superko; ``undo`` and a cheap ``copy``.
- :mod:`ogsbot.ogs.scoring`: :func:`score`, OGS's ``score`` object for a finished game,
  given the dead stones; :func:`estimate_dead`, a conservative guess at those stones.
"""

from __future__ import annotations

from ogsbot.ogs.game_state import GameState
from ogsbot.ogs.rulesets import RULESET_NAMES, HandicapCompensation, KoRule, Ruleset, ruleset
from ogsbot.ogs.scoring import PlayerScore, Score, estimate_dead, score
from ogsbot.ogs.stones import Board, Color, IllegalMoveError, IllegalReason, opponent

__all__ = [
    "RULESET_NAMES",
    "Board",
    "Color",
    "GameState",
    "HandicapCompensation",
    "IllegalMoveError",
    "IllegalReason",
    "KoRule",
    "PlayerScore",
    "Ruleset",
    "Score",
    "estimate_dead",
    "opponent",
    "ruleset",
    "score",
]
