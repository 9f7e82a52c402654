import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "reports"
DEVSET = SHARED / "devset" / "devset.jsonl"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
needs_devset = pytest.mark.skipif(not DEVSET.is_file(), reason="../shared/devset is absent")


def run_cli(*args, stdin=None, cwd=None):
    """Run the real ``themes`` command in a subprocess (as a user would)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "theme_classifier", *map(str, args)],
                          input=stdin, capture_output=True, cwd=cwd or ROOT, env=env, timeout=600)


@pytest.fixture
def cli():
    return run_cli
