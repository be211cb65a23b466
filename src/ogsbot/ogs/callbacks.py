"""Event callbacks of every shape a script written for ogsapi uses, and loud failures.

ogsapi's usage text writes handlers as `def handler(data)`, its class example as
`def event_handler(self, event_name, data)`, and ogsapi 1.3.0 itself calls
`callback_handler(event_name=..., data=...)`. `adapt` turns any of them into one
`(event, data)` callable, choosing by the handler's signature once, not by trial and error
(a TypeError raised inside a handler must not be mistaken for a wrong shape).

A handler that raises is reported with its name and the event: through loguru when ogsbot's
log lines are enabled and a sink takes errors, else on stderr as Python reports an exception
in a thread. Never silently: ogsbot's logging is off by default, like the seed's. ogsbot's
own frames are left out of the traceback: their variables hold credentials.
"""

from __future__ import annotations

import inspect
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from loguru import logger

EventCallback = Callable[[str, Any], None]
Callback = Callable[..., Any]  # a script's: (data), (event_name, data) or (event_name=, data=)


def callable_name(function: Callable[..., Any]) -> str:
    """A handler's name as a reader knows it: `Game.event_handler`, `on_event`, ..."""
    return str(
        getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or function
    )


def _shape(handler: Callable[..., Any]) -> str:
    """How to call `handler`: "keywords", "pair", "data" or "none"."""
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):  # a builtin with no signature: the common shape
        return "pair"
    names = {p.name for p in parameters}
    kinds = [p.kind for p in parameters]
    if {"event_name", "data"} <= names:
        return "keywords"
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return "pair"
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    if len(positional) >= 2 and len(required) <= 2:
        return "pair"
    if len(positional) == 1 or (not positional and "data" in names):
        return "data"
    if inspect.Parameter.VAR_KEYWORD in kinds:
        return "keywords"
    return "none" if not required else "pair"


_PACKAGE = str(Path(__file__).resolve().parent.parent)


def _without_our_frames(error: BaseException, seen: set[int] | None = None) -> None:
    """Drop ogsbot's own frames from `error`'s traceback (and its causes'): a sink that shows
    variables (loguru's `diagnose`) would print a REST call's API key or a token from them.
    The script's own frames, where its handler failed, stay."""
    seen = seen if seen is not None else set()
    if id(error) in seen:
        return
    seen.add(id(error))
    kept: list[TracebackType] = []
    tb = error.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
            kept.append(tb)
        tb = tb.tb_next
    rebuilt: TracebackType | None = None
    for entry in reversed(kept):
        rebuilt = TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    error.__traceback__ = rebuilt
    for linked in (error.__cause__, error.__context__):
        if linked is not None:
            _without_our_frames(linked, seen)


def report_failure(handler: Callable[..., Any], event: str, error: BaseException) -> None:
    """Say that `handler` raised on `event`: in ogsbot's log if anyone sees it, else on stderr."""
    name = callable_name(handler)
    _without_our_frames(error)
    seen = False

    def mark(record: Any) -> None:
        nonlocal seen
        seen = True

    logger.patch(mark).opt(exception=error).error("callback {} failed on {}", name, event)
    if not seen:
        print(f"ogsbot: callback {name} failed on event {event!r}:", file=sys.stderr)
        traceback.print_exception(error, file=sys.stderr)


def adapt(handler: Callable[..., Any]) -> EventCallback:
    """`handler` as a `(event, data)` callback that reports, never raises, its failures."""
    shape = _shape(handler)

    def callback(event: str, data: Any) -> None:
        try:
            if shape == "keywords":
                handler(event_name=event, data=data)
            elif shape == "pair":
                handler(event, data)
            elif shape == "data":
                handler(data)
            else:
                handler()
        except Exception as exc:
            report_failure(handler, event, exc)

    callback.__qualname__ = callable_name(handler)
    return callback


def ignore(*args: Any, **kwargs: Any) -> None:
    """The callback when the script gives none."""
