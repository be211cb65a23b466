"""The soak's report: its figures, and the requirements each run must meet."""

from __future__ import annotations

import argparse
import contextlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soak_faults import JSON, MALFORMED
from soak_run import Run, Sample, pool_size


def check_sgf(path: Path, referee: Any, bot_id: int) -> str:
    """What is wrong with the record; "" when it is right."""
    from sgfmill import sgf

    try:
        game = sgf.Sgf_game.from_bytes(path.read_bytes())
        moves = [node.get_move() for node in game.get_main_sequence()]
    except (ValueError, KeyError) as exc:
        return f"unreadable: {exc}"
    played = sum(1 for colour, _ in moves if colour is not None)
    if played != referee.state.move_number:
        return f"{played} moves, the server has {referee.state.move_number}"
    winner = game.get_winner()
    expected = referee.color_of(referee.winner) if referee.winner is not None else None
    if expected is not None and winner != expected[0]:
        return f"winner {winner!r}, the server says {expected}"
    return ""


def scan_secrets(paths: list[Path], api_key: str) -> tuple[int, int, list[str]]:
    """(lines scanned, hits, where) for the key and any 12-character piece of it."""
    pieces = {api_key} | {api_key[i : i + 12] for i in range(0, len(api_key) - 11)}
    lines = hits = 0
    where: list[str] = []
    for path in paths:
        with open(path, errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                if any(piece in line for piece in pieces):
                    hits += 1
                    if len(where) < 10:
                        where.append(f"{path.name}:{number}")
    return lines, hits, where


def ended(referee: Any, bot_id: int) -> str:
    if not referee.finished:
        return "unfinished"
    outcome = str(referee.outcome)
    who = "bot" if referee.winner == bot_id else "opponent"
    if outcome.endswith("points"):
        return f"score, {who} won"
    if outcome == "Resignation":
        return f"resignation, {who} won"
    if outcome == "Timeout":
        return f"timeout, {who} won"
    return f"{outcome or '?'}, {who} won"


@dataclass
class Records:
    """The SGF files of a run, checked against the server's games."""

    files: list[Path]
    incomplete: list[Path]
    ok: int = 0
    missing: list[int] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def check_records(result: Run, finished: list[Any], bot_id: int) -> Records:
    """Every finished game's SGF: there, readable, with the server's moves and winner."""
    sgf_dir = result.workdir / "sgf"
    files = sorted(sgf_dir.glob("*.sgf")) if sgf_dir.exists() else []
    records = Records(files, [p for p in files if p.name.endswith("-incomplete.sgf")])
    by_game: dict[int, Path] = {}
    for file in files:
        if not file.name.endswith("-incomplete.sgf"):
            by_game[int(file.name.split("-", 1)[0])] = file
    for referee in finished:
        path = by_game.get(referee.game_id)
        if path is None:
            records.missing.append(referee.game_id)
            continue
        problem = check_sgf(path, referee, bot_id)
        if problem:
            records.bad.append(f"{referee.game_id}: {problem}")
        else:
            records.ok += 1
    return records


def engine_failures(log_text: str) -> Counter[str]:
    """The engine failures the daemon logged, by kind."""
    failures_by_kind: Counter[str] = Counter()
    for match in re.finditer(r"engine failure \d+/\d+: (.*)", log_text):
        text = match.group(1)
        kind = (
            "crash (exited)"
            if "exited with code" in text
            else "hang (killed after the genmove timeout)"
            if "no reply" in text
            else "illegal move"
            if "answered" in text
            else "not GTP"
            if "not GTP" in text
            else "endless reply (over the bound)"
            if "is over" in text
            else "other: " + text[:60]
        )
        failures_by_kind[kind] += 1
    return failures_by_kind


@dataclass
class Memory:
    """The daemon's resident memory over a run."""

    checkpoints: list[tuple[int, Sample]]
    peak: Sample | None
    growth: float  # MB over the second half at full load
    slope: float  # MB per 100 games over the same span


def memory(args: argparse.Namespace, samples: list[Sample], games: int) -> Memory:
    """Checkpoints every tenth of the games, the peak, and the growth over the second half."""
    half = math.ceil(games / 2)
    checkpoints: list[tuple[int, Sample]] = []
    step = max(1, math.ceil(args.games / 10))
    for target in range(step, games + step, step):
        hit = next((s for s in samples if s.finished >= min(target, games)), None)
        if hit is not None and (not checkpoints or checkpoints[-1][1] is not hit):
            checkpoints.append((min(target, games), hit))
    peak = max(samples, key=lambda s: s.rss_mb) if samples else None
    # The second half at the same load: from the sample where half the games were over, to the
    # last sample with at least half of the slots still busy.
    busy = max(1, args.parallel // 2)
    second = [s for s in samples if s.finished >= half and s.active >= busy]
    growth = (max(s.rss_mb for s in second) - second[0].rss_mb) if len(second) > 1 else math.nan
    slope = math.nan
    if len(second) > 2 and second[-1].finished > second[0].finished:
        n = len(second)
        mx = sum(s.finished for s in second) / n
        my = sum(s.rss_mb for s in second) / n
        sxx = sum((s.finished - mx) ** 2 for s in second)
        if sxx:
            slope = sum((s.finished - mx) * (s.rss_mb - my) for s in second) / sxx * 100
    return Memory(checkpoints, peak, growth, slope)


@dataclass
class Figures:
    """Everything the report prints and checks, read from a run."""

    games: list[Any]
    finished: list[Any]
    unfinished: list[int]
    endings: Counter[str]
    records: list[JSON]  # the opponents' record of each challenge
    log_text: str
    sgf: Records
    starts: list[str]  # the engine processes started
    failures_by_kind: Counter[str]
    reconnects: int
    gave_up: int  # games the bot resigned after engine failures
    bot_time_losses: list[int]
    memory: Memory
    log_secrets: tuple[int, int, list[str]]  # lines, hits, where
    sgf_secrets: tuple[int, int, list[str]]


def figures(args: argparse.Namespace, result: Run, bot_id: int) -> Figures:
    """Read the run's games, logs, records and samples."""
    games = sorted(result.games, key=lambda r: r.game_id)
    finished = [r for r in games if r.finished]
    log_text = result.workdir.joinpath("daemon.log").read_text(errors="replace")
    sgf = check_records(result, finished, bot_id)
    starts_path = result.workdir / "engine-starts.log"
    connections = [
        int(n) for n in re.findall(r"realtime connected to .*\(connection (\d+)\)", log_text)
    ]
    gave_up = sum(
        1
        for r in games
        if any(
            "my engine failed" in str((line.get("line") or {}).get("body", "")) for line in r.chat
        )
    )
    logs = [result.workdir / "daemon.log", *sorted((result.workdir / "logs").glob("*"))]
    return Figures(
        games=games,
        finished=finished,
        unfinished=[r.game_id for r in games if not r.finished],
        endings=Counter(ended(r, bot_id) for r in games),
        records=result.opponents.get("records", []),
        log_text=log_text,
        sgf=sgf,
        starts=starts_path.read_text().splitlines() if starts_path.exists() else [],
        failures_by_kind=engine_failures(log_text),
        reconnects=max(connections, default=1) - 1,
        gave_up=gave_up,
        bot_time_losses=[
            r.game_id for r in finished if r.outcome == "Timeout" and r.winner != bot_id
        ],
        memory=memory(args, result.samples, len(games)),
        log_secrets=scan_secrets([p for p in logs if p.is_file()], result.api_key),
        sgf_secrets=scan_secrets(sgf.files, result.api_key),
    )


def report(args: argparse.Namespace, result: Run, bot_id: int) -> list[str]:
    """Print the counts; returns the failed requirements."""
    f = figures(args, result, bot_id)
    trust = trust_figures(args, result, bot_id)
    print_figures(args, result, f, trust)
    return requirements(args, result, f) + trust.failures


def print_figures(args: argparse.Namespace, result: Run, f: Figures, trust: TrustFigures) -> None:
    """One line per figure (a table: each line is one figure)."""
    games, samples, mem = f.games, result.samples, f.memory
    opp_results = Counter(str(rec.get("result", "?")).split(":")[0] for rec in f.records)
    lines, hits, where = f.log_secrets
    sgf_lines, sgf_hits, sgf_where = f.sgf_secrets
    w = 54
    print()
    print(f"soak: {args.games} games asked, {args.parallel} at a time, seed {args.seed}, engine "
          f"manager {args.manager}; {result.wall:.0f} s; folder {result.workdir}")  # fmt: skip
    print(f"{'games started (on the server)':{w}} {len(games)}")
    print(f"{'games finished':{w}} {len(f.finished)}")
    print(f"{'finished games with a good SGF':{w}} {f.sgf.ok}")
    print(f"{'  SGF missing / wrong':{w}} {len(f.sgf.missing)} / {len(f.sgf.bad)}")
    print(f"{'  -incomplete.sgf files (games cut off, then resumed)':{w}} {len(f.sgf.incomplete)}")
    print(f"{'how the games ended':{w}} " + ", ".join(
        f"{k}: {v}" for k, v in sorted(f.endings.items())))  # fmt: skip
    print(f"{'bot time losses':{w}} {len(f.bot_time_losses)}")
    print(f"{'bot resignations after engine failures':{w}} {f.gave_up}")
    if len(f.records) < args.games:
        print(f"{'stopped by the time bound (--seconds) after':{w}} {len(f.records)} challenges")
    print(f"{'opponents: challenges made, by result':{w}} {len(f.records)}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(opp_results.items())))  # fmt: skip
    print(f"{'faults injected, by kind':{w}} {sum(result.faults.values())}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(result.faults.items())))  # fmt: skip
    print(f"{'  malformed frames: kinds sent':{w}} {len(result.malformed)} of {len(MALFORMED)}")
    restarts = result.restart_seconds
    print(f"{'  server restarts: each took (s)':{w}} "
          + (", ".join(f"{s:.1f}" for s in restarts) or "-"))  # fmt: skip
    print(f"{'engine processes started':{w}} {len(f.starts)}")
    print(f"{'engine failures seen by the daemon, by kind':{w}} {sum(f.failures_by_kind.values())}"
          + "".join(f"; {k} {v}" for k, v in sorted(f.failures_by_kind.items())))  # fmt: skip
    first_starts = min(len(games), pool_size(args)) if args.manager == "pool" else len(games)
    print(f"{'engine restarts (starts - first starts)':{w}} {max(0, len(f.starts) - first_starts)}")
    print(f"{'reconnects of the daemon (realtime logins - 1)':{w}} {f.reconnects}")
    first = samples[0].rss_mb if samples else math.nan
    peak = mem.peak
    print(f"{'daemon RSS MB: start / peak / after the games':{w}} {first:.1f} / "
          f"{peak.rss_mb if peak else math.nan:.1f} (with {peak.active if peak else 0} games) / "
          f"{result.idle.rss_mb if result.idle else math.nan:.1f}")  # fmt: skip
    print(f"{'daemon RSS MB at checkpoints (games finished: MB)':{w}} " + ", ".join(
        f"{n}: {s.rss_mb:.1f}" for n, s in mem.checkpoints))  # fmt: skip
    print(f"{'RSS growth over the 2nd half at full load, MB':{w}} {mem.growth:.1f} "
          f"(slope {mem.slope:+.2f} MB per 100 games; limit {args.max_growth:g} MB)")  # fmt: skip
    print(f"{'engine processes: peak / after the games':{w}} "
          f"{max((s.engines for s in samples), default=0)} / "
          f"{result.idle.engines if result.idle else '?'}")  # fmt: skip
    print(f"{'log lines scanned / secret hits':{w}} {lines} / {hits}"
          f"{' at ' + ', '.join(where) if where else ''}")  # fmt: skip
    print(f"{'SGF lines scanned / secret hits':{w}} {sgf_lines} / {sgf_hits}"
          f"{' at ' + ', '.join(sgf_where) if sgf_where else ''}")  # fmt: skip
    print(f"{'daemon stopped by / exit status':{w}} {result.stopped} / {result.returncode}")
    for label, value in trust.lines:
        print(f"{label:{w}} {value}")
    tracebacks = f.log_text.count("Traceback")
    print(f"{'tracebacks in the daemon log':{w}} {tracebacks}")
    for text, count in result.problems.most_common(12):
        print(f"  daemon log: {count:5d} x {text}")


def requirements(args: argparse.Namespace, result: Run, f: Figures) -> list[str]:
    """The requirements the run failed, one sentence each."""
    failures: list[str] = []
    lost_challenges = [rec for rec in f.records if rec.get("result") not in ("finished",)]
    if result.died:
        failures.append("the daemon died during the run")
    if f.unfinished:
        failures.append(f"{len(f.unfinished)} game(s) never finished: {f.unfinished[:10]}")
    if lost_challenges:
        failures.append(
            f"{len(lost_challenges)} challenge(s) did not end in a finished game: "
            + "; ".join(
                f"#{rec['number']} game {rec.get('game_id')}: {rec.get('result')}"
                for rec in lost_challenges[:5]
            )
        )
    if f.sgf.missing or f.sgf.bad:
        failures.append(
            f"{len(f.sgf.missing)} finished game(s) without an SGF {f.sgf.missing[:10]}, "
            f"{len(f.sgf.bad)} with a wrong one {f.sgf.bad[:5]}"
        )
    if f.bot_time_losses:
        failures.append(
            f"the bot lost {len(f.bot_time_losses)} game(s) on time: {f.bot_time_losses}"
        )
    if math.isnan(f.memory.growth):
        failures.append(
            "the run was too short to measure the memory's growth (fewer than two samples at "
            "full load in its second half): give it more --games or --seconds"
        )
    elif not f.memory.growth < args.max_growth:
        failures.append(
            f"the daemon's memory grew {f.memory.growth:.1f} MB over the second half "
            f"(limit {args.max_growth:g} MB)"
        )
    hits, sgf_hits = f.log_secrets[1], f.sgf_secrets[1]
    if hits or sgf_hits:
        where = f.log_secrets[2] + f.sgf_secrets[2]
        failures.append(f"the API key appears {hits + sgf_hits} time(s): {where}")
    # One process per game stops with its game; a pool keeps its processes for the next,
    # the analysis engine its one process for every game.
    kept = {"pool": pool_size(args), "analysis": 1}.get(args.manager, 0)
    if result.idle is not None and result.idle.active:
        failures.append(f"{result.idle.active} game(s) still in play at the idle sample")
    elif result.idle is not None and result.idle.engines > kept:
        failures.append(
            f"{result.idle.engines} engine process(es) left after the games (at most {kept})"
        )
    if result.returncode not in (0,):
        failures.append(f"the daemon exited with status {result.returncode} ({result.stopped})")
    if "stray" in result.stopped:
        failures.append(f"engine processes outlived the daemon: {result.stopped}")
    return failures


@dataclass
class TrustFigures:
    lines: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def peak_games(games: list[Any]) -> int:
    """The most bot games in play at once (from the server's start and end times)."""
    events = []
    for referee in games:
        events.append((referee.start_time, 1))
        events.append((referee.end_time if referee.end_time is not None else math.inf, -1))
    peak = now = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        now += step
        peak = max(peak, now)
    return peak


def orphan_processes() -> int:
    """Engine children (randomgo's orphan fault) still alive."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += b"randomgo-orphan" in (entry / "cmdline").read_bytes()
    return count


def trust_figures(args: argparse.Namespace, result: Run, bot_id: int) -> TrustFigures:
    """Issue #13's faults: limits under bursts, hostile marks, refusals, kill -9, orphans."""
    out = TrustFigures()
    injector = result.injector
    if injector is None:
        return out
    limit = args.parallel * 2
    peak = peak_games(result.games)
    out.lines.append(("bot games in play at once: peak / max_games", f"{peak} / {limit}"))
    if peak > limit:
        out.failures.append(f"{peak} games at once, over max_games {limit}")
    out.lines.append(("challenges waiting at a login after a kill -9", str(injector.burst_humans)))
    kills = len(injector.kill_spans)
    out.lines.append(
        (
            "daemon killed (SIGKILL) and started again",
            f"{kills}; engines it left: {injector.stray_after_kills} (ended by the soak)",
        )
    )
    by_id = {r.game_id: r for r in result.games}
    judged = wrong = 0
    for game_id, (when, stones) in injector.hostile.items():
        referee = by_id.get(game_id)
        away = any(down <= when <= back + 10 for down, back in injector.kill_spans)
        if referee is None or away or not str(referee.outcome).endswith("points"):
            continue
        judged += 1
        wrong += bool(referee.removed & stones)
    out.lines.append(
        (
            "hostile marks: games / scored with the bot there / lost stones",
            f"{len(injector.hostile)} / {judged} / {wrong}",
        )
    )
    if wrong:
        out.failures.append(f"{wrong} game(s) scored with the bot's stones dead on hostile marks")
    most = max(injector.refused.values(), default=0)
    bound = 6  # session.REFUSAL_BACKOFF has 5 waits: at most 6 tries in one refusal window
    out.lines.append(
        (
            "refusal windows / moves refused / most in one game and window",
            f"{injector.refusal_windows} / {sum(injector.refused.values())} / {most} "
            f"(bound {bound})",
        )
    )
    if most > bound:
        out.failures.append(f"{most} moves refused in one game within one refusal window")
    orphans = orphan_processes()
    out.lines.append(("engine children left alive (orphan fault)", str(orphans)))
    if orphans:
        out.failures.append(f"{orphans} engine child process(es) outlived their engine")
    return out
