"""A real OpenSSH server on 127.0.0.1, for the tests of engines run on another machine.

An engine on another machine is run as `ssh host command` (#15 §3): ssh carries the engine's
stdin, stdout and stderr, and nothing else does. Whether that holds (the command's quoting
through the remote shell, the end of the remote process when the engine is stopped or its
connection dies) can only be known against a real sshd, not a stand-in protocol. The `sshd`
fixture starts Debian's own `/usr/sbin/sshd` as the current user's server: on a free port
of 127.0.0.1, with its own host key, one authorized client key and every file in a temp dir,
and logs in once before handing it over. Without OpenSSH it skips, naming `scripts/setup
--test`, which installs it.

A test module uses it with `pytest_plugins = ["sshd"]`, and imports `SSHServer` for its type
under `if TYPE_CHECKING:` (imported earlier, pytest could not rewrite its asserts).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"  # sshd refuses to start from a relative path (it re-executes itself)
PRIVSEP_DIR = Path("/run/sshd")  # sshd started by root refuses to run without it
READY_TIMEOUT = 10.0  # s for the first login to succeed


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, found through /proc (sshd's sessions each call setsid(),
    so no process group holds them all)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ')'
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


class SSHServer:
    """An sshd for the current user on 127.0.0.1:`port`; `command()` runs a command there."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = directory / "client_ed25519"
        self.host_key = directory / "host_ed25519"
        self.config = directory / "sshd_config"
        self.log = directory / "sshd.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *argv: str | os.PathLike[str]) -> list[str]:
        """The ssh command line that runs `argv` on this server. The remote side hands the
        command to the user's shell as one string, hence `shlex.join`."""
        return [
            "ssh",
            "-F", "none",  # neither ~/.ssh/config nor /etc/ssh/ssh_config
            "-i", str(self.key),
            "-p", str(self.port),
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",  # this key only, not an agent's
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR",
            "127.0.0.1",
            "--",
            shlex.join(str(a) for a in argv),
        ]  # fmt: skip

    def start(self) -> None:
        """Keys, config, the server; returns once a login runs a command."""
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(self.host_key)], check=True)
        subprocess.run([*keygen, "-f", str(self.key)], check=True)
        authorized = self.directory / "authorized_keys"
        shutil.copyfile(self.key.with_suffix(".pub"), authorized)
        if os.geteuid() == 0:
            PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:  # a port taken between free_port() and sshd's bind: another port
            self.port = free_port()
            self.config.write_text(
                f"ListenAddress 127.0.0.1\n"
                f"Port {self.port}\n"
                f"HostKey {self.host_key}\n"
                f"AuthorizedKeysFile {authorized}\n"
                f"PidFile {self.directory / 'sshd.pid'}\n"
                "PubkeyAuthentication yes\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "UsePAM no\n"
                "StrictModes no\n"  # the temp dir's modes are the test's business
                "PermitRootLogin prohibit-password\n"  # the tests may run as root
                "PrintMotd no\n"
                "PrintLastLog no\n"
            )
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [SSHD, "-D", "-e", "-f", str(self.config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            if self._wait_for_login(deadline):
                return
            taken = "Address already in use" in self.log.read_text(errors="replace")
            if self.process.poll() is None or not taken or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"sshd on 127.0.0.1:{self.port} took no login in {READY_TIMEOUT:g} s; "
                    f"its log:\n{self.log.read_text(errors='replace')}"
                )

    def _wait_for_login(self, deadline: float) -> bool:
        """True once `ssh ... true` succeeds; False when sshd exited first (a taken port)."""
        assert self.process is not None
        while self.process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                done = subprocess.run(
                    self.command("true"), stdin=subprocess.DEVNULL, capture_output=True, timeout=5
                )
                if done.returncode == 0:
                    return True
            time.sleep(0.02)
        return False

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to the server and its sessions, SIGKILL to whatever outlives `grace` s."""
        self._end(signal.SIGTERM, grace)

    def kill(self) -> None:
        """SIGKILL to the server and every process below it (sessions and their commands)."""
        self._end(signal.SIGKILL, 2.0)

    def _end(self, sig: signal.Signals, grace: float) -> None:
        """Signal the whole tree, taken before the first signal: a session whose parent is
        gone is no longer below it. Wait for all of it, SIGKILL what is left."""
        process = self.process
        if process is None:
            return
        tree = [process.pid, *descendants(process.pid)] if process.poll() is None else []
        deadline = time.monotonic() + grace
        for attempt in (sig, signal.SIGKILL):
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, attempt)
            while time.monotonic() < deadline:
                process.poll()  # reaps the server, our child; its orphans are init's
                tree = [pid for pid in tree if alive(pid)]
                if not tree:
                    break
                time.sleep(0.01)
            deadline = time.monotonic() + 2.0
        process.wait()
        self.process = None


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not: it only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="session")
def sshd() -> Iterator[SSHServer]:
    """A running sshd on 127.0.0.1 that the current user logs in to with `.key`."""
    for program in (SSHD, "ssh", "ssh-keygen"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is missing: scripts/setup --test installs OpenSSH")
    with tempfile.TemporaryDirectory(prefix="ogsbot-sshd-") as directory:
        server = SSHServer(Path(directory))
        try:
            server.start()
            yield server
        finally:
            server.stop()
