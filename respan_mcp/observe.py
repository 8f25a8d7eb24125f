"""Where the server's own measurements leave the code that does the work.

The tools' wrapper and the Respan client call these; they do nothing unless an observer is added
(`serving/metrics.py`, `serving/tracing.py`), so the work never imports the serving side and costs a loop
over an empty list when nothing observes. An observer that fails never fails the call it watches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observer:
    tool_started: Callable[[str, dict[str, Any]], None] | None = None  # tool name, its arguments
    tool_finished: Callable[[str, str, float, Any], None] | None = None  # name, outcome, seconds, result or None
    api_answered: Callable[[str], None] | None = None  # the HTTP status of a Respan API answer, or "error"
    # The trace a gateway request made now belongs to: (trace id, span id) as hex, or None.
    current_trace: Callable[[], tuple[str, str] | None] | None = None
    auth_event: Callable[[str], None] | None = None  # an OAuth event (serving/oauth): "sign_in", "token_refused", ...


_observers: list[Observer] = []


def add(observer: Observer) -> None:
    _observers.append(observer)


def remove(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def _each(hook: str, *args: Any) -> None:
    for observer in _observers:
        fn = getattr(observer, hook)
        if fn is not None:
            try:
                fn(*args)
            except Exception:  # an observer's bug is logged, never the tool call's failure
                log.warning("observer %s failed", hook, exc_info=True)


def tool_started(name: str, arguments: dict[str, Any]) -> None:
    if _observers:
        _each("tool_started", name, arguments)


def tool_finished(name: str, outcome: str, seconds: float, result: Any = None) -> None:
    if _observers:
        _each("tool_finished", name, outcome, seconds, result)


def api_answered(status: str) -> None:
    if _observers:
        _each("api_answered", status)


def auth_event(event: str) -> None:
    if _observers:
        _each("auth_event", event)


def current_trace() -> tuple[str, str] | None:
    for observer in _observers:
        if observer.current_trace is not None:
            found = observer.current_trace()
            if found:
                return found
    return None
