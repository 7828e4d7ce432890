"""The index is the same in every process: nothing in it may follow the hash seed's set order."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.settings import PROJECT_ROOT

DIGEST = """
import hashlib
from bot.content.loader import load
from bot.knowledge import Library
from bot.settings import PROJECT_ROOT

index = Library(load(PROJECT_ROOT / "content")).index
parts = [
    sorted(index.prefixes.items()),
    sorted(index.lexicon.items()),
    sorted((p.key, sorted(p.terms), p.weight) for p in index.phrasings),
    sorted((word, sorted(by_lang.items())) for word, by_lang in index.pool_terms.items()),
    sorted(index.idf.items()),
]
print(hashlib.sha256(repr(parts).encode()).hexdigest())
"""


def test_the_index_does_not_depend_on_the_hash_seed() -> None:
    """Two processes with different hash seeds build the same index from the shipped content.

    A prefix of two equally long stems ("organi" of "organis" and "organiz") once stood for
    whichever the set order put first, so a typed word could resolve differently after a restart.
    """
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", DIGEST],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    digests = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert len(digests[0]) == 64 and digests[0] == digests[1]
