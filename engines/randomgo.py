#!/usr/bin/env python3
"""randomgo's old path, kept for checkouts: runs src/ogsbot/engines/randomgo.py.

The engine lives in the package so that a normal install (a wheel, the Docker image) has it
as `python -m ogsbot.engines.randomgo`. Here the file is run directly, so this path still
needs nothing but the standard library, installed or not.
"""

import runpy
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "src" / "ogsbot" / "engines" / "randomgo.py"

if __name__ == "__main__":
    runpy.run_path(str(ENGINE), run_name="__main__")
