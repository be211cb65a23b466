"""GTP engines shipped inside the package, so an installed ogsbot (a wheel, the Docker image)
has them without the source tree: `python -m ogsbot.engines.randomgo`."""

import sys
from pathlib import Path

RANDOMGO_MODULE = "ogsbot.engines.randomgo"
# The installed file, for tools that must name a script (a wrapper that runs it).
RANDOMGO_FILE = Path(__file__).resolve().with_name("randomgo.py")


def randomgo_argv(*options: str) -> list[str]:
    """The command line that runs randomgo with this interpreter, wherever ogsbot is
    installed (found as a module, never as a path into a checkout)."""
    return [sys.executable, "-m", RANDOMGO_MODULE, *options]
