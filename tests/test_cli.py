"""The console script answers --version and --help."""

import subprocess
import sys

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
