"""OGS's rank numbers and their labels ("5k", "3d", "1p"), both ways."""

from __future__ import annotations

import math
import re

PRO_RANK_BASE = 1036
"""OGS ranks a professional N-dan as 1036 + N (`proRankList`), or 36 + N with the pro flag."""

_RANK_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(k|kyu|d|dan|p|pro)\s*$", re.IGNORECASE)
_EPS = 1e-9


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rank_to_text(rank: float, professional: bool = False, *, tenths: bool = False) -> str:
    """OGS's rank label for a rank number, as online-go.com's `rankString` writes it.

    Below 30 is kyu, `ceil(30 - rank)` (so 25.2 is "5k"); from 30 it is dan,
    `floor(rank - 29)` (30 is "1d", 38.9 is "9d"). A rank above 900 is professional,
    `rank - 1036` (1037 is "1p"); with `professional` set a rank of 36 + N is also "Np",
    as OGS sends pros' `rank` in game data (37 for a 1p). Below -900 OGS shows "?".
    `tenths` gives one decimal ("7.1k", "4.3d"), like `rankString(r, true)`.
    """
    if isinstance(rank, bool) or not isinstance(rank, int | float) or not math.isfinite(rank):
        raise ValueError(f"rank {rank!r} is not a finite number")
    if rank > 900 or professional:
        return f"{_plain(rank - PRO_RANK_BASE if rank > 900 else rank - 36)}p"
    if rank < -900:
        return "?"
    if rank < 30:
        if tenths:
            return f"{math.ceil((30 - rank) * 10 - _EPS) / 10:.1f}k"
        return f"{math.ceil(30 - rank - _EPS)}k"
    if tenths:
        return f"{math.floor((rank - 29) * 10 + _EPS) / 10:.1f}d"
    return f"{math.floor(rank - 29 + _EPS)}d"


def text_to_rank(text: str) -> float:
    """The OGS rank number of a label: "5k" is 25.0, "1d" 30.0, "9d" 38.0, "1p" 1037.0.

    Accepts "k"/"kyu", "d"/"dan", "p"/"pro" in any case, with optional spaces and tenths
    ("7.1k" is 22.9). Kyu runs 30k..1k, dan 1d..9d (tenths included), pro 1p..9p. Pro ranks
    follow OGS (1036 + N), not gtp2ogs, which maps every "Np" to 999. Anything else raises
    ValueError naming the text.
    """
    if not isinstance(text, str):
        raise ValueError(f"rank {text!r} is not text such as '5k', '3d' or '1p'")
    match = _RANK_RE.match(text)
    if match is None:
        raise ValueError(f"rank {text!r} is not a rank such as '5k', '3d' or '1p'")
    number = float(match.group(1))
    unit = match.group(2)[0].lower()
    if unit == "k":
        if not 0 < number <= 30:
            raise ValueError(f"rank {text!r} is outside 30k..1k")
        return round(30.0 - number, 6)
    if unit == "d":
        if not 1 <= number < 10:
            raise ValueError(f"rank {text!r} is outside 1d..9d")
        return round(29.0 + number, 6)
    if not number.is_integer() or not 1 <= number <= 9:
        raise ValueError(f"rank {text!r} is outside 1p..9p")
    return float(PRO_RANK_BASE + int(number))
