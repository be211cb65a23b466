"""The console script answers --version and --help."""

import subprocess
import sys
from pathlib import Path

import ogsbot


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ogsbot.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"ogsbot {ogsbot.__version__}"
    assert ogsbot.__version__ == "0.1.0"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "ogsbot.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_check_config_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bot.yaml"
    bad.write_text(
        "api_key: secret-key-123\nengine:\n  command: [/nonexistent/engine]\n"
        "chalenges: {}\ngame:\n  min_move_time: -3\n"
    )
    out = run_cli("check-config", "-c", str(bad))
    assert out.returncode == 2
    assert "engine.command" in out.stderr and "/nonexistent/engine" in out.stderr
    assert "did you mean 'challenges'" in out.stderr
    assert "game.min_move_time" in out.stderr and ">= 0" in out.stderr
    assert "secret-key-123" not in out.stderr + out.stdout


def test_check_config_explains_a_challenge() -> None:
    root = Path(__file__).resolve().parent.parent
    sample = root / "tests" / "data" / "ogs-samples" / "notification-challenge-fischer-1.json"
    out = run_cli(
        "check-config",
        "-c",
        str(root / "config.example.yaml"),
        "--challenge",
        str(sample),
        env={"OGSBOT_API_KEY": "k"},
    )
    assert out.returncode in (0, 1)
    assert ("ACCEPT" in out.stdout) == (out.returncode == 0)
    for rule in ("board_size", "time_system", "games_per_player"):
        assert rule in out.stdout


def test_schema_is_json() -> None:
    import json

    schema = json.loads(run_cli("schema").stdout)
    assert {"server", "engine", "challenges", "game"} <= set(schema["properties"])
