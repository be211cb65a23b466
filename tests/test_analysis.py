"""Engine stderr lines that become chat: KataGo and Leela Zero analysis, messages for people."""

from __future__ import annotations

from ogsbot.bot.analysis import ChatMessage, parse_line


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
