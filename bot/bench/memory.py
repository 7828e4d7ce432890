"""Memory and start-up, measured in a fresh Python process so nothing else inflates the figures.

`python -m bot.bench.memory [CONTENT_DIR]` prints one JSON object: the peak resident set size
(`VmHWM`, else `ru_maxrss`) after importing Sild's content and matching code, and after loading
all content and building the index; the time to do that (`LiveLibrary`, as `bot run` starts it:
load, check, index), split into its steps; and the time a content reload takes once a file
changed. The content is copied to a temporary folder first, so touching a file for the reload
leaves the real content alone. `measure_memory` runs it (several times, one after another, in
a full run) and returns the object.

Only the standard library (and `bot.bench.fresh`, which imports nothing else) is imported at
module level: the process measures Sild, not the benchmark's own tools.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bot.bench.fresh import run_fresh


def _peak_mb() -> float:
    """The peak resident set size of this process so far, in MB.

    Linux's `VmHWM` where there is one: `ru_maxrss` also counts the parent's pages that the
    forked child held for a moment before it started Python, so it reports the parent's size
    whenever the parent was bigger. Elsewhere `ru_maxrss` (KiB on Linux, bytes on macOS).
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def measure_here(root: Path) -> dict[str, Any]:
    """Load and index the content under `root` in this process and report the figures."""
    started = time.perf_counter()
    from bot.content.check import check
    from bot.content.loader import load
    from bot.knowledge import Library, LiveLibrary

    imported = time.perf_counter() - started
    after_imports = _peak_mb()
    with tempfile.TemporaryDirectory(prefix="sild-bench-") as folder:
        copy = Path(folder) / "content"
        shutil.copytree(root, copy)
        started = time.perf_counter()
        live = LiveLibrary(copy)
        load_and_index = time.perf_counter() - started
        peak = _peak_mb()
        entries = len(live.current.content.all_entries())

        started = time.perf_counter()
        content = load(copy)
        load_only = time.perf_counter() - started
        started = time.perf_counter()
        check(content, date.today(), warnings=False)
        check_only = time.perf_counter() - started
        started = time.perf_counter()
        Library(content)
        index_only = time.perf_counter() - started

        changed = next(copy.rglob("*.md"))
        stat = changed.stat()
        os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        started = time.perf_counter()
        reloaded = live.reload_if_changed()
        reload_time = time.perf_counter() - started
    return {
        "entries": entries,
        "import_s": round(imported, 3),
        "peak_rss_after_imports_mb": after_imports,
        "peak_rss_mb": peak,
        "load_and_index_s": round(load_and_index, 3),
        "steps_s": {
            "load": round(load_only, 3),
            "check": round(check_only, 3),
            "index": round(index_only, 3),
        },
        "reload_s": round(reload_time, 3),
        "reloaded": reloaded,
    }


def measure_memory(root: Path, runs: int = 1) -> dict[str, Any]:
    """Run `measure_here` in `runs` fresh interpreters, one after another; return the run with
    the fastest load and index, with the highest peak RSS of all runs (a busy neighbour only
    ever slows a start down, while memory does not depend on it)."""
    results = [_measure_fresh(root) for _ in range(max(1, runs))]
    best = dict(min(results, key=lambda figures: float(figures["load_and_index_s"])))
    best["peak_rss_mb"] = max(float(figures["peak_rss_mb"]) for figures in results)
    best["runs"] = len(results)
    best["load_and_index_s_each"] = [figures["load_and_index_s"] for figures in results]
    return best


def _measure_fresh(root: Path) -> dict[str, Any]:
    """`measure_here` in a fresh interpreter."""
    return run_fresh("bot.bench.memory", [str(root)], what="memory measurement", timeout=300)


def main(argv: list[str]) -> int:
    """Measure the content folder named in `argv` (default: the shipped content)."""
    if argv:
        root = Path(argv[0])
    else:
        from bot.settings import PROJECT_ROOT

        root = PROJECT_ROOT / "content"
    print(json.dumps(measure_here(root)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
