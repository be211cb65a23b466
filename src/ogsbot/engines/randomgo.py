#!/usr/bin/env python3
"""randomgo: a tiny GTP 2 engine that plays uniformly random legal moves.

It exists for tests and demonstrations: it starts in about 0.1 s, plays in milliseconds,
is deterministic with ``--seed`` and can misbehave on purpose (crash, hang, illegal move, garbage
reply, slow replies, stderr noise) so that a GTP client's error handling can be exercised.

Run it as ``python -m ogsbot.engines.randomgo [options]`` where ogsbot is installed (it ships in
the package, so a wheel or the Docker image has it), or as ``python3 engines/randomgo.py`` in a
checkout. It needs nothing but the standard library (Python 3.11+) and imports nothing from
ogsbot but its own parts beside it: ``randomgo_board`` (stones, captures, score),
``randomgo_gtp`` (the commands), ``randomgo_args`` (their arguments, the handicap points) and
``randomgo_faults`` (the misbehaviours on purpose).

Rules: simple ko, no suicide, area scoring with komi, every stone counted alive. genmove picks a
uniformly random legal move among those that do not fill one of the mover's own single-point
eyes and do not repeat an earlier whole-board position (without that, capture cycles can make a
random game endless), and passes when there is none.

Options (see ``--help``):

``--seed N``
    seed of the ``random.Random`` behind genmove and place_free_handicap (default: random).
``--misbehave KIND-at=N``
    KIND is ``crash``, ``hang``, ``illegal`` or ``garbage``; N counts move-generating commands
    (genmove, kgs-genmove_cleanup, reg_genmove) from 1. May be given several times.

    - crash: write a line to stderr and exit with status 3 without replying.
    - hang: never reply, read nothing more, sleep until killed.
    - illegal: reply ``=`` with an occupied point, or an off-board point (``A<size+1>``) when the
      board is empty; the board is not changed.
    - babble: reply ``=`` followed by lines without end (until the reader goes away).
    - orphan: start a child that holds stdout and stderr open (its command line ends with
      ``randomgo-orphan``), then exit without replying.
    - garbage: reply ``this is not gtp`` (followed by the usual blank line) instead of a GTP
      response; no move is played; later commands are answered normally.
    - refuse (``--analysis`` only): refuse the N-th query's moves as KataGo does a move its
      rules forbid (``Illegal move``, field ``moves``); the GTP side ignores it.
``--refuse COMMAND``
    list COMMAND but answer every use of it with ``? refused on purpose``, as an engine does
    that lists a command it cannot take (say, a time system it does not support). Repeatable.
``--delay SECONDS``
    sleep before each move-generating reply.
``--stderr-chatter``
    write KataGo-like lines (``CHAT:Visits ...``) to stderr on each move-generating command.
``--stderr-flood N``
    write N KiB to stderr at startup, before reading any command.
``--log FILE``
    append every command received (after preprocessing) to FILE, one per line; with
    ``--analysis``, every query line.
``--hopeless``
    with ``--analysis``: every position is lost for the side to move (win rate 1%, 30
    points behind), for testing a bridge's resignation.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
from pathlib import Path

if not __package__:
    # Run as a file (engines/randomgo.py, a wrapper script), maybe with no ogsbot installed:
    # this folder is imported as the package `engines`, which needs the standard library only.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "engines"

from .randomgo_analysis import serve
from .randomgo_args import GtpError, fixed_handicap_points, parse_colour, parse_int, parse_vertex
from .randomgo_board import COLUMNS, Key, Point, Position, format_point, format_score
from .randomgo_faults import MISBEHAVIOURS, Misbehaviour, flood_stderr, parse_misbehaviour
from .randomgo_gtp import MAX_SIZE, MIN_SIZE, NAME, VERSION, Engine, TimeSettings

__all__ = [
    "COLUMNS",
    "MAX_SIZE",
    "MIN_SIZE",
    "MISBEHAVIOURS",
    "NAME",
    "VERSION",
    "Engine",
    "GtpError",
    "Key",
    "Misbehaviour",
    "Point",
    "Position",
    "TimeSettings",
    "build_parser",
    "fixed_handicap_points",
    "format_point",
    "format_score",
    "main",
    "parse_colour",
    "parse_int",
    "parse_misbehaviour",
    "parse_vertex",
]


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="randomgo",
        description="A GTP 2 engine that plays random legal moves, with fault injection for tests.",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--misbehave",
        type=parse_misbehaviour,
        action="append",
        default=[],
        metavar="KIND-at=N",
        help="crash|hang|illegal|garbage at the N-th genmove (1-based); repeatable",
    )
    parser.add_argument(
        "--refuse",
        action="append",
        default=[],
        metavar="COMMAND",
        help="list COMMAND but refuse every use of it; repeatable",
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="sleep before each genmove reply",
    )
    parser.add_argument(
        "--stderr-chatter",
        action="store_true",
        help="write KataGo-like lines to stderr per genmove",
    )
    parser.add_argument(
        "--stderr-flood", type=int, default=0, metavar="N", help="write N KiB to stderr at startup"
    )
    parser.add_argument("--log", metavar="FILE", help="append every received command to FILE")
    parser.add_argument(
        "--analysis",
        action="store_true",
        help="speak KataGo's analysis-engine JSON protocol instead of GTP (randomgo_analysis)",
    )
    parser.add_argument(
        "--hopeless",
        action="store_true",
        help="with --analysis: every position is lost for the side to move",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Read GTP commands from stdin until ``quit`` or end of input."""
    options = build_parser().parse_args(argv)
    if options.delay < 0 or options.stderr_flood < 0:
        build_parser().error("--delay and --stderr-flood must not be negative")
    if options.stderr_flood:
        flood_stderr(options.stderr_flood)
    if options.analysis:  # --misbehave counts queries; --delay is each one's mean wait
        rng = random.Random(options.seed)
        delay = options.delay or 0.02
        log_file = open(options.log, "a", encoding="utf-8") if options.log else None  # noqa: SIM115
        with log_file or contextlib.nullcontext():
            return serve(
                sys.stdin, sys.stdout, rng, delay, options.misbehave, options.hopeless, log_file
            )
    engine = Engine(
        random.Random(options.seed),
        misbehaviours=options.misbehave,
        delay=options.delay,
        chatter=options.stderr_chatter,
        refuse=options.refuse,
    )
    log = open(options.log, "a", encoding="utf-8") if options.log else None  # noqa: SIM115
    try:
        for raw in sys.stdin.buffer:
            text = raw.decode("utf-8", errors="replace")
            if log is not None:
                command = Engine.preprocess(text)
                if command:
                    log.write(command + "\n")
                    log.flush()
            engine.handle(text)
            if engine.finished:
                break
    except BrokenPipeError:
        # the client went away: exit quietly (no "Exception ignored" at interpreter shutdown)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if log is not None:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
