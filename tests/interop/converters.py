"""The providers' schema converters (openai-agents, google-genai) in a virtualenv of their own.

They are test tools, not dependencies: their pins must never constrain ours, so they live in
`.ci-cache/converters` (ignored by git). `python tests/interop/converters.py` installs them; CI does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("RESPAN_MCP_CONVERTERS_VENV", ROOT / ".ci-cache" / "converters"))
PACKAGES = ["openai-agents==0.24.0", "google-genai==3.6.1"]


def python() -> Path:
    return VENV / "bin" / "python"


def installed() -> bool:
    if not python().exists():
        return False
    probe = subprocess.run([python(), "-c", "import agents.strict_schema, google.genai._transformers"],
                           capture_output=True, check=False)  # fmt: skip
    return probe.returncode == 0


def ensure() -> None:
    if installed():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    for attempt in range(3):  # a registry hiccup should not fail CI
        done = subprocess.run([python(), "-m", "pip", "install", "-q", *PACKAGES], check=False)
        if done.returncode == 0 and installed():
            return
        time.sleep(5 * (attempt + 1))
    raise SystemExit("could not install the provider converters (openai-agents, google-genai)")


if __name__ == "__main__":
    ensure()
    print(f"provider converters ready in {VENV}")
