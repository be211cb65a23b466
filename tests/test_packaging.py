"""ogsbot as it is shipped: a normal (non-editable) install, and the Docker image's parts.

The wheel is built once from a copy of the sources and installed with `pip --no-deps` into
a fresh venv that borrows only the dependencies (aiohttp, ...) from the test venv, so nothing
can be found through the checkout. Docker itself cannot run here (no daemon): its entrypoint
script and HEALTHCHECK command run directly, with a temporary folder standing for /data/sgf.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
BOT_UID = 10001


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from a copy of the sources (the checkout gets no build files)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = work.glob("ogsbot-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the wheel installed; returns its python."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
    done = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    # The dependencies only: a .pth in another folder is not read, so the checkout's
    # editable-install hook stays out and `import ogsbot` finds the wheel's copy.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run_in(python: Path, cwd: Path, code: str) -> str:
    done = subprocess.run(
        [str(python), "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# ----- 27: randomgo in a normal install ----------------------------------------------------


def test_the_wheel_ships_randomgo(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "ogsbot/engines/randomgo.py" in names and "ogsbot/engines/__init__.py" in names


def test_the_installed_sandbox_runs_the_packaged_randomgo(installed: Path, tmp_path: Path) -> None:
    """The sandbox's randomgo opponent (and its fallback engine) is a command that works
    from the install alone, away from any checkout."""
    found = run_in(
        installed,
        tmp_path,
        "import json, ogsbot; from ogsbot.sandbox.players import engine_argv\n"
        "print(json.dumps([ogsbot.__file__, engine_argv('randomgo')]))",
    )
    package, argv = json.loads(found)
    assert Path(package).is_relative_to(installed.parent.parent)  # the wheel's, not src/
    assert all(str(ROOT) not in part for part in argv), argv
    gtp = subprocess.run(
        argv,
        input="name\nboardsize 9\ngenmove b\nquit\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gtp.returncode == 0, gtp.stderr
    replies = [line for line in gtp.stdout.splitlines() if line]
    assert replies[0] == "= randomgo" and re.fullmatch(r"= [A-HJ][1-9]", replies[2]), replies


def test_the_installed_sandbox_plays_a_game_against_randomgo(
    installed: Path, tmp_path: Path
) -> None:
    """`ogsbot sandbox --opponent randomgo` from the install plays a whole game to its SGF."""
    config = tmp_path / "bot.yaml"
    config.write_text(
        "api_key: not-used-in-the-sandbox\n"
        f"engine:\n  command: [{installed}, -m, ogsbot.engines.randomgo, --seed, '3']\n"
        "game:\n  min_move_time: 0\n"
    )
    ogsbot = installed.parent / "ogsbot"
    out = subprocess.run(
        [str(ogsbot), "sandbox", "-c", str(config), "--opponent", "randomgo", "--sgf-dir", "sgf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(list((tmp_path / "sgf").glob("*.sgf"))) == 1, out.stdout


def test_the_checkout_path_still_runs_randomgo(tmp_path: Path) -> None:
    """`engines/randomgo.py` (tests, benchmarks, configs name it) runs the packaged file,
    with a bare python3 that has no ogsbot installed."""
    python3 = shutil.which("python3") or sys.executable
    gtp = subprocess.run(
        [python3, str(ROOT / "engines" / "randomgo.py"), "--misbehave", "crash-at=1"],
        input="name\ngenmove b\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gtp.stdout.startswith("= randomgo\n")
    assert gtp.returncode == 3 and "crashing on purpose" in gtp.stderr  # its exit code kept


# ----- 26: the Docker image ----------------------------------------------------------------


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_dockerfile_copies_files_that_exist() -> None:
    copies = [args.split() for keyword, args in instructions() if keyword == "COPY"]
    assert copies
    for *sources, _ in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    assert os.access(ENTRYPOINT, os.X_OK)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "docker-entrypoint.sh" not in ignored


def test_the_dockerfile_wires_init_entrypoint_records_and_health() -> None:
    steps = dict(instructions())  # the last of each keyword
    entrypoint = json.loads(steps["ENTRYPOINT"])
    assert entrypoint[:2] == ["/usr/bin/tini", "--"]  # PID 1 forwards SIGTERM, reaps orphans
    assert "tini" in steps["RUN"] or "tini" in dockerfile()
    assert entrypoint[2] == "/usr/local/bin/ogsbot-entrypoint"
    command = json.loads(steps["CMD"])
    assert command[:1] == ["run"] and command[command.index("--sgf-dir") + 1] == "/data/sgf"
    assert "USER" not in steps  # the entrypoint drops to uid 10001 itself
    assert "OGSBOT_HEARTBEAT=/tmp/ogsbot.heartbeat" in steps["ENV"]
    assert steps["HEALTHCHECK"]


def healthcheck_command() -> list[str]:
    args = dict(instructions())["HEALTHCHECK"]
    return list(json.loads(args[args.index("CMD ") + 4 :]))


@pytest.mark.parametrize(("age", "healthy"), [(5, True), (100, True), (200, False), (None, False)])
def test_the_healthcheck_fails_on_a_stale_or_missing_heartbeat(
    tmp_path: Path, age: int | None, healthy: bool
) -> None:
    beat = tmp_path / "heartbeat"
    if age is not None:
        beat.touch()
        then = time.time() - age
        os.utime(beat, (then, then))
    env = {"PATH": "/usr/bin:/bin", "OGSBOT_HEARTBEAT": str(beat)}
    done = subprocess.run(healthcheck_command(), env=env, capture_output=True, timeout=30)
    assert (done.returncode == 0) is healthy, done.stderr


def test_the_readme_stop_timeout_covers_shutdown_wait() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Docker") :]
    run = section[section.index("docker run") :]
    stop = int(re.search(r"--stop-timeout (\d+)", run[: run.index("ogsbot\n")]).group(1))  # type: ignore[union-attr]
    example = (ROOT / "config.example.yaml").read_text()
    shutdown_wait = int(re.search(r"^shutdown_wait: (\d+)", example, re.M).group(1))  # type: ignore[union-attr]
    assert stop > shutdown_wait


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder uid 10001 can reach (pytest's tmp_path is private to root)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as name:
        path = Path(name)
        path.chmod(0o755)
        yield path


def entrypoint(
    sgf_dir: Path, *command: str, as_uid: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The entrypoint as the container runs it: as root, or as `docker run --user` does."""
    prefix = []
    if as_uid is not None:
        prefix = ["setpriv", f"--reuid={as_uid}", f"--regid={as_uid}", "--clear-groups", "--"]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "OGSBOT_SGF_DIR": str(sgf_dir)}
    return subprocess.run(
        [*prefix, "sh", str(ENTRYPOINT), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the container starts as root")


@needs_root
def test_started_as_root_it_makes_a_host_owned_mount_writable_and_drops_to_10001(
    shared: Path,
) -> None:
    """A bind mount keeps the host's owner (here root, 0755, with an old record in it):
    the bot's user gets it, and the command runs as that user, not as root."""
    sgf = shared / "sgf"
    sgf.mkdir(mode=0o755)
    (sgf / "old.sgf").write_text("(;GM[1])")
    done = entrypoint(sgf, "sh", "-c", 'id -u; id -g; echo "(;)" > "$OGSBOT_SGF_DIR/new.sgf"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(BOT_UID), str(BOT_UID)]
    assert {p.stat().st_uid for p in [sgf, *sgf.iterdir()]} == {BOT_UID}


@needs_root
def test_started_as_root_it_runs_ogsbot_commands(shared: Path) -> None:
    sgf = shared / "sgf"
    done = entrypoint(sgf, "--help")  # an ogsbot command line: ogsbot runs it
    assert done.returncode == 0, done.stderr
    assert "check-config" in done.stdout and sgf.stat().st_uid == BOT_UID


@needs_root
def test_with_user_it_checks_the_folder_and_says_how_to_fix_it(shared: Path) -> None:
    sgf = shared / "sgf"
    sgf.mkdir(mode=0o755)  # root's: not writable for the --user uid
    refused = entrypoint(sgf, "sh", "-c", "echo started", as_uid=BOT_UID + 1)
    assert refused.returncode == 1 and "started" not in refused.stdout
    assert "not writable by uid 10002" in refused.stderr and "--user" in refused.stderr
    os.chown(sgf, BOT_UID + 1, BOT_UID + 1)
    ran = entrypoint(sgf, "sh", "-c", "id -u", as_uid=BOT_UID + 1)
    assert ran.returncode == 0 and ran.stdout.split() == [str(BOT_UID + 1)], ran.stderr
