"""OGS's score of a finished game, and a conservative guess at its dead stones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ogsbot.ogs.coords import Point, pack_ogs
from ogsbot.ogs.game_state import GameState
from ogsbot.ogs.rulesets import Ruleset, as_ruleset
from ogsbot.ogs.stones import BLACK, EMPTY, WHITE, Board, Color

__all__ = ["PlayerScore", "Score", "estimate_dead", "score"]


def _plain(number: float) -> float:
    """An integral float as an int, as OGS's JSON writes 70 rather than 70.0."""
    return int(number) if float(number).is_integer() else number


@dataclass(frozen=True)
class PlayerScore:
    """One colour's part of OGS's gamedata ``score``; ``total`` is the sum of the rest."""

    total: float
    stones: int
    territory: int
    prisoners: int
    scoring_positions: str
    handicap: int
    komi: float

    def to_json(self) -> dict[str, object]:
        return {
            "total": _plain(self.total),
            "stones": self.stones,
            "territory": self.territory,
            "prisoners": self.prisoners,
            "scoring_positions": self.scoring_positions,
            "handicap": self.handicap,
            "komi": _plain(self.komi),
        }


@dataclass(frozen=True)
class Score:
    """OGS's gamedata ``score``: ``{"black": PlayerScore, "white": PlayerScore}``."""

    black: PlayerScore
    white: PlayerScore

    @property
    def winner(self) -> Color | None:
        """The colour with more points, None for a tie."""
        if self.black.total == self.white.total:
            return None
        return "b" if self.black.total > self.white.total else "w"

    @property
    def margin(self) -> float:
        return abs(self.black.total - self.white.total)

    @property
    def outcome(self) -> str:
        """OGS's ``outcome`` text for a scored game, e.g. ``"56.5 points"``."""
        return f"{_plain(self.margin)} points"

    def to_json(self) -> dict[str, dict[str, object]]:
        return {"black": self.black.to_json(), "white": self.white.to_json()}


def score(
    state: GameState,
    dead: Iterable[Point],
    rules: Ruleset | str | None,
    komi: float,
    handicap: int = 0,
) -> Score:
    """Score a finished game the way OGS fills gamedata ``score``.

    ``dead`` is the stone-removal set (OGS ``removed``); ``rules`` None means the state's.
    Dead stones come off first and count as prisoners for the other side when the ruleset
    counts prisoners.  Territory is every empty region (dead stones' points included)
    bordered by stones of one colour only; regions touching both colours, or none, are
    neutral.  Area scoring adds the remaining stones.  An *empty* point in ``dead`` is
    counted for nobody: OGS marks seki eyes that way.

    Matches OGS's scorer of the 2019-2020 games in ``tests/data/ogs-samples``: eyes of
    groups in seki count as territory (OGS excludes them only in ``strict_seki_mode``).
    goban has since switched to goscorer, which also drops obvious false eyes; finished
    games with filled dame score the same.  ``scoring_positions`` lists the counted points
    (stones, then territory, for area scoring) in row-major order as today's goban does;
    the samples' older order differs, so compare them as sets.
    """
    rules = state.rules if rules is None else as_ruleset(rules)
    board = state.board
    cells, removed, neutral = _lift_dead(board, dead)
    owner = _territory_owners(cells, board._geo.neighbours)

    stones, territory = [0, 0, 0], [0, 0, 0]
    positions: tuple[list[Point], list[Point], list[Point]] = ([], [], [])
    for index, code in enumerate(cells):
        if code:
            if rules.area_scoring:
                stones[code] += 1
                positions[code].append(board._point(index))
        elif owner[index] and index not in neutral:
            territory[owner[index]] += 1
            positions[owner[index]].append(board._point(index))

    prisoners = [0, 0, 0]
    if rules.prisoners_count:
        prisoners[BLACK] = state.prisoners["b"] + removed[WHITE]
        prisoners[WHITE] = state.prisoners["w"] + removed[BLACK]
    white_handicap = rules.white_handicap_points(handicap)

    def player(code: int, handicap_points: int, komi_points: float) -> PlayerScore:
        total = stones[code] + territory[code] + prisoners[code] + handicap_points + komi_points
        return PlayerScore(
            total=total,
            stones=stones[code],
            territory=territory[code],
            prisoners=prisoners[code],
            scoring_positions=pack_ogs(positions[code], board.width, board.height),
            handicap=handicap_points,
            komi=komi_points,
        )

    return Score(black=player(BLACK, 0, 0), white=player(WHITE, white_handicap, komi))


