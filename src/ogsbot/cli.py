"""The `ogsbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from loguru import logger

from ogsbot import __version__


def _pair(text: str) -> tuple[str, str]:
    name, sep, secret = text.partition(":")
    if not sep or not name or not secret:
        raise argparse.ArgumentTypeError(f"expected NAME:SECRET, got {text!r}")
    return name, secret


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser and one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="ogsbot",
        description="A GTP bridge that plays Go engines on the Online-Go Server (OGS).",
    )
    parser.add_argument("--version", action="version", version=f"ogsbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    emulator = commands.add_parser(
        "emulator",
        help="run the local OGS emulator by itself",
        description=(
            "Run a local OGS emulator (REST + realtime on one port) that any OGS bot can use, "
            "ours or another (gtp2ogs takes its URL with --server). The control API is "
            "documented at <url>/_sandbox/."
        ),
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    emulator.add_argument(
        "--bot",
        action="append",
        type=_pair,
        default=[],
        metavar="NAME:APIKEY",
        help="a bot account (repeatable); default: one bot 'sandbot' with a random key",
    )
    emulator.add_argument(
        "--human",
        action="append",
        type=_pair,
        default=[],
        metavar="NAME:PASSWORD",
        help="a human account for OAuth2 password logins (repeatable)",
    )
    emulator.add_argument(
        "--state", metavar="FILE", help="keep accounts and games in this JSON file"
    )
    emulator.add_argument("-v", "--verbose", action="store_true", help="log every game event")
    return parser


async def _run_emulator(args: argparse.Namespace) -> int:
    from ogsbot.sandbox.server import Emulator

    emulator = Emulator(args.host, args.port, state_file=args.state)
    bots = list(args.bot)
    existing = [a for a in emulator.accounts.by_id.values() if a.is_bot]
    if not bots and not existing:
        account = emulator.add_bot("sandbot")
        assert account.api_key is not None
        bots = [(account.username, account.api_key)]
    else:
        for name, key in bots:
            if emulator.accounts.by_name(name) is None:
                emulator.add_bot(name, api_key=key)
    for name, password in args.human:
        if emulator.accounts.by_name(name) is None:
            emulator.add_human(name, password)
    url = await emulator.start()
    print(f"OGS emulator running at {url}", flush=True)
    print(f"  control API: {url}/_sandbox/", flush=True)
    for account in emulator.accounts.by_id.values():
        if account.is_bot:
            print(f"  bot {account.username}  API key {account.api_key}", flush=True)
        else:
            print(f"  human {account.username}  (password login)", flush=True)
    print("  OAuth2 client id: sandbox-client, client secret: sandbox-secret", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await emulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logger.remove()
    level = "DEBUG" if getattr(args, "verbose", False) else "INFO"
    logger.add(sys.stderr, level=level, format="{time:HH:mm:ss.SSS} {level: <7} {message}")
    logger.enable("ogsbot")
    if args.command == "emulator":
        return asyncio.run(_run_emulator(args))
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
