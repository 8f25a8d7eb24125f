"""Where the server's own measurements leave the code that does the work.

The tools' wrapper and the Respan client call these; they do nothing unless `serving/metrics.py` (or another
observer) installs real ones, so the work never imports the serving side and costs one call when off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _nothing(*_: Any) -> None:
    return None


tool_started: Callable[[str], None] = _nothing  # tool name
tool_finished: Callable[[str, str, float], None] = _nothing  # tool name, outcome, seconds
api_answered: Callable[[str], None] = _nothing  # the HTTP status of a Respan API answer, or "error"


def install(started: Callable[[str], None], finished: Callable[[str, str, float], None],
            answered: Callable[[str], None]) -> None:  # fmt: skip
    global tool_started, tool_finished, api_answered
    tool_started, tool_finished, api_answered = started, finished, answered
