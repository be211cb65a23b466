"""Faults the emulator injects on demand, so reliability is tested, not hoped for.

Each fault is switched on through the control API (`/_sandbox/faults/...`) and wears off by
itself: after a number of uses or a number of seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RestFault:
    """Answer REST calls under `path_prefix` with `status` for `count` calls, `delay`
    seconds late. A status under 400 with a delay is a slow server: the call is carried out
    and its answer comes late (a client that gives up first cannot know it was acted on)."""

    path_prefix: str
    status: int
    count: int
    retry_after: float | None = None
    method: str = ""
    delay: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "path_prefix": self.path_prefix,
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after,
            "method": self.method,
            "delay": self.delay,
        }


@dataclass
class EventFault:
    """Delay or duplicate the events whose names start with `prefix`, until `until`."""

    prefix: str
    delay: float = 0.0
    duplicate: int = 0
    until: float = field(default_factory=lambda: time.monotonic() + 3600)

    def active(self) -> bool:
        return time.monotonic() < self.until

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "delay": self.delay,
            "duplicate": self.duplicate,
            "seconds_left": max(0.0, self.until - time.monotonic()),
        }


@dataclass
class Faults:
    """The faults in force."""

    rest: list[RestFault] = field(default_factory=list)
    events: list[EventFault] = field(default_factory=list)

    def rest_fault(self, method: str, path: str) -> RestFault | None:
        """The fault that takes this call, if any (and uses one of its counts up)."""
        for fault in self.rest:
            if path.startswith(fault.path_prefix) and fault.method in ("", method):
                fault.count -= 1
                if fault.count <= 0:
                    self.rest.remove(fault)
                return fault
        return None

    def event_fault(self, name: str) -> EventFault | None:
        self.events = [f for f in self.events if f.active()]
        return next((f for f in self.events if name.startswith(f.prefix)), None)

    def clear(self) -> None:
        self.rest.clear()
        self.events.clear()

    def to_json(self) -> dict[str, Any]:
        return {
            "rest": [f.to_json() for f in self.rest],
            "events": [f.to_json() for f in self.events if f.active()],
        }
