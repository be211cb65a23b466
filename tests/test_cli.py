"""The console script answers --version and --help."""

import subprocess
import sys
from pathlib import Path

import pytest

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


def without_key() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "OGSBOT_API_KEY"}


def run_bare(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ogsbot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "ogs-samples" / "notification-challenge-fischer-1.json"
ENGINE = f"[{sys.executable}, -c, 'pass']"


def test_check_config_takes_the_example_as_it_stands_without_a_key() -> None:
    example = str(ROOT / "config.example.yaml")
    out = run_bare("check-config", "-c", example, env=without_key())
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout
    assert "warning: api_key: no API key yet" in out.stderr and "ogsbot run" in out.stderr
    explained = run_bare(
        "check-config", "-c", example, "--challenge", str(SAMPLE), env=without_key()
    )
    assert explained.returncode in (0, 1), explained.stderr
    assert "time_system" in explained.stdout


def test_run_without_a_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(f"engine: {{command: {ENGINE}}}\n")
    out = run_bare("run", "-c", str(config), env=without_key())
    assert out.returncode == 2
    assert "api_key" in out.stderr and "OGSBOT_API_KEY" in out.stderr


@pytest.mark.parametrize("command", ["run", "check-config"])
def test_unwritable_log_file_and_sgf_dir_are_reported_not_crashed_on(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "plain").write_text("")
    config = tmp_path / "bot.yaml"
    config.write_text(
        f"api_key: secret-key-123\nengine: {{command: {ENGINE}}}\n"
        "log: {file: plain/bot.log}\ngame: {sgf_dir: plain/sgf}\n"
    )
    config.chmod(0o600)
    out = run_bare(command, "-c", str(config), env=without_key())
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "log.file: got 'plain/bot.log'" in out.stderr
    assert str(tmp_path / "plain" / "bot.log") in out.stderr
    assert str(tmp_path / "plain" / "sgf") in out.stderr and "game.sgf_dir" in out.stderr
    assert "secret-key-123" not in out.stderr + out.stdout


def test_sgf_dir_option_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    config = tmp_path / "bot.yaml"
    config.write_text(f"engine: {{command: {ENGINE}}}\ngame: {{sgf_dir: plain/sgf}}\n")
    env = {**without_key(), "OGSBOT_API_KEY": "k" * 16}
    assert run_bare("check-config", "-c", str(config), env=env).returncode == 2
    records = tmp_path / "records"
    out = run_bare("check-config", "-c", str(config), "--sgf-dir", str(records), env=env)
    assert out.returncode == 0, out.stderr
    # run applies it too: an unwritable --sgf-dir is refused before anything connects
    out = run_bare("run", "-c", str(config), "--sgf-dir", str(tmp_path / "plain" / "x"), env=env)
    assert out.returncode == 2 and str(tmp_path / "plain" / "x") in out.stderr
    for command in ("run", "check-config"):
        assert "--sgf-dir" in run_bare(command, "--help", env=env).stdout


def test_check_config_warns_about_a_readable_key_and_plain_http(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(
        f"server: http://ogs.example.org\napi_key: secret-key-123\nengine: {{command: {ENGINE}}}\n"
    )
    config.chmod(0o644)
    out = run_bare("check-config", "-c", str(config), env=without_key())
    assert out.returncode == 0, out.stderr
    assert f"chmod 600 {config}" in out.stderr and "http://ogs.example.org" in out.stderr
    assert "secret-key-123" not in out.stderr + out.stdout


def test_the_emulator_warns_when_it_listens_beyond_this_machine() -> None:
    import signal

    from ogsbot.cli import exposure_warning

    for local in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert exposure_warning(local) is None
    process = subprocess.Popen(
        [sys.executable, "-m", "ogsbot.cli", "emulator", "--host", "0.0.0.0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = "?"
        while line and not line.startswith("Press Ctrl-C"):
            line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=10)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
    (warning,) = [line for line in errors.splitlines() if line.startswith("WARNING")]
    assert warning.startswith("WARNING: the emulator listens on every network interface")
    assert "control API" in warning and "API keys" in warning and "127.0.0.1" in warning
