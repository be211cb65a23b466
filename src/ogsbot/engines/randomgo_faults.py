"""randomgo's faults on purpose (crash, hang, babble, orphan...), for testing a GTP client."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import NoReturn, TextIO

MISBEHAVIOURS = ("crash", "hang", "illegal", "garbage", "babble", "orphan", "refuse")


@dataclass(frozen=True)
class Misbehaviour:
    """One injected fault: ``kind`` happens at the ``at``-th move-generating command."""

    kind: str
    at: int


def parse_misbehaviour(text: str) -> Misbehaviour:
    """Parse ``KIND-at=N`` (argparse type function)."""
    match = re.fullmatch(r"([a-z]+)-at=(\d+)", text.strip())
    if match is None or match.group(1) not in MISBEHAVIOURS or int(match.group(2)) < 1:
        raise argparse.ArgumentTypeError(
            f"expected KIND-at=N with KIND in {', '.join(MISBEHAVIOURS)} and N >= 1, got {text!r}"
        )
    return Misbehaviour(match.group(1), int(match.group(2)))


def babble_forever(out: TextIO) -> NoReturn:
    """An endless multi-line reply: lines until the reader goes away."""
    try:
        out.write("= ")
        while True:
            out.write("babble " * 16 + "\n")
    except (BrokenPipeError, OSError):
        os._exit(4)


def leave_an_orphan_and_crash() -> NoReturn:
    """Start a child that keeps this engine's stdout and stderr open, then exit: the
    bridge must see the crash though its pipe stays open, and end the child too."""
    subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(3600)", "randomgo-orphan"],
        stdin=subprocess.DEVNULL,
    )
    os._exit(3)


def hang_forever() -> NoReturn:
    """Never reply and never read again; only a signal ends this."""
    while True:
        time.sleep(3600)


def flood_stderr(kib: int) -> None:
    """Write ``kib`` KiB of 64-byte lines to stderr (blocks if nobody reads the pipe)."""
    line = "randomgo: stderr flood " + "." * 40 + "\n"  # 64 bytes
    for _ in range(kib * 16):
        sys.stderr.write(line)
    sys.stderr.flush()