def _lift_dead(board: Board, dead: Iterable[Point]) -> tuple[list[int], list[int], set[int]]:
    """The board's cells with the dead stones taken off, how many of each colour code came
    off, and the empty points marked dead (seki eyes, counted for nobody)."""
    cells = board._cells.copy()
    removed = [0, 0, 0]  # dead stones by colour code
    neutral: set[int] = set()
    for point in dead:
        index = board._index(point)
        if cells[index]:
            removed[cells[index]] += 1
            cells[index] = EMPTY
        else:
            neutral.add(index)
    return cells, removed, neutral


def _territory_owners(cells: list[int], neighbours: tuple[tuple[int, ...], ...]) -> list[int]:
    """For every point, the colour code whose territory it is: an empty region bordered by
    that colour only; 0 for stones and neutral regions (both colours, or none)."""
    owner = [EMPTY] * len(cells)
    visited = bytearray(len(cells))
    for start, code in enumerate(cells):
        if code or visited[start]:
            continue
        visited[start] = 1
        region, borders = [start], 0
        for p in region:
            for n in neighbours[p]:
                v = cells[n]
                if v:
                    borders |= v
                elif not visited[n]:
                    visited[n] = 1
                    region.append(n)
        if borders in (BLACK, WHITE):
            for p in region:
                owner[p] = borders
    return owner


def estimate_dead(position: GameState | Board) -> set[Point]:
    """Guess the dead stones of a finished game; conservative, it prefers leaving stones alive.

    For each *block* (a colour's stones plus the empty points reachable from them without
    crossing an opponent stone) it marks the block's stones dead only when all hold:

    1. the block has no eye: none of its empty regions touches only its own colour;
    2. it touches the opponent (so removing it leaves an area bordered by the opponent only);
    3. every opponent chain next to it has a liberty outside the block, or at least two
       liberties inside it that touch none of the block's stones.  This keeps both sides of
       an eyeless seki alive: there the surrounding chains live on the shared liberties.

    It reads no tactics: a group with one eye, or one that could still make two, is left
    alive, and dead stones next to a gap that leads to their own side's area are missed.
    Meant for finished games with the dame filled, as an input to ``score`` or a starting
    point for stone removal, not as a judgement on unfinished positions.
    """
    board = position.board if isinstance(position, GameState) else position
    cells, neighbours = board._cells, board._geo.neighbours
    dead: set[Point] = set()
    done = bytearray(len(cells))
    for start, code in enumerate(cells):
        if not code or done[start]:
            continue
        other = BLACK + WHITE - code
        block, in_block = [start], {start}
        touches_other = False
        for p in block:
            for n in neighbours[p]:
                v = cells[n]
                if v == other:
                    touches_other = True
                elif n not in in_block:
                    in_block.add(n)
                    block.append(n)
        stones = [p for p in block if cells[p] == code]
        for p in stones:
            done[p] = 1
        if not touches_other or _has_eye(block, cells, neighbours, other):
            continue
        next_to_stones = {n for p in stones for n in neighbours[p] if cells[n] == EMPTY}
        if _surroundings_safe(board, block, in_block, next_to_stones, other):
            dead.update(board._point(p) for p in stones)
    return dead


def _has_eye(
    block: list[int], cells: list[int], neighbours: tuple[tuple[int, ...], ...], other: int
) -> bool:
    """Whether some empty region of the block touches no opponent stone."""
    seen: set[int] = set()
    for start in block:
        if cells[start] or start in seen:
            continue
        seen.add(start)
        region, touches_other = [start], False
        for p in region:
            for n in neighbours[p]:
                v = cells[n]
                if v == other:
                    touches_other = True
                elif v == EMPTY and n not in seen:
                    seen.add(n)
                    region.append(n)
        if not touches_other:
            return True
    return False


def _surroundings_safe(
    board: Board, block: list[int], in_block: set[int], next_to_stones: set[int], other: int
) -> bool:
    """Rule 3 of estimate_dead: the opponent chains around the block do not need it."""
    cells, neighbours = board._cells, board._geo.neighbours
    checked: set[int] = set()
    for p in block:
        for n in neighbours[p]:
            if cells[n] != other or n in checked:
                continue
            chain, liberties = board._chain(n)
            checked.update(chain)
            if liberties - in_block:
                continue
            if len(liberties - next_to_stones) < 2:
                return False
    return True
