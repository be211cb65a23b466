"""Challenge + current load -> accept, or decline with OGS's rejection code and a message.

One module per family of checks: `players` (who challenges), `game_settings` (board,
rules, ranked, handicap, komi), `time_control` (system, speed, time ranges), `load` (how
many games); `verdicts` holds the shapes and OGS's codes, `decision` runs them in order.

`decide()` is a pure function: it evaluates every rule (so `Decision.checks` explains each
one) and declines with the first failing rule in this order: block list, accepting new
challenges, bots / humans, board size, rules, ranked / unranked, handicap, komi, rank,
time control system, speed, each time parameter of the system, games of that speed, total
games, games with this opponent. A challenger on the allow list is accepted whatever failed
(the checks record what was overridden). A rule that cannot be evaluated (odd input: a
garbled time control, a missing object) fails with a clear reason instead of raising.

Rejection codes are exactly OGS's (online-go.com `ChallengeModal.types.ts`, see
`REJECTION_CODES`). OGS's site shows its own translated sentence for a code it knows and
our `message` only for codes it does not know; so where OGS has no code we pick the one
whose sentence stays true:

- another bot or a human when the bot does not play them: `blacklisted` ("The operator of
  this bot will not let you play against it"), with `details["reason"]`;
- a ruleset the bot does not play: `not_accepting_new_challenges` (`RULES_REJECTION_CODE`),
  with `details["reason"] = "rules_not_allowed"`;
- the total game limit: `not_accepting_new_challenges`;
- fischer's initial time and absolute's total time: `main_time_out_of_range`; canadian's
  stones per period: `periods_out_of_range`;
- an unknown or unreadable time control or speed: `time_control_system_not_allowed`.

A challenger is a bot when the word "bot" is one of the classes in `ui_class` (OGS marks
bot accounts so; its site tests `ui_class` for "bot"), since notifications carry no is_bot
flag. A professional ranks above every amateur (1036 + N, as OGS numbers pros). A rank bound
includes every ranking OGS displays as that rank: with `rank_range: [10k, 2d]` a player
ranked 31.9 (shown as 2d) is accepted, one ranked 32.0 (3d) is not.
"""

from __future__ import annotations

from ogsbot.bot.rules.decision import decide, explain
from ogsbot.bot.rules.players import is_bot, player_rank
from ogsbot.bot.rules.time_control import speed_of
from ogsbot.bot.rules.verdicts import (
    OPPONENT_REJECTION_CODE,
    REJECTION_CODES,
    RULE_NAMES,
    RULES_REJECTION_CODE,
    Decision,
    Load,
    RuleCheck,
)

__all__ = [
    "OPPONENT_REJECTION_CODE",
    "REJECTION_CODES",
    "RULES_REJECTION_CODE",
    "RULE_NAMES",
    "Decision",
    "Load",
    "RuleCheck",
    "decide",
    "explain",
    "is_bot",
    "player_rank",
    "speed_of",
]
