"""The `ogsbot` command line.

`check-config` validates the file as it stands: a missing API key is a warning there (only
`run` needs the key), and so are risky settings (plain http:// to another machine, a key file
other users can read). `run` refuses a config with problems, an unwritable `log.file` or
`game.sgf_dir` included, with exit code 2 and no traceback. `--sgf-dir` on both overrides
`game.sgf_dir`, and `-v` the log level, and a reload keeps both (`reload_config`). The
emulator warns loudly when it listens beyond this machine: its control API has no login.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from ogsbot import __version__

if TYPE_CHECKING:
    from ogsbot.bot.config import Config
    from ogsbot.bot.logs import LogSetup


def _pair(text: str) -> tuple[str, str]:
    name, sep, secret = text.partition(":")
    if not sep or not name or not secret:
        raise argparse.ArgumentTypeError(f"expected NAME:SECRET, got {text!r}")
    return name, secret


_SGF_DIR_HELP = (
    "save the games' SGF files in DIR, overriding game.sgf_dir of the config "
    "(relative to the current directory; '' saves none)"
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser and one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="ogsbot",
        description="A GTP bridge that plays Go engines on the Online-Go Server (OGS).",
    )
    parser.add_argument("--version", action="version", version=f"ogsbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_emulator(commands)
    _add_run(commands)
    _add_control(commands)
    _add_check_config(commands)
    commands.add_parser("schema", help="print the JSON Schema of the config file (for editors)")
    _add_sandbox(commands)
    return parser


def _add_emulator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ogsbot emulator`: the local OGS emulator by itself."""
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


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ogsbot run`: the bot daemon."""
    run = commands.add_parser(
        "run",
        help="run the bot daemon",
        description="Log in to OGS with the bot's API key and play by the rules in the config.",
    )
    run.add_argument("-c", "--config", required=True, metavar="FILE", help="the bot's YAML config")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--server", metavar="URL", help="OGS server URL (overrides the config)")
    where.add_argument(
        "--beta", action="store_true", help="use https://beta.online-go.com (needs a beta bot)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    run.add_argument("--sgf-dir", metavar="DIR", help=_SGF_DIR_HELP)


def _add_control(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ogsbot status`, `stop`, `reload`: ask the running daemon of a config."""
    helps = {
        "status": "show what a running bot is doing: games, engines, challenges, connection",
        "stop": "stop a running bot gracefully (--after-games: once its games have ended)",
        "reload": "make a running bot read its config file again (as SIGHUP does)",
        "games": "list the games a running bot is playing",
        "resign": "make a running bot resign one of its games",
        "message": "make a running bot say something in one of its games' chat",
    }
    for name, text in helps.items():
        command = commands.add_parser(name, help=text, description=text[0].upper() + text[1:])
        command.add_argument("-c", "--config", required=True, metavar="FILE")
        where = command.add_mutually_exclusive_group()
        where.add_argument("--server", metavar="URL", help="the --server the bot runs with")
        where.add_argument("--beta", action="store_true", help="the bot runs with --beta")
        if name == "status":
            command.add_argument("--json", action="store_true", help="print the status as JSON")
        if name in ("resign", "message"):
            command.add_argument("game", type=int, metavar="GAME", help="the game's id")
        if name == "message":
            command.add_argument("text", metavar="TEXT", help="what to say (the main chat)")
        if name == "stop":
            command.add_argument(
                "--after-games",
                action="store_true",
                help="accept no new game and stop once the games in play have ended",
            )


def _add_check_config(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ogsbot check-config`: validate a config, explain a challenge's answer."""
    check = commands.add_parser(
        "check-config",
        help="validate a config (and explain the decision for a challenge)",
        description=(
            "Check a config file and report every problem at once. With --challenge, show "
            "rule by rule what the bot would answer to that challenge notification (JSON)."
        ),
    )
    check.add_argument("-c", "--config", required=True, metavar="FILE")
    check.add_argument("--challenge", metavar="JSON", help="a challenge notification as JSON")
    check.add_argument("--sgf-dir", metavar="DIR", help=_SGF_DIR_HELP)


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ogsbot sandbox`: the bot against an opponent on a local emulator."""
    sandbox = commands.add_parser(
        "sandbox",
        help="play the bot against an opponent on a local OGS emulator",
        description=(
            "Start a local OGS emulator, the bot daemon and an opponent, play full games on "
            "this machine (no account, no network), save the SGFs and print the results."
        ),
    )
    sandbox.add_argument(
        "-c", "--config", metavar="FILE", help="your bot's config (default: a built-in one)"
    )
    sandbox.add_argument("--games", type=int, default=1, help="games to play at once (default 1)")
    sandbox.add_argument("--size", type=int, default=9, help="board size (default 9)")
    sandbox.add_argument(
        "--time",
        default="fischer:300+10",
        help=(
            "time control (default fischer:300+10): fischer:INITIAL+INC[maxMAX], "
            "byoyomi:MAIN+PERIODSxPERIOD, canadian:MAIN+STONES/PERIOD, simple:SECONDS, "
            "absolute:SECONDS or none"
        ),
    )
    sandbox.add_argument(
        "--opponent",
        default="gnugo",
        help="gnugo (default), random, human (you, at this terminal) or a GTP command line",
    )
    sandbox.add_argument(
        "--challenges",
        action="store_true",
        help="send a spread of challenges and print what the bot's rules answer",
    )
    sandbox.add_argument(
        "--sgf-dir",
        default="sandbox-sgf",
        help="where the SGFs go, with -c too (default ./sandbox-sgf)",
    )
    sandbox.add_argument(
        "--keep-open",
        action="store_true",
        help="keep the emulator (and its spectator page) running after the games",
    )
    sandbox.add_argument(
        "--bots",
        type=_bot_count,
        default=0,
        metavar="N",
        help="N bots (2 to 10) with matchmaking on, finding each other and playing "
        "--games games in all (not with --opponent, --challenges or --keep-open)",
    )
    sandbox.add_argument("-v", "--verbose", action="store_true", help="log every game event")


def _bot_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 2 <= count <= 10:
        raise argparse.ArgumentTypeError(f"takes 2 to 10 bots, not {count}")
    return count


def exposure_warning(host: str) -> str | None:
    """The warning for an emulator bound to `host` when that is not this machine only."""
    from ogsbot.bot.config.loading import is_loopback

    if is_loopback(host):
        return None
    where = "every network interface" if host.strip() in ("", "0.0.0.0", "::") else host
    return (
        f"WARNING: the emulator listens on {where}, so other machines can reach it, and "
        "nothing there asks for a login: its control API (/_sandbox/) lets anyone who can "
        "connect create accounts, start games, inject faults and restart the server, and it "
        "prints the bots' API keys below. Use --host 127.0.0.1 unless this network is yours."
    )


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
    warning = exposure_warning(args.host)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    print(f"OGS emulator running at {url}", flush=True)
    print(f"  control API: {url}/_sandbox/", flush=True)
    for account in emulator.accounts.by_id.values():
        if account.is_bot:
            print(f"  bot {account.username}  API key {account.api_key}", flush=True)
        else:
            print(f"  human {account.username}  (password login)", flush=True)
    print("  OAuth2 client id: sandbox-client, client secret: sandbox-secret", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print("Press Ctrl-C to stop.", flush=True)  # from now on Ctrl-C stops it cleanly
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
    from ogsbot.bot.config import LogConfig
    from ogsbot.bot.logs import SHORT_TIME, LogSetup

    logger.remove()
    logs = LogSetup(time_format=SHORT_TIME)
    logs.apply(LogConfig(level="DEBUG" if getattr(args, "verbose", False) else "INFO"))
    logger.enable("ogsbot")
    if args.command == "emulator":
        return asyncio.run(_run_emulator(args))
    if args.command == "schema":
        from ogsbot.bot.config import config_schema

        print(json.dumps(config_schema(), indent=2))
        return 0
    if args.command == "check-config":
        return _check_config(args)
    if args.command == "run":
        return _run_bot(args, logs)
    if args.command == "sandbox":
        return _run_sandbox(args)
    if args.command in ("status", "stop", "reload", "games", "resign", "message"):
        return _control(args)
    parser.error(f"unknown command {args.command!r}")
    return 2


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config keys the command line sets: `--sgf-dir` (an absolute path, or '' for
    none) and `-v` (log level DEBUG)."""
    out: dict[str, Any] = {}
    sgf_dir = getattr(args, "sgf_dir", None)
    if sgf_dir is not None:
        out["game.sgf_dir"] = str(Path(os.path.expanduser(sgf_dir)).resolve()) if sgf_dir else ""
    if getattr(args, "verbose", False):
        out["log.level"] = "DEBUG"
    return out


def _load(path: str, args: argparse.Namespace, *, require_api_key: bool = True) -> Config | None:
    from ogsbot.bot.config import ConfigError, load_config

    try:
        return load_config(path, require_api_key=require_api_key, overrides=_overrides(args))
    except ConfigError as exc:
        print(f"{path}: the config has problems:\n{exc}", file=sys.stderr)
    except OSError as exc:
        print(f"{path}: cannot read the config: {exc}", file=sys.stderr)
    return None


_WITHOUT_BOTS: dict[str, Callable[[argparse.Namespace], bool]] = {
    "--opponent": lambda args: args.opponent != "gnugo",
    "--challenges": lambda args: bool(args.challenges),
    "--keep-open": lambda args: bool(args.keep_open),
}
"""The sandbox's options that do not apply with --bots."""


def _run_sandbox(args: argparse.Namespace) -> int:
    from ogsbot.bot.config import ConfigError
    from ogsbot.sandbox.demo import Options, run

    alone = [f for f, on in _WITHOUT_BOTS.items() if on(args)]
    if args.bots and alone:
        print(
            f"ogsbot sandbox: --bots plays the bots against each other; {', '.join(alone)} "
            "cannot be used with it",
            file=sys.stderr,
        )
        return 2
    if not args.verbose:
        logger.remove()
        logger.add(sys.stderr, level="WARNING", format="{level: <7} {message}", diagnose=False)
    options = Options(
        config=args.config,
        games=args.games,
        size=args.size,
        time=args.time,
        opponent=args.opponent,
        challenges=args.challenges,
        sgf_dir=args.sgf_dir,
        keep_open=args.keep_open,
        bots=args.bots,
    )
    try:
        return asyncio.run(run(options))
    except ConfigError as exc:
        print(f"{args.config}: the config has problems:\n{exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"ogsbot sandbox: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _check_config(args: argparse.Namespace) -> int:
    from ogsbot.bot.rules import Load, decide, explain
    from ogsbot.ogs.models import Challenge

    config = _load(args.config, args, require_api_key=False)
    if config is None:
        return 2
    engine = config.engine
    print(f"{args.config}: OK. Server {config.server}, engine: {' '.join(engine.command)}")
    for warning in config.warnings:
        print(f"{args.config}: warning: {warning}", file=sys.stderr)
    if args.challenge:
        try:
            challenge = Challenge.from_json(json.loads(Path(args.challenge).read_text()))
        except (OSError, ValueError) as exc:
            print(f"{args.challenge}: not a challenge notification: {exc}", file=sys.stderr)
            return 2
        decision = decide(challenge, config.challenges, Load())
        print(explain(decision))
        return 0 if decision.accept else 1
    return 0


def _run_bot(args: argparse.Namespace, logs: LogSetup) -> int:
    from ogsbot.bot.daemon import Daemon
    from ogsbot.bot.instance import AlreadyRunning
    from ogsbot.bot.logs import FULL_TIME, LogSetupError
    from ogsbot.ogs.errors import OGSAuthError, OGSError

    config = _load(args.config, args)
    if config is None:
        return 2
    logs.time_format = FULL_TIME
    try:
        logs.apply(config.log)
    except LogSetupError as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2
    for warning in config.warnings:
        logger.warning("{}: {}", args.config, warning)
    server = _server(args, config)
    heartbeat = os.environ.get("OGSBOT_HEARTBEAT")
    daemon = Daemon(
        config, server=server, logs=logs, heartbeat=Path(heartbeat) if heartbeat else None
    )
    try:
        return asyncio.run(daemon.run())
    except AlreadyRunning as exc:
        print(f"ogsbot: {exc}", file=sys.stderr)
        return 1
    except OGSAuthError as exc:
        logger.error("login refused: {} (check the API key)", exc)
        return 1
    except OGSError as exc:
        logger.error("cannot reach OGS: {}", exc)
        return 1


def _server(args: argparse.Namespace, config: Config) -> str:
    """The server the bot plays on: --beta, --server, else the config's. The control socket
    is named after it, so `run` and the control commands must choose it alike."""
    from ogsbot.ogs.rest_transport import BETA

    return BETA if args.beta else (args.server or config.server)


def _control(args: argparse.Namespace) -> int:
    """Ask the daemon running with this config (its control socket is named after the
    server and the API key, as its instance lock is)."""
    from ogsbot.bot.control import ControlError, ask
    from ogsbot.bot.instance import InstanceLock, default_lock_dir
    from ogsbot.bot.status_report import render, render_games

    config = _load(args.config, args)
    if config is None:
        return 2
    server = _server(args, config)
    lock = InstanceLock(default_lock_dir(), server, config.api_key.get_secret_value())
    game = getattr(args, "game", 0)
    route, method, body = {
        "status": ("/status", "GET", None),
        "games": ("/status", "GET", None),
        "stop": ("/stop", "POST", {"after_games": bool(getattr(args, "after_games", False))}),
        "reload": ("/reload", "POST", None),
        "resign": (f"/games/{game}/resign", "POST", None),
        "message": (f"/games/{game}/message", "POST", {"text": getattr(args, "text", "")}),
    }[args.command]
    try:
        answer = asyncio.run(ask(lock.control_path, method, route, body))
    except ControlError as exc:
        print(f"ogsbot: {exc}", file=sys.stderr)
        return 1
    if args.command in ("resign", "message"):
        if not answer.get("done"):
            print(f"ogsbot: {answer.get('why', 'refused')}", file=sys.stderr)
            return 1
        print("resigned" if args.command == "resign" else "said")
    elif args.command == "games":
        print(render_games(answer["games"]) or "no game in play")
    elif args.command == "status":
        print(json.dumps(answer, indent=2) if args.json else render(answer))
    elif args.command == "stop":
        print("stopping after the games in play" if answer["after_games"] else "stopping")
    else:
        if not answer["reloaded"]:
            why = answer.get("why") or "see the log"
            print(
                f"ogsbot: the daemon refused the config and kept the old one: {why}",
                file=sys.stderr,
            )
            return 1
        print("config reloaded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
