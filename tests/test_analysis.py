"""Engine stderr lines that become chat: KataGo and Leela Zero analysis, messages for people."""

from __future__ import annotations

import subprocess
import sys

from ogsbot.bot.analysis import MAX_LINE, ChatLimiter, ChatMessage, parse_line


def test_katago_chat_line_becomes_an_analysis_body() -> None:
    line = (
        "CHAT:Visits 812 Winrate 55.12% ScoreLead 2.3 ScoreStdev 11.0 (PDA 0.00) PV Q16 D4 R4 C16"
    )
    message = parse_line(line, 19, 19, move_number=12)
    assert message is not None and message.channel == "malkovich"
    body = message.body
    assert isinstance(body, dict)
    assert body["type"] == "analysis" and body["from"] == 12
    assert body["moves"] == "pddpqpcd"  # Q16 D4 R4 C16 as OGS letters
    assert body["name"] == "Win rate: 55.1%, Score: 2.3, Visits: 812"
    assert body["engine_analysis"] == {"win_rate": 55.12, "visits": 812, "score": 2.3}
    assert body["marks"] == {"circle": "pd"}


def test_leela_zero_line() -> None:
    line = " D4 ->    1234 (V: 51.20%) (LCB: 50.00%) (N: 12.30%) PV: D4 Q16 pass"
    message = parse_line(line, 19, 19, move_number=3)
    assert message is not None and isinstance(message.body, dict)
    assert message.body["moves"] == "dppd"  # the PV stops at the pass
    assert message.body["engine_analysis"] == {"win_rate": 51.2, "visits": 1234}


def test_text_for_people_and_noise() -> None:
    assert parse_line("DISCUSSION:I think this is close", 9, 9, 1) == ChatMessage(
        "main", "I think this is close"
    )
    assert parse_line("MALKOVICH:my secret plan", 9, 9, 1) == ChatMessage(
        "malkovich", "my secret plan"
    )
    for noise in ("", "GTP ready", "CHAT:", "CHAT:nothing useful", " Z99 -> 3 (V: 5%) PV: Z99"):
        assert parse_line(noise, 9, 9, 1) is None


def test_malformed_numbers_are_noise_not_errors() -> None:
    """Engine output is not trusted: numbers that do not parse are no analysis (before,
    `float('1.2.3')` and `int()` of 5,000 digits raised in the stderr callback)."""
    for line in (
        "CHAT:Visits 5 Winrate 1.2.3% PV D4",
        "CHAT:Visits " + "9" * 5000 + " Winrate 50% PV D4",
        " D4 -> 12 (V: 5.1.2%) PV: D4",
    ):
        assert parse_line(line, 19, 19, 1) is None


def test_a_line_over_the_bound_is_not_chat() -> None:
    good = "CHAT:Visits 812 Winrate 55.12% PV Q16 D4"
    assert parse_line(good, 19, 19, 1) is not None
    assert parse_line(good + " " * (MAX_LINE - len(good)), 19, 19, 1) is not None
    assert parse_line(good + " " * (MAX_LINE + 1 - len(good)), 19, 19, 1) is None
    assert parse_line("MAIN:" + "x" * MAX_LINE, 19, 19, 1) is None


PATHOLOGICAL = """
import sys
from ogsbot.bot.analysis import parse_line
body = "Visits 1 Winrate 1% ScoreLead 1 (V: 1%) P V " * 30000  # 1.3 MB, no PV anywhere
for tail in (body, "Visits " + " " * 10**6 + "x"):
    for head in ("CHAT:", "", " D4 -> 1 (V: 1%)"):
        assert parse_line(head + tail, 19, 19, 1, max_length=10**8) is None
    text = parse_line("MAIN:" + tail, 19, 19, 1, max_length=10**8)  # text, not analysis
    assert text is not None and text.body == tail.strip()
print("ok")
"""


def test_parsing_is_linear_in_the_line() -> None:
    """A 1.3 MB line of analysis heads with no PV (one 120 KB stderr line stalled another
    game 14.4 s: the old pattern was quadratic). Run with the length bound lifted, in a
    child process with a generous bound against a hang of hours."""
    done = subprocess.run(
        [sys.executable, "-c", PATHOLOGICAL], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def analysis_body() -> ChatMessage:
    message = parse_line("CHAT:Visits 8 Winrate 55% PV Q16", 19, 19, 1)
    assert message is not None and isinstance(message.body, dict)
    return message


def test_chat_limiter_bounds_messages_per_window_and_analysis_per_move() -> None:
    now = [0.0]
    limiter = ChatLimiter(per_window=3, window=60.0, clock=lambda: now[0])
    flood = [parse_line(f"MAIN:line {i}", 19, 19, 1) for i in range(2000)]  # 2,000 MAIN: lines
    posted = [m for m in flood if m is not None and limiter.allow(m, 1)]
    assert [m.body for m in posted] == ["line 0", "line 1", "line 2"]
    assert limiter.dropped == 1997
    analysis = analysis_body()
    assert limiter.allow(analysis, 5)  # the window is full, yet a move's analysis goes out
    assert not limiter.allow(analysis, 5)  # once per move
    assert limiter.allow(analysis, 7)
    assert limiter.take_dropped() == 1998 and limiter.dropped == 0
    text = ChatMessage("main", "hello")
    now[0] = 59.5
    assert not limiter.allow(text, 7)  # still the same window
    now[0] = 60.0
    assert [limiter.allow(text, 7) for _ in range(4)] == [True, True, True, False]
    assert limiter.take_dropped() == 2


def test_the_analysis_engines_answer_makes_the_same_chat_as_katagos_stderr() -> None:
    from ogsbot.bot.analysis import chat_from_answer

    answer = {
        "moveInfos": [
            {"move": "Q16", "order": 1, "visits": 10, "pv": ["Q16"]},
            {"move": "D4", "order": 0, "visits": 90, "pv": ["D4", "Q16", "pass", "C3"]},
        ],
        "rootInfo": {"winrate": 0.38, "scoreLead": -3.5, "visits": 100},  # for black
    }
    white = chat_from_answer(answer, False, 19, 19, 42)
    stderr = parse_line("CHAT:Visits 100 Winrate 62.00% ScoreLead 3.5 PV D4 Q16", 19, 19, 42)
    assert white is not None and stderr is not None
    assert white == stderr  # the same body whichever way KataGo said it
    assert white.body["name"] == "Win rate: 62.0%, Score: 3.5, Visits: 100"  # type: ignore[index]
    black = chat_from_answer(answer, True, 19, 19, 42)
    assert black is not None and black.body["engine_analysis"]["win_rate"] == 38.0  # type: ignore[index]
    assert chat_from_answer({"moveInfos": []}, True, 19, 19, 1) is None
