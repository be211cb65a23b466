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
from collections.abc import Callable, Collection
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


def _main_left(entry: PlayerClock | None, start: float, elapsed: float) -> float:
    """Main time left after `elapsed`: the clock entry's, or all of `start` without one."""
    return (entry.thinking_time if entry is not None else start) - elapsed


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


def _byoyomi_left(tc: TimeControl, state: _Overtime) -> float:
    """All a byo-yomi player may still spend: main time, the current period, the rest."""
    current = tc.period_time if state.main > 0 else state.period
    return state.main + current + (state.count - 1) * tc.period_time


@dataclass(frozen=True)
class _Turn:
    """The turn the commands are for: the colour to move, its clock, what to take off."""

    color: str  # "B" or "W"
    entry: PlayerClock | None
    elapsed: float
    margin: float
    kata_systems: Collection[str]

    def time_left(self, seconds: float, count: int) -> str:
        """`time_left` with the margin taken off the seconds and whole seconds told."""
        return f"time_left {self.color} {_secs(seconds - self.margin)} {count}"


def _time_left_overtime(turn: _Turn, state: _Overtime, full_period: float) -> str:
    """`time_left` for byo-yomi or canadian: main time, or the current period and its count.

    Main time within the margin is reported as a fresh period: the engine plays as in
    overtime, which it can afford, rather than as if its main time were gone.
    """
    if state.main - turn.margin > 0:
        return turn.time_left(state.main, 0)
    period = full_period if state.main > 0 else state.period
    return turn.time_left(period, state.count)


def _absolute_groups(turn: _Turn, total: int, left: float) -> list[CommandGroup]:
    """Absolute time of `total` seconds, `left` of them left."""
    time_left = turn.time_left(left, 0)
    return [
        (f"kgs-time_settings absolute {total}", time_left),
        (f"time_settings {total} 0 0", time_left),
    ]


