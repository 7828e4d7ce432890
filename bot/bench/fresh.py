"""Running one part of `bot bench` in a fresh interpreter.

The rest of a run leaves its own objects in memory (synthetic content, the baselines' indexes);
memory, start-up and the end-to-end throughput are measured where nothing of that weighs on
them. Only the standard library is imported here, so the child measures Sild and nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any


def run_fresh(
    module: str,
    args: Sequence[str] = (),
    request: Any = None,
    *,
    what: str,
    timeout: float,
) -> dict[str, Any]:
    """Run `python -m module args` with `request` as JSON on its stdin (if given) and return
    the JSON object it prints last; `what` names the measurement in the error if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        input=None if request is None else json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed: {done.stderr.strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures
