"""One daemon per bot account per machine: a lock file held while the daemon runs.

Two daemons playing one account answer every challenge twice and play the same games
("point is occupied"). The lock is an advisory `flock` on a file named after the server and
the API key (hashed: the key never reaches a file name or a message); the kernel releases it
however the daemon ends, kill -9 included, so a stale lock never blocks a restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another daemon holds this bot account's lock on this machine."""


def default_lock_dir() -> Path:
    """`$XDG_RUNTIME_DIR/ogsbot`, else a per-user folder in the temporary directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "ogsbot"
    return Path(tempfile.gettempdir()) / f"ogsbot-{os.getuid()}"


class InstanceLock:
    """Held from `acquire()` to `release()`; the second holder gets `AlreadyRunning`."""

    def __init__(self, folder: Path, server: str, api_key: str) -> None:
        digest = hashlib.sha256(f"{server}\0{api_key}".encode()).hexdigest()[:20]
        self.path = folder / f"{digest}.lock"
        self.control_path = folder / f"{digest}.sock"  # the daemon's control socket
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        file = self.path.open("a+")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise AlreadyRunning(
                f"another ogsbot is already running for this bot account on this machine "
                f"(pid {holder}; lock {self.path}); stop it first, or give this one another "
                f"account's API key"
            ) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.truncate(0)
        self._file.close()  # closing the file releases the flock
        self._file = None
