"""Every benchmark script still runs (its --smoke mode: seconds, nothing written), so none rots."""

import subprocess
import sys

import pytest

from conftest import ROOT, needs_corpus, needs_devset

SCRIPTS = ["bench_accuracy.py", "select_model.py", "learning_curve.py", "bench_suggest.py", "bench_silver.py",
           "bench_memory.py", "bench_speed.py", "bench_backends.py", "bench_embed.py", "bench_calibration.py"]


@pytest.mark.slow
@needs_devset
@needs_corpus
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_smoke_run(script, tmp_path):
    if not (ROOT / "scripts" / script).is_file():
        pytest.skip(f"{script} is not in this checkout")
    before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--smoke"], capture_output=True,
                            text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "|" in result.stdout  # a table was printed
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == before  # smoke runs write nothing
