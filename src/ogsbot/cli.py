"""The `ogsbot` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ogsbot import __version__


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; each later command adds a subparser here."""
    parser = argparse.ArgumentParser(
        prog="ogsbot",
        description="A GTP bridge that plays Go engines on the Online-Go Server (OGS).",
    )
    parser.add_argument("--version", action="version", version=f"ogsbot {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