def _no_limit(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    # byo-yomi time > 0 with 0 stones is GTP's "no time limit"; it also clears the
    # limits a shared engine kept from its previous game.
    return [("kgs-time_settings none",), ("time_settings 0 1 0",)]


def _absolute(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    left = _main_left(turn.entry, tc.total_time, turn.elapsed)
    return _absolute_groups(turn, _secs(tc.total_time), left)


def _simple(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    per_move = _secs(tc.per_move)
    time_left = turn.time_left(tc.per_move - turn.elapsed, 1)
    return [
        (f"kgs-time_settings canadian 0 {per_move} 1", time_left),
        (f"time_settings 0 {per_move} 1", time_left),
    ]


def _fischer(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    left = _main_left(turn.entry, tc.initial_time, turn.elapsed)
    initial, increment = _secs(tc.initial_time), _secs(tc.time_increment)
    groups: list[CommandGroup] = []
    kata_left = turn.time_left(left, 0)
    if "fischer-capped" in turn.kata_systems and tc.max_time > 0:
        cap = _secs(max(tc.max_time, tc.initial_time))
        groups.append(
            (f"kata-time_settings fischer-capped {initial} {increment} {cap} -1", kata_left)
        )
    elif "fischer" in turn.kata_systems:
        groups.append((f"kata-time_settings fischer {initial} {increment}", kata_left))
    if increment <= 0:
        return groups + _absolute_groups(turn, initial, left)
    # Canadian with one stone per increment: main time is what is left beyond the
    # increment this move will bring back, the increment is the overtime block.
    main = max(0, initial - increment)
    if left - increment - turn.margin > 0:
        time_left = turn.time_left(left - increment, 0)
    else:
        time_left = turn.time_left(left, 1)
    return [
        *groups,
        (f"kgs-time_settings canadian {main} {increment} 1", time_left),
        (f"time_settings {main} {increment} 1", time_left),
    ]


def _byoyomi(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    if tc.period_time <= 0 or tc.periods <= 0:
        return _main_time_only(tc, turn)
    state = _byoyomi_state(tc, turn.entry, turn.elapsed)
    main, period, periods = _secs(tc.main_time), _secs(tc.period_time), tc.periods
    kgs = (
        f"kgs-time_settings byoyomi {main} {period} {periods}",
        _time_left_overtime(turn, state, tc.period_time),
    )
    # Plain GTP has no byo-yomi: all periods but the last become main time, the last one
    # a canadian block of one stone. Spending part of a period costs nothing on OGS, so
    # this view of the clock only ever errs on the safe side.
    total = _byoyomi_left(tc, state)
    if total - tc.period_time - turn.margin > 0:
        time_left = turn.time_left(total - tc.period_time, 0)
    else:
        time_left = turn.time_left(min(total, tc.period_time), 1)
    fake_main = _secs(tc.main_time + (periods - 1) * tc.period_time)
    return [kgs, (f"time_settings {fake_main} {period} 1", time_left)]


def _canadian(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    if tc.period_time <= 0 or tc.stones_per_period <= 0:
        return _main_time_only(tc, turn)
    state = _canadian_state(tc, turn.entry, turn.elapsed)
    main, period, stones = _secs(tc.main_time), _secs(tc.period_time), tc.stones_per_period
    time_left = _time_left_overtime(turn, state, tc.period_time)
    return [
        (f"kgs-time_settings canadian {main} {period} {stones}", time_left),
        (f"time_settings {main} {period} {stones}", time_left),
    ]


def _main_time_only(tc: TimeControl, turn: _Turn) -> list[CommandGroup]:
    """Byo-yomi or canadian without overtime: absolute time of the main time."""
    left = _main_left(turn.entry, tc.main_time, turn.elapsed)
    return _absolute_groups(turn, _secs(tc.main_time), left)


_SYSTEMS: dict[str, Callable[[TimeControl, _Turn], list[CommandGroup]]] = {
    "none": _no_limit,
    "absolute": _absolute,
    "simple": _simple,
    "fischer": _fischer,
    "byoyomi": _byoyomi,
    "canadian": _canadian,
}


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
    turn = _Turn(gtp_color(color), entry, max(0.0, elapsed), max(0.0, margin), kata_systems)
    commands = _SYSTEMS.get(tc.system)
    return commands(tc, turn) if commands is not None else []


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
        return max(0.0, _main_left(entry, start, elapsed))
    if system == "byoyomi":
        return max(0.0, _byoyomi_left(tc, _byoyomi_state(tc, entry, elapsed)))
    if system == "canadian":
        state = _canadian_state(tc, entry, elapsed)
        return max(0.0, state.main + (tc.period_time if state.main > 0 else state.period))
    return None


def move_budget(
    tc: TimeControl,
    entry: PlayerClock | None,
    elapsed: float,
    moves_to_play: float,
    margin: float,
    untimed: float = 10.0,
) -> float:
    """Seconds to spend on this move for an engine that has no clock (the analysis
    engine's `maxTime`): the main time shared over the moves still to play, plus what
    overtime gives every move, never more than the clock allows less `margin`; `untimed`
    without a clock. genmove engines do this themselves from the time commands."""
    left = available_time(tc, entry, elapsed)
    if left is None:
        return untimed
    moves = max(1.0, moves_to_play)
    system = tc.system
    if system == "simple":
        share = tc.per_move
    elif system == "fischer":
        share = _main_left(entry, tc.initial_time, elapsed) / moves + tc.time_increment
    elif system == "byoyomi":
        state = _byoyomi_state(tc, entry, elapsed)
        share = state.main / moves + (tc.period_time if state.main > 0 else state.period)
    elif system == "canadian":
        state = _canadian_state(tc, entry, elapsed)
        block = tc.period_time / tc.stones_per_period if state.main > 0 else state.period
        share = state.main / moves + block / (1 if state.main > 0 else state.count)
    else:  # absolute: all there is, shared
        share = left / moves
    return max(0.0, min(share, left - margin))
