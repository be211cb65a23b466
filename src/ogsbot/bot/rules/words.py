"""Numbers, times and lists as a challenger's sentence says them: "5 min", "a, b or c"."""

from __future__ import annotations

from ogsbot.bot.config import Range


def plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def seconds(value: float) -> str:
    """Seconds for a sentence: "30 s", "5 min", "2 h", "3 days"."""
    number = float(value)
    for size, unit in ((86400, " days"), (3600, " h"), (60, " min")):
        if number >= size and number % size == 0:
            count = int(number // size)
            return f"{count}{' day' if unit == ' days' and count == 1 else unit}"
    return f"{plain(number)} s"


def amount(parameter: str, value: float) -> str:
    return str(plain(value)) if parameter in ("periods", "stones_per_period") else seconds(value)


def range_words(allowed: Range, parameter: str = "") -> str:
    if parameter:
        return f"{amount(parameter, allowed.low)} to {amount(parameter, allowed.high)}"
    return f"{plain(allowed.low)} to {plain(allowed.high)}"


def word_list(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
