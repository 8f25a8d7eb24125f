"""`BROWSER=... python -m tests.clients.browser_cli <url>`: the person at the browser, for a client that opens one.

Signs in on our page with the key in RESPAN_TEST_SIGN_IN_KEY, then visits the redirect the page answers with
(the client's own callback listener), as a browser would. Records what it did in RESPAN_TEST_BROWSER_LOG.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

from tests.clients.browser import sign_in


def main(url: str) -> int:
    answer = sign_in(url, api_key=os.environ["RESPAN_TEST_SIGN_IN_KEY"])
    location = answer.headers.get("location", "")
    log = os.environ.get("RESPAN_TEST_BROWSER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{answer.status_code} {location.split('?')[0]}\n")
    if answer.status_code != 303 or not location:
        return 1
    # Like a person, slower than a script: the client may start its callback listener after opening the browser.
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(location, timeout=30)
            return 0
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[-1]))


def browser_script(folder: Path) -> Path:
    """An executable for `BROWSER` that runs this module (clients open the sign-in URL with it)."""
    root = Path(__file__).resolve().parents[2]
    script = folder / "browser.sh"
    script.write_text(f'#!/bin/sh\ncd "{root}" && exec "{sys.executable}" -m tests.clients.browser_cli "$@"\n')
    script.chmod(0o755)
    return script
