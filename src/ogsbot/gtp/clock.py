"""OGS time controls translated into the GTP time commands an engine understands.

Pure functions. `time_commands` returns alternatives, best first; each is a group of commands
(a settings command, then `time_left`) to send before `genmove`. The caller sends the first
group the engine accepts (`GTPEngine.first_accepted`): KataGo's `kata-time_settings` for
fischer, `kgs-time_settings` where the engine has it, plain `time_settings` otherwise.

Every time told to the engine has the player's elapsed thinking time and a safety margin
taken off, and is floored to whole seconds (GTP's `time_left` takes an integer), so network
latency and rounding are paid for by the engine's budget, never by a loss on time.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from ogsbot.ogs.models import PlayerClock, TimeControl

CommandGroup = tuple[str, ...]

DEFAULT_MARGIN = 1.0


def gtp_color(color: str) -> str:
    """'B' or 'W' from any of b, w, black, white (any case)."""
    key = color.strip().lower()
    if key in ("b", "black"):
        return "B"
    if key in ("w", "white"):
        return "W"
    raise ValueError(f"colour {color!r} is not one of b, w, black, white")


def _secs(value: float) -> int:
    """Whole seconds, never negative."""
    return max(0, math.floor(value + 1e-9))


@dataclass(frozen=True)
class _Overtime:
    """Where a byo-yomi or canadian player stands after the elapsed time is charged."""

    main: float  # main time left (0 once in overtime)
    period: float  # time left in the current period or block
    count: int  # periods left (byoyomi) or stones left in the block (canadian)


def _byoyomi_state(tc: TimeControl, entry: PlayerClock | None, elapsed: float) -> _Overtime:
    full = tc.period_time
    if entry is None:
        main, periods, period = tc.main_time, tc.periods, full
    else:
        main = entry.thinking_time
        periods = entry.periods if entry.periods is not None else tc.periods
        period = entry.period_time_left if entry.period_time_left is not None else full
        if main > 0:
            period = full
    if main > elapsed:
        main -= elapsed
    else:
        period -= elapsed - main
        main = 0.0
    while period <= 0 and periods > 1:  # OGS spends whole periods as they run out
        periods -= 1
        period += full
    return _Overtime(main, period, max(periods, 1))


def _canadian_state(tc: TimeControl, entry: PlayerClock | None, elapsed: float) -> _Overtime:
    full, stones = tc.period_time, tc.stones_per_period
    if entry is None or entry.thinking_time > 0:
        main = tc.main_time if entry is None else entry.thinking_time
        block, left = full, stones
    else:
        main = 0.0
        block = entry.block_time if entry.block_time is not None else full
        left = entry.moves_left if entry.moves_left is not None else stones
    if main > elapsed:
        main -= elapsed
    elif main > 0:
        block, left = full - (elapsed - main), stones
        main = 0.0
    else:
        block -= elapsed
    return _Overtime(main, block, max(left, 1))


def _time_left_overtime(color: str, state: _Overtime, full_period: float, margin: float) -> str:
    """`time_left` for byo-yomi or canadian: main time, or the current period and its count.

    Main time within the margin is reported as a fresh period: the engine plays as in
    overtime, which it can afford, rather than as if its main time were gone.
    """
    if state.main - margin > 0:
        return f"time_left {color} {_secs(state.main - margin)} 0"
    period = full_period if state.main > 0 else state.period
    return f"time_left {color} {_secs(period - margin)} {state.count}"


def _absolute(color: str, total: int, left: float, margin: float) -> list[CommandGroup]:
    time_left = f"time_left {color} {_secs(left - margin)} 0"
    return [
        (f"kgs-time_settings absolute {total}", time_left),
        (f"time_settings {total} 0 0", time_left),
    ]


def time_commands(
    tc: TimeControl,
    entry: PlayerClock | None,
    color: str,
    *,
    elapsed: float = 0.0,
    margin: float = DEFAULT_MARGIN,
    kata_systems: Collection[str] = (),
) -> list[CommandGroup]:
    """The command groups to send before `genmove`, best first; [] for an unknown system.

    `entry` is the player's clock entry (None when the server sent none: the full initial
    time is assumed), `elapsed` the seconds since the clock's last move (charged to the
    player to move), `margin` the safety margin in seconds, `kata_systems` what the engine
    answered to `kata-list_time_settings`.
    """
    c = gtp_color(color)
    elapsed = max(0.0, elapsed)
    margin = max(0.0, margin)
    system = tc.system

    if system == "none":
        # byo-yomi time > 0 with 0 stones is GTP's "no time limit"; it also clears the
        # limits a shared engine kept from its previous game.
        return [("kgs-time_settings none",), ("time_settings 0 1 0",)]

    if system == "absolute":
        left = (entry.thinking_time if entry is not None else tc.total_time) - elapsed
        return _absolute(c, _secs(tc.total_time), left, margin)

    if system == "simple":
        per_move = _secs(tc.per_move)
        time_left = f"time_left {c} {_secs(tc.per_move - elapsed - margin)} 1"
        return [
            (f"kgs-time_settings canadian 0 {per_move} 1", time_left),
            (f"time_settings 0 {per_move} 1", time_left),
        ]

    if system == "fischer":
        left = (entry.thinking_time if entry is not None else tc.initial_time) - elapsed
        initial, increment = _secs(tc.initial_time), _secs(tc.time_increment)
        groups: list[CommandGroup] = []
        kata_left = f"time_left {c} {_secs(left - margin)} 0"
        if "fischer-capped" in kata_systems and tc.max_time > 0:
            cap = _secs(max(tc.max_time, tc.initial_time))
            groups.append(
                (f"kata-time_settings fischer-capped {initial} {increment} {cap} -1", kata_left)
            )
        elif "fischer" in kata_systems:
            groups.append((f"kata-time_settings fischer {initial} {increment}", kata_left))
        if increment <= 0:
            return groups + _absolute(c, initial, left, margin)
        # Canadian with one stone per increment: main time is what is left beyond the
        # increment this move will bring back, the increment is the overtime block.
        main = max(0, initial - increment)
        if left - increment - margin > 0:
            time_left = f"time_left {c} {_secs(left - increment - margin)} 0"
        else:
            time_left = f"time_left {c} {_secs(left - margin)} 1"
        return [
            *groups,
            (f"kgs-time_settings canadian {main} {increment} 1", time_left),
            (f"time_settings {main} {increment} 1", time_left),
        ]

    if system == "byoyomi":
        if tc.period_time <= 0 or tc.periods <= 0:
            left = (entry.thinking_time if entry is not None else tc.main_time) - elapsed
            return _absolute(c, _secs(tc.main_time), left, margin)
        state = _byoyomi_state(tc, entry, elapsed)
        main, period, periods = _secs(tc.main_time), _secs(tc.period_time), tc.periods
        kgs = (
            f"kgs-time_settings byoyomi {main} {period} {periods}",
            _time_left_overtime(c, state, tc.period_time, margin),
        )
        # Plain GTP has no byo-yomi: all periods but the last become main time, the last one
        # a canadian block of one stone. Spending part of a period costs nothing on OGS, so
        # this view of the clock only ever errs on the safe side.
        current = tc.period_time if state.main > 0 else state.period
        total = state.main + current + (state.count - 1) * tc.period_time
        if total - tc.period_time - margin > 0:
            time_left = f"time_left {c} {_secs(total - tc.period_time - margin)} 0"
        else:
            time_left = f"time_left {c} {_secs(min(total, tc.period_time) - margin)} 1"
        fake_main = _secs(tc.main_time + (periods - 1) * tc.period_time)
        return [kgs, (f"time_settings {fake_main} {period} 1", time_left)]

    if system == "canadian":
        if tc.period_time <= 0 or tc.stones_per_period <= 0:
            left = (entry.thinking_time if entry is not None else tc.main_time) - elapsed
            return _absolute(c, _secs(tc.main_time), left, margin)
        state = _canadian_state(tc, entry, elapsed)
        main, period, stones = _secs(tc.main_time), _secs(tc.period_time), tc.stones_per_period
        time_left = _time_left_overtime(c, state, tc.period_time, margin)
        return [
            (f"kgs-time_settings canadian {main} {period} {stones}", time_left),
            (f"time_settings {main} {period} {stones}", time_left),
        ]

    return []


def available_time(
    tc: TimeControl, entry: PlayerClock | None, elapsed: float = 0.0
) -> float | None:
    """Seconds the player to move may still think before losing on time; None: no limit.

    What the server will allow for this move: main time plus what overtime still gives
    (all byo-yomi periods, the current canadian block, the simple per-move time).
    """
    elapsed = max(0.0, elapsed)
    system = tc.system
    if system == "none":
        return None
    if system == "simple":
        return max(0.0, tc.per_move - elapsed)
    if system in ("fischer", "absolute"):
        start = tc.initial_time if system == "fischer" else tc.total_time
        left = entry.thinking_time if entry is not None else start
        return max(0.0, left - elapsed)
    if system == "byoyomi":
        state = _byoyomi_state(tc, entry, elapsed)
        current = tc.period_time if state.main > 0 else state.period
        return max(0.0, state.main + current + (state.count - 1) * tc.period_time)
    if system == "canadian":
        state = _canadian_state(tc, entry, elapsed)
        return max(0.0, state.main + (tc.period_time if state.main > 0 else state.period))
    return None
