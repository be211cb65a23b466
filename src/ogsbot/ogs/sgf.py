"""A game as SGF (FF[4]), from OGS gamedata: the one SGF writer the bot and emulator share.

Written by hand rather than through sgfmill because OGS boards may be non-square
(`SZ[7:9]`), which sgfmill cannot write; square games read back with sgfmill (tests do).

`game_sgf` never raises for a `GameData` (every one is a game, see `GameData`), and its text
always encodes as UTF-8: every text value goes through `utf8_safe` and is escaped.
"""

from __future__ import annotations

import time

from ogsbot.ogs.coords import unpack_ogs, xy_to_ogs
from ogsbot.ogs.models import GameData, Player, TimeControl, rank_to_text, utf8_safe

_RESULT_WORDS = {
    "Resignation": "R",
    "Timeout": "T",
    "Stone Removal Timeout": "T",
    "Disconnection": "F",
    "Abandonment": "F",
    "Disqualification": "F",
}


def sgf_text(value: str) -> str:
    """An SGF text value: `]` and `\\` escaped, encodable as UTF-8 (`utf8_safe`)."""
    return utf8_safe(value).replace("\\", "\\\\").replace("]", "\\]")


def _rank(player: Player) -> str:
    try:
        return rank_to_text(player.ranking, player.professional)
    except ValueError:  # a rank that is not a number
        return "?"


def _date(started: float) -> str:
    """SGF's DT of an epoch time, today's date if it is not one."""
    try:
        return time.strftime("%Y-%m-%d", time.gmtime(started))
    except (OverflowError, OSError, ValueError):
        return time.strftime("%Y-%m-%d", time.gmtime())


def sgf_result(gamedata: GameData) -> str:
    """OGS's outcome as SGF's RE: B+R, W+T, B+3.5, 0 (jigo), Void; "" while in play."""
    if not gamedata.finished:
        return ""
    outcome = gamedata.outcome
    winner = gamedata.winner
    color = ""
    if isinstance(winner, int) and winner:
        found = gamedata.color_of(winner)
        color = "B" if found == "black" else "W" if found == "white" else ""
    elif isinstance(winner, str) and winner in ("black", "white"):
        color = winner[0].upper()
    if not color:
        return "0" if outcome.endswith("points") else "Void"
    if outcome.endswith(" points"):
        return f"{color}+{outcome.split()[0]}"
    return f"{color}+{_RESULT_WORDS.get(outcome, outcome[:1] or '?')}"


def time_control_text(tc: TimeControl) -> str:
    """OGS's time control in words for SGF's TM/OT (e.g. "fischer 600+10 max 1200")."""
    system = tc.system
    if system == "fischer":
        return f"fischer {tc.initial_time:g}+{tc.time_increment:g} max {tc.max_time:g}"
    if system == "byoyomi":
        return f"byoyomi {tc.main_time:g}+{tc.periods}x{tc.period_time:g}"
    if system == "canadian":
        return f"canadian {tc.main_time:g}+{tc.stones_per_period}/{tc.period_time:g}"
    if system == "simple":
        return f"simple {tc.per_move:g} per move"
    if system == "absolute":
        return f"absolute {tc.total_time:g}"
    return "none"


def game_sgf(gamedata: GameData, *, application: str = "ogsbot") -> str:
    """The game in `gamedata` as SGF text, result included once it is over."""
    gd = gamedata
    w, h = gd.width, gd.height
    size = f"{w}" if w == h else f"{w}:{h}"
    tc = gd.time_control
    started = gd.start_time or time.time()
    props = [
        "FF[4]",
        "GM[1]",
        "CA[UTF-8]",
        f"AP[{sgf_text(application)}]",
        f"SZ[{size}]",
        f"KM[{gd.komi:g}]",
        f"HA[{max(0, gd.handicap)}]",
        f"RU[{sgf_text((gd.rules or 'japanese').capitalize())}]",
        f"PB[{sgf_text(gd.black.username)}]",
        f"PW[{sgf_text(gd.white.username)}]",
        f"BR[{sgf_text(_rank(gd.black))}]",
        f"WR[{sgf_text(_rank(gd.white))}]",
        f"GN[{sgf_text(gd.game_name)}]",
        f"DT[{_date(started)}]",
        f"PC[OGS game {gd.game_id}]",
        f"OT[{sgf_text(time_control_text(tc))}]",
    ]
    if tc.system == "absolute":
        props.append(f"TM[{tc.total_time:g}]")
    elif tc.system == "fischer":
        props.append(f"TM[{tc.initial_time:g}]")
    elif tc.system in ("byoyomi", "canadian"):
        props.append(f"TM[{tc.main_time:g}]")
    for key, packed in (("AB", gd.initial_state_black), ("AW", gd.initial_state_white)):
        points = unpack_ogs(packed, w, h)
        if points:
            props.append(key + "".join(f"[{xy_to_ogs(p, w, h)}]" for p in points))
    result = sgf_result(gd)
    if result:
        props.append(f"RE[{sgf_text(result)}]")
    nodes = []
    for color, move in zip(gd.move_colors(), gd.moves, strict=True):
        vertex = "" if move.is_pass else xy_to_ogs((move.x, move.y), w, h)
        nodes.append(f";{'B' if color == 'black' else 'W'}[{vertex}]")
    return "(;" + "".join(props) + "".join(nodes) + ")\n"
