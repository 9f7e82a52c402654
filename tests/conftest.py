import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_LABELS = ROOT / "labels" / "seeds.jsonl"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "reports"
DEVSET = SHARED / "devset" / "devset.jsonl"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
needs_devset = pytest.mark.skipif(not DEVSET.is_file(), reason="../shared/devset is absent")


class Result:
    """What a finished ``themes`` command left: exit code and its output as bytes."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli(*args, stdin=None, cwd=None):
    """Run the real ``themes`` command in this process (click's CliRunner), as a user would
    type it: real files, real models, the real exit code."""
    from click.testing import CliRunner
    from theme_classifier.cli import main
    old = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(result.exit_code, result.stdout_bytes, result.stderr_bytes)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def seed_records():
    from theme_classifier.labels import load_labels
    return load_labels([SEED_LABELS])


@pytest.fixture(scope="session")
def embeddings_dir(tmp_path_factory):
    """Small real word2vec vectors (``themes embed`` on the seed reports), made once per session."""
    out = tmp_path_factory.mktemp("emb") / "seeds"
    result = run_cli("embed", SEEDS, "-o", out, "--epochs", "2", "--min-count", "2", "--vector-size", "32", "-q")
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="session")
def seed_vectors(embeddings_dir):
    from theme_classifier.embeddings import load_vectors
    return load_vectors(embeddings_dir)[0]

